"""Every place each answer reaches holds that answer, and not a neighbour's.

One answer set, answers.DISTINCT, in which every name differs from every other
name and from its own default. PLACES is the one table of where the answers
go: a file of the render (or the message the real copier CLI prints after the
copy, or the rendered tree itself), how to find the value there, and what it
must be, written with the answers it is made of. Adding a place means adding a
row. (The same answers build and run: test_project_kinds.py.)
"""

from __future__ import annotations

import functools
import itertools
import re
import string
import tempfile
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from support.answers import DISTINCT, FREE_TEXT, data_args, recorded_answers
from support.commands import copier_cli
from support.facts import INITIAL_VERSION, parse_yaml
from support.rendering import copy_with_api, once_per_run, project_files, read_answers, read_pyproject, shared_root

MESSAGE = "<message after copy>"  # what `copier copy` prints
SETUP = ".github/scripts/github_setup.py"
TREE = "<file names>"  # the rendered tree's paths


# --- how to find a value in a place -----------------------------------------------------------

Locator = Callable[[str], list[Any]]


def _key_path(load: Callable[[str], Any], dotted: str) -> Locator:
    """The value at a "/"-separated key path of the text ``load`` parses (a number
    indexes a list; {answer} fields are filled in)."""

    def locate(text: str) -> list[Any]:
        value: Any = load(text)
        for key in dotted.format(**DISTINCT).split("/"):
            value = value[int(key)] if key.isdigit() else value[key]
        return [value]

    locate.__doc__ = dotted
    return locate


toml_at, yaml_at = functools.partial(_key_path, tomllib.loads), functools.partial(_key_path, parse_yaml)


def each(pattern: str) -> Locator:
    """Every match of a regex's one group (multi-line mode)."""

    def locate(text: str) -> list[Any]:
        return re.findall(pattern, text, re.MULTILINE)

    locate.__doc__ = pattern
    return locate


@dataclass(frozen=True)
class Place:
    where: str  # a file of the render, MESSAGE or TREE
    locate: Locator
    expected: str | list[str]  # format strings over the answers and facts: every value found

    @property
    def templates(self) -> list[str]:
        return self.expected if isinstance(self.expected, list) else [self.expected]

    @property
    def answers(self) -> set[str]:
        return {field for t in self.templates for _, field, _, _ in string.Formatter().parse(t) if field}

    @property
    def values(self) -> list[str]:
        return [t.format(**DISTINCT, initial_version=INITIAL_VERSION) for t in self.templates]

    @property
    def id(self) -> str:
        return f"{self.where}:{self.locate.__doc__}"


GITHUB = "https://github.com/{github_owner}/{repository_name}"
PYPROJECT, CI, RELEASE = "pyproject.toml", ".github/workflows/ci.yml", ".github/workflows/release.yml"
README, INIT, CLI = "README.md", "src/{package_name}/__init__.py", "src/{package_name}/cli.py"
# PyPI's pending-publisher form (includes/publishing.jinja), as the README, the setup command
# and the message give it: each field, for PyPI then for TestPyPI.
FORM = {
    "PyPI Project Name": ["{distribution_name}"] * 2,
    "Owner": ["{github_owner}"] * 2,
    "Repository name": ["{repository_name}"] * 2,
    "Environment name": ["{pypi_environment}", "{testpypi_environment}"],
}
# pyproject.toml: the metadata PyPI shows and what the build installs (key path -> value)
PYPROJECT_KEYS = {
    "project/name": "{distribution_name}",
    "project/description": "{description}",
    "project/authors/0/name": "{author_name}",
    "project/authors/0/email": "{author_email}",
    "project/license": "{license}",
    "project/requires-python": ">={python_min}",
    "project/urls/Homepage": GITHUB,
    "project/urls/Source": GITHUB,
    "project/urls/Issues": GITHUB + "/issues",
    "project/urls/Changelog": GITHUB + "/blob/main/CHANGELOG.md",
    "project/scripts/{script_name}": "{package_name}.cli:main",
    "tool/uv/build-backend/module-name": "{package_name}",
    "tool/coverage/run/source_pkgs/0": "{package_name}",
    "tool/mypy/python_version": "{python_min}",
}

PLACES = [
    *(Place(PYPROJECT, toml_at(key), value) for key, value in PYPROJECT_KEYS.items()),
    Place(PYPROJECT, lambda text: list(tomllib.loads(text)["project"]["scripts"]), "{script_name}"),
    # the workflows
    Place(CI, yaml_at("jobs/test/env/PACKAGE_NAME"), "{package_name}"),
    Place(CI, yaml_at("jobs/test/env/SCRIPT_NAME"), "{script_name}"),
    Place(CI, yaml_at("jobs/test/strategy/matrix/python-version/0"), "{python_min}"),
    Place(RELEASE, yaml_at("jobs/build/env/PACKAGE_NAME"), "{package_name}"),
    # preflight, build and build-docs: each runs on the oldest supported Python.
    Place(RELEASE, each(r"^\s+python-version: \"(.*)\""), ["{python_min}"] * 3),
    Place(RELEASE, yaml_at("jobs/publish-pypi/environment/name"), "{pypi_environment}"),
    Place(RELEASE, yaml_at("jobs/publish-pypi/environment/url"), "https://pypi.org/p/{distribution_name}"),
    Place(RELEASE, yaml_at("jobs/publish-testpypi/environment/name"), "{testpypi_environment}"),
    Place(RELEASE, yaml_at("jobs/publish-testpypi/environment/url"), "https://test.pypi.org/p/{distribution_name}"),
    # README.md
    Place(README, each(r"\A# (.*)$"), "{project_name}"),
    Place(README, each(r"^\[!\[CI\]\(([^)\s]+)\)"), GITHUB + "/actions/workflows/ci.yml/badge.svg"),
    Place(README, each(r"\]\((https://github\.com/[^)\s]+)\)$"), GITHUB + "/actions/workflows/ci.yml"),
    Place(README, each(r"^\[!\[PyPI\]\(([^)\s]+)\)"), "https://img.shields.io/pypi/v/{distribution_name}"),
    Place(README, each(r"\]\((https://pypi\.org/project/\S+)\)$"), "https://pypi.org/project/{distribution_name}/"),
    Place(
        README,
        each(r"<(https://pypi\.org/manage/project/\S+)>"),
        "https://pypi.org/manage/project/{distribution_name}/settings/publishing/",
    ),
    Place(README, each(r"\)\n\n(.*)\n\n## Installation"), "{description}"),
    Place(README, each(r"^Install the `(.*)` command"), "{script_name}"),
    Place(README, each(r"^uv tool install (.*)$"), "{distribution_name}"),
    Place(README, each(r"pip: `pip install (.*)`"), "{distribution_name}"),
    Place(README, each(r"^\$ (\S+)"), ["{script_name}", "{script_name}"]),
    Place(README, each(r"^(\S+ \d\S*)$"), "{script_name} {initial_version}"),
    Place(README, each(r"python -m (?!pip\b)(\w+)"), ["{package_name}", "{package_name}"]),
    Place(README, each(r"Once this project is pushed to `(.*)`"), GITHUB),
    Place(README, each(r"create the environment `(.*?)`"), "{pypi_environment}"),
    Place(README, each(r" and the environment `(.*?)`"), "{testpypi_environment}"),
    Place(README, each(r"add the tag rule `v\*` for `(.*?)`"), "{pypi_environment}"),
    Place(README, each(r"the branch `main` for `(.*?)`"), "{testpypi_environment}"),
    Place(README, each(r"^- the environment `(.*?)` admits only tags"), "{pypi_environment}"),
    Place(README, each(r"; `(.*?)` admits only the default branch"), "{testpypi_environment}"),
    *(Place(README, each(rf"^ *\| {field} \| `(.*)` \|$"), values) for field, values in FORM.items()),
    Place(README, each(r"accepts uploads of `(.*?)`"), "{distribution_name}"),
    Place(README, each(r"with the environment\n`(.*?)`"), "{testpypi_environment}"),
    Place(README, each(r"pip install \"([^\"=]+)==<version>\" --extra-index-url"), "{distribution_name}"),
    Place(README, each(r"^git tag v(.*)$"), "{initial_version}"),
    Place(README, each(r"^## License\n\n(.*): see"), "{license}"),
    # the GitHub setup command's pending publishers (its constants, run: tests/github/test_github_setup.py)
    *(Place(SETUP, each(rf"^  {field}: +(.*)$"), values) for field, values in FORM.items()),
    # AGENTS.md
    Place(
        "AGENTS.md",
        each(r"^For coding assistants \(and people\) working on (.*), the Python package$"),
        "{project_name}",
    ),
    Place("AGENTS.md", each(r"^`(.*)` \(import name `"), "{distribution_name}"),
    Place("AGENTS.md", each(r"\(import name `(\w+)`\)"), "{package_name}"),
    Place("AGENTS.md", each(r"^- The package is in `src/(\w+)/`"), "{package_name}"),
    # CHANGELOG.md, LICENSE
    Place("CHANGELOG.md", each(r"^## \[(\d.*)\]$"), "{initial_version}"),
    Place("LICENSE", each(r"^Copyright \(c\) (.*)$"), "{copyright_year}, {author_name}"),
    # the documentation site
    Place(PYPROJECT, toml_at("project/urls/Documentation"), "https://{github_owner}.github.io/{repository_name}/"),
    Place("docs/conf.py", each(r"^project = \"(.*)\"$"), "{project_name}"),
    Place("docs/conf.py", each(r"^author = \"(.*)\"$"), "{author_name}"),
    Place("docs/conf.py", each(r"^copyright = \"(.*)\""), "{copyright_year}, {author_name}"),
    Place("docs/conf.py", each(r"^package = \"(.*)\"$"), "{package_name}"),
    Place("docs/conf.py", each(r"installed_version\(\"(.*)\"\)"), "{distribution_name}"),
    Place("docs/conf.py", each(r"^FILES_URL = \"(.*)\"$"), GITHUB + "/blob/main/"),
    Place("docs/api.md", each(r"^\.\. automodule:: (\w+)"), ["{package_name}"] * 2),
    Place(
        "docs/development.md",
        each(r"publishes the site to <(.*?)>"),
        "https://{github_owner}.github.io/{repository_name}/",
    ),
    # the package and its tests
    Place(INIT, each(r"version\(\"(.*)\"\)"), "{distribution_name}"),
    Place(INIT, each(r"^from (\w+)\.core import"), "{package_name}"),
    Place(INIT, each(r"\A\"\"\"The (\w+) package"), "{package_name}"),
    Place("src/{package_name}/core.py", each(r"\A\"\"\"The core of (\w+):"), "{package_name}"),
    Place(CLI, each(r"prog=\"(.*)\""), "{script_name}"),
    Place(CLI, each(r"``(\S+) \[NAME\]``"), "{script_name}"),
    Place("src/{package_name}/__main__.py", each(r"^from (\w+)\.cli import"), "{package_name}"),
    Place("tests/test_{package_name}.py", each(r"version\(\"(.*)\"\)"), "{distribution_name}"),
    Place("tests/test_cli.py", each(r"f\"(\S+) \{__version__\}"), "{script_name}"),
    Place("tests/test_cli.py", each(r"\"-m\", \"(\w+)\""), "{package_name}"),
    # the rendered tree
    Place(TREE, each(r"^src/(\w+)/__init__\.py$"), "{package_name}"),
    Place(TREE, each(r"^tests/test_(?!cli\.py)(\w+)\.py$"), "{package_name}"),
    # the message after copy: what a user types into PyPI's form and git
    Place(MESSAGE, each(r"Your package \"(.*)\" is ready"), "{distribution_name}"),
    Place(MESSAGE, each(r"git remote add origin (\S+)"), GITHUB + ".git"),
    Place(MESSAGE, each(r"limits the environment \"(.*?)\""), "{pypi_environment}"),
    Place(MESSAGE, each(r"and \"([^\"]*)\" to the branch main"), "{testpypi_environment}"),
    Place(MESSAGE, each(r"Environments: \"(.*?)\" with the tag rule"), "{pypi_environment}"),
    Place(MESSAGE, each(r", \"([^\"]*)\" with the branch main"), "{testpypi_environment}"),
    *(Place(MESSAGE, each(rf"{field}: +(.*)$"), values[0]) for field, values in FORM.items()),  # PyPI's only
    Place(MESSAGE, each(r"with environment \"(.*?)\""), "{testpypi_environment}"),
    Place(MESSAGE, each(r"pip install \"([^\"=]+)==<version>\" --extra-index-url"), "{distribution_name}"),
    Place(MESSAGE, each(r"First release: git tag v(\S+)"), "{initial_version}"),
    # the answers file: what `copier update` renders from
    *(Place(".copier-answers.yml", yaml_at(name), f"{{{name}}}") for name, v in DISTINCT.items() if isinstance(v, str)),
]


@dataclass(frozen=True)
class Copied:
    project: Path
    message: str


@pytest.fixture(scope="module")
def copied(template_snapshot: Path, tmp_path_factory: pytest.TempPathFactory) -> Copied:
    """The distinct answers rendered by the real copier CLI (once per test run), with
    what it printed."""

    def create() -> dict[str, str]:
        out = Path(tempfile.mkdtemp(prefix="distinct-", dir=shared_root(tmp_path_factory))) / "quill"
        done = copier_cli(
            "copy", "--defaults", "--vcs-ref", "HEAD", *data_args(DISTINCT), template_snapshot, out, cwd=out.parent
        )
        assert done.returncode == 0, done.stderr
        return {"project": str(out), "message": done.stderr + done.stdout}

    saved = once_per_run(tmp_path_factory, ["copier copy", DISTINCT], create)
    return Copied(Path(saved["project"]), saved["message"])


def text_of(copied: Copied, where: str) -> str:
    if where == MESSAGE:
        return copied.message
    if where == TREE:
        return "\n".join(sorted(project_files(copied.project)))
    path = copied.project / where.format(**DISTINCT)
    assert path.is_file(), f"{where} is not in the render"
    return path.read_text(encoding="utf-8")


@pytest.mark.parametrize("row", PLACES, ids=[row.id for row in PLACES])
def test_each_place_holds_its_answer(copied: Copied, row: Place) -> None:
    found = row.locate(text_of(copied, row.where))
    assert found == row.values, f"{row.id}: expected {row.answers}"


def test_the_suites_in_process_renders_are_the_clis_byte_for_byte(
    copied: Copied, render_shared: Any, template_snapshot: Path, tmp_path: Path
) -> None:
    """Most tests render in-process (pytest-copie, copy_with_api), where the suite keeps
    Jinja's compiled code between renders, and many from the template as a plain
    directory (``template_tree``, as render_shared does): what they check must be what
    the real CLI writes from git, file for file and byte for byte, but for the answers
    file's record of where the template was and of its commit."""
    copy_with_api(template_snapshot, tmp_path / "api", DISTINCT)

    def content(project: Path, name: str) -> bytes:
        data = (project / name).read_bytes()
        if name == ".copier-answers.yml":  # where the template was, and its commit if it was in git
            data = re.sub(rb"(?m)^_(src_path|commit): .*\n", b"", data)
        return data

    for project in (render_shared(**DISTINCT), tmp_path / "api"):
        files = project_files(project)
        assert files == project_files(copied.project)
        assert [f for f in sorted(files) if content(project, f) != content(copied.project, f)] == []


# --- the table and the answers are what they claim ---------------------------------------------


def test_the_names_are_distinct_and_none_is_a_part_of_another() -> None:
    """Only then does a right value in a place prove that the right answer reached it."""
    values = [DISTINCT[name] for name in FREE_TEXT]  # every question that takes a name or a text
    assert [(a, b) for a, b in itertools.permutations(values, 2) if a in b] == []


def test_no_answer_is_its_default() -> None:
    """Each answer differs from the default it would take given the others (copier.yml's own
    default expressions); but testpypi: without it there is no testpypi_environment."""
    for name, value in DISTINCT.items():
        default = recorded_answers(**{k: v for k, v in DISTINCT.items() if k != name}).get(name)
        assert name == "testpypi" or str(value).lower() != str(default).lower(), f"{name} = {value!r} is its default"


def test_every_name_answer_reaches_a_place() -> None:
    reached = set().union(*(p.answers for p in PLACES))
    assert set(FREE_TEXT) - reached == set(), "add the question to DISTINCT and its places to PLACES"


def test_every_rendered_file_that_holds_an_answer_has_a_row(copied: Copied) -> None:
    rows = {p.where.format(**DISTINCT) for p in PLACES}
    holding = {
        name
        for name in project_files(copied.project)
        if any(str(DISTINCT[a]) in (copied.project / name).read_text(encoding="utf-8") for a in FREE_TEXT)
    }
    assert holding - rows == set()


def test_a_neighbours_value_in_a_place_is_caught(copied: Copied) -> None:
    """The check can fail: the Issues URL built from the distribution name is refused."""
    text = (copied.project / PYPROJECT).read_text(encoding="utf-8")
    planted = text.replace(f"/{DISTINCT['repository_name']}/issues", f"/{DISTINCT['distribution_name']}/issues")
    [row] = [p for p in PLACES if p.id == "pyproject.toml:project/urls/Issues"]
    assert row.locate(planted) != row.values


def test_keywords_reach_pyproject_and_the_answers_file_as_given(render_shared: Any) -> None:
    """A YAML list, stored as a list (replayed on update); a plugin adds no llm to a given list."""
    keywords = ["widgets", "machine learning", "café"]
    project = render_shared(project_kind="llm-plugin", keywords=keywords)
    assert read_pyproject(project)["project"]["keywords"] == keywords
    assert read_answers(project)["keywords"] == keywords
