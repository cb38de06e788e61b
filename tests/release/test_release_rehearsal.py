"""The TestPyPI rehearsal repeated, and the GitHub release of a pre-release and of a final version.

release.yml's own jobs run as GitHub would run them (tests/release_runs.py): the
preflight numbers the rehearsal, the build job sets that version in its
checkout only, `uv publish` (the workflow's command line, OIDC substituted)
uploads to a local pypiserver that refuses overwrites, as PyPI does. The GitHub
release step runs with a fake `gh` on PATH that records its arguments: the
GitHub CLI is the only stub.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
from pathlib import Path

import pytest

from support.commands import git, require_interpreter, run, uv
from support.distributions import ISOLATED_PIP_ENV, fresh_venv
from support.index import LocalIndex
from support.release_runs import Run, checkout, init_repo, needs, run_job_with_outputs, without_oidc
from support.workflows import command_line, load_workflow, run_job, run_steps, steps_using

pytestmark = pytest.mark.slow


def published(index: LocalIndex) -> list[str]:
    return sorted(p.name for p in index.directory.iterdir())


def readme_rehearsal_install(project: Path) -> str:
    """The README's pip line for a rehearsal (the non-llm kinds)."""
    readme = (project / "README.md").read_text(encoding="utf-8")
    (line,) = [
        line for line in readme.splitlines() if line.startswith("python -m pip install") and "test.pypi.org" in line
    ]
    return line


def test_two_rehearsals_of_one_version_with_changed_code_both_publish(
    render_shared, local_index: LocalIndex, tmp_path: Path
) -> None:
    repo = init_repo(render_shared(), tmp_path)
    workflow = load_workflow(repo.work, "release.yml")
    jobs = workflow["jobs"]
    publish = without_oidc(command_line(jobs["publish-testpypi"], "uv publish"), local_index)
    core = repo.work / "src" / "acme_widgets" / "core.py"
    versions = []
    for number, greeting in ((7, "Hello"), (8, "Howdy")):
        if greeting != "Hello":  # the code changed; the project version did not
            core.write_text(core.read_text(encoding="utf-8").replace("Hello,", f"{greeting},"), encoding="utf-8")
            repo.commit_all("Change the greeting")
            git("push", "-q", "origin", "main", cwd=repo.work)
        sha = git("rev-parse", "HEAD", cwd=repo.work)
        this_run = Run(
            workflow,
            "workflow_dispatch",
            "refs/heads/main",
            sha,
            tmp_path / f"run{number}",
            {"TESTPYPI_INDEX_URL": local_index.simple_url},
            number=number,
        )
        preflight = run_job_with_outputs(
            jobs["preflight"],
            checkout(jobs["preflight"], repo.origin, this_run.ref, this_run.tmp / "preflight"),
            this_run.env(jobs["preflight"]),
        )
        assert preflight.ok, preflight.output
        version = preflight.outputs["version"]
        versions.append(version)

        # The build job: the same steps as for a tag, plus the version set in its checkout only.
        workspace = checkout(jobs["build"], repo.origin, this_run.ref, this_run.tmp / "build")
        results = run_job(
            jobs["build"], workspace, this_run.env(jobs["build"]), expressions=needs("preflight", preflight.outputs)
        )
        assert f"acme_widgets {version}" in results[-1].stdout
        assert git("show", "main:pyproject.toml", cwd=repo.origin).count('version = "0.1.0"') == 1  # nothing committed

        # The publish job: the artifact (dist/ without hidden files), uploaded.
        upload = this_run.tmp / "publish"
        (upload / "dist").mkdir(parents=True)
        for built in (workspace / "dist").glob("[!.]*"):
            shutil.copy2(built, upload / "dist")
        uv(*publish[1:], cwd=upload)

    assert versions == ["0.1.0.dev701", "0.1.0.dev801"]
    assert published(local_index) == [
        f"acme_widgets-{v}{suffix}" for v in versions for suffix in ("-py3-none-any.whl", ".tar.gz")
    ]

    # The second installs with the README's line (TestPyPI as the extra index, the
    # exact version), TestPyPI's URL replaced by the local index's.
    line = readme_rehearsal_install(repo.work).replace("<version>", versions[1])
    args = shlex.split(line.replace("https://test.pypi.org/simple/", local_index.simple_url))
    (setup_uv,) = steps_using(jobs["build"], "astral-sh/setup-uv")
    python = require_interpreter(str(setup_uv["with"]["python-version"]))
    venv = tmp_path / "user-venv"
    fresh_venv(venv, python, seed=True)  # with pip: uv's seed, not ensurepip's (6 s CPU)
    run([venv / "bin" / "python", *args[1:], "--no-cache-dir"], tmp_path, env=ISOLATED_PIP_ENV)
    greeted = run(
        [venv / "bin" / "python", "-c", "import acme_widgets as m; print(m.__version__, m.greet('Ada'))"], tmp_path
    )
    assert greeted.stdout.strip() == "0.1.0.dev801 Howdy, Ada!"


def test_github_release_is_latest_for_a_final_version_and_prerelease_otherwise(
    render_shared, local_index: LocalIndex, tmp_path: Path
) -> None:
    """The release step's command line, as the step runs it with the preflight's real outputs."""
    repo = init_repo(render_shared(), tmp_path)
    fake = tmp_path / "bin"
    fake.mkdir()
    argv_file = tmp_path / "gh-argv"
    (fake / "gh").write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > {shlex.quote(str(argv_file))}\n', encoding="utf-8")
    (fake / "gh").chmod(0o755)

    cases = [
        ("v0.1.0", None, "--latest"),
        ("v0.2.0rc1", "0.2.0rc1", "--prerelease"),
        ("v0.2.0b2.dev1", "0.2.0b2.dev1", "--prerelease"),
    ]
    for tag, version, flag in cases:
        if version:
            uv("version", "--frozen", version, cwd=repo.work)
            repo.commit_all(f"Release {version}")
        git("tag", tag, cwd=repo.work)
        git("push", "-q", "origin", "main", tag, cwd=repo.work)
        workflow = load_workflow(repo.work, "release.yml")
        jobs = workflow["jobs"]
        this_run = Run(
            workflow,
            "push",
            f"refs/tags/{tag}",
            git("rev-parse", "HEAD", cwd=repo.work),
            tmp_path / tag,
            {"PYPI_INDEX_URL": local_index.simple_url},
        )
        preflight = run_job_with_outputs(
            jobs["preflight"],
            checkout(jobs["preflight"], repo.origin, this_run.ref, this_run.tmp / "checkout"),
            this_run.env(jobs["preflight"]),
        )
        assert preflight.ok, preflight.output

        # download-artifact put the published files into dist/.
        workspace = this_run.tmp / "release"
        (workspace / "dist").mkdir(parents=True)
        stem = f"acme_widgets-{preflight.outputs['version']}"
        for name in (f"{stem}-py3-none-any.whl", f"{stem}.tar.gz"):
            (workspace / "dist" / name).write_bytes(b"")
        env = {**this_run.env(jobs["github-release"]), "PATH": f"{fake}:{os.environ['PATH']}"}
        run_job(
            jobs["github-release"],
            workspace,
            env,
            expressions={
                **needs("preflight", preflight.outputs),
                "${{ github.token }}": "not-a-token",
                "${{ github.repository }}": "acme/acme-widgets",
            },
        )
        argv = argv_file.read_text(encoding="utf-8").splitlines()
        assert argv == [
            "release",
            "create",
            tag,
            f"dist/{stem}-py3-none-any.whl",
            f"dist/{stem}.tar.gz",
            "--verify-tag",
            "--generate-notes",
            "--title",
            tag,
            flag,
        ], tag
        argv_file.unlink()

    # Without the preflight's answer the step stops rather than guess "Latest".
    (step,) = run_steps(jobs["github-release"])
    blind = run_job(
        jobs["github-release"],
        workspace,
        env,
        check=False,
        expressions={
            "${{ needs.preflight.outputs.prerelease }}": "",
            "${{ github.token }}": "not-a-token",
            "${{ github.repository }}": "acme/acme-widgets",
        },
    )
    assert blind[-1].returncode != 0
    assert re.search(r"::error::The preflight did not say whether \S+ is a pre-release", blind[-1].stdout)
    assert not argv_file.exists()
    assert step["env"]["PRERELEASE"] == "${{ needs.preflight.outputs.prerelease }}"
