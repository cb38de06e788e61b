"""A recording stand-in for one GitHub repository's issues, as `gh issue` reaches them.

``FakeIssues`` keeps the issues in a JSON file, so they outlive a workflow run: a
later run lists what an earlier one opened. ``install`` puts its ``gh`` first on
a support.runner run's PATH (over the runner's own fake, which knows ``gh release
create`` only). It takes exactly the flags gh documents for ``gh issue list``,
``create``, ``edit``, ``close`` and ``comment`` (cli/cli, pkg/cmd/issue/<command>/
<command>.go with cmdutil's JSON flags and the persistent -R/--repo), refuses any
other as gh does ("unknown flag"), answers those the template's check uses as
GitHub would, fails on a documented one it does not implement, and records every
call. Like gh in a workflow, it needs GH_TOKEN, and a repository (GH_REPO or -R).
``switch_issues(on=False)`` switches the repository's issues off (as a fork has them): gh
then refuses every issue command with its message. `gh api` calls go to ``api``, the same repository
as support.github_api's fake reaches it (under root/api): recorded there, not here.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from support.github_api import FakeGitHub
from support.recording_gh import GhError, RecordingGh, parse_flags

# gh's flags per `gh issue` command: long name -> (short name, takes a value).
_JSON_FLAGS = {"--json": (None, True), "--jq": ("-q", True), "--template": ("-t", True)}
DOCUMENTED: dict[str, dict[str, tuple[str | None, bool]]] = {
    "list": {
        "--web": ("-w", False), "--assignee": ("-a", True), "--label": ("-l", True),
        "--state": ("-s", True), "--limit": ("-L", True), "--author": ("-A", True),
        "--app": (None, True), "--mention": (None, True), "--milestone": ("-m", True),
        "--search": ("-S", True), **_JSON_FLAGS,
    },
    "create": {
        "--title": ("-t", True), "--body": ("-b", True), "--body-file": ("-F", True),
        "--editor": ("-e", False), "--web": ("-w", False), "--assignee": ("-a", True),
        "--label": ("-l", True), "--project": ("-p", True), "--milestone": ("-m", True),
        "--recover": (None, True), "--template": ("-T", True),
    },
    "edit": {
        "--title": ("-t", True), "--body": ("-b", True), "--body-file": ("-F", True),
        "--add-assignee": (None, True), "--remove-assignee": (None, True),
        "--add-label": (None, True), "--remove-label": (None, True),
        "--add-project": (None, True), "--remove-project": (None, True),
        "--milestone": ("-m", True), "--remove-milestone": (None, False),
    },
    "close": {"--comment": ("-c", True), "--reason": ("-r", True)},
    "comment": {
        "--body": ("-b", True), "--body-file": ("-F", True), "--editor": ("-e", False),
        "--web": ("-w", False), "--edit-last": (None, False),
    },
}  # fmt: skip
REPO_FLAG = ("--repo", "-R")
ENUMS = {("list", "--state"): {"open", "closed", "all"}, ("close", "--reason"): {"completed", "not planned"}}
# gh's JSON fields of an issue (api/query_builder.go IssueFields); the fake fills these:
ISSUE_FIELDS = {
    *("assignees", "author", "body", "closed", "comments", "createdAt", "closedAt", "id", "labels"),
    *("milestone", "number", "projectCards", "projectItems", "reactionGroups", "state", "title"),
    *("updatedAt", "url", "isPinned", "stateReason"),
}
FILLED = {"number", "title", "body", "state", "stateReason", "url", "comments", "author"}
# gh's author of an issue a workflow's token opened (api/queries_issue.go Author.MarshalJSON:
# a bot has no user id): the fake's gh runs in workflows.
BOT = {"is_bot": True, "login": "app/github-actions"}
# What each command of the fake implements (other documented flags fail the test).
IMPLEMENTED = {
    "list": {"--state", "--limit", "--json"},
    "create": {"--title", "--body", "--body-file"},
    "edit": {"--title", "--body", "--body-file"},
    "close": {"--comment", "--reason"},
    "comment": {"--body", "--body-file"},
}


def parse(command: str, args: list[str]) -> tuple[dict[str, str], list[str]]:
    """The flags (by long name) and positional arguments of a `gh issue COMMAND` call."""
    documented = {**DOCUMENTED[command], REPO_FLAG[0]: (REPO_FLAG[1], True)}
    given, positional = parse_flags(args, documented, f"gh issue {command}", GhError)
    for name, values in given.items():
        for value in values:
            if (command, name) in ENUMS and value not in ENUMS[command, name]:
                allowed = ", ".join(f"{{{v}}}" if " " in v else v for v in sorted(ENUMS[command, name]))
                raise GhError(f'invalid argument "{value}" for "{name}" flag: valid values are {allowed}')
    flags = {name: values[-1] for name, values in given.items()}  # the last one, as gh takes it
    return flags, positional


class FakeIssues(RecordingGh):
    """The issues of ``repository``, kept under ``root``; every call to the fake is logged."""

    STATE = "issues.json"

    def initial(self) -> list[dict[str, Any]]:
        return []

    # --- what GitHub holds, and what it was asked ------------------------------------------------

    def issues(self) -> list[dict[str, Any]]:
        return list(self.state())

    @property
    def api(self) -> FakeGitHub:
        """The repository as `gh api` reaches it (its calls recorded there)."""
        return FakeGitHub(self.root / "api", self.repository)

    def switch_issues(self, on: bool) -> None:
        """Issues switched on or off in the repository's settings (Settings > General > Features)."""
        marker = self.root / "issues-disabled"
        if on:
            marker.unlink(missing_ok=True)
        else:
            marker.touch()

    def commands(self) -> list[str]:
        """The calls as "issue list", "issue create", ... in order."""
        return [" ".join(call[:2]) for call in self.calls()]

    # --- the fake gh ---------------------------------------------------------------------------------

    def main(self, argv: list[str]) -> int:
        if argv[:1] == ["api"]:
            return self.api.main(argv)
        self.record(argv)
        try:
            print(self._answer(argv), end="")
        except GhError as error:
            print(error, file=sys.stderr)
            return 1
        return 0

    def _answer(self, argv: list[str]) -> str:
        if not os.environ.get("GH_TOKEN"):
            raise GhError("gh: To use GitHub CLI in a GitHub Actions workflow, set the GH_TOKEN environment variable.")
        if argv[:1] != ["issue"] or len(argv) < 2 or argv[1] not in DOCUMENTED:
            raise GhError(f"the test's gh knows `gh api` and `gh issue {'|'.join(DOCUMENTED)}` only, not {argv}")
        command = argv[1]
        flags, positional = parse(command, argv[2:])
        repository = flags.pop(REPO_FLAG[0], None) or os.environ.get("GH_REPO")
        if repository != self.repository:
            raise GhError(f"the repository is {repository!r} (GH_REPO or --repo), not {self.repository}")
        if (self.root / "issues-disabled").exists():  # gh checks the repository's hasIssuesEnabled first
            raise GhError(f"the '{self.repository}' repository has disabled issues")
        unimplemented = set(flags) - IMPLEMENTED[command]
        if unimplemented:
            raise GhError(f"the test's gh does not implement {sorted(unimplemented)} of gh issue {command}")
        if "--body" in flags and "--body-file" in flags:
            raise GhError("specify only one of `--body` or `--body-file`")
        if "--body-file" in flags:
            path = flags.pop("--body-file")
            flags["--body"] = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
        issues = self.issues()
        if command in ("list", "create"):
            if positional:
                raise GhError(f"unknown arguments {positional}; please quote all values that have spaces")
            return self._list(issues, flags) if command == "list" else self._create(issues, flags)
        if len(positional) != 1:
            raise GhError(f"accepts 1 arg(s), received {len(positional)}")
        found = [issue for issue in issues if str(issue["number"]) == positional[0].lstrip("#")]
        if not found:
            raise GhError(f"GraphQL: Could not resolve to an issue or pull request with the number of {positional[0]}.")
        issue = found[0]
        if command == "edit":
            if not flags:
                raise GhError("field to edit flag required when not running interactively")
            issue.update({"title": flags.get("--title", issue["title"]), "body": flags.get("--body", issue["body"])})
        elif command == "comment":
            if "--body" not in flags:
                raise GhError("flags required when not running interactively")
            issue["comments"].append(flags["--body"])
        elif issue["state"] == "CLOSED":
            print(f"! Issue {self.repository}#{issue['number']} ({issue['title']}) is already closed", file=sys.stderr)
        else:
            if "--comment" in flags:
                issue["comments"].append(flags["--comment"])
            issue["state"], issue["stateReason"] = "CLOSED", flags.get("--reason", "completed").upper()
        self.save(issues)
        return f"{issue['url']}\n" if command in ("edit", "comment") else ""

    def _list(self, issues: list[dict[str, Any]], flags: dict[str, str]) -> str:
        if "--json" not in flags:
            raise GhError("the test's gh lists issues as JSON only (--json)")
        fields = flags["--json"].split(",")
        unknown = [name for name in fields if name not in ISSUE_FIELDS]
        if unknown:
            raise GhError(
                f'Unknown JSON field: "{unknown[0]}"\nAvailable fields:\n  ' + "\n  ".join(sorted(ISSUE_FIELDS))
            )
        if set(fields) - FILLED:
            raise GhError(f"the test's gh does not fill {sorted(set(fields) - FILLED)}")
        limit = int(flags.get("--limit", "30"))
        if limit < 1:
            raise GhError(f"invalid limit: {limit}")
        state = flags.get("--state", "open")
        shown = [i for i in reversed(issues) if state == "all" or i["state"] == state.upper()][:limit]  # newest first
        return json.dumps([{name: issue[name] for name in fields} for issue in shown]) + "\n"

    def _create(self, issues: list[dict[str, Any]], flags: dict[str, str]) -> str:
        if not flags.get("--title") or "--body" not in flags:
            raise GhError("must provide `--title` and `--body` when not running interactively")
        return self._open(issues, flags["--title"], flags["--body"], BOT) + "\n"

    def open_as(self, login: str, title: str, body: str) -> None:
        """An issue a person opened on GitHub's site."""
        self._open(self.issues(), title, body, {"is_bot": False, "login": login, "id": f"U_{login}", "name": login})

    def _open(self, issues: list[dict[str, Any]], title: str, body: str, author: dict[str, Any]) -> str:
        number = len(issues) + 1
        url = f"https://github.com/{self.repository}/issues/{number}"
        issue = {"number": number, "title": title, "body": body, "comments": [], "author": author}
        issues.append({**issue, "state": "OPEN", "stateReason": "", "url": url})
        self.save(issues)
        return url
