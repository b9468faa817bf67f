"""The interactive side of ``gobstopper init``: the template's questions asked with
questionary, the answers summarised with rich, confirmed before anything is written.

The questions are those of ``copier.yml`` (see :mod:`.questions`), asked in its order
with its help text, choices, defaults and conditions, and checked by its validators as
they are typed.
"""

from __future__ import annotations

from typing import Any

from .questions import Question, TemplateQuestions

__all__ = ["ask"]


def _prompt(questions: TemplateQuestions, question: Question, answers: dict[str, str]) -> Any:
    """The questionary prompt for ``question``, after ``answers``."""
    import questionary

    default = questions.default(question.name, answers)
    if question.choices:
        options = [
            questionary.Choice(label, value=value) for label, value in question.choices.items()
        ]
        chosen = next((o for o in options if o.value == default), options[0])
        return questionary.select(question.prompt, choices=options, default=chosen)
    if question.type == "bool":
        return questionary.confirm(question.prompt, default=bool(default))

    def check(value: str) -> str | bool:
        return questions.problem(question.name, {**answers, question.name: value}) or True

    return questionary.text(question.prompt, default=str(default), validate=check)


def ask(questions: TemplateQuestions) -> tuple[dict[str, str], bool] | None:
    """Ask every question ``copier.yml`` asks; returns the answers and whether to
    ``git init``, or ``None`` when the user cancels (Ctrl-C, or "no" at the summary).

    Yes/no answers are recorded as ``true``/``false``, which Copier reads as it reads
    ``--data rust_core=true``.
    """
    import questionary
    from rich.console import Console
    from rich.table import Table

    answers: dict[str, str] = {}
    for question in questions:
        if not questions.asked(question.name, answers):
            continue
        value = _prompt(questions, question, answers).ask()
        if value is None:
            return None
        answers[question.name] = str(value).lower() if isinstance(value, bool) else value
    git = questionary.confirm("Create a git repository with a first commit?", default=True).ask()
    if git is None:
        return None

    table = Table(title="New Gobstopper project", show_header=False)
    for name, value in answers.items():
        table.add_row(questions[name].prompt, value or "-")
    table.add_row("Git repository", "yes" if git else "no")
    Console().print(table)
    if not questionary.confirm("Create it?", default=True).ask():
        return None
    return answers, git
