"""Answer validation: every validated question rejects bad values, and says why.

A rejected answer must stop the render before anything is written: the error
names the question (copier's ``Validation error for question 'NAME'``) and the
validator's rule, no destination directory is left behind, and an existing
destination is left exactly as it was. Good edge values must render, and the
derived defaults (distribution, package and repository name) must follow
copier.yml.

The tables run through copier's Python API (in-process, fast, on the template
as a plain directory: no clone per case); a value of each shape of question
(text, conditional text, choice, multiselect, YAML) also runs through the real
``copier`` CLI, without ``--trust``, because that is what users run.
"""

from __future__ import annotations

import keyword
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from conftest import (
    REQUIRED_ANSWERS,
    TEMPLATE_DIR,
    copier_cli,
    copier_config,
    copy_with_api,
    data_args,
    find_interpreter,
    known_python_versions,
    read_answers,
    read_pyproject,
    run,
)


@dataclass(frozen=True)
class Rejection:
    """A value that ``question`` must reject, with the rule the message must state."""

    question: str
    value: str | None  # None: not answered, so the derived default is validated
    rule: str  # a fragment of the validator's message
    reason: str  # why the value is wrong (the test id)
    extra: dict[str, Any] = field(default_factory=dict)  # other answers the case needs
    cli: bool = False  # also prove it with the real copier CLI

    def answers(self) -> dict[str, Any]:
        given = {} if self.value is None else {self.question: self.value}
        return {**REQUIRED_ANSWERS, **self.extra, **given}


IDENTIFIER = "lowercase Python identifier"
SHADOWS = "must not be a Python keyword or a standard-library module"
PYPI_NAME = "normalized PyPI name"
ONE_LINE = "one line of printable text"
OWNER = "GitHub user or organisation name"
REPOSITORY = "GitHub repository name"
ENVIRONMENT = "GitHub environment name"
CLI = {"project_kind": "cli"}

REJECTIONS = [
    # project_name: one non-empty line of printable text, at most 200 characters.
    Rejection("project_name", "", "one non-empty line", "empty", cli=True),
    Rejection("project_name", "   ", "one non-empty line", "only spaces"),
    Rejection("project_name", "\u3000\u00a0", "one non-empty line", "only unicode spaces"),
    Rejection("project_name", "Acme\nWidgets", ONE_LINE, "newline", cli=True),
    Rejection("project_name", "Acme\r\nWidgets", ONE_LINE, "crlf"),
    Rejection("project_name", "Acme\tWidgets", ONE_LINE, "tab is a control character"),
    Rejection("project_name", "Acme\x00", ONE_LINE, "nul"),
    Rejection("project_name", "Acme\x1b[31m", ONE_LINE, "terminal escape"),
    Rejection("project_name", "Acme\u2028Widgets", ONE_LINE, "unicode line separator"),
    Rejection("project_name", "Acme\x85Widgets", ONE_LINE, "next-line control"),
    Rejection("project_name", "A" * 201, "at most 200 characters", "201 chars", {"distribution_name": "acme"}),
    # distribution_name: a normalized PyPI name (PEP 503), at most 100 characters.
    Rejection("distribution_name", "-x", PYPI_NAME, "leading hyphen"),
    Rejection("distribution_name", "x-", PYPI_NAME, "trailing hyphen"),
    Rejection("distribution_name", "Acme", PYPI_NAME, "uppercase is not normalized"),
    Rejection("distribution_name", "a--b", PYPI_NAME, "double hyphen is not normalized"),
    Rejection("distribution_name", "a_b", PYPI_NAME, "underscore is not normalized"),
    Rejection("distribution_name", "a.b", PYPI_NAME, "dot is not normalized"),
    Rejection("distribution_name", "acme widgets", PYPI_NAME, "space"),
    Rejection("distribution_name", "café", PYPI_NAME, "non-ascii"),
    Rejection("distribution_name", "", PYPI_NAME, "empty"),
    Rejection("distribution_name", "x" * 101, "at most 100 characters", "101 chars", {"package_name": "acme"}),
    # ... and a project_name with nothing to derive a distribution name from.
    Rejection(
        "distribution_name", None, PYPI_NAME, "derived from a title without ascii letters", {"project_name": "日本語"}
    ),
    # package_name: a lowercase identifier that shadows nothing, at most 100 characters.
    Rejection("package_name", "class", SHADOWS, "keyword"),
    Rejection("package_name", "async", SHADOWS, "keyword since 3.7"),
    Rejection("package_name", "My-Pkg", IDENTIFIER, "uppercase and hyphen"),
    Rejection("package_name", "my-pkg", IDENTIFIER, "hyphen"),
    Rejection("package_name", "MyPkg", IDENTIFIER, "uppercase"),
    Rejection("package_name", "1abc", IDENTIFIER, "starts with a digit"),
    Rejection("package_name", "my.pkg", IDENTIFIER, "dot"),
    Rejection("package_name", "café", IDENTIFIER, "non-ascii"),
    Rejection("package_name", "", IDENTIFIER, "empty"),
    Rejection("package_name", "json", SHADOWS, "stdlib json"),
    Rejection("package_name", "typing", SHADOWS, "stdlib typing"),
    Rejection("package_name", "test", SHADOWS, "stdlib test"),
    Rejection("package_name", "tomllib", SHADOWS, "stdlib tomllib, new in 3.11"),
    Rejection("package_name", "distutils", SHADOWS, "stdlib distutils, still in 3.10/3.11"),
    Rejection("package_name", "compression", SHADOWS, "stdlib compression, new in 3.14"),
    Rejection("package_name", "tests", SHADOWS, "the project's own tests directory"),
    Rejection("package_name", "llm", 'must not be "llm"', "llm-plugin shadowing llm", {"project_kind": "llm-plugin"}),
    Rejection("package_name", "p" * 101, "at most 100 characters", "101 chars"),
    # ... and a default derived from a distribution name that starts with a digit.
    Rejection("package_name", None, IDENTIFIER, "derived from 3d-printer", {"distribution_name": "3d-printer"}),
    # script_name (project_kind=cli): a command name, at most 100 characters.
    Rejection("script_name", "acme widgets", "command name", "space", CLI, cli=True),
    Rejection("script_name", "-acme", "command name", "leading hyphen (an option)", CLI),
    Rejection("script_name", "acme/widgets", "command name", "slash", CLI),
    Rejection("script_name", "acme;rm", "command name", "shell metacharacter", CLI),
    Rejection("script_name", "", "command name", "empty", CLI),
    Rejection("script_name", "s" * 101, "at most 100 characters", "101 chars", CLI),
    # description: one line, at most 512 characters (PyPI's summary limit).
    Rejection("description", "line one\nline two", ONE_LINE, "newline"),
    Rejection("description", "trailing newline\n", ONE_LINE, "trailing newline"),
    Rejection("description", "a\u2029b", ONE_LINE, "unicode paragraph separator"),
    Rejection("description", "bell\x07", ONE_LINE, "control character"),
    Rejection("description", "d" * 513, "at most 512 characters", "513 chars"),
    # keywords: a YAML list of at most 20 one-line keywords, each without commas, at most 50 characters.
    Rejection("keywords", "widgets", "a YAML list", "a bare word", cli=True),
    Rejection("keywords", "{a: 1}", "a YAML list", "a mapping"),
    Rejection("keywords", "[" + ", ".join(["k"] * 21) + "]", "at most 20 keywords", "21 keywords"),
    Rejection("keywords", "[2026, yes]", "must be text", "a number and a boolean"),
    Rejection("keywords", '["a\\nb"]', ONE_LINE, "newline"),
    Rejection("keywords", '["bell\\u0007"]', ONE_LINE, "control character"),
    Rejection("keywords", '[""]', "non-empty", "empty"),
    Rejection("keywords", '[" widgets"]', "without spaces at either end", "leading space"),
    Rejection("keywords", '["widgets, acme"]', "must not contain commas", "comma"),
    Rejection("keywords", "[" + "k" * 51 + "]", "at most 50 characters", "51 chars"),
    # author_name: one line, not only spaces, no comma (PEP 621), at most 200 characters.
    Rejection("author_name", "Ada\nLovelace", ONE_LINE, "newline"),
    Rejection("author_name", "   ", "contain more than spaces", "only spaces"),
    Rejection("author_name", "Lovelace, Ada", "must not contain a comma", "comma (PEP 621)"),
    Rejection("author_name", "n" * 201, "at most 200 characters", "201 chars"),
    # author_email: empty, or an address name@domain.tld.
    Rejection("author_email", "nope", "name@domain.tld", "no at sign"),
    Rejection("author_email", "a@b", "name@domain.tld", "no dot in the domain"),
    Rejection("author_email", "@example.org", "name@domain.tld", "no local part"),
    Rejection("author_email", "ada@", "name@domain.tld", "no domain"),
    Rejection("author_email", "ada@example.", "name@domain.tld", "empty top-level label"),
    Rejection("author_email", "ada@exa mple.org", "name@domain.tld", "space"),
    Rejection("author_email", "Ada <ada@example.org>", "name@domain.tld", "display name"),
    Rejection("author_email", "ada@example.org\n", "name@domain.tld", "trailing newline"),
    Rejection("author_email", '"ada"@example.org', "name@domain.tld", "quote"),
    Rejection("author_email", "a" * 243 + "@example.org", "at most 254 characters", "255 chars"),
    # copyright_year: a year or a range of years.
    Rejection("copyright_year", "26", "a year or a range of years", "two digits"),
    Rejection("copyright_year", "2024-", "a year or a range of years", "open range"),
    Rejection("copyright_year", "2024–2026", "a year or a range of years", "en dash"),
    Rejection("copyright_year", "MMXXVI", "a year or a range of years", "roman numerals"),
    Rejection("copyright_year", "", "a year or a range of years", "empty"),
    # github_owner: GitHub's user/organisation rules, at most 39 characters.
    Rejection("github_owner", "-acme", OWNER, "leading hyphen"),
    Rejection("github_owner", "acme-", OWNER, "trailing hyphen"),
    Rejection("github_owner", "a--b", OWNER, "double hyphen"),
    Rejection("github_owner", "acme_corp", OWNER, "underscore"),
    Rejection("github_owner", "acme.corp", OWNER, "dot"),
    Rejection("github_owner", "acme/x", OWNER, "slash"),
    Rejection("github_owner", "", OWNER, "empty"),
    Rejection("github_owner", "o" * 40, "at most 39 characters", "40 chars"),
    # repository_name: GitHub's repository rules, at most 100 characters.
    Rejection("repository_name", "..", REPOSITORY, "dot-dot"),
    Rejection("repository_name", ".", REPOSITORY, "dot"),
    Rejection("repository_name", "x.git", REPOSITORY, ".git suffix"),
    Rejection("repository_name", "x.GIT", REPOSITORY, ".GIT suffix"),
    Rejection("repository_name", "acme widgets", REPOSITORY, "space"),
    Rejection("repository_name", "acme/widgets", REPOSITORY, "slash"),
    Rejection("repository_name", "café", REPOSITORY, "non-ascii"),
    Rejection("repository_name", "", REPOSITORY, "empty"),
    Rejection("repository_name", "r" * 101, "at most 100 characters", "101 chars"),
    # pypi_environment / testpypi_environment: GitHub environment names (255 max),
    # and the two must differ (PyPI and TestPyPI each trust their own).
    Rejection("pypi_environment", "my env", ENVIRONMENT, "space"),
    Rejection("pypi_environment", "-release", ENVIRONMENT, "leading hyphen"),
    Rejection("pypi_environment", "release/pypi", ENVIRONMENT, "slash"),
    Rejection("pypi_environment", "rel'ease", ENVIRONMENT, "quote"),
    Rejection("pypi_environment", "${{ github.token }}", ENVIRONMENT, "expression"),
    Rejection("pypi_environment", "", ENVIRONMENT, "empty"),
    Rejection("pypi_environment", "e" * 256, "at most 255 characters", "256 chars"),
    Rejection(
        "testpypi_environment", "release", "must differ from pypi_environment", "equal to pypi_environment", cli=True
    ),
    Rejection(
        "testpypi_environment",
        "RELEASE",
        "must differ from pypi_environment",
        "equal ignoring case (GitHub environment names are case-insensitive)",
    ),
    Rejection("testpypi_environment", "test pypi", ENVIRONMENT, "space"),
    Rejection("testpypi_environment", "", ENVIRONMENT, "empty"),
    Rejection("testpypi_environment", "t" * 256, "at most 255 characters", "256 chars"),
    # python_min: not below the project kind's own floor (copier.yml kind_python_min).
    Rejection(
        "python_min",
        "3.10",
        'python_min must be 3.11 or newer when project_kind is "llm-plugin"',
        "llm-plugin below llm-echo's Python",
        {"project_kind": "llm-plugin"},
        cli=True,
    ),
    # A multiselect: copier reads the answer "[]" as a YAML list.
    Rejection("operating_systems", "[]", "must name at least one of Linux, Windows, macOS", "none chosen", cli=True),
]


def _rejection_id(case: Rejection) -> str:
    return f"{case.question}-{case.reason}"


def _error_line(question: str) -> str:
    return f"Validation error for question '{question}'"


def refused_copy(template: Path, destination: Path, answers: dict[str, Any]) -> str:
    """Copy as the CLI does (copy_with_api) into an existing empty ``destination``; copier
    must refuse: its message."""
    destination.mkdir()
    with pytest.raises(ValueError, match=r".") as refused:
        copy_with_api(template, destination, answers)
    return str(refused.value)


@pytest.mark.parametrize("case", REJECTIONS, ids=_rejection_id)
def test_rejected_value_stops_the_render(template_tree: Path, tmp_path: Path, case: Rejection) -> None:
    destination = tmp_path / "out"
    message = refused_copy(template_tree, destination, case.answers())

    assert _error_line(case.question) in message, message
    assert case.rule in message, message
    # The rendered message (includes/validators.jinja's macros included) states
    # the rule for this question and gives a valid example.
    rendered = message.split(f"{_error_line(case.question)}: ", 1)[1]
    assert rendered.startswith(f"{case.question} must "), rendered
    assert re.search(r'e\.g\. "[^"]+"', rendered), rendered
    # Nothing written into the (existing, empty) destination.
    assert list(destination.iterdir()) == []


@pytest.mark.parametrize(
    ("question", "value"),
    [("license", "WTFPL"), ("license", "mit"), ("python_min", "3.9"), ("project_kind", "app")],
)
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


def test_every_validated_question_has_rejections() -> None:
    """The table covers each question that has a validator, and the real CLI refuses
    at least one question of each shape (the API refusals above run the same
    validators: the CLI adds reading --data and reporting, which go by shape)."""
    config = copier_config()
    validated = {name for name, spec in config.items() if isinstance(spec, dict) and "validator" in spec}
    assert {case.question for case in REJECTIONS} == validated
    through_cli = {case.question for case in REJECTIONS if case.cli}
    assert {_shape(config[name]) for name in through_cli} == {_shape(config[name]) for name in validated}


def test_every_free_text_question_has_a_validator() -> None:
    """Every str question a user can answer; computed facts (when: false) are never asked."""
    free_text = {
        name
        for name, spec in copier_config().items()
        if isinstance(spec, dict)
        and spec.get("type") == "str"
        and "choices" not in spec
        and spec.get("when") is not False
    }
    assert free_text, "no free-text questions found"
    assert {name for name in free_text if "validator" not in copier_config()[name]} == set()


def _cli_args(answers: dict[str, Any], destination: Path, template: Path = TEMPLATE_DIR) -> list[str]:
    args = ["copy", "--quiet", "--defaults", "--vcs-ref", "HEAD", *data_args(answers)]
    return [*args, str(template), str(destination)]


def test_cli_renders_the_defaults_without_trust(tmp_path: Path) -> None:
    destination = tmp_path / "out"
    result = copier_cli(*_cli_args(REQUIRED_ANSWERS, destination), cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert read_pyproject(destination)["project"]["name"] == "acme-widgets"


@pytest.mark.parametrize("case", [c for c in REJECTIONS if c.cli], ids=_rejection_id)
def test_cli_rejects_and_writes_nothing(template_tree: Path, tmp_path: Path, case: Rejection) -> None:
    destination = tmp_path / "out"
    result = copier_cli(*_cli_args(case.answers(), destination, template_tree), cwd=tmp_path)

    assert result.returncode != 0, f"{case.question}={case.value!r} was accepted"
    assert _error_line(case.question) in result.stderr, result.stderr
    assert case.rule in result.stderr, result.stderr
    assert not destination.exists()


def _snapshot(root: Path) -> dict[str, bytes | None]:
    """Every path under ``root`` with its bytes (None for a directory)."""
    return {p.relative_to(root).as_posix(): (p.read_bytes() if p.is_file() else None) for p in sorted(root.rglob("*"))}


@pytest.mark.parametrize(
    "case",
    [c for c in REJECTIONS if (c.question, c.value) in {("project_name", ""), ("package_name", "class")}],
    ids=_rejection_id,
)
def test_cli_leaves_an_existing_destination_as_it_was(template_tree: Path, tmp_path: Path, case: Rejection) -> None:
    destination = tmp_path / "existing"
    (destination / "notes").mkdir(parents=True)
    (destination / "README.md").write_text("# mine, not the template's\n", encoding="utf-8")
    (destination / "notes" / "todo.txt").write_bytes(b"keep\x00me\r\n")
    (destination / ".copier-answers.yml").write_text("not: copier's\n", encoding="utf-8")
    before = _snapshot(destination)

    result = copier_cli(*_cli_args(case.answers(), destination, template_tree), cwd=tmp_path)

    assert result.returncode != 0
    assert _error_line(case.question) in result.stderr, result.stderr
    assert _snapshot(destination) == before


# --- accepted edge values --------------------------------------------------


@dataclass(frozen=True)
class Acceptance:
    """Answers that must render; ``question`` is stored in the answers file as given."""

    question: str
    value: Any
    reason: str
    extra: dict[str, Any] = field(default_factory=dict)
    stored: bool = True  # False: the question is not asked in this case, so not recorded

    def answers(self) -> dict[str, Any]:
        return {**self.extra, self.question: self.value}


ACCEPTANCES = [
    Acceptance("project_name", "  Acme Widgets  ", "leading and trailing spaces"),
    Acceptance(
        "project_name",
        "日本語ツール",
        "no ascii letters, with a distribution name",
        {"distribution_name": "nihongo-tool"},
    ),
    Acceptance("project_name", "P" * 200, "200 chars", {"distribution_name": "acme"}),
    Acceptance("distribution_name", "a", "one letter"),
    Acceptance("distribution_name", "2048", "digits only, with a package name", {"package_name": "game_2048"}),
    Acceptance("distribution_name", "a1-b2-c3", "hyphen-separated"),
    Acceptance("distribution_name", "x" * 100, "100 chars", {"package_name": "acme"}),
    Acceptance("package_name", "_acme", "leading underscore"),
    Acceptance("package_name", "match", "soft keyword"),
    Acceptance("package_name", "json5", "not a stdlib name"),
    Acceptance("package_name", "typing_extras", "stdlib name as a prefix"),
    Acceptance("package_name", "p" * 100, "100 chars"),
    Acceptance("script_name", "Acme.Widgets_cli-2", "mixed separators and case", CLI),
    Acceptance("script_name", "not a name!", "ignored unless project_kind is cli", stored=False),
    Acceptance("description", "", "empty"),
    Acceptance("description", "d" * 512, "512 chars"),
    Acceptance("author_name", "", "empty"),
    Acceptance("author_name", "Zoë O'Brien-Ünal", "apostrophe and diacritics"),
    Acceptance("author_name", "n" * 200, "200 chars"),
    Acceptance("author_email", "", "empty"),
    Acceptance("author_email", "o'brien+tag@mail.example.co.uk", "apostrophe, plus, subdomains"),
    Acceptance("copyright_year", "2024-2026", "a range"),
    Acceptance("copyright_year", "26", "not asked for a proprietary license", {"license": "Proprietary"}, stored=False),
    Acceptance("github_owner", "A", "one letter"),
    Acceptance("github_owner", "Acme-Corp-2", "case, digits and single hyphens"),
    Acceptance("github_owner", "o" * 39, "39 chars"),
    Acceptance("repository_name", ".github", "leading dot"),
    Acceptance("repository_name", "Acme.widgets_2-x", "all allowed characters"),
    Acceptance("repository_name", "_", "underscore alone"),
    Acceptance("repository_name", "r" * 100, "100 chars"),
    Acceptance("pypi_environment", "pypi.prod_1-a", "all separators"),
    Acceptance("pypi_environment", "e" * 255, "255 chars"),
    Acceptance("testpypi_environment", "release", "same name, but no TestPyPI", {"testpypi": False}, stored=False),
    Acceptance("testpypi_environment", "release-test", "pypi name as a prefix"),
    # Not asked for a private package (PyPI refuses it): not validated, not stored.
    Acceptance(
        "pypi_environment", "my env", "not asked for a proprietary license", {"license": "Proprietary"}, stored=False
    ),
    Acceptance(
        "testpypi_environment",
        "release",
        "not asked for a proprietary license",
        {"license": "Proprietary", "testpypi": True},
        stored=False,
    ),
]


@pytest.mark.parametrize("case", ACCEPTANCES, ids=lambda c: f"{c.question}-{c.reason}")
def test_accepted_edge_value_renders(render_shared: Any, case: Acceptance) -> None:
    project = render_shared(**case.answers())

    answers = read_answers(project)
    if case.stored:
        assert answers[case.question] == case.value
    else:
        assert case.question not in answers
    read_pyproject(project)  # parses


# --- derived defaults --------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        pytest.param(
            {"project_name": "Acme Widgets"},
            {"distribution_name": "acme-widgets", "package_name": "acme_widgets", "repository_name": "acme-widgets"},
            id="title",
        ),
        pytest.param(
            {"project_name": "  ACME -- Widgets & Co. 2!  "},
            {
                "distribution_name": "acme-widgets-co-2",
                "package_name": "acme_widgets_co_2",
                "repository_name": "acme-widgets-co-2",
            },
            id="punctuation-runs",
        ),
        pytest.param(
            {"project_name": "Ünïcode Tools"},
            {"distribution_name": "n-code-tools", "package_name": "n_code_tools"},
            id="non-ascii-letters-are-separators",
        ),
        pytest.param(
            {"distribution_name": "acme-x"},
            {"package_name": "acme_x", "repository_name": "acme-x"},
            id="from-distribution-name",
        ),
        pytest.param(
            {"project_kind": "llm-plugin"},
            {
                "distribution_name": "llm-acme-widgets",
                "package_name": "llm_acme_widgets",
                "repository_name": "llm-acme-widgets",
            },
            id="llm-plugin-prefix",
        ),
        pytest.param(
            {"project_kind": "llm-plugin", "project_name": "LLM Tools"},
            {"distribution_name": "llm-tools", "package_name": "llm_tools"},
            id="llm-plugin-already-prefixed",
        ),
        pytest.param({"project_kind": "cli"}, {"script_name": "acme-widgets"}, id="cli-script-name"),
    ],
)
def test_derived_defaults(render_shared: Any, answers: dict[str, Any], expected: dict[str, str]) -> None:
    recorded = read_answers(render_shared(**answers))
    assert {key: recorded[key] for key in expected} == expected


# --- the reserved names stay in step with Python -------------------------------


def _reserved_names() -> set[str]:
    # The default is one string of names separated by spaces (see includes/facts.yml).
    names = copier_config()["reserved_package_names"]["default"].split()
    assert all(isinstance(name, str) and name for name in names), names
    return set(names)


def test_reserved_names_include_every_keyword() -> None:
    words = {word for word in keyword.kwlist if word.islower()}
    assert words <= _reserved_names(), sorted(words - _reserved_names())


def test_reserved_names_include_the_running_interpreters_stdlib() -> None:
    public = {name for name in sys.stdlib_module_names if not name.startswith("_")}
    assert public <= _reserved_names(), sorted(public - _reserved_names())


@pytest.mark.parametrize("version", known_python_versions())
def test_reserved_names_include_the_stdlib_of(version: str) -> None:
    python = find_interpreter(version)
    if python is None:
        pytest.skip(f"no local CPython {version}: its new modules are listed by hand in copier.yml")
    listing = run([python, "-c", "import sys; print(*sorted(sys.stdlib_module_names))"], cwd=Path.cwd()).stdout.split()
    public = {name for name in listing if not name.startswith("_")}
    assert len(public) > 150, listing  # a real listing, not an empty one
    assert public <= _reserved_names(), sorted(public - _reserved_names())
