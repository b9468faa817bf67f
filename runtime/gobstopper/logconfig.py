"""Where the ``gobstopper`` logger writes when the application configured no logging.

``gobstopper run`` passes its ``--log-level`` to the workers as ``GOBSTOPPER_LOG_LEVEL``;
a worker whose ``gobstopper`` logger (and the root logger) has no handler then writes its
records at that level to standard output, in Granian's format. An application that sets
up logging itself is left alone.
"""

from __future__ import annotations

import logging
import os
import sys

__all__ = ["configure_default_logging"]

_LEVELS = {"CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG"}


def configure_default_logging() -> None:
    """Give the ``gobstopper`` logger a handler at ``GOBSTOPPER_LOG_LEVEL``, if unset."""
    level = os.environ.get("GOBSTOPPER_LOG_LEVEL", "").upper()
    logger = logging.getLogger("gobstopper")
    if level not in _LEVELS or logger.handlers or logging.root.handlers:
        return
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("[%(levelname)s] %(name)s: %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(level)
