"""The interactive side of ``gobstopper init``: questions asked with questionary, the
answers summarised with rich, confirmed before anything is written."""

from __future__ import annotations

import re
from typing import Any

__all__ = ["ask"]

_LABELS = {
    "microservice": "microservice: /health, /ready, /metrics, JSON logs, discovery",
    "data-science": "data-science",
    "real-time-dashboard": "real-time-dashboard",
    "content-management": "content-management",
    "single": "single: one app.py",
    "blueprints": "blueprints: blueprints/*.py registered in app.py",
    "modular": "modular: modules/<feature>/ packages found at startup",
    "microservices": "microservices: services/<name>/ apps, a gateway, one run command",
}


def _select(question: str, choices: tuple[str, ...]) -> Any:
    import questionary

    options = [questionary.Choice(_LABELS.get(value, value), value=value) for value in choices]
    return questionary.select(question, choices=options, default=options[0])


def ask(
    problems: dict[str, Any], choices: dict[str, tuple[str, ...]]
) -> tuple[dict[str, str], bool] | None:
    """Ask every question; returns the answers and whether to ``git init``, or ``None``
    when the user cancels (Ctrl-C, or "no" at the summary).

    ``problems`` maps ``project_name`` and ``package_name`` to functions returning what is
    wrong with a value (``None`` when it is fine), so the wizard checks what the flags do.
    """
    import questionary
    from rich.console import Console
    from rich.table import Table

    def check(key: str) -> Any:
        return lambda value: problems[key](value) or True

    name = questionary.text(
        "Project name", default="my-service", validate=check("project_name")
    ).ask()
    if name is None:
        return None
    questions = {
        "package_name": questionary.text(
            "Python package name",
            default=re.sub(r"[- ]", "_", name.lower()),
            validate=check("package_name"),
        ),
        "description": questionary.text("One-line description", default="A Gobstopper service"),
        "author": questionary.text("Author", default=""),
        "usecase": _select("Use case", choices["usecase"]),
        "structure": _select("Project structure", choices["structure"]),
        "session_backend": _select("Session store", choices["session_backend"]),
        "task_backend": _select("Background task store", choices["task_backend"]),
    }
    answers: dict[str, str] = {"project_name": name}
    for key, question in questions.items():
        value = question.ask()
        if value is None:
            return None
        answers[key] = value
    if answers["usecase"] == "microservice":
        discovery = _select("How services find each other", choices["discovery"]).ask()
        if discovery is None:
            return None
        answers["discovery"] = discovery
    git = questionary.confirm("Create a git repository with a first commit?", default=True).ask()
    if git is None:
        return None

    table = Table(title="New Gobstopper project", show_header=False)
    for key, value in answers.items():
        table.add_row(key.replace("_", " "), value or "-")
    table.add_row("git", "yes" if git else "no")
    Console().print(table)
    if not questionary.confirm("Create it?", default=True).ask():
        return None
    return answers, git
