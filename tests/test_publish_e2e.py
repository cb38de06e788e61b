"""A release rehearsed end to end, with the workflows' own commands and a real local index.

render -> ci.yml's test job -> release.yml's build job for tag v0.1.0 ->
release.yml's `uv publish` command line against pypiserver on 127.0.0.1 ->
pip install from that index into a fresh environment -> import, check version.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from conftest import (
    DEFAULT_DISTRIBUTION,
    DEFAULT_PACKAGE,
    INITIAL_VERSION,
    LocalIndex,
    find_interpreter,
    require_interpreter,
    run,
    uv,
)
from distributions import ISOLATED_PIP_ENV
from github_workflows import command_line, github_env, load_workflow, run_job, steps_using

TAG = f"v{INITIAL_VERSION}"
DIST = DEFAULT_DISTRIBUTION
PACKAGE = DEFAULT_PACKAGE
DISTS = [f"{PACKAGE}-{INITIAL_VERSION}-py3-none-any.whl", f"{PACKAGE}-{INITIAL_VERSION}.tar.gz"]


def without_oidc(publish: list[str], index: LocalIndex) -> list[str]:
    """The workflow's `uv publish` command line with what OIDC provides on GitHub replaced.

    On GitHub the job's OIDC token is exchanged for a short-lived upload token
    of PyPI (or TestPyPI). Here there is no token to exchange, so exactly that
    is substituted: `--trusted-publishing always` becomes `never` plus a dummy
    `--username/--password` (the local index takes any), and the index URLs
    (the implicit PyPI upload URL, or `--publish-url`/`--check-url`) point at
    the local index. Every other argument stays as the workflow wrote it.
    """
    args = list(publish)
    position = args.index("--trusted-publishing")
    assert args[position + 1] == "always"
    args[position + 1] = "never"
    for option, url in (("--publish-url", index.url), ("--check-url", index.simple_url)):
        if option in args:
            args[args.index(option) + 1] = url
    if "--publish-url" not in publish:
        args += ["--publish-url", index.url]
    return [*args, "--username", "rehearsal", "--password", "not-a-secret"]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.slow
def test_tag_release_publishes_installable_files(render_fresh, local_index: LocalIndex, tmp_path: Path) -> None:
    """Issue acceptance 3: render, CI steps, build, publish to a local index, pip install, import.

    Not rehearsed: the attest step (astral-sh/attest-action signs with
    GitHub's OIDC identity through Sigstore), so no PEP 740 attestation is
    uploaded here; and the GitHub release job (it needs GitHub).
    """
    project = render_fresh()
    ci = load_workflow(project, "ci.yml")["jobs"]["test"]
    release = load_workflow(project, "release.yml")["jobs"]
    # One matrix Python is enough here; test_workflows.py runs the CI steps on each.
    local = [v for v in ci["strategy"]["matrix"]["python-version"] if find_interpreter(v)]
    if not local:
        pytest.skip("no local interpreter for any version of the CI matrix")
    python = find_interpreter(local[0])
    assert python is not None

    # Each job starts from a fresh checkout of the pushed commit.
    checkout = tmp_path / "checkout"
    shutil.copytree(project, checkout)

    # ci.yml, called by release.yml's test job.
    run_job(ci, project, {**github_env(TAG, "push", "tag"), "UV_PYTHON": python},
            matrix={"os": "ubuntu-latest", "python-version": local[0]})

    # The build job, for the tag push: the tag check passes, one build, smoke tests;
    # on the interpreter its setup-uv step names (exported as UV_PYTHON).
    (setup_uv,) = steps_using(release["build"], "astral-sh/setup-uv")
    build_env = {**github_env(TAG, "push", "tag"),
                 "UV_PYTHON": require_interpreter(str(setup_uv["with"]["python-version"]))}
    results = run_job(release["build"], checkout, build_env)
    assert any(f"Tag {TAG} matches version {INITIAL_VERSION}" in r.stdout for r in results)
    # The artifact: upload-artifact's path, without hidden files (uv's dist/.gitignore),
    # which upload-artifact leaves out by default.
    built = checkout / "dist"
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
        name: sha256(built / name) for name in DISTS}

    # A user's install, from that index only, into a fresh environment.
    venv = tmp_path / "user-venv"
    run([python, "-m", "venv", venv], tmp_path)
    report = tmp_path / "install-report.json"
    run([venv / "bin" / "python", "-m", "pip", "install", "--no-cache-dir", "--index-url",
         local_index.simple_url, "--report", report, f"{DIST}=={INITIAL_VERSION}"], tmp_path, env=ISOLATED_PIP_ENV)
    (installed,) = [i for i in json.loads(report.read_text())["install"] if i["metadata"]["name"] == DIST]
    assert installed["download_info"]["url"] == f"{local_index.url}packages/{DISTS[0]}"
    imported = run([venv / "bin" / "python", "-c",
                    f"import {PACKAGE} as m; print(m.__version__); print(m.__file__)"], tmp_path)
    version, location = imported.stdout.split()
    assert version == INITIAL_VERSION
    assert Path(location).is_relative_to(venv)


@pytest.mark.slow
def test_testpypi_rehearsal_targets_testpypi_and_can_be_repeated(render_fresh, local_index: LocalIndex,
                                                                   tmp_path: Path) -> None:
    """The manual run publishes to TestPyPI; files already there are skipped, not an error.

    The dists come from a plain `uv build` (the build job itself runs in the
    test above); the command line is the workflow's, with OIDC substituted.
    """
    project = render_fresh()
    job = load_workflow(project, "release.yml")["jobs"]["publish-testpypi"]
    publish = command_line(job, "uv publish")
    assert publish[publish.index("--publish-url") + 1] == "https://test.pypi.org/legacy/"
    assert publish[publish.index("--check-url") + 1] == "https://test.pypi.org/simple/"
    uv("build", "--no-sources", "--out-dir", tmp_path / "dist", cwd=project)
    rehearsal = without_oidc(publish, local_index)[1:]
    uv(*rehearsal, cwd=tmp_path)
    assert sorted(p.name for p in local_index.directory.iterdir()) == DISTS
    again = uv(*rehearsal, cwd=tmp_path)
    assert "already exists, skipping" in again.stdout + again.stderr
    # Without --check-url the index refuses the second upload: the option is what makes
    # a rehearsal repeatable.
    refused = uv(*[a for a in rehearsal if a not in ("--check-url", local_index.simple_url)], cwd=tmp_path,
                 check=False)
    assert refused.returncode != 0
