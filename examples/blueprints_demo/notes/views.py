"""The ``notes`` blueprint (``/notes``): a board page with its own template and stylesheet,
and the nested ``notes.api`` blueprint (``/notes/api``) whose writes are rate limited.

New notes are pushed to the ``live`` blueprint's WebSocket.
"""

from __future__ import annotations

import itertools
from typing import Annotated

import msgspec

from gobstopper import Blueprint, Request, Response, abort, render_template
from gobstopper.utils.rate_limiter import TokenBucketLimiter, rate_limit

from ..live.views import publish

__all__ = ["NOTES", "Note", "notes"]


class NewNote(msgspec.Struct):
    """What a client sends to pin a note."""

    author: Annotated[str, msgspec.Meta(min_length=1, max_length=40)]
    text: Annotated[str, msgspec.Meta(min_length=1, max_length=280)]


class Note(msgspec.Struct):
    """A pinned note."""

    id: int
    author: str
    text: str


NOTES: dict[int, Note] = {}
_ids = itertools.count(1)

notes = Blueprint(
    "notes", __name__, url_prefix="/notes", template_folder="templates", static_folder="static"
)
api = Blueprint("api", __name__, url_prefix="/api")
notes.register_blueprint(api)

#: Five notes in a burst per client, then one a second.
writes = TokenBucketLimiter(rate=1, capacity=5)


@notes.after_request
async def mark(request: Request, response: Response) -> Response:
    """Say which blueprint answered (runs for ``notes`` and the nested ``notes.api``)."""
    response.headers["X-Blueprint"] = request.endpoint or "notes"
    return response


@notes.get("/")
async def board() -> str:
    """The board: every note, newest first."""
    return await render_template("notes/board.html", notes=sorted(NOTES.values(), key=_newest))


def _newest(note: Note) -> int:
    return -note.id


@api.get("/notes")
async def list_notes(author: str | None = None) -> list[Note]:
    """Every note, or one author's (``?author=``)."""
    return [note for note in NOTES.values() if author is None or note.author == author]


@api.post("/notes")
@rate_limit(writes)
async def create_note(new: NewNote) -> tuple[Note, int]:
    """Pin a note and push it to the live page."""
    note = Note(next(_ids), new.author.strip() or "anonymous", new.text)
    NOTES[note.id] = note
    await publish({"note": msgspec.structs.asdict(note)})
    return note, 201


@api.get("/notes/<int:note_id>")
async def show_note(note_id: int) -> Note:
    """One note, or 404."""
    if note_id not in NOTES:
        abort(404, f"no note {note_id}")
    return NOTES[note_id]


@api.delete("/notes/<int:note_id>")
async def delete_note(note_id: int) -> None:
    """Unpin a note (204 whether or not it was there)."""
    NOTES.pop(note_id, None)
