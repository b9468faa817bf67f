"""A project made by ``gobstopper init``: found from the working directory by its
``.copier-answers.yml``, and where each structure keeps models, routes and tasks."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

__all__ = ["ANSWERS_FILE", "Place", "Project", "ProjectError"]

ANSWERS_FILE = ".copier-answers.yml"
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")


class ProjectError(ValueError):
    """No project here, or the request does not fit it; the message says why."""


@dataclass(frozen=True, slots=True)
class Place:
    """A module code goes into: its file, its import path, the object routes and tasks
    are declared on (``app`` or ``bp``), and how to start it if it does not exist yet."""

    path: Path
    module: str
    owner: str
    header: str
    owner_imports: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Project:
    """The project's root and the answers it was made with."""

    root: Path
    answers: dict[str, str]

    @classmethod
    def find(cls, start: Path) -> Project:
        """The project holding ``start``; :class:`ProjectError` when there is none."""
        for directory in (start.resolve(), *start.resolve().parents):
            answers_file = directory / ANSWERS_FILE
            if answers_file.is_file():
                try:
                    answers = yaml.safe_load(answers_file.read_text()) or {}
                except yaml.YAMLError as error:
                    raise ProjectError(f"{answers_file} is not valid YAML: {error}") from None
                if not isinstance(answers, dict) or "structure" not in answers:
                    raise ProjectError(f"{answers_file} does not say the project's structure")
                return cls(directory, {str(k): str(v) for k, v in answers.items()})
        raise ProjectError(
            f"no {ANSWERS_FILE} in {start.resolve()} or above: run this inside a project "
            "made by gobstopper init"
        )

    @property
    def structure(self) -> str:
        return self.answers["structure"]

    def _check_name(self, kind: str, name: str) -> str:
        if not _IDENTIFIER.match(name):
            raise ProjectError(f"{kind} name {name!r} must be a lowercase identifier")
        return name

    def service(self, requested: str | None) -> str:
        """The service code goes into (microservices): ``requested`` or ``core``."""
        name = self._check_name("service", requested or "core")
        if not (self.root / "services" / name / "app.py").is_file():
            known = sorted(p.parent.name for p in (self.root / "services").glob("*/app.py"))
            raise ProjectError(f"no service {name!r}; the services are {', '.join(known)}")
        return name

    def app_module(self, feature: str | None) -> str:
        """The module tests import ``app`` from."""
        if self.structure == "microservices":
            return f"services.{self.service(feature)}.app"
        return "app"

    def models(self, feature: str, service: str | None) -> Place:
        """Where a model of ``feature`` lives."""
        if self.structure == "modular":
            self._check_name("module", feature)
            module = f"modules.{feature}.models"
        elif self.structure == "microservices":
            module = f"services.{self.service(service)}.models"
        else:
            module = "models"
        header = '"""Request and response bodies."""\n\nfrom __future__ import annotations\n'
        return Place(self._path(module), module, "", header)

    def routes(self, feature: str, service: str | None) -> Place:
        """Where routes, tasks and WebSocket handlers of ``feature`` are declared."""
        if self.structure in ("single", "microservices"):
            module = (
                "app" if self.structure == "single" else f"services.{self.service(service)}.app"
            )
            return Place(self._path(module), module, "app", "")
        self._check_name("module", feature)
        module = (
            f"blueprints.{feature}"
            if self.structure == "blueprints"
            else f"modules.{feature}.routes"
        )
        header = (
            f'"""Routes of the {feature} feature."""\n\nfrom __future__ import annotations\n\n'
            f'from gobstopper import Blueprint\n\nbp = Blueprint("{feature}", __name__)\n'
        )
        return Place(self._path(module), module, "bp", header)

    def tasks(self, feature: str, service: str | None) -> Place:
        """Where background tasks of ``feature`` are declared."""
        if self.structure != "modular":
            return self.routes(feature, service)
        module = f"modules.{self._check_name('module', feature)}.tasks"
        header = (
            f'"""Background tasks of the {feature} feature."""\n\n'
            "from __future__ import annotations\n"
        )
        return Place(self._path(module), module, "bp", header, ((".routes", "bp"),))

    def feature_package(self, feature: str) -> dict[Path, str]:
        """The files a new modular feature package starts with, for those missing."""
        if self.structure != "modular":
            return {}
        package = self.root / "modules" / feature
        starters = {
            package / "__init__.py": f'"""The {feature} feature."""\n',
            package / "services.py": (
                f'"""Logic of the {feature} feature, kept out of the route handlers."""\n\n'
                "from __future__ import annotations\n"
            ),
            package / "routes.py": self.routes(feature, None).header,
        }
        return {path: text for path, text in starters.items() if not path.exists()}

    def _path(self, module: str) -> Path:
        return self.root.joinpath(*module.split(".")).with_suffix(".py")
