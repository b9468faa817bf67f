"""The project's services and the ports they listen on in development.

Each ``services/<name>/app.py`` is its own application. ``python -m services`` runs them
all together; ``gobstopper run services.<name>.app:app --port N`` runs one.
"""

from __future__ import annotations

__all__ = ["SERVICES"]

#: service name → development port. The gateway is the one clients talk to.
SERVICES: dict[str, int] = {"gateway": 8000, "core": 8001}
