"""The template methods of :class:`~gobstopper.Gobstopper`: set up Jinja2, render, and
register filters, globals and context processors."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from .http.response import StreamResponse
    from .templating import Templates

__all__ = ["TemplateMixin"]

F = TypeVar("F", bound=Callable[..., Any])


class TemplateMixin:
    """Templates on the application object."""

    template_folder: str | None  # from the scaffold
    uses_request_context: bool  # from the application
    _ensure_built: Callable[[], None]  # from the application
    _templates: Templates | None
    _template_filters: dict[str, Callable[..., Any]]
    _template_globals: dict[str, Any]
    _context_processors: list[Callable[[], Any]]
    _blueprint_templates: list[str]

    def _init_template_state(self) -> None:
        self._templates = None
        self._template_filters = {}
        self._template_globals = {}
        self._context_processors = []
        self._blueprint_templates = []

    def init_templates(
        self,
        folder: str | os.PathLike[str] | None = None,
        *,
        auto_reload: bool | None = None,
        enable_async: bool = True,
    ) -> Templates:
        """Set up Jinja2 (extra ``templates``); see :mod:`gobstopper.templating`.

        ``folder`` defaults to the ``template_folder`` given to the application;
        ``auto_reload`` (re-read edited templates) defaults to debug mode. Calling it is
        optional when the template folder exists (the first render sets up the defaults);
        an application rendering only template strings should call it at startup so
        templates see ``request`` from the first request on.
        """
        from .templating import Templates

        templates = Templates(
            self,  # type: ignore[arg-type]  # the mixin is only ever a Gobstopper
            self.template_folder if folder is None else folder,
            auto_reload=auto_reload,
            enable_async=enable_async,
        )
        templates.environment.filters.update(self._template_filters)
        templates.environment.globals.update(self._template_globals)
        templates.context_processors = self._context_processors
        self._templates = templates
        self.uses_request_context = True
        return templates

    @property
    def templates(self) -> Templates:
        """The application's :class:`~gobstopper.templating.Templates` (created on first use)."""
        return self._templates if self._templates is not None else self.init_templates()

    def blueprint_template_folders(self) -> list[str]:
        """The template folders of every mounted blueprint, searched after the app's own."""
        self._ensure_built()
        return self._blueprint_templates

    async def render_template(self, name: str, /, **context: Any) -> str:
        """Render the template ``name`` with ``context`` (plus ``request``, ``url_for``,
        globals and context processors) to a string; awaited.

        >>> @app.get("/")
        ... async def index():
        ...     return await app.render_template("index.html", title="Home")
        """
        # A coroutine function, as the README's `await` and `asyncio.create_task` expect;
        # the frame it adds is small next to any render.
        return await self.templates.render(name, context)

    async def render_template_string(self, source: str, /, **context: Any) -> str:
        """Render template source code (autoescaped) with ``context`` to a string."""
        return await self.templates.render_string(source, context)

    async def stream_template(self, name: str, /, **context: Any) -> StreamResponse:
        """A streamed response that sends the template ``name`` while it renders."""
        return await self.templates.stream(name, context)

    def context_processor(self, func: F) -> F:
        """Add the ``dict`` that ``func()`` (sync or async) returns to every template's context."""
        self._context_processors.append(func)
        return func

    def template_filter(self, name: str | None = None) -> Callable[[F], F]:
        """Register the decorated function as a Jinja2 filter (``{{ price|euros }}``)."""
        return self._template_registrar(self._template_filters, "filters", name)

    def template_global(self, name: str | None = None) -> Callable[[F], F]:
        """Make the decorated function callable from every template."""
        return self._template_registrar(self._template_globals, "globals", name)

    def _template_registrar(
        self, registry: dict[str, Any], namespace: str, name: str | None
    ) -> Callable[[F], F]:
        def decorator(func: F) -> F:
            key = name or func.__name__
            registry[key] = func
            if self._templates is not None:
                getattr(self._templates.environment, namespace)[key] = func
            return func

        return decorator
