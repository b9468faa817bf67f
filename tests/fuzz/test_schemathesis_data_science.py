"""Schemathesis against a generated data-science project as its README serves it: every
operation of its document, the model and data routes included, fuzzed with a bounded
set of examples, valid and invalid, sent with the project's API token. A data set and a
trained model exist before fuzzing starts, so analytics and predictions reach their
answers and not only 404s. None may answer 500; every answer is documented."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

if sys.version_info < (3, 11):  # pyproject installs schemathesis from Python 3.11 on
    pytest.skip("schemathesis needs Python 3.11", allow_module_level=True)

from schemathesis import GenerationMode

from gobstopper.cli import main

from .fuzzing import Fuzzed, cases, serve

TOKEN = "fuzz-token"
#: Fewer examples than for the examples: each valid training request trains a model.
MAX_EXAMPLES = 15
#: Every operation of the project's document; a test keeps this list complete.
OPERATIONS = [
    "GET /",
    "GET /health",
    "GET /ready",
    "GET /metrics",
    "GET /tasks/{task_id}",
    "POST /reports",
    "GET /datasets",
    "POST /datasets",
    "GET /datasets/{name}",
    "GET /analytics/{dataset}/summary",
    "GET /analytics/{dataset}",
    "GET /models",
    "GET /models/{name}",
    "POST /models/{name}/train",
    "POST /models/{name}/predict",
]
#: The operations with a body or a typed query parameter, which a request can get wrong.
CONSTRAINED = [
    "POST /reports",
    "GET /analytics/{dataset}",
    "POST /models/{name}/train",
    "POST /models/{name}/predict",
]
#: Path parameters (and a query parameter) naming the seeded data set, its column and the
#: model: each operation is fuzzed once more with them, so its examples reach the data and
#: not only 404s.
SEEDED: dict[str, tuple[dict[str, str], dict[str, str]]] = {
    "GET /datasets/{name}": ({"name": "sales"}, {}),
    "GET /analytics/{dataset}/summary": ({"dataset": "sales"}, {}),
    "GET /analytics/{dataset}": ({"dataset": "sales"}, {"group_by": "region"}),
    "GET /models/{name}": ({"name": "flowers"}, {}),
    "POST /models/{name}/predict": ({"name": "flowers"}, {}),
}
SALES = b"region,product,amount\nnorth,tea,10\nsouth,tea,5\nnorth,cake,7\neast,cake,1\n"


def _finished(client: httpx.Client, answer: httpx.Response) -> dict[str, Any]:
    assert answer.status_code == 202, answer.text
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        task = client.get(answer.headers["location"]).json()
        if task["status"] not in ("pending", "started"):
            return task
        time.sleep(0.1)
    raise AssertionError(f"the task is still {task['status']}")


def _seed(url: str) -> None:
    """A data set ``sales`` and a trained model ``flowers``, through the API."""
    headers = {"Authorization": f"Bearer {TOKEN}"}
    with httpx.Client(base_url=url, headers=headers, timeout=30) as client:
        upload = client.post("/datasets", data={"name": "sales"}, files={"file": ("s.csv", SALES)})
        assert _finished(client, upload)["status"] == "success"
        training = client.post("/models/flowers/train", json={"dataset": "iris"})
        assert _finished(client, training)["status"] == "success"


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fuzzed]:
    """A data-science project (modular, the default), served in development with its
    data and models seeded."""
    folder = tmp_path_factory.mktemp("fuzz-lab")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)
        patch.setenv("GOBSTOPPER_TEMPLATE_CACHE", str(folder / "template-cache"))
        arguments = ["--usecase", "data-science", "--no-git"]
        assert main(["init", "lab", *arguments]) == 0
    project = folder / "lab"
    env = {"APP_ENV": "development", "APP_API_TOKEN": TOKEN, "APP_DATA_DIR": str(folder / "var")}
    headers = {"Authorization": f"Bearer {TOKEN}"}
    server, fuzzed = serve(
        project, "app.py:app", env, "data-science lab", headers=headers, max_examples=MAX_EXAMPLES
    )
    try:
        _seed(server.url)
        yield fuzzed
    finally:
        server.stop()
    print(f"\n{fuzzed.summary()}")
    for operation, statuses in sorted(fuzzed.statuses.items()):
        print(f"  {operation}: {dict(sorted(statuses.items()))}")


def test_every_operation_of_the_project_is_fuzzed(lab: Fuzzed) -> None:
    assert sorted(lab.operations()) == sorted(OPERATIONS)


@pytest.mark.parametrize(("operation", "mode"), cases(OPERATIONS, CONSTRAINED))
def test_the_data_science_project_answers_as_documented(
    lab: Fuzzed, operation: str, mode: GenerationMode
) -> None:
    lab.fuzz(operation, mode)


@pytest.mark.parametrize(
    ("operation", "mode"),
    cases(sorted(SEEDED), [operation for operation in sorted(SEEDED) if operation in CONSTRAINED]),
)
def test_the_seeded_data_and_model_answer_as_documented(
    lab: Fuzzed, operation: str, mode: GenerationMode
) -> None:
    lab.fuzz(operation, mode, *SEEDED[operation])
