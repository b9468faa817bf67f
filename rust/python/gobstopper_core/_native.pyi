"""Type stubs for the compiled Rust module of ``gobstopper-core``."""

from collections.abc import Callable, Iterable
from typing import Any

__version__: str

class Router:
    """The dynamic half of ``gobstopper.routing.Router``, as a segment trie in Rust."""

    def __init__(self, fallback: Callable[[str], Any]) -> None: ...
    def insert(
        self, segments: Iterable[tuple[int, str, str, int, Any]], endpoints: dict[str, Any]
    ) -> None: ...
    def match_dynamic(self, path: str) -> tuple[dict[str, Any], dict[str, Any]] | None: ...

class StaticFiles:
    """The per-request lookup of ``gobstopper.staticfiles.StaticFiles``."""

    def __init__(
        self,
        root: str,
        allow_hidden: bool,
        precompressed: bool,
        build: Callable[[str, str, str | None], Any],
        fallback: Callable[[str, str | None], Any],
    ) -> None: ...
    def lookup(self, path: str, accept_encoding: str | None = None) -> Any: ...
    def clear(self) -> None: ...

class TemplateEngine:
    """A minijinja environment printing and escaping values exactly as Jinja2 does."""

    def __init__(
        self, loader: Callable[[str], str | None], autoescape_extensions: list[str]
    ) -> None: ...
    def render(self, name: str, context: dict[str, Any]) -> str: ...
    def add_filter(self, name: str, function: Callable[..., Any]) -> None: ...
    def clear(self) -> None: ...

class TemplateError(RuntimeError):
    """A template the Rust engine could not render."""
