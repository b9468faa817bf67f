"""Type stubs for the compiled Rust module of ``gobstopper-core``.

PyO3 classes take their arguments in ``__new__`` and cannot be subclassed (``@final``); the
stubs say so, so that ``mypy.stubtest`` checks them against the built extension.
"""

from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any, ClassVar, final

from typing_extensions import Self

__all__ = [
    "Dispatcher",
    "Handling",
    "Router",
    "StaticFiles",
    "TemplateEngine",
    "TemplateError",
    "__version__",
    "json_nests_deeper",
]

__version__: str

def json_nests_deeper(body: bytes, max_depth: int) -> bool:
    """Whether the JSON document ``body`` nests deeper than ``max_depth`` (brackets in
    strings do not count): ``gobstopper.http.jsonbody.exceeds_depth`` in one pass."""

@final
class Dispatcher:
    """An application's RSGI callable: the common request served in Rust (see
    ``gobstopper.dispatch``), every other one by ``serve(scope, protocol)``."""

    def __new__(cls, serve: Callable[[Any, Any], Awaitable[None]]) -> Self: ...
    def install(
        self,
        *,
        static_routes: dict[str, dict[str, Any]],
        match_dynamic: Callable[[str], tuple[dict[str, Any], dict[str, Any]] | None],
        routes: list[
            tuple[
                Any,
                Callable[..., Any],
                bool,
                bool,
                str,
                tuple[Callable[..., Any], str, Any, bool] | None,
            ]
        ],
        converters: dict[type, Callable[[Any], Any] | None],
        direct: Mapping[
            Callable[[Any], Any], tuple[Callable[[Any], bytes] | None, tuple[str, str]]
        ],
        sendable: list[type],
        request_class: type,
        request_preset: dict[str, Any] | None,
        app: Any,
        finish: Callable[..., Awaitable[None]],
        fail: Callable[..., Awaitable[None]],
        finish_awaiting: Callable[..., Awaitable[None]],
        apply_cookies: Callable[[list[tuple[str, str]]], None] | None,
        make_current: Callable[[Any], Any] | None,
        json_limits: tuple[int, int],
        decode_json: Callable[[bytes, Any, int], Any],
        body_lost: Callable[[Exception], Exception],
    ) -> None: ...
    def clear(self) -> None: ...
    @property
    def installed(self) -> bool: ...
    @property
    def makes_requests_natively(self) -> bool: ...
    def __call__(self, scope: Any, protocol: Any) -> Awaitable[None]: ...

@final
class Handling:
    """One request on its way through a ``Dispatcher``: awaitable, like a coroutine."""

    @property
    def request(self) -> Any:
        """The ``gobstopper.Request`` being served, made on first use."""
    def __await__(self) -> Self: ...
    def __iter__(self) -> Self: ...
    def __next__(self) -> Any: ...
    def send(self, value: Any) -> Any: ...
    def throw(self, *args: Any) -> Any: ...
    def close(self) -> None: ...

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
