"""Type stubs for the compiled Rust module of ``gobstopper-core``.

PyO3 classes take their arguments in ``__new__`` and cannot be subclassed (``@final``); the
stubs say so, so that ``mypy.stubtest`` checks them against the built extension.
"""

from collections.abc import Callable, Iterable
from typing import Any, ClassVar, final

from typing_extensions import Self

__all__ = ["Router", "StaticFiles", "TemplateEngine", "TemplateError", "__version__"]

__version__: str

@final
class Router:
    """The dynamic half of ``gobstopper.routing.Router``, as a segment trie in Rust."""

    SEGMENT_KINDS: ClassVar[dict[str, int]]
    def __new__(cls, fallback: Callable[[str], Any]) -> Self: ...
    def insert(
        self,
        segments: Iterable[tuple[int, str, str, int, Callable[[str], Any] | None]],
        endpoints: dict[str, Any],
    ) -> None: ...
    def match_dynamic(self, path: str) -> tuple[dict[str, Any], dict[str, Any]] | None: ...

@final
class StaticFiles:
    """The per-request lookup of ``gobstopper.staticfiles.StaticFiles``."""

    def __new__(
        cls,
        root: str,
        allow_hidden: bool,
        precompressed: bool,
        build: Callable[[str, str, str | None], Any],
        fallback: Callable[[str, str | None], Any],
        recheck: float,
    ) -> Self: ...
    def lookup(self, path: str, accept_encoding: str | None = None) -> Any: ...
    def clear(self) -> None: ...

@final
class TemplateEngine:
    """A minijinja environment printing and escaping values exactly as Jinja2 does."""

    def __new__(
        cls, loader: Callable[[str], str | None], autoescape_extensions: list[str]
    ) -> Self: ...
    def render(self, name: str, context: dict[str, Any]) -> str: ...
    def add_filter(self, name: str, function: Callable[..., Any]) -> None: ...
    def clear(self) -> None: ...

class TemplateError(RuntimeError):
    """A template the Rust engine could not render."""
