"""Toolkit tests keep the template cache repository in a temporary directory."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def template_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("template-cache") / "repository"


@pytest.fixture(autouse=True)
def _cache_in_tmp(template_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOBSTOPPER_TEMPLATE_CACHE", str(template_cache))
