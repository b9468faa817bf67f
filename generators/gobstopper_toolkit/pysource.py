"""Edits of Python source that keep it valid and ruff-clean: imports merged into the
import block, functions added or replaced, snippets formatted with the project's ruff
settings."""

from __future__ import annotations

import ast
import subprocess
from pathlib import Path

__all__ = ["SourceError", "add_imports", "defined_names", "format_source", "put_function"]


class SourceError(ValueError):
    """A file cannot be edited safely: it does not parse, or ruff refused it."""


def _ruff(arguments: list[str], source: str, path: Path, root: Path) -> str:
    # ruff is a binary; its Python wrapper ships no py.typed.
    from ruff.__main__ import find_ruff_bin  # type: ignore[import-untyped]

    done = subprocess.run(
        [find_ruff_bin(), *arguments, "--stdin-filename", str(path), "-"],
        input=source,
        capture_output=True,
        text=True,
        cwd=root,
    )
    if done.returncode not in (0, 1):
        raise SourceError(f"ruff could not process {path}: {done.stderr.strip()}")
    return done.stdout


def format_source(source: str, path: Path, root: Path) -> str:
    """``source`` with its imports sorted and formatted as the project's ruff settings ask."""
    sorted_imports = _ruff(["check", "--fix-only", "--select", "I", "--quiet"], source, path, root)
    return _ruff(["format", "--quiet"], sorted_imports or source, path, root)


def _parse(source: str, path: Path) -> ast.Module:
    try:
        return ast.parse(source)
    except SyntaxError as error:
        raise SourceError(f"{path} does not parse ({error.msg}, line {error.lineno})") from None


def defined_names(source: str, path: Path) -> set[str]:
    """Names bound at the top level of ``source``: functions, classes, assignments, imports."""
    names: set[str] = set()
    for node in _parse(source, path).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return names


def _imported(tree: ast.Module) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom):
            module = "." * node.level + (node.module or "")
            found.update((module, alias.asname or alias.name) for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update((alias.name, "") for alias in node.names if alias.asname is None)
    return found


def add_imports(source: str, path: Path, imports: list[tuple[str, str]]) -> str:
    """``source`` with each import it lacks, ``(module, name)`` meaning ``from module import
    name`` and ``(module, "")`` meaning ``import module``, placed after its last top-level
    import (ruff then merges and sorts them)."""
    tree = _parse(source, path)
    have = _imported(tree)
    missing = sorted(dict.fromkeys(pair for pair in imports if pair not in have))
    if not missing:
        return source
    new_lines = [
        f"from {module} import {name}\n" if name else f"import {module}\n"
        for module, name in missing
    ]
    lines = source.splitlines(keepends=True)
    import_nodes = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
    if import_nodes:
        at = max(node.end_lineno or node.lineno for node in import_nodes)
    elif tree.body and isinstance(getattr(tree.body[0], "value", None), ast.Constant):
        at = tree.body[0].end_lineno or 1  # after the module docstring
        new_lines.insert(0, "\n")
    else:
        at = 0
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    return "".join(lines[:at] + new_lines + lines[at:])


def put_function(source: str, path: Path, name: str, block: str, replace: bool) -> str:
    """``source`` with ``block`` (a decorated top-level function or class called ``name``)
    appended, or put in place of the existing definition when ``replace``."""
    for node in _parse(source, path).body:
        if getattr(node, "name", None) != name:
            continue
        if not replace:
            raise SourceError(f"{path} already defines {name} (use --force to replace it)")
        decorators = getattr(node, "decorator_list", [])
        first = min([node.lineno, *(d.lineno for d in decorators)])
        lines = source.splitlines(keepends=True)
        return "".join(lines[: first - 1]) + block + "".join(lines[node.end_lineno or first :])
    return source.rstrip("\n") + "\n\n\n" + block
