"""What a reloading development server restarts for: source, templates and configuration.

``gobstopper run --reload`` and ``app.run(reload=True)`` watch the project folder, where a
running application also writes: uploads, the DuckDB task file and its journal, SQLite
databases, logs. A change to one of those must not restart the workers (an upload would
restart the server that just stored it), so every file whose extension is not in
:data:`WATCHED_EXTENSIONS` is ignored.
"""

from __future__ import annotations

__all__ = ["IGNORE_PATTERN", "WATCHED_EXTENSIONS"]

#: Extensions whose changes restart the workers.
WATCHED_EXTENSIONS = ("py", "pyi", "html", "jinja", "jinja2", "j2", "toml", "yaml", "yml", "env")

#: For Granian's ``--reload-ignore-patterns`` (matched against file and folder names): a
#: name with an extension that is not watched. Folders (no extension) are still walked.
IGNORE_PATTERN = rf"^(?!.*\.(?:{'|'.join(WATCHED_EXTENSIONS)})$).*\.[^.]+$"
