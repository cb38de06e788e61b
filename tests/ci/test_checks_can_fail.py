"""Every check of the generated CI can fail, and nothing in the project can switch one off.

A check that cannot fail passes everything. For each check step of ci.yml
(lint, formatting, the workflow audit, mypy, pytest with its doctests, the
build, the wheel smoke test) its own command, read from the rendered ci.yml,
runs on a render with a planted defect of its kind and must fail, naming the
defect. A structural test then refuses what would neutralise a check
(`|| true`, `--exit-zero`, `continue-on-error`, `set +e`, mypy without
`strict`, ...), and is itself shown to catch each of them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from support.commands import require_interpreter, run
from support.facts import KINDS
from support.rendering import read_pyproject
from support.workflows import (
    WORKFLOWS,
    github_env,
    load_workflow,
    run_job,
    run_step,
    run_steps,
    step_named,
    steps_using,
)

PYTHON_MIN = "3.12"  # not the default: ruff must take its target from requires-python


@dataclass
class Defect:
    job: str
    step: str  # a regular expression for the step's name
    plant: Callable[[Path, str], None]  # (project, package name)
    expected: tuple[str, ...]  # what the failing step's output must name
    after: str | None = None  # a step that must run (and pass) first


def write(project: Path, name: str, text: str) -> None:
    (project / name).parent.mkdir(parents=True, exist_ok=True)
    (project / name).write_text(text, encoding="utf-8")


def append(project: Path, name: str, text: str) -> None:
    path = project / name
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def unpin_setup_uv(project: Path, _package: str) -> None:
    path = project / ".github" / "workflows" / "release.yml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        re.sub(r"astral-sh/setup-uv@[0-9a-f]{40}", "astral-sh/setup-uv@v10", text, count=1), encoding="utf-8"
    )


def break_console_script(project: Path, package: str) -> None:
    path = project / "pyproject.toml"
    text = path.read_text(encoding="utf-8")
    assert f'"{package}.cli:main"' in text
    path.write_text(text.replace(f'"{package}.cli:main"', f'"{package}.cli:planted_missing"'), encoding="utf-8")


DEFECTS = {
    # UP040 applies from Python 3.12 on: it fires only if ruff targets requires-python's floor.
    "lint": Defect(
        "lint",
        "^lint$",
        lambda p, pkg: write(p, f"src/{pkg}/planted.py", "from typing import TypeAlias\n\nNumber: TypeAlias = int\n"),
        ("UP040", "planted.py"),
    ),
    "format": Defect(
        "lint",
        "formatting",
        lambda p, pkg: write(p, f"src/{pkg}/planted.py", "VALUE  =  1\n"),
        ("unformatted", "planted.py"),
    ),
    # An annotation GitHub can place: the path relative to the repository root.
    "zizmor": Defect(
        "lint", "audit", unpin_setup_uv, ("::error file=.github/workflows/release.yml,line=", "title=unpinned-uses::")
    ),
    "mypy": Defect(
        "test",
        "type-check",
        lambda p, pkg: write(p, f"src/{pkg}/planted.py", 'def planted() -> int:\n    return "one"\n'),
        ("Incompatible return value type", "planted.py"),
    ),
    "pytest": Defect(
        "test",
        "^test$",
        lambda p, pkg: write(p, "tests/test_planted.py", "def test_planted() -> None:\n    assert 1 + 1 == 3\n"),
        ("FAILED tests/test_planted.py::test_planted",),
    ),
    "doctest": Defect(
        "test",
        "^test$",
        lambda p, pkg: write(
            p,
            f"src/{pkg}/planted.py",
            'def double(x: int) -> int:\n    """Twice x.\n\n    >>> double(2)\n    5\n    """\n    return 2 * x\n',
        ),
        ("FAILED src/{pkg}/planted.py::{pkg}.planted.double",),
    ),
    "build": Defect(
        "test", "build the sdist", lambda p, pkg: (p / "src" / pkg / "__init__.py").unlink(), ("__init__.py",)
    ),
    "wheel import": Defect(
        "test",
        "smoke",
        lambda p, pkg: append(p, f"src/{pkg}/__init__.py", '\nraise RuntimeError("planted import failure")\n'),
        ("planted import failure",),
        after="build",
    ),
    "console script": Defect("test", "smoke", break_console_script, ("planted_missing",), after="build"),
}

# (job, step pattern) of checks whose planted defects live in tests/test_ci_matrix.py: the GIL
# check (a GIL build, a module that turns the GIL on) and the lowest-direct run (false bounds).
CHECKED_ELSEWHERE = [("test", "GIL"), ("test", "lowest direct")]


@pytest.mark.slow
def test_each_check_step_fails_on_a_defect_of_its_kind(render_fresh, subtests: Any) -> None:
    project = render_fresh(project_kind="cli", python_min=PYTHON_MIN)
    package = read_pyproject(project)["project"]["name"].replace("-", "_")
    jobs = load_workflow(project, "ci.yml")["jobs"]
    checked = {step_named(jobs[d.job], d.step)["name"] for d in DEFECTS.values()}
    # Every step after the install is a check, and every check gets a defect (here, or in
    # the file named for the checks proven there on their own planted defects).
    elsewhere = {step_named(jobs[job], pattern)["name"] for job, pattern in CHECKED_ELSEWHERE}
    assert checked | elsewhere == {s["name"] for job in jobs.values() for s in run_steps(job)[1:]}
    env = {**github_env(), "UV_PYTHON": require_interpreter(PYTHON_MIN)}
    run_step(jobs["test"], step_named(jobs["test"], "install"), project, env)
    # Green first: the whole lint job passes on the fresh render (the test job's
    # run in test_workflows.py), so each failure below is its defect's doing.
    (setup_uv,) = steps_using(jobs["lint"], "astral-sh/setup-uv")
    assert setup_uv["with"]["python-version"] == PYTHON_MIN
    assert len(run_job(jobs["lint"], project, env)) == len(run_steps(jobs["lint"]))
    # A pristine state to return to after each defect (.venv and the caches are ignored, so kept).
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "render"]):
        run(["git", *args], project)

    for name, defect in DEFECTS.items():
        with subtests.test(msg=name):
            job = jobs[defect.job]
            try:
                defect.plant(project, package)
                if defect.after:
                    run_step(job, step_named(job, defect.after), project, env)
                failed = run_step(job, step_named(job, defect.step), project, env, check=False)
                output = failed.stdout + failed.stderr
                assert failed.returncode != 0, output
                for text in defect.expected:
                    assert text.format(pkg=package) in output, output
            finally:
                run(["git", "reset", "-q", "--hard"], project)
                run(["git", "clean", "-q", "-fd"], project)
                run(["rm", "-rf", "dist"], project)


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
    workflows, pyproject = rendered(render_shared(project_kind=kind, python_min=PYTHON_MIN))
    assert neutralisers(workflows, pyproject) == []


def _edit_step(step_pattern: str, edit: Callable[[dict[str, Any]], None]) -> Callable[..., None]:
    def mutate(workflows: dict[str, dict[str, Any]], _pyproject: dict[str, Any]) -> None:
        (step,) = [
            s
            for job in workflows["ci.yml"]["jobs"].values()
            for s in job["steps"]
            if re.search(step_pattern, s.get("name", ""), re.IGNORECASE)
        ]
        edit(step)

    return mutate


def _append_to_run(text: str) -> Callable[[dict[str, Any]], None]:
    def edit(step: dict[str, Any]) -> None:
        step["run"] = str(step["run"]).rstrip("\n") + text

    return edit


def _set_tool(path: str, value: Any) -> Callable[..., None]:
    def mutate(_workflows: dict[str, dict[str, Any]], pyproject: dict[str, Any]) -> None:
        *parents, key = path.split(".")
        table = pyproject
        for parent in parents:
            table = table.setdefault(parent, {})
        table[key] = value

    return mutate


NEUTRALISED = {
    "|| true on pytest": _edit_step("^test$", _append_to_run(" || true")),
    "|| : on mypy": _edit_step("type-check", _append_to_run(" || :")),
    "--exit-zero on ruff": _edit_step("^lint$", _append_to_run(" --exit-zero")),
    "--no-exit-codes on zizmor": _edit_step("audit", _append_to_run(" --no-exit-codes")),
    "set +e before the smoke test": _edit_step("smoke", lambda s: s.update(run="set +e\n" + str(s["run"]))),
    "continue-on-error on the build": _edit_step("build the sdist", lambda s: s.update({"continue-on-error": True})),
    "continue-on-error on the lint job": lambda w, _p: w["ci.yml"]["jobs"]["lint"].update({"continue-on-error": True}),
    "a shell without -e": _edit_step("^test$", lambda s: s.update({"shell": "sh {0}"})),
    "mypy strict = false": _set_tool("tool.mypy.strict", False),
    "mypy ignore_errors": _set_tool("tool.mypy.ignore_errors", True),
    "pytest --collect-only": _set_tool("tool.pytest.addopts", ["-ra", "--doctest-modules", "--co"]),
    "pytest without doctests": _set_tool("tool.pytest.addopts", ["-ra"]),
}


@pytest.mark.parametrize("mutation", NEUTRALISED)
def test_the_neutraliser_check_catches(render_shared, mutation: str) -> None:
    """The structural test above can fail: each way to switch a check off is found."""
    workflows, pyproject = rendered(render_shared(project_kind="cli", python_min=PYTHON_MIN))
    NEUTRALISED[mutation](workflows, pyproject)
    assert neutralisers(workflows, pyproject) != [], mutation
