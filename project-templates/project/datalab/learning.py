"""Models: training scikit-learn estimators on a bundled sample data set, a registry on
disk (one folder per model and version, with its metadata), and predictions.

Models are saved with skops, not pickle or joblib: ``skops.io.load`` rebuilds only types
it trusts (scikit-learn's and NumPy's) and refuses anything else, so a model file that
was swapped or copied in from elsewhere cannot run code when it is loaded.
"""

from __future__ import annotations

import importlib.metadata
import os
import re
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal

import msgspec
import numpy as np
import skops.io
from sklearn import datasets
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import accuracy_score, mean_absolute_error, r2_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from .store import settings

__all__ = [
    "SAMPLES",
    "Feature",
    "InputError",
    "ModelInfo",
    "ModelNotReady",
    "ModelVersion",
    "PredictionRequest",
    "Predictions",
    "Registry",
    "TrainRequest",
    "UnknownModel",
    "model_registry",
    "predict",
    "train",
]

#: A model's name: it names a folder, so it is checked before it reaches the disk.
NAME = re.compile(r"^[a-z][a-z0-9_-]{0,62}$")
#: The libraries whose versions each model records (a model is loaded with the same ones).
LIBRARIES = ("scikit-learn", "skops", "numpy")


class Feature(msgspec.Struct):
    """One input a model takes: its name in a request and its type."""

    name: str
    type: str


class ModelVersion(msgspec.Struct):
    """The metadata saved beside each trained version."""

    name: str
    version: int
    trained_at: datetime
    dataset: str
    task: str
    metrics: dict[str, float]
    libraries: dict[str, str]
    features: list[Feature]
    classes: list[str] | None = None


class ModelInfo(msgspec.Struct):
    """A model: its training state (``training``, ``ready`` or ``failed``), the error of
    a failed training, and its versions, newest last."""

    name: str
    status: str
    error: str | None
    versions: list[ModelVersion]


class TrainRequest(msgspec.Struct):
    """What to train on: a sample data set bundled with scikit-learn (nothing is
    downloaded)."""

    dataset: Literal["iris", "diabetes"] = "iris"


class PredictionRequest(msgspec.Struct, forbid_unknown_fields=True):
    """One row (``row``) or a batch (``rows``): feature name → number. Rows are checked
    against the model's input schema, so a 422 can name the feature that is wrong."""

    row: dict[str, Any] | None = None
    rows: Annotated[list[dict[str, Any]], msgspec.Meta(max_length=10_000)] = []


class Predictions(msgspec.Struct):
    """What a model predicted for each row, in order, and which version did."""

    model: str
    version: int
    predictions: list[str | float]


class UnknownModel(LookupError):
    """No model has this name."""


class ModelNotReady(RuntimeError):
    """The model has no version to serve yet: it is training, or its training failed."""


class InputError(ValueError):
    """Rows that do not match the model's input; ``field`` names where."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


@dataclass(frozen=True)
class _Sample:
    loader: Callable[..., Any]
    task: str


#: The sample data sets: iris (classify flowers), diabetes (regress disease progression).
SAMPLES = {
    "iris": _Sample(datasets.load_iris, "classification"),
    "diabetes": _Sample(datasets.load_diabetes, "regression"),
}


def _feature_name(raw: str) -> str:
    """``"sepal length (cm)"`` → ``"sepal_length"``: a name a JSON client can type."""
    return re.sub(r"\W+", "_", re.sub(r"\(.*?\)", "", raw)).strip("_").lower()


def _fit(dataset: str) -> tuple[Pipeline, dict[str, float], list[Feature], list[str] | None]:
    sample = SAMPLES[dataset]
    bunch = sample.loader()
    x_train, x_test, y_train, y_test = train_test_split(
        bunch.data, bunch.target, test_size=0.25, random_state=0
    )
    features = [Feature(_feature_name(name), "float") for name in bunch.feature_names]
    if sample.task == "classification":
        model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
        model.fit(x_train, y_train)
        metrics = {"accuracy": float(accuracy_score(y_test, model.predict(x_test)))}
        return model, metrics, features, [str(name) for name in bunch.target_names]
    model = make_pipeline(StandardScaler(), Ridge())
    model.fit(x_train, y_train)
    predicted = model.predict(x_test)
    metrics = {
        "r2": float(r2_score(y_test, predicted)),
        "mae": float(mean_absolute_error(y_test, predicted)),
    }
    return model, metrics, features, None


def _write_whole(path: Path, content: bytes) -> None:
    """Write ``path`` so that a reader in another process sees the old file or the new
    one, never half of it."""
    partial = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
    partial.write_bytes(content)
    os.replace(partial, path)


class Registry:
    """Models on disk under ``root``: ``<name>/<version>/model.skops`` with
    ``metadata.json`` beside it, and ``<name>/state.json`` for the training under way or
    the error of the last one. Loaded models are kept in memory by name and version."""

    def __init__(self, root: str) -> None:
        self.root = Path(root)
        self._loaded: dict[tuple[str, int], Pipeline] = {}
        self._lock = threading.Lock()

    def _folder(self, name: str) -> Path:
        if not NAME.match(name):
            raise UnknownModel(name)
        return self.root / name

    def set_state(self, name: str, status: str, error: str | None = None) -> None:
        """Record the training state of ``name`` (``training``, ``ready`` or ``failed``)."""
        folder = self._folder(name)
        folder.mkdir(parents=True, exist_ok=True)
        state = {"status": status, "error": error}
        _write_whole(folder / "state.json", msgspec.json.encode(state))

    def versions(self, name: str) -> list[ModelVersion]:
        """Every saved version of ``name``, oldest first."""
        folder = self._folder(name)
        found = (
            [
                msgspec.json.decode((path / "metadata.json").read_bytes(), type=ModelVersion)
                for path in folder.iterdir()
                if path.name.isdigit() and (path / "metadata.json").is_file()
            ]
            if folder.is_dir()
            else []
        )
        return sorted(found, key=lambda version: version.version)

    def info(self, name: str) -> ModelInfo:
        """``name``'s state and versions; :class:`UnknownModel` if it was never trained."""
        state_file = self._folder(name) / "state.json"
        if not state_file.is_file():
            raise UnknownModel(name)
        state = msgspec.json.decode(state_file.read_bytes())
        return ModelInfo(name, state["status"], state["error"], self.versions(name))

    def names(self) -> list[str]:
        """The names of every model, in order."""
        if not self.root.is_dir():
            return []
        return sorted(path.name for path in self.root.iterdir() if (path / "state.json").is_file())

    def save(self, model: Pipeline, metadata: ModelVersion) -> ModelVersion:
        """Write ``model`` as the next version of its name and return its metadata, with
        the version it got: the model first, then the metadata, which makes it visible.

        The version's folder is claimed with ``mkdir``, which one process wins, so workers
        training the same name at once get distinct versions.
        """
        name_folder = self._folder(metadata.name)
        name_folder.mkdir(parents=True, exist_ok=True)
        version = metadata.version
        while True:
            folder = name_folder / str(version)
            try:
                folder.mkdir()
                break
            except FileExistsError:
                version += 1
        saved = msgspec.structs.replace(metadata, version=version)
        skops.io.dump(model, folder / "model.skops")
        _write_whole(folder / "metadata.json", msgspec.json.encode(saved))
        return saved

    def load(self, metadata: ModelVersion) -> Pipeline:
        """The estimator of ``metadata``'s version, read once (types skops trusts only)."""
        key = (metadata.name, metadata.version)
        with self._lock:
            if key not in self._loaded:
                path = self._folder(metadata.name) / str(metadata.version) / "model.skops"
                self._loaded[key] = skops.io.load(path)
            return self._loaded[key]


@cache
def model_registry() -> Registry:
    """This process's registry, in the folder ``APP_MODEL_REGISTRY`` names."""
    return Registry(settings().model_registry)


def train(registry: Registry, name: str, dataset: str) -> ModelVersion:
    """Fit a new version of ``name`` on the sample ``dataset``, evaluate it on a held-out
    quarter and save it; the model's state says ``failed`` (with why) if that fails."""
    try:
        model, metrics, features, classes = _fit(dataset)
        previous = registry.versions(name)
        metadata = ModelVersion(
            name=name,
            version=previous[-1].version + 1 if previous else 1,
            trained_at=datetime.now(timezone.utc),
            dataset=dataset,
            task=SAMPLES[dataset].task,
            metrics=metrics,
            libraries={library: importlib.metadata.version(library) for library in LIBRARIES},
            features=features,
            classes=classes,
        )
        metadata = registry.save(model, metadata)
    except Exception as error:
        registry.set_state(name, "failed", str(error))
        raise
    registry.set_state(name, "ready")
    return metadata


def _matrix(features: list[Feature], request: PredictionRequest) -> np.ndarray:
    rows = ([request.row] if request.row is not None else []) + request.rows
    field = "row" if request.row is not None else "rows"
    if not rows:
        raise InputError("rows", "give one row (row) or a batch (rows)")
    names = [feature.name for feature in features]
    for index, row in enumerate(rows):
        where = field if request.row is not None else f"{field}[{index}]"
        missing = [name for name in names if name not in row]
        if missing:
            raise InputError(f"{where}.{missing[0]}", "missing")
        unexpected = sorted(set(row) - set(names))
        if unexpected:
            raise InputError(f"{where}.{unexpected[0]}", f"not an input of this model ({names})")
        for name in names:
            value = row[name]
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise InputError(f"{where}.{name}", f"must be a number, not {value!r}")
    return np.array([[row[name] for name in names] for row in rows], dtype=float)


def predict(registry: Registry, name: str, request: PredictionRequest) -> Predictions:
    """Predictions of ``name``'s newest version for the rows of ``request``."""
    info = registry.info(name)
    if not info.versions:
        if info.status == "training":
            raise ModelNotReady(f"model {name!r} is still training: ask again when it is ready")
        raise ModelNotReady(f"model {name!r} has no version: its training failed: {info.error}")
    latest = info.versions[-1]
    matrix = _matrix(latest.features, request)
    output = registry.load(latest).predict(matrix)
    if latest.classes is not None:
        values: list[str | float] = [latest.classes[int(label)] for label in output]
    else:
        values = [float(value) for value in output]
    return Predictions(name, latest.version, values)
