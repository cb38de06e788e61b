"""The generated .github/scripts/github_setup.py makes the repository's GitHub settings match the answers.

Run against a recording fake of GitHub's REST API (support.github_api) that checks every
call against GitHub's published API description. For each answer set that changes the
calls, the settings it must reach are derived from the rendered release.yml (which job
runs in which environment, on which event, and the tags it releases) and from
copier.yml's facts: a run reaches them, a second run changes nothing, and --dry-run
prints calls the description admits while sending none. Each failure names the setting
not made, how to make it by hand, and what was done before it.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from support.answers import DISTINCT, EACH_LICENSE, answers_id, changed, template_values
from support.facts import copier_config
from support.github_api import FakeGitHub, check_call, run_setup
from support.index import Quiet, serving
from support.workflows import load_workflow, needed_jobs, triggers

CI_CHECK = copier_config()["ci_check_name"]["default"]
CUSTOM = {"protected_branches": False, "custom_branch_policies": True}
# Every answer that changes the calls: all on with names unlike any default, no docs,
# no TestPyPI, private (no publishing at all).
ANSWER_SETS = [
    DISTINCT,
    changed({"docs": False}),
    changed({"testpypi": False}),
    EACH_LICENSE["Proprietary"],
]
# GitHub users the reviewers' tests name, with their numeric ids.
USERS = {"ada-reviews": 583231, "grace-reviews": 9919}
ADMINS = "bypass: RepositoryRole 5 always"  # GitHub's id of the repository admin role
# The branch ruleset: the default branch, and the branches of an older version's fixes (README.md).
BRANCHES = ("branch", ("~DEFAULT_BRANCH", "refs/heads/release/**"))


def repository(answers: dict[str, Any]) -> str:
    values = template_values(**answers)
    return f"{values['github_owner']}/{values['repository_name']}"


def project_and_github(render_shared: Any, tmp_path: Path, answers: dict[str, Any]) -> tuple[Path, FakeGitHub]:
    return render_shared(**answers), FakeGitHub(tmp_path / "github", repository(answers))


def run_ok(
    project: Path, github: FakeGitHub, *args: str, pypi: str = "http://127.0.0.1:9"
) -> subprocess.CompletedProcess[str]:
    """A run that succeeds, every call it sent one GitHub's API description admits."""
    done = run_setup(project, github, *args, pypi=pypi)
    assert done.returncode == 0, done.stderr
    assert [call for call in github.calls() if call["violation"]] == []
    return done


def expected_settings(project: Path, require_ci: bool = False, branch: str = "main") -> dict[str, Any]:
    """What the settings must be, read from the rendered release.yml and copier.yml's facts."""
    release = load_workflow(project, "release.yml")
    jobs, tags = release["jobs"], triggers(release)["push"]["tags"]

    def events(job_id: str) -> set[str]:
        """The events a job runs on: its `if`, or that of a job it needs."""
        job = jobs[job_id]
        found = set(re.findall(r"github\.event_name == '(\w+)'", job.get("if", "")))
        return found or {e for need in needed_jobs(job) for e in events(need)}

    refs = {"push": {(tag, "tag") for tag in tags}, "workflow_dispatch": {(branch, "branch")}}
    environments = {}
    for job_id, job in jobs.items():
        if "environment" in job:
            name = job["environment"]["name"]
            rules = {rule for event in events(job_id) for rule in refs[event]}
            # GitHub's own rule for github-pages (the default branch) stays beside the tags.
            environments[name] = (CUSTOM, rules | ({(branch, "branch")} if name == "github-pages" else set()))
    branch_rules = {"deletion", "non_fast_forward"} | ({f"required_status_checks {CI_CHECK}"} if require_ci else set())
    return {
        "immutable_releases": True,
        "rulesets": {
            # Only the admins create a release tag (the preflight runs from the tagged commit), and
            # they may delete one the release preflight refused, as its fix says.
            ("tag", tuple(f"refs/tags/{tag}" for tag in tags)): {
                "creation",
                "deletion",
                "update",
                "non_fast_forward",
                ADMINS,
            },
            BRANCHES: branch_rules,
        },
        "environments": environments,
        "pages": "workflow" if "github-pages" in environments else None,
    }


def ruleset_rules(rulesets: list[dict[str, Any]]) -> dict[tuple[str, tuple[str, ...]], set[str]]:
    """(target, refs) -> each rule's type, with the checks it requires, and who may bypass them."""

    def name(rule: dict[str, Any]) -> str:
        checks = rule.get("parameters", {}).get("required_status_checks", [])
        return " ".join([rule["type"], *(check["context"] for check in checks)])

    def bypass(actor: dict[str, Any]) -> str:
        return f"bypass: {actor['actor_type']} {actor['actor_id']} {actor['bypass_mode']}"

    return {
        (r["target"], tuple(r["conditions"]["ref_name"]["include"])): {name(x) for x in r["rules"]}
        | {bypass(actor) for actor in r.get("bypass_actors", [])}
        for r in rulesets
    }


def settings(github: FakeGitHub) -> dict[str, Any]:
    """The fake's state, in expected_settings' shape."""
    state = github.state()
    return {
        "immutable_releases": state["immutable_releases"],
        "rulesets": ruleset_rules([r for r in state["rulesets"] if r["enforcement"] == "active"]),
        "environments": {
            name: (e["deployment_branch_policy"], {(p["name"], p["type"]) for p in e["policies"]})
            for name, e in state["environments"].items()
        },
        "pages": (state["pages"] or {}).get("build_type"),
    }


def reported(stdout: str, verdict: str) -> list[str]:
    """The settings a run's output reports as ``verdict`` ("set", or "skipped" with why), in order."""
    lines = (line.partition(": ") for line in stdout.splitlines())
    return [name for name, _, said in lines if said.split(",")[0] == verdict]


def writes(github: FakeGitHub) -> list[dict[str, Any]]:
    return [call for call in github.calls() if call["method"] != "GET"]


@pytest.fixture
def pypi() -> Iterator[str]:
    """A JSON API like PyPI's, on 127.0.0.1, that knows one project: "taken-name"."""

    class Handler(Quiet):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            taken = self.path == "/pypi/taken-name/json"
            self.send_response(200 if taken else 404)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(
                json.dumps({"info": {"name": "taken-name"}} if taken else {"message": "Not Found"}).encode()
            )

    with serving(Handler) as url:
        yield url


@pytest.mark.parametrize("answers", ANSWER_SETS, ids=answers_id)
def test_dry_run_plans_calls_the_api_description_admits_and_sends_none(
    render_shared: Any, tmp_path: Path, answers: dict[str, Any]
) -> None:
    project, github = project_and_github(render_shared, tmp_path, answers)
    done = run_ok(project, github, "--dry-run", "--require-ci")
    assert github.calls() == [], "a dry run sends nothing, not even a read"
    planned = [json.loads(line) for line in done.stdout.splitlines()]
    assert planned, done.stderr
    for call in planned:
        assert set(call) == {"method", "path", "body"}
        assert check_call(call["method"], call["path"], call["body"]) is None, call
        assert call["path"].startswith(f"/repos/{repository(answers)}/")
    expected = expected_settings(project, require_ci=True)
    prefix = f"/repos/{repository(answers)}/environments/"
    assert {c["path"].removeprefix(prefix) for c in planned if c["method"] == "PUT" and prefix in c["path"]} == set(
        expected["environments"]
    )
    assert any(c["path"].endswith("/pages") for c in planned) == (expected["pages"] is not None)
    assert ruleset_rules([c["body"] for c in planned if c["path"].endswith("/rulesets")]) == expected["rulesets"]


@pytest.mark.parametrize("answers", ANSWER_SETS, ids=answers_id)
def test_a_run_reaches_the_settings_and_a_second_run_changes_nothing(
    render_shared: Any, tmp_path: Path, answers: dict[str, Any], pypi: str
) -> None:
    project, github = project_and_github(render_shared, tmp_path, answers)
    first = run_ok(project, github, pypi=pypi)
    assert settings(github) == expected_settings(project)
    assert writes(github), "a first run changes the settings"
    assert "set" in first.stdout.split()
    github.forget_calls()
    second = run_ok(project, github, pypi=pypi)
    assert writes(github) == [], "a second run changes nothing"
    statuses = [line.rpartition(": ")[2] for line in second.stdout.split("\n\n")[0].splitlines()]
    assert statuses, second.stdout
    assert set(statuses) == {"already set"}, second.stdout
    assert settings(github) == expected_settings(project)
    values = template_values(**answers)
    if values["publishes_to_pypi"]:
        # What PyPI's pending-publisher form asks, and whether the name is free there.
        for value in (values["distribution_name"], values["github_owner"], values["repository_name"], "release.yml"):
            assert value in second.stdout
        assert f'The name "{values["distribution_name"]}" is free on PyPI.' in second.stdout
    else:
        assert "pypi" not in second.stdout.lower()


def test_reviewers_and_the_required_ci_check(render_shared: Any, tmp_path: Path) -> None:
    """--reviewer LOGIN (repeatable) makes the PyPI environment wait for one of them;
    --require-ci adds CI's last job as the branch ruleset's required check, and a later
    run without it keeps the check (rules added to a ruleset stay). The repository's default
    branch is not main: a run limits TestPyPI and github-pages to the branch GitHub names."""
    project, github = project_and_github(render_shared, tmp_path, DISTINCT)
    github.save({**github.state(), "users": USERS, "default_branch": "trunk"})
    # A login GitHub does not know is refused before any change, with nothing to make by hand.
    typo = run_setup(project, github, "--reviewer", "nobody-here")
    assert typo.returncode == 1
    assert "Not set: the reviewers: no GitHub user has the login nobody-here" in typo.stderr
    assert "Nothing changed: fix --reviewer, run this again." in typo.stderr
    assert ("By hand" not in typo.stderr, writes(github)) == (True, [])
    reviewers = [arg for login in USERS for arg in ("--reviewer", login)]
    dry = run_ok(project, github, "--dry-run", *reviewers)
    for login in USERS:
        assert login in dry.stderr, "the dry run says which value only GitHub knows"
    assert "default branch: main assumed" in dry.stderr
    run_ok(project, github, *reviewers, "--require-ci")
    assert settings(github) == expected_settings(project, require_ci=True, branch="trunk")
    # The PyPI environment waits for a reviewer; a rehearsal's and the docs' never do.
    waits = {name: env["reviewers"] for name, env in github.state()["environments"].items() if env["reviewers"]}
    assert waits == {DISTINCT["pypi_environment"]: [{"type": "User", "id": user_id} for user_id in USERS.values()]}
    github.forget_calls()
    run_ok(project, github, *reviewers)
    assert writes(github) == []
    assert settings(github) == expected_settings(project, require_ci=True, branch="trunk")


def test_settings_made_by_hand_are_completed_not_replaced(render_shared: Any, tmp_path: Path) -> None:
    """An environment open to every branch gets limited, and keeps the reviewer added by hand beside
    the one --reviewer adds; a rule, bypass actors, branches and exclusions added to a ruleset by
    hand stay."""
    project, github = project_and_github(render_shared, tmp_path, DISTINCT)
    state = github.state() | {"users": USERS}
    (login, user_id), (_, by_hand_id) = USERS.items()
    reviewer = {"type": "User", "id": by_hand_id}
    open_to_all: dict[str, Any] = {"deployment_branch_policy": None, "reviewers": [reviewer], "policies": []}
    state["environments"][DISTINCT["pypi_environment"]] = open_to_all
    by_hand = {"type": "required_linear_history"}
    # A 1.8 project's ruleset (the default branch only), a branch and an exclusion added by hand.
    by_hand_refs = {"include": ["~DEFAULT_BRANCH", "refs/heads/stable"], "exclude": ["refs/heads/wip/**"]}
    ruleset = {"name": "Default branch", "target": "branch", "enforcement": "active",
               "conditions": {"ref_name": by_hand_refs}, "rules": [by_hand]}  # fmt: skip
    # A team, and the admins in a mode of their own: both kept as they are, nothing added twice.
    team = {"actor_id": 9, "actor_type": "Team", "bypass_mode": "always"}
    admins = {"actor_id": 5, "actor_type": "RepositoryRole", "bypass_mode": "exempt"}
    tags = {"name": "Release tags", "target": "tag", "enforcement": "active", "bypass_actors": [team, admins],
            "conditions": {"ref_name": {"include": ["refs/tags/v*"], "exclude": []}}, "rules": [{"type": "update"}]}  # fmt: skip
    source = {"source_type": "Repository", "source": repository(DISTINCT)}
    state["rulesets"] = [{"id": 7, **source, **ruleset}, {"id": 8, **source, **tags}]
    github.save(state)
    said = run_ok(project, github, "--reviewer", login).stdout.splitlines()
    reviewers = github.state()["environments"][DISTINCT["pypi_environment"]]["reviewers"]
    assert reviewers == [reviewer, {"type": "User", "id": user_id}]
    expected = expected_settings(project)
    refs = ("~DEFAULT_BRANCH", "refs/heads/stable", "refs/heads/release/**")  # ours added to the user's
    expected["rulesets"][("branch", refs)] = expected["rulesets"].pop(BRANCHES) | {"required_linear_history"}
    expected["rulesets"][("tag", ("refs/tags/v*",))] -= {ADMINS}
    expected["rulesets"][("tag", ("refs/tags/v*",))] |= {"bypass: Team 9 always", "bypass: RepositoryRole 5 exempt"}
    assert settings(github) == expected
    (branches,) = [r for r in github.state()["rulesets"] if r["name"] == "Default branch"]
    assert branches["conditions"]["ref_name"]["exclude"] == ["refs/heads/wip/**"]
    # Each completed setting is reported as set, not as "already set".
    assert {'branch ruleset "Default branch": set', f'environment "{DISTINCT["pypi_environment"]}": set'} <= set(said)
    assert [r["id"] for r in github.state()["rulesets"] if r["target"] == "branch"] == [7]


@pytest.mark.parametrize(
    ("failure", "after", "not_set", "reason"),
    [
        ("gh-missing", 0, "the repository", "gh is not installed"),
        ("logged-out", 0, "the repository", "gh is not logged in: run `gh auth login`"),
        ("not-found", 0, "the repository", "not found"),
        ("forbidden", 0, "immutable releases", "admin rights"),
        ("rate-limit", 5, 'branch ruleset "Default branch"', "rate limit"),
    ],
)
def test_each_failure_names_the_setting_the_manual_step_and_what_was_done(
    render_shared: Any, tmp_path: Path, failure: str, after: int, not_set: str, reason: str
) -> None:
    project, github = project_and_github(render_shared, tmp_path, DISTINCT)
    if failure == "gh-missing":
        (tmp_path / "empty").mkdir()
        done = run_setup(project, github, path=str(tmp_path / "empty"))
    else:
        github.fail(failure, after=after)
        done = run_setup(project, github)
    assert done.returncode == 1, done.stdout
    made = reported(done.stdout, "set")
    message = done.stderr
    assert f"\nNot set: {not_set}: " in message
    assert reason in message.split("\n", 2)[1], message
    # The setting not made and every one after it, each with where to make it by hand.
    by_hand = message.split(f"By hand, on https://github.com/{repository(DISTINCT)}/settings:\n", 1)[1]
    listed = re.findall(r"^- (.+?): (Settings > .+)$", by_hand, re.MULTILINE)
    assert listed, message
    assert listed[0][0] == ("immutable releases" if not_set == "the repository" else not_set)  # the first setting
    assert not set(made) & {name for name, _ in listed}
    assert message.rstrip().endswith(f"Already done: {', '.join(made) or 'nothing'}.")
    if failure == "rate-limit":
        assert made, "the summary says what was done before the limit"
    # It stops at the refused call: nothing after it is tried, half-made and unsaid.
    calls = github.calls()
    assert not calls or calls[-1]["status"] >= 400, calls[-1:]


def test_a_setting_the_plan_lacks_is_skipped_named_and_the_rest_made(render_shared: Any, tmp_path: Path) -> None:
    """A private repository on GitHub Free has no rulesets, no environment protection and no Pages:
    each refused setting is skipped (making it by hand would not help), every other one is made, and
    the end names the skipped ones with the ways to have them, the site's too; the run fails, so
    that nobody takes it as done. A refusal of another kind after a skip still names both."""
    project, github = project_and_github(render_shared, tmp_path, DISTINCT)
    every = reported(run_ok(project, FakeGitHub(tmp_path / "clean", repository(DISTINCT))).stdout, "set")
    github.private_on("free")
    done = run_setup(project, github)
    assert done.returncode == 1, done.stdout
    skipped = reported(done.stdout, "skipped")
    assert all(
        f"\n{name}: skipped, not in the plan of {repository(DISTINCT)} (" in f"\n{done.stdout}" for name in skipped
    )
    assert skipped == [
        name for name in every if name.startswith(("tag ruleset", "branch ruleset", "environment", "GitHub Pages"))
    ]
    assert reported(done.stdout, "set") == ["immutable releases"]
    end = done.stderr.rstrip().split("\nNot in the plan of ", 1)[1]
    assert end.startswith(f"{repository(DISTINCT)}: {', '.join(skipped)}. "), done.stderr
    assert "make it public" in end
    assert end.endswith("\n  uvx copier update --defaults --data docs=false")  # the site's way out, typed whole

    github = FakeGitHub(tmp_path / "later", repository(DISTINCT))
    github.private_on("free")
    github.fail("rate-limit", after=4)  # the repository, immutable releases (a read, a write), a ruleset
    failed = run_setup(project, github)
    assert failed.returncode == 1
    assert '\nNot set: branch ruleset "Default branch": GitHub\'s rate limit' in failed.stderr
    assert "Already done: immutable releases.\n\nNot in the plan of " in failed.stderr
    assert f'{repository(DISTINCT)}: tag ruleset "Release tags". ' in failed.stderr


def test_required_reviewers_a_plan_lacks_are_skipped_and_the_environment_still_made(
    render_shared: Any, tmp_path: Path
) -> None:
    """A private repository on GitHub Team has environments but no required reviewers (GitHub
    Enterprise): --reviewer's setting is skipped and named, the PyPI environment's tag rule and
    every other setting made."""
    project, github = project_and_github(render_shared, tmp_path, DISTINCT)
    github.save({**github.state(), "users": USERS})
    github.private_on("team")
    done = run_setup(project, github, "--reviewer", next(iter(USERS)))
    assert done.returncode == 1, done.stdout
    name = f'required reviewers of "{DISTINCT["pypi_environment"]}"'
    assert reported(done.stdout, "skipped") == [name]
    assert settings(github) == expected_settings(project)
    assert f"Not in the plan of {repository(DISTINCT)}: {name}. " in done.stderr
    assert "required reviewers only on GitHub Enterprise" in " ".join(done.stderr.split())


def test_the_name_check_on_pypi(render_shared: Any, tmp_path: Path, pypi: str) -> None:
    """Taken: said plainly (it may be the user's own project); no answer: said, not fatal."""
    answers = changed({"distribution_name": "taken-name"})
    project, github = project_and_github(render_shared, tmp_path, answers)
    taken = run_ok(project, github, pypi=pypi)
    (said,) = [line for line in taken.stdout.splitlines() if line.startswith('The name "taken-name" is taken')]
    assert (
        f"If it is your project, add the PyPI publisher above on the project's own page instead of the pending form: {pypi.rstrip('/')}/manage/project/taken-name/settings/publishing/ If not, change distribution_name"
        in said
    )
    offline = run_ok(project, github)
    assert 'Could not ask PyPI whether "taken-name" is taken' in offline.stdout
