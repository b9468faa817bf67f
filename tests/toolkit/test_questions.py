"""The answers ``gobstopper init`` takes come from the template's ``copier.yml``: its
choices, defaults, conditions and validators, judged exactly as Copier judges them."""

from __future__ import annotations

import shutil
from pathlib import Path

import copier
import pytest
import yaml

from gobstopper.cli import main
from gobstopper_toolkit import templates
from gobstopper_toolkit.init import InitError, check_answers
from gobstopper_toolkit.questions import TemplateQuestions, template_questions

PROJECT_NAMES = ["orders", "My Shop", "café", "Café Bar", "9lives", "a" * 64, "a" * 65, "x y!"]
PACKAGE_NAMES = ["orders", "my_pkg", "_private", "café", "Orders", "9lives", "a-b", "class", ""]


@pytest.fixture(scope="module")
def questions_only(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real ``copier.yml`` with nothing to render, so Copier only asks and checks."""
    root = tmp_path_factory.mktemp("template")
    shutil.copy(templates.template_root() / "copier.yml", root / "copier.yml")
    (root / "project").mkdir()
    (root / "project" / "README.md").write_text("project\n")
    return root


def _copier_accepts(template: Path, destination: Path, answers: dict[str, str]) -> bool:
    try:
        copier.run_copy(str(template), str(destination), data=answers, defaults=True, quiet=True)
    except ValueError:
        return False
    return True


def _we_accept(answers: dict[str, str]) -> bool:
    try:
        check_answers(answers)
    except InitError:
        return False
    return True


@pytest.mark.parametrize("name", PROJECT_NAMES)
def test_a_project_name_passes_here_exactly_when_it_passes_copier(
    questions_only: Path, tmp_path: Path, name: str
) -> None:
    answers = {"project_name": name, "package_name": "pkg"}
    assert _we_accept(answers) is _copier_accepts(questions_only, tmp_path / "out", answers)


@pytest.mark.parametrize("package", PACKAGE_NAMES)
def test_a_package_name_passes_here_exactly_when_it_passes_copier(
    questions_only: Path, tmp_path: Path, package: str
) -> None:
    answers = {"project_name": "shop", "package_name": package}
    assert _we_accept(answers) is _copier_accepts(questions_only, tmp_path / "out", answers)


def test_cafe_is_refused_as_a_package_name_with_copiers_own_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    problem = template_questions().problem("package_name", {"package_name": "café"})
    assert problem
    assert main(["init", "cafe", "--data", "package_name=café"]) == 2
    assert f"package_name 'café' {problem}" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_the_package_name_defaults_as_copier_yml_derives_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    questions = template_questions()
    assert questions.default("package_name", {"project_name": "My Shop-2"}) == "my_shop_2"
    monkeypatch.chdir(tmp_path)
    assert main(["init", "My Shop-2", "--dest", "shop", "--no-git"]) == 0
    assert "package_name: my_shop_2\n" in (tmp_path / "shop" / ".copier-answers.yml").read_text()


def test_the_choices_are_those_of_copier_yml(capsys: pytest.CaptureFixture[str]) -> None:
    config = yaml.safe_load((templates.template_root() / "copier.yml").read_text())
    for name in ("usecase", "structure", "session_backend", "task_backend", "discovery"):
        listed = config[name]["choices"]
        values = list(listed.values()) if isinstance(listed, dict) else listed
        assert list(template_questions()[name].values) == values
    assert main(["init", "--help"]) == 0
    shown = capsys.readouterr().out
    assert f"--usecase [{'|'.join(config['usecase']['choices'])}]" in shown


def test_a_choice_added_to_copier_yml_is_accepted_without_touching_the_toolkit(
    tmp_path: Path,
) -> None:
    config = yaml.safe_load((templates.template_root() / "copier.yml").read_text())
    config["session_backend"]["choices"].append("sqlite")
    (tmp_path / "copier.yml").write_text(yaml.safe_dump(config))
    extended = TemplateQuestions.load(tmp_path)
    answers = {"project_name": "shop", "package_name": "shop", "session_backend": "sqlite"}
    assert check_answers(answers, extended) == answers
    with pytest.raises(InitError, match="session_backend 'sqlite' is not one of memory"):
        check_answers(answers)


@pytest.mark.parametrize(
    ("answers", "asked"),
    [
        ({"usecase": "microservice", "structure": "single"}, True),
        ({"usecase": "data-science", "structure": "microservices"}, True),
        ({"usecase": "data-science", "structure": "single"}, False),
    ],
)
def test_a_question_is_asked_when_copier_yml_says(answers: dict[str, str], asked: bool) -> None:
    assert template_questions().asked("discovery", answers) is asked
    assert template_questions().asked("service_kit", answers) is False
