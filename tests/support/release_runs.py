"""Running release.yml's jobs as GitHub would: from a git origin, with job outputs, on a local index.

Shared by test_release_preflight.py, test_release_rehearsal.py and test_publish_e2e.py.
A generated project is committed to a repository whose "origin" is a bare
repository with the default branch main (GitHub's side); each job starts from
its own checkout of the pushed commit, fetched as actions/checkout fetches it.
Steps run with github_workflows.run_step; each step writes its outputs to a
file of its own (GITHUB_OUTPUT), and a job's `outputs:` and the `needs.*`
expressions of later jobs are evaluated from what the steps really wrote.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from support.commands import git, require_interpreter, run
from support.index import LocalIndex
from support.workflows import github_env, run_step, run_steps, steps_using

DEFAULT_BRANCH = "main"


@dataclass
class Repo:
    """The developer's clone (``work``) and the bare ``origin`` it pushes to."""

    work: Path
    origin: Path

    def commit_all(self, message: str) -> str:
        git("add", "-A", cwd=self.work)
        git("commit", "-q", "-m", message, cwd=self.work)
        return git("rev-parse", "HEAD", cwd=self.work)


def init_repo(project: Path, tmp_path: Path) -> Repo:
    """A copy of ``project`` committed on main and pushed to a fresh bare origin."""
    origin = tmp_path / "origin.git"
    run(["git", "init", "-q", "--bare", "-b", DEFAULT_BRANCH, origin], tmp_path)
    work = tmp_path / "work"
    shutil.copytree(project, work)
    git("init", "-q", "-b", DEFAULT_BRANCH, cwd=work)
    repo = Repo(work, origin)
    repo.commit_all("Initial commit")
    git("remote", "add", "origin", origin, cwd=work)
    git("push", "-q", "origin", DEFAULT_BRANCH, cwd=work)
    return repo


def checkout(job: Mapping[str, Any], origin: Path, ref: str, dest: Path) -> Path:
    """The job's actions/checkout step, for the pushed ``ref`` (refs/tags/X or refs/heads/X).

    With `fetch-depth: 0` the action fetches every branch and tag
    (+refs/heads/*:refs/remotes/origin/*, +refs/tags/*:refs/tags/*); otherwise
    only the ref, that many commits deep. Then it checks out the commit.
    """
    (step,) = steps_using(job, "actions/checkout")
    assert step["with"]["persist-credentials"] is False
    depth = int(step["with"].get("fetch-depth", 1))
    dest.parent.mkdir(parents=True, exist_ok=True)
    git("init", "-q", dest.name, cwd=dest.parent)
    git("remote", "add", "origin", origin, cwd=dest)
    if depth == 0:
        git(
            "fetch",
            "-q",
            "--prune",
            "--no-recurse-submodules",
            "origin",
            "+refs/heads/*:refs/remotes/origin/*",
            "+refs/tags/*:refs/tags/*",
            cwd=dest,
        )
    else:
        git("fetch", "-q", "--no-tags", f"--depth={depth}", "origin", f"+{ref}:{ref}", cwd=dest)
    git("checkout", "-q", "--force", git("rev-parse", f"{ref}^{{commit}}", cwd=origin), cwd=dest)
    return dest


@dataclass
class Run:
    """One workflow run: the event, and the runner variables each job sees."""

    workflow: Mapping[str, Any]
    event: str  # "push" (a tag) or "workflow_dispatch"
    ref: str  # refs/tags/v1.0.0 or refs/heads/main
    sha: str
    tmp: Path
    index: Mapping[str, str] = field(default_factory=dict)  # workflow env name -> URL
    number: int = 1
    attempt: int = 1

    def env(self, job: Mapping[str, Any]) -> dict[str, str]:
        ref_type = "tag" if self.ref.startswith("refs/tags/") else "branch"
        name = self.ref.rsplit("/", 1)[1]
        self.tmp.mkdir(parents=True, exist_ok=True)
        event = self.tmp / "event.json"
        event.write_text(json.dumps({"repository": {"default_branch": DEFAULT_BRANCH}}), encoding="utf-8")
        workflow_env = {k: str(v) for k, v in (self.workflow.get("env") or {}).items()}
        for key, url in self.index.items():
            assert key in workflow_env, f"release.yml has no env {key}"
            workflow_env[key] = url  # the one value a test redirects
        env = {
            **workflow_env,
            **github_env(name, self.event, ref_type),
            "GITHUB_SHA": self.sha,
            "GITHUB_EVENT_PATH": str(event),
            "GITHUB_REPOSITORY": "acme/acme-widgets",
            "GITHUB_RUN_NUMBER": str(self.number),
            "GITHUB_RUN_ATTEMPT": str(self.attempt),
            "GITHUB_STEP_SUMMARY": str(self.tmp / "summary.md"),
        }
        setups = steps_using(job, "astral-sh/setup-uv")
        if setups and "python-version" in setups[0].get("with", {}):
            # setup-uv exports the interpreter it installed as UV_PYTHON.
            env["UV_PYTHON"] = require_interpreter(str(setups[0]["with"]["python-version"]))
        return env


@dataclass
class JobResult:
    results: list[subprocess.CompletedProcess[str]]
    outputs: dict[str, str]  # the job's `outputs:`, evaluated

    @property
    def ok(self) -> bool:
        return all(r.returncode == 0 for r in self.results)

    @property
    def output(self) -> str:
        return "".join(r.stdout + r.stderr for r in self.results)


_IF = re.compile(r"github\.event_name == '([a-z_]+)'")
_STEP_OUTPUT = re.compile(r"steps\.([\w-]+)\.outputs\.([\w-]+)")


def run_job_with_outputs(
    job: Mapping[str, Any], cwd: Path, env: Mapping[str, str], expressions: Mapping[str, str] | None = None
) -> JobResult:
    """Run the job's steps until one fails; each step gets its own GITHUB_OUTPUT file."""
    results: list[subprocess.CompletedProcess[str]] = []
    steps: dict[str, dict[str, str]] = {}
    for index, step in enumerate(run_steps(job)):
        if "if" in step:
            match = _IF.fullmatch(str(step["if"]).strip())
            if match is None:
                pytest.fail(f"the test cannot evaluate if: {step['if']}", pytrace=False)
            if env["GITHUB_EVENT_NAME"] != match.group(1):
                continue
        output_file = Path(env["GITHUB_STEP_SUMMARY"]).with_name(f"output-{index}")
        output_file.write_text("", encoding="utf-8")
        results.append(
            run_step(job, step, cwd, {**env, "GITHUB_OUTPUT": str(output_file)}, check=False, expressions=expressions)
        )
        if "id" in step:
            lines = output_file.read_text(encoding="utf-8").splitlines()
            steps[step["id"]] = dict(line.split("=", 1) for line in lines if line)
        if results[-1].returncode != 0:
            break
    outputs = {}
    for key, value in (job.get("outputs") or {}).items():
        expression = re.fullmatch(r"\$\{\{(.*)\}\}", str(value).strip())
        assert expression, value
        # `a || b`: the first one that is not empty, as GitHub evaluates it.
        outputs[key] = ""
        for alternative in expression.group(1).split("||"):
            match = _STEP_OUTPUT.fullmatch(alternative.strip())
            if match is None:
                pytest.fail(f"the test cannot evaluate the job output {value}", pytrace=False)
            found = steps.get(match.group(1), {}).get(match.group(2), "")
            if found:
                outputs[key] = found
                break
    return JobResult(results, outputs)


def needs(job_id: str, outputs: Mapping[str, str]) -> dict[str, str]:
    """The `${{ needs.<job_id>.outputs.<name> }}` expressions of a later job, as GitHub fills them in."""
    return {f"${{{{ needs.{job_id}.outputs.{name} }}}}": value for name, value in outputs.items()}


def without_oidc(publish: list[str], index: LocalIndex) -> list[str]:
    """The workflow's `uv publish` command line with what OIDC provides on GitHub replaced.

    On GitHub the job's OIDC token is exchanged for a short-lived upload token
    of PyPI (or TestPyPI). Here there is no token to exchange, so exactly that
    is substituted: `--trusted-publishing always` becomes `never` plus a dummy
    `--username/--password` (the local index takes any), and the index URLs
    (the implicit PyPI upload URL, or `--publish-url`/`--check-url`) point at
    the local index. Every other argument stays as the workflow wrote it.
    """
    args = list(publish)
    position = args.index("--trusted-publishing")
    assert args[position + 1] == "always"
    args[position + 1] = "never"
    for option, url in (("--publish-url", index.url), ("--check-url", index.simple_url)):
        if option in args:
            args[args.index(option) + 1] = url
    if "--publish-url" not in publish:
        args += ["--publish-url", index.url]
    return [*args, "--username", "rehearsal", "--password", "not-a-secret"]
