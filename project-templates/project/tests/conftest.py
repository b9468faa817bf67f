"""Test settings, set before the application is imported: a known API token, task
workers in the process under test (whatever the task backend) and task files in a
temporary directory removed at exit."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile

import pytest

os.environ.setdefault("APP_API_TOKEN", "test-token")
os.environ.setdefault("APP_TASK_WORKERS", "1")
if "APP_DATA_DIR" not in os.environ:
    os.environ["APP_DATA_DIR"] = tempfile.mkdtemp(prefix="tests-")
    atexit.register(shutil.rmtree, os.environ["APP_DATA_DIR"], True)


@pytest.fixture
def auth_headers() -> dict[str, str]:
    """Credentials that endpoints guarded by ``auth.token_required`` accept."""
    return {"Authorization": f"Bearer {os.environ['APP_API_TOKEN']}"}
