"""ci.yml's last job, the one check a branch rule can require (includes/facts.yml ci_check_name),
run by the house runner (support.runner) as GitHub runs it after the other jobs.

It passes only when every other job of ci.yml succeeded: any one of them failed, cancelled
or skipped makes it fail, and never skip (GitHub counts a skipped required check as passed).
The jobs are read from the rendered workflow, for the default answers and for answers with
another job set; the runs with every job real are tests/ci/test_ci_run.py's (push to main)
and tests/release/test_release_run.py's (called by release.yml).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from support.answers import answers_id, changed
from support.expressions import substitute
from support.facts import copier_config
from support.runner import PUSH_TO_MAIN, WorkflowRun, init_repo
from support.workflows import load_workflow, matrix_entries, workflow_names

CONFIG = copier_config()
CHECK_NAME: str = CONFIG["ci_check_name"]["default"]
# Every result a job that did not succeed can have (GitHub's needs.<job_id>.result).
NOT_SUCCEEDED = ("failure", "cancelled", "skipped")
# The default answers, and answers that take a job out of ci.yml (docs).
JOB_SETS = [{}, changed({"docs": not CONFIG["docs"]["default"]})]


def check_job(workflow: dict[str, Any]) -> str:
    """The id of the one job of ``workflow`` named CHECK_NAME."""
    (job_id,) = [job_id for job_id, job in workflow["jobs"].items() if job.get("name") == CHECK_NAME]
    return job_id


@pytest.mark.parametrize("answers", JOB_SETS, ids=answers_id)
def test_the_check_fails_unless_every_other_job_of_ci_succeeded(
    render_shared, tmp_path: Path, answers: dict[str, Any]
) -> None:
    """Each other job given each result but success, the rest success: the check runs and fails,
    naming that job; all given success: it passes. A job left out of its needs would pass here."""
    project = render_shared(**answers)
    ci = load_workflow(project, "ci.yml")
    jobs, check = ci["jobs"], check_job(ci)
    others = [job_id for job_id in jobs if job_id != check]
    assert len(others) >= 2, others
    # None is skipped on purpose (no if:), so the check may hold a skipped one as a failure.
    assert not [job_id for job_id in others if "if" in jobs[job_id]]
    repo = init_repo(project, tmp_path)

    def verdict(given: dict[str, str], folder: str) -> tuple[str, str, str]:
        ci = WorkflowRun(repo.origin, PUSH_TO_MAIN, tmp_path / folder)
        results = ci.run("ci.yml", given=given)
        assert set(results) == {check}, results  # only the check ran: the others were given
        return results[check], ci.jobs[check].log, ci.jobs[check].name

    passing = dict.fromkeys(others, "success")
    for job_id in others:
        for result in NOT_SUCCEEDED:
            outcome, log, _ = verdict({**passing, job_id: result}, f"{job_id}-{result}")
            assert outcome == "failure", (job_id, result, log)
            assert f"::error::{job_id}: {result}" in log
    outcome, log, name = verdict(passing, "all-passed")
    assert outcome == "success", log
    assert name == CHECK_NAME  # as GitHub shows it: the name a branch rule requires
    assert f"Every job succeeded: {', '.join(sorted(others))}." in log


@pytest.mark.parametrize("answers", JOB_SETS, ids=answers_id)
def test_no_other_job_of_any_workflow_shows_the_checks_name(render_shared, answers: dict[str, Any]) -> None:
    """A branch rule requires a check by name: another job showing the same name (a matrix
    entry's included) could pass in its place. The check itself has no matrix: one check run."""
    project = render_shared(**answers)
    ci = load_workflow(project, "ci.yml")
    check = check_job(ci)
    assert "strategy" not in ci["jobs"][check]
    shown = [
        substitute(job.get("name", job_id), {"matrix": entry})
        for name in workflow_names(project)
        for job_id, job in load_workflow(project, name)["jobs"].items()
        if (name, job_id) != ("ci.yml", check)
        for entry in (matrix_entries(job) if "strategy" in job else [{}])
    ]
    assert len(shown) > len(ci["jobs"])  # the matrix's entries, and the other workflows' jobs
    assert CHECK_NAME not in shown
