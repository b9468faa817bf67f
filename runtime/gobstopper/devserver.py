"""``app.run()``: serve an application on Granian from the script that defines it.

Granian's workers import the application themselves, by ``file:attribute``, so the
application must be a module-level variable. The server's workers import that file again;
a second ``app.run()`` reached while they do (a script without the
``if __name__ == "__main__":`` guard) returns at once instead of starting a server
inside a worker.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from .reloading import IGNORE_PATTERN

if TYPE_CHECKING:
    from .app import Gobstopper

__all__ = ["serve"]

#: Set in the server's environment, so its workers know they are not the launcher.
_SERVING = "GOBSTOPPER_RUN_SERVING"


def serve(
    app: Gobstopper,
    host: str,
    port: int,
    *,
    debug: bool | None,
    reload: bool | None,
    workers: int,
    log_level: str,
) -> None:
    """Run Granian on ``app`` until it is stopped (Ctrl-C)."""
    if os.environ.get(_SERVING):
        return
    from granian import Granian
    from granian.constants import Interfaces
    from granian.log import LogLevels

    source, attribute = _locate(app)
    reload = bool(debug) if reload is None else reload
    if reload and importlib.util.find_spec("watchfiles") is None:
        raise RuntimeError("app.run(reload=True) needs watchfiles: pip install 'gobstopper[dev]'")
    os.environ[_SERVING] = "1"
    os.environ["GOBSTOPPER_LOG_LEVEL"] = log_level
    if debug is not None:
        os.environ["GOBSTOPPER_DEBUG"] = "1" if debug else "0"
    shown = f"[{host}]" if ":" in host else host
    print(f"gobstopper: serving {source.name}:{attribute} on http://{shown}:{port}", flush=True)
    server = Granian(
        f"{source}:{attribute}",
        address=host,
        port=port,
        interface=Interfaces.RSGI,
        workers=workers,
        reload=reload,
        reload_paths=[source.parent],
        reload_ignore_patterns=[IGNORE_PATTERN],
        working_dir=source.parent,
        log_level=LogLevels(log_level),
    )
    server.serve()


def _locate(app: Gobstopper) -> tuple[Path, str]:
    """The file that defines ``app`` and the module variable that holds it."""
    module = sys.modules.get(app.import_name)
    filename = getattr(module, "__file__", None)
    if module is None or filename is None:
        raise RuntimeError(
            f"app.run() cannot find the file of module {app.import_name!r}; create the "
            "application with Gobstopper(__name__) in a module, or use gobstopper run"
        )
    for name, value in vars(module).items():
        if value is app:
            return Path(filename).resolve(), name
    raise RuntimeError(
        f"app.run() needs the application as a module-level variable of {filename}, so "
        "Granian's workers can import it; or use gobstopper run MODULE:ATTRIBUTE"
    )
