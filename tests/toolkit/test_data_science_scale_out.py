"""A data-science project scaled out as its README says: tasks in Redis Streams, done by
``gobstopper run-tasks`` processes beside the web servers. The workers ingest an upload
into the analytical store and train a model into the registry, both at the paths the
settings name; the web servers, which run no workers, then serve the data set, its
analytics and the model's predictions."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from gobstopper.cli import main

from ..backends import RedisServer
from ..conftest import Server, start_server
from ..processes import stop_task_workers, wait_for_line

SALES = b"region,product,amount\nnorth,tea,10\nsouth,tea,5\nnorth,cake,7\neast,cake,1\n"
IRIS_ROW = {"sepal_length": 5.1, "sepal_width": 3.5, "petal_length": 1.4, "petal_width": 0.2}
#: The application serving data sets, and the one serving models, in each structure.
APPS = {
    "modular": {"data": "app.py:app", "models": "app.py:app"},
    "microservices": {"data": "services.data.app:app", "models": "services.models.app:app"},
}


def _finished(client: httpx.Client, location: str) -> dict[str, Any]:
    """The task at ``location`` once it has finished (polled for up to a minute)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        task = client.get(location).json()
        if task["status"] not in ("pending", "started"):
            return task
        time.sleep(0.1)
    raise AssertionError(f"the task at {location} is still {task['status']}")


def _run_tasks(folder: Path, target: str) -> subprocess.Popen[bytes]:
    """``gobstopper run-tasks TARGET`` in ``folder``, its log (JSON lines in a
    microservices project) in a file; returns once its workers are running."""
    log = folder / f"run-tasks-{target.replace(':', '-')}.log"
    with log.open("wb") as handle:
        process = subprocess.Popen(
            [sys.executable, "-m", "gobstopper", "run-tasks", target, "--workers", "1"],
            cwd=folder,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            stderr=handle,
        )
    wait_for_line(log, "worker(s) each for")
    return process


@pytest.fixture(params=sorted(APPS))
def project(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    own_redis: RedisServer,
) -> tuple[Path, str]:
    """A data-science project of each structure with Redis tasks and the analytical store
    and model registry in a shared folder outside the project."""
    monkeypatch.chdir(tmp_path)
    arguments = ["--usecase", "data-science", "--structure", request.param]
    assert main(["init", "lab", "--no-git", *arguments, "--data", "task_backend=redis"]) == 0
    shared = tmp_path / "shared"
    (tmp_path / "lab" / ".env").write_text(
        "APP_API_TOKEN=scale-out\n"
        f"APP_REDIS_URL={own_redis.url}\n"
        f"APP_ANALYTICS_DATABASE={shared / 'analytics.duckdb'}\n"
        f"APP_MODEL_REGISTRY={shared / 'models'}\n"
    )
    return tmp_path / "lab", request.param


def test_run_tasks_workers_ingest_and_train_what_the_web_serves(
    project: tuple[Path, str],
) -> None:
    folder, structure = project
    apps = APPS[structure]
    targets = sorted(set(apps.values()))
    servers: dict[str, Server] = {}
    workers: list[subprocess.Popen[bytes]] = []
    headers = {"Authorization": "Bearer scale-out"}
    try:
        servers = {target: start_server(folder, target) for target in targets}
        with httpx.Client(base_url=servers[apps["data"]].url, headers=headers, timeout=20) as data:
            files = {"file": ("sales.csv", SALES)}
            queued = data.post("/datasets", data={"name": "sales"}, files=files)
            assert queued.status_code == 202, queued.text
            # The web server runs no workers: the upload waits for run-tasks.
            time.sleep(0.5)
            assert data.get(queued.headers["location"]).json()["status"] == "pending"
            workers = [_run_tasks(folder, target) for target in targets]
            ingested = _finished(data, queued.headers["location"])
            assert ingested["status"] == "success", ingested
            dataset = data.get("/datasets/sales").json()
            assert (dataset["status"], dataset["rows"]) == ("ready", 4)
            params = {"group_by": "region", "metric": "sum:amount"}
            groups = data.get("/analytics/sales", params=params).json()["groups"]
            assert groups == [
                {"key": "east", "value": 1},
                {"key": "north", "value": 17},
                {"key": "south", "value": 5},
            ]
        models_url = servers[apps["models"]].url
        with httpx.Client(base_url=models_url, headers=headers, timeout=20) as models:
            queued = models.post("/models/flowers/train", json={"dataset": "iris"})
            assert queued.status_code == 202, queued.text
            trained = _finished(models, queued.headers["location"])
            assert trained["status"] == "success", trained
            predicted = models.post("/models/flowers/predict", json={"row": IRIS_ROW})
            assert predicted.status_code == 200, predicted.text
            assert predicted.json() == {"model": "flowers", "version": 1, "predictions": ["setosa"]}
    finally:
        for server in servers.values():
            server.stop()
        stop_task_workers(*workers)
    shared = folder.parent / "shared"
    assert (shared / "models" / "flowers" / "1" / "model.skops").is_file()
    assert (shared / "analytics.duckdb").is_file()
    assert not (folder / "var" / "models").exists()
