"""ci.yml's lint job, run step by step like a runner: green on a fresh render, red with
GitHub annotations on a planted workflow problem."""

from __future__ import annotations

import re

import pytest

from conftest import require_interpreter
from github_workflows import github_env, load_workflow, run_job, run_step, run_steps, step_named, steps_using


@pytest.mark.slow
def test_lint_job_passes_on_a_fresh_render_and_fails_on_an_unpinned_action(render_fresh) -> None:
    project = render_fresh(project_kind="cli", python_min="3.12")
    job = load_workflow(project, "ci.yml")["jobs"]["lint"]
    (setup_uv,) = steps_using(job, "astral-sh/setup-uv")
    env = {**github_env(), "UV_PYTHON": require_interpreter(str(setup_uv["with"]["python-version"]))}
    results = run_job(job, project, env)
    assert len(results) == len(run_steps(job))  # every step ran, and passed

    release = project / ".github" / "workflows" / "release.yml"
    text = release.read_text(encoding="utf-8")
    release.write_text(re.sub(r"astral-sh/setup-uv@[0-9a-f]{40}", "astral-sh/setup-uv@v10", text, count=1),
                       encoding="utf-8")
    audit = run_step(job, step_named(job, "audit"), project, env, check=False)
    assert audit.returncode != 0
    # An annotation GitHub can place: the path is relative to the repository root.
    assert re.search(r"^::error file=\.github/workflows/release\.yml,line=\d+,title=unpinned-uses::",
                     audit.stdout, re.MULTILINE), audit.stdout
