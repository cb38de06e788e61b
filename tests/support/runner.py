"""A generated project's workflow run as GitHub runs it: its jobs as a graph.

A generated project is committed to a repository whose "origin" is a bare
repository with the default branch main (GitHub's side). A ``WorkflowRun`` is
one run for one event of a commit pushed there: its workflow is read from that
commit; jobs run in ``needs`` order (a job whose needs failed or were skipped
is skipped unless its ``if:`` says otherwise), one run per matrix entry, each
job from an empty workspace of its own; every ``if:`` and ``${{ }}`` goes
through support.expressions; step outputs come from GITHUB_OUTPUT files, job
``outputs:`` reach later jobs as ``needs``; a called workflow (``uses:
$/.github/workflows/x.yml``) runs in place. The actions the template pins have
local stand-ins that do what the action does for these inputs (below); any
other action, input or feature fails the test. ``run:`` steps run as on a
runner: ``bash -e`` on a script file outside the workspace. Concurrency groups
are evaluated as GitHub evaluates them (``WorkflowRun.concurrency``), and a job
or called workflow that would wait for a group its own run holds is cancelled,
as GitHub cancels it (a deadlock); separate runs never wait for each other here.

What GitHub provides that is not here: the OIDC token (``uv publish`` in a job
granted ``id-token: write`` goes to a local index, support.index.without_oidc)
and GitHub itself (``gh`` is support.github_releases: it records what it was
asked and keeps the releases as GitHub does, immutable once published). Git over
HTTPS to the repository on github.com with the run's token (``x-access-token``)
reaches origin in a job granted ``contents: write`` only (GitHub refuses a
push with any other token).
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest

from support.answers import DEFAULT_NAMES, REQUIRED_ANSWERS
from support.commands import UV, find_interpreter, git, require_interpreter, run, uv
from support.expressions import Strict, condition, substitute
from support.facts import OS_RUNNERS
from support.github_releases import FakeReleases
from support.index import LocalIndex
from support.workflows import load_workflow, matrix_entries, needed_jobs, parse_workflow, steps_using, triggers

DEFAULT_BRANCH = "main"
TOKEN = "ghs_not-a-token"  # noqa: S105  # github.token, in every run
REPOSITORY = f"{REQUIRED_ANSWERS['github_owner']}/{DEFAULT_NAMES['repository_name']}"
# The index URLs the workflows name; a run points them at its local index.
REAL_INDEXES = ("https://pypi.org/simple/", "https://test.pypi.org/simple/")
UNREACHABLE_INDEX = "http://127.0.0.1:9/simple/"  # nothing answers there (the discard port)


@dataclass
class Repo:
    """The developer's clone (``work``) and the bare ``origin`` it pushes to."""

    work: Path
    origin: Path

    def commit_all(self, message: str) -> str:
        git("add", "-A", cwd=self.work)
        git("commit", "-q", "-m", message, cwd=self.work)
        return git("rev-parse", "HEAD", cwd=self.work)

    def tag(self, tag: str, *refs: str) -> str:
        """Tag HEAD and push the tag (and ``refs``); returns the tag's ref."""
        git("tag", tag, cwd=self.work)
        git("push", "-q", "origin", *refs, tag, cwd=self.work)
        return f"refs/tags/{tag}"


def git_config_env(settings: Mapping[str, str]) -> dict[str, str]:
    """Git settings as a process's environment gives them (GIT_CONFIG_COUNT, _KEY_n, _VALUE_n)."""
    env = {"GIT_CONFIG_COUNT": str(len(settings))}
    for number, (key, value) in enumerate(settings.items()):
        env |= {f"GIT_CONFIG_KEY_{number}": key, f"GIT_CONFIG_VALUE_{number}": value}
    return env


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


@dataclass(frozen=True)
class Event:
    """What started the run: a push of a tag or branch, or a workflow_dispatch on a branch."""

    name: str  # push or workflow_dispatch (or any event name: github.event_name)
    ref: str  # refs/tags/v1.0.0 or refs/heads/main
    number: int = 1
    attempt: int = 1
    payload: Mapping[str, Any] = field(default_factory=dict, hash=False)  # github.event beyond repository


PUSH_TO_MAIN = Event("push", f"refs/heads/{DEFAULT_BRANCH}")


@dataclass
class Step:
    name: str
    outcome: str  # success, failure or skipped
    log: str = ""
    outputs: dict[str, str] = field(default_factory=dict)
    summary: str = ""  # what it wrote to GITHUB_STEP_SUMMARY
    process: subprocess.CompletedProcess[str] | None = None  # a run: step's script (exit code, stdout, stderr)


@dataclass(frozen=True)
class Group:
    """A concurrency group a run holds: GitHub compares the names case-insensitively (casefolded here)."""

    where: str  # "the workflow" or a job id; "test/the workflow": the workflow the job test calls
    name: str
    cancels: bool  # cancel-in-progress: a new run in the group cancels the one in progress


# The commands GitHub's runner knows (actions/runner, src/Runner.Worker/ActionCommandManager.cs).
RUNNER_COMMANDS = {"stop-commands", "set-env", "set-output", "save-state", "add-mask", "add-path", "add-matcher"}
RUNNER_COMMANDS |= {"remove-matcher", "debug", "warning", "error", "notice", "group", "endgroup", "echo"}


def _command(line: str, known: set[str]) -> tuple[str, str] | None:
    """(name, data) of the command a line of output is, as the runner reads it (ActionCommand.TryParseV2:
    ::name props::data after leading spaces; then TryParse: ##[name props]data anywhere), or None."""
    text = line.lstrip()
    if text.startswith("::") and (end := text.find("::", 2)) >= 0:
        name = text[2:end].split(" ", 1)[0].lower()
        if name in known:
            return name, text[end + 2 :]
    if (start := line.find("##[")) >= 0 and (end := line.find("]", start)) >= 0:
        name = line[start + 3 : end].split(" ", 1)[0].lower()
        if name in known:
            return name, line[end + 1 :]
    return None


def workflow_commands(log: str) -> list[str]:
    """The lines of a step's output that GitHub's runner acts on (::error …::, ::add-mask::…): none from
    ::stop-commands::TOKEN to the next command named TOKEN (ActionCommandManager.TryProcessCommand)."""
    acted, token = [], None
    for line in log.splitlines():
        found = _command(line, RUNNER_COMMANDS | ({token} if token else set()))
        if found is None:
            continue
        if token is not None:
            token = None if found[0] == token else token
        elif found[0] == "stop-commands" and found[1] and found[1].lower() not in {*RUNNER_COMMANDS, "pause-logging"}:
            token = found[1].lower()
        else:  # a command, or a stop with a token the runner refuses (ValidateStopToken): the step fails
            acted.append(line)
    return acted


@dataclass
class Job:
    name: str  # as GitHub shows it (matrix values put in)
    result: str  # success, failure, skipped, or cancelled (a concurrency deadlock)
    outputs: dict[str, str] = field(default_factory=dict)
    steps: list[Step] = field(default_factory=list)
    entries: list[Job] = field(default_factory=list)  # a matrix job: the entries run here
    unavailable: list[str] = field(default_factory=list)  # a matrix job: the entries not run here, and why
    summary: str = ""  # what its steps wrote to GITHUB_STEP_SUMMARY
    workspace: Path | None = None
    url: str | None = None  # its environment's url, evaluated
    given: bool = False  # not run: its result was given to the run

    @property
    def log(self) -> str:
        return "".join(step.log for step in self.steps) + "".join(entry.log for entry in self.entries)

    def step(self, pattern: str) -> Step:
        """The one step whose name matches the regular expression ``pattern``."""
        found = [step for step in self.steps if re.search(pattern, step.name, re.IGNORECASE)]
        assert len(found) == 1, f"expected one step named like {pattern!r}, found {[s.name for s in found]}"
        return found[0]


@dataclass
class _State:
    """One job's runner: its workspace, and what its steps exported for the next ones."""

    job: Mapping[str, Any]
    key: str  # the job's id in the run
    upstream: set[str]  # the jobs it needs, directly or not: only their artifacts are surely there
    workspace: Path
    temp: Path
    exports: dict[str, str] = field(default_factory=dict)  # GITHUB_ENV, and the actions' (UV_PYTHON)
    paths: list[str] = field(default_factory=list)  # GITHUB_PATH, and the actions' (uv)


def _upstream(jobs: Mapping[str, Any], job_id: str) -> set[str]:
    """The jobs ``job_id`` needs, directly or through others."""
    return {name for need in needed_jobs(jobs[job_id]) for name in {need} | _upstream(jobs, need)}


def hosted_runner(job: Mapping[str, Any], contexts: Mapping[str, Any]) -> str:
    """The job's runs-on: a runner copier.yml names (the runners fact), or the test fails where
    GitHub would start nothing (a label no runner has leaves the job queued until it is cancelled)."""
    runner = substitute(job["runs-on"], contexts)
    if runner not in OS_RUNNERS.values():
        hosted = ", ".join(OS_RUNNERS.values())
        pytest.fail(f"runs-on: {runner}: no runner has that label (copier.yml's: {hosted})", pytrace=False)
    return runner


def _statuses(succeeded: bool, failed: bool) -> dict[str, Any]:
    """success(), failure(), always() and cancelled() (no run here is cancelled from outside)."""
    return {"success": lambda: succeeded, "failure": lambda: failed, "always": lambda: True, "cancelled": lambda: False}


def _read_commands(path: Path) -> dict[str, str]:
    """A GITHUB_OUTPUT or GITHUB_ENV file of ``name=value`` lines (the ``name<<EOF`` form is not used here)."""
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line]
    if any("=" not in line for line in lines):
        pytest.fail(f"the test reads name=value lines only: {lines}", pytrace=False)
    return dict(line.split("=", 1) for line in lines)


def _known(step: Mapping[str, Any], inputs: Mapping[str, str], known: set[str]) -> None:
    if set(inputs) - known:
        pytest.fail(f"{step['uses']}: the test's stand-in does not know {sorted(set(inputs) - known)}", pytrace=False)


def _called(job: Mapping[str, Any]) -> str | None:
    """The file name of the workflow of this repository that ``job`` calls (``uses: ./.github/workflows/x.yml``)."""
    match = re.fullmatch(r"[$.]/\.github/workflows/([\w.-]+)", str(job.get("uses", "")))
    return match.group(1) if match else None


def _name(step: Mapping[str, Any]) -> str:
    """A step's name as GitHub shows it."""
    return str(step.get("name") or step.get("uses") or step["run"].splitlines()[0])


def _hash_files(workspace: Path, *patterns: str) -> str:
    """GitHub's hashFiles(): '' when no file matches, else a SHA-256 over the matching files' SHA-256s."""
    if any(pattern.startswith("!") for pattern in patterns):
        pytest.fail(f"the test does not know hashFiles() exclusions: {patterns}", pytrace=False)
    files = sorted({path for pattern in patterns for path in workspace.glob(pattern) if path.is_file()})
    digest = hashlib.sha256()
    for path in files:
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest() if files else ""


def _shell(job: Mapping[str, Any], step: Mapping[str, Any]) -> list[str]:
    """The shell a runner starts for a ``run:`` step: ``bash -e {0}``, or with ``shell: bash`` pipefail too."""
    shell = step.get("shell", job.get("defaults", {}).get("run", {}).get("shell"))
    if shell not in (None, "bash"):
        pytest.fail(f"the test cannot run steps with shell {shell!r}", pytrace=False)
    assert "working-directory" not in step, "the test runs steps in the workspace root only"
    return ["bash", "-e"] if shell is None else ["bash", "--noprofile", "--norc", "-eo", "pipefail"]


def _payload(event: Event) -> dict[str, Any]:  # GITHUB_EVENT_PATH, github.event
    return {"repository": {"default_branch": DEFAULT_BRANCH}, **event.payload}


def _github(event: Event, sha: str, workflow: Mapping[str, Any]) -> Strict:
    """The ``github`` context of a run of ``workflow`` for ``event`` at the commit ``sha`` (in a workflow
    it calls too: GitHub gives a called workflow its caller's context, github.workflow included)."""
    return Strict(
        event_name=event.name, event=_payload(event), sha=sha, token=TOKEN, workflow=workflow.get("name", ""),
        ref=event.ref, run_id=str(1_000_000 + event.number), ref_name=event.ref.split("/", 2)[2], ref_type="tag" if event.ref.startswith("refs/tags/") else "branch",
        repository=REPOSITORY, repository_owner=REPOSITORY.split("/")[0], server_url="https://github.com",
        run_number=str(event.number), run_attempt=str(event.attempt),
    )  # fmt: skip


def planned_steps(workflow: Mapping[str, Any], job_id: str, matrix: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The steps of a job that run for the ``matrix`` entry on a push to main while every step passes:
    each ``if:`` as a run evaluates it (one on what only a run knows, such as a step's output, fails)."""
    github = _github(PUSH_TO_MAIN, _NO_COMMIT, workflow)
    contexts = {"github": github, "inputs": {}, "needs": Strict(), "steps": Strict(), "matrix": dict(matrix)}
    passing = _statuses(True, False)
    return [step for step in workflow["jobs"][job_id]["steps"] if condition(step.get("if"), contexts, passing)]


def run_in_place(
    project: Path, job_id: str, *, workflow: str = "ci.yml", matrix: Mapping[str, Any] | None = None,
    steps: Sequence[str] | None = None, needs: Mapping[str, Job] | None = None,
    env: Mapping[str, str] | None = None, event: Event = PUSH_TO_MAIN,
) -> Job:  # fmt: skip
    """One job of the rendered ``project`` run by the runner in the project as it is: a working
    copy, its files the checkout (no origin, no commit), e.g. with a defect planted.

    ``matrix``: the entry the job runs as (the test's choice: one of ``matrix_entries``, or
    values no entry has, such as a Python to exercise a step on). ``steps``: patterns naming
    the ``run:`` steps to run (the other ``run:`` steps are skipped, the actions run); a named
    step runs while the steps before it pass, whatever its own ``if:``. ``needs``: the jobs it
    needs, as given. ``env``: set over all the runner and the workflow set (PATH aside), for
    what a test stands in for (a summary file already written to, a faked interpreter).
    """
    with tempfile.TemporaryDirectory(prefix=f"{job_id}-") as tmp:
        run = WorkflowRun(None, event, Path(tmp), in_place=project, env=env)
        return run.job(job_id, needs, workflow, matrix=matrix, steps=steps)


@functools.cache
def pinned_uv(version: str) -> str:
    """The uv of that version: the one on PATH if it is that one, else installed from PyPI."""
    if uv("--version", cwd=Path.cwd()).stdout.split()[1] == version:
        return UV
    venv = Path(tempfile.mkdtemp(prefix=f"uv-{version}-"))
    uv("venv", "-q", venv, cwd=venv)
    uv("pip", "install", "-q", "-p", venv, f"uv=={version}", cwd=venv)
    return str(venv / "bin" / "uv")


class WorkflowRun:
    """One run of the workflows of ``origin`` for ``event``.

    ``index`` stands in for PyPI and TestPyPI: the workflow env values that
    name them point at it (a URL string: an index that only answers, e.g.
    one that cannot be reached), and ``uv publish`` uploads to it.
    ``in_place`` and ``env``: see ``run_in_place``. ``immutable_releases``: the repository
    setting (on, as .github/scripts/github_setup.py sets it): a published release takes no files.
    """

    def __init__(
        self, origin: Path | None, event: Event, tmp: Path, index: LocalIndex | str | None = None, *,
        in_place: Path | None = None, env: Mapping[str, str] | None = None, immutable_releases: bool = True,
    ) -> None:  # fmt: skip
        self.origin, self.event, self.tmp = origin, event, tmp
        self.index, self.in_place, self.env = index, in_place, dict(env or {})
        assert (origin is None) != (in_place is None), "a run of an origin's commit, or in a working copy"
        self.sha = _NO_COMMIT if origin is None else git("rev-parse", f"{event.ref}^{{commit}}", cwd=origin)
        self.top: dict[str, Any] = {}  # the workflow run (a workflow it calls runs with its github context)
        self.top_file = ""
        self.jobs: dict[str, Job] = {}  # by id ("test/lint": the job lint of the workflow the job test called)
        self.artifacts: dict[str, Path] = {}
        self.uploaded_by: dict[str, str] = {}  # artifact name -> the job that uploaded it
        self.deployments: list[dict[str, Any]] = []  # deploy-pages
        self.attested: list[list[str]] = []  # attest-action: the files it would have signed
        (tmp / "jobs").mkdir(parents=True, exist_ok=True)
        self.event_path = tmp / "event.json"
        self.event_path.write_text(json.dumps(_payload(event)), encoding="utf-8")
        self.tools = tmp / "tools"  # on every runner's PATH: gh
        self.github = FakeReleases(tmp / "github", REPOSITORY, origin, immutable_releases)
        self.github.install(self.tools)
        self.oidc = tmp / "oidc"  # first on PATH in jobs that hold id-token: write
        self.oidc.mkdir()
        upload = index.url if isinstance(index, LocalIndex) else ""
        tests = Path(__file__).resolve().parents[1]
        script = _OIDC_UV.format(tests=tests, upload=upload, oidc=self.oidc)
        (self.oidc / "uv").write_text(f"#!{sys.executable}\n{script}", encoding="utf-8")
        (self.oidc / "uv").chmod(0o755)

    # --- what the run did --------------------------------------------------------------------------

    def results(self) -> dict[str, str]:
        """Each job's result, of the jobs that ran or were skipped (not those given)."""
        return {job_id: job.result for job_id, job in self.jobs.items() if not job.given}

    @property
    def releases(self) -> list[dict[str, Any]]:
        """The GitHub releases the jobs created with ``gh release create``, as each was asked for
        (tag, title, notes, the files uploaded by that command, its flags)."""
        return list(self.github.state()["created"])

    @property
    def github_releases(self) -> list[dict[str, Any]]:
        """The repository's releases as GitHub holds them after the jobs' gh commands: tag,
        title, notes, draft, prerelease, latest, immutable and files (name -> SHA-256)."""
        return [{key: value for key, value in r.items() if key != "id"} for r in self.github.state()["releases"]]

    # --- running ------------------------------------------------------------------------------------

    def load(self, name: str) -> dict[str, Any]:
        """A workflow as the pushed commit (or the working copy) has it."""
        if self.origin is None:
            assert self.in_place is not None
            return load_workflow(self.in_place, name)
        return parse_workflow(git("show", f"{self.sha}:.github/workflows/{name}", cwd=self.origin), name)

    def run(self, workflow: str = "release.yml", given: Mapping[str, str] | None = None) -> dict[str, str]:
        """Run the workflow's jobs as a graph; ``given`` are results of jobs not run here (proven elsewhere)."""
        self.top = self.load(workflow)
        self.top_file = workflow
        self._graph(self.top, dict(given or {}), "")
        return self.results()

    def job(
        self, job_id: str, needs: Mapping[str, Job] | None = None, workflow: str = "release.yml", *,
        matrix: Mapping[str, Any] | None = None, steps: Sequence[str] | None = None,
    ) -> Job:  # fmt: skip
        """Run one job, with the jobs it needs as given (a re-run of a job: its run's artifacts are there);
        ``matrix`` and ``steps`` as in ``run_in_place``."""
        loaded = self.top = self.load(workflow)
        self.top_file, needs = workflow, dict(needs or {})
        assert set(needs) == set(needed_jobs(loaded["jobs"][job_id])), "give each job it needs"
        upstream = {name: needs.get(name) or self.jobs[name] for name in _upstream(loaded["jobs"], job_id)}
        self.jobs[job_id] = self._job(loaded, job_id, needs, upstream, "", matrix, steps)
        return self.jobs[job_id]

    def rerun(self, job_id: str, workflow: str = "release.yml") -> Job:
        """GitHub's "Re-run failed jobs" for one job: the next attempt, with this run's artifacts and needs."""
        self.event = replace(self.event, attempt=self.event.attempt + 1)
        needs = needed_jobs(self.load(workflow)["jobs"][job_id])
        return self.job(job_id, {name: self.jobs[name] for name in needs}, workflow)

    def _graph(self, workflow: Mapping[str, Any], given: dict[str, str], prefix: str) -> dict[str, Job]:
        jobs = workflow["jobs"]
        needs = {job_id: needed_jobs(job) for job_id, job in jobs.items()}
        for job_id, names in needs.items():
            assert set(names) <= set(jobs), f"{job_id} needs a job that does not exist: {names}"
        assert set(given) <= set(jobs), f"given jobs that do not exist: {given}"
        done = {job_id: Job(job_id, result, given=True) for job_id, result in given.items()}
        self.jobs.update({prefix + job_id: job for job_id, job in done.items()})
        while pending := [job_id for job_id in jobs if job_id not in done]:
            ready = [job_id for job_id in pending if set(needs[job_id]) <= set(done)]
            assert ready, f"the needs of {pending} form a cycle"
            job_id = ready[0]  # jobs run one at a time, in the file's order among those ready
            upstream = {name: done[name] for name in _upstream(jobs, job_id)}
            done[job_id] = self._job(workflow, job_id, {n: done[n] for n in needs[job_id]}, upstream, prefix)
            self.jobs[prefix + job_id] = done[job_id]
        return done

    def concurrency(self, workflow: str, caller: Mapping[str, Any] | None = None, prefix: str = "") -> list[Group]:
        """The concurrency groups a run of ``workflow`` would hold, the workflow's and its jobs', and
        those of the workflows its jobs call (evaluated with ``caller``'s github context, as GitHub does)."""
        loaded = self.load(workflow)
        contexts = {"github": _github(self.event, self.sha, caller or loaded), "inputs": {}}
        blocks = {"the workflow": loaded.get("concurrency")} | {
            j: job.get("concurrency") for j, job in loaded["jobs"].items()
        }
        groups = []
        for where, block in ((w, b if isinstance(b, dict) else {"group": b}) for w, b in blocks.items() if b):
            cancels = substitute(block.get("cancel-in-progress", False), contexts) == "true"
            groups.append(Group(prefix + where, substitute(block["group"], contexts).casefold(), cancels))
        for job_id, job in loaded["jobs"].items():
            if called := _called(job):
                groups += self.concurrency(called, caller or loaded, f"{prefix}{job_id}/")
        return groups

    def _job(
        self, workflow: Mapping[str, Any], job_id: str, needs: Mapping[str, Job], upstream: Mapping[str, Job],
        prefix: str, matrix: Mapping[str, Any] | None = None, select: Sequence[str] | None = None,
    ) -> Job:  # fmt: skip
        """One job of ``workflow``, after the jobs it needs (``upstream``: those it needs, directly or not)."""
        job = workflow["jobs"][job_id]
        contexts: dict[str, Any] = {
            "github": _github(self.event, self.sha, self.top),
            "inputs": {},
            "needs": Strict({name: Strict(result=n.result, outputs=n.outputs) for name, n in needs.items()}),
        }
        results = [done.result for done in upstream.values()]
        statuses = _statuses(all(r == "success" for r in results), "failure" in results)
        if not condition(job.get("if"), contexts, statuses):
            return Job(job.get("name", job_id), "skipped")
        if "uses" in job:
            return self._call(job_id, job, prefix)
        if job.get("concurrency") and (deadlock := self._deadlock(prefix + job_id)):
            return deadlock
        assert set(job) <= _JOB_KEYS, f"{job_id}: the test does not know {sorted(set(job) - _JOB_KEYS)}"
        where = (prefix + job_id, {prefix + name for name in upstream})
        if matrix is not None or "strategy" not in job:  # one entry: the test's, or the job has no matrix
            contexts["matrix"] = dict(matrix or {})
            hosted_runner(job, contexts)
            if matrix is not None and (why := self._unavailable(job, contexts)):
                pytest.skip(f"{job_id} with {contexts['matrix']} cannot run here: {why}")
            return self._entry(workflow, where, job, contexts, select)
        result = Job(job_id, "success")
        for entry in matrix_entries(job):
            entry_contexts = {**contexts, "matrix": dict(entry)}
            name = substitute(job.get("name", job_id), entry_contexts)
            why = self._unavailable(job, entry_contexts)
            if why:
                result.unavailable.append(f"{name}: {why}")
                warnings.warn(f"{prefix}{job_id}: {name} not run here: {why}", stacklevel=1)
                continue
            result.entries.append(self._entry(workflow, where, job, entry_contexts, select))
        if not result.entries:
            pytest.skip(f"no entry of {job_id} can run here: {result.unavailable}")
        result.result = "failure" if any(entry.result == "failure" for entry in result.entries) else "success"
        result.outputs = result.entries[-1].outputs
        return result

    def deadlocks(self, workflow: str) -> dict[str, str]:
        """Where a run of ``workflow`` would wait for a concurrency group that the run itself holds
        (its workflow's, a calling job's or a called workflow's): GitHub cancels the run there."""
        groups = {group.where: group.name for group in self.concurrency(workflow)}
        found = {}
        for where, name in groups.items():
            parts = where.split("/")  # "test/the workflow": what job test calls; "test/lint": a job of it
            held = {"/".join([*parts[:i], "the workflow"]) for i in range(len(parts))} - {where}
            held |= {"/".join(parts[: i + 1]) for i in range(len(parts) - 1)}
            if name in {groups.get(w) for w in held}:
                found[where] = name
        return found

    def _deadlock(self, where: str) -> Job | None:
        if (name := self.deadlocks(self.top_file).get(where)) is None:
            return None
        log = f"Canceling since a deadlock for concurrency group '{name}' was detected\n"
        return Job(where, "cancelled", steps=[Step(where, "cancelled", log)])

    def _unavailable(self, job: Mapping[str, Any], contexts: Mapping[str, Any]) -> str | None:
        """Why a matrix entry cannot run here (no such runner, no such local Python), or None."""
        runner = hosted_runner(job, contexts)
        if not runner.startswith("ubuntu-"):
            return f"no {runner} runner here"
        for step in steps_using(job, "astral-sh/setup-uv"):
            version = substitute(step.get("with", {}).get("python-version", ""), contexts)
            if version and find_interpreter(version) is None:
                return f"no local CPython {version}"
        return None

    def _call(self, job_id: str, job: Mapping[str, Any], prefix: str) -> Job:
        """A job that calls a workflow of this repository: its jobs run in place, as ``job_id/...``."""
        name = _called(job)
        if name is None or set(job) - {"name", "uses", "permissions", "needs", "if"}:
            pytest.fail(f"{job_id}: the test runs only this repository's workflows, without inputs", pytrace=False)
        assert name is not None
        if deadlock := self._deadlock(f"{prefix}{job_id}/the workflow"):
            return deadlock
        called = self.load(name)
        call = triggers(called).get("workflow_call", "not called")
        if call == "not called":
            return Job(job_id, "failure", steps=[Step(job_id, "failure", f"{job['uses']} has no on.workflow_call")])
        assert not (call or {}).get("outputs"), "the test does not pass a called workflow's outputs on"
        jobs = self._graph(called, {}, f"{prefix}{job_id}/")
        failed = any(j.result == "failure" for j in jobs.values())
        return Job(job.get("name", job_id), "failure" if failed else "success")

    def _entry(
        self, workflow: Mapping[str, Any], where: tuple[str, set[str]], job: Mapping[str, Any],
        contexts: dict[str, Any], select: Sequence[str] | None,
    ) -> Job:  # fmt: skip
        """One run of a job (of one matrix entry) on a fresh runner (``select``: see ``run_in_place``)."""
        job_id = where[0].rsplit("/", 1)[-1]
        root = Path(tempfile.mkdtemp(prefix=f"{job_id}-", dir=self.tmp / "jobs"))
        state = _State(job, *where, self.in_place or root / "workspace", root / "temp")
        state.workspace.mkdir(exist_ok=self.in_place is not None)
        state.temp.mkdir()
        run_steps = [_name(step) for step in job["steps"] if "run" in step]
        for pattern in select or ():
            named = [name for name in run_steps if re.search(pattern, name, re.IGNORECASE)]
            assert len(named) == 1, f"expected one run: step of {job_id} named like {pattern!r}, found {named}"
        top = {"github": contexts["github"], "inputs": {}}
        env = {key: self._index_url(substitute(v, top)) for key, v in (workflow.get("env") or {}).items()}
        env |= {key: substitute(value, contexts) for key, value in (job.get("env") or {}).items()}
        steps: dict[str, Any] = {}
        result = Job(substitute(job.get("name", job_id), contexts), "success", workspace=state.workspace)
        for step in job["steps"]:
            step_contexts = {**contexts, "steps": steps, "env": {**env, **state.exports}}
            failed = result.result == "failure"
            functions = {**_statuses(not failed, failed), "hashFiles": lambda *p: _hash_files(state.workspace, *p)}
            put_in = functools.partial(substitute, contexts=step_contexts, functions=functions)
            name = _name(step)
            assert set(step) <= _STEP_KEYS, f"{name}: the test does not know {sorted(set(step) - _STEP_KEYS)}"
            chosen = "run" in step and any(re.search(pattern, name, re.IGNORECASE) for pattern in select or ())
            left_out = select is not None and "run" in step and not chosen
            if left_out or not condition("success()" if chosen else step.get("if"), step_contexts, functions):
                done = Step(name, "skipped")
            elif "uses" in step:
                done = self._action(state, step, {key: put_in(value) for key, value in step.get("with", {}).items()})
            else:
                step_env = {key: put_in(value) for key, value in step.get("env", {}).items()}
                done = self._run(state, job_id, step, put_in(step["run"]), {**env, **state.exports, **step_env})
            done.name = name
            result.steps.append(done)
            if "id" in step:  # no continue-on-error here: the conclusion is the outcome
                steps[step["id"]] = Strict(outputs=done.outputs, outcome=done.outcome, conclusion=done.outcome)
            if done.outcome == "failure":
                result.result = "failure"
        result.summary = "".join(step.summary for step in result.steps)
        final = {**contexts, "steps": steps}
        result.outputs = {key: substitute(value, final) for key, value in (job.get("outputs") or {}).items()}
        environment = job.get("environment")
        if isinstance(environment, dict) and "url" in environment:
            result.url = substitute(environment["url"], final)
        return result

    def _index_url(self, value: str) -> str:
        if value not in REAL_INDEXES:
            return value
        if self.index is None:
            return UNREACHABLE_INDEX  # no index for this run
        return self.index if isinstance(self.index, str) else self.index.simple_url

    def _run(self, state: _State, job_id: str, step: Mapping[str, Any], script: str, env: dict[str, str]) -> Step:
        """A ``run:`` step: its script from a file outside the workspace, with the files GitHub
        gives each step for its commands, and the default variables of a GitHub-hosted runner."""
        files = {name: Path(tempfile.mkdtemp(dir=state.temp)) / name.lower() for name in _COMMAND_FILES}
        for path in files.values():
            path.write_text("", encoding="utf-8")
        (files["GITHUB_OUTPUT"].parent / "step.sh").write_text(script, encoding="utf-8")
        oidc = [str(self.oidc)] if state.job.get("permissions", {}).get("id-token") == "write" else []
        github = _github(self.event, self.sha, {})
        redirect = {}  # git over HTTPS with the run's token to github.com: origin, for a job that may write
        if state.job.get("permissions", {}).get("contents") == "write":
            url = f"https://x-access-token:{TOKEN}@github.com/{REPOSITORY}.git"
            redirect = git_config_env({f"url.{self.origin}.insteadOf": url})
        named = ("event_name", "ref", "ref_name", "ref_type", "sha", "repository", "run_number", "run_attempt")
        env = {
            "CI": "true", "GITHUB_ACTIONS": "true", "RUNNER_OS": "Linux", "RUNNER_TEMP": str(state.temp),
            **{f"GITHUB_{key.upper()}": github[key] for key in named}, "GITHUB_EVENT_PATH": str(self.event_path),
            "GITHUB_JOB": job_id, "GITHUB_WORKSPACE": str(state.workspace),
            **redirect, **env, **{name: str(path) for name, path in files.items()}, **self.env,
            "PATH": os.pathsep.join([*oidc, *reversed(state.paths), str(self.tools), os.environ["PATH"]]),
        }  # fmt: skip
        timeout = 60 * float(state.job.get("timeout-minutes", 360))
        command = [*_shell(state.job, step), str(files["GITHUB_OUTPUT"].parent / "step.sh")]
        done = run(command, state.workspace, env=env, check=False, timeout=timeout)
        state.exports.update(_read_commands(files["GITHUB_ENV"]))
        state.paths += files["GITHUB_PATH"].read_text(encoding="utf-8").split()
        outcome = "success" if done.returncode == 0 else "failure"
        summary = files["GITHUB_STEP_SUMMARY"].read_text(encoding="utf-8")
        return Step("", outcome, done.stdout + done.stderr, _read_commands(files["GITHUB_OUTPUT"]), summary, done)

    # --- the actions' stand-ins ----------------------------------------------------------------------

    def _action(self, state: _State, step: Mapping[str, Any], inputs: dict[str, str]) -> Step:
        action = str(step["uses"]).split("@")[0]
        stand_in = {
            "actions/checkout": self._checkout,
            "astral-sh/setup-uv": self._setup_uv,
            "actions/upload-artifact": self._upload_artifact,
            "actions/download-artifact": self._download_artifact,
            "astral-sh/attest-action": self._attest,
            "actions/upload-pages-artifact": self._upload_pages_artifact,
            "actions/deploy-pages": self._deploy_pages,
        }.get(action)
        if stand_in is None:
            pytest.fail(f"the test has no stand-in for the action {step['uses']}", pytrace=False)
        failure = stand_in(state, step, inputs)
        if isinstance(failure, str):
            return Step("", "failure", f"Error: {failure}\n")
        return Step("", "success", outputs=failure or {})

    def _checkout(self, state: _State, step: Mapping[str, Any], inputs: dict[str, str]) -> None:
        """The pushed commit, fetched as the action fetches it: with ``fetch-depth: 0`` every
        branch and tag, else only the ref, that many commits deep; no credentials kept."""
        _known(step, inputs, {"persist-credentials", "fetch-depth"})
        assert inputs.get("persist-credentials") == "false", "a checkout that keeps the token in .git/config"
        if self.origin is None:
            return  # in place: the working copy is the checkout
        depth = int(inputs.get("fetch-depth", "1"))
        workspace = state.workspace
        git("init", "-q", ".", cwd=workspace)
        git("remote", "add", "origin", self.origin, cwd=workspace)
        if depth == 0:
            refspecs = ["--prune", "origin", "+refs/heads/*:refs/remotes/origin/*", "+refs/tags/*:refs/tags/*"]
        else:
            refspecs = ["--no-tags", f"--depth={depth}", "origin", f"+{self.event.ref}:{self.event.ref}"]
        git("fetch", "-q", "--no-recurse-submodules", *refspecs, cwd=workspace)
        git("checkout", "-q", "--force", self.sha, cwd=workspace)

    def _setup_uv(self, state: _State, step: Mapping[str, Any], inputs: dict[str, str]) -> None:
        """The pinned uv on PATH; with ``python-version``, UV_PYTHON names that (local) interpreter."""
        _known(step, inputs, {"version", "python-version", "enable-cache"})
        assert "version" in inputs, "setup-uv without a pinned version"
        bin_dir = state.temp / "uv-bin"
        bin_dir.mkdir(exist_ok=True)
        (bin_dir / "uv").symlink_to(pinned_uv(inputs["version"]))
        state.paths.append(str(bin_dir))
        if "python-version" in inputs:
            state.exports["UV_PYTHON"] = require_interpreter(inputs["python-version"])

    def _upload_artifact(self, state: _State, step: Mapping[str, Any], inputs: dict[str, str]) -> str | None:
        """The files under ``path`` (hidden ones left out, as by default) stored by ``name`` for this run."""
        _known(step, inputs, {"name", "path", "if-no-files-found", "retention-days"})
        name, path = inputs.get("name", "artifact"), inputs["path"]
        assert not re.search(r"[*?\[!\n]", path), f"the test uploads one plain path, not {path!r}"
        if name in self.artifacts:
            return "Failed to CreateArtifact: (409) Conflict: an artifact with this name already exists on the workflow run"
        source = state.workspace / path
        files = [source] if source.is_file() else sorted(p for p in source.rglob("*") if p.is_file())
        root = source.parent if source.is_file() else source
        files = [p for p in files if not any(part.startswith(".") for part in p.relative_to(root).parts)]
        if not files:
            if inputs.get("if-no-files-found", "warn") == "error":
                return f"No files were found with the provided path: {path}. No artifacts will be uploaded."
            return None
        self.artifacts[name], self.uploaded_by[name] = self.tmp / "artifacts" / name, state.key
        for file in files:
            target = self.artifacts[name] / file.relative_to(root)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(file, target)
        return None

    def _download_artifact(self, state: _State, step: Mapping[str, Any], inputs: dict[str, str]) -> str | None:
        """The artifact of this run named ``name``, into ``path``; a name not uploaded fails."""
        _known(step, inputs, {"name", "path"})
        assert "name" in inputs, "the test downloads artifacts by name only"
        if missing := self._not_there(state, inputs["name"]):
            return f"Unable to download artifact(s): {missing}"
        shutil.copytree(self.artifacts[inputs["name"]], state.workspace / inputs.get("path", "."), dirs_exist_ok=True)
        return None

    def _not_there(self, state: _State, name: str) -> str | None:
        """Why the artifact ``name`` is not there for the job, or None.

        An artifact uploaded by a job that this job does not need (directly or
        not) may or may not be there yet: on GitHub both run at the same time.
        """
        if name not in self.artifacts:
            return f"Artifact not found for name: {name}"
        uploader = self.uploaded_by[name]
        if not any(uploader == job or uploader.startswith(f"{job}/") for job in state.upstream):
            return f"Artifact not found for name: {name} (uploaded by {uploader}, which this job does not wait for)"
        return None

    def _attest(self, state: _State, step: Mapping[str, Any], inputs: dict[str, str]) -> str | None:
        """Signing needs GitHub's OIDC identity: only recorded (the files it would sign)."""
        _known(step, inputs, set())
        if state.job.get("permissions", {}).get("id-token") != "write":
            return "Unable to get ACTIONS_ID_TOKEN_REQUEST_URL env variable"
        files = sorted(p.name for p in state.workspace.glob("dist/*") if not p.name.endswith(".attestation"))
        if not files:
            return "no distributions found in dist/*"
        self.attested.append(files)
        return None

    def _upload_pages_artifact(self, state: _State, step: Mapping[str, Any], inputs: dict[str, str]) -> str | None:
        _known(step, inputs, {"path", "name"})
        source, name = state.workspace / inputs["path"], inputs.get("name", "github-pages")
        if not source.is_dir():
            return f"tar: {inputs['path']}: Cannot open: No such file or directory"
        self.artifacts[name], self.uploaded_by[name] = self.tmp / "artifacts" / name, state.key
        shutil.copytree(source, self.artifacts[name], ignore=shutil.ignore_patterns(".git", ".github"))
        return None

    def _deploy_pages(self, state: _State, step: Mapping[str, Any], inputs: dict[str, str]) -> dict[str, str] | str:
        """Recorded: the site (the pages artifact of this run) and its URL."""
        _known(step, inputs, {"artifact_name"})
        permissions = state.job.get("permissions", {})
        if permissions.get("pages") != "write" or permissions.get("id-token") != "write":
            return 'Ensure GITHUB_TOKEN has permission "pages: write" and "id-token: write".'
        name = inputs.get("artifact_name", "github-pages")
        if missing := self._not_there(state, name):
            return f"No uploaded artifact was found! {missing}"
        owner, repository = REPOSITORY.split("/")
        url = f"https://{owner}.github.io/{repository}/"
        site = self.artifacts[name]
        self.deployments.append({"url": url, "files": sorted(str(p.relative_to(site)) for p in site.rglob("*"))})
        return {"page_url": url}


_JOB_KEYS = {
    "name", "needs", "if", "runs-on", "timeout-minutes", "permissions", "environment", "concurrency",
    "outputs", "env", "defaults", "strategy", "steps",
}  # fmt: skip
_STEP_KEYS = {"name", "id", "if", "uses", "with", "env", "run", "shell"}
_NO_COMMIT = "0" * 40  # the sha of a run in a working copy, or of a plan
_COMMAND_FILES = ("GITHUB_OUTPUT", "GITHUB_ENV", "GITHUB_PATH", "GITHUB_STEP_SUMMARY")

# `uv` first on PATH in a job granted id-token: write: `uv publish` goes to the
# run's local index, with OIDC substituted (support.index.without_oidc).
_OIDC_UV = """\
import os, shutil, sys
sys.path.insert(0, "{tests}")
from pathlib import Path
from support.index import LocalIndex, without_oidc
args = sys.argv[1:]
if args[:1] == ["publish"]:
    if not "{upload}":
        sys.exit("this run has no local index to publish to")
    args = without_oidc(["uv", *args], LocalIndex("{upload}", Path()))[1:]
path = os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep) if p != "{oidc}")
uv = shutil.which("uv", path=path)
os.execv(uv, [uv, *args])
"""
