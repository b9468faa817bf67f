"""Jinja2 templates (extra ``templates``): rendering, streaming, context processors,
filters and globals, with templates looked up in the application's folder first and then in
each blueprint's ``template_folder``, as Flask does.

>>> app.init_templates("templates")           # optional: defaults are used on first render
>>> @app.get("/hello/<name>")
... async def hello(name: str):
...     return await app.render_template("hello.html", name=name)

Templates are autoescaped (``.html``, ``.htm``, ``.xml``, ``.xhtml``, ``.svg`` and strings),
may await what they call (rendered by Jinja2's sync code when they await nothing: see
:mod:`gobstopper.templating_sync`), and re-read when edited if ``auto_reload`` is on (the default in
debug mode). Every template sees ``request``, ``url_for``, ``get_notifications()``,
``csrf_token()``, ``csp_nonce()`` and what context processors add.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import TYPE_CHECKING, Any

from .accelerators import native
from .http.request import request_in_context
from .http.response import StreamResponse
from .notifications import get_notifications
from .security.csrf import csrf_token
from .security.headers import csp_nonce

try:
    import jinja2
except ImportError as missing:  # pragma: no cover - exercised without the extra
    raise ImportError(
        'templates need Jinja2: install it with pip install "gobstopper[templates]"'
    ) from missing

from .templating_rust import RustTemplates
from .templating_sync import SyncTwin

if TYPE_CHECKING:
    from .app import Gobstopper

__all__ = ["TemplateRenderError", "Templates"]

ContextProcessor = Callable[[], "dict[str, Any] | Awaitable[dict[str, Any]]"]
_AUTOESCAPED = ("html", "htm", "xml", "xhtml", "svg")


class TemplateRenderError(Exception):
    """A template failed to compile or render; names the template and the line."""

    def __init__(self, template: str, lineno: int | None, message: str) -> None:
        self.template = template
        self.lineno = lineno
        self.message = message
        where = f"template {template!r}" + (f", line {lineno}" if lineno else "")
        super().__init__(f"{where}: {message}")


def _failing_line(error: BaseException, filename: str | None) -> int | None:
    """The template line being executed when ``error`` was raised (Jinja2 rewrites
    tracebacks so template frames carry the template's file name and line)."""
    lineno = getattr(error, "lineno", None)
    if isinstance(lineno, int) and lineno:
        return lineno
    tb = error.__traceback__
    found = None
    while tb is not None:
        if filename is not None and tb.tb_frame.f_code.co_filename == filename:
            found = tb.tb_lineno
        tb = tb.tb_next
    return found


class Templates:
    """The Jinja2 environment of one application (made by :meth:`Gobstopper.init_templates`).

    :param folder: the application's template folder, relative to its module.
    :param auto_reload: re-read edited templates on the next render (default: debug mode).
    :param enable_async: render with Jinja2's async mode, so templates may ``await``.
    """

    def __init__(
        self,
        app: Gobstopper,
        folder: str | os.PathLike[str] | None = "templates",
        *,
        auto_reload: bool | None = None,
        enable_async: bool = True,
    ) -> None:
        self.app = app
        self.folder = None if folder is None else os.path.join(app.root_path, os.fspath(folder))
        self.enable_async = enable_async
        self.context_processors: list[ContextProcessor] = []
        self.environment: jinja2.Environment = jinja2.Environment(
            loader=_ScaffoldLoader(self),
            autoescape=jinja2.select_autoescape(_AUTOESCAPED, default_for_string=True),
            auto_reload=app.debug if auto_reload is None else auto_reload,
            enable_async=enable_async,
        )
        self.environment.globals.update(
            url_for=app.url_for,
            get_notifications=_with_request(get_notifications),
            csrf_token=_with_request(csrf_token),
            csp_nonce=_with_request(csp_nonce),
        )
        core = native()
        self._rust = None if core is None else RustTemplates(self.environment, core, _AUTOESCAPED)
        self._sync = SyncTwin(self.environment) if enable_async else None

    def folders(self) -> Iterator[str]:
        """The template folders in search order: the application's, then each blueprint's."""
        if self.folder is not None:
            yield self.folder
        yield from self.app.blueprint_template_folders()

    async def _context(self, values: dict[str, Any]) -> dict[str, Any]:
        context: dict[str, Any] = {"request": request_in_context()}
        for processor in self.context_processors:
            extra = processor()
            if isinstance(extra, Awaitable):
                extra = await extra
            context.update(extra)
        context.update(values)
        return context

    def _template(self, name: str) -> jinja2.Template:
        try:
            return self.environment.get_template(name)
        except jinja2.TemplateSyntaxError as error:
            raise _syntax_error(error, name) from error

    async def render(self, name: str, values: dict[str, Any]) -> str:
        """Render the template file ``name`` with ``values`` to a string: in Rust when the
        core is installed and the template qualifies (see :mod:`gobstopper.templating_rust`),
        else by Jinja2's sync code when it awaits nothing (see
        :mod:`gobstopper.templating_sync`), else in Jinja2's async mode."""
        if self.context_processors:
            context = await self._context(values)
        else:  # _context's result without its coroutine
            context = {"request": request_in_context(), **values}
        if self._rust is not None:
            output = self._rust.render(name, context)
            if output is not None:
                return output
        if self._sync is not None:
            try:
                template = self._sync.template(name)
            except jinja2.TemplateSyntaxError as error:
                raise _syntax_error(error, name) from error
            if template is not None:
                try:
                    output = self._sync.render(name, template, context)
                except Exception as error:
                    raise _render_error(error, name, template) from error
                if output is not None:
                    return output
        return await self._render(self._template(name), name, context)

    async def render_string(self, source: str, values: dict[str, Any]) -> str:
        """Render the template source ``source`` with ``values`` to a string."""
        try:
            template = self.environment.from_string(source)
        except jinja2.TemplateSyntaxError as error:
            raise _syntax_error(error, "<string>") from error
        return await self._render(template, "<string>", await self._context(values))

    async def _render(self, template: jinja2.Template, name: str, context: dict[str, Any]) -> str:
        try:
            if self.enable_async:
                return await template.render_async(context)
            return template.render(context)
        except Exception as error:
            raise _render_error(error, name, template) from error

    async def stream(self, name: str, values: dict[str, Any]) -> StreamResponse:
        """A response that sends the template ``name`` as it renders, chunk by chunk."""
        template = self._template(name)
        context = await self._context(values)
        chunks: AsyncIterator[str]
        if self.enable_async:
            chunks = template.generate_async(context)
        else:
            chunks = _as_async_iterator(template.generate(context))
        return StreamResponse(chunks, content_type="text/html; charset=utf-8")


def _syntax_error(error: jinja2.TemplateSyntaxError, name: str) -> TemplateRenderError:
    return TemplateRenderError(error.name or name, error.lineno, error.message or "")


def _render_error(error: Exception, name: str, template: jinja2.Template) -> TemplateRenderError:
    """``error``, raised while rendering ``template``, with the template line it failed on."""
    line = _failing_line(error, template.filename)
    return TemplateRenderError(name, line, f"{type(error).__name__}: {error}")


async def _as_async_iterator(chunks: Iterator[str]) -> AsyncIterator[str]:
    for chunk in chunks:
        yield chunk


class _ScaffoldLoader(jinja2.BaseLoader):
    """Looks a template up in each folder of :meth:`Templates.folders`, in order."""

    def __init__(self, templates: Templates) -> None:
        self.templates = templates
        self._loaders: dict[str, jinja2.FileSystemLoader] = {}

    def _loader(self, folder: str) -> jinja2.FileSystemLoader:
        loader = self._loaders.get(folder)
        if loader is None:
            loader = self._loaders[folder] = jinja2.FileSystemLoader(folder)
        return loader

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str | None, Callable[[], bool] | None]:
        for folder in self.templates.folders():
            try:
                return self._loader(folder).get_source(environment, template)
            except jinja2.TemplateNotFound:
                continue
        raise jinja2.TemplateNotFound(template)

    def list_templates(self) -> list[str]:
        names: set[str] = set()
        for folder in self.templates.folders():
            if os.path.isdir(folder):
                names.update(self._loader(folder).list_templates())
        return sorted(names)


def _with_request(func: Callable[..., Any]) -> Callable[..., Any]:
    """``func`` as a template global: called with the request being rendered for. A
    template may still pass that request first, as a handler calls ``func``
    (``get_notifications(request)``); it is not passed twice."""

    def bound(*args: Any, **kwargs: Any) -> Any:
        request = request_in_context()
        if request is None:
            raise RuntimeError(f"{func.__name__}() needs a request: render inside a handler")
        if args and args[0] is request:
            args = args[1:]
        return func(request, *args, **kwargs)

    bound.__name__ = func.__name__
    return bound
