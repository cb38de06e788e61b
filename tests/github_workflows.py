"""Reading and running a generated project's GitHub workflows.

Shared by test_workflows.py and test_publish_e2e.py. The workflows are parsed
with PyYAML; their ``run:`` scripts are executed with bash the way a GitHub
runner does (``bash -e`` on a script file, job ``env:`` plus step ``env:``,
the ``GITHUB_*`` variables the scripts read). Anything the runner would
evaluate that this module does not understand fails the test instead of being
guessed. ``expression_problems`` checks where expressions use which contexts
and functions, as GitHub's context-availability table allows.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import run

WORKFLOWS = ("ci.yml", "release.yml")


def load_workflow(project: Path, name: str) -> dict[str, Any]:
    """A rendered workflow, parsed.

    YAML 1.1 reads the key ``on`` as the boolean True; it is put back under
    "on" so that tests read like the file.
    """
    data = yaml.safe_load((project / ".github" / "workflows" / name).read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{name} is not a mapping"
    if True in data:
        data["on"] = data.pop(True)
    return data


def triggers(workflow: Mapping[str, Any]) -> dict[str, Any]:
    """The ``on:`` block as a mapping event -> filter (None when unfiltered)."""
    on = workflow["on"]
    if isinstance(on, str):
        return {on: None}
    if isinstance(on, list):
        return dict.fromkeys(on)
    return dict(on)


def steps_using(job: Mapping[str, Any], action_repo: str) -> list[dict[str, Any]]:
    """The steps of ``job`` that use the action ``owner/repo``."""
    return [s for s in job.get("steps", []) if str(s.get("uses", "")).split("@")[0] == action_repo]


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


# Expressions a runner evaluates in the env: blocks these workflows use. Each
# maps to a function of the working directory; an unknown one fails the test.
_ENV_EXPRESSIONS = {
    "${{ hashFiles('uv.lock') != '' }}": lambda cwd: str((cwd / "uv.lock").is_file()).lower(),
}


def evaluate_env(env: Mapping[str, Any] | None, cwd: Path) -> dict[str, str]:
    """An ``env:`` block as the runner would export it in ``cwd``."""
    result: dict[str, str] = {}
    for key, value in (env or {}).items():
        text = str(value).lower() if isinstance(value, bool) else str(value)
        if "${{" in text:
            if text not in _ENV_EXPRESSIONS:
                pytest.fail(f"the test does not know how to evaluate env {key}: {text}", pytrace=False)
            text = _ENV_EXPRESSIONS[text](cwd)
        result[key] = text
    return result


def github_env(ref_name: str = "main", event_name: str = "push", ref_type: str = "branch") -> dict[str, str]:
    """The default variables of a GitHub-hosted runner that the scripts may read."""
    ref = f"refs/tags/{ref_name}" if ref_type == "tag" else f"refs/heads/{ref_name}"
    return {
        "CI": "true",
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": event_name,
        "GITHUB_REF": ref,
        "GITHUB_REF_NAME": ref_name,
        "GITHUB_REF_TYPE": ref_type,
    }


def run_step(
    job: Mapping[str, Any],
    step: Mapping[str, Any],
    cwd: Path,
    env: Mapping[str, str],
    *,
    check: bool = True,
    timeout: float = 600,
) -> subprocess.CompletedProcess[str]:
    """Run one ``run:`` step of ``job`` in ``cwd`` like a runner: ``bash -e`` on a script file.

    ``env`` is what the runner and the actions before the step provide
    (GITHUB_*, UV_PYTHON from setup-uv); the job's and the step's ``env:``
    blocks are added on top.
    """
    shell = step.get("shell", job.get("defaults", {}).get("run", {}).get("shell"))
    # Without `shell:`, GitHub runs `bash -e {0}`; `shell: bash` adds pipefail.
    if shell is None:
        command = ["bash", "-e"]
    elif shell == "bash":
        command = ["bash", "--noprofile", "--norc", "-eo", "pipefail"]
    else:
        pytest.fail(f"the test cannot run steps with shell {shell!r}", pytrace=False)
    assert "working-directory" not in step, "the test runs steps in the workspace root only"
    full_env = {**env, **evaluate_env(job.get("env"), cwd), **evaluate_env(step.get("env"), cwd)}
    full_env.setdefault("GITHUB_WORKSPACE", str(cwd))
    # Like the runner, keep the script outside the workspace.
    with tempfile.TemporaryDirectory() as scripts:
        script = Path(scripts) / "step.sh"
        script.write_text(str(step["run"]), encoding="utf-8")
        return run([*command, script], cwd, env=full_env, check=check, timeout=timeout)


def run_job(job: Mapping[str, Any], cwd: Path, env: Mapping[str, str], *,
            check: bool = True) -> list[subprocess.CompletedProcess[str]]:
    """Run the ``run:`` steps of ``job`` in order, like the runner, until one fails.

    With ``check``, a failing step fails the test. Returns the results of the
    steps that ran (the last one is the failure, if any).

    A step's ``if:`` is GitHub's to evaluate: only ``github.event_name == '...'``
    is understood here (against GITHUB_EVENT_NAME), anything else fails.
    """
    results = []
    for step in run_steps(job):
        condition = step.get("if")
        if condition is not None:
            match = re.fullmatch(r"github\.event_name == '([a-z_]+)'", str(condition).strip())
            if match is None:
                pytest.fail(f"the test cannot evaluate if: {condition}", pytrace=False)
            if env.get("GITHUB_EVENT_NAME") != match.group(1):
                continue
        results.append(run_step(job, step, cwd, env, check=check))
        if results[-1].returncode != 0:
            break
    return results


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

_STATUS_FUNCTIONS = {"always", "success", "failure", "cancelled"}
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
    "jobs.<job_id>.steps.if": (_STEP - {"secrets"}, _STATUS_FUNCTIONS | {"hashFiles"}),
    "jobs.<job_id>.steps.name": (_STEP, {"hashFiles"}),
    "jobs.<job_id>.steps.env": (_STEP, {"hashFiles"}),
    "jobs.<job_id>.steps.with": (_STEP, {"hashFiles"}),
    "jobs.<job_id>.steps.run": (_STEP, {"hashFiles"}),
}
_CONTEXTS = {"github", "env", "vars", "job", "jobs", "steps", "runner", "secrets", "strategy", "matrix",
             "needs", "inputs"}
_SPECIAL_FUNCTIONS = _STATUS_FUNCTIONS | {"hashFiles"}
# Keys whose value is an expression even without ${{ }}.
_IMPLICIT_EXPRESSION_KEYS = {"jobs.<job_id>.if", "jobs.<job_id>.steps.if"}


def _expressions(value: Any, implicit: bool) -> list[str]:
    texts: list[str] = []
    if isinstance(value, dict):
        for item in value.values():
            texts += _expressions(item, implicit=False)
    elif isinstance(value, list):
        for item in value:
            texts += _expressions(item, implicit=False)
    elif isinstance(value, str):
        found = re.findall(r"\$\{\{(.*?)\}\}", value, re.DOTALL)
        texts += found if found or not implicit else [value]
    return texts


def _problems_in(key: str, value: Any) -> list[str]:
    if key not in AVAILABILITY:
        return [f"{key}: not in the availability table of the test"] if _expressions(value, False) else []
    contexts, functions = AVAILABILITY[key]
    problems = []
    for expression in _expressions(value, key in _IMPLICIT_EXPRESSION_KEYS):
        code = re.sub(r"'(?:[^']|'')*'", "''", expression)  # string literals are data
        problems += [f"{key}: context {name!r} is not available: {expression.strip()}"
                     for name in re.findall(r"(?<![\w.])([A-Za-z_][\w-]*)\s*(?=[.\[])", code)
                     if name in _CONTEXTS and name not in contexts]
        problems += [f"{key}: function {name}() is not available: {expression.strip()}"
                     for name in re.findall(r"(?<![\w.])([A-Za-z_]\w*)\s*\(", code)
                     if name in _SPECIAL_FUNCTIONS and name not in functions]
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
