"""The smallest RSGI scope and HTTP protocol that Gobstopper and the bare app accept.

The benchmarks drive apps in-process with these rather than with the TestClient's
objects, so what they count is the framework's own work, not a test client's.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

__all__ = ["Protocol", "Scope"]


class _Headers:
    __slots__ = ("_pairs",)

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self._pairs = dict(pairs)

    def get(self, key: str, default: object = None) -> object:
        return self._pairs.get(key, default)

    def get_all(self, key: str) -> list[str]:
        return [self._pairs[key]] if key in self._pairs else []

    def items(self) -> list[tuple[str, str]]:
        return list(self._pairs.items())

    def keys(self) -> list[str]:
        return list(self._pairs)

    def __contains__(self, key: str) -> bool:
        return key in self._pairs


class Scope:
    """One request's scope: line, peer and headers."""

    def __init__(
        self, method: str, path: str, headers: list[tuple[str, str]], query_string: str = ""
    ) -> None:
        self.proto = "http"
        self.http_version = "1.1"
        self.server = "127.0.0.1:8000"
        self.client = "127.0.0.1:40000"
        self.scheme = "http"
        self.method = method
        self.path = path
        self.query_string = query_string
        self.authority = None
        self.headers = _Headers(headers)


class Protocol:
    """Takes the body in and the response out, discarding it."""

    __slots__ = ("_body",)

    def __init__(self, body: bytes = b"") -> None:
        self._body = body

    async def __call__(self) -> bytes:
        return self._body

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._chunks()

    async def _chunks(self) -> AsyncIterator[bytes]:
        if self._body:
            yield self._body

    def response_empty(self, status: int, headers: list[tuple[str, str]]) -> None:
        pass

    def response_str(self, status: int, headers: list[tuple[str, str]], body: str) -> None:
        pass

    def response_bytes(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        pass

    def response_file(self, status: int, headers: list[tuple[str, str]], file: str) -> None:
        pass

    def response_file_range(
        self, status: int, headers: list[tuple[str, str]], file: str, start: int, end: int
    ) -> None:
        pass
