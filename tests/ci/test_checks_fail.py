"""Every check of the generated CI can fail, and nothing in the project can switch one off.

A check that cannot fail passes everything. On one render, both jobs of ci.yml first pass as
python_min's plain entry runs them (the cli's console script runs from the wheel); then each
check step runs its own command, read from the rendered ci.yml, on a planted defect of its kind
(DEFECTS: the generated tests also fail exactly where the example code breaks) and fails, naming
it; each setting of pyproject.toml that makes a check catch something (SETTINGS) is shown by its
effect: its defect caught, and with the setting removed, passed. A structural test refuses what
would neutralise a check (`|| true`, `--exit-zero`, `continue-on-error`, `set +e`, mypy without
`strict`, ...), and is shown to catch each. The GIL check and the lowest-direct run fail on their
own defects in test_matrix.py, the git hooks on theirs in test_hooks.py.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from support.commands import run
from support.facts import INITIAL_VERSION, KINDS, OS_RUNNERS
from support.rendering import read_pyproject
from support.runner import Step, run_in_place
from support.workflows import WORKFLOWS, load_workflow, run_steps, step_named, steps_using

PYTHON_MIN = "3.12"  # not the default: ruff must take its target from requires-python
# The matrix values of the test job's plain entry on python_min (not the lowest-direct run).
PLAIN_ENTRY = {"os": OS_RUNNERS["Linux"], "python-version": PYTHON_MIN}


def write(name: str, text: str) -> Callable[[Path, str], None]:
    def plant(project: Path, package: str) -> None:
        (project / name.format(pkg=package)).parent.mkdir(parents=True, exist_ok=True)
        (project / name.format(pkg=package)).write_text(text, encoding="utf-8")

    return plant


def edit(name: str, old: str, new: str) -> Callable[[Path, str], None]:
    def plant(project: Path, package: str) -> None:
        path = project / name.format(pkg=package)
        text = path.read_text(encoding="utf-8")
        assert old in text, (path, old)
        path.write_text(text.replace(old, new, 1), encoding="utf-8")  # the first one

    return plant


Plant = Callable[[Path, str], None]  # (project, package name)
Edit = tuple[str, str]  # (old, new) in pyproject.toml, old there exactly once


@dataclass(frozen=True)
class Check:
    """A defect planted, and the check step (job, step pattern) that fails on it, its output naming
    it (``caught``; {pkg}: the package; "FAILED ..." lines: exactly the tests pytest reports failed).
    For a setting of pyproject.toml, ``without`` removes it: the same step then passes the defect.
    ``alone``: removed in both runs, where another setting catches the same defect too
    (filterwarnings = error turns an unknown mark or config key into an error by itself).
    ``reported``: the effect is the step's report, not its failure (no coverage threshold).
    ``python``: the step run on that Python instead, as a contributor's `uv run` or a git hook may."""

    job: str
    step: str
    plant: Plant
    caught: tuple[str, ...]
    without: tuple[Edit, ...] = ()
    alone: tuple[Edit, ...] = ()
    reported: bool = False
    python: str = PYTHON_MIN


def untested_branch(project: Path, package: str) -> None:
    """A function with an if that its one test always enters."""
    write(PLANTED_PY, "def clamp(x: int) -> int:\n    if x < 0:\n        x = 0\n    return x\n")(project, package)
    test = f"from {package}.planted import clamp\n\n\ndef test_clamp() -> None:\n    assert clamp(-1) == 0\n"
    write("tests/test_planted.py", test)(project, package)


def type_error(path: str) -> Plant:
    return write(path, 'def planted() -> int:\n    return "1"\n')


STALE_LOCK = edit("pyproject.toml", "dependencies = []", 'dependencies = ["packaging>=24"]')
PLANTED_PY = "src/{pkg}/planted.py"
GREET = "src/{pkg}/core.py"
TEST_PLANTED = "tests/test_planted.py"
WARNINGS_AS_ERRORS: Edit = ('filterwarnings = ["error"]\n', "")
MYPY_FILES = 'files = ["src", "tests", ".github/scripts"]'
MYPY_CODES = 'enable_error_code = ["ignore-without-code", "redundant-expr", "truthy-bool"]'
DOCTEST = write(PLANTED_PY, 'def double(x: int) -> int:\n    """>>> double(2)\n    5\n    """\n    return 2 * x\n')
DOCTEST_FAILED = ("FAILED src/{pkg}/planted.py::{pkg}.planted.double",)
# The rule groups ruff selects, each with the code its defect below is caught by: a group
# dropped from `select` lets its defect through.
RUFF_GROUPS = {
    "E": "E711", "W": "W605", "F": "F401", "I": "I001", "N": "N802", "UP": "UP006", "B": "B006", "A": "A001",
    "C4": "C400", "SIM": "SIM118", "RET": "RET504", "PTH": "PTH110", "PT": "PT018", "S": "S307",
    "PGH": "PGH003", "PERF": "PERF102", "RUF": "RUF005",
}  # fmt: skip
RUFF_DEFECTS = r"""import sys
import os
from typing import List


def Planted(items=[]):
    return items


def shadow() -> int:
    list = 1
    return list


def f(x: List[int], d: dict[str, int], p: str) -> object:
    if x == None:
        pass
    y = list(v for v in x)
    if "a" in d.keys():
        pass
    for _, value in d.items():
        print(value)
    z = [1] + x
    os.path.exists(p)
    eval(p)
    assert x and y
    w = "\d"
    r = 1  # type: ignore
    return r, z, w
"""
# Each check step's own defects.
DEFECTS: dict[str, Check] = {
    # A pyproject.toml changed without `uv lock` fails CI instead of installing something else.
    "stale uv.lock (lint)": Check("lint", "install", STALE_LOCK, ("uv.lock", "needs to be updated")),
    "stale uv.lock (test)": Check("test", "install", STALE_LOCK, ("uv.lock", "needs to be updated")),
    "stale uv.lock (docs)": Check("docs", "documentation", STALE_LOCK, ("uv.lock", "needs to be updated")),
    "format": Check("lint", "formatting", write(PLANTED_PY, "VALUE  =  1\n"), ("::error title=ruff (unformatted),file=", "planted.py")),
    # An annotation GitHub can place: the path relative to the repository root. (The SHA becomes a comment.)
    "zizmor": Check("lint", "audit", edit(".github/workflows/release.yml", "astral-sh/setup-uv@", "astral-sh/setup-uv@v10 #"),
                    ("::error file=.github/workflows/release.yml,line=", "title=unpinned-uses::")),
    "pytest": Check("test", "^test$", write(TEST_PLANTED, "def test_planted() -> None:\n    assert 1 + 1 == 3\n"), ("FAILED tests/test_planted.py::test_planted",)),
    # The generated tests fail exactly where the example breaks: a doctest that no longer holds ...
    "example's doctest": Check("test", "^test$", edit(GREET, "'Hello, Ada!'", "'Hello, Grace!'"), ("FAILED src/{pkg}/core.py::{pkg}.core.greet",)),
    # ... greet forgetting the name (the doctest, the unit tests and the command's tests say so) ...
    "greet": Check("test", "^test$", edit(GREET, "return f\"Hello, {name or 'World'}!\"", 'return "Hello, World!"'), (
        "FAILED src/{pkg}/core.py::{pkg}.core.greet",
        "FAILED tests/test_{pkg}.py::test_greet_greets_by_name",
        "FAILED tests/test_{pkg}.py::test_greet_ignores_surrounding_whitespace",
        "FAILED tests/test_cli.py::test_main_prints_a_greeting",
        "FAILED tests/test_cli.py::test_python_dash_m_runs_the_command",
    )),
    # ... and a version that no longer comes from the installed metadata.
    "version": Check("test", "^test$", edit("src/{pkg}/__init__.py", "__version__ = version(", '__version__ = "0.0.0"  # version('),
                     ("FAILED tests/test_{pkg}.py::test_version_comes_from_the_installed_metadata",)),
    "build": Check("test", "build the sdist", lambda p, pkg: (p / "src" / pkg / "__init__.py").unlink(), ("__init__.py",)),
    # The smoke test runs on what the build step made of the planted code.
    "wheel import": Check("test", "smoke", edit("src/{pkg}/__init__.py", "__all__", 'raise RuntimeError("planted import failure")\n__all__'), ("planted import failure",)),
    "console script": Check("test", "smoke", edit("pyproject.toml", '.cli:main"', '.cli:planted_missing"'), ("planted_missing",)),
    # A module the wheel leaves out: imported from the source tree (the project's environment),
    # the package would still load; only an environment of the wheel's own shows it. Caught by
    # the import (python -c), not only by the console script's own isolated run after it.
    "a module the wheel leaves out": Check("test", "smoke", edit("pyproject.toml", "[tool.uv.build-backend]\n", '[tool.uv.build-backend]\nwheel-exclude = ["**/core.py"]\n'),
        ('File "<string>", line 1, in <module>', "No module named '{pkg}.core'")),
}  # fmt: skip
# Each setting of pyproject.toml by its effect (and the lint, type-check and doctest defects with it).
SETTINGS: dict[str, Check] = {
    "pytest filterwarnings = error: a warning in a test": Check("test", "^test$", write(TEST_PLANTED, 'import warnings\n\n\ndef test_planted() -> None:\n    warnings.warn("planted")\n'),
        ("FAILED tests/test_planted.py::test_planted - UserWarning: planted",), (WARNINGS_AS_ERRORS,)),
    "pytest xfail_strict: an expected failure that passes": Check("test", "^test$", write(TEST_PLANTED, 'import pytest\n\n\n@pytest.mark.xfail(reason="planted")\ndef test_planted() -> None:\n    pass\n'),
        ("FAILED tests/test_planted.py::test_planted", "[XPASS(strict)] planted"), (("xfail_strict = true\n", ""),)),
    "pytest strict_markers: a misspelt mark": Check("test", "^test$", write(TEST_PLANTED, "import pytest\n\n\n@pytest.mark.slwo\ndef test_planted() -> None:\n    pass\n"),
        ("'slwo' not found in `markers` configuration option",), (("strict_markers = true\n", ""),), alone=(WARNINGS_AS_ERRORS,)),
    "pytest strict_config: a misspelt option": Check("test", "^test$", edit("pyproject.toml", "xfail_strict = true\n", "xfail_strict = true\nxfail_stirct = true\n"),
        ("Unknown config option: xfail_stirct",), (("strict_config = true\n", ""),), alone=(WARNINGS_AS_ERRORS,)),
    "pytest --doctest-modules: a doctest that fails": Check("test", "^test$", DOCTEST, DOCTEST_FAILED, ((', "--doctest-modules"', ""),)),
    "pytest testpaths: a doctest in src/": Check("test", "^test$", DOCTEST, DOCTEST_FAILED, (('testpaths = ["src", "tests"]', 'testpaths = ["tests"]'),)),
    # 2->4: the jump from line 2 past the if, never taken.
    "coverage branch: a branch no test takes": Check("test", "^test$", untested_branch, ("src/{pkg}/planted.py", "2->4"), (("branch = true\n", ""),), reported=True),
    # mypy is strict: a function without annotations is an error, not silently Any.
    "mypy strict: a function without annotations": Check("test", "type-check", write(PLANTED_PY, "def f(x):\n    return x\n"),
        ("Function is missing a type annotation  [no-untyped-def]",), (("strict = true\n", ""),)),
    "mypy files: src/": Check("test", "type-check", type_error(PLANTED_PY), ("src/{pkg}/planted.py:2: error: Incompatible return value type",),
        ((MYPY_FILES, 'files = ["tests", ".github/scripts"]'),)),
    "mypy files: tests/": Check("test", "type-check", type_error("tests/planted_types.py"), ("tests/planted_types.py:2: error: Incompatible return value type",),
        ((MYPY_FILES, 'files = ["src", ".github/scripts"]'),)),
    "mypy files: .github/scripts/": Check("test", "type-check", type_error(".github/scripts/planted.py"), (".github/scripts/planted.py:2: error: Incompatible return value type",),
        ((MYPY_FILES, 'files = ["src", "tests"]'),)),
    "mypy warn_unreachable: code a check makes dead": Check("test", "type-check", write(PLANTED_PY, "def f(x: int) -> int:\n    if isinstance(x, int):\n        return x\n    return 0\n"),
        ("planted.py:4: error: Statement is unreachable  [unreachable]",), (("warn_unreachable = true\n", ""),)),
    "mypy ignore-without-code: a blanket type: ignore": Check("test", "type-check", write(PLANTED_PY, 'def f() -> int:\n    return "1"  # type: ignore\n'),
        ('"type: ignore" comment without error code',), ((MYPY_CODES, 'enable_error_code = ["redundant-expr", "truthy-bool"]'),)),
    "mypy redundant-expr: a condition always true": Check("test", "type-check", write(PLANTED_PY, "def f(x: int) -> int:\n    return x if True else 0\n"),
        ("If condition is always true  [redundant-expr]",), ((MYPY_CODES, 'enable_error_code = ["ignore-without-code", "truthy-bool"]'),)),
    "mypy truthy-bool: an object tested as a bool": Check("test", "type-check", write(PLANTED_PY, "class Box:\n    pass\n\n\ndef f(box: Box) -> int:\n    return 1 if box else 0\n"),
        ('"box" has type "Box" which does not implement __bool__ or __len__',), ((MYPY_CODES, 'enable_error_code = ["ignore-without-code", "redundant-expr"]'),)),
    # UP040 applies from Python 3.12 on: it fires only if ruff targets requires-python's floor;
    # reported as annotations GitHub places.
    "ruff select: a defect of each rule group": Check("lint", "^lint$", write(PLANTED_PY, RUFF_DEFECTS),
        tuple(f"::error title=ruff ({code}),file=" for code in RUFF_GROUPS.values())),
    "ruff select UP: an old-style type alias": Check("lint", "^lint$", write(PLANTED_PY, "from typing import TypeAlias\n\nN: TypeAlias = int\n"),
        ("::error title=ruff (UP040),file=", "planted.py"), (('    "UP",      # pyupgrade, to requires-python\'s floor\n', ""),)),
    # Last: the project's .venv becomes a 3.13 one. warnings.deprecated is new in 3.13.
    "mypy python_version: an API newer than python_min, on a newer Python": Check("test", "type-check", write(PLANTED_PY, 'from warnings import deprecated\n\n\n@deprecated("planted")\ndef f() -> int:\n    return 1\n'),
        ('Module "warnings" has no attribute "deprecated"',), ((f'python_version = "{PYTHON_MIN}"\n', ""),), python="3.13"),
}  # fmt: skip


# (job, step pattern) of checks whose planted defects live elsewhere: in test_matrix.py the GIL
# check (a GIL build, a module that turns the GIL on) and the lowest-direct run (false bounds);
# in tests/docs/test_docs_site.py the strict docs build (broken references); in
# test_ci_passed.py the one required check (a job failed, cancelled or skipped).
CHECKED_ELSEWHERE = [
    ("ci-passed", "every job succeeded"),
    ("test", "GIL"),
    ("test", "lowest direct"),
    ("docs", "documentation"),
    ("lint", "files and their spelling"),
]


@pytest.mark.slow
def test_each_check_step_passes_on_the_render_and_fails_on_a_defect_of_its_kind(render_fresh, subtests: Any) -> None:
    project = render_fresh(project_kind="cli", python_min=PYTHON_MIN)
    package = read_pyproject(project)["project"]["name"].replace("-", "_")
    jobs = load_workflow(project, "ci.yml")["jobs"]
    # Every run: step is a check, and every check gets a defect (here, or elsewhere).
    checks = {**DEFECTS, **SETTINGS}
    assert sorted(RUFF_GROUPS) == sorted(read_pyproject(project)["tool"]["ruff"]["lint"]["select"])
    checked = {(c.job, step_named(jobs[c.job], c.step)["name"]) for c in checks.values()}
    checked |= {(job, step_named(jobs[job], pattern)["name"]) for job, pattern in CHECKED_ELSEWHERE}
    assert checked == {(job_id, s["name"]) for job_id, job in jobs.items() for s in run_steps(job)}
    # Green first: both jobs pass on the fresh render, as python_min's plain entry runs them.
    (setup_uv,) = steps_using(jobs["lint"], "astral-sh/setup-uv")
    assert setup_uv["with"]["python-version"] == PYTHON_MIN
    # A git repository, as GitHub's checkout is: prek, which runs the file checks, needs one.
    for args in (["init", "-q"], ["add", "-A"]):
        run(["git", *args], project)
    lint = run_in_place(project, "lint")
    assert [step.outcome for step in lint.steps] == ["success"] * len(jobs["lint"]["steps"]), lint.log
    test = run_in_place(project, "test", matrix=PLAIN_ENTRY)
    assert test.result == "success", test.log
    # The smoke test imported the package from the wheel and ran the console script from it.
    (script,) = read_pyproject(project)["project"]["scripts"]
    smoke = test.step("smoke").process
    assert smoke is not None
    assert smoke.stdout.split("\n")[:2] == [f"{package} {INITIAL_VERSION}", f"{script} {INITIAL_VERSION}"]
    # A pristine state to return to after each defect (.venv and the caches are ignored, so kept).
    for args in (["add", "-A"], ["commit", "-q", "-m", "render"]):
        run(["git", *args], project)
    assert (project / "uv.lock").is_file()  # written by the first install: the later ones are locked

    for name, check in checks.items():
        with subtests.test(msg=name):
            try:
                check.plant(project, package)
                for old, new in check.alone:
                    edit("pyproject.toml", old, new)(project, package)
                caught = check_step(project, check.job, check.step, check.python)
                assert caught.outcome == ("success" if check.reported else "failure"), caught.log
                assert caught.process is not None
                for text in check.caught:
                    assert text.format(pkg=package) in caught.log, caught.log
                failed = {t.format(pkg=package).split(" - ")[0] for t in check.caught if t.startswith("FAILED ")}
                if failed:  # exactly these
                    assert set(re.findall(r"^FAILED \S+", caught.process.stdout, re.MULTILINE)) == failed, caught.log
                for old, new in check.without:
                    edit("pyproject.toml", old, new)(project, package)
                if check.without:
                    passed = check_step(project, check.job, check.step, check.python)
                    assert passed.outcome == "success", passed.log
                    if check.reported:  # (a failure's text may stay, as a warning: the step passes)
                        assert [t for t in check.caught if t.format(pkg=package) in passed.log] == [], passed.log
            finally:
                run(["git", "reset", "-q", "--hard"], project)
                run(["git", "clean", "-q", "-fd"], project)
                run(["rm", "-rf", "dist"], project)


def check_step(project: Path, job_id: str, pattern: str, python: str = PYTHON_MIN) -> Step:
    """One check step of ci.yml run alone in ``project``, as python_min's plain entry runs it
    (the smoke test after the build it tests), or as it runs on ``python``."""
    steps = ["build the sdist", pattern] if pattern == "smoke" else [pattern]
    matrix = {**PLAIN_ENTRY, "python-version": python} if job_id == "test" else None
    job = run_in_place(project, job_id, matrix=matrix, steps=steps)
    return job.step(pattern)


# --- nothing can switch a check off ------------------------------------------------------------------

# What turns a failing command into a passing one, in a run: script.
SCRIPT_NEUTRALISERS = {
    r"\|\|\s*(true|:|exit\s+0)\b|\|\|\s*:": "`|| true`",
    r"--exit-zero\b": "ruff --exit-zero",
    r"--no-exit-codes\b": "zizmor --no-exit-codes",
    r"\bset\s+\+[a-z]*e": "set +e",
    r"--co\b|--collect-only\b": "pytest --collect-only",
    r"(^|[;&|]\s*)(exit\s+0|true)\s*$": "a trailing `exit 0`/`true`",
}


def neutralisers(workflows: dict[str, dict[str, Any]], pyproject: dict[str, Any]) -> list[str]:
    """What would let a check of the generated CI pass whatever it finds."""
    found = []
    for name, workflow in workflows.items():
        for job_id, job in workflow["jobs"].items():
            where = f"{name}: {job_id}"
            if job.get("continue-on-error") not in (None, False):
                found.append(f"{where}: continue-on-error")
            if job.get("defaults", {}).get("run", {}).get("shell") not in (None, "bash"):
                found.append(f"{where}: a default shell other than bash -e")
            for step in job.get("steps", []):
                label = f"{where}: {step.get('name', step.get('uses', step.get('run')))}"
                if step.get("continue-on-error") not in (None, False):
                    found.append(f"{label}: continue-on-error")
                if "run" not in step:
                    continue
                if step.get("shell") not in (None, "bash"):
                    found.append(f"{label}: shell {step['shell']!r}")
                for line in str(step["run"]).splitlines():
                    for pattern, what in SCRIPT_NEUTRALISERS.items():
                        if re.search(pattern, line.strip()):
                            found.append(f"{label}: {what}")
    mypy = pyproject.get("tool", {}).get("mypy", {})
    if mypy.get("strict") is not True:
        found.append("pyproject.toml: mypy strict is not true")
    if mypy.get("ignore_errors") or any(o.get("ignore_errors") for o in mypy.get("overrides", [])):
        found.append("pyproject.toml: mypy ignore_errors")
    pytest_config = pyproject.get("tool", {}).get("pytest", {})
    if "--doctest-modules" not in pytest_config.get("addopts", []):
        found.append("pyproject.toml: pytest without --doctest-modules")
    if any(
        re.search(r"--co\b|--collect-only|--exitfirst|--deselect|--ignore", o) for o in pytest_config.get("addopts", [])
    ):
        found.append("pyproject.toml: pytest addopts skip tests")
    ruff = pyproject.get("tool", {}).get("ruff", {})
    if not ruff.get("lint", {}).get("select") or "ALL" in ruff.get("lint", {}).get("ignore", []):
        found.append("pyproject.toml: ruff selects no rules")
    return found


def rendered(project: Path) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    return {name: load_workflow(project, name) for name in WORKFLOWS}, read_pyproject(project)


@pytest.mark.parametrize("kind", KINDS)
def test_no_check_step_can_be_neutralised(render_shared, kind: str) -> None:
    assert neutralisers(*rendered(render_shared(project_kind=kind, python_min=PYTHON_MIN))) == []


# Each way to switch a check off, planted in the rendered file (ci.yml or pyproject.toml).
PYTEST_RUN = 'markdown-append:"$GITHUB_STEP_SUMMARY"'
CI_YML = ".github/workflows/ci.yml"
NEUTRALISED = {
    "|| true on pytest": (CI_YML, PYTEST_RUN, PYTEST_RUN + " || true"),
    "|| : on mypy": (CI_YML, "run: uv run mypy", 'run: "uv run mypy || :"'),
    "--exit-zero on ruff": (CI_YML, "ruff check --output-format=github", "ruff check --exit-zero"),
    "--no-exit-codes on zizmor": (CI_YML, "zizmor --offline", "zizmor --no-exit-codes --offline"),
    "set +e before the smoke test": (CI_YML, "run: |\n", "run: |\n          set +e\n"),
    "continue-on-error on the build": (CI_YML, "run: uv build\n", "run: uv build\n        continue-on-error: true\n"),
    "continue-on-error on the lint job": (CI_YML, "name: Lint\n", "name: Lint\n    continue-on-error: true\n"),
    "a shell without -e": (CI_YML, "shell: bash", "shell: sh {0}"),
    "mypy strict = false": ("pyproject.toml", "\nstrict = true", "\nstrict = false"),
    "mypy ignore_errors": ("pyproject.toml", "[tool.mypy]\n", "[tool.mypy]\nignore_errors = true\n"),
    "pytest --collect-only": ("pyproject.toml", '"--doctest-modules"', '"--doctest-modules", "--co"'),
    "pytest without doctests": ("pyproject.toml", ', "--doctest-modules"', ""),
}


@pytest.mark.parametrize("mutation", NEUTRALISED)
def test_the_neutraliser_check_catches(render_shared, tmp_path: Path, mutation: str) -> None:
    """The structural test above can fail: each way to switch a check off is found."""
    project = Path(shutil.copytree(render_shared(project_kind="cli", python_min=PYTHON_MIN), tmp_path / "project"))
    edit(*NEUTRALISED[mutation])(project, "")
    assert neutralisers(*rendered(project)) != [], mutation
