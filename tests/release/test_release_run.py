"""release.yml run as GitHub runs it, its jobs as a graph (support.runner), for what a maintainer
does: push the first release's tag, run the README's steps of every later release, rehearse by
hand on TestPyPI.

Each run starts from a bare origin that holds the pushed commit; a local
pypiserver, answering JSON as PyPI does (support.json_index), stands in for PyPI
and TestPyPI, a fake gh for GitHub. What passes between jobs is real: the build
job's artifact is what the publish job uploads and the GitHub release attaches,
the preflight's outputs (the version, whether it is a pre-release, the
CHANGELOG.md notes) reach the build and the release, and a job whose needs did
not succeed is skipped.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import re
import shlex
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from support.answers import DEFAULT_DISTRIBUTION, DEFAULT_PACKAGE
from support.commands import git, require_interpreter, run, uv
from support.distributions import ISOLATED_PIP_ENV, fresh_venv
from support.facts import DEFAULT_PYTHON_MIN, INITIAL_VERSION
from support.index import LocalIndex, without_oidc
from support.json_index import json_api
from support.runner import REPOSITORY, Event, Repo, WorkflowRun, init_repo
from support.workflows import command_line, matrix_entries

pytestmark = pytest.mark.slow

TAG = f"v{INITIAL_VERSION}"
# ci.yml, which the job "test" calls, runs for real in the tag's run and in tests/ci/test_ci_run.py.
TESTED = {"test": "success"}


def dists(version: str) -> list[str]:
    return [f"{DEFAULT_PACKAGE}-{version}-py3-none-any.whl", f"{DEFAULT_PACKAGE}-{version}.tar.gz"]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def on_index(index: LocalIndex) -> dict[str, str]:
    return {path.name: sha256(path) for path in index.directory.iterdir()}


@pytest.fixture
def repo(render_shared, tmp_path: Path) -> Repo:
    return init_repo(render_shared(), tmp_path)


@pytest.fixture
def pypi(local_index: LocalIndex) -> Iterator[LocalIndex]:
    """The local index answering JSON to a client that asks, as PyPI does."""
    with json_api(local_index) as index:
        yield index


def published_release(tag: str, files: dict[str, str], notes: str, *, prerelease: bool = False) -> dict[str, Any]:
    """A release as GitHub holds it once published with ``files`` (name -> SHA-256) attached, immutable
    (the repository setting: files can no longer change); Latest unless a pre-release."""
    return {
        **{"tag": tag, "title": tag, "notes": notes, "files": files},
        **{"draft": False, "prerelease": prerelease, "latest": not prerelease, "immutable": True},
    }


def installed(venv: Path, pip_args: list[str], tmp_path: Path) -> tuple[str, str]:
    """``pip install`` into a fresh environment (pip: uv's seed, 6 s less CPU than ensurepip's);
    the URL pip downloaded the package from, and what importing it says."""
    fresh_venv(venv, require_interpreter(DEFAULT_PYTHON_MIN), seed=True)
    report = tmp_path / f"{venv.name}.json"
    python = str(venv / "bin" / "python")
    run(
        [python, "-m", "pip", "install", "--no-cache-dir", "--report", str(report), *pip_args],
        tmp_path,
        env=ISOLATED_PIP_ENV,
    )
    (package,) = [i for i in json.loads(report.read_text())["install"] if i["metadata"]["name"] == DEFAULT_DISTRIBUTION]
    code = f"import {DEFAULT_PACKAGE} as m; print(m.__version__, m.greet('Ada')); print(m.__file__)"
    said, location = run([python, "-c", code], tmp_path).stdout.splitlines()
    assert Path(location).is_relative_to(venv)
    return package["download_info"]["url"], said


def test_a_tag_on_main_is_tested_built_published_released_and_documented(
    pypi: LocalIndex, repo: Repo, tmp_path: Path
) -> None:
    """The whole graph, ci.yml called in place: the files the build job uploaded are those on the
    index, attested, attached to a Latest GitHub release whose notes are CHANGELOG.md's section of
    the version, published with them and immutable (the repository setting on); a user installs
    them; the site is deployed. A pre-release tag's release is published beside it, never Latest."""
    release = WorkflowRun(repo.origin, Event("push", repo.tag(TAG, "main")), tmp_path / "run", pypi)
    assert release.run() == {
        **dict.fromkeys(("test/lint", "test/test", "test/docs", "test/ci-passed", "test"), "success"),
        **dict.fromkeys(("preflight", "build"), "success"),
        **{"publish-pypi": "success", "publish-testpypi": "skipped", "github-release": "success"},
        **{"build-docs": "success", "pages": "success"},
    }
    # ci.yml's matrix: each entry ran, or is named with why it cannot run here.
    tests = release.jobs["test/test"]
    assert len(tests.entries) + len(tests.unavailable) == len(matrix_entries(release.load("ci.yml")["jobs"]["test"]))
    assert f"Python {DEFAULT_PYTHON_MIN}" in [entry.name for entry in tests.entries]
    assert all("no local CPython" in why for why in tests.unavailable), tests.unavailable

    preflight = release.jobs["preflight"]
    assert f"Tag {TAG} matches version {INITIAL_VERSION}." in preflight.log
    assert f"Tag {TAG} is on the default branch." in preflight.log
    assert f"{DEFAULT_DISTRIBUTION} {INITIAL_VERSION} is not on {pypi.simple_url} yet." in preflight.log
    notes = "### Added\n\n- First release."  # the first release: no earlier version to compare with
    assert preflight.outputs == {"version": INITIAL_VERSION, "prerelease": "false", "notes": json.dumps(notes)}

    # The artifact: dist/ without hidden files (uv's dist/.gitignore), as upload-artifact leaves them out.
    built = {name: sha256(release.artifacts["dists"] / name) for name in dists(INITIAL_VERSION)}
    assert sorted(path.name for path in release.artifacts["dists"].iterdir()) == sorted(built)
    assert on_index(pypi) == built
    assert release.attested == [sorted(built)]
    assert release.github_releases == [published_release(TAG, built, f"{notes}\n")]
    (create,) = [call for call in release.gh_calls if call[:2] == ["release", "create"]]
    assert "--verify-tag" in create  # the pushed tag, never one gh would make from the default branch
    (site,) = release.deployments
    assert site["url"] == release.jobs["pages"].url == f"https://acme.github.io/{DEFAULT_DISTRIBUTION}/"
    assert "index.html" in site["files"]

    # A user's install, from that index only.
    pip_args = ["--index-url", pypi.simple_url, f"{DEFAULT_DISTRIBUTION}=={INITIAL_VERSION}"]
    url, imported = installed(tmp_path / "user-venv", pip_args, tmp_path)
    assert url == f"{pypi.url}packages/{dists(INITIAL_VERSION)[0]}"
    assert imported == f"{INITIAL_VERSION} Hello, Ada!"

    # Without the preflight's answers the release step stops rather than guess "Latest" or the notes;
    # a pre-release (the preflight's prerelease=true: test_release_preflight.py) is never Latest.
    published = release.jobs["publish-pypi"]
    blind = replace(preflight, outputs={"version": INITIAL_VERSION, "notes": preflight.outputs["notes"]})
    failed = release.job("github-release", {"preflight": blind, "publish-pypi": published})
    assert failed.result == "failure"
    assert re.search(rf"::error::The preflight did not say whether {TAG} is a pre-release", failed.log)
    for silent in ("", '""'):
        mute = replace(preflight, outputs={**preflight.outputs, "notes": silent})
        failed = release.job("github-release", {"preflight": mute, "publish-pypi": published})
        assert failed.result == "failure"
        assert f"::error::The preflight gave no release notes for {TAG}." in failed.log
    # A re-run of the job changes nothing: the tag has its published, immutable release.
    again = release.rerun("github-release")
    assert again.result == "failure"
    assert f"a release with the same tag name already exists: {TAG}" in again.log
    assert release.github_releases == [published_release(TAG, built, f"{notes}\n")]
    # The release job of a pre-release tag (its preflight given: prerelease=true) on the same commit.
    pre_tag = f"{TAG}rc1"
    release.event = replace(release.event, ref=repo.tag(pre_tag))
    pre = replace(preflight, outputs={**preflight.outputs, "prerelease": "true"})
    assert release.job("github-release", {"preflight": pre, "publish-pypi": published}).result == "success"
    assert release.github_releases == [
        published_release(TAG, built, f"{notes}\n"),
        published_release(pre_tag, built, f"{notes}\n", prerelease=True),
    ]


def test_the_readmes_release_steps_pass_the_preflight_and_make_the_changelog_section_the_notes(
    pypi: LocalIndex, repo: Repo, tmp_path: Path
) -> None:
    """A change written under [Unreleased], then the README's steps of a later release run as it
    shows them (bump, CHANGELOG.md, commit, tag, push): the tag's run passes its preflight the
    first time, publishes the new version and makes its section the GitHub release's notes."""
    changelog = repo.work / "CHANGELOG.md"
    text = changelog.read_text(encoding="utf-8")
    changelog.write_text(text.replace("## [Unreleased]\n", "## [Unreleased]\n\n### Fixed\n\n- A fix.\n", 1))
    repo.commit_all("A fix")
    readme = (repo.work / "README.md").read_text(encoding="utf-8")
    first, later = re.findall(r"```bash\n(.*?)```", readme.split("### Making a release", 1)[1].split("\n## ")[0], re.S)
    assert first == f"git tag {TAG}\ngit push origin main {TAG}\n"  # the first release: no bump, tagged as is
    assert f"```bash\n{later}```" in (repo.work / "docs" / "development.md").read_text(encoding="utf-8")
    no_signing = {"GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "commit.gpgsign", "GIT_CONFIG_VALUE_0": "false"}
    run(["bash", "-e", "-c", later], repo.work, env=no_signing)

    version = uv("version", "--short", cwd=repo.work).stdout.strip()
    assert version == "0.1.1"  # --bump patch
    release = WorkflowRun(repo.origin, Event("push", f"refs/tags/v{version}"), tmp_path / "run", pypi)
    assert release.run(given=TESTED) == {
        **dict.fromkeys(("preflight", "build", "publish-pypi", "github-release", "build-docs", "pages"), "success"),
        "publish-testpypi": "skipped",
    }
    assert sorted(on_index(pypi)) == dists(version)
    compare = f"https://github.com/{REPOSITORY}/compare/{TAG}...v{version}"
    notes = f"### Fixed\n\n- A fix.\n\n**Full Changelog**: {compare}\n"
    built = {name: sha256(release.artifacts["dists"] / name) for name in dists(version)}
    assert release.github_releases == [published_release(f"v{version}", built, notes)]
    released = git("show", f"v{version}:CHANGELOG.md", cwd=repo.origin)
    assert f"## [Unreleased]\n\n## [{version}] - {datetime.date.today()}\n\n### Fixed\n" in released


def test_rehearsals_publish_a_version_of_their_own_to_testpypi_and_release_nothing(
    pypi: LocalIndex, repo: Repo, tmp_path: Path
) -> None:
    """Two manual runs of one project version, the code changed between them: each builds its own
    X.Y.Z.devNNAA (set in the build's checkout only) and TestPyPI takes both; nothing reaches PyPI,
    GitHub releases or Pages. The README's install line installs the second; a re-run of the
    publish job after a partial upload uploads the rest."""
    core = repo.work / "src" / DEFAULT_PACKAGE / "core.py"
    for number, greeting in ((7, "Hello"), (8, "Howdy")):
        if greeting != "Hello":
            core.write_text(core.read_text(encoding="utf-8").replace("Hello,", f"{greeting},"), encoding="utf-8")
            repo.commit_all("Change the greeting")
            git("push", "-q", "origin", "main", cwd=repo.work)
        event = Event("workflow_dispatch", "refs/heads/main", number)
        rehearsal = WorkflowRun(repo.origin, event, tmp_path / f"run{number}", pypi)
        assert rehearsal.run(given=TESTED) == {
            **dict.fromkeys(("preflight", "build", "publish-testpypi"), "success"),
            **dict.fromkeys(("publish-pypi", "github-release", "build-docs", "pages"), "skipped"),
        }
        assert not rehearsal.github_releases
        assert not rehearsal.deployments
    versions = ["0.1.0.dev701", "0.1.0.dev801"]
    assert sorted(on_index(pypi)) == [*dists(versions[0]), *dists(versions[1])]
    assert git("show", "main:pyproject.toml", cwd=repo.origin).count(f'version = "{INITIAL_VERSION}"') == 1

    # The README's line (TestPyPI as the extra index, the exact version), TestPyPI's URL made the local index's.
    readme = (repo.work / "README.md").read_text(encoding="utf-8")
    (line,) = [line for line in readme.splitlines() if line.startswith("python -m pip install") and "test.pypi" in line]
    testpypi = rehearsal.load("release.yml")["env"]["TESTPYPI_INDEX_URL"]
    assert testpypi == "https://test.pypi.org/simple/"
    args = shlex.split(line.replace("<version>", versions[1]).replace(testpypi, pypi.simple_url))
    url, imported = installed(tmp_path / "user-venv", args[4:], tmp_path)
    assert url.startswith(pypi.url)
    assert imported == f"{versions[1]} Howdy, Ada!"

    # Only the wheel made it: "Re-run failed jobs" uploads the sdist, skipping the wheel.
    (pypi.directory / dists(versions[1])[1]).unlink()
    again = rehearsal.rerun("publish-testpypi")
    assert again.result == "success", again.log
    assert "already exists, skipping" in again.log
    assert sorted(on_index(pypi)) == [*dists(versions[0]), *dists(versions[1])]
    # Without --check-url the index refuses that re-upload: the option is what makes a re-run pass.
    publish = command_line(rehearsal.load("release.yml")["jobs"]["publish-testpypi"], "uv publish")
    assert publish[publish.index("--publish-url") + 1] == "https://test.pypi.org/legacy/"
    check = publish.index("--check-url")
    assert publish[check : check + 2] == ["--check-url", "$TESTPYPI_INDEX_URL"]
    del publish[check : check + 2]
    shutil.copytree(rehearsal.artifacts["dists"], tmp_path / "again" / "dist")
    assert uv(*without_oidc(publish, pypi)[1:], cwd=tmp_path / "again", check=False).returncode != 0


@pytest.mark.parametrize("immutable", [True, False], ids=["immutable", "mutable"])
def test_the_runs_gh_keeps_releases_as_github_does(tmp_path: Path, immutable: bool) -> None:
    """The fake gh the release runs use, against GitHub's contract: gh uploads the files given to
    `gh release create` to a draft and publishes it after (cli/cli create.go, draftWhileUploading);
    with immutable releases on, a published release takes no file ("HTTP 422: Cannot upload
    assets to an immutable release."), a draft does; a pre-release is never Latest."""
    origin = tmp_path / "origin.git"
    run(["git", "init", "-q", "--bare", "-b", "main", origin], tmp_path)
    work = tmp_path / "work"
    work.mkdir()
    git("init", "-q", "-b", "main", cwd=work)
    git("commit", "-q", "--allow-empty", "-m", "Initial commit", cwd=work)
    for tag in ("v1", "v2", "v3a1"):
        git("tag", tag, cwd=work)
    git("push", "-q", str(origin), "main", "--tags", cwd=work)
    files = {"a.whl": "wheel", "a.tar.gz": "sdist"}
    for name, text in files.items():
        (work / name).write_text(text, encoding="utf-8")
    digests = {name: sha256(work / name) for name in files}
    github = WorkflowRun(origin, Event("push", "refs/tags/v1"), tmp_path / "run", immutable_releases=immutable)
    env = {"GH_TOKEN": "token", "GH_REPO": REPOSITORY, "PATH": f"{github.tools}:{os.environ['PATH']}"}

    def gh(*args: str) -> subprocess.CompletedProcess[str]:
        return run(["gh", "release", *args], work, env=env, check=False)

    def state(tag: str) -> dict[str, Any]:
        (release,) = [r for r in github.github_releases if r["tag"] == tag]
        return {key: release[key] for key in ("draft", "prerelease", "latest", "immutable", "files")}

    # Files given to create: attached while a draft, then published.
    assert gh("create", "v1", *files, "--verify-tag", "--latest").returncode == 0
    assert state("v1") == {
        "draft": False,
        "prerelease": False,
        "latest": True,
        "immutable": immutable,
        "files": digests,
    }
    # Published first, files after: refused once immutable (the release stays without them).
    assert gh("create", "v2", "--verify-tag", "--latest").returncode == 0
    upload = gh("upload", "v2", *files)
    if immutable:
        assert upload.returncode != 0
        assert "HTTP 422: Cannot upload assets to an immutable release." in upload.stderr
        assert state("v2")["files"] == {}
    else:
        assert upload.returncode == 0, upload.stderr
        assert state("v2")["files"] == digests
    # A draft takes files, and is published (Latest unless a pre-release) with them.
    assert gh("create", "v3a1", "--verify-tag", "--draft", "--prerelease").returncode == 0
    assert gh("upload", "v3a1", *files).returncode == 0
    assert state("v3a1") == {"draft": True, "prerelease": True, "latest": False, "immutable": False, "files": digests}
    assert gh("edit", "v3a1", "--draft=false").returncode == 0
    assert state("v3a1") == {
        "draft": False,
        "prerelease": True,
        "latest": False,
        "immutable": immutable,
        "files": digests,
    }
    assert state("v2")["latest"]
