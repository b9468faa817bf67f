"""The session a request carries: a dict that knows whether it changed.

>>> @app.post("/login")
... async def login(request: Request):
...     user = await authenticate(request)
...     request.session.regenerate()      # a new id on login: no session fixation
...     request.session["user_id"] = user.id
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from typing import Any

__all__ = ["Session"]


class Session(MutableMapping[str, Any]):
    """A request's session data.

    Setting, deleting or clearing keys marks it :attr:`modified`, and only a modified
    session is written back. Changing a value in place (``session["cart"].append(x)``)
    is not seen: set ``session.modified = True`` after doing so. Values must be
    JSON-serialisable.
    """

    __slots__ = ("_data", "id", "invalidated", "modified", "new_id_requested")

    def __init__(self, data: dict[str, Any] | None = None, session_id: str | None = None) -> None:
        self._data: dict[str, Any] = data if data is not None else {}
        #: The id in the store; ``None`` for a session not stored yet.
        self.id = session_id
        #: Whether the data must be written back at the end of the request.
        self.modified = False
        #: Whether :meth:`regenerate` asked for a new id (at login, against fixation).
        self.new_id_requested = False
        #: Whether :meth:`invalidate` ended the session (it is deleted from the store).
        self.invalidated = False

    @property
    def new(self) -> bool:
        """Whether the session is not in the store yet."""
        return self.id is None

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self._data[key] = value
        self.modified = True

    def __delitem__(self, key: str) -> None:
        del self._data[key]
        self.modified = True

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def get(self, key: str, default: Any = None) -> Any:
        return self._data.get(key, default)

    def clear(self) -> None:
        """Remove every key (the session id stays; see :meth:`invalidate`)."""
        if self._data:
            self._data.clear()
            self.modified = True

    def regenerate(self) -> None:
        """Move the data to a new session id at the end of the request and drop the old
        id; call it when the user logs in or their privileges change."""
        self.new_id_requested = True
        self.modified = True

    def invalidate(self) -> None:
        """Empty the session, delete it from the store and drop the cookie (log out)."""
        self._data.clear()
        self.invalidated = True
        self.modified = True

    def to_dict(self) -> dict[str, Any]:
        """The data, as stored."""
        return self._data

    def __repr__(self) -> str:
        return f"<Session {'new' if self.id is None else 'stored'} {self._data!r}>"
