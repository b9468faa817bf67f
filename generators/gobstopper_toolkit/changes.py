"""A set of file writes computed in full before any is made: shown as a diff with
``--dry-run``, else written each at once (temporary file, then rename)."""

from __future__ import annotations

import difflib
import os
import tempfile
from pathlib import Path

from .pysource import add_imports, format_source, put_function

__all__ = ["Changes"]


class Changes:
    """New contents of the files one ``gobstopper generate`` touches."""

    def __init__(self, root: Path, force: bool) -> None:
        self.root = root
        self.force = force
        self._contents: dict[Path, str] = {}

    def current(self, path: Path, header: str = "") -> str:
        """The file's planned content, else what is on disk, else ``header``."""
        if path in self._contents:
            return self._contents[path]
        return path.read_text() if path.exists() else header

    def create(self, path: Path, content: str) -> None:
        """Write a new file; an existing one is refused unless ``--force``."""
        if path.exists() and not self.force:
            raise FileExistsError(f"{self._show(path)} exists (use --force to overwrite it)")
        self._contents[path] = content

    def ensure(self, path: Path, content: str) -> None:
        """Start ``path`` with ``content`` unless it exists or is planned already."""
        if not path.exists() and path not in self._contents:
            self._contents[path] = content

    def put(
        self,
        path: Path,
        header: str,
        imports: list[tuple[str, str]],
        name: str,
        block: str,
    ) -> None:
        """Add the definition ``name`` (``block``) and its imports to the module at ``path``;
        an existing definition of that name is refused unless ``--force`` replaces it."""
        source = add_imports(self.current(path, header), path, imports)
        self._contents[path] = put_function(source, path, name, block, self.force)

    def finish(self) -> dict[Path, str]:
        """Every planned file, formatted with the project's ruff settings."""
        return {
            path: format_source(text, path, self.root) if path.suffix == ".py" else text
            for path, text in self._contents.items()
        }

    def _show(self, path: Path) -> str:
        return str(path.relative_to(self.root))

    def diff(self, planned: dict[Path, str]) -> str:
        """A unified diff of ``planned`` against the files on disk."""
        chunks: list[str] = []
        for path, text in planned.items():
            old = path.read_text() if path.exists() else ""
            name = self._show(path)
            chunks.extend(
                difflib.unified_diff(
                    old.splitlines(keepends=True),
                    text.splitlines(keepends=True),
                    f"a/{name}" if path.exists() else "/dev/null",
                    f"b/{name}",
                )
            )
        return "".join(chunks)

    def write(self, planned: dict[Path, str]) -> list[str]:
        """Write ``planned``; returns ``created X`` / ``updated X`` lines."""
        report: list[str] = []
        for path, text in planned.items():
            verb = "updated" if path.exists() else "created"
            path.parent.mkdir(parents=True, exist_ok=True)
            descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
            with os.fdopen(descriptor, "w") as handle:
                handle.write(text)
            os.chmod(temporary, 0o644)
            os.replace(temporary, path)
            report.append(f"{verb} {self._show(path)}")
        return report
