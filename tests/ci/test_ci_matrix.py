"""ci.yml's test matrix: operating systems on request, the free-threaded entry, the
lowest-direct run on python_min and the coverage table in the job summary.

Everything the tests expect is derived from copier.yml (the Python list, the runner
labels, the kinds whose dependencies ship free-threaded wheels) and from the rendered
workflow, expanded the way GitHub expands a matrix. The steps run as a runner runs
them (bash on a script file); the lowest-direct run resolves against PyPI.
"""

from __future__ import annotations

import itertools
import json
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

from support.commands import require_interpreter, run, uv
from support.facts import (
    DEFAULT_PYTHON_MIN,
    FREE_THREADED,
    KINDS,
    OS_RUNNERS,
    TEMPLATE_DIR,
    ci_python_versions,
    copier_config,
    known_python_versions,
)
from support.rendering import read_answers
from support.workflows import (
    condition_holds,
    github_env,
    load_workflow,
    matrix_entries,
    run_step,
    run_steps,
    step_named,
    steps_using,
)

CONFIG = copier_config()
OS_CHOICES: list[str] = list(CONFIG["operating_systems"]["choices"].values())
FREE_THREADED_KINDS: list[str] = CONFIG["free_threaded_kinds"]["default"]
UV_VERSION: str = CONFIG["uv_version"]["default"]
PYTEST_FLOOR: str = CONFIG["tool_versions"]["default"]["pytest"]

ZIZMOR = Path(sys.executable).with_name("zizmor")
CHECK_JSONSCHEMA = Path(sys.executable).with_name("check-jsonschema")

# Every non-empty choice of operating systems, each with a kind and a python_min that
# differ from the defaults (the kinds in turn), so every kind meets several choices.
OS_SUBSETS = [list(c) for n in range(1, len(OS_CHOICES) + 1) for c in itertools.combinations(OS_CHOICES, n)]
COMBINATIONS = [
    {
        "operating_systems": subset,
        "project_kind": KINDS[i % len(KINDS)],
        "python_min": known_python_versions()[1 + i % (len(known_python_versions()) - 1)],
        "test_every_python": bool(i % 2),
    }
    for i, subset in enumerate(OS_SUBSETS)
]


def combination_id(answers: dict[str, Any]) -> str:
    every = "every" if answers["test_every_python"] else "ends"
    return f"{'+'.join(answers['operating_systems'])}-{answers['project_kind']}-{answers['python_min']}-{every}"


def test_defaults_are_linux_only_and_every_choice_has_a_runner() -> None:
    """Linux alone by default: `copier update --defaults` adds no runner to an older project."""
    assert CONFIG["operating_systems"]["default"] == ["Linux"]
    assert CONFIG["operating_systems"]["multiselect"] is True
    assert set(OS_RUNNERS) == set(OS_CHOICES)
    assert OS_RUNNERS["Linux"].startswith("ubuntu-")


@pytest.mark.parametrize("answers", COMBINATIONS, ids=combination_id)
def test_matrix_structure_follows_the_answers(render_shared, answers: dict[str, Any]) -> None:
    project = render_shared(**answers)
    assert read_answers(project)["operating_systems"] == answers["operating_systems"]
    job = load_workflow(project, "ci.yml")["jobs"]["test"]
    matrix = job["strategy"]["matrix"]
    runners = [OS_RUNNERS[name] for name in answers["operating_systems"]]
    versions = ci_python_versions(answers["python_min"], every=answers["test_every_python"])
    primary = runners[0]
    assert matrix["os"] == runners
    assert matrix["python-version"] == versions
    # runs-on reads the matrix, and the name tells the entries apart.
    assert job["runs-on"] == "${{ matrix.os }}"
    assert ("${{ matrix.os }}" in job["name"]) == (len(runners) > 1)
    assert "${{ matrix.python-version }}" in job["name"]

    entries = matrix_entries(job)
    free_threaded = answers["project_kind"] in FREE_THREADED_KINDS
    assert len(entries) == len(runners) * len(versions) + free_threaded
    assert {entry["os"] for entry in entries} == set(runners)  # no runner nobody asked for
    # Exactly one entry tests the lowest direct versions: python_min on the first runner.
    assert [(e["os"], e["python-version"]) for e in entries if e.get("lowest-direct")] == [
        (primary, answers["python_min"])
    ]
    # The free-threaded entry: the newest release + "t", an entry of its own.
    assert [(e["os"], e["python-version"]) for e in entries if e.get("free-threaded")] == (
        [(primary, FREE_THREADED)] if free_threaded else []
    )
    # mypy, the build and the smoke test once per runner, on python_min (their verdict does
    # not depend on the interpreter); the tests in every entry.
    for name in ("type-check", "build the sdist", "smoke"):
        assert step_named(job, name)["if"] == f"matrix.python-version == '{answers['python_min']}'"
    assert "if" not in step_named(job, "^Test$")
    assert sum(e["python-version"] == answers["python_min"] for e in entries) == len(runners)

    # Steps: bash everywhere, the summary, the GIL check, the lowest-direct run.
    assert job["defaults"] == {"run": {"shell": "bash"}}
    summary = step_named(job, "^Test$")
    assert (
        (summary["run"]) == 'uv run pytest --cov --cov-report=term --cov-report=markdown-append:"$GITHUB_STEP_SUMMARY"'
    )
    assert "if" not in summary  # every test entry reports its coverage
    # Every script runs in bash, and none names a path that differs on Windows.
    for step in run_steps(job):
        assert step.get("shell", "bash") == "bash", step["name"]
        assert ".venv/" not in step["run"], step["name"]
        assert "/bin/" not in step["run"], step["name"]
    gil = [s for s in job["steps"] if "GIL" in s.get("name", "")]
    assert len(gil) == free_threaded
    if free_threaded:
        assert gil[0]["if"] == "matrix.free-threaded"
        assert "sys._is_gil_enabled()" in gil[0]["run"]
    lowest = step_named(job, "lowest direct")
    assert lowest["if"] == "matrix.lowest-direct"
    assert "uv sync --resolution lowest-direct --upgrade" in lowest["run"]
    assert lowest["env"] == {"UV_LOCKED": "false"}  # uv.lock is exactly what this does not test
    # The generated README tells the cost: the jobs a push runs, and the systems.
    readme = " ".join((project / "README.md").read_text(encoding="utf-8").split())
    jobs = sum(
        len(matrix_entries(j)) if "strategy" in j else 1 for j in load_workflow(project, "ci.yml")["jobs"].values()
    )
    assert f"A push runs {jobs} jobs" in readme
    assert f"(the matrix in `ci.yml`) on {', '.join(answers['operating_systems'])}." in readme
    tested = (
        "the tests on every supported Python version (the matrix"
        if answers["test_every_python"]
        else f"the tests on the oldest and the newest supported Python, {' and '.join(versions)} (the matrix"
    )
    assert tested in readme
    assert (f"free-threaded Python {FREE_THREADED}" in readme) == free_threaded
    # The runtime rules of every job hold on every runner.
    assert isinstance(job["timeout-minutes"], int)
    (setup_uv,) = steps_using(job, "astral-sh/setup-uv")
    assert setup_uv["with"] == {"version": UV_VERSION, "python-version": "${{ matrix.python-version }}"}


def test_a_kind_without_free_threaded_wheels_gets_no_entry_and_a_reason(render_shared) -> None:
    """The mechanism behind free_threaded_kinds: a kind left out has no entry, no GIL step, and says why."""
    project = render_shared(free_threaded_kinds=["library"], project_kind="cli")
    job = load_workflow(project, "ci.yml")["jobs"]["test"]
    assert not [e for e in matrix_entries(job) if e.get("free-threaded")]
    assert not [s for s in job["steps"] if "GIL" in s.get("name", "")]
    text = (project / ".github" / "workflows" / "ci.yml").read_text(encoding="utf-8")
    assert "No free-threaded entry: a dependency of this kind ships no" in text
    assert "3.15t" not in text


def test_workflows_of_every_combination_pass_zizmor_and_the_schema(render_shared) -> None:
    """zizmor pedantic (inline ignores disregarded) and check-jsonschema, one run each over all."""
    projects = [render_shared(**answers) for answers in COMBINATIONS]
    zizmor = run(
        [ZIZMOR, "--offline", "--persona", "pedantic", "--no-ignores", "--format", "json", *projects],
        TEMPLATE_DIR,
        check=False,
    )
    assert json.loads(zizmor.stdout) == [], zizmor.stdout
    assert zizmor.returncode == 0
    for project in projects:
        assert f"completed {project / '.github/workflows/ci.yml'}" in zizmor.stderr
    files = [project / ".github" / "workflows" / name for project in projects for name in ("ci.yml", "release.yml")]
    checked = run([CHECK_JSONSCHEMA, "--builtin-schema", "vendor.github-workflows", *files], TEMPLATE_DIR, check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr


# --- the free-threaded GIL check ------------------------------------------------------------------

# Makes a GIL build look free-threaded, with the GIL on or off: the check's two
# verdicts, exercised here where no free-threaded CPython is installed.
FAKE_FREE_THREADED = """\
import os, sys, sysconfig
_real = sysconfig.get_config_var
sysconfig.get_config_var = lambda name: 1 if name == "Py_GIL_DISABLED" else _real(name)
sys._is_gil_enabled = lambda: os.environ["FAKE_GIL"] == "on"
"""


@pytest.fixture(scope="module")
def free_threaded_job(render_shared, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """A private copy of a cli render (the steps write uv.lock, .coverage) and its test job."""
    project = Path(shutil.copytree(render_shared(project_kind="cli"), tmp_path_factory.mktemp("ci") / "project"))
    return project, load_workflow(project, "ci.yml")["jobs"]["test"]


def test_test_step_appends_the_coverage_table_to_the_job_summary(free_threaded_job, tmp_path: Path) -> None:
    project, job = free_threaded_job
    summary = tmp_path / "step_summary.md"
    summary.write_text("Written by an earlier step.\n", encoding="utf-8")
    env = {
        **github_env(),
        "UV_PYTHON": require_interpreter(DEFAULT_PYTHON_MIN),
        "UV_PROJECT_ENVIRONMENT": str(tmp_path / "venv"),
        "GITHUB_STEP_SUMMARY": str(summary),
    }
    uv("sync", "-q", cwd=project, env=env)
    run_step(job, step_named(job, "^Test$"), project, env)
    table = summary.read_text(encoding="utf-8")
    assert table.startswith("Written by an earlier step.\n| Name ")  # appended, not overwritten
    assert "| **TOTAL** " in table
    assert "acme\\_widgets/\\_\\_main\\_\\_.py" in table  # the one file not fully covered, escaped Markdown


@pytest.mark.parametrize("version", ["3.11", "3.13"])
def test_gil_check_fails_clearly_on_a_gil_build(free_threaded_job, version: str, tmp_path: Path) -> None:
    """On GitHub it runs on 3.15t; here, on a GIL build, it must fail and say why."""
    project, job = free_threaded_job
    env = {**github_env(), "UV_PYTHON": require_interpreter(version), "UV_PROJECT_ENVIRONMENT": str(tmp_path / "venv")}
    uv("sync", "-q", cwd=project, env=env)
    check = run_step(job, step_named(job, "GIL"), project, env, check=False)
    assert check.returncode == 1
    assert "::error::Python " in check.stderr
    assert "is not a free-threaded build" in check.stderr


@pytest.mark.parametrize(("gil", "passes"), [("off", True), ("on", False)])
def test_gil_check_verdicts_on_a_free_threaded_build(free_threaded_job, gil: str, passes: bool, tmp_path: Path) -> None:
    project, job = free_threaded_job
    fake = tmp_path / "fake"
    fake.mkdir()
    (fake / "sitecustomize.py").write_text(FAKE_FREE_THREADED, encoding="utf-8")
    env = {
        **github_env(),
        "UV_PYTHON": require_interpreter(DEFAULT_PYTHON_MIN),
        "UV_PROJECT_ENVIRONMENT": str(tmp_path / "venv"),
        "PYTHONPATH": str(fake),
        "FAKE_GIL": gil,
    }
    uv("sync", "-q", cwd=project, env=env)
    check = run_step(job, step_named(job, "GIL"), project, env, check=False)
    if passes:
        assert check.returncode == 0, check.stderr
        assert "Imported acme_widgets; the GIL is still disabled" in check.stdout
    else:
        assert check.returncode == 1
        assert "::error::Importing acme_widgets switched the GIL back on" in check.stderr
        assert "does not declare free-threading support" in check.stderr


# --- the lowest-direct run ------------------------------------------------------------------------

# A false lower bound per kind, and what it takes to plant it (a dev tool that
# needs more would otherwise lift the bound in the resolution).
TOOL_VERSIONS: dict[str, str] = CONFIG["tool_versions"]["default"]
PLANTED = {
    "library": [(f'"pytest>={PYTEST_FLOOR}"', '"pytest>=7.0"')],
    "llm-plugin": [
        (f'"llm>={TOOL_VERSIONS["llm"]}"', '"llm>=0.20"'),
        # llm-echo 0.5 needs a newer llm: lowered too, or it would lift llm's bound.
        (f'"llm-echo>={TOOL_VERSIONS["llm-echo"]}"', '"llm-echo>=0.1"'),
    ],
}


def python_min_entry(job: dict[str, Any]) -> dict[str, Any]:
    (entry,) = [e for e in matrix_entries(job) if e.get("lowest-direct")]
    return entry


def steps_for(job: dict[str, Any], entry: dict[str, Any]) -> list[str]:
    """The names of the run: steps a matrix entry runs (on a push)."""
    return [s["name"] for s in run_steps(job) if "if" not in s or condition_holds(s["if"], github_env(), entry)]


def test_python_min_entry_runs_mypy_and_the_lowest_direct_step_but_no_gil_check(render_shared) -> None:
    job = load_workflow(render_shared(python_min="3.12"), "ci.yml")["jobs"]["test"]
    entry = python_min_entry(job)
    assert entry == {"os": OS_RUNNERS["Linux"], "python-version": "3.12", "lowest-direct": True}
    names = steps_for(job, entry)
    assert "Type-check" in names
    assert names[-1] == "Test the lowest direct dependency versions"
    assert not [name for name in names if "GIL" in name]
    newest = next(e for e in matrix_entries(job) if e["python-version"] == known_python_versions()[-1])
    names = steps_for(job, newest)
    assert names == ["Install the project and its dev tools", "Test"]
    free_threaded = next(e for e in matrix_entries(job) if e.get("free-threaded"))
    assert steps_for(job, free_threaded) == [
        "Install the project and its dev tools",
        "Test",
        "Check that importing the package leaves the GIL disabled",
    ]
    assert not [name for name in names if "GIL" in name or "lowest" in name]


@pytest.mark.slow
@pytest.mark.parametrize("kind", KINDS)
def test_lowest_direct_step_passes_on_a_fresh_render_and_fails_on_a_false_bound(render_fresh, kind: str) -> None:
    """The step's own commands, on python_min, against PyPI (no uv.lock: a fresh render).

    Where PLANTED has a false lower bound for the kind, the same commands then
    fail: pytest 7 (which would skip [tool.pytest] and pass) is stopped by the
    config's minversion; llm 0.20 has no tool hook for the plugin.
    """
    project = render_fresh(project_kind=kind)
    job = load_workflow(project, "ci.yml")["jobs"]["test"]
    entry = python_min_entry(job)
    assert entry["python-version"] == DEFAULT_PYTHON_MIN
    env = {**github_env(), "UV_PYTHON": require_interpreter(entry["python-version"])}
    step = step_named(job, "lowest direct")
    passed = run_step(job, step, project, env)
    assert " passed" in passed.stdout
    if kind not in PLANTED:
        return

    pyproject = project / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8")
    for old, new in PLANTED[kind]:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    pyproject.write_text(text, encoding="utf-8")
    failed = run_step(job, step, project, env, check=False)
    assert failed.returncode != 0
    output = failed.stdout + failed.stderr
    if kind == "library":
        assert f"::error::pytest 7.0.0 ignores [tool.pytest], which needs pytest {PYTEST_FLOOR}" in output
    else:
        assert "llm_acme_widgets" in output
        assert "error" in output.lower()
