"""A recording stand-in for one GitHub repository's settings, as `gh api` reaches them.

``FakeGitHub`` keeps the repository's settings (environments and their deployment
branch/tag policies, rulesets, immutable releases, Pages) in a JSON file and answers
the REST operations .github/scripts/github_setup.py calls as GitHub does: what it
holds on a GET, 404 where it holds nothing, ids for what a POST creates; and, as
GitHub does when Pages is switched to GitHub Actions, it creates the environment
``github-pages`` admitting the default branch only. Every call is recorded and
checked against GitHub's published API description (the extract in
github_openapi.json, made by scripts/trim_openapi.py): the operation (method and
path template) exists, and the body validates against its request-body schema. A
call that fails the check is recorded with the reason (``violations``) and answered
as GitHub answers a call it cannot route (404) or a body it refuses (422). Where the
extract describes an operation's 200 response, the fake's own answer is checked too
(each field one GitHub's answer has, of its type): one that fails ends the call (exit 1).
``forked`` makes the repository a fork (its ``fork`` field true).

``install`` puts its ``gh`` into a directory of tools. It takes exactly the flags gh
documents for `gh api` (cli/cli, pkg/cmd/api/api.go), refuses any other as gh does
("unknown flag"), and fails on a documented one it does not implement. It fails like
gh: exit status 4 and gh's advice when nobody is logged in; for an HTTP error, the
response body on stdout, ``gh: MESSAGE (HTTP STATUS)`` on stderr, exit status 1.

``fail`` (set before a run) makes it fail as GitHub does, after ``after`` answered calls:
``logged-out``, ``forbidden`` (no admin rights: 403 on every change), ``not-found``
(no such repository, or not visible to the login: 404) and ``rate-limit`` (403 "API rate
limit exceeded", as GitHub answers a REST call then). ``private_on`` makes it a private
repository of a plan, whatever fails besides: on "free", no rulesets (403 "Upgrade to GitHub
Pro ..." on any ruleset call), no environment protection (422 "... billing plan ..." on making
one) and no Pages (422 on creating it; 409 is GitHub's "already enabled"); on "team", all of
them but an environment's required reviewers (422 "... billing plan ... required reviewers").

``guard`` makes a local bare repository refuse pushes as GitHub does under the rulesets the
fake holds (deletion, update, force push; GH013), for the pusher's repository role and the
rulesets' bypass actors. ``run_setup`` runs the generated github_setup.py against the fake.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema

from support.recording_gh import RecordingGh, parse_flags

EXTRACT = Path(__file__).with_name("github_openapi.json")
# gh api's flags: long name -> (short name, takes a value).
DOCUMENTED: dict[str, tuple[str | None, bool]] = {
    "--hostname": (None, True), "--method": ("-X", True), "--field": ("-F", True),
    "--raw-field": ("-f", True), "--header": ("-H", True), "--preview": ("-p", True),
    "--include": ("-i", False), "--slurp": (None, False), "--paginate": (None, False),
    "--input": (None, True), "--silent": (None, False), "--template": ("-t", True),
    "--jq": ("-q", True), "--cache": (None, True), "--verbose": (None, False),
}  # fmt: skip
IMPLEMENTED = {"--method", "--header", "--input"}
FAILURES = {"logged-out", "forbidden", "not-found", "rate-limit"}
DOCS = "https://docs.github.com/rest"
MESSAGES = {
    403: "Must have admin rights to Repository.",
    404: "Not Found",
    409: "GitHub Pages is already enabled.",
    422: "Your current plan does not support GitHub Pages for this repository.",
}
RATE_LIMIT = "API rate limit exceeded for user ID 1."
UPGRADE = "Upgrade to GitHub Pro or make this repository public to enable this feature."
NO_GATE = "Fail to create protected rule, please ensure billing plan include protected branch gate."
NO_REVIEWERS = (
    "Failed to create the environment protection rule. "
    "Please ensure the billing plan supports the required reviewers protection rule."
)
SETUP_SCRIPT = ".github/scripts/github_setup.py"
# The pusher's repository role, for a bare repository that FakeGitHub.guard makes refuse pushes
# as the rulesets do; GitHub's ids of those roles in a ruleset's bypass_actors (not sequential).
ROLE = "FAKE_GITHUB_ROLE"
ROLE_IDS = {"write": 4, "maintain": 2, "admin": 5}
NO_COMMIT = "0" * 40
LOGIN_HELP = {  # pkg/cmd/root/help.go authHelp(), by environment
    "actions": "gh: To use GitHub CLI in a GitHub Actions workflow, set the GH_TOKEN environment variable. Example:\n"
    "  env:\n    GH_TOKEN: ${{ github.token }}\n",
    "ci": "gh: To use GitHub CLI in automation, set the GH_TOKEN environment variable.\n",
    "terminal": "To get started with GitHub CLI, please run:  gh auth login\n"
    "Alternatively, populate the GH_TOKEN environment variable with a GitHub API authentication token.\n",
}


class HttpError(Exception):
    def __init__(self, status: int, message: str = "") -> None:
        super().__init__(message or MESSAGES[status])
        self.status = status


def operations() -> dict[str, Any]:
    """The extract's operations, by "METHOD /path/{template}"."""
    return dict(json.loads(EXTRACT.read_text(encoding="utf-8"))["operations"])


def _template_pattern(template: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\\\{[a-z_]+\\\}", "[^/]+", re.escape(template)) + "$")


def _operation(method: str, path: str) -> tuple[str, dict[str, Any]] | None:
    """The extract's operation ("METHOD /path/{template}", its entry) that serves this call, if any."""
    for key, operation in operations().items():
        op_method, template = key.split(" ", 1)
        if op_method == method and _template_pattern(template).match(path.split("?")[0]):
            return key, operation
    return None


def check_call(method: str, path: str, body: Any) -> str | None:
    """Why GitHub's API description does not admit this call (None: it does)."""
    if (found := _operation(method, path)) is None:
        return f"no operation {method} {path} in GitHub's API description"
    key, operation = found
    request = operation["requestBody"]
    if request is None:
        return None if body is None else f"{key} takes no body"
    if body is None:
        return f"{key} needs a body" if request["required"] else None
    errors = [e.message for e in jsonschema.Draft7Validator(request["schema"]).iter_errors(body)]
    return f"{key}: {'; '.join(errors)}" if errors else None


def check_answer(method: str, path: str, answer: Any) -> str | None:
    """Why GitHub's API description does not admit ``answer`` to this call as its 200 response
    (None: it does, or the extract does not describe that response)."""
    found = _operation(method, path)
    if found is None or "response" not in found[1]:
        return None
    key, documented = found[0], found[1]["response"]["properties"]
    if unknown := sorted(set(answer) - set(documented)):
        return f"{key} answers no {unknown}"
    errors = [e.message for e in jsonschema.Draft7Validator({"properties": documented}).iter_errors(answer)]
    return f"{key}: {'; '.join(errors)}" if errors else None


class FakeGitHub(RecordingGh):
    """The settings of ``repository`` (OWNER/NAME), kept under ``root``."""

    STATE = "state.json"

    def initial(self) -> dict[str, Any]:
        return {
            **{"default_branch": "main", "users": {}, "environments": {}, "rulesets": []},
            **{"immutable_releases": False, "pages": None, "fail": None, "after": 0, "next_id": 1},
            "private_on": None, "fork": False,
        }  # fmt: skip

    def forked(self) -> None:
        """The repository is a fork (of another repository on GitHub)."""
        self.save({**self.state(), "fork": True})

    def private_on(self, plan: str) -> None:
        assert plan in ("free", "team"), plan
        self.save({**self.state(), "private_on": plan})

    def fail(self, kind: str, after: int = 0) -> None:
        """Fail as GitHub does (FAILURES) from the call after the first ``after`` ones."""
        assert kind in FAILURES, kind
        self.save({**self.state(), "fail": kind, "after": after})

    # --- the fake gh ---------------------------------------------------------------------------------

    def main(self, argv: list[str]) -> int:
        state = self.state()
        if state["fail"] == "logged-out":
            automation = "ci" if os.environ.get("CI") else "terminal"
            where = "actions" if os.environ.get("GITHUB_ACTIONS") == "true" else automation
            print(LOGIN_HELP[where], end="", file=sys.stderr)
            return 4
        if argv[:1] != ["api"]:
            print(f"the test's gh knows `gh api` only, not {argv}", file=sys.stderr)
            return 1
        try:
            method, path, body = self._parse(argv[1:])
        except ValueError as error:
            print(error, file=sys.stderr)
            return 1
        path = "/" + path.lstrip("/")
        violation = check_call(method, path, body)
        try:
            if violation:  # a known operation with a body it refuses (422), or no such operation (404)
                raise HttpError(422, "Invalid request") if violation.startswith(method) else HttpError(404)
            answer = self._answer(state, method, path, body)
            status = 204 if answer is None else 201 if method == "POST" else 200
            if status == 200 and (wrong := check_answer(method, path, answer)):
                self.record({"method": method, "path": path, "body": body, "status": status, "violation": wrong})
                print(f"the test's gh answers not as GitHub does: {wrong}", file=sys.stderr)
                return 1
        except HttpError as error:
            status = error.status
            answer = {"message": str(error), "documentation_url": DOCS, "status": str(status)}
        self.record({"method": method, "path": path, "body": body, "status": status, "violation": violation})
        if answer is not None:
            print(json.dumps(answer))
        if status >= 400:
            print(f"gh: {answer['message']} (HTTP {status})", file=sys.stderr)
            return 1
        return 0

    def _parse(self, args: list[str]) -> tuple[str, str, Any]:
        flags, positional = parse_flags(args, DOCUMENTED, "gh api <endpoint>", ValueError)
        if set(flags) - IMPLEMENTED:
            raise ValueError(f"the test's gh does not implement {sorted(set(flags) - IMPLEMENTED)} of gh api")
        if len(positional) != 1:
            raise ValueError(f"accepts 1 arg(s), received {len(positional)}")
        for header in flags.get("--header", []):
            if ":" not in header:
                raise ValueError(f"header {header!r} requires a value separated by ':'")
        body = None
        if "--input" in flags:
            if flags["--input"] != ["-"]:
                raise ValueError("the test's gh reads --input from standard input only")
            body = json.loads(sys.stdin.read())
        # gh's default: GET, or POST when a body is given.
        method = flags.get("--method", ["POST" if body is not None else "GET"])[-1].upper()
        return method, positional[0], body

    # --- git pushes under the rulesets -------------------------------------------------------------

    def guard(self, origin: Path) -> None:
        """Make the bare repository ``origin`` refuse a pushed ref as GitHub does under this repository's
        active rulesets, for the pusher's role (the ROLE variable of its environment; write if unset).
        Each ref on its own (git's update hook), as GitHub takes the others of a push not --atomic."""
        tests = Path(__file__).resolve().parents[1]
        hook = origin / "hooks" / "update"
        hook.write_text(
            f"#!{sys.executable}\nimport sys\nsys.path.insert(0, {str(tests)!r})\n"
            f"from pathlib import Path\nfrom support.github_api import FakeGitHub\n"
            f"sys.exit(FakeGitHub(Path({str(self.root)!r}), {self.repository!r}).receive(*sys.argv[1:]))\n",
            encoding="utf-8",
        )
        hook.chmod(0o755)

    def receive(self, ref: str, old: str, new: str) -> int:
        """The update hook: the ref against each active ruleset whose target and ref_name include it,
        unless the role bypasses it; GitHub's GH013 message for each rule it breaks."""
        state, role = self.state(), ROLE_IDS[os.environ.get(ROLE, "write")]
        refs = {"branch": "refs/heads/", "tag": "refs/tags/"}
        if new == NO_COMMIT:
            done = {"deletion"}
        elif old == NO_COMMIT:
            done = {"creation"}
        else:
            ancestor = subprocess.run(["git", "merge-base", "--is-ancestor", old, new], check=False)
            done = {"update"} | ({"non_fast_forward"} if ancestor.returncode else set())
        if new != NO_COMMIT:  # a push carries no check results: a required check refuses it
            done.add("required_status_checks")
        broken = []
        for ruleset in state["rulesets"]:
            include = [
                f"{refs[ruleset['target']]}{state['default_branch']}" if pattern == "~DEFAULT_BRANCH" else pattern
                for pattern in ruleset["conditions"]["ref_name"]["include"]
            ]
            # A push bypasses in these modes; "pull_request" is a branch's pull requests only.
            bypass = {
                a["actor_id"]
                for a in ruleset.get("bypass_actors", [])
                if a["actor_type"] == "RepositoryRole" and a.get("bypass_mode", "always") in ("always", "exempt")
            }
            if ruleset["enforcement"] != "active" or role in bypass:
                continue
            if ref.startswith(refs[ruleset["target"]]) and any(fnmatch.fnmatchcase(ref, p) for p in include):
                broken += [rule["type"] for rule in ruleset["rules"] if rule["type"] in done]
        for rule in broken:
            print(f"error: GH013: Repository rule violations found for {ref}: {rule}", file=sys.stderr)
        return 1 if broken else 0

    # --- GitHub ----------------------------------------------------------------------------------------

    def _answer(self, state: dict[str, Any], method: str, path: str, body: Any) -> Any:
        served = len(self.calls())
        failing = state["fail"] if served >= state["after"] else None
        if failing == "rate-limit":
            raise HttpError(403, RATE_LIMIT)
        prefix = f"/repos/{self.repository}"
        if failing == "not-found" or not (f"{path}/".startswith(f"{prefix}/") or path.startswith("/users/")):
            raise HttpError(404)
        if failing == "forbidden" and method != "GET":
            raise HttpError(403)
        free, environment = state["private_on"] == "free", method == "PUT" and "/environments/" in path
        if free and path.startswith(f"{prefix}/rulesets"):
            raise HttpError(403, UPGRADE)
        if free and environment:
            raise HttpError(422, NO_GATE)
        if state["private_on"] == "team" and environment and (body or {}).get("reviewers"):
            raise HttpError(422, NO_REVIEWERS)
        if path.startswith("/users/"):
            login = path.removeprefix("/users/")
            if login not in state["users"]:
                raise HttpError(404)
            return {"login": login, "id": state["users"][login], "type": "User"}
        parts = path.removeprefix(prefix).strip("/").split("/")
        answer = self._repository(state, method, parts, body, failing)
        self.save(state)
        return answer

    def _repository(self, state: dict[str, Any], method: str, parts: list[str], body: Any, failing: str | None) -> Any:
        owner, name = self.repository.split("/")
        match [method, *parts]:
            case ["GET", ""]:
                admin = failing != "forbidden"
                return {"name": name, "full_name": self.repository, "owner": {"login": owner}, "fork": state["fork"],
                        "default_branch": state["default_branch"], "permissions": {"admin": admin, "push": True, "pull": True}}  # fmt: skip
            case ["GET", "immutable-releases"]:
                if not state["immutable_releases"]:
                    raise HttpError(404)
                return {"enabled": True, "enforced_by_owner": False}
            case ["PUT", "immutable-releases"]:
                state["immutable_releases"] = True
                return None
            case ["GET", "rulesets"]:
                keys = ("id", "name", "target", "source_type", "source", "enforcement")
                return [{key: ruleset[key] for key in keys} for ruleset in state["rulesets"]]
            case ["POST", "rulesets"]:
                if any(ruleset["name"] == body["name"] for ruleset in state["rulesets"]):
                    raise HttpError(422, "Validation Failed: Name must be unique")
                ruleset = {"id": self._new_id(state), "source_type": "Repository", "source": self.repository,
                           "target": "branch", "conditions": {}, "rules": [], "bypass_actors": [], **body}  # fmt: skip
                state["rulesets"].append(ruleset)
                return ruleset
            case ["GET" | "PUT" as verb, "rulesets", ruleset_id]:
                (ruleset,) = [r for r in state["rulesets"] if str(r["id"]) == ruleset_id] or [None]
                if ruleset is None:
                    raise HttpError(404)
                ruleset.update(body if verb == "PUT" else {})
                return ruleset
            case ["GET", "pages"]:
                if state["pages"] is None:
                    raise HttpError(404)
                return state["pages"]
            case ["POST" | "PUT" as verb, "pages"]:
                if state["private_on"] == "free":
                    raise HttpError(422)
                if (state["pages"] is None) == (verb == "PUT"):
                    raise HttpError(404 if verb == "PUT" else 409)
                state["pages"] = {"url": f"https://api.github.com/repos/{self.repository}/pages",
                                  "html_url": f"https://{owner}.github.io/{name}/", **body}  # fmt: skip
                if body.get("build_type") == "workflow" and "github-pages" not in state["environments"]:
                    state["environments"]["github-pages"] = {
                        "deployment_branch_policy": {"protected_branches": False, "custom_branch_policies": True},
                        "reviewers": [],
                        "policies": [{"id": self._new_id(state), "name": state["default_branch"], "type": "branch"}],
                    }
                return state["pages"] if verb == "POST" else None
            case ["GET", "environments", environment]:
                if environment not in state["environments"]:
                    raise HttpError(404)
                return self._environment(environment, state["environments"][environment])
            case ["PUT", "environments", environment]:
                current = state["environments"].setdefault(
                    environment, {"deployment_branch_policy": None, "reviewers": [], "policies": []}
                )
                body = body or {}
                if "deployment_branch_policy" in body:
                    current["deployment_branch_policy"] = body["deployment_branch_policy"]
                if "reviewers" in body:
                    known = set(state["users"].values())
                    if any(reviewer["id"] not in known for reviewer in body["reviewers"] or []):
                        raise HttpError(422, "Validation Failed: reviewers must be users with access")
                    current["reviewers"] = body["reviewers"] or []
                return self._environment(environment, current)
            case ["GET" | "POST" as verb, "environments", environment, "deployment-branch-policies"]:
                current = state["environments"].get(environment)
                custom = current and (current["deployment_branch_policy"] or {}).get("custom_branch_policies")
                if current is None or (verb == "POST" and not custom):  # policies need custom_branch_policies
                    raise HttpError(404)
                if verb == "GET":
                    return {"total_count": len(current["policies"]), "branch_policies": current["policies"]}
                rule = {"type": "branch", **body}
                if any((p["name"], p["type"]) == (rule["name"], rule["type"]) for p in current["policies"]):
                    raise HttpError(422, "Validation Failed: the policy exists (GitHub answers 303)")
                policy = {"id": self._new_id(state), **rule}
                current["policies"].append(policy)
                return policy
        raise HttpError(404)

    def _new_id(self, state: dict[str, Any]) -> int:
        state["next_id"] += 1
        return int(state["next_id"])

    def _environment(self, name: str, environment: dict[str, Any]) -> dict[str, Any]:
        rules: list[dict[str, Any]] = []
        if environment["reviewers"]:
            users = {user_id: login for login, user_id in self.state()["users"].items()}
            reviewers = [
                {"type": r["type"], "reviewer": {"id": r["id"], "login": users.get(r["id"])}}
                for r in environment["reviewers"]
            ]
            rules.append({"id": 1, "type": "required_reviewers", "prevent_self_review": False, "reviewers": reviewers})
        if environment["deployment_branch_policy"]:
            rules.append({"id": 2, "type": "branch_policy"})
        policy = environment["deployment_branch_policy"]
        return {"name": name, "deployment_branch_policy": policy, "protection_rules": rules}


def run_setup(
    project: Path, github: FakeGitHub, *args: str, path: str | None = None, pypi: str = "http://127.0.0.1:9"
) -> subprocess.CompletedProcess[str]:
    """The generated github_setup.py, as the README gives it, with the fake's gh first on PATH."""
    # Imported here: the fake gh and the push hook import this module in processes of their own,
    # which need not load pytest (support.commands does).
    from support.commands import run

    tools = github.root / "tools"
    github.install(tools)
    command = ["uv", "run", "--no-project"] if path is None else [sys.executable]
    env = {"PATH": path if path is not None else f"{tools}{os.pathsep}{os.environ['PATH']}"}
    return run([*command, SETUP_SCRIPT, *args, "--pypi-url", pypi], project, env=env, check=False, timeout=120)
