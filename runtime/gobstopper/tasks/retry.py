"""When a failed task runs again: exponential backoff with full jitter, unless it failed
with :class:`NoRetry`."""

from __future__ import annotations

import random
from dataclasses import dataclass

__all__ = ["NoRetry", "RetryPolicy"]


class NoRetry(Exception):
    """Raised by a task (this class or a subclass) for a failure that trying again cannot
    fix, such as bad input: the task fails at once, its retries left unused.

    >>> @app.task("import_rows")
    ... def import_rows(path: str) -> int:
    ...     if not path.endswith(".csv"):
    ...         raise NoRetry(f"{path} is not a CSV file")
    ...     ...
    """


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Attempt ``n`` (1-based) that failed waits a random time in
    ``[base * 2**(n-1) / 2, base * 2**(n-1)]``, never more than ``cap`` seconds: spread
    out, so tasks that failed together do not retry together."""

    base: float = 1.0
    cap: float = 300.0

    def delay(self, attempt: int) -> float:
        """Seconds to wait after failed attempt ``attempt``."""
        ceiling = min(self.cap, self.base * 2 ** max(0, attempt - 1))
        return random.uniform(ceiling / 2, ceiling)
