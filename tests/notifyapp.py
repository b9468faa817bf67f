"""An application whose page takes notifications and then meets an awaitable: the case
where a render is abandoned and started again (Jinja2's sync twin, the Rust engine)."""

from __future__ import annotations

from pathlib import Path

from gobstopper import Gobstopper, notification, redirect
from gobstopper.sessions import MemorySessionStore, SessionMiddleware

__all__ = ["AWAITING_PAGE", "make_awaiting_app"]

# Notifications first, then an awaitable: Jinja2's sync render (and the Rust engine, when
# used) starts the page and hands it over at `stats()`, after the notifications were taken.
AWAITING_PAGE = (
    "{% for message in get_notifications() %}<p>{{ message }}</p>{% endfor %}"
    "<span>{{ stats() }}</span>"
)


def make_awaiting_app(root: Path, with_sessions: bool = False) -> Gobstopper:
    """A fresh application in ``root``: ``POST /save`` queues "Saved", ``GET /page``
    renders :data:`AWAITING_PAGE` from ``root/templates/page.html``."""
    (root / "templates").mkdir()
    (root / "templates" / "page.html").write_text(AWAITING_PAGE)
    app = Gobstopper(__name__, root_path=root, static_folder=None, secret_key="notify-secret")
    if with_sessions:
        app.add_middleware(SessionMiddleware(MemorySessionStore()))

    @app.template_global()
    async def stats() -> int:
        return 7

    @app.post("/save")
    async def save(request):
        notification(request, "Saved")
        return redirect("/page")

    @app.get("/page")
    async def page(request):
        return await app.render_template("page.html")

    return app
