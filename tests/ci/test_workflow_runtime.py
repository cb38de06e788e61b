"""What every job of every generated workflow runs on: one uv version, a time limit, and no
uv installed behind our back in a job that holds an OIDC token."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from support.facts import KINDS, copier_config, parse_yaml
from support.workflows import steps_using

UV_VERSION: str = copier_config()["uv_version"]["default"]
# Answers under which every job of every workflow exists (publish jobs, rehearsal, release).
ALL_JOBS = {"testpypi": True, "github_release": True}


def workflows(project: Path) -> dict[str, dict[str, Any]]:
    found = sorted((project / ".github" / "workflows").glob("*.yml"))
    assert found, project
    return {path.name: parse_yaml(path.read_text(encoding="utf-8")) for path in found}


def jobs_of(project: Path) -> list[tuple[str, dict[str, Any]]]:
    return [
        (f"{name}:{job_id}", job)
        for name, workflow in workflows(project).items()
        for job_id, job in workflow["jobs"].items()
    ]


@pytest.mark.parametrize("kind", KINDS)
def test_every_setup_uv_installs_the_tested_uv_version(render_shared, kind: str) -> None:
    checked = 0
    for where, job in jobs_of(render_shared(project_kind=kind, **ALL_JOBS)):
        for step in steps_using(job, "astral-sh/setup-uv"):
            assert step["with"]["version"] == UV_VERSION, where
            checked += 1
    assert checked >= 4  # ci test, release build, two publish jobs


@pytest.mark.parametrize("license_", ["MIT", "Proprietary"])
def test_every_job_on_a_runner_has_a_time_limit(render_shared, license_: str) -> None:
    runner_jobs = 0
    for where, job in jobs_of(render_shared(license=license_, **ALL_JOBS)):
        if "uses" in job:  # a reusable-workflow call: its own jobs carry their limits
            assert "timeout-minutes" not in job, where
            continue
        runner_jobs += 1
        assert isinstance(job.get("timeout-minutes"), int), where
        assert 1 <= job["timeout-minutes"] <= 60, where
    assert runner_jobs >= 2


def test_setup_uv_comes_before_attest_action_in_every_job(render_shared) -> None:
    """attest-action installs its own setup-uv (cache on) when no uv is on PATH."""
    attesting = 0
    for where, job in jobs_of(render_shared(**ALL_JOBS)):
        uses = [str(step.get("uses", "")).split("@")[0] for step in job.get("steps", [])]
        if "astral-sh/attest-action" in uses:
            attesting += 1
            assert "astral-sh/setup-uv" in uses, where
            assert uses.index("astral-sh/setup-uv") < uses.index("astral-sh/attest-action"), where
    assert attesting == 2  # PyPI and TestPyPI


def test_release_calls_ci_in_the_self_repository_form(render_shared) -> None:
    test_job = workflows(render_shared())["release.yml"]["jobs"]["test"]
    assert test_job["uses"] == "$/.github/workflows/ci.yml"
