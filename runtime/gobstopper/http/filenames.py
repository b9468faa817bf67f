"""Turning a client-supplied file name into one that is safe to store."""

from __future__ import annotations

import re
import unicodedata

__all__ = ["secure_filename"]

_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")
_WINDOWS_DEVICES = frozenset(
    {"CON", "PRN", "AUX", "NUL"} | {f"COM{n}" for n in range(10)} | {f"LPT{n}" for n in range(10)}
)


def secure_filename(filename: str) -> str:
    """Return an ASCII-only version of ``filename`` that is safe on any file system.

    Path separators become underscores (so no directory can be named), anything outside
    ``A-Z a-z 0-9 _ . -`` is dropped, leading and trailing dots and underscores go (no
    hidden files, no ``..``), and Windows device names such as ``CON`` or ``lpt1.txt``
    get a leading underscore. The result may be empty: pick a name of your own then.

    >>> secure_filename("../../etc/passwd")
    'etc_passwd'
    >>> secure_filename("My cool movie.mov")
    'My_cool_movie.mov'
    >>> secure_filename("résumé.pdf")
    'resume.pdf'
    """
    ascii_name = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode()
    spaced = ascii_name.replace("/", " ").replace("\\", " ")
    cleaned = _UNSAFE.sub("", "_".join(spaced.split())).strip("._")
    if cleaned and cleaned.split(".")[0].upper() in _WINDOWS_DEVICES:
        cleaned = f"_{cleaned}"
    return cleaned
