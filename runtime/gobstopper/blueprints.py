"""Blueprints: groups of routes, hooks and error handlers mounted under a prefix.

>>> api = Blueprint("api", __name__, url_prefix="/api")
>>> @api.get("/status")
... async def status():
...     return {"ok": True}
>>> app.register_blueprint(api)          # GET /api/status, endpoint "api.status"

Hooks and error handlers registered on a blueprint apply to its own routes (and those of
blueprints nested in it), after the application's. Tasks declared with
:meth:`Blueprint.task` join the application's tasks once the blueprint is registered.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, NamedTuple, TypeVar

from .scaffold import Scaffold
from .tasks.registry import check_category

F = TypeVar("F", bound=Callable[..., Any])


class TaskDeclaration(NamedTuple):
    """A task declared on a blueprint, registered with the application that mounts it."""

    func: Callable[..., Any]
    name: str | None
    category: str


__all__ = ["Blueprint"]


class Blueprint(Scaffold):
    """A reusable set of routes; see the module docs for an example.

    ``template_folder`` adds templates searched after the application's own;
    ``static_folder`` serves files under the blueprint's prefix at ``static_url_path``
    (``/static`` for a folder named ``static``), built with
    ``url_for("<blueprint>.static", filename=...)``. Relative folders are resolved against
    the blueprint's module.
    """

    def __init__(
        self,
        name: str,
        import_name: str,
        url_prefix: str | None = None,
        *,
        static_folder: str | os.PathLike[str] | None = None,
        static_url_path: str | None = None,
        template_folder: str | os.PathLike[str] | None = None,
        root_path: str | os.PathLike[str] | None = None,
    ) -> None:
        if not name or "." in name:
            raise ValueError(f"blueprint name {name!r} must be non-empty and contain no '.'")
        if url_prefix is not None and url_prefix and not url_prefix.startswith("/"):
            raise ValueError(f"url_prefix {url_prefix!r} must start with '/'")
        super().__init__(
            import_name,
            static_folder=static_folder,
            static_url_path=static_url_path,
            template_folder=template_folder,
            root_path=root_path,
        )
        self.name = name
        self.url_prefix = url_prefix
        self.declared_tasks: list[TaskDeclaration] = []

    def task(self, name: str | None = None, category: str = "default") -> Callable[[F], F]:
        """Declare the decorated function as a background task, like
        :meth:`Gobstopper.task <gobstopper.Gobstopper.task>`, so a feature's tasks can live
        with its routes.

        >>> reports = Blueprint("reports", __name__)
        >>> @reports.task(category="reports")
        ... async def build_report(report_id: int) -> dict: ...
        """
        check_category(category)

        def decorator(func: F) -> F:
            self._touch()
            self.declared_tasks.append(TaskDeclaration(func, name, category))
            return func

        return decorator

    def __repr__(self) -> str:
        return f"<Blueprint {self.name!r}>"
