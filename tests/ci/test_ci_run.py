"""ci.yml run as GitHub runs it for a push to main, its jobs as a graph (support.runner).

Every job runs from its own checkout of the pushed commit; the test job once
per matrix entry whose Python is installed here (the others are named, with
why they cannot run here). With test_every_python, the matrix holds every
supported Python.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from support.answers import DEFAULT_PACKAGE
from support.commands import find_interpreter
from support.expressions import Strict, condition, evaluate, substitute
from support.facts import DEFAULT_PYTHON_MIN, FREE_THREADED, INITIAL_VERSION, ci_python_versions
from support.runner import Event, WorkflowRun, init_repo


@pytest.mark.slow
def test_a_push_to_main_runs_every_job_green_on_each_local_python(render_shared, tmp_path: Path) -> None:
    repo = init_repo(render_shared(test_every_python=True), tmp_path)
    ci = WorkflowRun(repo.origin, Event("push", "refs/heads/main"), tmp_path / "run")
    # The last job, the one required check (test_ci_passed.py), after every other.
    assert ci.run("ci.yml") == {"lint": "success", "test": "success", "docs": "success", "ci-passed": "success"}

    versions = ci_python_versions(DEFAULT_PYTHON_MIN, every=True)
    local = [version for version in versions if find_interpreter(version)]
    tests = ci.jobs["test"]
    assert [entry.name for entry in tests.entries] == [f"Python {version}" for version in local]
    absent = [version for version in [*versions, FREE_THREADED] if version not in local]
    assert tests.unavailable == [f"Python {version}: no local CPython {version}" for version in absent]
    for entry in tests.entries:
        outcomes = {step.name: step.outcome for step in entry.steps}
        # Type-check, build and smoke test once, on python_min (its entry also tests the lowest
        # dependency versions); the tests everywhere.
        once = {"success" if entry.name == f"Python {DEFAULT_PYTHON_MIN}" else "skipped"}
        assert {
            outcomes[name] for name in outcomes if name.startswith(("Type-check", "Build", "Smoke", "Test the"))
        } == once
        assert outcomes["Test"] == "success"
        assert outcomes["Check that importing the package leaves the GIL disabled"] == "skipped"
    (smoke,) = [step for step in tests.entries[0].steps if step.name.startswith("Smoke")]
    assert f"{DEFAULT_PACKAGE} {INITIAL_VERSION}" in smoke.log


def test_the_runner_evaluates_expressions_as_github_does_and_refuses_the_rest() -> None:
    """support.expressions, the one evaluator of every if: and ${{ }} the runs above meet."""
    contexts = {"github": Strict(event_name="push"), "matrix": {"python-version": "3.11"}, "steps": {}}
    passed = {"success": lambda: True, "failure": lambda: False, "always": lambda: True, "cancelled": lambda: False}
    failed = {**passed, "success": lambda: False, "failure": lambda: True}
    assert evaluate("steps.tag.outputs.version || 'fallback'", contexts) == "fallback"  # || gives an operand
    assert evaluate("github.event_name == 'PUSH' && matrix.python-version", contexts) == "3.11"
    assert substitute("${{ matrix['python-version'] == 3.11 }}", contexts) == "true"  # a number compared
    assert evaluate("toJSON(matrix)", contexts) == '{\n  "python-version": "3.11"\n}'  # pretty-printed
    assert condition("matrix.free-threaded", contexts, passed) is False  # a missing matrix key is null
    assert condition("github.event_name == 'push'", contexts, failed) is False  # success() && (...)
    assert condition("always() && github.event_name == 'push'", contexts, failed) is True
    for unknown in ("github.actor", "secrets.TOKEN", "startsWith('a', 'a')", "1 < 2", "${{ x }} && y"):
        with pytest.raises(pytest.fail.Exception, match="workflow expression"):
            condition(unknown, contexts, passed)
