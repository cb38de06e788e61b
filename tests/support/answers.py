"""Every answer set the tests render, named, and what copier records for a set.

Each set is derived from copier.yml (support.facts), never restated: a new
kind, license, Python, question or choice joins the sets that range over it
the day it exists. The sets leave out answers at their default, so that two
tests asking for one project ask render_shared with the same answers.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import jinja2
import jinja2.meta as jinja2_meta

from support.facts import KINDS, LICENSES, TEMPLATE_DIR, copier_config, known_python_versions, parse_yaml

# Parses and renders copier.yml's own expressions, with copier's filters.
JINJA = jinja2.Environment(extensions=["jinja2_ansible_filters.AnsibleCoreFiltersExtension"])  # noqa: S701
# Each string compiled once per process: collection alone renders copier.yml's defaults for
# some fifty answer sets, the same thousand strings (1.2 s of CPU in every worker otherwise).
_compiled = functools.cache(JINJA.from_string)
_TEMPLATING = re.compile(r"\{\{|\{%")


def _questions(config: Mapping[str, Any] | None = None) -> dict[str, dict[str, Any]]:
    """copier.yml's questions and computed facts (``when: false``), in file order."""
    config = copier_config() if config is None else config
    return {name: spec for name, spec in config.items() if not name.startswith("_") and isinstance(spec, dict)}


QUESTIONS = _questions()


def _validator_number(name: str, pattern: str) -> int:
    return int(re.findall(pattern, QUESTIONS[name]["validator"])[0])


# How many keywords a list may hold, and how long each may be.
KEYWORDS_MAX = _validator_number("keywords", r"keywords \| length > (\d+)")
KEYWORD_LENGTH_MAX = _validator_number("keywords", r"select\('gt', (\d+)\)")


# The questions without a default (every render answers them), with the examples their validators give.
REQUIRED_ANSWERS: dict[str, Any] = {
    name: re.findall(r'e\.g\. "([^"]+)"', spec["validator"])[0]
    for name, spec in QUESTIONS.items()
    if "default" not in spec and spec.get("when") is not False
}


def data_args(answers: Mapping[str, Any]) -> list[str]:
    """``--data KEY=VALUE`` arguments of the copier CLI for ``answers`` (booleans as YAML reads them)."""
    return [
        arg
        for key, value in answers.items()
        for arg in ("--data", f"{key}={str(value).lower() if isinstance(value, bool) else value}")
    ]


def template_values(**answers: Any) -> dict[str, Any]:
    """Every value of copier.yml (questions and facts) for ``answers`` on top of REQUIRED_ANSWERS:
    each default rendered in question order with the values before it, read by its type, as copier does."""
    given, values = {**REQUIRED_ANSWERS, **answers}, dict[str, Any]()
    for name, spec in QUESTIONS.items():
        value = given.get(name, spec.get("default"))
        if name not in given and isinstance(value, str):
            value = _compiled(value).render(**values) if _TEMPLATING.search(value) else value
            value = parse_yaml(value) if spec.get("type") in ("yaml", "bool") else value
        values[name] = value
    return values


def _holds(condition: Any, values: Mapping[str, Any]) -> bool:
    return bool(parse_yaml(_compiled(condition).render(**values)) if isinstance(condition, str) else condition)


def recorded_answers(**answers: Any) -> dict[str, Any]:
    """What copier records in .copier-answers.yml for ``answers`` (on top of REQUIRED_ANSWERS),
    but for its own ``_src_path`` and ``_commit``: each question asked (its ``when`` holds), as
    answered or at its default; never a computed fact."""
    values = template_values(**answers)
    return {name: values[name] for name, spec in QUESTIONS.items() if _holds(spec.get("when", True), values)}


def derived_names(**answers: Any) -> dict[str, str]:
    """The names copier.yml derives (distribution, package, script, repository) for ``answers``."""
    values = template_values(**answers)
    return {name: values[name] for name in ("distribution_name", "package_name", "script_name", "repository_name")}


DEFAULT_NAMES = derived_names()
DEFAULT_DISTRIBUTION = DEFAULT_NAMES["distribution_name"]
DEFAULT_PACKAGE = DEFAULT_NAMES["package_name"]


def changed(answers: Mapping[str, Any]) -> dict[str, Any]:
    """``answers`` without those at their (plain) default: one project, one set of answers."""
    return {name: value for name, value in answers.items() if value != QUESTIONS[name].get("default")}


def answers_id(answers: Mapping[str, Any]) -> str:
    """A readable test id for a set of answers."""
    return "-".join(f"{k}={v}" for k, v in answers.items()) or "defaults"


# --- combinations ------------------------------------------------------------------------------------

# Answers in which every name differs from every other name and from its own
# default, the free texts too (the import name differs from the PyPI name, as in
# python-dateutil / dateutil; the script has a "." that a bare TOML key would
# split). Only then does a right value in a place prove that the right answer,
# not a neighbour or a default, reached it.
DISTINCT: dict[str, Any] = {
    "project_name": "Quill Ink Works",
    "project_kind": "cli",
    "distribution_name": "quill-ink-dist",
    "package_name": "quill_pkg",
    "script_name": "quill.ctl",
    "description": "Pens that never blot",
    "author_name": "Ada Pénwright",  # not ASCII: written as typed, never escaped
    "author_email": "ada@penwright.example",
    "github_owner": "inkworks-org",
    "repository_name": "quill-repo",
    "license": "BSD-3-Clause",  # its text carries the copyright line itself
    "copyright_year": "2021-2026",
    "python_min": "3.12",
    "pypi_environment": "pypi-publish",
    "testpypi": True,  # the default, needed: testpypi_environment is asked only with it
    "testpypi_environment": "quill-tp-env",
    "github_release": False,
}
# An import name that differs from the distribution name, for any kind.
OWN_IMPORT_NAME = {name: DISTINCT[name] for name in ("distribution_name", "package_name")}
# The asked questions that take a name or a text (each one is in DISTINCT).
FREE_TEXT = [
    name
    for name, spec in QUESTIONS.items()
    if spec.get("when") is not False and spec.get("type", "str") == "str" and "choices" not in spec
]

EACH_KIND = {kind: changed({"project_kind": kind}) for kind in KINDS}
# Real names that typos, the generated projects' spell check, reads as misspellings ("Teh" ->
# "The", "Mata" -> "Meta", "hashi"): a project with them passes its hooks all the same.
NAMES_TYPOS_FLAGS = {"project_name": "Mata Tools", "author_name": "Wei Ming Teh", "keywords": ["mata", "hashi"]}
# Each license once, the kinds in turn (each kind meets several licenses), with an author: the copyright holder.
EACH_LICENSE = {
    license_: changed(
        {"license": license_, "project_kind": KINDS[i % len(KINDS)], "author_name": DISTINCT["author_name"]}
    )
    for i, license_ in enumerate(LICENSES)
}
# Every kind with every Python that python_min offers (what changes the dependencies).
KIND_PYTHON_SETS = [changed({"project_kind": k, "python_min": p}) for k in KINDS for p in known_python_versions()]


def python_floor(answers: Mapping[str, Any]) -> dict[str, str] | None:
    """The kind's floor (copier.yml kind_python_min: its Python and why) when python_min is below it."""
    known, values = known_python_versions(), template_values(**answers)
    floor = values["kind_python_min"].get(values["project_kind"])
    return floor if floor and known.index(values["python_min"]) < known.index(floor["python"]) else None


def matrix_answer_sets() -> list[dict[str, Any]]:
    """The answers that shape ci.yml's test matrix: every python_min with and without
    test_every_python, and every non-empty choice of operating_systems, each with a kind, a
    python_min above the oldest and test_every_python in turn (each kind meets several choices)."""
    systems, known = list(QUESTIONS["operating_systems"]["choices"].values()), known_python_versions()
    subsets = [list(c) for n in range(1, len(systems) + 1) for c in itertools.combinations(systems, n)]
    return [
        {"python_min": version, **({"test_every_python": True} if every else {})}
        for version in known
        for every in (False, True)
    ] + [
        {
            "operating_systems": subset,
            "project_kind": KINDS[i % len(KINDS)],
            "python_min": known[1 + i % (len(known) - 1)],
            "test_every_python": bool(i % 2),
        }
        for i, subset in enumerate(subsets)
    ]


def _names_read(source: str) -> set[str]:
    return set(jinja2_meta.find_undeclared_variables(JINJA.parse(source)))


def _template_sources(spec: Any) -> list[str]:
    """The Jinja texts of a copier.yml entry that compute its value."""
    return [str(spec[key]) for key in ("default", "choices", "when") if isinstance(spec.get(key), str)]


def _github_sources() -> list[str]:
    """The files under template/.github: their paths (a file name can be a condition) and texts."""
    paths = sorted((TEMPLATE_DIR / "template" / ".github").rglob("*"))
    return [path.relative_to(TEMPLATE_DIR).as_posix() for path in paths] + [
        path.read_text(encoding="utf-8") for path in paths if path.is_file()
    ]


def questions_read_by_workflows(config: Mapping[str, Any] | None = None) -> set[str]:
    """The questions that the files under template/.github read, directly or through
    computed facts (``when: false``) of copier.yml."""
    config = _questions(config)
    read: set[str] = set()
    pending = [name for source in _github_sources() for name in _names_read(source)]
    while pending:
        name = pending.pop()
        if name in read or name not in config:
            continue
        read.add(name)
        if config[name].get("when") is False:  # a fact: what it is computed from counts too
            pending += [n for source in _template_sources(config[name]) for n in _names_read(source)]
    return {name for name in read if config[name].get("when") is not False}


def choice_values(config: Mapping[str, Any], name: str) -> list[Any]:
    """The values a bool or choice question of copier.yml can take."""
    spec = config[name]
    if spec.get("type") == "bool":
        return [True, False]
    choices = spec["choices"]
    if isinstance(choices, str):  # rendered from facts, e.g. python_min's from python_releases
        facts = {key: value.get("default") for key, value in _questions(config).items() if value.get("when") is False}
        choices = parse_yaml(_compiled(choices).render(**facts))
    values = list(choices.values()) if isinstance(choices, dict) else list(choices)
    return [[value] for value in values] + [values] if spec.get("multiselect") else values


def choice_questions(config: Mapping[str, Any] | None = None) -> list[str]:
    """copier.yml's asked bool and choice questions, in question order."""
    return [
        name
        for name, spec in _questions(config).items()
        if spec.get("when") is not False and (spec.get("type") == "bool" or "choices" in spec)
    ]


def _compared_values(name: str, values: list[Any], texts: str) -> list[Any]:
    """The values of ``name`` that the templates single out (== 'x', != 'x', 'x' in name)."""
    literal = r"""['"]([^'"]+)['"]"""
    named = set(re.findall(rf"\b{name}\s*[!=]=\s*{literal}", texts))
    named |= set(re.findall(rf"{literal}\s+(?:not\s+)?in\s+{name}\b", texts))
    # A multiselect's values are lists: one choice alone counts as that choice, several as none.
    return [v for v in values if (len(v) == 1 and v[0] in named if isinstance(v, list) else v in named)]


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
        sets += [{name: value} for value in choice_values(config, name) if value != config[name].get("default")]
    texts = "\n".join(
        _github_sources() + [text for spec in _questions(config).values() for text in _template_sources(spec)]
    )
    read = questions_read_by_workflows(config)
    levels: dict[str, list[Any]] = {}
    for name in (name for name in questions if name in read):
        default, values = config[name].get("default"), choice_values(config, name)
        compared = [v for v in _compared_values(name, values, texts) if v != default]
        singled = values if config[name].get("type") == "bool" else [default, *compared]
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
        sets.append({k: v for k, v in row.items() if v != config[k].get("default")})
    return [answers for position, answers in enumerate(sets) if answers not in sets[:position]]


# --- hostile text ------------------------------------------------------------------------------------

# Text that TOML, YAML, Markdown, Jinja, Python, shells and GitHub expressions
# each read as syntax, by test id: it must come out of every render literally.
HOSTILE_TEXTS: dict[str, str] = {
    "double quotes": 'He said "hi"',
    "apostrophes": "O'Brien's 'tool'",
    "backslashes and escape lookalikes": "C:\\new\\table \\u0041 \\n \\\\",
    "trailing backslash": "trailing backslash \\",
    "hash": "# not a comment",
    "jinja expressions": "{{ project_name }} {{ 7*7 }}",
    "jinja statements": "{% raw %}{% endraw %}{% if true %}x{% endif %}",
    "jinja comment": "{# comment #}",
    "github expressions": "${{ github.token }} ${{ secrets.PYPI_TOKEN }}",
    "shell": "$(id) `id` $HOME ${HOME}; rm -rf / && echo x | sh",
    "yaml mapping indicator": "key: value",
    "yaml sequence indicator": "- item",
    "yaml anchor alias tag": "&anchor *alias !tag !!python/object/apply:os.system",
    "yaml null": "null",
    "yaml float": "1.0",
    "toml string and table lookalikes": "'''\"\"\" [[x]] = 1",
    "diacritics": "Zoë O'Brien-Ünal",
    "emoji with zwj and flags": "😀 👩‍💻 🇺🇦",
    "hebrew right-to-left": "שלום עולם",
    "arabic with bidi override": "مرحبا \u202eevil\u202c",
    "yaml block indicators": "| literal > folded",
    "yaml complex key": "? complex key",
    "yaml document markers": "--- ... %YAML 1.2",
    "leading and trailing spaces": "  padded  ",
    "four leading spaces": "    indented",
    "html": "<script>alert('x')</script>",
    "markdown markup": "*x* _y_ **z** [a](b) ![i](j) <http://x.org>",
    "markdown ordered list": "1. item",
    "markdown table row": "| a | b |",
    "html entities": "&amp; &#x41; &lt;",
    "invisible characters": "\ufeffbom\u200bzwsp\u00a0nbsp",
    "astral plane": "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 \U0010fffd",
}
# The hostile texts keywords may be (no outer spaces, not too long), as many as a list may hold.
HOSTILE_KEYWORDS = [t for t in HOSTILE_TEXTS.values() if t == t.strip() and len(t) <= KEYWORD_LENGTH_MAX][:KEYWORDS_MAX]
# The answers that take any one-line text.
ANY_TEXT = ("project_name", "description", "author_name")
# The names and the email fixed: every hostile render derives the names (and workflows) of a harmless one.
HOSTILE_FIXED = {"distribution_name": "hostile-text", "author_email": "zoe@example.org"}


def hostile_answers(name: str, description: str | None = None, author: str | None = None) -> dict[str, Any]:
    """``name`` as project_name, and as description and author_name unless they are given."""
    texts = (name, name if description is None else description, name if author is None else author)
    return {**HOSTILE_FIXED, **dict(zip(ANY_TEXT, texts, strict=True))}


# --- refused and accepted values ---------------------------------------------------------------------


@dataclass(frozen=True)
class Rejection:
    """A value ``question`` refuses, with the rule (a fragment of the message) it must state."""

    question: str
    value: str | None  # None: not answered, so the derived default is validated
    rule: str
    reason: str  # why the value is wrong (the test id)
    extra: dict[str, Any] = field(default_factory=dict)  # other answers the case needs
    cli: bool = False  # also proven with the real copier CLI

    def answers(self) -> dict[str, Any]:
        return {**REQUIRED_ANSWERS, **self.extra, **({} if self.value is None else {self.question: self.value})}

    @property
    def id(self) -> str:
        return f"{self.question}-{self.reason}"


def _refused(question: str, rule: str, cases: dict[str, Any], extra: Any = None, cli: bool = False) -> Any:
    """Rejections of ``question`` by one rule: ``cases`` maps each reason to its value."""
    return [Rejection(question, value, rule, reason, extra or {}, cli) for reason, value in cases.items()]


# The length limits of the validators: copier.yml's `NAME | length > N`, or the environment macro's.
_MACROS = (TEMPLATE_DIR / "includes" / "validators.jinja").read_text(encoding="utf-8")
LIMITS = {
    name: int((re.findall(rf"\b{name} \| length > (\d+)", spec["validator"]) or re.findall(r"> (\d+)", _MACROS))[0])
    for name, spec in QUESTIONS.items()
    if re.search(rf"\b{name} \| length > |environment_name\(", spec.get("validator", ""))
}


def _longest(question: str, unit: str, suffix: str = "", over: int = 0, each: bool = False) -> dict[str, str]:
    """A value of the longest length ``question`` takes (``over`` characters more), by its id;
    ``each``: a keyword of the longest length, in a list."""
    limit = (KEYWORD_LENGTH_MAX if each else LIMITS[question]) + over
    value = unit * (limit - len(suffix)) + suffix
    return {f"{limit} chars": f"[{value}]" if each else value}


def _too_long(question: str, unit: str, suffix: str = "", **extra: Any) -> list[Rejection]:
    return _refused(question, f"at most {LIMITS[question]} characters", _longest(question, unit, suffix, 1), extra)


def _below_a_kinds_floor() -> list[Rejection]:
    """python_min below a kind's floor (copier.yml kind_python_min), in every combination."""
    refused = []
    for answers in KIND_PYTHON_SETS:
        if floor := python_floor(answers):
            kind, python = (template_values(**answers)[name] for name in ("project_kind", "python_min"))
            rule = f'python_min must be {floor["python"]} or newer when project_kind is "{kind}" ({floor["because"]})'
            refused += _refused("python_min", rule, {f"{kind} below {floor['python']}": python}, {"project_kind": kind})
    return [replace(rejection, cli=True) for rejection in refused]


ONE_LINE, PYPI_NAME, IDENTIFIER = "one line of printable text", "normalized PyPI name", "lowercase Python identifier"
SHADOWS = "must not be a Python keyword or a standard-library module"
OWNER, REPOSITORY, ENVIRONMENT = "GitHub user or organisation name", "GitHub repository name", "GitHub environment name"
EMAIL, YEARS, CLI = "name@domain.tld", "a year or a range of years", {"project_kind": "cli"}
DIFFERENT = "must differ from pypi_environment"

# Values each validated question refuses (the real CLI refuses one of each shape of question too).
REJECTED: list[Rejection] = [
    # project_name: one non-empty line of printable text, not too long.
    *_refused("project_name", "one non-empty line", {"empty": ""}, cli=True),
    *_refused("project_name", "one non-empty line", {"only spaces": "   ", "only unicode spaces": "\u3000\u00a0"}),
    *_refused("project_name", ONE_LINE, {"newline": "Acme\nWidgets"}, cli=True),
    *_refused("project_name", ONE_LINE, {"crlf": "Acme\r\nWidgets", "tab is a control character": "Acme\tWidgets"}),
    *_refused("project_name", ONE_LINE, {"nul": "Acme\x00", "terminal escape": "Acme\x1b[31m"}),
    *_refused("project_name", ONE_LINE, {"unicode line separator": "Acme\u2028Widgets"}),
    *_refused("project_name", ONE_LINE, {"next-line control": "Acme\x85Widgets"}),
    *_too_long("project_name", "A", distribution_name="acme"),
    # distribution_name: a normalized PyPI name (PEP 503), not too long.
    *_refused("distribution_name", PYPI_NAME, {"leading hyphen": "-x", "trailing hyphen": "x-", "empty": ""}),
    *_refused("distribution_name", PYPI_NAME, {"uppercase is not normalized": "Acme", "space": "acme widgets"}),
    *_refused("distribution_name", PYPI_NAME, {"double hyphen is not normalized": "a--b", "non-ascii": "café"}),
    *_refused("distribution_name", PYPI_NAME, {"underscore is not normalized": "a_b", "dot is not normalized": "a.b"}),
    # An existing project's name as PyPI shows it: the normal form it stands for is named.
    *_refused("distribution_name", 'PyPI reads "Widgetry_Tools.v2" as "widgetry-tools-v2": answer that', {"an existing project's spelling": "Widgetry_Tools.v2"}),
    *_refused("distribution_name", "no ASCII letter or digit to derive it from: answer distribution_name yourself",
              {"derived from a title without ascii letters": None}, {"project_name": "日本語"}),
    *_too_long("distribution_name", "x", package_name="acme"),
    # package_name: a lowercase identifier that shadows nothing, not too long.
    *_refused("package_name", SHADOWS, {"keyword": "class", "keyword since 3.7": "async", "stdlib json": "json"}),
    *_refused("package_name", SHADOWS, {"stdlib typing": "typing", "stdlib test": "test"}),
    *_refused("package_name", SHADOWS, {"stdlib tomllib, new in 3.11": "tomllib"}),
    *_refused("package_name", SHADOWS, {"stdlib distutils, still in 3.10/3.11": "distutils"}),
    *_refused("package_name", SHADOWS, {"stdlib compression, new in 3.14": "compression"}),
    *_refused("package_name", SHADOWS, {"the project's own tests directory": "tests"}),
    *_refused("package_name", IDENTIFIER, {"uppercase and hyphen": "My-Pkg", "hyphen": "my-pkg", "uppercase": "MyPkg"}),
    *_refused("package_name", IDENTIFIER, {"starts with a digit": "1abc", "dot": "my.pkg", "non-ascii": "café"}),
    *_refused("package_name", IDENTIFIER, {"empty": ""}),
    *_refused("package_name", 'derived from distribution_name "3d-printer": answer package_name yourself',
              {"derived from 3d-printer": None}, {"distribution_name": "3d-printer"}),
    *_refused("package_name", 'must not be "llm"', {"llm-plugin shadowing llm": "llm"}, {"project_kind": "llm-plugin"}),
    *_too_long("package_name", "p"),
    # script_name (project_kind=cli): a command name, not too long.
    *_refused("script_name", "command name", {"space": "acme widgets"}, CLI, cli=True),
    *_refused("script_name", "command name", {"leading hyphen (an option)": "-acme", "slash": "acme/widgets"}, CLI),
    *_refused("script_name", "command name", {"shell metacharacter": "acme;rm", "empty": ""}, CLI),
    *_too_long("script_name", "s", **CLI),
    # description: one line, not longer than PyPI's summary.
    *_refused("description", ONE_LINE, {"newline": "line one\nline two", "trailing newline": "trailing newline\n"}),
    *_refused("description", ONE_LINE, {"unicode paragraph separator": "a\u2029b", "control character": "bell\x07"}),
    *_too_long("description", "d"),
    # keywords: a YAML list of a few one-line keywords, each without commas, not too long.
    *_refused("keywords", "a YAML list", {"a bare word": "widgets"}, cli=True),
    *_refused("keywords", "a YAML list", {"a mapping": "{a: 1}"}),
    *_refused("keywords", f"at most {KEYWORDS_MAX} keywords", {f"{KEYWORDS_MAX + 1} keywords": f"[{'k, ' * KEYWORDS_MAX}k]"}),
    *_refused("keywords", "must each be text", {"a number and a boolean": "[2026, yes]", "a nested list": "[a, [b]]"}),
    *_refused("keywords", ONE_LINE, {"newline": '["a\\nb"]', "control character": '["bell\\u0007"]'}),
    *_refused("keywords", "non-empty", {"empty": '[""]'}),
    *_refused("keywords", "without spaces at either end", {"leading space": '[" widgets"]'}),
    *_refused("keywords", "must not contain commas", {"comma": '["widgets, acme"]'}),
    *_refused("keywords", f"at most {KEYWORD_LENGTH_MAX} characters", _longest("keywords", "k", over=1, each=True)),
    # author_name: one line, not only spaces, no comma (PEP 621), not too long.
    *_refused("author_name", ONE_LINE, {"newline": "Ada\nLovelace"}),
    *_refused("author_name", "contain more than spaces", {"only spaces": "   "}),
    *_refused("author_name", "must not contain a comma", {"comma (PEP 621)": "Lovelace, Ada"}),
    *_too_long("author_name", "n"),
    # author_email: empty, or an address name@domain.tld.
    *_refused("author_email", EMAIL, {"no at sign": "nope", "no dot in the domain": "a@b", "no domain": "ada@"}),
    *_refused("author_email", EMAIL, {"no local part": "@example.org", "empty top-level label": "ada@example."}),
    *_refused("author_email", EMAIL, {"space": "ada@exa mple.org", "display name": "Ada <ada@example.org>"}),
    *_refused("author_email", EMAIL, {"trailing newline": "ada@example.org\n", "quote": '"ada"@example.org'}),
    *_refused("author_email", EMAIL, {"special-use domain": "ada@acme.local", "another": "dev@corp.test"}),
    *_refused("author_email", EMAIL, {"two dots in a row": "ada..x@example.org", "hyphen after @": "ada@-acme.org"}),
    *_refused("author_email", EMAIL, {"numeric top-level label": "ada@example.123", "label of 64": f"x@{'a' * 64}.org"}),
    *_refused("author_email", EMAIL, {"leading dot": ".ada@example.org", "dot before @": "ada.@example.org"}),
    *_too_long("author_email", "a", "@example.org"),
    # copyright_year: a year or a range of years.
    *_refused("copyright_year", YEARS, {"two digits": "26", "open range": "2024-", "en dash": "2024–2026"}),
    *_refused("copyright_year", YEARS, {"roman numerals": "MMXXVI", "empty": ""}),
    # github_owner: GitHub's user/organisation rules, not too long.
    *_refused("github_owner", OWNER, {"leading hyphen": "-acme", "trailing hyphen": "acme-", "double hyphen": "a--b"}),
    *_refused("github_owner", OWNER, {"underscore": "acme_corp", "dot": "acme.corp", "slash": "acme/x", "empty": ""}),
    *_too_long("github_owner", "o"),
    # repository_name: GitHub's repository rules, not too long.
    *_refused("repository_name", REPOSITORY, {"dot-dot": "..", "dot": ".", ".git suffix": "x.git"}),
    *_refused("repository_name", REPOSITORY, {".GIT suffix": "x.GIT", "space": "acme widgets", "empty": ""}),
    *_refused("repository_name", REPOSITORY, {"slash": "acme/widgets", "non-ascii": "café"}),
    *_too_long("repository_name", "r"),
    # The GitHub environments: names GitHub takes, and two different ones (PyPI and TestPyPI trust one each).
    *_refused("pypi_environment", ENVIRONMENT, {"space": "my env", "leading hyphen": "-release", "empty": ""}),
    *_refused("pypi_environment", ENVIRONMENT, {"slash": "release/pypi", "quote": "rel'ease"}),
    *_refused("pypi_environment", ENVIRONMENT, {"expression": "${{ github.token }}"}),
    *_too_long("pypi_environment", "e"),
    *_refused("testpypi_environment", DIFFERENT, {"equal to pypi_environment": "release"}, cli=True),
    *_refused("testpypi_environment", DIFFERENT, {"equal ignoring case (GitHub environment names are case-insensitive)": "RELEASE"}),
    *_refused("testpypi_environment", ENVIRONMENT, {"space": "test pypi", "empty": ""}),
    *_too_long("testpypi_environment", "t"),
    *_below_a_kinds_floor(),
    # A multiselect: copier reads the answer "[]" as a YAML list.
    *_refused("operating_systems", "must name at least one of", {"none chosen": "[]"}, cli=True),
]  # fmt: skip

# Values outside a question's choices, which copier itself refuses.
OUTSIDE_CHOICES = [("license", "WTFPL"), ("license", "mit"), ("python_min", "3.9"), ("project_kind", "app")]


@dataclass(frozen=True)
class Acceptance:
    """Answers that must render; ``question`` is then recorded as given (or, not asked, not at all)."""

    question: str
    value: Any
    reason: str
    extra: dict[str, Any] = field(default_factory=dict)
    stored: bool = True

    def answers(self) -> dict[str, Any]:
        return {**self.extra, self.question: self.value}


NOT_ASKED, PRIVATE = "not asked for a proprietary license", {"license": "Proprietary"}


def _accepted(question: str, cases: dict[str, Any], extra: Any = None, stored: bool = True) -> list[Acceptance]:
    return [Acceptance(question, value, reason, extra or {}, stored) for reason, value in cases.items()]


# Edge values each question takes.
ACCEPTED: list[Acceptance] = [
    *_accepted("project_name", {"leading and trailing spaces": "  Acme Widgets  "}),
    *_accepted("project_name", {"no ascii letters, with a distribution name": "日本語ツール"}, {"distribution_name": "nihongo-tool"}),
    *_accepted("project_name", _longest("project_name", "P"), {"distribution_name": "acme"}),
    *_accepted("distribution_name", {"one letter": "a", "hyphen-separated": "a1-b2-c3"}),
    *_accepted("distribution_name", {"digits only, with a package name": "2048"}, {"package_name": "game_2048"}),
    *_accepted("distribution_name", _longest("distribution_name", "x"), {"package_name": "acme"}),
    *_accepted("package_name", {"leading underscore": "_acme", "soft keyword": "match", "not a stdlib name": "json5"}),
    *_accepted("package_name", {"stdlib name as a prefix": "typing_extras", **_longest("package_name", "p")}),
    *_accepted("script_name", {"mixed separators and case": "Acme.Widgets_cli-2"}, CLI),
    *_accepted("script_name", {"ignored unless project_kind is cli": "not a name!"}, stored=False),
    *_accepted("description", {"empty": "", **_longest("description", "d")}),
    *_accepted("author_name", {"empty": "", "apostrophe and diacritics": "Zoë O'Brien-Ünal"}),
    *_accepted("author_name", _longest("author_name", "n")),
    *_accepted("author_email", {"empty": "", "apostrophe, plus, subdomains": "o'brien+tag@mail.example.co.uk"}),
    *_accepted("copyright_year", {"a range": "2024-2026"}),
    *_accepted("github_owner", {"one letter": "A", "case, digits and single hyphens": "Acme-Corp-2"}),
    *_accepted("github_owner", _longest("github_owner", "o")),
    *_accepted("repository_name", {"leading dot": ".github", "all allowed characters": "Acme.widgets_2-x"}),
    *_accepted("repository_name", {"underscore alone": "_", **_longest("repository_name", "r")}),
    *_accepted("pypi_environment", {"all separators": "pypi.prod_1-a", **_longest("pypi_environment", "e")}),
    *_accepted("testpypi_environment", {"same name, but no TestPyPI": "release", "no valid name, but no TestPyPI": "my env"}, {"testpypi": False}, stored=False),
    *_accepted("testpypi_environment", {"pypi name as a prefix": "release-test"}),
    # Not asked (so neither validated nor stored): the year without a LICENSE, publishing for a private package.
    *_accepted("copyright_year", {NOT_ASKED: "26"}, PRIVATE, stored=False),
    *_accepted("pypi_environment", {NOT_ASKED: "my env"}, PRIVATE, stored=False),
    *_accepted("testpypi_environment", {NOT_ASKED: "release"}, {**PRIVATE, "testpypi": True}, stored=False),
]  # fmt: skip
