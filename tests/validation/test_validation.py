"""Answer validation: every validated question refuses bad values clearly, and writes nothing.

A refused answer must stop the render before anything is written: the error
names the question (copier's ``Validation error for question 'NAME'``) and the
validator's rule, no destination directory is left behind, and an existing
destination is left exactly as it was. Good edge values must render, and the
derived defaults (distribution, package, script and repository name) must
follow copier.yml. The values are answers.REJECTED, OUTSIDE_CHOICES and ACCEPTED.

The tables run through copier's Python API (in-process, fast, on the template
as a plain directory: no clone per case); a value of each shape of question
(text, conditional text, choice, multiselect, YAML) also runs through the real
``copier`` CLI, without ``--trust``, because that is what users run.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import email_validator
import pytest
from hypothesis import given
from hypothesis import strategies as st

from support.answers import (
    ACCEPTED,
    FREE_TEXT,
    JINJA,
    OUTSIDE_CHOICES,
    QUESTIONS,
    REJECTED,
    REQUIRED_ANSWERS,
    Acceptance,
    Rejection,
    data_args,
    template_values,
)
from support.commands import copier_cli, find_interpreter, run
from support.facts import known_python_versions
from support.rendering import copy_with_api, read_answers, read_pyproject


def _error_line(question: str) -> str:
    return f"Validation error for question '{question}'"


def refused_copy(template: Path, destination: Path, answers: dict[str, Any]) -> str:
    """Copy as the CLI does (copy_with_api) into an existing empty ``destination``; copier
    must refuse: its message."""
    destination.mkdir()
    with pytest.raises(ValueError, match=r".") as refused:
        copy_with_api(template, destination, answers)
    return str(refused.value)


@pytest.mark.parametrize("case", REJECTED, ids=lambda case: case.id)
def test_rejected_value_stops_the_render(template_tree: Path, tmp_path: Path, case: Rejection) -> None:
    destination = tmp_path / "out"
    message = refused_copy(template_tree, destination, case.answers())

    assert _error_line(case.question) in message, message
    assert case.rule in message, message
    # The rendered message (includes/validators.jinja's macros included) states
    # the rule for this question and gives a valid example.
    rendered = message.split(f"{_error_line(case.question)}: ", 1)[1]
    assert rendered.startswith(f"{case.question} must "), rendered
    example = re.search(r'e\.g\. "([^"]+)"', rendered)
    assert example, rendered
    # Nothing written into the (existing, empty) destination.
    assert list(destination.iterdir()) == []
    # The example is one the question takes, the other answers as they were (each such
    # answer set rendered once per worker: the rules share their examples).
    answers = {**case.answers(), case.question: example[1]}
    if (key := json.dumps(answers, sort_keys=True)) not in _EXAMPLES_TAKEN:
        copy_with_api(template_tree, tmp_path / "example", answers)
        _EXAMPLES_TAKEN.add(key)


_EXAMPLES_TAKEN: set[str] = set()


@pytest.mark.parametrize(("question", "value"), OUTSIDE_CHOICES)
def test_value_outside_the_choices_stops_the_render(
    template_tree: Path, tmp_path: Path, question: str, value: str
) -> None:
    """Questions with choices need no validator: copier refuses anything else."""
    destination = tmp_path / "out"
    message = refused_copy(template_tree, destination, {**REQUIRED_ANSWERS, question: value})

    assert f"Invalid choice for '{question}'" in message, message
    assert list(destination.iterdir()) == []


def _shape(spec: dict[str, Any]) -> tuple[str, bool, bool, bool]:
    """What decides how the CLI reads and checks an answer: its type, whether it is a
    choice or a multiselect, and whether it is asked only on a condition."""
    return (spec.get("type", "str"), "choices" in spec, bool(spec.get("multiselect")), "when" in spec)


def test_every_validated_question_has_rejections_and_every_free_text_one_a_validator() -> None:
    """The table covers each question that has a validator, and the real CLI refuses
    at least one question of each shape (the API refusals above run the same
    validators: the CLI adds reading --data and reporting, which go by shape).
    Every str question a user can answer has one (computed facts are never asked)."""
    validated = {name for name, spec in QUESTIONS.items() if "validator" in spec}
    assert {case.question for case in REJECTED} == validated
    through_cli = {case.question for case in REJECTED if case.cli}
    assert {_shape(QUESTIONS[name]) for name in through_cli} == {_shape(QUESTIONS[name]) for name in validated}
    assert FREE_TEXT, "no free-text questions found"
    assert set(FREE_TEXT) - validated == set()


def _snapshot(root: Path) -> dict[str, bytes | None]:
    """Every path under ``root`` with its bytes (None for a directory)."""
    return {p.relative_to(root).as_posix(): (p.read_bytes() if p.is_file() else None) for p in sorted(root.rglob("*"))}


# Every other CLI case copies into an existing destination, with files of its own.
CLI_CASES = [pytest.param(case, i % 2 == 0, id=case.id) for i, case in enumerate(c for c in REJECTED if c.cli)]


@pytest.mark.parametrize(("case", "existing"), CLI_CASES)
def test_cli_rejects_and_writes_nothing(template_tree: Path, tmp_path: Path, case: Rejection, existing: bool) -> None:
    """No destination is created; an existing one is left as it was, byte for byte."""
    destination = tmp_path / "out"
    if existing:
        (destination / "notes").mkdir(parents=True)
        (destination / "README.md").write_text("# mine, not the template's\n", encoding="utf-8")
        (destination / "notes" / "todo.txt").write_bytes(b"keep\x00me\r\n")
        (destination / ".copier-answers.yml").write_text("not: copier's\n", encoding="utf-8")
    before = _snapshot(destination) if existing else None
    args = ["copy", "--quiet", "--defaults", "--vcs-ref", "HEAD", *data_args(case.answers())]
    result = copier_cli(*args, template_tree, destination, cwd=tmp_path)

    assert result.returncode != 0, f"{case.question}={case.value!r} was accepted"
    assert _error_line(case.question) in result.stderr, result.stderr
    assert case.rule in result.stderr, result.stderr
    if existing:
        assert _snapshot(destination) == before
    else:
        assert not destination.exists()


@pytest.mark.parametrize("case", ACCEPTED, ids=lambda c: f"{c.question}-{c.reason}")
def test_accepted_edge_value_renders(template_tree: Path, tmp_path: Path, case: Acceptance) -> None:
    """As data, as the CLI's --data passes it: copier validates that even for a question it does not
    ask (pytest-copie's answers are only defaults, which it does not)."""
    project = tmp_path / "out"
    copy_with_api(template_tree, project, {**REQUIRED_ANSWERS, **case.answers()})
    recorded = read_answers(project)
    assert (case.question in recorded, recorded.get(case.question)) == (
        case.stored,
        case.value if case.stored else None,
    )
    read_pyproject(project)  # parses


NAMES = ("distribution_name", "package_name", "script_name", "repository_name")


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        pytest.param(
            {"project_name": "  ACME -- Widgets & Co. 2!  "},
            ("acme-widgets-co-2", "acme_widgets_co_2", None, "acme-widgets-co-2"),
            id="punctuation-runs",
        ),
        pytest.param(
            {"project_name": "Ünïcode Tools"},
            ("n-code-tools", "n_code_tools", None, "n-code-tools"),
            id="non-ascii-letters-are-separators",
        ),
        # What pressing Enter gives: the import name is the PyPI name with "_" for "-"
        # (python-dateutil would import as python_dateutil); the command and the
        # repository are named like the distribution.
        pytest.param(
            {"project_kind": "cli", "distribution_name": "acme-x"},
            ("acme-x", "acme_x", "acme-x", "acme-x"),
            id="from-distribution-name",
        ),
        pytest.param(
            {"project_kind": "llm-plugin"},
            ("llm-acme-widgets", "llm_acme_widgets", None, "llm-acme-widgets"),
            id="llm-plugin-prefix",
        ),
        pytest.param(
            {"project_kind": "llm-plugin", "project_name": "LLM Tools"},
            ("llm-tools", "llm_tools", None, "llm-tools"),
            id="llm-plugin-already-prefixed",
        ),
    ],
)
def test_derived_defaults(render_shared: Any, answers: dict[str, Any], expected: tuple[str | None, ...]) -> None:
    """Each name copier records (None: not asked, so not recorded: a script only for a cli)."""
    recorded = read_answers(render_shared(**answers))
    assert tuple(recorded.get(name) for name in NAMES) == expected


@pytest.mark.parametrize("version", known_python_versions())
def test_reserved_names_include_the_keywords_and_stdlib_of(version: str) -> None:
    """copier.yml's reserved_package_names stay in step with each Python the template knows."""
    python = find_interpreter(version)
    if python is None:
        pytest.skip(f"no local CPython {version}: its new modules are listed by hand in copier.yml")
    listing = "import keyword, sys; print(*sys.stdlib_module_names); print(*keyword.kwlist)"
    modules, keywords = (line.split() for line in run([python, "-c", listing], cwd=Path.cwd()).stdout.splitlines())
    assert len(modules) > 150, modules  # a real listing, not an empty one
    assert "class" in keywords, keywords
    public = {name for name in modules if not name.startswith("_")} | {word for word in keywords if word.islower()}
    reserved = template_values()["reserved_package_names"].split()  # as the validator splits them
    assert len(reserved) > 150, reserved
    assert public - set(reserved) == set()


# PyPI checks the Author-email of an upload with email-validator (warehouse's metadata checks,
# deliverability not asked): an address the template takes but PyPI refuses fails at the first
# `uv publish`, after the tag is pushed.
ADDRESSES = [
    *(case.value for case in REJECTED if case.question == "author_email" and case.value),
    *(case.value for case in ACCEPTED if case.question == "author_email" and case.value),
]


def template_takes(address: str) -> bool:
    return JINJA.from_string(QUESTIONS["author_email"]["validator"]).render(author_email=address).strip() == ""


def pypi_takes(address: str) -> bool:
    try:
        email_validator.validate_email(address, check_deliverability=False)
    except email_validator.EmailNotValidError:
        return False
    return True


@given(address=st.emails() | st.sampled_from(ADDRESSES))
def test_every_address_the_template_takes_pypi_takes_too(address: str) -> None:
    assert pypi_takes(address) or not template_takes(address), address


def test_the_address_checks_disagree_only_where_the_template_is_stricter() -> None:
    """The table's refusals PyPI would take too: none but the shapes the template keeps out
    on purpose (a quoted local part, a display name)."""
    taken = {address for address in ADDRESSES if pypi_takes(address) and not template_takes(address)}
    assert taken <= {'"ada"@example.org'}, taken
