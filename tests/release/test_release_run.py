"""release.yml run as GitHub runs it, its jobs as a graph (support.runner), for what a maintainer
does: type the commands the message after copy prints and push the first release's tag, run the
README's steps of every later release, rehearse by hand on TestPyPI.

The first steps are the message copier really prints, each command typed as printed
(support.printed finds them by rule; NOT_RUN names those not run here, with why), for the
default answers and for answers.DISTINCT: ``https://github.com/OWNER/REPO.git`` reaches a bare
origin through git's ``url.<base>.insteadOf``. Each run starts from that bare origin; a local
pypiserver, answering JSON as PyPI does (support.json_index), stands in for PyPI and TestPyPI, a
fake gh for GitHub. What passes between jobs is real: the build job's artifact is what the
publish job uploads and the GitHub release attaches, the preflight's outputs (the version,
whether it is a pre-release, the CHANGELOG.md notes) reach the build and the release, and a job
whose needs did not succeed is skipped.
"""

from __future__ import annotations

import datetime
import fnmatch
import hashlib
import json
import os
import re
import shlex
import shutil
import subprocess
from collections.abc import Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from packaging.version import Version

from support.answers import (
    DEFAULT_DISTRIBUTION,
    DEFAULT_PACKAGE,
    DISTINCT,
    REQUIRED_ANSWERS,
    data_args,
    template_values,
)
from support.commands import copier_cli, git, require_interpreter, run, uv
from support.distributions import ISOLATED_PIP_ENV, fresh_venv
from support.facts import DEFAULT_PYTHON_MIN, INITIAL_VERSION, NEXT_PATCH, TEMPLATE_DIR
from support.github_api import ROLE, FakeGitHub, run_setup
from support.index import LocalIndex, without_oidc
from support.json_index import json_api
from support.printed import Shell, bare, message_commands, readme_release_steps, user_path
from support.rendering import note_unreleased, replace_once
from support.runner import REPOSITORY, Event, Repo, WorkflowRun, git_config_env, init_repo
from support.updates import commit_all, released_versions
from support.workflows import command_line, load_workflow, matrix_entries, triggers

pytestmark = pytest.mark.slow

TAG = f"v{INITIAL_VERSION}"
PREFLIGHT = ".github/scripts/release_preflight.py"
# ci.yml, which the job "test" calls, runs for real in the first release's run and in tests/ci/test_ci_run.py.
TESTED = {"test": "success"}
ANSWER_SETS = {"default": {}, "distinct": DISTINCT}
# Where the user copies to: with the distinct answers, a directory whose name has a space.
DESTINATIONS = {"default": "my-project", "distinct": "my project"}

# The commands the message prints that these tests do not type, as printed (answers filled in),
# with why. Every other command the message prints is typed, in order: a new one runs here, or
# gets a row here.
NOT_RUN = {
    "uv run --no-project .github/scripts/github_setup.py": (
        "run elsewhere (tests/github/test_github_setup.py, against a fake gh): gh cannot reach GitHub here"
    ),
    'python -m pip install "{distribution_name}==<version>" --extra-index-url https://test.pypi.org/simple/': (
        "installs a TestPyPI rehearsal's <version>: the rehearsal test below types the README's same line"
    ),
}


def dists(distribution: str, version: str) -> list[str]:
    name = distribution.replace("-", "_")
    return [f"{name}-{version}-py3-none-any.whl", f"{name}-{version}.tar.gz"]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def on_index(index: LocalIndex) -> dict[str, str]:
    return {path.name: sha256(path) for path in index.directory.iterdir()}


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


def installed(
    venv: Path, pip_args: list[str], tmp_path: Path, values: Mapping[str, Any] | None = None
) -> tuple[str, str]:
    """``pip install`` into a fresh environment (pip: uv's seed, 6 s less CPU than ensurepip's);
    the URL pip downloaded the package from, and what importing it says."""
    values = values or template_values()
    fresh_venv(venv, require_interpreter(values["python_min"]), seed=True)
    report = tmp_path / f"{venv.name}.json"
    python = str(venv / "bin" / "python")
    pip = [python, "-m", "pip", "install", "--no-cache-dir", "--report", str(report)]
    run([*pip, *pip_args], tmp_path, env=ISOLATED_PIP_ENV)
    install = json.loads(report.read_text())["install"]
    (package,) = [i for i in install if i["metadata"]["name"] == values["distribution_name"]]
    code = f"import {values['package_name']} as m; print(m.__version__, m.greet('Ada')); print(m.__file__)"
    said, location = run([python, "-c", code], tmp_path).stdout.splitlines()
    assert Path(location).is_relative_to(venv)
    return package["download_info"]["url"], said


# --- the commands the message after copy prints, typed ----------------------------------------


def type_the_message(
    template: Path, answers: Mapping[str, Any], destination: str, tmp_path: Path
) -> tuple[dict[str, Any], Shell, Repo]:
    """``copier copy`` by the real CLI in the user's directory, then every command the message
    prints typed in order there, but NOT_RUN's: the answers (and all copier.yml computes from
    them), the user's shell, the repository."""
    values = template_values(**answers)
    home = tmp_path / "home"
    home.mkdir()
    args = data_args({**REQUIRED_ANSWERS, **answers})
    copied = copier_cli("copy", "--defaults", "--vcs-ref", "HEAD", *args, template, destination, cwd=home)
    assert copied.returncode == 0, copied.stderr
    # GitHub's side: the empty repository the user creates there (in a browser), a bare one here.
    origin = tmp_path / "origin.git"
    run(["git", "init", "-q", "--bare", "-b", "main", origin], tmp_path)
    # The user's shell: the repository on github.com is origin (git's insteadOf, set as support.runner
    # sets it for a run's token), no signing; uv finds python_min's interpreter (uv downloads one for
    # a user; it cannot here); prek keeps its cache in the test's directory.
    url = f"https://github.com/{values['github_owner']}/{values['repository_name']}.git"
    env = git_config_env({f"url.{origin}.insteadOf": url, "commit.gpgsign": "false", "tag.gpgsign": "false"})
    env |= {"UV_PYTHON": require_interpreter(values["python_min"]), "PREK_HOME": str(tmp_path / "prek")}
    shell = Shell(home, env)
    printed = message_commands(copied.stderr + copied.stdout, user_path())
    not_run = {bare(command.format(**values)) for command in NOT_RUN}
    for command in printed:
        if command.bare not in not_run:
            shell.type(command.command)
    assert not_run <= {command.bare for command in printed}, "NOT_RUN names a command the message does not print"
    return values, shell, Repo(home / destination, origin)


@pytest.mark.parametrize(
    ("answers", "destination"), [pytest.param(ANSWER_SETS[i], DESTINATIONS[i], id=i) for i in ANSWER_SETS]
)
def test_a_tag_on_main_is_tested_built_published_released_and_documented(
    answers: dict[str, Any], destination: str, pypi: LocalIndex, template_snapshot: Path, tmp_path: Path
) -> None:
    """The message's commands typed as printed make the project's repository, the first
    release's tag included; then the tag's run, the whole graph, ci.yml called in place: the
    files the build job uploaded are those on the index, attested, attached to a Latest GitHub
    release whose notes are CHANGELOG.md's section of the version; a user installs them; the
    site is deployed (the README's first-release block: test_the_readmes_release_steps...)."""
    values, shell, repo = type_the_message(template_snapshot, answers, destination, tmp_path)
    typed = [done.command for done in shell.typed]
    assert typed[0] == f"cd {shlex.quote(destination)}"
    assert typed[-1] == " && ".join(readme_release_steps(repo.work)[0].splitlines())  # the README's first release
    assert shell.cwd == repo.work
    # What they did: the tests passed; the hooks prek installed ran on the first commit and
    # passed; main and the tag reached the repository; the documentation was built.
    outputs = {done.command: done.process.stdout + done.process.stderr for done in shell.typed}
    assert re.search(r"\d+ passed", outputs["uv sync && uv run pytest"])
    (commit,) = [output for command, output in outputs.items() if command.startswith("git add -A && git commit")]
    assert re.search(r"^mypy\.+Passed$", commit, re.MULTILINE), commit
    assert "Failed" not in commit
    head = git("rev-parse", "HEAD", cwd=repo.work)
    assert git("rev-parse", "main", f"{TAG}^{{commit}}", cwd=repo.origin).split() == [head, head]
    assert git("config", "branch.main.remote", cwd=repo.work) == "origin"  # push -u
    assert (repo.work / "docs" / "_build" / "html" / "index.html").is_file() == values["docs"]
    assert git("status", "--porcelain", cwd=repo.work) == ""  # nothing the commands did is left to commit

    # The tag's run.
    release = WorkflowRun(repo.origin, Event("push", f"refs/tags/{TAG}"), tmp_path / "run", pypi)
    released = values["github_release"]
    jobs = ("test/lint", "test/test", "test/docs", "test/ci-passed", "test", "preflight", "build", "publish-pypi")
    jobs += ("github-release",) * released + ("build-docs", "pages")
    assert release.run() == {**dict.fromkeys(jobs, "success"), "publish-testpypi": "skipped"}
    # ci.yml's matrix: each entry ran, or is named with why it cannot run here.
    tests = release.jobs["test/test"]
    assert len(tests.entries) + len(tests.unavailable) == len(matrix_entries(release.load("ci.yml")["jobs"]["test"]))
    assert f"Python {values['python_min']}" in [entry.name for entry in tests.entries]
    assert all("no local CPython" in why for why in tests.unavailable), tests.unavailable

    distribution, version = values["distribution_name"], INITIAL_VERSION
    preflight = release.jobs["preflight"]
    assert f"Tag {TAG} matches version {version}." in preflight.log
    assert f"Tag {TAG} is on the default branch." in preflight.log
    assert f"{distribution} {version} is not on {pypi.simple_url} yet." in preflight.log
    notes = "### Added\n\n- First release."  # the first release: no earlier version to compare with
    assert preflight.outputs == {
        "version": version,
        "prerelease": "false",
        "latest": "true",
        "notes": json.dumps(notes),
    }

    # The artifact: dist/ without hidden files (uv's dist/.gitignore), as upload-artifact leaves them out.
    built = {name: sha256(release.artifacts["dists"] / name) for name in dists(distribution, version)}
    assert sorted(path.name for path in release.artifacts["dists"].iterdir()) == sorted(built)
    assert on_index(pypi) == built
    assert release.attested == [sorted(built)]
    (site,) = release.deployments
    assert site["url"] == release.jobs["pages"].url
    assert "index.html" in site["files"]

    # A user's install, from that index only.
    pip_args = ["--index-url", pypi.simple_url, f"{distribution}=={version}"]
    url, imported = installed(tmp_path / "user-venv", pip_args, tmp_path, values)
    assert url == f"{pypi.url}packages/{dists(distribution, version)[0]}"
    assert imported == f"{version} Hello, Ada!"
    if not released:
        assert release.releases == []
        return

    assert release.github_releases == [published_release(TAG, built, f"{notes}\n")]
    (create,) = [call for call in release.github.calls() if call[:2] == ["release", "create"]]
    assert "--verify-tag" in create  # the pushed tag, never one gh would make from the default branch
    assert site["url"] == f"https://acme.github.io/{DEFAULT_DISTRIBUTION}/"  # support.runner's REPOSITORY
    # Without the preflight's answers the release step stops rather than guess "Latest" or the notes;
    # a pre-release (the preflight's prerelease=true: test_release_preflight.py) is never Latest.
    published = release.jobs["publish-pypi"]
    undecided = f"did not say whether {TAG} is a pre-release or the latest release"
    for outputs, error in (
        ({"version": version, "notes": preflight.outputs["notes"]}, undecided),
        ({**preflight.outputs, "latest": ""}, undecided),
        *(({**preflight.outputs, "notes": silent}, f"gave no release notes for {TAG}.") for silent in ("", '""')),
    ):
        needs = {"preflight": replace(preflight, outputs=outputs), "publish-pypi": published}
        failed = release.job("github-release", needs)
        assert failed.result == "failure"
        assert f"::error::The preflight {error}" in failed.log
    # A re-run of the job changes nothing: the tag has its published, immutable release.
    again = release.rerun("github-release")
    assert again.result == "failure"
    assert f"a release with the same tag name already exists: {TAG}" in again.log
    assert release.github_releases == [published_release(TAG, built, f"{notes}\n")]
    # The release job of a pre-release tag (its preflight given: prerelease=true) on the same commit.
    pre_tag = f"{TAG}rc1"
    git("tag", pre_tag, cwd=repo.work)
    git("push", "-q", repo.origin, pre_tag, cwd=repo.work)  # origin is GitHub's URL, redirected in the shell only
    release.event = replace(release.event, ref=f"refs/tags/{pre_tag}")
    pre = replace(preflight, outputs={**preflight.outputs, "prerelease": "true", "latest": "false"})
    assert release.job("github-release", {"preflight": pre, "publish-pypi": published}).result == "success"
    assert release.github_releases == [
        published_release(TAG, built, f"{notes}\n"),
        published_release(pre_tag, built, f"{notes}\n", prerelease=True),
    ]


@pytest.mark.parametrize("answers", ANSWER_SETS.values(), ids=ANSWER_SETS)
def test_the_readmes_release_steps_pass_the_preflight_and_make_the_changelog_section_the_notes(
    answers: dict[str, Any], pypi: LocalIndex, render_shared, tmp_path: Path
) -> None:
    """The README's first release typed as shown, after a commit not pushed yet; a change written
    under [Unreleased], then the README's steps of a later release typed as it shows them (bump,
    CHANGELOG.md, commit, tag, push): the tag's run passes its preflight the first time,
    publishes the new version and makes its section the GitHub release's notes."""
    values = template_values(**answers)
    repo = init_repo(render_shared(**answers), tmp_path)
    first, later, _ = readme_release_steps(repo.work)
    assert f"```bash\n{later}```" in (repo.work / "docs" / "development.md").read_text(encoding="utf-8")
    shell = {**git_config_env({"commit.gpgsign": "false"}), "UV_PYTHON": require_interpreter(values["python_min"])}
    (repo.work / "NOTES.md").write_text("Written after main was pushed.\n", encoding="utf-8")
    uv("lock", "--quiet", cwd=repo.work, env=shell)  # committed, as the README asks
    repo.commit_all("A commit not pushed yet: the first release's push takes main along")
    run(["bash", "-e", "-c", first], repo.work, env=shell)
    head = git("rev-parse", "HEAD", cwd=repo.work)
    assert git("rev-parse", "main", f"{TAG}^{{commit}}", cwd=repo.origin).split() == [head, head]

    note_unreleased(repo.work, "### Fixed\n\n- A fix.")
    repo.commit_all("A fix")
    run(["bash", "-e", "-c", later], repo.work, env=shell)

    version = uv("version", "--short", cwd=repo.work, env=shell).stdout.strip()
    assert version == NEXT_PATCH  # --bump patch
    # The tagged commit holds every change, uv.lock's version too: CI's locked install and the
    # uv-lock hook pass on it.
    assert git("status", "--porcelain", cwd=repo.work) == ""
    uv("lock", "--check", cwd=repo.work, env=shell)
    release = WorkflowRun(repo.origin, Event("push", f"refs/tags/v{version}"), tmp_path / "run", pypi)
    released = values["github_release"]
    jobs = ("preflight", "build", "publish-pypi", *(["github-release"] if released else []), "build-docs", "pages")
    assert release.run(given=TESTED) == {**dict.fromkeys(jobs, "success"), "publish-testpypi": "skipped"}
    assert sorted(on_index(pypi)) == dists(values["distribution_name"], version)
    notes = "### Fixed\n\n- A fix."
    assert json.loads(release.jobs["preflight"].outputs["notes"]).startswith(notes)
    tagged = git("show", f"v{version}:CHANGELOG.md", cwd=repo.origin)
    assert f"## [Unreleased]\n\n## [{version}] - {datetime.date.today()}\n\n### Fixed\n" in tagged
    if not released:
        assert release.releases == []
        return
    compare = f"https://github.com/{REPOSITORY}/compare/{TAG}...v{version}"
    built = {name: sha256(release.artifacts["dists"] / name) for name in dists(values["distribution_name"], version)}
    notes = f"{notes}\n\n**Full Changelog**: {compare}\n"
    assert release.github_releases == [published_release(f"v{version}", built, notes)]


def test_a_fix_of_an_older_version_is_released_from_its_branch_and_the_newer_stays_latest(
    pypi: LocalIndex, render_shared, tmp_path: Path
) -> None:
    """0.1.0 released from main under the template's previous release (its preflight), then
    0.2.0 after an update (0.2.0 on PyPI, GitHub's Latest); then a fix merged on main with its
    note. The README's "A fix of an older version" typed as shown, 0.1 for its 1.4: a branch
    release/0.1 at v0.1.0, the fix picked onto it (CHANGELOG.md conflicts, settled as shown),
    main's release workflow and CI on the branch, the note written, the release steps. The push takes the branch
    along; 0.1.1's run passes the preflight (above 0.1's newest, not PyPI's) and publishes it,
    its release not made Latest, the site left alone. Its section, copied into main's
    CHANGELOG.md below 0.2.0 as the README says, is read there: the next release is cut."""
    repo = init_repo(render_shared(), tmp_path)
    first, later, older = readme_release_steps(repo.work)
    env = {**git_config_env({"commit.gpgsign": "false"}), "UV_PYTHON": require_interpreter(DEFAULT_PYTHON_MIN)}
    shell, changelog = Shell(repo.work, env), repo.work / "CHANGELOG.md"
    preflight, ci = repo.work / PREFLIGHT, repo.work / ".github" / "workflows" / "ci.yml"
    current = {path: path.read_text(encoding="utf-8") for path in (preflight, ci)}
    previous = next(commit for tag, commit in released_versions() if Version(tag[1:]) < Version("1.8.0"))
    preflight.write_text(git("show", f"{previous}:template/{PREFLIGHT}", cwd=TEMPLATE_DIR) + "\n", encoding="utf-8")
    ci.write_text(current[ci].replace('branches: [main, "release/**"]', "branches: [main]"), encoding="utf-8")
    repo.commit_all("As the template's release before release branches made it (its preflight, CI on main only)")
    run(["bash", "-e", "-c", first], repo.work, env=env)
    for path, text in current.items():
        path.write_text(text, encoding="utf-8")
    repo.commit_all("copier update")
    note_unreleased(repo.work, "- Two.")
    repo.commit_all("Two")
    run(["bash", "-e", "-c", later.replace("--bump patch", "--bump minor")], repo.work, env=env)
    note_unreleased(repo.work, "### Fixed\n\n- The fix.")
    core = repo.work / "src" / DEFAULT_PACKAGE / "core.py"
    core.write_text(core.read_text(encoding="utf-8") + "\n# The fix.\n", encoding="utf-8")
    fix = repo.commit_all("The fix")
    git("push", "-q", "origin", "main", cwd=repo.work)
    for line in older.replace("1.4", "0.1").replace("COMMIT", fix).splitlines():
        if line.startswith("git cherry-pick -x"):  # the case the README's next lines settle
            picked = run(["bash", "-c", line], repo.work, env=env, check=False)
            assert picked.returncode != 0
            assert "CONFLICT (content): Merge conflict in CHANGELOG.md" in picked.stdout, picked.stdout
        else:
            shell.type(line)
    note_unreleased(repo.work, "### Fixed\n\n- The fix.")
    run(["bash", "-e", "-c", later], repo.work, env=env)
    head = git("rev-parse", "HEAD", cwd=repo.work)
    assert git("rev-parse", "release/0.1", "v0.1.1^{commit}", cwd=repo.origin).split() == [head, head]
    assert "- Two." not in git("show", "v0.1.1:CHANGELOG.md", cwd=repo.origin)
    assert "# The fix." in git("show", f"v0.1.1:src/{DEFAULT_PACKAGE}/core.py", cwd=repo.origin)
    # CI runs on the branch's pushes and pull requests (its ci.yml had main's only).
    filters = triggers(load_workflow(repo.work, "ci.yml"))
    assert all(
        any(fnmatch.fnmatchcase("release/0.1", b) for b in filters[on]["branches"]) for on in ("push", "pull_request")
    )

    for version in ("0.1.0", "0.2.0"):  # published by their runs
        for name in dists(DEFAULT_DISTRIBUTION, version):
            (pypi.directory / name).write_bytes(b"released before")
    release = WorkflowRun(repo.origin, Event("push", "refs/tags/v0.1.1"), tmp_path / "run", pypi)
    github = {"GH_TOKEN": "token", "GH_REPO": REPOSITORY, "PATH": f"{release.tools}:{os.environ['PATH']}"}
    run(["gh", "release", "create", "v0.2.0", "--verify-tag", "--latest", "--notes", "- Two."], repo.work, env=github)
    assert release.run(given=TESTED) == {
        **dict.fromkeys(("preflight", "build", "publish-pypi", "github-release"), "success"),
        **dict.fromkeys(("publish-testpypi", "build-docs", "pages"), "skipped"),
    }
    assert "Tag v0.1.1 is on release/0.1, below 0.2.0." in release.jobs["preflight"].log
    names = {version: dists(DEFAULT_DISTRIBUTION, version) for version in ("0.1.0", "0.1.1", "0.2.0")}
    assert sorted(on_index(pypi)) == sorted(name for pair in names.values() for name in pair)
    built = {name: sha256(release.artifacts["dists"] / name) for name in dists(DEFAULT_DISTRIBUTION, "0.1.1")}
    notes = f"### Fixed\n\n- The fix.\n\n**Full Changelog**: https://github.com/{REPOSITORY}/compare/v0.1.0...v0.1.1\n"
    assert [(r["tag"], r["latest"]) for r in release.github_releases] == [("v0.2.0", True), ("v0.1.1", False)]
    assert release.github_releases[1] == {**published_release("v0.1.1", built, notes), "latest": False}
    assert not release.deployments

    # A later fix of 0.1, once a pull request made here was squashed into release/0.1 on GitHub
    # (this branch has its commit, GitHub another): the README's line for a later one takes
    # GitHub's branch, and the release's push is taken.
    (repo.work / "MERGED.md").write_text("Merged on GitHub.\n", encoding="utf-8")
    repo.commit_all("A change, by pull request")
    merged_there = tmp_path / "github"
    git("clone", "-q", "-b", "release/0.1", repo.origin, merged_there, cwd=tmp_path)
    (merged_there / "MERGED.md").write_text("Merged on GitHub.\n", encoding="utf-8")
    commit_all(merged_there, "A change, by pull request (#2)")  # "Squash and merge"
    git("push", "-q", "origin", "release/0.1", cwd=merged_there)
    git("switch", "-q", "main", cwd=repo.work)
    core.write_text(core.read_text(encoding="utf-8") + "\n# The second fix.\n", encoding="utf-8")
    second = repo.commit_all("The second fix")
    git("push", "-q", "origin", "main", cwd=repo.work)
    lines = older.replace("1.4", "0.1").replace("COMMIT", second).splitlines()
    (for_a_later_one,) = [line.removeprefix("# ") for line in lines if line.startswith("# git fetch")]
    for line in [for_a_later_one, *lines[1:]]:
        if "git cherry-pick --continue" not in line:  # no conflict: CHANGELOG.md is not in the fix
            shell.type(line)
    note_unreleased(repo.work, "### Fixed\n\n- The second fix.")
    run(["bash", "-e", "-c", later], repo.work, env=env)
    head = git("rev-parse", "HEAD", cwd=repo.work)
    assert git("rev-parse", "release/0.1", "v0.1.2^{commit}", cwd=repo.origin).split() == [head, head]
    assert git("rev-parse", "HEAD~2", cwd=repo.work) == git("rev-parse", "HEAD", cwd=merged_there)  # GitHub's commit

    # On main, the fix's section goes below 0.2.0's, dated as released; the next release is cut.
    fixed = git("show", "v0.1.1:CHANGELOG.md", cwd=repo.work).split("## [0.1.1]")[1].split("## [0.1.0]")[0]
    git("switch", "-q", "main", cwd=repo.work)
    replace_once(changelog, "## [0.1.0]", f"## [0.1.1]{fixed}## [0.1.0]")
    repo.commit_all("0.1.1's notes")
    shell.type("uv version --bump patch")
    assert shell.type("uv run .github/scripts/release_preflight.py changelog").process.stdout.startswith(
        "CHANGELOG.md: [Unreleased] is now [0.2.1]"
    )


def test_under_a_required_ci_check_the_readmes_release_push_is_refused_whole(render_shared, tmp_path: Path) -> None:
    """After `github_setup.py --require-ci` (origin refusing pushes as GitHub's rulesets do), main
    takes no direct push, not even an admin's: the README's later-release steps fail at the push,
    and --atomic keeps the tag back too, so no release starts for a commit off main (README.md: such
    a release goes through a pull request, and the tag on the merged commit); nor does a branch
    release/X.Y."""
    repo = init_repo(render_shared(), tmp_path)
    github = FakeGitHub(tmp_path / "github", REPOSITORY)
    setup = run_setup(repo.work, github, "--require-ci")
    assert setup.returncode == 0, setup.stderr
    github.guard(repo.origin)
    note_unreleased(repo.work, "- A fix.")
    repo.commit_all("A fix")
    shell = {**git_config_env({"commit.gpgsign": "false"}), "UV_PYTHON": require_interpreter(DEFAULT_PYTHON_MIN)}
    pushed = run(
        ["bash", "-e", "-c", readme_release_steps(repo.work)[1]], repo.work, env={**shell, ROLE: "admin"}, check=False
    )
    assert pushed.returncode != 0
    assert "GH013: Repository rule violations found for refs/heads/main: required_status_checks" in pushed.stderr
    assert git("ls-remote", "--tags", "origin", cwd=repo.work) == ""
    # So does a branch of an older version's fixes, where a tag releases as on main.
    git("switch", "-q", "-c", "release/0.1", cwd=repo.work)
    pushed = run(["bash", "-c", "git push --atomic origin HEAD"], repo.work, env={ROLE: "admin"}, check=False)
    assert "GH013: Repository rule violations found for refs/heads/release/0.1: required_status_checks" in pushed.stderr


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
    both = [*dists(DEFAULT_DISTRIBUTION, versions[0]), *dists(DEFAULT_DISTRIBUTION, versions[1])]
    assert sorted(on_index(pypi)) == both
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
    (pypi.directory / dists(DEFAULT_DISTRIBUTION, versions[1])[1]).unlink()
    again = rehearsal.rerun("publish-testpypi")
    assert again.result == "success", again.log
    assert "already exists, skipping" in again.log
    assert sorted(on_index(pypi)) == both
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
    files = {"a.whl": "wheel", "a.tar.gz": "sdist"}
    (tmp_path / "project").mkdir()
    for name, text in files.items():
        (tmp_path / "project" / name).write_text(text, encoding="utf-8")
    repo = init_repo(tmp_path / "project", tmp_path)
    for tag in ("v1", "v2", "v3a1"):
        repo.tag(tag)
    digests = {name: sha256(repo.work / name) for name in files}
    github = WorkflowRun(repo.origin, Event("push", "refs/tags/v1"), tmp_path / "run", immutable_releases=immutable)
    env = {"GH_TOKEN": "token", "GH_REPO": REPOSITORY, "PATH": f"{github.tools}:{os.environ['PATH']}"}

    def gh(*args: str) -> subprocess.CompletedProcess[str]:
        return run(["gh", "release", *args], repo.work, env=env, check=False)

    def state(tag: str) -> tuple[bool, bool, bool, bool, dict[str, str]]:
        """(draft, prerelease, latest, immutable, files) of the tag's release."""
        (release,) = [r for r in github.github_releases if r["tag"] == tag]
        return tuple(release[key] for key in ("draft", "prerelease", "latest", "immutable", "files"))

    # Files given to create: attached while a draft, then published.
    assert gh("create", "v1", *files, "--verify-tag", "--latest").returncode == 0
    assert state("v1") == (False, False, True, immutable, digests)
    # Published first, files after: refused once immutable (the release stays without them).
    assert gh("create", "v2", "--verify-tag", "--latest").returncode == 0
    upload = gh("upload", "v2", *files)
    if immutable:
        assert upload.returncode != 0
        assert "HTTP 422: Cannot upload assets to an immutable release." in upload.stderr
        assert state("v2")[4] == {}
    else:
        assert upload.returncode == 0, upload.stderr
        assert state("v2")[4] == digests
    # A draft takes files, and is published (Latest unless a pre-release) with them.
    assert gh("create", "v3a1", "--verify-tag", "--draft", "--prerelease").returncode == 0
    assert gh("upload", "v3a1", *files).returncode == 0
    assert state("v3a1") == (True, True, False, False, digests)
    assert gh("edit", "v3a1", "--draft=false").returncode == 0
    assert state("v3a1") == (False, True, False, immutable, digests)
    assert state("v2")[2]  # still Latest
