"""A release rehearsed end to end, with the workflows' own commands and a real local index.

render -> ci.yml's test job -> release.yml's preflight and build jobs for tag v0.1.0 ->
release.yml's `uv publish` command line against pypiserver on 127.0.0.1 ->
pip install from that index into a fresh environment -> import, check version.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from support.answers import DEFAULT_DISTRIBUTION, DEFAULT_PACKAGE
from support.commands import find_interpreter, run, uv
from support.distributions import ISOLATED_PIP_ENV, fresh_venv
from support.facts import INITIAL_VERSION
from support.index import LocalIndex
from support.release_runs import Run, checkout, init_repo, needs, run_job_with_outputs, without_oidc
from support.workflows import command_line, github_env, load_workflow, run_job

TAG = f"v{INITIAL_VERSION}"
DIST = DEFAULT_DISTRIBUTION
PACKAGE = DEFAULT_PACKAGE
DISTS = [f"{PACKAGE}-{INITIAL_VERSION}-py3-none-any.whl", f"{PACKAGE}-{INITIAL_VERSION}.tar.gz"]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.slow
def test_tag_release_publishes_installable_files(render_fresh, local_index: LocalIndex, tmp_path: Path) -> None:
    """Issue acceptance 3: render, CI steps, build, publish to a local index, pip install, import.

    Not rehearsed: the attest step (astral-sh/attest-action signs with
    GitHub's OIDC identity through Sigstore), so no PEP 740 attestation is
    uploaded here; and the GitHub release job (it needs GitHub).
    """
    repo = init_repo(render_fresh(), tmp_path)
    project = repo.work
    ci = load_workflow(project, "ci.yml")["jobs"]["test"]
    workflow = load_workflow(project, "release.yml")
    release = workflow["jobs"]
    # One matrix Python is enough here; test_workflows.py runs the CI steps on each.
    local = [v for v in ci["strategy"]["matrix"]["python-version"] if find_interpreter(v)]
    if not local:
        pytest.skip("no local interpreter for any version of the CI matrix")
    python = find_interpreter(local[0])
    assert python is not None

    # The tag is pushed with main; each job starts from its own checkout of the tagged commit.
    run(["git", "tag", TAG], project)
    run(["git", "push", "-q", "origin", "main", TAG], project)
    ref = f"refs/tags/{TAG}"
    this_run = Run(
        workflow,
        "push",
        ref,
        run(["git", "rev-parse", "HEAD"], project).stdout.strip(),
        tmp_path / "run",
        {"PYPI_INDEX_URL": local_index.simple_url},
    )

    # ci.yml, called by release.yml's test job.
    run_job(
        ci,
        project,
        {**github_env(TAG, "push", "tag"), "UV_PYTHON": python},
        matrix={"os": "ubuntu-latest", "python-version": local[0]},
    )

    # The preflight: tag, default branch, and the (local) index, which has no such version yet.
    preflight = run_job_with_outputs(
        release["preflight"],
        checkout(release["preflight"], repo.origin, ref, tmp_path / "preflight"),
        this_run.env(release["preflight"]),
    )
    assert preflight.ok, preflight.output
    assert f"Tag {TAG} matches version {INITIAL_VERSION}" in preflight.output

    # The build job: one build, smoke tests held to the preflight's version, on the
    # interpreter its setup-uv step names (exported as UV_PYTHON).
    workspace = checkout(release["build"], repo.origin, ref, tmp_path / "build")
    results = run_job(
        release["build"], workspace, this_run.env(release["build"]), expressions=needs("preflight", preflight.outputs)
    )
    assert f"{PACKAGE} {INITIAL_VERSION}" in results[-1].stdout
    # The artifact: upload-artifact's path, without hidden files (uv's dist/.gitignore),
    # which upload-artifact leaves out by default.
    built = workspace / "dist"
    assert sorted(p.name for p in built.iterdir() if not p.name.startswith(".")) == DISTS

    # The publish job: download-artifact puts exactly those files into dist/.
    workspace = tmp_path / "publish"
    (workspace / "dist").mkdir(parents=True)
    for name in DISTS:
        shutil.copy2(built / name, workspace / "dist" / name)
    publish = command_line(release["publish-pypi"], "uv publish")
    assert publish[:2] == ["uv", "publish"]
    uv(*without_oidc(publish, local_index)[1:], cwd=workspace)
    assert {p.name: sha256(p) for p in local_index.directory.iterdir()} == {
        name: sha256(built / name) for name in DISTS
    }

    # A user's install, from that index only, into a fresh environment.
    venv = tmp_path / "user-venv"
    fresh_venv(venv, python, seed=True)  # with pip: uv's seed, not ensurepip's (6 s CPU)
    report = tmp_path / "install-report.json"
    run(
        [
            venv / "bin" / "python",
            "-m",
            "pip",
            "install",
            "--no-cache-dir",
            "--index-url",
            local_index.simple_url,
            "--report",
            report,
            f"{DIST}=={INITIAL_VERSION}",
        ],
        tmp_path,
        env=ISOLATED_PIP_ENV,
    )
    (installed,) = [i for i in json.loads(report.read_text())["install"] if i["metadata"]["name"] == DIST]
    assert installed["download_info"]["url"] == f"{local_index.url}packages/{DISTS[0]}"
    imported = run(
        [venv / "bin" / "python", "-c", f"import {PACKAGE} as m; print(m.__version__); print(m.__file__)"], tmp_path
    )
    version, location = imported.stdout.split()
    assert version == INITIAL_VERSION
    assert Path(location).is_relative_to(venv)


@pytest.mark.slow
def test_testpypi_publish_job_can_be_rerun_after_a_partial_upload(
    render_fresh, local_index: LocalIndex, tmp_path: Path
) -> None:
    """The manual run publishes to TestPyPI; a re-run of the job skips the files already there.

    (A new manual run builds a new version: tests/test_release_rehearsal.py.)
    The dists come from a plain `uv build` (the build job itself runs in the
    test above); the command line is the workflow's, with OIDC substituted.
    """
    project = render_fresh()
    workflow = load_workflow(project, "release.yml")
    publish = command_line(workflow["jobs"]["publish-testpypi"], "uv publish")
    assert publish[publish.index("--publish-url") + 1] == "https://test.pypi.org/legacy/"
    assert publish[publish.index("--check-url") + 1] == "$TESTPYPI_INDEX_URL"
    assert workflow["env"]["TESTPYPI_INDEX_URL"] == "https://test.pypi.org/simple/"
    uv("build", "--no-sources", "--out-dir", tmp_path / "dist", cwd=project)
    rehearsal = without_oidc(publish, local_index)[1:]
    uv(*rehearsal, cwd=tmp_path)
    assert sorted(p.name for p in local_index.directory.iterdir()) == DISTS
    again = uv(*rehearsal, cwd=tmp_path)
    assert "already exists, skipping" in again.stdout + again.stderr
    # Without --check-url the index refuses the second upload: the option is what makes
    # a rehearsal repeatable.
    refused = uv(*[a for a in rehearsal if a not in ("--check-url", local_index.simple_url)], cwd=tmp_path, check=False)
    assert refused.returncode != 0
