"""The content-management domain: accounts and roles, articles and pages, media, and the
site object that ties them to the application.

Every structure of the project shares this package; only where the routes live differs
(``app.py``, ``blueprints/``, ``modules/`` or ``services/``).
"""

from __future__ import annotations

__all__: list[str] = []
