"""Sphinx configuration for the Gobstopper documentation."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "runtime"))

project = "Gobstopper"
author = "The Gobstopper team"
copyright = "2026, the Gobstopper team"
from gobstopper import __version__  # noqa: E402

release = __version__

extensions = ["sphinx.ext.autodoc", "sphinx.ext.napoleon", "sphinx.ext.viewcode", "sphinx_click"]
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"members": True, "show-inheritance": True}
html_theme = "furo"
# Keep "--config" as typed in command examples (no en dashes).
smartquotes_action = "qe"
html_title = "Gobstopper"
exclude_patterns = ["_build"]
