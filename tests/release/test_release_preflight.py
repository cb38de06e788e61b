"""release.yml's preflight: each refusal stops the release before anything is built, and each rule
holds at its edges (issues 11, 23 and 26).

The rules are one table, run on the rendered script itself, in-process, as the job's step calls it.
A row is a project (its pyproject.toml version, its CHANGELOG.md), the job's clone (the tagged commit
on the default branch or not, shallow or not), the event (a tag, a rehearsal's run and attempt, or the
README's `changelog` step) and an index: PyPI as a local pypiserver behind support.json_index (one per
module, each row a project of its own on it), pypiserver alone (HTML only), an index answering 503,
or an address where nothing listens. Its outcome: the outputs the release gets, or the refusal's
problem exactly (and parts of its fix). Each row fails under some one-line slip of the script.

The workflow runs as a graph (support.runner) for what only it decides: a refusal skips every job
after the preflight; which step runs for which event, with which index; the job's outputs; and
a printed fix typed as printed (a version already on the index: the next one is released).
"""

from __future__ import annotations

import contextlib
import datetime
import io
import json
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from support.answers import DEFAULT_DISTRIBUTION, DEFAULT_PACKAGE
from support.commands import git, require_interpreter, run, uv
from support.facts import DEFAULT_PYTHON_MIN, INITIAL_VERSION, NEXT_PATCH
from support.github_api import ROLE, FakeGitHub, run_setup
from support.index import LocalIndex, Quiet, serve_index, serving
from support.json_index import json_api
from support.printed import Shell, fenced, readme_release_steps
from support.rendering import import_script, note_unreleased, replace_once
from support.runner import (
    DEFAULT_BRANCH,
    REPOSITORY,
    UNREACHABLE_INDEX,
    Event,
    Job,
    Repo,
    WorkflowRun,
    git_config_env,
    init_repo,
    workflow_commands,
)
from support.workflows import load_workflow

pytestmark = pytest.mark.slow  # each test runs uv and git

TAG, NAME, PACKAGE, V = f"v{INITIAL_VERSION}", DEFAULT_DISTRIBUTION, DEFAULT_PACKAGE, INITIAL_VERSION
TODAY = datetime.date.today()


class Unavailable(Quiet):
    """An index in trouble: every request gets HTTP 503."""

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        self.send_error(503, "Service Unavailable")


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LocalIndex, dict[str | None, str | None]]]:
    """PyPI (pypiserver behind the JSON API) and the other indexes a row may name, by name."""
    directory, log = tmp_path_factory.mktemp("index"), tmp_path_factory.mktemp("log") / "pypiserver.log"
    with (
        serve_index(directory, log) as html_only,
        json_api(html_only) as pypi,
        serving(Unavailable) as down,
    ):
        urls: dict[str | None, str | None] = {"pypi": pypi.simple_url, "html": html_only.simple_url, None: None}
        urls |= {"closed": UNREACHABLE_INDEX, "503": f"{down}/simple/"}
        yield pypi, urls | {"file": "file:///simple/"}


@pytest.fixture
def own_index(tmp_path: Path) -> Iterator[str]:
    """An empty PyPI of the test's own (the module's index may have the default project's version)."""
    (tmp_path / "own-index").mkdir()
    with serve_index(tmp_path / "own-index", tmp_path / "own-index.log") as html_only, json_api(html_only) as pypi:
        yield pypi.simple_url


# --- the workflow as a graph -----------------------------------------------------------------------


def printed_fix(refused: Job) -> str:
    """The commands a refusal prints in the run's summary, as the user copies them."""
    (fix,) = fenced(refused.summary, "sh")
    return fix


def preflight(repo: Repo, tmp_path: Path, event: Event, index: str | None) -> Job:
    """release.yml's preflight job alone, for ``event``."""
    return WorkflowRun(repo.origin, event, tmp_path / event.ref.rsplit("/", 1)[1], index).job("preflight")


def test_the_preflight_job_runs_beside_the_tests_and_gates_the_build(render_shared) -> None:
    # (The build's needs: tests/ci/test_workflow_jobs.py; no cache: test_workflow_rules.py.)
    job = load_workflow(render_shared(), "release.yml")["jobs"]["preflight"]
    assert "needs" not in job  # in parallel with the CI suite: refused in seconds
    assert job["permissions"] == {"contents": "read"}


@pytest.mark.parametrize("case", ["wrong_tag", "shallow_checkout", "rehearsal_number_taken"])
def test_a_refusal_stops_the_release_before_anything_is_built(case: str, repo: Repo, index, tmp_path: Path) -> None:
    """A tag's refusal, the workflow's own fetch-depth: 0 taken away, and a rehearsal's refusal
    (the manual run's step, against TestPyPI's URL)."""
    pypi, urls = index
    tag, says = TAG, ["The checkout is shallow"]
    if case == "wrong_tag":
        tag, says = "v9.9.9", [f"Tag v9.9.9 is version 9.9.9, but pyproject.toml says {V}"]
    elif case == "shallow_checkout":
        replace_once(repo.work / ".github" / "workflows" / "release.yml", "fetch-depth: 0", "fetch-depth: 1")
        repo.commit_all("A shallow checkout")
    else:  # X.Y.Z.devNNAA replaces a dev segment of its own
        uv("version", "--frozen", "0.2.0.dev3", cwd=repo.work)
        repo.commit_all("Release 0.2.0.dev3")
        git("push", "-q", "origin", "main", cwd=repo.work)
        (pypi.directory / f"{PACKAGE}-0.2.0.dev4201-py3-none-any.whl").write_bytes(b"an earlier rehearsal")
        says = [f"{NAME} 0.2.0.dev4201 is already on", "run the workflow again"]
    event = Event("workflow_dispatch", "refs/heads/main", 42) if "rehearsal" in case else Event("push", repo.tag(tag))
    release = WorkflowRun(repo.origin, event, tmp_path / "run", urls["pypi"])
    assert release.run(given={"test": "success", "build-docs": "success"}) == {
        "preflight": "failure",
        **dict.fromkeys(("build", "publish-pypi", "publish-testpypi", "github-release", "pages"), "skipped"),
    }
    job = release.jobs["preflight"]
    assert "::error title=Release preflight::" in job.log  # an annotation on the run's page
    assert job.summary.startswith("**Not released:** ")  # and the run's summary
    assert [text for text in says if text not in job.log] == [], job.log
    assert not release.artifacts
    assert not release.releases


def test_the_fix_printed_for_a_version_already_on_the_index_releases_the_next(
    repo: Repo, index, tmp_path: Path
) -> None:
    """An earlier run uploaded the tag's version (it failed after): the fix the refusal prints,
    typed as printed, a note written under [Unreleased] where its comment asks, tags the next
    version, whose preflight passes with that note."""
    pypi, urls = index
    (pypi.directory / f"{PACKAGE}-{V}.tar.gz").write_bytes(b"uploaded by an earlier run")
    refused = preflight(repo, tmp_path, Event("push", repo.tag(TAG)), urls["pypi"])
    assert refused.result == "failure", refused.log
    fix = printed_fix(refused)
    env = git_config_env({"commit.gpgsign": "false", "tag.gpgsign": "false"})
    shell = Shell(repo.work, env | {"UV_PYTHON": require_interpreter(DEFAULT_PYTHON_MIN)})
    for line in fix.splitlines():
        if line.startswith("# write why under ## [Unreleased]"):
            note_unreleased(repo.work, "- A fix.")
        shell.type(line)
    version = uv("version", "--short", cwd=repo.work).stdout.strip()
    assert version == NEXT_PATCH  # the fix's --bump patch
    passed = preflight(repo, tmp_path, Event("push", f"refs/tags/v{version}"), urls["pypi"])
    assert passed.result == "success", passed.log
    # The fix deleted the tag of the version it skipped: no link to compare with it.
    assert json.loads(passed.outputs["notes"]) == "- A fix."


def test_the_fix_printed_for_a_tag_below_the_index_releases_above_it(
    repo: Repo, own_index: str, tmp_path: Path
) -> None:
    """A package brought to the template at its first version while its 2.3.0 is on PyPI: the
    refusal's fix, typed as printed (CHANGELOG.md's section renamed where its comment says),
    commits as the README's release steps name a release and tags 2.3.1, whose preflight passes
    with those notes."""
    (tmp_path / "own-index" / f"{PACKAGE}-2.3.0.tar.gz").write_bytes(b"released before the template")
    refused = preflight(repo, tmp_path, Event("push", repo.tag(TAG, "main")), own_index)
    assert refused.result == "failure", refused.log
    shell = Shell(
        repo.work, git_config_env({"commit.gpgsign": "false"}) | {"UV_PYTHON": require_interpreter(DEFAULT_PYTHON_MIN)}
    )
    for line in printed_fix(refused).splitlines():
        if line.startswith(f"# rename CHANGELOG.md's ## [{V}]"):
            replace_once(repo.work / "CHANGELOG.md", f"## [{V}]", "## [2.3.1]")
        shell.type(line)
    assert git("log", "-1", "--format=%s", cwd=repo.work) == "Release 2.3.1"
    passed = preflight(repo, tmp_path / "again", Event("push", "refs/tags/v2.3.1"), own_index)
    assert passed.result == "success", passed.log
    assert json.loads(passed.outputs["notes"]) == "### Added\n\n- First release."


def test_a_refused_tag_is_taken_back_by_an_admin_under_the_rulesets_github_setup_makes(
    repo: Repo, own_index: str, tmp_path: Path
) -> None:
    """Once github_setup.py has protected tags v* (origin refusing pushes as GitHub's rulesets do),
    only an admin creates one: the preflight runs from the tagged commit, so it cannot hold off a
    writer's tag itself. The fix printed for a wrong tag, typed as printed up to its alternative,
    deletes the tag and releases what pyproject.toml says: for an admin. A writer's delete is
    refused (GH013)."""
    github = FakeGitHub(tmp_path / "github", REPOSITORY)
    setup = run_setup(repo.work, github)
    assert setup.returncode == 0, setup.stderr
    github.guard(repo.origin)
    git("tag", "v9.9.9", cwd=repo.work)
    for role, refusal in (("write", "creation"), ("maintain", "creation"), ("admin", None)):
        pushed = run(["git", "push", "-q", "origin", "v9.9.9"], repo.work, env={ROLE: role}, check=False)
        rule = f"GH013: Repository rule violations found for refs/tags/v9.9.9: {refusal}"
        assert (pushed.returncode, rule in pushed.stderr) == ((1, True) if refusal else (0, False)), pushed.stderr
    refused = preflight(repo, tmp_path, Event("push", "refs/tags/v9.9.9"), own_index)
    assert refused.result == "failure", refused.log
    fix = printed_fix(refused)
    as_is = fix.split("\n# or")[0].splitlines()  # delete the tag, then release pyproject.toml's version
    writer = run(["bash", "-c", as_is[0]], repo.work, env={ROLE: "write"}, check=False)
    assert writer.returncode != 0
    assert "GH013: Repository rule violations found for refs/tags/v9.9.9: deletion" in writer.stderr
    admin = Shell(repo.work, {ROLE: "admin"})
    for line in as_is:
        admin.type(line)
    assert git("ls-remote", "--tags", "origin", cwd=repo.work).split()[1::2] == [f"refs/tags/{TAG}"]
    passed = preflight(repo, tmp_path, Event("push", f"refs/tags/{TAG}"), own_index)
    assert passed.result == "success", passed.log


def test_notes_written_before_the_first_release_are_its_notes_once_the_fix_moves_them(
    repo: Repo, own_index: str, tmp_path: Path
) -> None:
    """Changes written under [Unreleased] before the first release, as CHANGELOG.md asks, would be
    left out of its notes (and shown as the next release's): the tag of the README's first release
    is refused, and its fix, typed as printed (the notes moved where its comment says), releases
    them."""
    changelog = repo.work / "CHANGELOG.md"
    note_unreleased(repo.work, "- A month of work.")
    repo.commit_all("Work")
    shell = Shell(repo.work, {"UV_PYTHON": require_interpreter(DEFAULT_PYTHON_MIN)})
    for line in readme_release_steps(repo.work)[0].splitlines():
        shell.type(line)
    refused = preflight(repo, tmp_path, Event("push", f"refs/tags/{TAG}"), own_index)
    assert refused.result == "failure", refused.log
    for line in printed_fix(refused).splitlines():
        if line.startswith(f"# move them under ## [{V}]"):
            replace_once(changelog, "\n- A month of work.\n", "")
            replace_once(changelog, "- First release.\n", "- First release.\n- A month of work.\n")
        shell.type(line)
    passed = preflight(repo, tmp_path / "again", Event("push", f"refs/tags/{TAG}"), own_index)
    assert passed.result == "success", passed.log
    assert json.loads(passed.outputs["notes"]).endswith("- First release.\n- A month of work.")


def test_a_note_merged_into_the_last_release_is_named_when_the_next_is_cut(repo: Repo) -> None:
    """A branch written before a release, its notes under [Unreleased], merged after it: git puts
    the notes in the released version's section, where no release's notes will have them. The
    next README `changelog` step names those lines, one worded as a line of an older release
    too (and still cuts: a note added there on purpose is the user's to keep); a section as its
    tag has it, its link definitions updated as Keep a Changelog does, is not named."""
    changelog, links = (
        repo.work / "CHANGELOG.md",
        "[unreleased]: https://github.com/acme/acme-widgets/compare/{}...HEAD\n",
    )
    replace_once(
        changelog, "- First release.\n", "- First release.\n- Dependencies updated.\n\n" + links.format("v0.1.0")
    )
    repo.commit_all("0.1.0")
    repo.tag("v0.1.0", "main")
    shell = Shell(repo.work, {"UV_PYTHON": require_interpreter(DEFAULT_PYTHON_MIN)})
    cut = "uv run .github/scripts/release_preflight.py changelog"
    note_unreleased(repo.work, "- Shout.")
    repo.commit_all("Shout")
    git("switch", "-q", "-c", "whisper", cwd=repo.work)
    replace_once(changelog, "- Shout.\n", "- Shout.\n- Whisper.\n- Dependencies updated.\n")
    repo.commit_all("Whisper")
    git("switch", "-q", "main", cwd=repo.work)
    replace_once(
        changelog,
        links.format("v0.1.0"),
        links.format("v0.2.0") + "[0.2.0]: https://github.com/acme/acme-widgets/compare/v0.1.0...v0.2.0\n",
    )
    shell.type("uv version 0.2.0")
    assert "Warning" not in shell.type(cut).process.stdout  # links follow each release
    repo.commit_all("Release 0.2.0")
    repo.tag("v0.2.0", "main")
    git("merge", "-q", "--no-edit", "whisper", cwd=repo.work)
    assert "- Whisper." not in git("show", "v0.2.0:CHANGELOG.md", cwd=repo.work)
    assert "## [0.2.0]" in changelog.read_text("utf-8").split("- Whisper.")[0]
    shell.type("uv version 0.2.1")
    # [Unreleased] empty: refused, the lines named first (they may be the notes it lacks).
    empty = run(["bash", "-c", cut], repo.work, env=shell.env, check=False)
    assert empty.returncode == 1
    assert "- Whisper." in empty.stdout.split("[Unreleased] (line")[0], empty.stdout
    note_unreleased(repo.work, "- Louder.")
    repo.commit_all("Louder")
    printed = shell.type(cut).process.stdout
    assert "Warning: [0.2.0] has lines that v0.2.0 had not" in printed, printed
    assert printed.split("move them to its notes:\n")[1].splitlines()[:2] == ["- Whisper.", "- Dependencies updated."]
    git("checkout", "-q", "--", "CHANGELOG.md", cwd=repo.work)
    replace_once(changelog, "- Whisper.\n- Dependencies updated.\n", "")
    assert "Warning" not in shell.type(cut).process.stdout, "a section as its tag has it"


def test_why_a_release_was_yanked_is_not_taken_for_a_merged_note(repo: Repo) -> None:
    """Keep a Changelog's yanked mark comes with why, written into the section after its tag:
    the next `changelog` step names no line of it. The same line, the section not marked, is
    named."""
    changelog = repo.work / "CHANGELOG.md"
    repo.tag("v0.1.0", "main")
    shell = Shell(repo.work, {"UV_PYTHON": require_interpreter(DEFAULT_PYTHON_MIN)})
    shell.type("uv version 0.1.1")
    for mark in ("", " - 2026-12-01 [YANKED]"):
        git("checkout", "-q", "--", "CHANGELOG.md", cwd=repo.work)
        note_unreleased(repo.work, "- A fix.")
        replace_once(changelog, "## [0.1.0]\n", f"## [0.1.0]{mark}\n\nYanked: it broke Windows.\n")
        printed = shell.type("uv run .github/scripts/release_preflight.py changelog").process.stdout
        assert ("Yanked: it broke Windows." in printed) == (not mark), printed
        assert printed.endswith(f"[Unreleased] is now [0.1.1] - {TODAY}.\n"), printed


def test_the_other_way_out_of_a_wrong_tag_releases_the_version_it_meant(
    repo: Repo, own_index: str, tmp_path: Path
) -> None:
    """The wrong tag was the version meant: the fix's second way, typed as printed after deleting
    the tag, sets that version, gives it the [Unreleased] notes and a commit named as the README's
    release steps name theirs, and tags it; that tag's preflight then passes."""
    note_unreleased(repo.work, "- Meant as 9.9.9.")
    repo.commit_all("Notes for the next release")
    refused = preflight(repo, tmp_path, Event("push", repo.tag("v9.9.9", "main")), own_index)
    assert refused.result == "failure", refused.log
    fix = printed_fix(refused)
    delete, meant = fix.splitlines()[0], fix.split("\n# or")[1].splitlines()[1:]
    shell = Shell(repo.work, {"UV_PYTHON": require_interpreter(DEFAULT_PYTHON_MIN)})
    for line in [delete, *meant]:
        shell.type(line)
    assert git("log", "-1", "--format=%s", cwd=repo.work) == "Release 9.9.9"
    passed = preflight(repo, tmp_path / "again", Event("push", "refs/tags/v9.9.9"), own_index)
    assert passed.result == "success", passed.log
    assert json.loads(passed.outputs["notes"]).startswith("- Meant as 9.9.9.")


def merge_pull_request(repo: Repo, tmp_path: Path, base: str, head: str) -> None:
    """A pull request from the pushed branch ``head`` into ``base``, merged on GitHub (its merge
    commit, made in a clone of GitHub's own): the developer's clone does not fetch it."""
    github = tmp_path / "github"
    git("clone", "-q", "-b", base, repo.origin, github, cwd=tmp_path)
    git("merge", "-q", "--no-ff", "-m", f"Merge pull request #1 from {head}", f"origin/{head}", cwd=github)
    git("push", "-q", "origin", base, cwd=github)


@pytest.mark.parametrize("merged", [False, True], ids=["merged_as_printed", "merged_by_a_pull_request"])
def test_the_fix_printed_for_a_tag_off_the_default_branch_merges_it_and_the_rerun_passes(
    repo: Repo, own_index: str, tmp_path: Path, merged: bool
) -> None:
    """A tag on a branch not merged yet: its fix, typed as printed up to its alternative, merges
    the tag into main and pushes main; "Re-run all jobs" (the same event again) then passes. Or
    the branch is merged by a pull request on GitHub (the clone not fetched since): the
    alternative, typed, deletes the tag and tags the merged commit, whose run passes."""
    git("switch", "-q", "-c", "feature", cwd=repo.work)
    (repo.work / "FEATURE.md").write_text("Work not merged yet.\n", encoding="utf-8")
    repo.commit_all("A feature")
    event = Event("push", repo.tag(TAG, "feature"))
    refused = preflight(repo, tmp_path, event, own_index)
    assert refused.result == "failure", refused.log
    assert "which is not on the default branch main" in refused.log
    as_printed, by_pull_request = printed_fix(refused).split("\n# or")
    shell = Shell(repo.work, git_config_env({"commit.gpgsign": "false"}))
    if merged:
        merge_pull_request(repo, tmp_path, DEFAULT_BRANCH, "feature")
    for line in by_pull_request.splitlines()[1:] if merged else as_printed.splitlines():
        shell.type(line)
    main = git("rev-parse", DEFAULT_BRANCH, cwd=repo.origin)
    assert git("rev-parse", f"{TAG}^{{commit}}", cwd=repo.origin) == main
    assert len(git("rev-parse", f"{main}^@", cwd=repo.origin).split()) == (2 if merged else 1)  # GitHub's merge
    passed = preflight(repo, tmp_path / "rerun", event, own_index)
    assert passed.result == "success", passed.log


@pytest.mark.parametrize("merged", [False, True], ids=["pushed_to_its_branch", "merged_by_a_pull_request"])
def test_a_fix_of_an_older_version_tagged_off_its_branch_is_released_either_way_its_refusal_prints(
    repo: Repo, own_index: str, tmp_path: Path, merged: bool
) -> None:
    """A fix of the first release, made on a branch of its own once a newer version is tagged and
    released with the README's steps (which push that branch and the tag), is on neither main
    nor release/X.Y: refused. Each way its fix prints, typed as printed, releases it as a fix of
    that older version: the tag's commit pushed as release/X.Y; or, merged into release/X.Y by a
    pull request on GitHub (the branch made there at the old tag, the clone not fetched since),
    the tag deleted and the merged commit tagged."""
    env = {**git_config_env({"commit.gpgsign": "false"}), "UV_PYTHON": require_interpreter(DEFAULT_PYTHON_MIN)}
    shell, line = Shell(repo.work, env), "release/" + ".".join(V.split(".")[:2])
    newer = "99.0.0"  # tagged on main: a newer version
    repo.tag(TAG)
    repo.tag(f"v{newer}")
    if merged:  # GitHub's Code → Branches → New branch, at the old tag
        git("branch", line, TAG, cwd=repo.origin)
    git("switch", "-q", "-c", "the-fix", TAG, cwd=repo.work)
    note_unreleased(repo.work, "### Fixed\n\n- The fix.")
    run(["bash", "-e", "-c", readme_release_steps(repo.work)[1]], repo.work, env=env)
    event = Event("push", f"refs/tags/v{NEXT_PATCH}")
    refused = preflight(repo, tmp_path / "refused", event, own_index)
    assert refused.result == "failure", refused.log
    assert f"which is not on the default branch main (nor on {line})" in refused.log
    pushed, merged_way = printed_fix(refused).split("\n# or")
    if merged:
        merge_pull_request(repo, tmp_path, line, "the-fix")
    for typed in merged_way.splitlines()[1:] if merged else pushed.splitlines():
        shell.type(typed)
    passed = preflight(repo, tmp_path / "passed", event, own_index)
    assert passed.result == "success", passed.log
    assert f"Tag v{NEXT_PATCH} is on {line}, below {newer}." in passed.log
    assert passed.outputs["latest"] == "false"
    tip = git("rev-parse", line, cwd=repo.origin)
    assert git("rev-parse", f"v{NEXT_PATCH}^{{commit}}", cwd=repo.origin) == tip
    assert len(git("rev-parse", f"{tip}^@", cwd=repo.origin).split()) == (2 if merged else 1)  # the merge commit


def test_the_setting_printed_for_a_shallow_checkout_makes_the_next_run_pass(
    repo: Repo, own_index: str, tmp_path: Path
) -> None:
    """release.yml's fetch-depth: 0 taken away: the setting the refusal names, set in the
    workflow, the tag moved onto that commit, and the tag's preflight passes."""
    workflow = repo.work / ".github" / "workflows" / "release.yml"
    replace_once(workflow, "fetch-depth: 0", "fetch-depth: 1")
    repo.commit_all("A shallow checkout")
    refused = preflight(repo, tmp_path, Event("push", repo.tag(TAG, "main")), own_index)
    assert refused.result == "failure", refused.log
    fix = printed_fix(refused).strip()
    setting = re.fullmatch(r"give the checkout step (fetch-depth: \d+)", fix)
    assert setting is not None, fix
    replace_once(workflow, "fetch-depth: 1", setting.group(1))
    repo.commit_all("The checkout's whole history")
    git("push", "-q", "--delete", "origin", TAG, cwd=repo.work)
    git("tag", "-d", TAG, cwd=repo.work)
    passed = preflight(repo, tmp_path / "again", Event("push", repo.tag(TAG, "main")), own_index)
    assert passed.result == "success", passed.log


def test_a_private_package_has_no_index_and_no_rehearsal(render_shared, tmp_path: Path) -> None:
    project = render_shared(license="Proprietary")
    workflow = load_workflow(project, "release.yml")
    assert "env" not in workflow  # no index URL at all
    assert [s.get("id") for s in workflow["jobs"]["preflight"]["steps"] if "run" in s] == ["tag"]
    repo = init_repo(project, tmp_path)
    passed = preflight(repo, tmp_path, Event("push", repo.tag(TAG, "main")), None)
    assert passed.result == "success", passed.log
    assert "No index to check: this package is never uploaded." in passed.log
    notes = json.dumps("### Added\n\n- First release.")
    assert passed.outputs == {"version": V, "prerelease": "false", "latest": "true", "notes": notes}


# --- the rules, on the rendered script ---------------------------------------------------------------


@pytest.fixture(scope="module")
def script(render_shared, tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    return import_script(render_shared() / ".github" / "scripts" / "release_preflight.py", tmp_path_factory.mktemp("s"))


class Refused(str):
    """The refusal's problem, exactly ("…" at its end: its start)."""


INTRO = "# Changelog\n\nIntro.\n\n"  # lines 1-4: every row's sections start at line 5
FIRST = "## [0.0.1] - 2026-01-01\n\n- First.\n"  # the default's line 13
UNRELEASED = f"## [Unreleased]\n\n- Coming.\n\n{FIRST}"  # no section for the tag's version
DEFAULT = "## [Unreleased]\n\n## [{v}] - 2026-12-01\n\n- Notes of {v}.\n\n" + FIRST  # the version's own
COMPARE = f"\n\n**Full Changelog**: https://github.com/{REPOSITORY}/compare/"
IS_ON = "{name} %s is already on {url} (%s): an index never replaces a file: this version cannot be released again."
NO_ANSWER = (
    "Could not ask {url}{name}/ whether {name} 1.0.0 is there: %s That is no answer: nothing is built or uploaded."
)
NOT_V = "Tag %s is not v followed by a PEP 440 version (pyproject.toml says 1.0.0)."
HEADING = "CHANGELOG.md line %s (%s): %s."
ONLY = "the first section, and only it, must be ## [Unreleased]"
NOT_PEP440 = "not ## [Unreleased] or ## [X.Y.Z] - YYYY-MM-DD (PEP 440)"
RETAG = [
    "git push --delete origin v1.0.0 && git tag -d v1.0.0",
    "git tag v1.0.0 && git push --atomic origin HEAD v1.0.0",
]


def row(case: str, version: str, event: str, outcome: str, **inputs: Any) -> Any:
    """A row: pyproject.toml's version; a tag, or "#N.A" (a rehearsal: run N, attempt A), or
    "changelog"; the outcome: "version prerelease notes" as the outputs say (and latest: a tag's
    final release unless given), the line the changelog step prints last, or a Refused problem.
    Inputs: the CHANGELOG.md after INTRO (None: none; default: DEFAULT), the index and its files
    (DIST: the row's own project), the event's default branch, the tagged commit off it, a
    branch line that holds it, more tags, a shallow clone, no uv, outside Actions; and parts of
    the fix."""
    return pytest.param(version, event, outcome, inputs, id=case)


RULES = [
    # a tag: each spelling PEP 440 allows is its normal form, compared as text
    row("final", "1.0.0", "v1.0.0", "1.0.0 false - Notes of 1.0.0.{compare}", files=["DIST-0.0.1.tar.gz"]),
    row("short", "1.0", "v1.0", "1.0 false - Notes of 1.0.{compare}"),
    row("not_in_normal_form", "1.0.0", "v1.0", Refused("Tag v1.0 is version 1.0, but pyproject.toml says 1.0.0 (compared in PEP 440 normal form; the tag must be v1.0.0).")),
    row("rc_as_uv_writes_it", "1.0.0-rc.1", "v1.0.0rc1", "1.0.0rc1 true - Notes of 1.0.0-rc.1.{compare}"),
    row("rc_in_capitals", "1.0.0rc1", "v1.0.0-RC.1", "1.0.0rc1 true - Notes of 1.0.0rc1.{compare}"),
    row("rc_spelled_pre", "1.0.0_pre_1", "v1.0.0.c1", "1.0.0rc1 true - Notes of 1.0.0_pre_1.{compare}"),
    row("alpha_spelled_out", "1.0.0a1", "v1.0.0alpha1", "1.0.0a1 true - Notes of 1.0.0a1.{compare}"),
    row("post_release", "1.0.0.post1", "v1.0.0-1", "1.0.0.post1 false - Notes of 1.0.0.post1.{compare}"),
    row("dev_release", "1.0.0.dev1", "v1.0.0-DEV1", "1.0.0.dev1 true - Notes of 1.0.0.dev1.{compare}"),
    row("leading_zeros", "01.02.03", "v1.2.3", "1.2.3 false - Notes of 01.02.03.{compare}"),
    row("epoch", "1!1.0.0", "v1!1.0.0", "1!1.0.0 false - Notes of 1!1.0.0.{compare}"),
    row("epoch_left_out", "1!1.0.0", "v1.0.0", Refused("Tag v1.0.0 is version 1.0.0, but pyproject.toml says 1!1.0.0 (compared in PEP 440 normal form; the tag must be v1!1.0.0).")),
    row("wrong_tag", "1.0.0", "v9.9.9", Refused("Tag v9.9.9 is version 9.9.9, but pyproject.toml says 1.0.0 (compared in PEP 440 normal form; the tag must be v1.0.0)."),
        fix=["git push --delete origin v9.9.9 && git tag -d v9.9.9", "git tag v1.0.0 && git push origin v1.0.0", "uv version 9.9.9"]),
    row("no_version", "1.0.0", "vnext", Refused(NOT_V % "vnext"), fix=["git tag v1.0.0 && git push origin v1.0.0"]),
    row("capital_v", "1.0.0", "V1.0.0", Refused(NOT_V % "V1.0.0")),
    row("two_vs", "1.0.0", "vv1.0.0", Refused(NOT_V % "vv1.0.0")),
    row("local_version", "1.0.0+local", "v1.0.0+local", Refused("Version 1.0.0+local is a local version: PyPI refuses those.")),
    row("not_pep440", "next", "vnext", Refused("uv cannot read the project: error: Failed to parse: pyproject.toml…")),
    row("no_uv", "1.0.0", "v1.0.0", Refused("uv is not on PATH"), no_uv=True),
    # the tagged commit, in the job's clone
    row("shallow", "1.0.0", "v1.0.0", Refused("The checkout is shallow: it cannot tell which branches hold the tag."), shallow=True),
    row("default_branch_not_fetched", "1.0.0", "v1.0.0", Refused("The default branch trunk was not fetched (refs/remotes/origin/trunk is missing)."), branch="trunk"),
    # a fix of an older version: on release/X.Y, above that X.Y's newest; Latest only above every tag
    row("fix_of_an_older_version", "0.9.1", "v0.9.1", "0.9.1 false - Notes of 0.9.1.{compare}", off=True, line="release/0.9", tags=["v1.0.0"],
        files=["DIST-0.9.0.tar.gz", "DIST-0.10.0.tar.gz", "DIST-1.0.0.tar.gz", "DIST-0.9.2rc1.tar.gz", "DIST-0.9.2.tar.gz.yanked", "DIST-0.9.2.tar.gz"], latest="false"),
    row("fix_below_its_versions_newest", "0.9.1", "v0.9.1", Refused("{name} 0.9.3 is on {url}: 0.9.1 is below it, and pip installs the newest."),
        off=True, line="release/0.9", tags=["v1.0.0"], files=["DIST-0.9.3.tar.gz", "DIST-1.0.0.tar.gz"]),
    row("fix_on_another_versions_branch", "0.9.1", "v0.9.1", Refused("Tag v0.9.1 points at {sha}, which is not on the default branch main (nor on release/0.9): only merged work is released."),
        off=True, line="release/0.8", tags=["v1.0.0"], fix=["# push it to release/0.9, then re-run", "git push origin v0.9.1^0:refs/heads/release/0.9",
             "git fetch origin && git tag v0.9.1 origin/release/0.9 && git push origin v0.9.1"]),
    row("fix_also_on_the_default_branch", "0.9.1", "v0.9.1", "0.9.1 false - Notes of 0.9.1.{compare}", line="release/0.9", tags=["v1.0.0"],
        files=["DIST-1.0.0.tar.gz"], latest="false"),
    row("release_branch_of_the_newest", "1.1.0", "v1.1.0", "1.1.0 false - Notes of 1.1.0.{compare}", off=True, line="release/1.1", files=["DIST-1.0.0.tar.gz"]),
    row("prerelease_on_a_release_branch", "1.1.0rc1", "v1.1.0rc1", "1.1.0rc1 true - Notes of 1.1.0rc1.{compare}", off=True, line="release/1.1"),
    row("off_the_default_branch", "1.0.0", "v1.0.0", Refused("Tag v1.0.0 points at {sha}, which is not on the default branch main (nor on release/1.0): only merged work is released."),
        off=True, fix=["git switch main && git merge v1.0.0 && git push origin main", "git fetch origin && git tag v1.0.0 origin/main && git push origin v1.0.0"]),
    # CHANGELOG.md: the notes, and each malformed file refused naming its line
    row("compared_with_the_previous_release", "1.0.0", "v1.0.0", f"1.0.0 false - Notes of 1.0.0.{COMPARE}v0.9.0...v1.0.0",
        changelog=DEFAULT.format(v="1.0.0").replace(FIRST, f"## [0.9.0] - 2026-06-01\n\n- Ninth.\n\n{FIRST}")),
    row("prerelease_takes_unreleased", "1.0.0rc1", "v1.0.0rc1", "1.0.0rc1 true - Coming.{compare}", changelog=UNRELEASED),
    row("notes_with_workflow_commands", "1.0.0", "v1.0.0", "1.0.0 false ::error title=Planted::Not the preflight's.\n::add-mask::1.0.0",
        changelog="## [Unreleased]\n\n## [1.0.0] - 2026-12-01\n\n::error title=Planted::Not the preflight's.\n::add-mask::1.0.0\n"),
    row("previous_release_untagged", "1.0.0", "v1.0.0", "1.0.0 false - Notes of 1.0.0.",
        changelog=DEFAULT.format(v="1.0.0").replace(FIRST, f"## [0.5.0] - 2026-06-01\n\n- Fifth.\n\n{FIRST}")),
    row("yanked_release_below", "1.0.0", "v1.0.0", f"1.0.0 false - Notes of 1.0.0.{COMPARE}v0.9.0...v1.0.0",
        changelog=DEFAULT.format(v="1.0.0").replace(FIRST, f"## [0.9.0] - 2026-06-01 [YANKED]\n\n- Ninth.\n\n{FIRST}")),
    row("first_release", "0.1.0", "v0.1.0", "0.1.0 false ### Added\n\n- First release.", changelog="## [Unreleased]\n\n## [0.1.0]\n\n### Added\n\n- First release.\n"),
    row("fenced_heading", "1.0.0", "v1.0.0", "1.0.0 false ```md\n## [9.9] a heading?\n```{compare}",
        changelog=f"## [Unreleased]\n\n## [1.0.0] - 2026-12-01\n\n```md\n## [9.9] a heading?\n```\n\n{FIRST}"),
    row("no_changelog", "1.0.0", "v1.0.0", Refused("There is no CHANGELOG.md: the notes are there."), changelog=None),
    row("no_sections", "1.0.0", "v1.0.0", Refused("CHANGELOG.md has no ## [Unreleased] section."), changelog="Soon.\n", fix=["# add it, commit, then:\n" + RETAG[0]]),
    row("no_unreleased", "1.0.0", "v1.0.0", Refused(HEADING % (5, "## [1.0.0]", ONLY)), changelog="## [1.0.0]\n\n- First.\n"),
    row("unreleased_twice", "1.0.0", "v1.0.0", Refused(HEADING % (9, "## [Unreleased]", ONLY)), changelog="## [Unreleased]\n\n## [1.0.0]\n\n## [Unreleased]\n"),
    row("version_twice", "1.0.0", "v1.0.0", Refused(HEADING % (9, "## [1.0.0] - 2026-12-01", "1.0.0 comes after 1.0.0: highest first, each once")),
        changelog="## [Unreleased]\n\n## [1.0.0] - 2026-12-02\n\n## [1.0.0] - 2026-12-01\n", fix=["# fix CHANGELOG.md line 9, commit, then:\n" + "\n".join(RETAG)]),
    row("version_twice_in_pep440", "1.0.0", "v1.0.0", Refused(HEADING % (9, "## [1.0]", "1.0 comes after 1.0.0: highest first, each once")),
        changelog="## [Unreleased]\n\n## [1.0.0] - 2026-12-02\n\n## [1.0]\n"),
    row("out_of_order", "1.0.0", "v1.0.0", Refused(HEADING % (9, "## [1.0.0]", "1.0.0 comes after 0.1.0: highest first, each once")),
        changelog="## [Unreleased]\n\n## [0.1.0]\n\n## [1.0.0]\n"),
    row("heading_not_pep440", "1.0.0", "v1.0.0", Refused(HEADING % (7, "## [next] - 2026-12-01", NOT_PEP440)), changelog="## [Unreleased]\n\n## [next] - 2026-12-01\n"),
    row("heading_with_a_v", "1.0.0", "v1.0.0", Refused(HEADING % (7, "## [v1.0.0]", NOT_PEP440)), changelog="## [Unreleased]\n\n## [v1.0.0]\n"),
    row("heading_without_brackets", "1.0.0", "v1.0.0", Refused(HEADING % (7, "## 1.0.0", NOT_PEP440)), changelog="## [Unreleased]\n\n## 1.0.0\n"),
    row("heading_with_another_date", "1.0.0", "v1.0.0", Refused(HEADING % (7, "## [1.0.0] - 1 Dec 2026", NOT_PEP440)), changelog="## [Unreleased]\n\n## [1.0.0] - 1 Dec 2026\n"),
    row("no_section", "1.0.0", "v1.0.0", Refused("CHANGELOG.md has no notes for 1.0.0: add ## [1.0.0] - {today}."), changelog=UNRELEASED,
        fix=[*RETAG, 'git commit -am "Release notes of 1.0.0"']),
    row("empty_section", "1.0.0", "v1.0.0", Refused("CHANGELOG.md has no notes for 1.0.0: line 9 starts an empty section."),
        changelog=f"## [Unreleased]\n\n- Coming.\n\n## [1.0.0] - 2026-12-01\n\n{FIRST}"),
    row("headings_alone", "1.0.0", "v1.0.0", Refused("CHANGELOG.md has no notes for 1.0.0: line 7 starts an empty section."),
        changelog=f"## [Unreleased]\n\n## [1.0.0] - 2026-12-01\n\n### Added\n\n### Fixed\n\n{FIRST}"),
    row("prerelease_and_empty_unreleased", "1.0.0rc1", "v1.0.0rc1", Refused("CHANGELOG.md has no notes for 1.0.0rc1: line 5 starts an empty section."),
        changelog=f"## [Unreleased]\n\n{FIRST}"),
    # the index: any file of that release (in any PEP 440 spelling) refuses it; no answer is no answer
    row("already_published", "1.0.0", "v1.0.0", Refused(IS_ON % ("1.0.0", "DIST-1.0.0.tar.gz")), files=["DIST-1.0.0.tar.gz"],
        fix=[RETAG[0], "uv version --bump patch", "git tag \"v$(uv version --short)\" && git push --atomic origin HEAD \"v$(uv version --short)\""]),
    row("published_as_1_0", "1.0.0", "v1.0.0", Refused(IS_ON % ("1.0.0", "DIST-1.0-py3-none-any.whl")), files=["DIST-1.0-py3-none-any.whl"]),
    row("unreachable_index", "1.0.0", "v1.0.0", Refused("Could not ask {url}{name}/ whether {name} 1.0.0 is there: it is unreachable (…"), index="closed", fix=["Re-run failed jobs"]),
    row("index_in_trouble", "1.0.0", "v1.0.0", Refused(NO_ANSWER % "it answered HTTP 503 Service Unavailable."), index="503"),
    row("html_only_index", "1.0.0", "v1.0.0", Refused(NO_ANSWER % "it answered text/html, not the JSON simple API (application/vnd.pypi.simple.v1+json)."),
        index="html", files=["DIST-0.0.1.tar.gz"], fix=["as PyPI and TestPyPI do"]),
    # the newest final release on the index (not yanked): a release below it is refused
    row("below_the_newest_on_the_index", "1.0.0", "v1.0.0", Refused("{name} 2.0.0 is on {url}: 1.0.0 is below it, and pip installs the newest."),
        files=["DIST-1.1.0.tar.gz", "DIST-2.0.0-py3-none-any.whl", "DIST-3.0.0rc1.tar.gz"],
        fix=[RETAG[0], "uv version 2.0.0 && uv version --bump patch", "# rename CHANGELOG.md's ## [1.0.0] (if any) to that version, then:"]),
    row("below_the_newest_by_number_not_by_name", "9.5.0", "v9.5.0", Refused("{name} 10.0.0 is on {url}: 9.5.0 is below it, and pip installs the newest."),
        files=["DIST-10.0.0.tar.gz", "DIST-9.0.0.tar.gz"]),
    row("prerelease_below_a_prerelease", "1.0.0a1", "v1.0.0a1", Refused("{name} 1.0.0b2 is on {url}: 1.0.0a1 is below it, and pip installs the newest."),
        files=["DIST-0.9.0.tar.gz", "DIST-1.0.0b2.tar.gz"]),
    row("prerelease_below_its_final", "1.0.0rc1", "v1.0.0rc1", Refused("{name} 1.0.0 is on {url}: 1.0.0rc1 is below it, and pip installs the newest."),
        files=["DIST-1.0.0.tar.gz"]),
    row("below_a_yanked_release", "1.0.0", "v1.0.0", "1.0.0 false - Notes of 1.0.0.{compare}",
        files=["DIST-2.0.0.tar.gz", "DIST-2.0.0.tar.gz.yanked", "DIST-1.1.0rc1.tar.gz"]),
    row("index_not_http", "1.0.0", "v1.0.0", Refused("Index URL file:///simple/ is not http(s)."), index="file"),
    row("private", "1.0.0", "v1.0.0", "1.0.0 false - Notes of 1.0.0.{compare}", index=None),
    # a rehearsal: X.Y.Z.devNNAA, its own dev segment replaced
    row("rehearsal", "1.0.0", "#7.2", "1.0.0.dev702 true", files=["DIST-1.0.0.tar.gz"]),
    row("rehearsal_of_a_dev_version", "0.2.0.dev3", "#42.1", "0.2.0.dev4201 true"),
    row("rehearsal_of_a_prerelease", "1.0.0rc1", "#7.2", "1.0.0rc1.dev702 true"),
    row("rehearsal_number_taken", "0.2.0.dev3", "#42.1", Refused(IS_ON % ("0.2.0.dev4201", "DIST-0.2.0.dev4201-2-py3-none-any.whl")),
        files=["DIST-0.2.0.dev4201-2-py3-none-any.whl"], fix=["run the workflow again"]),
    row("rehearsal_attempt_0", "1.0.0", "#1.0", Refused("Run attempt 0 has no two-digit number.")),
    row("rehearsal_attempt_100", "1.0.0", "#1.100", Refused("Run attempt 100 has no two-digit number.")),
    # the README's changelog step: [Unreleased] becomes the version's section, or nothing is written
    row("changelog_step", "1.0.0", "changelog", "CHANGELOG.md: [Unreleased] is now [1.0.0] - {today}.", changelog=UNRELEASED),
    row("changelog_step_of_a_prerelease", "1.0.0rc1", "changelog", "1.0.0rc1 is a pre-release: its notes are [Unreleased], kept.", changelog=UNRELEASED),
    row("changelog_step_with_nothing_new", "1.0.0", "changelog", Refused("CHANGELOG.md: [Unreleased] (line 5) is empty."), changelog=f"## [Unreleased]\n\n{FIRST}",
        fix=["write what changed under it", "then run this again (1.0.0 stays)", "uv run .github/scripts/release_preflight.py changelog"]),
    row("changelog_step_again", "1.0.0", "changelog", Refused("CHANGELOG.md has a section for 1.0.0 already (line 9)."), fix=["uv version --bump patch"],
        changelog=f"## [Unreleased]\n\n- Coming.\n\n## [1.0.0] - 2026-12-01\n\n- Notes of 1.0.0.\n\n{FIRST}"),
    row("notes_left_in_unreleased", "1.0.0", "v1.0.0", Refused("CHANGELOG.md: [Unreleased] (line 5) has notes, which this commit holds: 1.0.0's notes would leave them out."),
        changelog=f"## [Unreleased]\n\n- Coming.\n\n## [1.0.0] - 2026-12-01\n\n- Notes of 1.0.0.\n\n{FIRST}", fix=["# move them under ## [1.0.0], then:", *RETAG]),
    row("first_release_with_notes_in_unreleased", "0.1.0", "v0.1.0", Refused("CHANGELOG.md: [Unreleased] (line 5) has notes, which this commit holds: 0.1.0's notes would leave them out."),
        changelog="## [Unreleased]\n\n- A month of work.\n\n## [0.1.0]\n\n### Added\n\n- First release.\n"),
    row("prerelease_of_its_own_beside_unreleased_notes", "1.0.0rc1", "v1.0.0rc1", "1.0.0rc1 true - Notes of 1.0.0rc1.{compare}",
        changelog=f"## [Unreleased]\n\n- Coming.\n\n## [1.0.0rc1] - 2026-12-01\n\n- Notes of 1.0.0rc1.\n\n{FIRST}"),
    row("unreleased_with_headings_alone", "1.0.0", "v1.0.0", "1.0.0 false - Notes of 1.0.0.{compare}",
        changelog=f"## [Unreleased]\n\n### Added\n\n## [1.0.0] - 2026-12-01\n\n- Notes of 1.0.0.\n\n{FIRST}"),
    row("tag_outside_actions", "1.0.0", "v1.0.0", Refused("The tag mode runs in release.yml, on GitHub Actions: its variables are not set here."),
        outside_actions=True, fix=["changelog mode"]),
    row("rehearsal_outside_actions", "1.0.0", "#7.2", Refused("The rehearsal mode runs in release.yml, on GitHub Actions: its variables are not set here."),
        outside_actions=True),
    row("changelog_step_twice", "1.0.0", "changelog", Refused("CHANGELOG.md has a section for 1.0.0 already (line 7)."),
        changelog=f"## [Unreleased]\n\n## [1.0.0] - 2026-12-01\n\n{FIRST}",
        fix=['git commit -am "Release 1.0.0"', "git tag v1.0.0 && git push --atomic origin HEAD v1.0.0"]),
    row("changelog_step_below_the_newest", "0.0.0", "changelog", Refused("pyproject.toml says 0.0.0, below CHANGELOG.md's newest release, 0.0.1 (line 9)."),
        changelog=UNRELEASED, fix=["uv version 0.0.1\nuv version --bump patch", "release_preflight.py changelog"]),
    row("changelog_step_without_a_changelog", "1.0.0", "changelog", Refused("There is no CHANGELOG.md: the notes are there."), changelog=None),
]  # fmt: skip


@pytest.mark.parametrize(("version", "event", "outcome", "inputs"), RULES)
def test_each_rule_of_the_preflight(
    script: ModuleType, index, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    request: pytest.FixtureRequest, version: str, event: str, outcome: str, inputs: dict[str, Any],
) -> None:  # fmt: skip
    name = request.node.callspec.id.replace("_", "-")  # a project of its own on the module's index
    url, dist, project = index[1][inputs.get("index", "pypi")], name.replace("-", "_"), tmp_path / "p"
    for file in inputs.get("files", []):
        (index[0].directory / file.replace("DIST", dist)).write_bytes(b"uploaded earlier")
    project.mkdir()
    (project / "pyproject.toml").write_text(f'[project]\nname = "{name}"\nversion = "{version}"\n', encoding="utf-8")
    changelog = project / "CHANGELOG.md"
    if (text := inputs.get("changelog", DEFAULT.format(v=version))) is not None:
        changelog.write_text(INTRO + text, encoding="utf-8")
    git("init", "-q", "-b", DEFAULT_BRANCH, cwd=project)
    git("add", "-A", cwd=project)
    git("commit", "-q", "-m", "Release", cwd=project)
    git("update-ref", f"refs/remotes/origin/{DEFAULT_BRANCH}", "HEAD", cwd=project)  # what the checkout fetched
    for released in ("v0.0.1", "v0.9.0"):  # the earlier releases the rows' CHANGELOGs list (not 0.5.0)
        git("tag", "-a", "-m", released, released, cwd=project)
    if inputs.get("off"):
        git("commit", "-q", "--allow-empty", "-m", "Unmerged work", cwd=project)
    if line := inputs.get("line"):  # a branch holding the tagged commit, as the checkout fetched it
        git("update-ref", f"refs/remotes/origin/{line}", "HEAD", cwd=project)
    for tag in inputs.get("tags", []):
        git("tag", tag, cwd=project)
    sha = git("rev-parse", "HEAD", cwd=project)
    if inputs.get("shallow"):  # what `git fetch --depth 1` leaves: the commits cut off listed here
        (project / ".git" / "shallow").write_text(f"{sha}\n", encoding="utf-8")
    if inputs.get("no_uv"):  # git alone on PATH
        (tmp_path / "bin").mkdir()
        (tmp_path / "bin" / "git").symlink_to(shutil.which("git") or "git")
        monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    branch = inputs.get("branch", DEFAULT_BRANCH)
    (tmp_path / "event.json").write_text(json.dumps({"repository": {"default_branch": branch}}), encoding="utf-8")
    number, _, attempt = event.removeprefix("#").partition(".")
    for variable, value in {
        **{"GITHUB_REF_NAME": event, "GITHUB_SHA": sha, "GITHUB_EVENT_PATH": str(tmp_path / "event.json")},
        **{"GITHUB_RUN_NUMBER": number, "GITHUB_RUN_ATTEMPT": attempt, "GITHUB_REPOSITORY": REPOSITORY},
        **{"GITHUB_OUTPUT": str(tmp_path / "outputs"), "GITHUB_STEP_SUMMARY": str(tmp_path / "summary")},
    }.items():
        monkeypatch.setenv(variable, value)
    if inputs.get("outside_actions"):  # run by hand in a terminal: none of the runner's variables
        for variable in [name for name in os.environ if name.startswith("GITHUB_")]:
            monkeypatch.delenv(variable)
    monkeypatch.chdir(project)
    mode = "changelog" if event == "changelog" else "rehearsal" if event.startswith("#") else "tag"
    before = changelog.read_text(encoding="utf-8") if changelog.exists() else None
    exit_code: int | str | None = 0
    try:
        script.main([mode] if mode == "changelog" or url is None else [mode, "--index-url", url])
    except SystemExit as exit_:
        exit_code = exit_.code
    log = capsys.readouterr().out
    assert [c for c in workflow_commands(log) if not c.startswith("::error title=Release preflight::")] == [], log
    expected = outcome.replace("DIST", dist).format(
        name=name, url=url, sha=sha[:12], today=TODAY, compare=f"{COMPARE}v0.0.1...{event}"
    )
    after = changelog.read_text(encoding="utf-8") if changelog.exists() else None
    assert (after != before) == expected.startswith("CHANGELOG.md: [Unreleased] is now"), after  # else nothing written
    if isinstance(outcome, Refused):
        assert exit_code == 1, log
        # The annotation GitHub shows: a command the runner acts on, even after the notes printed.
        (annotation,) = [c for c in workflow_commands(log) if c.startswith("::error title=Release preflight::")]
        problem = annotation.removeprefix("::error title=Release preflight::")
        assert problem == expected or (expected.endswith("…") and problem.startswith(expected[:-1])), log
        assert [part for part in inputs.get("fix", []) if part not in log] == [], log
        summary = tmp_path / "summary"  # none outside Actions: the terminal has it all
        assert inputs.get("outside_actions") or summary.read_text("utf-8").startswith(f"**Not released:** {problem}\n")
        assert not (tmp_path / "outputs").exists()
    elif mode == "changelog":
        assert (exit_code, log.splitlines()) == (0, [expected]), log  # and no warning: no tag here
    else:
        assert exit_code == 0, log
        outputs = dict(line.split("=", 1) for line in (tmp_path / "outputs").read_text(encoding="utf-8").splitlines())
        assert f"{outputs['version']} {outputs['prerelease']} {json.loads(outputs['notes'])}".strip() == expected
        final_tag = str(mode == "tag" and outputs["prerelease"] == "false").lower()
        assert outputs["latest"] == inputs.get("latest", final_tag)


@pytest.mark.parametrize(
    ("log", "acted"),
    [
        ("::error::a\n  ::add-mask::b\n::ERROR title=x::c", ["::error::a", "  ::add-mask::b", "::ERROR title=x::c"]),
        ("text ##[warning]d\n::no-such-command::e\n::error", ["text ##[warning]d"]),
        ("::stop-commands::T1\n::error::f\n##[error]g\n::t1::\n::error::h", ["::error::h"]),
        ("::stop-commands::T1\n::error::i\n::T1 x=y::more\n::notice::j", ["::notice::j"]),
        (
            "::stop-commands::error\n::add-mask::k\n::stop-commands::\n",
            ["::stop-commands::error", "::add-mask::k", "::stop-commands::"],
        ),
    ],
)
def test_workflow_commands_are_read_as_githubs_runner_reads_them(log: str, acted: list[str]) -> None:
    """support.runner.workflow_commands, which the preflight's rows use, against actions/runner's
    parser: leading spaces, any case, the ##[name] form, unknown names, the token's resume, and a
    token the runner refuses (empty, or a command's name)."""
    assert workflow_commands(log) == acted


LINES = [
    *("## [Unreleased]", "## [0.1.0]", "## [0.2.0] - 2026-12-01", "## [0.2.0rc1]", "## [1.0]", "## [next]"),
    *("## [Unreleased] - 2026-12-01", "## ", "## []", "##", "### Added", "- item", "", "```", "[0.1.0]: https://x"),
]


@given(lines=st.lists(st.sampled_from(LINES), max_size=12))
def test_any_changelog_gives_its_own_text_or_a_refusal_never_a_crash(script: ModuleType, lines: list[str]) -> None:
    text, found = "\n".join(lines), {}
    with contextlib.redirect_stdout(io.StringIO()) as out, contextlib.suppress(SystemExit):
        found = script.sections(text)
    assert found or out.getvalue().startswith("::error title=Release preflight::CHANGELOG.md "), out.getvalue()
    for line, notes in found.values():
        assert notes in text
        assert lines[line - 1].startswith("## [")


def test_each_heading_the_readme_shows_is_one_the_preflight_reads(render_shared, script: ModuleType) -> None:
    """The forms of a version's heading the generated README gives (a release, a yanked one, a
    pre-release's own), filled in as a user does, each read as that version's section."""
    readme = (render_shared() / "README.md").read_text(encoding="utf-8")
    shown = sorted(set(re.findall(r"`(## \[(?!Unreleased)[^`]*)`", readme)))
    assert len(shown) >= 3, shown
    for form in shown:
        heading = form.replace("X.Y.Z", "1.2.3").replace("YYYY-MM-DD", "2026-12-01")
        version = re.search(r"\[(.*?)\]", heading)
        assert version is not None
        found = script.sections(f"## [Unreleased]\n\n{heading}\n\n- A note.\n")
        assert [str(v) for v in found if v is not None] == [str(script.Version(version[1]))], heading


def test_a_file_packaging_cannot_read_is_of_no_version(script: ModuleType) -> None:
    """PyPI's JSON lists old uploads too (eggs, installers, names before normalisation)."""
    for filename in ("acme_widgets-1.0-py3.8.egg", "acme_widgets-1.0.exe", "acme-widgets-1.0.0-rc.1.zip"):
        assert script.file_version(filename) is None
