"""ci.yml's test matrix: which entries the answers give, and what each entry runs.

The Python versions (python_min to the newest, or the two ends), the runners of the chosen
operating systems, the lowest-direct entry on python_min, the free-threaded entry for the
kinds whose dependencies ship free-threaded wheels: derived from copier.yml
(``support.answers``) and expanded the way GitHub expands a matrix. Then the entries' steps
run as a runner runs them (bash on a script file): the coverage table in the job summary,
the GIL check's verdicts, and the lowest-direct run against PyPI, which fails on a false
lower bound (every entry on each local Python: test_ci_run.py).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from support.answers import answers_id, matrix_answer_sets
from support.commands import uv
from support.facts import (
    DEFAULT_PYTHON_MIN,
    FREE_THREADED,
    KINDS,
    OS_CHOICES,
    OS_RUNNERS,
    UV_VERSION,
    ci_python_versions,
    copier_config,
)
from support.rendering import read_answers, replace_once
from support.runner import Step, planned_steps, run_in_place
from support.workflows import load_workflow, matrix_entries, run_steps, step_named, steps_using

CONFIG = copier_config()
FREE_THREADED_KINDS: list[str] = CONFIG["free_threaded_kinds"]["default"]
TOOL_VERSIONS: dict[str, str] = CONFIG["tool_versions"]["default"]


def test_defaults_are_linux_only_and_every_choice_has_a_runner() -> None:
    """Linux alone by default: `copier update --defaults` adds no runner to an older project."""
    assert CONFIG["operating_systems"]["default"] == ["Linux"]
    assert CONFIG["operating_systems"]["multiselect"] is True
    assert set(OS_RUNNERS) == set(OS_CHOICES)
    assert OS_RUNNERS["Linux"].startswith("ubuntu-")


@pytest.mark.parametrize("answers", matrix_answer_sets(), ids=answers_id)
def test_matrix_follows_the_answers(render_shared, answers: dict[str, Any]) -> None:
    project = render_shared(**answers)
    given = read_answers(project)
    assert {name: given[name] for name in answers} == answers
    python_min, systems = given["python_min"], given["operating_systems"]
    ci = load_workflow(project, "ci.yml")
    job = ci["jobs"]["test"]
    runners = [OS_RUNNERS[name] for name in systems]
    versions = ci_python_versions(python_min, every=given["test_every_python"])
    assert job["strategy"]["matrix"]["os"] == runners
    assert job["strategy"]["matrix"]["python-version"] == versions
    assert job["strategy"]["fail-fast"] is False
    # runs-on and setup-uv read the matrix, and the name tells the entries apart.
    assert job["runs-on"] == "${{ matrix.os }}"
    assert ("${{ matrix.os }}" in job["name"]) == (len(runners) > 1)
    assert "${{ matrix.python-version }}" in job["name"]
    (setup_uv,) = steps_using(job, "astral-sh/setup-uv")
    assert setup_uv["with"] == {"version": UV_VERSION, "python-version": "${{ matrix.python-version }}"}

    entries = matrix_entries(job)
    free_threaded = given["project_kind"] in FREE_THREADED_KINDS
    assert len(entries) == len(runners) * len(versions) + free_threaded
    # The free-threaded entry: the newest release + "t", an entry of its own.
    assert [(e["os"], e["python-version"]) for e in entries if e.get("free-threaded")] == (
        [(runners[0], FREE_THREADED)] if free_threaded else []
    )

    def running(pattern: str) -> list[tuple[str, str]]:
        """The entries (runner, Python) that run a step, as GitHub evaluates its if: on a push."""
        step = step_named(job, pattern)
        return [(e["os"], e["python-version"]) for e in entries if step in planned_steps(ci, "test", e)]

    # The tests, with their coverage table, in every entry; mypy, the build and the smoke test
    # once per runner, on python_min (their verdict does not depend on the interpreter); the
    # lowest direct versions once, python_min on the first runner; the GIL check on the free-threaded entry.
    assert running("install") == running("^test$") == [(e["os"], e["python-version"]) for e in entries]
    for pattern in ("type-check", "build the sdist", "smoke"):
        assert running(pattern) == [(runner, python_min) for runner in runners], pattern
    assert running("lowest direct") == [(runners[0], python_min)]
    assert run_steps(job)[-1] == step_named(job, "lowest direct")  # after all that uses uv.lock's versions
    gil = [s["name"] for s in job["steps"] if "GIL" in s.get("name", "")]
    assert [running(name) for name in gil] == ([[(runners[0], FREE_THREADED)]] if free_threaded else [])
    assert step_named(job, "^Test$")["run"] == (
        'uv run pytest --cov --cov-report=term --cov-report=markdown-append:"$GITHUB_STEP_SUMMARY"'
    )
    # Every script runs in bash, and none names a path that differs on Windows.
    assert job["defaults"] == {"run": {"shell": "bash"}}
    for step in run_steps(job):
        assert step.get("shell", "bash") == "bash", step["name"]
        assert ".venv/" not in step["run"], step["name"]
        assert "/bin/" not in step["run"], step["name"]
    lowest = step_named(job, "lowest direct")
    assert "uv sync --resolution lowest-direct --upgrade" in lowest["run"]
    assert lowest["env"] == {"UV_LOCKED": "false"}  # uv.lock is exactly what this does not test


def test_a_kind_without_free_threaded_wheels_gets_no_entry_and_a_reason(render_shared) -> None:
    """The mechanism behind free_threaded_kinds: a kind left out has no entry, no GIL step, and says why."""
    project = render_shared(free_threaded_kinds=["library"], project_kind="cli")
    job = load_workflow(project, "ci.yml")["jobs"]["test"]
    assert not [e for e in matrix_entries(job) if e.get("free-threaded")]
    assert not [s for s in job["steps"] if "GIL" in s.get("name", "")]
    text = (project / ".github" / "workflows" / "ci.yml").read_text(encoding="utf-8")
    assert "No free-threaded entry: a dependency of this kind ships no" in text
    assert FREE_THREADED not in text


# --- the entries' steps, run ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cli_project(render_shared, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of a cli render (the steps write uv.lock, .coverage)."""
    return Path(shutil.copytree(render_shared(project_kind="cli"), tmp_path_factory.mktemp("ci") / "project"))


def installed_and(project: Path, python: str, pattern: str, venv: Path, **env: str) -> Step:
    """The test job's install step, then the one named ``pattern`` (whatever its if:), on ``python``."""
    matrix = {"os": OS_RUNNERS["Linux"], "python-version": python}
    job = run_in_place(
        project, "test", matrix=matrix, steps=["install", pattern], env={"UV_PROJECT_ENVIRONMENT": str(venv), **env}
    )
    assert job.step("install").outcome == "success", job.log
    return job.step(pattern)


def test_test_step_appends_the_coverage_table_to_the_job_summary(cli_project: Path, tmp_path: Path) -> None:
    summary = tmp_path / "step_summary.md"
    summary.write_text("Written by an earlier step.\n", encoding="utf-8")
    test = installed_and(cli_project, DEFAULT_PYTHON_MIN, "^Test$", tmp_path / "venv", GITHUB_STEP_SUMMARY=str(summary))
    assert test.outcome == "success", test.log
    table = summary.read_text(encoding="utf-8")
    assert table.startswith("Written by an earlier step.\n| Name ")  # appended, not overwritten
    assert "| **TOTAL** " in table
    assert "acme\\_widgets/\\_\\_main\\_\\_.py" in table  # the one file not fully covered, escaped Markdown


# Makes a GIL build look free-threaded, with the GIL on or off: the check's two verdicts,
# exercised here where no free-threaded CPython is installed.
FAKE_FREE_THREADED = """\
import os, sys, sysconfig
_real = sysconfig.get_config_var
sysconfig.get_config_var = lambda name: 1 if name == "Py_GIL_DISABLED" else _real(name)
sys._is_gil_enabled = lambda: os.environ["FAKE_GIL"] == "on"
"""


# On GitHub the check runs on the free-threaded entry; on a GIL build it must fail and say why.
GIL_VERDICTS = {
    "gil-build-3.11": ("3.11", None, "::error::Python .* is not a free-threaded build"),
    "gil-build-3.13": ("3.13", None, "::error::Python .* is not a free-threaded build"),
    "gil-stays-off": (DEFAULT_PYTHON_MIN, "off", "Imported acme_widgets; the GIL is still disabled"),
    "gil-switched-on": (DEFAULT_PYTHON_MIN, "on", "::error::Importing acme_widgets switched the GIL back on.*does not declare free-threading support"),
}  # fmt: skip


@pytest.mark.parametrize(("version", "fake_gil", "verdict"), GIL_VERDICTS.values(), ids=GIL_VERDICTS)
def test_gil_check_verdicts(
    cli_project: Path, tmp_path: Path, version: str, fake_gil: str | None, verdict: str
) -> None:
    fake = {}
    if fake_gil:
        (tmp_path / "fake").mkdir()
        (tmp_path / "fake" / "sitecustomize.py").write_text(FAKE_FREE_THREADED, encoding="utf-8")
        fake = {"PYTHONPATH": str(tmp_path / "fake"), "FAKE_GIL": fake_gil}
    check = installed_and(cli_project, version, "GIL", tmp_path / "venv", **fake).process
    assert check is not None
    assert check.returncode == (0 if fake_gil == "off" else 1), check.stderr
    output = check.stdout if fake_gil == "off" else check.stderr
    assert re.search(verdict, output, re.DOTALL), check.stdout + check.stderr


# A false lower bound per kind, and what it takes to plant it (a dev tool that
# needs more would otherwise lift the bound in the resolution).
PLANTED_BOUNDS = {
    "library": [(f'"pytest>={TOOL_VERSIONS["pytest"]}"', '"pytest>=7.0"')],
    "llm-plugin": [
        (f'"llm>={TOOL_VERSIONS["llm"]}"', '"llm>=0.20"'),
        # llm-echo 0.5 needs a newer llm: lowered too, or it would lift llm's bound.
        (f'"llm-echo>={TOOL_VERSIONS["llm-echo"]}"', '"llm-echo>=0.1"'),
    ],
}


@pytest.mark.slow
@pytest.mark.parametrize("kind", KINDS)
def test_lowest_direct_step_passes_on_a_fresh_render_and_fails_on_a_false_bound(
    render_shared, tmp_path: Path, kind: str
) -> None:
    """The step's own commands, on python_min, against PyPI, with uv.lock committed as CI's
    checkout has it (locked at the newest versions, which the step must not keep).

    Where PLANTED_BOUNDS has a false lower bound for the kind (locked again, as a user would),
    the same commands then fail: pytest 7 (which would skip [tool.pytest], minversion with it,
    and pass) is stopped by the step's own floor check; llm 0.20 has no tool hook for the plugin.
    """
    project = Path(shutil.copytree(render_shared(project_kind=kind), tmp_path / "project"))
    (entry,) = [e for e in matrix_entries(load_workflow(project, "ci.yml")["jobs"]["test"]) if e.get("lowest-direct")]
    assert entry["python-version"] == DEFAULT_PYTHON_MIN

    def lowest_direct() -> Step:
        uv("lock", "--quiet", cwd=project)
        return run_in_place(project, "test", matrix=entry, steps=["lowest direct"]).step("lowest direct")

    passed = lowest_direct()
    assert passed.outcome == "success", passed.log
    assert passed.process is not None
    assert " passed" in passed.process.stdout
    if kind not in PLANTED_BOUNDS:
        return
    for old, new in PLANTED_BOUNDS[kind]:
        replace_once(project / "pyproject.toml", old, new)
    failed = lowest_direct()
    assert failed.outcome == "failure"
    if kind == "library":
        assert (
            f"::error::pytest 7.0.0 ignores [tool.pytest], which needs pytest {TOOL_VERSIONS['pytest']}" in failed.log
        )
    else:
        assert "llm_acme_widgets" in failed.log
        assert "error" in failed.log.lower()
