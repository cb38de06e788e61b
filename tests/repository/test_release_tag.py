"""Releases of the template are tagged from CHANGELOG.md (scripts/release_tag.py, tests.yml's `tag` job).

The script runs for real, as the workflow runs it, against throwaway git
repositories. The workflow is checked as GitHub would run it: for each event,
with the test suite passing and failing, which jobs run (the tag only after
the tests passed, on a push to main), who may write, what may cancel a
tagging run; each defect the check guards against is planted to see it fail.
The tag job's steps run against a local origin. (zizmor pedantic and the JSON
schema check every workflow of this repository in tests/test_workflows.py.)
"""

from __future__ import annotations

import copy
import math
import os
import re
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

import release_tag  # scripts/release_tag.py (pyproject.toml puts scripts/ on the path)
from support.commands import run
from support.facts import TEMPLATE_DIR, copier_config
from support.workflows import load_workflow, triggers

SCRIPT = TEMPLATE_DIR / "scripts" / "release_tag.py"

HEADER = "# Changelog\n\nIntro text.\n\n"


def changelog(*sections: tuple[str, str], unreleased: str = "") -> str:
    """A CHANGELOG.md: an [Unreleased] section, then (heading, body) sections, newest first."""
    text = HEADER + f"## [Unreleased]\n\n{unreleased}\n"
    for heading, body in sections:
        text += f"\n## {heading}\n\n{body}\n"
    return text


def git(repo: Path, *args: str) -> str:
    return run(["git", "-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false", *args], repo).stdout


def commit(repo: Path, text: str, message: str) -> str:
    (repo / "CHANGELOG.md").write_text(text, encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--allow-empty", "-m", message)
    return git(repo, "rev-parse", "HEAD").strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository whose 1.0.0 is released and tagged, with 1.1.0 being written."""
    path = tmp_path / "repo"
    path.mkdir()
    git(path, "init", "-q", "-b", "main")
    commit(path, changelog(unreleased="- first work"), "Start")
    commit(path, changelog(("[1.0.0] - 2026-01-10", "- first work")), "Release 1.0.0")
    git(path, "tag", "-a", "-m", "Release 1.0.0", "v1.0.0")
    commit(path, changelog(("[1.0.0] - 2026-01-10", "- first work"), unreleased="- more"), "More")
    return path


def tag_script(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The script as the workflow runs it: the runner's python, the repository as cwd."""
    return run([sys.executable, SCRIPT, *args], repo, check=False)


def tags(repo: Path) -> list[str]:
    return git(repo, "tag", "--list").split()


V110 = ("[1.1.0] - 2026-02-01", "### Added\n- more")
V100 = ("[1.0.0] - 2026-01-10", "- first work")


def test_a_new_version_is_tagged_at_its_release_commit_with_its_notes(repo: Path) -> None:
    released = commit(repo, changelog(V110, V100), "Release 1.1.0")
    # Work continues before the workflow runs: the tag still goes on the release.
    commit(repo, changelog(V110, V100, unreleased="- next"), "Next")
    notes = repo.parent / "notes.md"

    result = tag_script(repo, "--notes-file", str(notes))

    assert result.returncode == 0, result.stderr
    assert result.stdout == "v1.1.0\n"
    assert git(repo, "cat-file", "-t", "v1.1.0").strip() == "tag"  # annotated
    assert git(repo, "rev-parse", "v1.1.0^{commit}").strip() == released
    assert notes.read_text(encoding="utf-8") == "### Added\n- more\n"
    message = git(repo, "tag", "--list", "--format=%(contents)", "v1.1.0")
    assert message.startswith("Release 1.1.0 (2026-02-01)\n")
    assert "- more" in message


def test_an_existing_tag_means_nothing_to_do(repo: Path) -> None:
    before = tags(repo)
    result = tag_script(repo)
    assert (result.returncode, result.stdout) == (0, "")
    assert "v1.0.0 exists" in result.stderr
    assert tags(repo) == before


def test_no_released_version_means_nothing_to_do(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q", "-b", "main")
    commit(tmp_path, changelog(unreleased="- work"), "Start")
    result = tag_script(tmp_path)
    assert (result.returncode, result.stdout, tags(tmp_path)) == (0, "", [])


def test_a_version_lower_than_the_newest_tag_is_an_error(repo: Path) -> None:
    git(repo, "tag", "-a", "-m", "by hand", "v2.0.0")
    commit(repo, changelog(V110, V100), "Release 1.1.0 after 2.0.0")
    result = tag_script(repo)
    assert result.returncode == 1
    assert "1.1.0, is lower than the newest tag, v2.0.0" in result.stderr
    assert "v1.1.0" not in tags(repo)


@pytest.mark.parametrize(
    "heading",
    [
        "[1.1] - 2026-02-01",  # not X.Y.Z
        "1.1.0 - 2026-02-01",  # no brackets
        "[v1.1.0] - 2026-02-01",  # the tag, not the version
        "[1.1.0]",  # no date
        "[1.1.0] - 1 Feb 2026",  # not an ISO date
        "[01.1.0] - 2026-02-01",  # leading zero
        "Notes",  # any other second-level heading
    ],
)
def test_a_malformed_heading_is_an_error_naming_the_line_and_the_forms(repo: Path, heading: str) -> None:
    commit(repo, changelog((heading, "- more"), V100), "A bad heading")
    result = tag_script(repo)
    assert result.returncode == 1
    assert f"malformed heading '## {heading}'" in result.stderr
    assert "'## [Unreleased]' or '## [X.Y.Z] - YYYY-MM-DD'" in result.stderr
    assert tags(repo) == ["v1.0.0"]


def test_versions_out_of_order_are_an_error(repo: Path) -> None:
    commit(repo, changelog(V100, V110), "Wrong order")
    result = tag_script(repo)
    assert result.returncode == 1
    assert "newest first" in result.stderr


def test_a_release_never_committed_with_an_empty_unreleased_section_is_an_error(repo: Path) -> None:
    commit(repo, changelog(V110, V100, unreleased="- left over"), "Release with leftovers")
    result = tag_script(repo)
    assert result.returncode == 1
    assert "empty [Unreleased] section" in result.stderr


def test_headings_inside_code_blocks_are_text(repo: Path) -> None:
    fenced = "- an example:\n\n```\n## not a heading\n```"
    commit(repo, changelog(("[1.1.0] - 2026-02-01", fenced), V100), "Release 1.1.0")
    notes = repo.parent / "notes.md"
    assert tag_script(repo, "--notes-file", str(notes)).stdout == "v1.1.0\n"
    assert notes.read_text(encoding="utf-8") == fenced + "\n"


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
    assert release_tag.release_commit(tagless, (1, 0, 0)) == git(repo, "rev-parse", "v1.0.0^{commit}").strip()
    assert release_tag.release_commit(tagless, (0, 9, 0)) is None


def test_this_repositorys_newest_release_is_found_without_tags(tmp_path: Path) -> None:
    """What tests/test_update.py relies on in a CI clone that carries no tags."""
    newest = release_tag.parse_changelog((TEMPLATE_DIR / "CHANGELOG.md").read_text(encoding="utf-8")).newest
    assert newest is not None, "CHANGELOG.md has no released version"
    if run(["git", "rev-parse", "--is-shallow-repository"], TEMPLATE_DIR).stdout.strip() == "true":
        pytest.skip("a shallow clone has no history to search: `git fetch --unshallow`")
    tagless = tmp_path / "tagless"
    run(["git", "clone", "-q", "--no-tags", TEMPLATE_DIR, tagless], tmp_path)
    found = release_tag.release_commit(tagless, newest.version)
    assert found is not None
    tagged = run(["git", "rev-parse", "-q", "--verify", f"{newest.tag}^{{commit}}"], TEMPLATE_DIR, check=False)
    if tagged.returncode == 0:  # where the tag exists, history agrees with it
        assert found == tagged.stdout.strip()
    released = release_tag.parse_changelog(git(tagless, "show", f"{found}:CHANGELOG.md"))
    assert (released.newest, released.unreleased) == (newest, "")


def test_this_repositorys_changelog_parses() -> None:
    parsed = release_tag.parse_changelog((TEMPLATE_DIR / "CHANGELOG.md").read_text(encoding="utf-8"))
    assert parsed.releases, "CHANGELOG.md has no released version"


def test_with_a_tested_commit_only_that_commit_is_tagged(repo: Path) -> None:
    """--tested-commit: the workflow passes the commit its tests passed on; no other is tagged."""
    released = commit(repo, changelog(V110, V100), "Release 1.1.0")
    assert tag_script(repo, "--tested-commit", released, "--dry-run").stdout == "v1.1.0\n"
    # A later commit with unreleased work: its tests say nothing about the release commit.
    later = commit(repo, changelog(V110, V100, unreleased="- next"), "Next")
    result = tag_script(repo, "--tested-commit", later)
    assert result.returncode == 1
    assert f"v1.1.0 is released by commit {released}, but the tests passed on {later}" in result.stderr
    assert f"Re-run the test run of {released}'s push" in result.stderr
    assert tags(repo) == ["v1.0.0"]
    # Once the release commit's own run tagged it, later runs have nothing to do.
    git(repo, "tag", "-a", "-m", "Release 1.1.0", "v1.1.0", released)
    assert (tag_script(repo, "--tested-commit", later).returncode, tags(repo)) == (0, ["v1.0.0", "v1.1.0"])


# ---------------------------------------------------------------------------
# The workflow: tests.yml's `tag` job, after the tests
# ---------------------------------------------------------------------------
#
# The checks below read the parsed workflow as GitHub would run it: they
# evaluate the `if:`, `concurrency:` and `cancel-in-progress:` expressions for
# each event the workflow is triggered by, and work out which jobs run when
# the test suite passes and when it fails. `tagging_problems` is proven able
# to fail by planting each defect it guards against in a copy of the workflow.

TESTS_YML = "tests.yml"
CI_RUN = re.compile(r"^\s*bash\s+\.ci/run\b", re.MULTILINE)  # the command that runs the test suite
TAG_SCRIPT = re.compile(r"\bscripts/release_tag\.py\b")
TAGGING_REF = "refs/heads/main"


class ExpressionError(Exception):
    """An expression form this evaluator does not know: the test fails rather than guess."""


_TOKEN = re.compile(
    r"\s*(?:(?P<string>'(?:[^']|'')*')|(?P<number>[0-9]+)|(?P<op>==|!=|&&|\|\||!|\(|\))"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z_][A-Za-z0-9_-]*)*))"
)
STATUS_FUNCTIONS = ("success", "failure", "always", "cancelled")


def _tokens(expression: str) -> list[tuple[str, str]]:
    tokens, position, text = [], 0, expression.strip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise ExpressionError(f"cannot read {text[position:]!r} in {expression!r}")
        kind = match.lastgroup
        assert kind is not None
        tokens.append((kind, match[kind]))
        position = match.end()
    return tokens


def _unwrap(value: object) -> str:
    """An `if:`'s text without its optional ${{ }}."""
    text = str(value).strip()
    if text.startswith("${{") and text.endswith("}}"):
        text = text[3:-2]
    return text


def _number(value: Any) -> float:
    if value is None:
        return 0.0
    if isinstance(value, bool | int | float):
        return float(value)
    try:
        return float(value.strip()) if value.strip() else 0.0
    except ValueError:
        return math.nan


def _equal(left: Any, right: Any) -> bool:
    """GitHub's loose ==: strings case-insensitively, different types as numbers."""
    if isinstance(left, str) and isinstance(right, str):
        return left.casefold() == right.casefold()
    if type(left) is type(right):
        return bool(left == right)
    return _number(left) == _number(right)


def truthy(value: Any) -> bool:
    """GitHub's falsy values: false, 0, -0, '', null (and NaN)."""
    return value not in (None, False, "", 0) and not (isinstance(value, float) and math.isnan(value))


def evaluate(expression: str, contexts: Mapping[str, Any], status: str = "success") -> Any:
    """A GitHub expression: literals, context paths, ! == != && || and (), the status functions.

    ``status`` is what the status functions see: "success" (everything before
    succeeded), "failure" or "cancelled". A missing property is null, as on GitHub.
    """
    tokens = _tokens(_unwrap(expression))
    position = 0

    def peek() -> tuple[str, str] | None:
        return tokens[position] if position < len(tokens) else None

    def take(expected: str | None = None) -> tuple[str, str]:
        nonlocal position
        token = peek()
        if token is None or (expected is not None and token[1] != expected):
            raise ExpressionError(f"expected {expected or 'more'} in {expression!r}")
        position += 1
        return token

    def primary() -> Any:
        kind, text = take()
        if kind == "string":
            return text[1:-1].replace("''", "'")
        if kind == "number":
            return float(text)
        if kind == "op" and text == "(":
            value = either()
            take(")")
            return value
        if kind != "name":
            raise ExpressionError(f"unexpected {text!r} in {expression!r}")
        if (peek() or ("", ""))[1] == "(":
            take("(")
            take(")")
            if text not in STATUS_FUNCTIONS:
                raise ExpressionError(f"unknown function {text}() in {expression!r}")
            return text == "always" or text == status
        literals = {"true": True, "false": False, "null": None}
        if text in literals:
            return literals[text]
        root, *path = text.split(".")
        if root not in contexts:
            raise ExpressionError(f"unknown context {root} in {expression!r}")
        value = contexts[root]
        for key in path:
            value = value.get(key) if isinstance(value, Mapping) else None
        return value

    def unary() -> Any:
        if peek() == ("op", "!"):
            take("!")
            return not truthy(unary())
        return primary()

    def comparison() -> Any:
        left = unary()
        if (peek() or ("", ""))[1] in ("==", "!="):
            _, op = take()
            equal = _equal(left, unary())
            return equal if op == "==" else not equal
        return left

    def both() -> Any:
        value = comparison()
        while peek() == ("op", "&&"):
            take("&&")
            right = comparison()
            value = right if truthy(value) else value
        return value

    def either() -> Any:
        value = both()
        while peek() == ("op", "||"):
            take("||")
            right = both()
            value = value if truthy(value) else right
        return value

    result = either()
    if peek() is not None:
        raise ExpressionError(f"unexpected {peek()} in {expression!r}")
    return result


def interpolate(text: object, contexts: Mapping[str, Any]) -> str:
    """A value with ${{ }} expressions in it, as GitHub substitutes them."""

    def as_text(value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, bool):
            return str(value).lower()
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value)

    return re.sub(r"\$\{\{(.*?)\}\}", lambda m: as_text(evaluate(m[1], contexts)), as_text(text))


def condition_holds(condition: object, contexts: Mapping[str, Any], status: str) -> bool:
    """A job's or step's `if:`: without a status function, GitHub puts `success() &&` before it."""
    text = _unwrap(condition)
    if not re.search(rf"\b(?:{'|'.join(STATUS_FUNCTIONS)})\s*\(", text):
        text = f"success() && ({text})"
    return truthy(evaluate(text, contexts, status))


# --- events: the `github` context of each kind of run the workflow's triggers start


def github_context(event: str, ref: str, pull_request: int | None = None) -> dict[str, Any]:
    payload = {"pull_request": {"number": pull_request}} if pull_request is not None else {}
    return {"github": {"event_name": event, "ref": ref, "event": payload, "token": "***"}}


# Per trigger, the runs it can start; pushes and manual runs also off main and on tags, so
# that a job's `if:` is checked on its own, not only behind the trigger's branch filter.
EVENT_RUNS: dict[str, list[dict[str, Any]]] = {
    "push": [
        github_context("push", TAGGING_REF),
        github_context("push", "refs/heads/feature"),
        github_context("push", "refs/tags/v9.9.9"),
    ],
    "pull_request": [github_context("pull_request", "refs/pull/7/merge", pull_request=7)],
    "workflow_dispatch": [
        github_context("workflow_dispatch", TAGGING_REF),
        github_context("workflow_dispatch", "refs/heads/feature"),
    ],
    "schedule": [github_context("schedule", TAGGING_REF)],  # runs on the default branch
}


def describe(contexts: Mapping[str, Any]) -> str:
    return f"{contexts['github']['event_name']} on {contexts['github']['ref']}"


def event_runs(workflow: Mapping[str, Any]) -> list[dict[str, Any]]:
    unknown = sorted(set(triggers(workflow)) - set(EVENT_RUNS))
    if unknown:
        raise ExpressionError(f"the check does not know the event(s) {unknown}: teach EVENT_RUNS what they run")
    return [contexts for event in triggers(workflow) for contexts in EVENT_RUNS[event]]


def is_tagging_run(contexts: Mapping[str, Any]) -> bool:
    """The one kind of run that may tag: a push to main (a release is declared by its push)."""
    return (contexts["github"]["event_name"], contexts["github"]["ref"]) == ("push", TAGGING_REF)


# --- jobs: who tests, who may write, and what runs


def needs(job: Mapping[str, Any]) -> list[str]:
    needed = job.get("needs", [])
    return [needed] if isinstance(needed, str) else list(needed)


def all_needs(jobs: Mapping[str, Any], job_id: str) -> set[str]:
    """Every job ``job_id`` waits for, directly or through others."""
    found: set[str] = set()
    pending = needs(jobs[job_id])
    while pending:
        needed = pending.pop()
        if needed not in found:
            found.add(needed)
            pending += needs(jobs[needed])
    return found


def permissions(workflow: Mapping[str, Any], job: Mapping[str, Any]) -> Any:
    """The job's permissions: its own, else the workflow's (None: the repository default)."""
    return job.get("permissions", workflow.get("permissions"))


def may_write(granted: Any) -> bool:
    if not isinstance(granted, Mapping):
        return granted != "read-all"  # write-all, or the repository default (possibly write)
    return "write" in granted.values()


def suite_steps(job: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [step for step in job.get("steps", []) if CI_RUN.search(str(step.get("run", "")))]


def job_results(workflow: Mapping[str, Any], contexts: Mapping[str, Any], suite_passes: bool) -> dict[str, str]:
    """Each job's result in one run: "success", "failure" or "skipped" (as `needs.<id>.result`).

    A job runs when its `if:` holds, where success() means every job it needs
    succeeded. The test suite fails when ``suite_passes`` is false, unless its
    step is skipped or it, or its job, continues on error.
    """
    jobs = workflow["jobs"]
    results: dict[str, str] = {}

    def result(job_id: str) -> str:
        if job_id not in results:
            job = jobs[job_id]
            needed = [result(other) for other in needs(job)]
            status = "success" if all(r == "success" for r in needed) else "failure"
            if not condition_holds(job.get("if", "success()"), contexts, status):
                results[job_id] = "skipped"
            else:
                tested = [
                    step
                    for step in suite_steps(job)
                    if condition_holds(step.get("if", "success()"), contexts, "success")
                    and not step.get("continue-on-error")
                ]
                fails = bool(tested) and not suite_passes and not job.get("continue-on-error")
                results[job_id] = "failure" if fails else "success"
        return results[job_id]

    for job_id in jobs:
        result(job_id)
    return results


def concurrency_blocks(workflow: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
    blocks = [("the workflow", workflow.get("concurrency"))]
    blocks += [(f"job {job_id}", job.get("concurrency")) for job_id, job in workflow["jobs"].items()]
    return [(where, block if isinstance(block, Mapping) else {"group": block}) for where, block in blocks if block]


def tagging_problems(workflow: Mapping[str, Any]) -> list[str]:
    """Where the workflow could tag a commit whose tests did not pass here (an empty list when none)."""
    jobs = workflow["jobs"]
    problems: list[str] = []
    testers = [job_id for job_id, job in jobs.items() if suite_steps(job)]
    taggers = [
        job_id
        for job_id, job in jobs.items()
        if any(TAG_SCRIPT.search(str(s.get("run", ""))) for s in job.get("steps", []))
    ]
    writers = [job_id for job_id, job in jobs.items() if may_write(permissions(workflow, job))]
    if len(testers) != 1 or len(taggers) != 1:
        return [f"expected one job running the test suite and one tagging, found {testers} and {taggers}"]
    (tester,), (tagger,) = testers, taggers
    # Least privilege: nothing for the workflow, read for the tests, the tag job writes the tag only.
    if workflow.get("permissions") != {}:
        problems.append(f"the workflow's permissions are {workflow.get('permissions')!r}, not {{}}")
    if writers != [tagger]:
        problems.append(f"the jobs that may write are {writers}, not only {tagger}")
    if permissions(workflow, jobs[tester]) != {"contents": "read"}:
        problems.append(f"{tester}: permissions {permissions(workflow, jobs[tester])!r}, not contents: read")
    if permissions(workflow, jobs[tagger]) != {"contents": "write"}:
        problems.append(f"{tagger}: permissions {permissions(workflow, jobs[tagger])!r}, not contents: write")
    # The graph: the tag waits for the tests.
    if tester not in all_needs(jobs, tagger):
        problems.append(f"{tagger} does not need {tester}, directly or through another job")
    # Both check out the run's commit (no `ref:`): the tested commit is the one tagged.
    for job_id in (tester, tagger):
        for step in jobs[job_id].get("steps", []):
            if str(step.get("uses", "")).startswith("actions/checkout@"):
                if "ref" in (step.get("with") or {}):
                    problems.append(f"{job_id}: checks out {step['with']['ref']!r}, not the run's commit")
                if (step.get("with") or {}).get("persist-credentials") is not False:
                    problems.append(f"{job_id}: checkout keeps its credentials")
    # Which runs tag: each event, with the suite passing and failing.
    try:
        runs = event_runs(workflow)
        for contexts in runs:
            for suite_passes in (True, False):
                tags = job_results(workflow, contexts, suite_passes)[tagger] != "skipped"
                should = is_tagging_run(contexts) and suite_passes
                if tags != should:
                    verdict = "passed" if suite_passes else "failed"
                    problems.append(
                        f"{tagger} {'runs' if tags else 'does not run'} on {describe(contexts)} when the tests {verdict}"
                    )
        # Never cancelled half-way: no run (this one or a later one, of any event)
        # cancels in progress a concurrency group that a tagging run holds.
        held = {
            interpolate(block["group"], contexts).casefold()
            for contexts in runs
            if is_tagging_run(contexts)
            for where, block in concurrency_blocks(workflow)
            if where in ("the workflow", f"job {tagger}")
        }
        for contexts in runs:
            for where, block in concurrency_blocks(workflow):
                group = interpolate(block["group"], contexts).casefold()
                cancels = block.get("cancel-in-progress", False)
                if not isinstance(cancels, bool):
                    cancels = truthy(evaluate(str(cancels), contexts))
                if group in held and cancels:
                    problems.append(
                        f"a {describe(contexts)} run cancels the tagging run in progress ({where}: {group})"
                    )
        if "concurrency" not in jobs[tagger]:
            problems.append(f"{tagger} has no concurrency group of its own: two tagging jobs could run at once")
        elif jobs[tagger]["concurrency"].get("queue") != "max":
            problems.append(f"{tagger}: a newer tagging job waiting would replace (cancel) an older one (queue: max)")
    except ExpressionError as error:
        problems.append(str(error))
    return problems


def parsed_tests_yml() -> dict[str, Any]:
    return load_workflow(TEMPLATE_DIR, TESTS_YML)


def test_the_tag_job_waits_for_the_tests_and_runs_only_on_pushes_to_main() -> None:
    workflow = parsed_tests_yml()
    assert tagging_problems(workflow) == []
    # What that means, spelled out for this workflow's events:
    runs = event_runs(workflow)
    tagging = [describe(c) for c in runs if job_results(workflow, c, suite_passes=True)["tag"] != "skipped"]
    assert tagging == [f"push on {TAGGING_REF}"]
    assert all(job_results(workflow, c, suite_passes=False)["tag"] == "skipped" for c in runs)
    assert {describe(c) for c in runs} >= {
        "pull_request on refs/pull/7/merge",
        f"workflow_dispatch on {TAGGING_REF}",
        f"schedule on {TAGGING_REF}",
    }


def test_only_the_tag_job_may_write_in_any_of_this_repositorys_workflows() -> None:
    writers = {
        (path.name, job_id)
        for path in (TEMPLATE_DIR / ".github" / "workflows").glob("*.y*ml")
        for workflow in [load_workflow(TEMPLATE_DIR, path.name)]
        for job_id, job in workflow["jobs"].items()
        if may_write(permissions(workflow, job))
    }
    assert writers == {(TESTS_YML, "tag")}
    checkout = parsed_tests_yml()["jobs"]["tag"]["steps"][0]
    assert checkout["uses"] == copier_config()["actions"]["default"]["checkout"].split(" #")[0]
    assert checkout["with"] == {"persist-credentials": False, "fetch-depth": 0}


def _tag_job(workflow: dict[str, Any]) -> dict[str, Any]:
    job: dict[str, Any] = workflow["jobs"]["tag"]
    return job


def _tests_job(workflow: dict[str, Any]) -> dict[str, Any]:
    job: dict[str, Any] = workflow["jobs"]["tests"]
    return job


def _suite_step(workflow: dict[str, Any]) -> dict[str, Any]:
    return suite_steps(_tests_job(workflow))[0]


def _gate_that_always_runs(workflow: dict[str, Any]) -> None:
    workflow["jobs"]["gate"] = {
        "needs": "tests",
        "if": "always()",
        "runs-on": "ubuntu-latest",
        "permissions": {"contents": "read"},
        "steps": [{"run": "true"}],
    }
    _tag_job(workflow)["needs"] = "gate"


# Each defect the check guards against, planted in a copy of the parsed workflow.
DEFECTS: dict[str, tuple[Any, str]] = {
    "no needs": (lambda w: _tag_job(w).pop("needs"), "tag does not need tests"),
    "if: main only": (
        lambda w: _tag_job(w).update({"if": "github.ref == 'refs/heads/main'"}),
        "tag runs on schedule on refs/heads/main when the tests passed",
    ),
    "if: any push": (
        lambda w: _tag_job(w).update({"if": "github.event_name == 'push'"}),
        "tag runs on push on refs/tags/v9.9.9 when the tests passed",
    ),
    "no if": (lambda w: _tag_job(w).pop("if"), "tag runs on pull_request on refs/pull/7/merge"),
    "if: always()": (
        lambda w: _tag_job(w).update({"if": "always() && " + _tag_job(w)["if"]}),
        "tag runs on push on refs/heads/main when the tests failed",
    ),
    "needs a gate that always runs": (
        _gate_that_always_runs,
        "tag runs on push on refs/heads/main when the tests failed",
    ),
    "tests continue on error": (
        lambda w: _tests_job(w).update({"continue-on-error": True}),
        "tag runs on push on refs/heads/main when the tests failed",
    ),
    "suite skipped on pushes": (
        lambda w: _suite_step(w).update({"if": "github.event_name == 'pull_request'"}),
        "tag runs on push on refs/heads/main when the tests failed",
    ),
    "a push cancels the run in progress": (
        lambda w: w["concurrency"].update({"cancel-in-progress": True}),
        "a push on refs/heads/main run cancels the tagging run in progress",
    ),
    "a manual run cancels the run in progress": (
        lambda w: w["concurrency"].update({"cancel-in-progress": "${{ github.event_name != 'push' }}"}),
        "a workflow_dispatch on refs/heads/main run cancels the tagging run in progress",
    ),
    "no job concurrency": (lambda w: _tag_job(w).pop("concurrency"), "tag has no concurrency group of its own"),
    "a waiting tag job replaced": (lambda w: _tag_job(w)["concurrency"].pop("queue"), "queue: max"),
    "tag job may mint tokens": (
        lambda w: _tag_job(w)["permissions"].update({"id-token": "write"}),
        "tag: permissions {'contents': 'write', 'id-token': 'write'}",
    ),
    "tests may write": (
        lambda w: _tests_job(w)["permissions"].update({"contents": "write"}),
        "the jobs that may write are ['tests', 'tag']",
    ),
    "workflow default permissions": (lambda w: w.pop("permissions"), "the workflow's permissions are None"),
    "tag checks out main's tip": (
        lambda w: _tag_job(w)["steps"][0]["with"].update({"ref": "main"}),
        "tag: checks out 'main', not the run's commit",
    ),
    "a workflow_run trigger": (
        lambda w: w["on"].update({"workflow_run": {"workflows": ["Tests"]}}),
        "does not know the event(s) ['workflow_run']",
    ),
}


@pytest.mark.parametrize("defect", DEFECTS)
def test_the_check_finds_each_planted_defect(defect: str) -> None:
    plant, expected = DEFECTS[defect]
    workflow = copy.deepcopy(parsed_tests_yml())
    plant(workflow)
    problems = tagging_problems(workflow)
    assert any(expected in problem for problem in problems), problems


@pytest.mark.parametrize(
    ("expression", "contexts", "expected"),
    [
        # The workflow's concurrency group: a pull request's number, else the ref.
        ("github.event.pull_request.number || github.ref", github_context("push", TAGGING_REF), TAGGING_REF),
        ("github.event.pull_request.number || github.ref", EVENT_RUNS["pull_request"][0], 7.0),
        ("${{ github.event_name == 'pull_request' }}", github_context("push", TAGGING_REF), False),
        ("github.event_name == 'PUSH' && github.ref != 'refs/heads/main'", github_context("push", TAGGING_REF), False),
        ("!github.event.pull_request && (github.ref == 'x' || 'y')", github_context("push", TAGGING_REF), "y"),
        ("always() || failure()", github_context("push", TAGGING_REF), True),
    ],
)
def test_the_expression_evaluator_follows_github(expression: str, contexts: dict[str, Any], expected: Any) -> None:
    assert evaluate(expression, contexts) == expected


@pytest.mark.parametrize("expression", ["contains(github.ref, 'main')", "github.ref[0]", "vars.X", "a =="])
def test_the_expression_evaluator_refuses_what_it_does_not_know(expression: str) -> None:
    with pytest.raises(ExpressionError):
        evaluate(expression, github_context("push", TAGGING_REF))


# --- the tag job's steps, run as the runner runs them ------------------------------------------


def run_tag_job(
    origin: Path, sha: str, tmp_path: Path, job: Mapping[str, Any] | None = None
) -> tuple[list[subprocess.CompletedProcess[str]], Path]:
    """The tag job's steps on a run of commit ``sha``, pushing to ``origin`` (a local repository).

    The checkout (every commit and tag, the run's commit checked out) is a
    clone; git rewrites the job's GitHub URL to ``origin`` and a stub `gh`
    records its arguments and the notes. Each `run:` step runs like the
    runner's `bash -e`, its `if:` and `${{ }}` evaluated, until one fails.
    """
    job = job or _tag_job(parsed_tests_yml())
    workspace, temp, stubs = tmp_path / "workspace", tmp_path / "runner-temp", tmp_path / "bin"
    for folder in (temp, stubs):
        folder.mkdir(parents=True)
    run(["git", "clone", "-q", origin, workspace], tmp_path)
    git(workspace, "checkout", "-q", "--detach", sha)
    gh_log = tmp_path / "gh.log"
    (stubs / "gh").write_text(
        '#!/usr/bin/env bash\necho "gh $*" >> "$GH_LOG"\n'
        'while [ $# -gt 0 ]; do [ "$1" = --notes-file ] && cat "$2" >> "$GH_LOG"; shift; done\n',
        encoding="utf-8",
    )
    (stubs / "gh").chmod(0o755)
    repository = "owner/copier-uv-release"
    runner_env = {
        "GITHUB_SHA": sha,
        "GITHUB_REPOSITORY": repository,
        "RUNNER_TEMP": str(temp),
        "PATH": f"{stubs}{os.pathsep}{os.environ['PATH']}",
        "GH_LOG": str(gh_log),
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": f"url.{origin}.insteadOf",
        "GIT_CONFIG_VALUE_0": f"https://x-access-token:***@github.com/{repository}.git",
    }
    contexts: dict[str, Any] = {**github_context("push", TAGGING_REF), "steps": {}}
    results = []
    for number, step in enumerate(job["steps"]):
        if "run" not in step:
            assert str(step["uses"]).startswith("actions/checkout@"), step  # done above
            continue
        if not condition_holds(step.get("if", "success()"), contexts, "success"):
            continue
        output = temp / f"output-{number}"
        output.touch()
        env = {key: interpolate(value, contexts) for key, value in (step.get("env") or {}).items()}
        script = temp / f"step-{number}.sh"
        script.write_text(str(step["run"]), encoding="utf-8")
        results.append(
            run(["bash", "-e", script], workspace, env={**runner_env, **env, "GITHUB_OUTPUT": str(output)}, check=False)
        )
        lines = output.read_text(encoding="utf-8").splitlines()
        contexts["steps"][step.get("id", number)] = {"outputs": dict(line.split("=", 1) for line in lines)}
        if results[-1].returncode != 0:
            break
    return results, gh_log


@pytest.fixture
def origin(repo: Path) -> Path:
    """``repo`` with the workflow's script in it: the repository the tag job checks out."""
    (repo / "scripts").mkdir()
    (repo / "scripts" / "release_tag.py").write_text(SCRIPT.read_text(encoding="utf-8"), encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "The script")
    return repo


def test_the_tag_job_pushes_the_tag_of_its_tested_release_commit_and_creates_the_release(
    origin: Path, tmp_path: Path
) -> None:
    released = commit(origin, changelog(V110, V100), "Release 1.1.0")

    results, gh_log = run_tag_job(origin, released, tmp_path)

    assert [r.returncode for r in results] == [0, 0], [r.stderr for r in results]
    assert git(origin, "rev-parse", "v1.1.0^{commit}").strip() == released
    assert git(origin, "cat-file", "-t", "v1.1.0").strip() == "tag"  # annotated, as pushed
    assert git(origin, "tag", "--list", "--format=%(taggername)", "v1.1.0").strip() == "github-actions[bot]"
    notes = tmp_path / "runner-temp" / "notes.md"
    assert gh_log.read_text(encoding="utf-8") == (
        f"gh release create v1.1.0 --verify-tag --title v1.1.0 --notes-file {notes}\n### Added\n- more\n"
    )


def test_the_tag_job_does_nothing_when_the_newest_version_is_tagged(origin: Path, tmp_path: Path) -> None:
    head = git(origin, "rev-parse", "HEAD").strip()
    results, gh_log = run_tag_job(origin, head, tmp_path)
    assert [r.returncode for r in results] == [0]  # the push step is skipped: its if: is false
    assert "v1.0.0 exists" in results[0].stderr
    assert (tags(origin), gh_log.exists()) == (["v1.0.0"], False)


def test_the_tag_job_never_tags_a_release_commit_its_run_did_not_test(origin: Path, tmp_path: Path) -> None:
    """A release commit whose own run was replaced while waiting, followed by more work."""
    released = commit(origin, changelog(V110, V100), "Release 1.1.0")
    later = commit(origin, changelog(V110, V100, unreleased="- next"), "Next")

    results, gh_log = run_tag_job(origin, later, tmp_path / "later")

    assert [r.returncode for r in results] == [1]
    assert f"v1.1.0 is released by commit {released}, but the tests passed on {later}" in results[0].stderr
    assert (tags(origin), gh_log.exists()) == (["v1.0.0"], False)
    # Re-running the release commit's own run tags it; the later run then has nothing to do.
    results, _ = run_tag_job(origin, released, tmp_path / "rerun")
    assert [r.returncode for r in results] == [0, 0]
    assert git(origin, "rev-parse", "v1.1.0^{commit}").strip() == released
    results, _ = run_tag_job(origin, later, tmp_path / "again")
    assert [r.returncode for r in results] == [0]


def test_without_the_tested_commit_the_job_would_tag_an_untested_commit(origin: Path, tmp_path: Path) -> None:
    """The test above can fail: the step without --tested-commit tags the untested release commit."""
    released = commit(origin, changelog(V110, V100), "Release 1.1.0")
    later = commit(origin, changelog(V110, V100, unreleased="- next"), "Next")
    job = _tag_job(parsed_tests_yml())
    step = next(s for s in job["steps"] if s.get("id") == "tag")
    assert ' --tested-commit "$GITHUB_SHA"' in step["run"]
    step["run"] = step["run"].replace(' --tested-commit "$GITHUB_SHA"', "")

    results, _ = run_tag_job(origin, later, tmp_path, job)

    assert [r.returncode for r in results] == [0, 0]
    assert git(origin, "rev-parse", "v1.1.0^{commit}").strip() == released != later


def test_a_fix_after_a_failed_release_run_is_the_release_commit_and_tagged(origin: Path, tmp_path: Path) -> None:
    """The release commit's tests failed (its run tagged nothing); the fix, with [Unreleased] empty, is tagged."""
    released = commit(origin, changelog(V110, V100), "Release 1.1.0")
    fix = commit(origin, changelog(V110, V100), "The fix, no CHANGELOG entry")

    results, _ = run_tag_job(origin, fix, tmp_path)

    assert [r.returncode for r in results] == [0, 0]
    assert git(origin, "rev-parse", "v1.1.0^{commit}").strip() == fix != released
