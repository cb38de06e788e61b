"""Releases of the template are tagged from CHANGELOG.md (scripts/release_tag.py, tests.yml's `tag` job).

The script runs for real against throwaway git repositories. tests.yml runs
as GitHub runs it (support.runner, one evaluator: support.expressions): its
graph for each event its `on:` starts, with the job that runs the test suite
given as passed or failed (the suite itself is proven by running it), and the
tag job's real steps pushing to a local origin, a fake `gh` recording the
release. Each rule is shown able to fail by planting its defect in a committed
tests.yml. (zizmor pedantic and the JSON schemas check this repository's
workflows in tests/ci/test_workflow_rules.py.)
"""

from __future__ import annotations

import itertools
import re
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

import release_tag  # scripts/release_tag.py (pyproject.toml puts scripts/ on the path)
from support.commands import git, run
from support.facts import TEMPLATE_DIR
from support.rendering import replace_once
from support.runner import Event, Repo, WorkflowRun
from support.workflows import load_workflow, parse_workflow, steps_using, triggers

SCRIPT = TEMPLATE_DIR / "scripts" / "release_tag.py"


def changelog(*sections: tuple[str, str], unreleased: str = "") -> str:
    """A CHANGELOG.md: an [Unreleased] section, then (heading, body) sections, newest first."""
    releases = "".join(f"\n## {heading}\n\n{body}\n" for heading, body in sections)
    return f"# Changelog\n\nIntro text.\n\n## [Unreleased]\n\n{unreleased}\n{releases}"


def commit(repo: Path, text: str, message: str) -> str:
    (repo / "CHANGELOG.md").write_text(text, encoding="utf-8")
    git("add", "-A", cwd=repo)
    git("commit", "-q", "--allow-empty", "-m", message, cwd=repo)
    return git("rev-parse", "HEAD", cwd=repo)


V110 = ("[1.1.0] - 2026-02-01", "### Added\n- more")
V100 = ("[1.0.0] - 2026-01-10", "- first work")
V090 = ("[0.9.0] - 2026-02-01", "- older than the tag")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository whose 1.0.0 is released and tagged, with 1.1.0 being written."""
    path = tmp_path / "repo"
    path.mkdir()
    git("init", "-q", "-b", "main", cwd=path)
    commit(path, changelog(unreleased="- first work"), "Start")
    commit(path, changelog(V100), "Release 1.0.0")
    git("tag", "-a", "-m", "Release 1.0.0", "v1.0.0", cwd=path)
    commit(path, changelog(V100, unreleased="- more"), "More")
    return path


def tag_script(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The script as the workflow runs it: the runner's python, the repository as cwd."""
    return run([sys.executable, SCRIPT, *args], repo, check=False)


def tags(repo: Path) -> list[str]:
    return git("tag", "--list", cwd=repo).split()


FORMS = "a second-level heading must be '## [Unreleased]' or '## [X.Y.Z] - YYYY-MM-DD'"
MALFORMED = {
    "not X.Y.Z": "[1.1] - 2026-02-01",
    "no brackets": "1.1.0 - 2026-02-01",
    "the tag, not the version": "[v1.1.0] - 2026-02-01",
    "no date": "[1.1.0]",
    "not an ISO date": "[1.1.0] - 1 Feb 2026",
    "leading zero": "[01.1.0] - 2026-02-01",
    "any other second-level heading": "Notes",
}
# CHANGELOG.md after v1.0.0's tag (sections newest first, the [Unreleased] text): the exit code and what is said.
NOTHING_TAGGED = {
    "no released version": ((), "- work", 0, "has no released version yet"),
    "lower than the newest tag": ((V090,), "", 1, "0.9.0, is lower than the newest tag, v1.0.0"),
    "out of order": ((V100, V110), "", 1, "versions must be listed newest first"),
    "never released with an empty [Unreleased]": ((V110, V100), "- left over", 1, "empty [Unreleased] section"),
    **{
        f"malformed: {why}": (((h, "- more"), V100), "", 1, f"malformed heading '## {h}'; {FORMS}")
        for why, h in MALFORMED.items()
    },
}


@pytest.mark.parametrize("case", NOTHING_TAGGED)
def test_a_changelog_without_a_well_formed_new_release_tags_nothing(repo: Path, case: str) -> None:
    sections, unreleased, code, said = NOTHING_TAGGED[case]
    commit(repo, changelog(*sections, unreleased=unreleased), case)
    result = tag_script(repo)
    assert (result.returncode, result.stdout, tags(repo)) == (code, "", ["v1.0.0"]), result.stderr
    assert said in result.stderr


def test_headings_inside_code_blocks_are_text_and_a_dry_run_tags_nothing(repo: Path) -> None:
    fenced = "- an example:\n\n```\n## not a heading\n```"
    commit(repo, changelog(("[1.1.0] - 2026-02-01", fenced), V100), "Release 1.1.0")
    notes = repo.parent / "notes.md"
    assert tag_script(repo, "--dry-run", "--notes-file", str(notes)).stdout == "v1.1.0\n"
    assert notes.read_text(encoding="utf-8") == fenced + "\n"
    assert tags(repo) == ["v1.0.0"]


def test_release_commit_without_tags_is_the_last_commit_with_that_release_and_nothing_unreleased(repo: Path) -> None:
    """Where a clone has no tags, the previous release is found in CHANGELOG.md's history."""
    release = commit(repo, changelog(V110, V100), "Release 1.1.0")
    after = commit(repo, changelog(V110, V100), "A fix that needs no CHANGELOG entry")
    commit(repo, changelog(V110, V100, unreleased="- next"), "Next")
    tagless = repo.parent / "tagless"
    run(["git", "clone", "-q", "--no-tags", repo, tagless], repo.parent)
    assert release_tag.release_tags(tagless) == {}

    assert release_tag.release_commit(tagless, (1, 1, 0)) == after != release
    # The 1.0.0 commit has its tag in the original and is found by history in the clone.
    assert release_tag.release_commit(tagless, (1, 0, 0)) == git("rev-parse", "v1.0.0^{commit}", cwd=repo)
    assert release_tag.release_commit(tagless, (0, 9, 0)) is None


def test_this_repositorys_newest_release_is_found_without_tags(tmp_path: Path) -> None:
    """What the update tests (support.updates) rely on in a CI clone that carries no tags; and, where
    the newest version's tag exists (a clone with tags, as CI's), the rule the tag job applies to it."""
    newest = release_tag.parse_changelog((TEMPLATE_DIR / "CHANGELOG.md").read_text(encoding="utf-8")).newest
    assert newest is not None, "CHANGELOG.md has no released version"
    if run(["git", "rev-parse", "--is-shallow-repository"], TEMPLATE_DIR).stdout.strip() == "true":
        pytest.skip("a shallow clone has no history to search: `git fetch --unshallow`")
    try:
        release_tag.plan(TEMPLATE_DIR)
    except release_tag.ReleaseError as error:
        pytest.fail(str(error), pytrace=False)
    tagless = tmp_path / "tagless"
    run(["git", "clone", "-q", "--no-tags", TEMPLATE_DIR, tagless], tmp_path)
    found = release_tag.release_commit(tagless, newest.version)
    assert found is not None
    released = release_tag.parse_changelog(git("show", f"{found}:CHANGELOG.md", cwd=tagless))
    assert (released.newest, released.unreleased) == (newest, "")


def touch(repo: Path, name: str) -> None:
    path = repo / name
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as file:
        file.write("a change\n")


UNNOTED = "and [Unreleased] in CHANGELOG.md is empty: the change would ship in the next version with no notes."
# After v1.0.0's tag, a commit that changes a file with CHANGELOG.md's [Unreleased] as given: exit code, what is said.
AFTER_THE_TAG = {
    "bench only": ("bench/results.md", "", 0, "v1.0.0 exists"),
    "docs only": ("docs/updating.md", "", 0, "v1.0.0 exists"),
    "template, with notes": ("template/README.md.jinja", "- a fix", 0, "v1.0.0 exists"),
    "template, no notes": ("template/README.md.jinja", "", 1, f"after v1.0.0 (template/README.md.jinja) {UNNOTED}"),
    "includes, no notes": ("includes/facts.yml", "", 1, f"after v1.0.0 (includes/facts.yml) {UNNOTED}"),
    "copier.yml, no notes": ("copier.yml", "", 1, f"after v1.0.0 (copier.yml) {UNNOTED}"),
}


@pytest.mark.parametrize("case", AFTER_THE_TAG)
def test_a_template_change_after_the_newest_tag_needs_notes_under_unreleased(repo: Path, case: str) -> None:
    """Where the newest version has its tag, a later commit may change the template only with notes."""
    name, unreleased, code, said = AFTER_THE_TAG[case]
    touch(repo, name)
    commit(repo, changelog(V100, unreleased=unreleased), case)
    result = tag_script(repo)
    printed = "" if code else "v1.0.0\n"  # the tag there: the job makes its GitHub release if missing
    assert (result.returncode, result.stdout, tags(repo)) == (code, printed, ["v1.0.0"]), result.stderr
    assert said in result.stderr
    assert ("Describe it under [Unreleased]" in result.stderr) == bool(code)


def test_the_newest_tag_must_be_on_a_release_commit_in_heads_history(repo: Path) -> None:
    """A tag moved by hand, or left behind by a rewritten main, is an error, not "nothing to tag"."""
    commit(repo, changelog(V100), "Notes moved to a fix")
    start = git("rev-list", "--max-parents=0", "HEAD", cwd=repo)
    git("tag", "-f", "-a", "-m", "moved", "v1.0.0", start, cwd=repo)
    result = tag_script(repo)
    assert result.returncode == 1
    assert f"v1.0.0 tags commit {start}, whose CHANGELOG.md does not have 1.0.0 as the newest" in result.stderr
    git("checkout", "-q", "-b", "rewritten", "HEAD~1", cwd=repo)
    elsewhere = commit(repo, changelog(V100), "Released on another branch")
    git("checkout", "-q", "main", cwd=repo)
    git("tag", "-f", "-a", "-m", "moved", "v1.0.0", elsewhere, cwd=repo)
    result = tag_script(repo)
    assert result.returncode == 1
    assert f"v1.0.0 tags commit {elsewhere}, which is not in the history of HEAD" in result.stderr


# ---------------------------------------------------------------------------
# The workflow: tests.yml's `tag` job, after the tests
# ---------------------------------------------------------------------------

TESTS_YML = "tests.yml"
CI_RUN = re.compile(r"^\s*bash\s+\.ci/run\b", re.MULTILINE)  # the command that runs the test suite
MAIN = "refs/heads/main"
TAGGING = Event("push", MAIN)  # the one kind of run that may tag: a release is declared by its push
PASSED = {"tests": "success"}
# Per trigger, the runs it can start; pushes and manual runs also off main and on a tag,
# so that the tag job's `if:` is checked on its own, not only behind a trigger's filter.
EVENTS = {
    "push": [TAGGING, Event("push", "refs/heads/feature"), Event("push", "refs/tags/v9.9.9")],
    "pull_request": [Event("pull_request", "refs/pull/7/merge", payload={"pull_request": {"number": 7}})],
    "workflow_dispatch": [Event("workflow_dispatch", MAIN), Event("workflow_dispatch", "refs/heads/feature")],
    "schedule": [Event("schedule", MAIN)],  # runs on the default branch
}


@pytest.fixture
def origin(repo: Path, tmp_path: Path) -> Repo:
    """``repo`` with this repository's workflows (as in the working tree) and script, pushed to a bare
    origin: GitHub's side, where the tag job pushes (support.runner)."""
    shutil.copytree(TEMPLATE_DIR / ".github" / "workflows", repo / ".github" / "workflows")
    (repo / "scripts").mkdir()
    shutil.copy(SCRIPT, repo / "scripts")
    git("init", "-q", "--bare", "-b", "main", tmp_path / "origin.git", cwd=tmp_path)
    git("remote", "add", "origin", tmp_path / "origin.git", cwd=repo)
    pushed = Repo(repo, tmp_path / "origin.git")
    pushed.commit_all("The workflows and the script")
    git("push", "-q", "origin", "main", "v1.0.0", cwd=repo)
    return pushed


def tagging_problems(origin: Repo, tmp: Path) -> list[str]:
    """Where tests.yml, as origin's HEAD commit has it, could tag a commit whose tests did not pass
    (an empty list when nowhere): each event's run is of that commit."""
    refs = sorted({event.ref for events in EVENTS.values() for event in events})
    git("push", "-q", "--force", "origin", *(f"HEAD:{ref}" for ref in refs), cwd=origin.work)
    names = git("ls-tree", "--name-only", "HEAD", ".github/workflows/", cwd=origin.work).split()
    workflows = {Path(name).name: parse_workflow(git("show", f"HEAD:{name}", cwd=origin.work), name) for name in names}
    workflow, problems = workflows[TESTS_YML], []
    jobs = workflow["jobs"]
    # The job given as passed or failed runs the suite, unconditionally: its result is the suite's.
    suite = [(j, step) for j, job in jobs.items() for step in job["steps"] if CI_RUN.search(step.get("run", ""))]
    if len(suite) != 1 or {"if", "continue-on-error"} & (set(suite[0][1]) | set(jobs[suite[0][0]])):
        return [f"the suite's result is not one job's result: {suite}"]
    tester = suite[0][0]
    # Least privilege: nothing for a workflow, read for the tests, and only the tag job writes (contents).
    may, rule = {}, {f"{TESTS_YML} {tester}": {"contents": "read"}, f"{TESTS_YML} tag": {"contents": "write"}}
    for name, w in workflows.items():
        may[name], rule[name] = w.get("permissions"), {}
        may |= {f"{name} {j}": job.get("permissions", w.get("permissions")) for j, job in w["jobs"].items()}
    writers = [key for key, grant in may.items() if not isinstance(grant, dict) or "write" in grant.values()]
    if writers != [f"{TESTS_YML} tag"] or any(may[key] != grant for key, grant in rule.items()):
        problems.append(f"permissions {may}: a workflow none, the tests contents: read, only the tag job writes")
    # Both check out the run's commit (no `ref:`), keeping no credentials: the tested commit is the one tagged.
    checkouts = [step.get("with", {}) for j in (tester, "tag") for step in steps_using(jobs[j], "actions/checkout")]
    if any(
        set(c) - {"persist-credentials", "fetch-depth"} or c.get("persist-credentials") is not False for c in checkouts
    ):
        problems.append(f"checkouts {checkouts}: another commit than the run's, or credentials kept")
    tag_group = jobs["tag"].get("concurrency")
    if not isinstance(tag_group, dict) or tag_group.get("queue") != "max":
        problems.append("tag: no group of its own with queue: max: a newer tagging job would replace a waiting one")
    unknown = sorted(set(triggers(workflow)) - set(EVENTS))
    if problems or unknown:
        return problems + [f"the test does not know the runs of {unknown}: add them to EVENTS"] * bool(unknown)
    # Which runs tag: each event, with the suite passing and failing; which groups each run holds.
    held, cancelling, started = set(), [], dict[str, tuple[Event, str]]()  # started: run -> (event, its group)
    runs = [event for trigger in triggers(workflow) for event in EVENTS[trigger]] + [TAGGING]  # a second push
    for number, event in enumerate(replace(event, number=n) for n, event in enumerate(runs, start=1)):
        tagging = (event.name, event.ref) == (TAGGING.name, TAGGING.ref)
        for verdict, said in (("success", "passed"), ("failure", "failed")):
            graph = WorkflowRun(origin.origin, event, tmp / f"run-{number}-{verdict}")
            tags = graph.run(TESTS_YML, given={tester: verdict})["tag"] != "skipped"
            if tags != (tagging and verdict == "success"):
                problems.append(
                    f"tag {'runs' if tags else 'does not run'} on {event.name} on {event.ref} when the tests {said}"
                )
        label = f"{event.name} on {event.ref} (run {event.number})"
        for group in graph.concurrency(TESTS_YML):
            held |= {group.name} if tagging and group.where in ("the workflow", "tag") else set()
            cancelling += [(label, group.where, group.name)] if group.cancels else []
            started |= {label: (event, group.name)} if group.where == "the workflow" else {}
    # Never cancelled half-way: no run (this one or a later one, of any event) cancels a group a tagging run holds.
    problems += [f"a {r} run cancels the tagging run in progress ({w}: {g})" for r, w, g in cancelling if g in held]
    # Never replaced while it waits: GitHub cancels a pending run of a group (no queue) when another enters it.
    for (waiting, (event, name)), (later, (_, other)) in itertools.permutations(started.items(), 2):
        if name == other and event.name != "pull_request" and event.ref == MAIN:
            problems.append(f"a {later} run replaces the waiting {waiting} run (the workflow: {name})")
    return problems


def plant(origin: Repo, old: str, new: str) -> None:
    """A defect in the working tree's tests.yml (committed with the next commit)."""
    replace_once(origin.work / ".github" / "workflows" / TESTS_YML, old, new)


def test_the_tag_job_waits_for_the_tests_and_runs_only_on_pushes_to_main(origin: Repo, tmp_path: Path) -> None:
    """...and only it may write, nothing cancels it, both jobs check out the run's commit."""
    assert tagging_problems(origin, tmp_path) == []
    # Each kind of run was evaluated: pull requests, manual and weekly runs too.
    assert set(triggers(load_workflow(TEMPLATE_DIR, TESTS_YML))) == set(EVENTS)


TAG_IF = "if: github.event_name == 'push' && github.ref == 'refs/heads/main'"
TESTS_FAILED = "tag runs on push on refs/heads/main when the tests failed"
# Each rule, shown able to fail: its defect planted in tests.yml's text (old, new), and what the check says.
DEFECTS = {
    "no needs": ("    needs: tests\n", "", TESTS_FAILED),
    "if: main only": (TAG_IF, "if: github.ref == 'refs/heads/main'", "on schedule on refs/heads/main when the"),
    "if: any push": (TAG_IF, "if: github.event_name == 'push'", "on push on refs/heads/feature when the tests passed"),
    "if: always()": (TAG_IF, TAG_IF.replace("if:", "if: always() &&"), TESTS_FAILED),
    "tests continue on error": ("minutes: 30\n", "minutes: 30\n    continue-on-error: true\n", "the suite's"),
    "tests may write": ("contents: read  #", "contents: write  #", "'tests.yml tests': {'contents': 'write'}"),
    "tag job may mint tokens": ("contents: write  #", "id-token: write\n      contents: write  #", "'id-token'"),
    "a push cancels the run in progress": ("cancel-in-progress: $", "cancel-in-progress: true # $", "a push on"),
    "main's runs in one group": ("|| github.run_id }}", "|| github.ref }}", "replaces the waiting push on"),
    "a waiting tag job replaced": ("      queue: max\n", "", "queue: max"),
    "a workflow_run trigger": ("  workflow_dispatch:\n", "  workflow_dispatch:\n  workflow_run:\n", "['workflow_run']"),
    "tag checks out main's tip": ("# Every commit and tag", "ref: main\n          # Every commit and tag", "'ref'"),
}


@pytest.mark.parametrize("defect", DEFECTS)
def test_the_check_finds_each_planted_defect(origin: Repo, tmp_path: Path, defect: str) -> None:
    old, new, expected = DEFECTS[defect]
    plant(origin, old, new)
    origin.commit_all(f"Plant: {defect}")
    problems = tagging_problems(origin, tmp_path)
    assert any(expected in problem for problem in problems), problems


# --- the tag job's steps, run by support.runner, pushing to a local origin ----------------------------


def push(origin: Repo, text: str, message: str, tmp: Path) -> tuple[str, WorkflowRun]:
    """Commit CHANGELOG.md as ``text`` and push it to main: the commit, and the run its push starts."""
    sha = commit(origin.work, text, message)
    git("push", "-q", "origin", "main", cwd=origin.work)
    return sha, WorkflowRun(origin.origin, TAGGING, tmp / f"run-{sha[:8]}")


def tagged(origin: Repo) -> str:
    return git("rev-parse", "v1.1.0^{commit}", cwd=origin.origin)


def test_the_tag_job_tags_only_the_release_commit_its_run_tested_then_has_nothing_to_do(
    origin: Repo, tmp_path: Path
) -> None:
    """A release commit whose own run waits while more work is pushed."""
    released, release_run = push(origin, changelog(V110, V100), "Release 1.1.0", tmp_path)
    later, later_run = push(origin, changelog(V110, V100, unreleased="- next"), "Next", tmp_path)

    assert later_run.run(TESTS_YML, given=PASSED) == {"tag": "failure"}
    assert f"v1.1.0 is released by commit {released}, but the tests passed on {later}" in later_run.jobs["tag"].log
    assert f"Re-run the test run of {released}'s push" in later_run.jobs["tag"].log
    assert (tags(origin.origin), later_run.releases) == (["v1.0.0"], [])
    # The release commit's own run tags it, annotated, and creates the release with its notes.
    assert release_run.run(TESTS_YML, given=PASSED) == {"tag": "success"}, release_run.jobs["tag"].log
    assert tagged(origin) == released
    assert git("cat-file", "-t", "v1.1.0", cwd=origin.origin) == "tag"  # annotated, as pushed
    assert git("tag", "--list", "--format=%(taggername)", "v1.1.0", cwd=origin.origin) == "github-actions[bot]"
    message = git("tag", "--list", "--format=%(contents)", "v1.1.0", cwd=origin.origin)
    assert message.startswith("Release 1.1.0 (2026-02-01)\n")
    assert "- more" in message
    notes = "### Added\n- more\n"  # gh --verify-tag: the tag was pushed first
    assert release_run.releases == [
        {"tag": "v1.1.0", "files": {}, "flags": ["--verify-tag"], "title": "v1.1.0", "notes": notes}
    ]
    # Then the newest version has its tag: a run pushes no new tag and, its release there, creates none.
    later_run.github.save(release_run.github.state())  # GitHub's releases, as the release run left them
    assert later_run.run(TESTS_YML, given=PASSED) == {"tag": "success"}
    assert "v1.1.0 exists" in later_run.jobs["tag"].log
    assert "The GitHub release of v1.1.0 exists" in later_run.jobs["tag"].log
    assert (tags(origin.origin), later_run.releases) == (["v1.0.0", "v1.1.0"], release_run.releases)


def test_a_rerun_after_the_release_failed_creates_it_for_the_tag_pushed(origin: Repo, tmp_path: Path) -> None:
    """The tag was pushed, then `gh release create` failed (GitHub refused it here: another repository):
    re-running the job finds the tag there and the release missing, and creates the release, once."""
    released, release_run = push(origin, changelog(V110, V100), "Release 1.1.0", tmp_path)
    release_run.env = {"GH_REPO": "someone/else"}
    assert release_run.run(TESTS_YML, given=PASSED) == {"tag": "failure"}
    assert (tagged(origin), release_run.github_releases) == (released, [])
    release_run.env = {}
    assert release_run.rerun("tag", TESTS_YML).result == "success", release_run.jobs["tag"].log
    made = [(r["tag"], r["notes"], r["draft"]) for r in release_run.github_releases]
    assert made == [("v1.1.0", "### Added\n- more\n", False)]
    # Another re-run, or a later push's run, finds both there and creates nothing.
    assert release_run.rerun("tag", TESTS_YML).result == "success", release_run.jobs["tag"].log
    assert len(release_run.github_releases) == 1


def test_without_the_tested_commit_the_job_would_tag_an_untested_commit(origin: Repo, tmp_path: Path) -> None:
    """The test above can fail: the step without --tested-commit tags the release commit its run did not test."""
    released, _ = push(origin, changelog(V110, V100), "Release 1.1.0", tmp_path)
    plant(origin, ' --tested-commit "$GITHUB_SHA"', "")
    later, later_run = push(origin, changelog(V110, V100, unreleased="- next"), "Next, and the defect", tmp_path)

    assert later_run.run(TESTS_YML, given=PASSED) == {"tag": "success"}
    assert tagged(origin) == released != later


def test_a_fix_after_a_failed_release_run_is_the_release_commit_and_tagged(origin: Repo, tmp_path: Path) -> None:
    """The release commit's tests failed (its run tagged nothing); the fix, with [Unreleased] empty, is tagged."""
    released, release_run = push(origin, changelog(V110, V100), "Release 1.1.0", tmp_path)
    assert release_run.run(TESTS_YML, given={"tests": "failure"}) == {"tag": "skipped"}
    fix, fix_run = push(origin, changelog(V110, V100), "The fix, no CHANGELOG entry", tmp_path)

    assert fix_run.run(TESTS_YML, given=PASSED) == {"tag": "success"}
    assert tagged(origin) == fix != released
