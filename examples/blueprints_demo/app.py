"""The application: mounts the feature blueprints and adds the middleware.

==============  ==============================================================
``/``           the home page (the application's own template and stylesheet)
``/notes``      the ``notes`` blueprint: a page with its own template and CSS, and
                the nested ``notes.api`` blueprint (``/notes/api``), rate limited
``/reports``    the ``reports`` blueprint: a background task counting words
``/live``       the ``live`` blueprint: new notes pushed over a WebSocket
==============  ==============================================================
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

from gobstopper import Gobstopper, Request, Response
from gobstopper.middleware import CallNext

from .live.views import live
from .notes.views import notes
from .reports.views import reports

_OWN_DATA_DIR = "BLUEPRINTS_DEMO_DATA_DIR" not in os.environ
DATA_DIR = Path(
    os.environ.get("BLUEPRINTS_DEMO_DATA_DIR") or tempfile.mkdtemp(prefix="gobstopper-bp-demo-")
)

app = Gobstopper(__name__, task_database=DATA_DIR / "tasks.duckdb")


class ResponseTime:
    """Send how long the application took as ``X-Response-Time`` (milliseconds)."""

    async def __call__(self, request: Request, call_next: CallNext) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        response.headers["X-Response-Time"] = f"{(time.perf_counter() - started) * 1000:.2f}"
        return response


app.add_middleware(ResponseTime())
app.register_blueprint(notes)
app.register_blueprint(reports)
app.register_blueprint(live)


@app.get("/")
async def index() -> str:
    """The home page, listing the blueprints."""
    return await app.render_template("index.html")


@app.on_startup
async def start_report_workers() -> None:
    """One worker for the ``reports`` blueprint's task, in this process."""
    await app.start_task_workers("reports", worker_count=1)


@app.on_shutdown
async def remove_data() -> None:
    """Stop the worker, close the task database and drop a temporary data folder."""
    await app.tasks.close()
    if _OWN_DATA_DIR:
        shutil.rmtree(DATA_DIR, ignore_errors=True)
