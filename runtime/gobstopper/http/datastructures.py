"""Multi-valued mappings used by requests and responses.

``MultiDict`` holds query arguments and form fields (a key may repeat); ``Headers`` is a
case-insensitive read-only view of request headers; ``MutableHeaders`` edits the header
list a :class:`~gobstopper.http.response.Response` sends.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any, TypeVar, overload

from .rsgi import RSGIHeaders

__all__ = ["Headers", "MultiDict", "MutableHeaders"]

_T = TypeVar("_T")


class MultiDict(Mapping[str, str]):
    """An immutable mapping where a key may carry several values.

    Indexing and :meth:`get` give the first value, as in Flask; :meth:`getlist` gives all.

    >>> args = MultiDict([("tag", "a"), ("tag", "b")])
    >>> args["tag"], args.getlist("tag")
    ('a', ['a', 'b'])
    """

    __slots__ = ("_items", "_lists")

    def __init__(self, items: Iterable[tuple[str, str]] = ()) -> None:
        self._items: list[tuple[str, str]] = list(items)
        lists: dict[str, list[str]] = {}
        for key, value in self._items:
            lists.setdefault(key, []).append(value)
        self._lists = lists

    def __getitem__(self, key: str) -> str:
        return self._lists[key][0]

    def __iter__(self) -> Iterator[str]:
        return iter(self._lists)

    def __len__(self) -> int:
        return len(self._lists)

    def __repr__(self) -> str:
        return f"MultiDict({self._items!r})"

    @overload
    def get(self, key: str) -> str | None: ...
    @overload
    def get(self, key: str, default: str | _T) -> str | _T: ...
    @overload
    def get(self, key: str, default: Any = None, *, type: type[_T]) -> _T | None: ...

    def get(self, key: str, default: Any = None, *, type: Any = None) -> Any:
        """Return the first value for ``key``, or ``default``.

        With ``type`` the value is converted (``args.get("page", 1, type=int)``); a value that
        does not convert gives ``default``, as in Werkzeug.
        """
        values = self._lists.get(key)
        if not values:
            return default
        if type is None:
            return values[0]
        try:
            return type(values[0])
        except (TypeError, ValueError):
            return default

    def getlist(self, key: str) -> list[str]:
        """Return every value given for ``key`` (an empty list when absent)."""
        return list(self._lists.get(key, ()))

    def multi_items(self) -> list[tuple[str, str]]:
        """Return all ``(key, value)`` pairs in the order they arrived."""
        return list(self._items)

    def to_dict(self, flat: bool = True) -> dict[str, Any]:
        """Return a plain dict: first values when ``flat``, else lists of values."""
        if flat:
            return {key: values[0] for key, values in self._lists.items()}
        return {key: list(values) for key, values in self._lists.items()}


class Headers(Mapping[str, str]):
    """Case-insensitive, read-only view of the request headers.

    >>> request.headers["Content-Type"] == request.headers["content-type"]
    True
    """

    __slots__ = ("_raw",)

    def __init__(self, raw: RSGIHeaders) -> None:
        self._raw = raw

    def __getitem__(self, key: str) -> str:
        value = self._raw.get(key.lower())
        if value is None:
            raise KeyError(key)
        return value

    @overload
    def get(self, key: str) -> str | None: ...
    @overload
    def get(self, key: str, default: str | _T) -> str | _T: ...

    def get(self, key: str, default: Any = None) -> Any:
        """Return the first value of header ``key`` (any case), or ``default``."""
        value = self._raw.get(key.lower())
        return default if value is None else value

    def getlist(self, key: str) -> list[str]:
        """Return every value sent for header ``key``."""
        return list(self._raw.get_all(key.lower()))

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key.lower() in self._raw

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys(self._raw.keys()))

    def __len__(self) -> int:
        return len(dict.fromkeys(self._raw.keys()))

    def multi_items(self) -> list[tuple[str, str]]:
        """Return all ``(name, value)`` pairs, repeated headers included."""
        return list(self._raw.items())

    def __repr__(self) -> str:
        return f"Headers({self.multi_items()!r})"


class MutableHeaders:
    """Case-insensitive editor of a response's header list.

    Setting an item replaces every header of that name; :meth:`add` appends one more
    (as needed for ``Set-Cookie``).

    >>> response.headers["Cache-Control"] = "no-store"
    >>> response.headers.add("Set-Cookie", "a=1")
    """

    __slots__ = ("_list",)

    def __init__(self, raw: list[tuple[str, str]]) -> None:
        self._list = raw

    def __getitem__(self, key: str) -> str:
        name = key.lower()
        for header, value in self._list:
            if header == name:
                return value
        raise KeyError(key)

    @overload
    def get(self, key: str) -> str | None: ...
    @overload
    def get(self, key: str, default: str | _T) -> str | _T: ...

    def get(self, key: str, default: Any = None) -> Any:
        """Return the first value of header ``key``, or ``default``."""
        try:
            return self[key]
        except KeyError:
            return default

    def getlist(self, key: str) -> list[str]:
        """Return every value of header ``key``."""
        name = key.lower()
        return [value for header, value in self._list if header == name]

    def __setitem__(self, key: str, value: str) -> None:
        _check_header(key, value)
        name = key.lower()
        self._list[:] = [(header, v) for header, v in self._list if header != name]
        self._list.append((name, value))

    def setdefault(self, key: str, value: str) -> str:
        """Set header ``key`` unless present; return its value."""
        existing = self.get(key)
        if existing is not None:
            return existing
        self[key] = value
        return value

    def add(self, key: str, value: str) -> None:
        """Append a header, keeping existing ones of the same name."""
        _check_header(key, value)
        self._list.append((key.lower(), value))

    def add_vary(self, *names: str) -> None:
        """Add ``names`` to the ``Vary`` header, keeping what it already lists."""
        present = [v.strip() for value in self.getlist("vary") for v in value.split(",")]
        known = {v.lower() for v in present if v}
        merged = [v for v in present if v] + [n for n in names if n.lower() not in known]
        self["vary"] = ", ".join(merged)

    def __delitem__(self, key: str) -> None:
        name = key.lower()
        self._list[:] = [(header, v) for header, v in self._list if header != name]

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str):
            return False
        name = key.lower()
        return any(header == name for header, _ in self._list)

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys(header for header, _ in self._list))

    def __len__(self) -> int:
        return len(self._list)

    def items(self) -> list[tuple[str, str]]:
        """Return all ``(name, value)`` pairs as they will be sent."""
        return list(self._list)

    def update(self, headers: Mapping[str, str] | Iterable[tuple[str, str]]) -> None:
        """Set each header from a mapping or from pairs."""
        pairs = headers.items() if isinstance(headers, Mapping) else headers
        for key, value in pairs:
            self[key] = value

    def __repr__(self) -> str:
        return f"MutableHeaders({self._list!r})"


def _check_header(key: str, value: str) -> None:
    """Refuse CR/LF in header names and values: they would split the response."""
    if "\r" in key or "\n" in key or "\r" in value or "\n" in value or ":" in key:
        raise ValueError(f"invalid character in header {key!r}")
