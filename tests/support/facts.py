"""What copier.yml says, read the way copier reads it: the tests derive every fact from here."""

from __future__ import annotations

import copy
import functools
from pathlib import Path
from typing import Any

import yaml
from copier._template import load_template_config
from packaging.version import Version

TEMPLATE_DIR = Path(__file__).resolve().parents[2]

# libyaml's parser where PyYAML has it (its wheels do): the same safe loading as
# yaml.safe_load, eight times faster than the pure-Python one (2.7 ms against
# 22 ms for a workflow), and the suite parses thousands of files.
_SAFE_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_yaml(text: str) -> Any:
    """``text`` parsed as yaml.safe_load parses it."""
    return yaml.load(text, Loader=_SAFE_LOADER)  # noqa: S506 (a safe loader)


@functools.cache
def _copier_yml() -> dict[str, Any]:
    """copier.yml as copier reads it: with the files it `!include`s, its documents merged in order.

    copier's own loader (it has no public one): whatever copier accepts in copier.yml, the
    tests see the same mapping, the questions and facts in the order copier evaluates them.
    """
    config: dict[str, Any] = load_template_config(TEMPLATE_DIR / "copier.yml")
    return config


def copier_config() -> dict[str, Any]:
    """The parsed copier.yml (a copy of its one parse: the caller may change it)."""
    return copy.deepcopy(_copier_yml())


def known_python_versions() -> list[str]:
    """Every Python version the template knows, oldest first (copier.yml's one list)."""
    return list(copier_config()["python_releases"]["default"])


# The oldest Python a project supports when python_min is not given.
DEFAULT_PYTHON_MIN: str = copier_config()["python_min"]["default"]


def choices(question: str) -> list[str]:
    """The values of a choice question of copier.yml, in its order."""
    return list(copier_config()[question]["choices"].values())


# Facts the tests read from copier.yml instead of restating them.
KINDS = choices("project_kind")
LICENSES = choices("license")
INITIAL_VERSION: str = copier_config()["initial_version"]["default"]
# What `uv version --bump patch` makes of it: the version of the release after the first.
_FIRST = Version(INITIAL_VERSION)
NEXT_PATCH: str = f"{_FIRST.major}.{_FIRST.minor}.{_FIRST.micro + 1}"
# The uv the workflows pin, and the oldest that builds a project ([tool.uv] required-version).
UV_VERSION: str = copier_config()["uv_version"]["default"]
UV_MIN: str = copier_config()["uv_min_version"]["default"]


# What each project kind adds to the common files: the one table the rendering,
# update and build tests share (modules of the import package; test files).
KIND_MODULES: dict[str, set[str]] = {"library": set(), "cli": {"cli.py", "__main__.py"}, "llm-plugin": {"plugin.py"}}
KIND_TESTS: dict[str, set[str]] = {
    "library": set(),
    "cli": {"tests/test_cli.py"},
    "llm-plugin": {"tests/test_plugin.py"},
}


def kind_files(kind: str, package: str) -> set[str]:
    """The files a project of ``kind`` has beyond every project's, as paths in the project."""
    return {f"src/{package}/{name}" for name in KIND_MODULES[kind]} | KIND_TESTS[kind]


def supported_versions(python_min: str) -> list[str]:
    """The versions a project with this python_min supports."""
    known = known_python_versions()
    return known[known.index(python_min) :]


def ci_python_versions(python_min: str, *, every: bool = False) -> list[str]:
    """The Pythons of ci.yml's test matrix: every supported one (test_every_python), else the two ends."""
    versions = supported_versions(python_min)
    return versions if every else list(dict.fromkeys([versions[0], versions[-1]]))


# The GitHub-hosted runner of each operating_systems choice.
OS_RUNNERS: dict[str, str] = copier_config()["runners"]["default"]
# The operating_systems choices, in copier.yml's order.
OS_CHOICES: list[str] = list(copier_config()["operating_systems"]["choices"].values())
# The newest free-threaded CPython: copier.yml's newest release, "t" appended.
FREE_THREADED = known_python_versions()[-1] + "t"
