"""Reading a generated project's GitHub workflows, and the rules they must follow.

The workflows are parsed with PyYAML; support.runner runs them (a whole
workflow, a job, or some of its steps). ``expression_problems`` checks where
expressions use which contexts and functions, as GitHub's context-availability
table allows; ``permission_problems`` what each job may be granted.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from support.expressions import STATUS_FUNCTIONS
from support.facts import TEMPLATE_DIR, parse_yaml

# The workflows every render has, read from the template (files without a
# condition in their name). The checks find a render's files themselves
# (``workflow_names``), so a new or conditional workflow cannot escape them.
_TEMPLATES = TEMPLATE_DIR / "template" / ".github" / "workflows"
WORKFLOWS = tuple(sorted(path.name.removesuffix(".jinja") for path in _TEMPLATES.iterdir() if "{" not in path.name))


def load_workflow(project: Path, name: str) -> dict[str, Any]:
    """A rendered workflow, parsed."""
    return parse_workflow((project / ".github" / "workflows" / name).read_text(encoding="utf-8"), name)


def parse_workflow(text: str, name: str) -> dict[str, Any]:
    """A workflow file's text, parsed (YAML 1.1 reads the key ``on`` as True: put back under "on")."""
    data = parse_yaml(text)
    assert isinstance(data, dict), f"{name} is not a mapping"
    if True in data:
        data["on"] = data.pop(True)
    return data


def triggers(workflow: Mapping[str, Any]) -> dict[str, Any]:
    """The ``on:`` block as a mapping event -> filter (None when unfiltered)."""
    on = workflow["on"]
    return {on: None} if isinstance(on, str) else dict.fromkeys(on) if isinstance(on, list) else dict(on)


def steps_using(job: Mapping[str, Any], action_repo: str) -> list[dict[str, Any]]:
    """The steps of ``job`` that use the action ``owner/repo``."""
    return [s for s in job.get("steps", []) if str(s.get("uses", "")).split("@")[0] == action_repo]


def needed_jobs(job: Mapping[str, Any]) -> list[str]:
    """The ids of the jobs ``job`` needs (``needs:`` is one id or a list of them)."""
    value = job.get("needs")
    return [] if value is None else [value] if isinstance(value, str) else list(value)


def run_steps(job: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The ``run:`` steps of a job, in order."""
    return [s for s in job.get("steps", []) if "run" in s]


def step_named(job: Mapping[str, Any], pattern: str) -> dict[str, Any]:
    """The one step of ``job`` whose name matches the regular expression ``pattern``."""
    found = [s for s in job.get("steps", []) if re.search(pattern, s.get("name", ""), re.IGNORECASE)]
    assert len(found) == 1, f"expected one step named like {pattern!r}, found {found}"
    return found[0]


def run_lines(job: Mapping[str, Any], program: str) -> list[str]:
    """The command lines of the job's ``run:`` scripts that start with ``program``."""
    return [
        line.strip()
        for step in run_steps(job)
        for line in str(step["run"]).splitlines()
        if line.strip().startswith(program)
    ]


def matrix_entries(job: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The combinations of a job's ``strategy.matrix``, expanded the way GitHub does (the one
    expansion: support.runner runs these entries).

    The product of the list-valued keys, in order; then each ``include`` entry
    is added to every combination none of whose values it would overwrite, or,
    if it fits none, appended as a combination of its own.
    """
    matrix = dict(job.get("strategy", {}).get("matrix", {}))
    include = matrix.pop("include", [])
    assert "exclude" not in matrix, "the test does not expand exclude:"
    entries: list[dict[str, Any]] = [{}]
    for key, values in matrix.items():
        entries = [{**entry, key: value} for entry in entries for value in values]
    for extra in include:
        fitting = [e for e in entries if all(e.get(key, v) == v for key, v in extra.items() if key in matrix)]
        if fitting:
            for entry in fitting:
                entry.update(extra)
        else:
            entries.append(dict(extra))
    return entries


def command_line(job: Mapping[str, Any], program: str) -> list[str]:
    """The one command line of ``job`` that starts with ``program``, split like the shell would."""
    lines = run_lines(job, program)
    assert len(lines) == 1, f"expected one `{program}` command line, found {lines}"
    return shlex.split(lines[0])


# --- where GitHub accepts which contexts and functions ----------------------------------------------
#
# actionlint checks this but cannot be installed here (its PyPI package downloads
# a binary from GitHub), and neither zizmor nor the JSON schema does: GitHub
# rejects a workflow whose job-level `env:` calls hashFiles() only when it runs.
# The table is GitHub's "Context availability" reference, for the keys these
# workflows use; a key outside it fails the check instead of passing unchecked.

_STATUS_FUNCTIONS = set(STATUS_FUNCTIONS)
_JOB_STATIC = {"github", "inputs", "matrix", "needs", "strategy", "vars"}
_STEP = _JOB_STATIC | {"env", "job", "runner", "secrets", "steps"}
AVAILABILITY: dict[str, tuple[set[str], set[str]]] = {
    # key: (contexts, special functions)
    "concurrency": ({"github", "inputs", "vars"}, set()),
    "env": ({"github", "inputs", "secrets", "vars"}, set()),
    "jobs.<job_id>.name": (_JOB_STATIC, set()),
    "jobs.<job_id>.runs-on": (_JOB_STATIC, set()),
    "jobs.<job_id>.concurrency": (_JOB_STATIC, set()),
    "jobs.<job_id>.environment": (_JOB_STATIC, set()),
    "jobs.<job_id>.environment.url": (_JOB_STATIC | {"env", "job", "runner", "steps"}, set()),
    "jobs.<job_id>.env": (_JOB_STATIC | {"secrets"}, set()),
    "jobs.<job_id>.if": ({"github", "inputs", "needs", "vars"}, _STATUS_FUNCTIONS),
    "jobs.<job_id>.strategy": ({"github", "inputs", "needs", "vars"}, set()),
    "jobs.<job_id>.with": (_JOB_STATIC, set()),
    "jobs.<job_id>.outputs": (_JOB_STATIC | {"job", "runner", "secrets", "steps"}, set()),
    "jobs.<job_id>.steps.if": (_STEP - {"secrets"}, _STATUS_FUNCTIONS | {"hashFiles"}),
    "jobs.<job_id>.steps.name": (_STEP, {"hashFiles"}),
    "jobs.<job_id>.steps.env": (_STEP, {"hashFiles"}),
    "jobs.<job_id>.steps.with": (_STEP, {"hashFiles"}),
    "jobs.<job_id>.steps.run": (_STEP, {"hashFiles"}),
}
_CONTEXTS = _STEP | {"jobs"}  # every context GitHub has
_SPECIAL_FUNCTIONS = _STATUS_FUNCTIONS | {"hashFiles"}
# Keys whose value is an expression even without ${{ }}.
_IMPLICIT_EXPRESSION_KEYS = {"jobs.<job_id>.if", "jobs.<job_id>.steps.if"}


def _expressions(value: Any, implicit: bool) -> list[str]:
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list):
        return [text for item in value for text in _expressions(item, False)]
    if not isinstance(value, str):
        return []
    found = re.findall(r"\$\{\{(.*?)\}\}", value, re.DOTALL)
    return found if found or not implicit else [value]


def _problems_in(key: str, value: Any) -> list[str]:
    if key not in AVAILABILITY:
        return [f"{key}: not in the availability table of the test"] if _expressions(value, False) else []
    contexts, functions = AVAILABILITY[key]
    problems = []
    for expression in _expressions(value, key in _IMPLICIT_EXPRESSION_KEYS):
        code = re.sub(r"'(?:[^']|'')*'", "''", expression)  # string literals are data
        problems += [
            f"{key}: context {name!r} is not available: {expression.strip()}"
            for name in re.findall(r"(?<![\w.])([A-Za-z_][\w-]*)\s*(?=[.\[])", code)
            if name in _CONTEXTS and name not in contexts
        ]
        problems += [
            f"{key}: function {name}() is not available: {expression.strip()}"
            for name in re.findall(r"(?<![\w.])([A-Za-z_]\w*)\s*\(", code)
            if name in _SPECIAL_FUNCTIONS and name not in functions
        ]
    return problems


def expression_problems(workflow: Mapping[str, Any]) -> list[str]:
    """Contexts and special functions used where GitHub does not provide them."""
    problems = _problems_in("concurrency", workflow.get("concurrency"))
    problems += _problems_in("env", workflow.get("env"))
    for job_id, job in workflow["jobs"].items():
        for key, value in job.items():
            if key in ("steps", "uses", "needs", "permissions", "secrets"):
                continue
            if key == "environment" and isinstance(value, dict):
                problems += _problems_in("jobs.<job_id>.environment", value.get("name"))
                problems += _problems_in("jobs.<job_id>.environment.url", value.get("url"))
                continue
            problems += [f"{job_id}: {p}" for p in _problems_in(f"jobs.<job_id>.{key}", value)]
        for step in job.get("steps", []):
            for key, value in step.items():
                if key in ("uses", "id", "shell", "working-directory"):
                    continue
                problems += [f"{job_id}: {p}" for p in _problems_in(f"jobs.<job_id>.steps.{key}", value)]
    return problems


# --- permissions: what each job may hold -----------------------------------------------------------

# What a job may be granted, keyed by what it does. Any job may read the code;
# a job that does one of these things needs (and may have) that grant too.
JOB_GRANTS: dict[str, tuple[dict[str, str], Any]] = {
    "publishes to a package index": (
        {"id-token": "write"},
        lambda job: bool(run_lines(job, "uv publish") or steps_using(job, "pypa/gh-action-pypi-publish")),
    ),
    "deploys GitHub Pages": (
        {"pages": "write", "id-token": "write"},
        lambda job: bool(steps_using(job, "actions/deploy-pages")),
    ),
    "creates a GitHub release": ({"contents": "write"}, lambda job: bool(run_lines(job, "gh release create"))),
    "keeps an issue": ({"issues": "write"}, lambda job: any("template_update" in s for s in run_lines(job, "uv"))),
}
BASELINE_GRANT = {"contents": "read"}
LEVELS = {"none": 0, "read": 1, "write": 2}


def permission_problems(workflow: Mapping[str, Any]) -> list[str]:
    """Where a workflow's permissions break the rules (an empty list when they hold)."""
    problems = [] if workflow.get("permissions") == {} else ["top-level permissions are not {}"]
    for job_id, job in workflow["jobs"].items():
        granted = job.get("permissions")
        if not isinstance(granted, dict):
            problems.append(f"{job_id}: no per-job permissions mapping")
            continue
        allowed = dict(BASELINE_GRANT)
        for activity, (needs, does) in JOB_GRANTS.items():
            if not does(job):
                continue
            for scope, level in needs.items():
                if LEVELS[granted.get(scope, "none")] < LEVELS[level]:
                    problems.append(f"{job_id} {activity} but lacks {scope}: {level}")
                if LEVELS[level] > LEVELS[allowed.get(scope, "none")]:
                    allowed[scope] = level
        for scope, level in granted.items():
            if LEVELS[level] > LEVELS[allowed.get(scope, "none")]:
                problems.append(f"{job_id}: {scope}: {level} is more than what the job does needs")
        if "id-token" in granted and "environment" not in job:
            problems.append(f"{job_id}: id-token without an environment (nothing gates the token)")
    return problems


# --- what the checks cover: found in the template, not listed by hand --------------------------------


def workflow_names(project: Path) -> list[str]:
    """Every workflow file a rendered project has (so a new one is checked the moment it exists)."""
    folder = project / ".github" / "workflows"
    names = sorted(p.name for p in folder.iterdir() if p.suffix in (".yml", ".yaml"))
    assert names, f"no workflows in {folder}"
    return names


def github_files(project: Path) -> list[str]:
    """Every YAML file under .github of a rendered project, as paths relative to it."""
    return sorted(
        p.relative_to(project).as_posix() for p in (project / ".github").rglob("*") if p.suffix in (".yml", ".yaml")
    )
