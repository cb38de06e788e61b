"""release.yml's build job: each of its checks fails when it should, on python_min as answered;
and `[tool.uv] required-version` is the oldest uv that really builds the project (issue 11)."""

from __future__ import annotations

import io
import shutil
import tarfile
import zipfile
from pathlib import Path
from typing import Any

import pytest
from packaging.version import Version

from support.commands import require_interpreter, run
from support.facts import DEFAULT_PYTHON_MIN, INITIAL_VERSION, NEXT_PATCH, UV_MIN, UV_VERSION, known_python_versions
from support.hooks import uvx
from support.rendering import read_pyproject
from support.runner import Event, Job, WorkflowRun, init_repo, run_in_place
from support.workflows import step_named, steps_using

pytestmark = pytest.mark.slow

# A python_min other than the default: a literal default in the workflow would not pass.
OTHER_PYTHON_MIN = known_python_versions()[known_python_versions().index(DEFAULT_PYTHON_MIN) + 1]


def without(archive: Path, member_suffix: str) -> None:
    """Rewrite a wheel or an sdist in place, leaving out the members ending in ``member_suffix``."""
    if archive.suffix == ".whl":
        with zipfile.ZipFile(archive) as source:
            entries = {info: source.read(info) for info in source.infolist()}
        with zipfile.ZipFile(archive, "w") as target:
            for info, data in entries.items():
                if not info.filename.endswith(member_suffix):
                    target.writestr(info, data)
        return
    with tarfile.open(archive) as source:
        kept = [
            (m, (source.extractfile(m) or io.BytesIO()).read())
            for m in source.getmembers()
            if not m.name.endswith(member_suffix)
        ]
    with tarfile.open(archive, "w:gz") as target:
        for member, content in kept:
            target.addfile(member, io.BytesIO(content) if member.isfile() else None)


def test_every_check_of_the_build_job_can_fail(render_shared, tmp_path: Path) -> None:
    """On a non-default python_min: the job runs there; a broken wheel, a broken sdist,
    a version other than the preflight's and a missing wheel each stop it."""
    repo = init_repo(render_shared(python_min=OTHER_PYTHON_MIN), tmp_path)
    tag = f"v{INITIAL_VERSION}"
    run = WorkflowRun(repo.origin, Event("push", repo.tag(tag, "main")), tmp_path / "run")
    jobs = run.load("release.yml")["jobs"]
    for job_id in ("preflight", "build"):
        (setup_uv,) = steps_using(jobs[job_id], "astral-sh/setup-uv")
        assert setup_uv["with"]["python-version"] == OTHER_PYTHON_MIN, job_id

    def needs(version: str = INITIAL_VERSION) -> dict[str, Job]:
        checked = {"version": version, "prerelease": "false"}
        return {"test": Job("test", "success"), "preflight": Job("preflight", "success", checked)}

    build = run.job("build", needs())
    assert build.result == "success", build.log
    smoke = step_named(jobs["build"], "smoke")
    (log,) = [step.log for step in build.steps if step.name == smoke["name"]]
    versions = [line for line in log.splitlines() if line.startswith("acme_widgets")]
    assert versions == [f"acme_widgets {INITIAL_VERSION}"] * 2  # the wheel, then the sdist

    # The smoke step again, in the job's workspace, with each defect planted.
    workspace = build.workspace
    assert workspace is not None
    (wheel,) = (workspace / "dist").glob("*.whl")
    (sdist,) = (workspace / "dist").glob("*.tar.gz")
    saved = Path(shutil.copytree(workspace / "dist", tmp_path / "saved"))

    def smoke_fails(version: str = INITIAL_VERSION) -> str:
        again = run_in_place(
            workspace, "build", workflow="release.yml", steps=["smoke"], needs=needs(version), event=run.event
        )
        result = again.step("smoke")
        assert result.outcome == "failure", result.log
        for dist in (wheel, sdist):  # back to the good files for the next case
            shutil.copy2(saved / dist.name, dist)
        return result.log

    without(wheel, "acme_widgets/core.py")
    assert "No module named 'acme_widgets.core'" in smoke_fails()
    without(sdist, "src/acme_widgets/core.py")
    output = smoke_fails()
    assert output.startswith(f"acme_widgets {INITIAL_VERSION}\n")  # the wheel passed; the sdist's build failed
    assert "acme_widgets.core" in output
    assert f"built {INITIAL_VERSION}, but the preflight checked {NEXT_PATCH}" in smoke_fails(NEXT_PATCH)
    wheel.unlink()
    smoke_fails()
    (upload,) = steps_using(jobs["build"], "actions/upload-artifact")
    assert upload["with"]["if-no-files-found"] == "error"


def test_required_uv_version_is_the_oldest_uv_that_builds(render_shared, tmp_path: Path) -> None:
    """`uv build` (the sdist, then the wheel from it) with the oldest uv the project allows;
    the uv just below it is refused by the project, and fails to build it anyway."""
    assert Version(UV_MIN) <= Version(UV_VERSION)
    project = tmp_path / "project"
    shutil.copytree(render_shared(), project)
    assert read_pyproject(project)["tool"]["uv"]["required-version"] == f">={UV_MIN}"
    env = {"UV_PYTHON": require_interpreter(DEFAULT_PYTHON_MIN)}

    def build(version: str, *options: str, check: bool = False) -> Any:
        command = [uvx(), "--from", f"uv=={version}", "uv", "build", *options]
        return run([*command, "--out-dir", tmp_path / f"{version}{''.join(options)}"], project, env=env, check=check)

    build(UV_MIN, check=True)
    assert sorted(p.name for p in (tmp_path / UV_MIN).glob("acme_widgets-*")) == [
        f"acme_widgets-{INITIAL_VERSION}-py3-none-any.whl",
        f"acme_widgets-{INITIAL_VERSION}.tar.gz",
    ]

    major, minor, patch = Version(UV_MIN).release
    assert patch > 0, "the uv just below uv_min_version is no longer a patch release lower: adjust the test"
    below = f"{major}.{minor}.{patch - 1}"
    refused = build(below)
    assert refused.returncode != 0
    assert f"Required uv version `>={UV_MIN}` does not match the running version `{below}`" in refused.stderr
    # Not just refused by the bound: without the project's uv settings it cannot build the sdist.
    broken = build(below, "--no-config")
    assert broken.returncode != 0
    # uv 0.9.5-0.11.8 misread the pax headers uv_build 0.13 writes; the message varies by file.
    assert "pax" in broken.stderr.lower() or "numeric field was not a number" in broken.stderr, broken.stderr
