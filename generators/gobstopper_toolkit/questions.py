"""The questions of the project template, read from its ``copier.yml``.

``copier.yml`` is the one place that says which answers a project takes: the choices,
the defaults, when a question is asked and what makes an answer acceptable.
``gobstopper init`` and its wizard read them here instead of keeping copies, and render
them as Copier does — a sandboxed Jinja environment with the Ansible filters Copier
loads — so an answer this module accepts is one Copier accepts, and the reverse.

>>> questions = template_questions()
>>> questions["structure"].values
('single', 'blueprints', 'modular', 'microservices')
>>> questions.problem("package_name", {"package_name": "orders"}) is None
True
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["Question", "TemplateQuestions", "template_questions"]

# The extension Copier adds to every template's Jinja environment (its own yield tag
# only matters to file names, which questions never render).
_COPIER_EXTENSIONS = ["jinja2_ansible_filters.AnsibleCoreFiltersExtension"]
_TRUE = {"y", "yes", "t", "true", "on"}
_FALSE = {"", "n", "no", "f", "false", "off", "~", "null", "none"}


@dataclass(frozen=True)
class Question:
    """One question of ``copier.yml``, as written there (templates not yet rendered)."""

    name: str
    type: str = "str"
    help: str = ""
    #: Label shown → value recorded; labels are the values for a plain list.
    choices: Mapping[str, str] = field(default_factory=dict)
    default: Any = None
    validator: str = ""
    when: Any = True

    @property
    def prompt(self) -> str:
        """What the question says to the user: its help, else its name."""
        return self.help or self.name

    @property
    def values(self) -> tuple[str, ...]:
        """The values an answer may take, or ``()`` for a free answer."""
        return tuple(self.choices.values())

    @classmethod
    def parse(cls, name: str, spec: Any) -> Question:
        """The question ``name`` from its ``copier.yml`` entry (a mapping, or just a
        default value)."""
        if not isinstance(spec, Mapping):
            return cls(name, default=spec)
        listed = spec.get("choices") or {}
        choices = (
            {str(label): str(value) for label, value in listed.items()}
            if isinstance(listed, Mapping)
            else {str(value): str(value) for value in listed}
        )
        return cls(
            name,
            type=str(spec.get("type", "str")),
            help=str(spec.get("help", "")),
            choices=choices,
            default=spec.get("default"),
            validator=str(spec.get("validator", "")),
            when=spec.get("when", True),
        )


class TemplateQuestions:
    """The questions of one template, with its Jinja environment to render them."""

    def __init__(self, root: Path, config: Mapping[str, Any]) -> None:
        from jinja2 import FileSystemLoader
        from jinja2.sandbox import SandboxedEnvironment

        self._questions = {
            name: Question.parse(name, spec)
            for name, spec in config.items()
            if not name.startswith("_")
        }
        envops = dict(config.get("_envops") or {})
        self._environment = SandboxedEnvironment(
            loader=FileSystemLoader(root), extensions=_COPIER_EXTENSIONS, **envops
        )

    @classmethod
    def load(cls, root: Path) -> TemplateQuestions:
        """The questions of the template whose ``copier.yml`` is in ``root``."""
        import yaml

        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        config = yaml.load((root / "copier.yml").read_text(encoding="utf-8"), Loader=loader)
        return cls(root, config or {})

    def __getitem__(self, name: str) -> Question:
        return self._questions[name]

    def __contains__(self, name: object) -> bool:
        return name in self._questions

    def __iter__(self) -> Iterator[Question]:
        return iter(self._questions.values())

    def render(self, text: Any, context: Mapping[str, Any]) -> Any:
        """``text`` rendered with ``context`` when it is a string (a template, maybe);
        other values as they are."""
        if not isinstance(text, str):
            return text
        return self._environment.from_string(text).render(context)

    def context(self, answers: Mapping[str, Any]) -> dict[str, Any]:
        """What the template sees with ``answers`` given: those answers, and the default
        of every other question that has one, each computed from those before it."""
        seen: dict[str, Any] = {}
        for question in self:
            if question.name in answers:
                seen[question.name] = _cast(question.type, answers[question.name])
            elif question.default is not None:
                seen[question.name] = _cast(question.type, self.render(question.default, seen))
        return seen

    def default(self, name: str, answers: Mapping[str, Any]) -> Any:
        """The default answer to ``name`` after ``answers``."""
        question = self[name]
        return _cast(question.type, self.render(question.default, self.context(answers)))

    def asked(self, name: str, answers: Mapping[str, Any]) -> bool:
        """Whether ``name`` is asked after ``answers`` (its ``when``)."""
        return bool(_cast("bool", self.render(self[name].when, self.context(answers))))

    def problem(self, name: str, answers: Mapping[str, Any]) -> str | None:
        """What is wrong with the answer to ``name`` in ``answers`` — the message its
        validator renders, or that the answer is not one of the choices — or ``None``."""
        question = self[name]
        answer = _cast(question.type, answers[name])
        if question.values and str(answer) not in question.values:
            return f"is not one of {', '.join(question.values)}"
        if not question.validator:
            return None
        context = {**self.context(answers), name: answer}
        message = str(self.render(question.validator, context)).strip()
        return message or None


def _cast(type_name: str, value: Any) -> Any:
    """``value`` as Copier casts an answer of type ``type_name`` (``bool`` and ``str``,
    the types the template uses; any other is left as it is)."""
    if type_name == "str":
        return "" if value is None else str(value)
    if type_name == "bool" and isinstance(value, str):
        text = value.strip().lower()
        try:
            return bool(float(text))
        except ValueError:
            pass
        if text in _TRUE or text in _FALSE:
            return text in _TRUE
    return bool(value) if type_name == "bool" else value


@functools.cache
def template_questions() -> TemplateQuestions:
    """The questions of the template ``gobstopper init`` renders."""
    from .templates import template_root

    return TemplateQuestions.load(template_root())
