"""Every answer set the tests render, and the names copier derives from answers (its own default expressions)."""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from typing import Any

import jinja2
import jinja2.lexer
import jinja2.meta as jinja2_meta
import jinja2.utils

from support.facts import TEMPLATE_DIR, copier_config, parse_yaml

# Answers that every render needs (the two questions without a default).
REQUIRED_ANSWERS: dict[str, Any] = {"project_name": "Acme Widgets", "github_owner": "acme"}


def data_args(answers: Mapping[str, Any]) -> list[str]:
    """``--data KEY=VALUE`` arguments of the copier CLI for ``answers`` (booleans as YAML reads them)."""
    return [
        arg
        for key, value in answers.items()
        for arg in ("--data", f"{key}={str(value).lower() if isinstance(value, bool) else value}")
    ]


def derived_names(**answers: Any) -> dict[str, str]:
    """The names copier.yml derives by default (distribution, package, script and
    repository name) for ``answers`` on top of REQUIRED_ANSWERS: its own default
    expressions, rendered in question order, so the tests never restate them."""
    config = copier_config()
    environment = jinja2.Environment(extensions=["jinja2_ansible_filters.AnsibleCoreFiltersExtension"])  # noqa: S701
    context: dict[str, Any] = {
        name: spec["default"]
        for name, spec in config.items()
        if isinstance(spec, dict) and "default" in spec and not re.search(r"\{\{|\{%", str(spec["default"]))
    }
    context |= {**REQUIRED_ANSWERS, **answers}
    names = {}
    for name in ("distribution_name", "package_name", "script_name", "repository_name"):
        if name not in context:
            context[name] = environment.from_string(config[name]["default"]).render(**context)
        names[name] = context[name]
    return names


DEFAULT_NAMES = derived_names()


DEFAULT_DISTRIBUTION = DEFAULT_NAMES["distribution_name"]


DEFAULT_PACKAGE = DEFAULT_NAMES["package_name"]


# Parses (never renders) template text with copier's filters known.
_JINJA = jinja2.Environment(extensions=["jinja2_ansible_filters.AnsibleCoreFiltersExtension"])  # noqa: S701


def _names_read(source: str) -> set[str]:
    return set(jinja2_meta.find_undeclared_variables(_JINJA.parse(source)))


def _template_sources(config: Mapping[str, Any], spec: Any) -> list[str]:
    """The Jinja texts of a copier.yml entry that compute its value."""
    if not isinstance(spec, dict):
        return []
    return [str(spec[key]) for key in ("default", "choices", "when") if isinstance(spec.get(key), str)]


def questions_read_by_workflows(config: Mapping[str, Any] | None = None) -> set[str]:
    """The questions that the files under template/.github read, directly or through
    computed facts (``when: false``) of copier.yml."""
    config = copier_config() if config is None else config
    sources = []
    for path in sorted((TEMPLATE_DIR / "template" / ".github").rglob("*")):
        sources.append(path.relative_to(TEMPLATE_DIR).as_posix())  # a file name can be a condition
        if path.is_file():
            sources.append(path.read_text(encoding="utf-8"))
    read: set[str] = set()
    pending = [name for source in sources for name in _names_read(source)]
    while pending:
        name = pending.pop()
        if name in read or name not in config:
            continue
        read.add(name)
        if config[name].get("when") is False:  # a fact: what it is computed from counts too
            pending += [n for source in _template_sources(config, config[name]) for n in _names_read(source)]
    return {name for name in read if config[name].get("when") is not False}


def choice_values(config: Mapping[str, Any], name: str) -> list[Any]:
    """The values a bool or choice question of copier.yml can take."""
    spec = config[name]
    if spec.get("type") == "bool":
        return [True, False]
    choices = spec["choices"]
    if isinstance(choices, str):  # rendered from facts, e.g. python_min's from python_releases
        facts = {
            key: value.get("default")
            for key, value in config.items()
            if isinstance(value, dict) and value.get("when") is False
        }
        choices = parse_yaml(_JINJA.from_string(choices).render(**facts))
    values = list(choices.values()) if isinstance(choices, dict) else list(choices)
    if spec.get("multiselect"):
        return [[value] for value in values] + [values]
    return values


def choice_questions(config: Mapping[str, Any] | None = None) -> list[str]:
    """copier.yml's asked bool and choice questions, in question order."""
    config = copier_config() if config is None else config
    return [
        name
        for name, spec in config.items()
        if isinstance(spec, dict)
        and spec.get("when") is not False
        and (spec.get("type") == "bool" or "choices" in spec)
    ]


def _default(config: Mapping[str, Any], name: str) -> Any:
    spec = config[name]
    return spec.get("default")


def _compared_values(name: str, values: list[Any], texts: str) -> list[Any]:
    """The values of ``name`` that the templates single out (== 'x', != 'x', 'x' in name)."""
    literal = r"""['"]([^'"]+)['"]"""
    named = set(re.findall(rf"\b{name}\s*[!=]=\s*{literal}", texts))
    named |= set(re.findall(rf"{literal}\s+(?:not\s+)?in\s+{name}\b", texts))

    def singled_out(value: Any) -> bool:
        # A multiselect's values are lists: one choice alone counts as that choice, several as none.
        if isinstance(value, list):
            return len(value) == 1 and value[0] in named
        return value in named

    return [v for v in values if singled_out(v)]


def workflow_answer_sets(config: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    """The answer combinations the workflow checks render, built from copier.yml.

    - every value of every asked bool and choice question once (the others at
      their defaults): a new question or choice is checked as soon as it exists;
    - pairs: every pair of values, across two questions, that the workflows
      single out (a bool's two values; a choice's default and each value a
      template compares it with, such as license == 'Proprietary'), for the
      questions the workflow templates read, directly or through facts.
    Pairs are packed greedily into rows of several questions at once, which
    keeps the count far below the full product.
    """
    config = copier_config() if config is None else config
    questions = choice_questions(config)
    sets: list[dict[str, Any]] = [{}]
    for name in questions:
        default = _default(config, name)
        sets += [{name: value} for value in choice_values(config, name) if value != default]
    texts = "\n".join(
        [p.read_text(encoding="utf-8") for p in (TEMPLATE_DIR / "template" / ".github").rglob("*") if p.is_file()]
        + [source for spec in config.values() for source in _template_sources(config, spec)]
    )
    read = questions_read_by_workflows(config)
    levels: dict[str, list[Any]] = {}
    for name in questions:
        if name not in read:
            continue
        default = _default(config, name)
        values = choice_values(config, name)
        singled = [default, *(v for v in _compared_values(name, values, texts) if v != default)]
        if config[name].get("type") == "bool":
            singled = values
        if len(singled) > 1:
            levels[name] = singled

    # Greedy all-pairs: each row takes, per question, the value that covers most uncovered pairs.
    def pair(a: str, va: Any, b: str, vb: Any) -> tuple[tuple[str, str], ...]:
        return tuple(sorted([(a, repr(va)), (b, repr(vb))]))

    uncovered = {
        pair(a, va, b, vb) for a, b in itertools.combinations(levels, 2) for va in levels[a] for vb in levels[b]
    }
    while uncovered:
        (first, first_repr), (second, second_repr) = min(uncovered)
        row = {
            first: next(v for v in levels[first] if repr(v) == first_repr),
            second: next(v for v in levels[second] if repr(v) == second_repr),
        }
        for name, values in levels.items():
            if name not in row:
                gains = [sum(pair(a, row[a], name, v) in uncovered for a in row) for v in values]
                row[name] = values[gains.index(max(gains))]
        uncovered -= {pair(a, row[a], b, row[b]) for a, b in itertools.combinations(row, 2)}
        sets.append({k: v for k, v in row.items() if v != _default(config, k)})
    unique: list[dict[str, Any]] = []
    for answers in sets:
        if answers not in unique:
            unique.append(answers)
    return unique


def answers_id(answers: Mapping[str, Any]) -> str:
    """A readable test id for a set of answers."""
    return "-".join(f"{k}={v}" for k, v in answers.items()) or "defaults"
