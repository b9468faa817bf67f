"""The ``reports`` blueprint (``/reports``): a background task declared on the blueprint,
which counts the words on the notes board, and the endpoints to start and watch it."""

from __future__ import annotations

import re
from collections import Counter

import msgspec

from gobstopper import Blueprint, Request, abort, render_template

from ..notes.views import NOTES

__all__ = ["reports"]

reports = Blueprint("reports", __name__, url_prefix="/reports", template_folder="templates")
_words = re.compile(r"\w+")


class Report(msgspec.Struct):
    """A report's status and, once done, what it found."""

    id: str
    status: str
    result: dict[str, object] | None = None
    error: str | None = None


@reports.task(category="reports")
async def word_count(texts: list[str]) -> dict[str, object]:
    """Count the words of ``texts``: how many, and the five most common."""
    counts = Counter(word.lower() for text in texts for word in _words.findall(text))
    return {"notes": len(texts), "words": sum(counts.values()), "top": counts.most_common(5)}


@reports.get("/")
async def overview() -> str:
    """The page that starts a report and shows it."""
    return await render_template("reports/overview.html", notes=len(NOTES))


@reports.post("/")
async def start_report(request: Request) -> tuple[Report, int, dict[str, str]]:
    """Enqueue a word count of the board as it is now."""
    texts = [note.text for note in NOTES.values()]
    task_id = await request.app.add_background_task("word_count", "reports", texts=texts)
    location = request.app.url_for("reports.show_report", task_id=task_id)
    return Report(task_id, "pending"), 202, {"Location": location}


@reports.get("/<task_id>")
async def show_report(request: Request, task_id: str) -> Report:
    """A report's status and result, or 404."""
    info = await request.app.get_task(task_id)
    if info is None:
        abort(404, f"no report {task_id}")
    return Report(task_id, info.status.value, info.result, info.error)
