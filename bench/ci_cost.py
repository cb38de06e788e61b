"""What one push costs in the generated CI: v1.0.0's ci.yml against this working tree's.

bench/README.md ("CI per push") says how it is measured. Run alone, ``uv run python bench/ci_cost.py``
prints the breakdown.
"""

from __future__ import annotations

import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
from support.answers import REQUIRED_ANSWERS, data_args  # noqa: E402
from support.commands import clean_env, find_interpreter  # noqa: E402
from support.facts import DEFAULT_PYTHON_MIN  # noqa: E402
from support.rendering import copy_working_tree  # noqa: E402
from support.runner import planned_steps, run_in_place  # noqa: E402
from support.workflows import load_workflow, matrix_entries, run_steps  # noqa: E402

PREVIOUS_RELEASE = "v1.0.0"
COPIER = str(Path(sys.executable).with_name("copier"))  # the test environment's CLI
# What a round removes, so that each starts like a fresh checkout (uv.lock stays).
DEBRIS = (".venv", ".mypy_cache", ".ruff_cache", ".pytest_cache", "dist", ".coverage")
T = TypeVar("T")


class Timing(NamedTuple):
    """Wall time, and CPU time (user + sys) of a command and its children. The CPU time barely
    moves when other work loads the machine: it backs up a wall-time ratio taken on a busy one."""

    wall: float
    cpu: float


@dataclass
class Push:
    """The jobs and steps one push runs, and the estimate."""

    label: str
    jobs: list[str] = field(default_factory=list)  # "job (entry)" per job run
    steps: int = 0  # every step of every job run (uses: and run:)
    run_steps: int = 0
    seconds: float = 0.0  # sum over the jobs of the median local time of their run: steps
    cpu_seconds: float = 0.0  # the same sum over CPU time (user + system): steadier on a busy machine
    step_times: dict[str, float] = field(default_factory=dict)  # "job: step" -> median seconds
    breakdown: list[str] = field(default_factory=list)


def copy_args(source: Path | str, ref: str, dest: Path) -> list[str]:
    """``copier copy`` of the default answers (the required ones given) at ``ref``."""
    return [COPIER, "copy", "--defaults", *data_args(REQUIRED_ANSWERS), "--vcs-ref", ref, str(source), str(dest)]


def commit_all(path: Path, env: Mapping[str, str]) -> None:
    """A new repository at ``path`` holding everything in it, committed."""
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "benchmark snapshot"]):
        command = ["git", "-c", "commit.gpgsign=false", *args]
        subprocess.run(command, cwd=path, env=dict(env), check=True, capture_output=True)


def snapshot(dest: Path, env: Mapping[str, str]) -> Path:
    """The working tree (tracked and untracked, not ignored files) committed: copier then renders a clean
    repository, as it does for a user, and the template is measured as it stands, uncommitted edits included."""
    copy_working_tree(dest)
    commit_all(dest, env)
    return dest


def remove_debris(project: Path) -> None:
    for target in (project / name for name in DEBRIS):
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()


def clocked(action: Callable[..., T], *args: Any, **kwargs: Any) -> tuple[T, Timing]:
    """What ``action`` returns, and the time it took (CPU: user + system of the children it waited for)."""
    cpu, start = sum(resource.getrusage(resource.RUSAGE_CHILDREN)[:2]), time.perf_counter()
    result = action(*args, **kwargs)
    wall = time.perf_counter() - start
    return result, Timing(wall, sum(resource.getrusage(resource.RUSAGE_CHILDREN)[:2]) - cpu)


def time_job(job_id: str, job: Mapping[str, Any], project: Path, rounds: int, lock: str) -> dict[str, Timing]:
    """Median wall and CPU time of each run: step of ``job``, in order, whatever its ``if:``, each alone
    (support.runner.run_in_place) as its job's first matrix entry runs it. Every round starts from the
    committed ``lock``: the lowest-direct step rewrites uv.lock, and a later round's locked install would
    refuse it. A failing step stops the measurement (its time would be a failure's), except one that needs
    a free-threaded build (the GIL check), which fails here by design."""
    entry = matrix_entries(job)[0] if "strategy" in job else None
    samples: dict[str, list[Timing]] = {str(s["name"]): [] for s in run_steps(job)}
    for round_ in range(rounds + 1):  # round 0 warms the cache
        remove_debris(project)
        (project / "uv.lock").write_text(lock, encoding="utf-8")
        for step in run_steps(job):
            name = f"^{re.escape(str(step['name']))}$"
            job_run, took = clocked(run_in_place, project, job_id, matrix=entry, steps=[name])
            if round_:
                samples[str(step["name"])].append(took)
            done = job_run.step(name)
            if done.outcome != "success" and "free-threaded" not in str(step.get("if", "")):
                raise RuntimeError(f"{project.name}: step {step['name']!r} failed:\n{done.log}")
    return {name: Timing(*map(statistics.median, zip(*values, strict=True))) for name, values in samples.items()}


def measure_push(label: str, project: Path, env: Mapping[str, str], rounds: int) -> Push:
    push = Push(label)
    workflow = load_workflow(project, "ci.yml")
    # As a committed project has it: locked once, by the user's `uv lock`.
    subprocess.run(["uv", "lock", "--quiet"], cwd=project, env=dict(env), check=True, capture_output=True)
    lock = (project / "uv.lock").read_text(encoding="utf-8")
    for job_id, job in workflow["jobs"].items():
        times = time_job(job_id, job, project, rounds, lock)
        push.step_times.update({f"{job_id}: {name}": wall for name, (wall, _) in times.items()})
        for entry in matrix_entries(job) if "strategy" in job else [{}]:
            steps = planned_steps(workflow, job_id, entry)
            timed = [times[str(s["name"])] for s in steps if "run" in s]
            seconds = sum(wall for wall, _ in timed)
            where = f"{job_id} ({', '.join(f'{k}={v}' for k, v in entry.items()) or 'no matrix'})"
            push.jobs.append(where)
            push.steps += len(steps)
            push.run_steps += len(timed)
            push.seconds += seconds
            push.cpu_seconds += sum(cpu for _, cpu in timed)
            push.breakdown.append(f"{label}: {where}: {len(steps)} steps, {seconds:.2f} s")
    return push


def compare(template: Path, python: str, work: Path, rounds: int) -> tuple[Push, Push]:
    """v1.0.0's push and this working tree's, default answers (the steps on the Pythons their jobs name)."""
    env = clean_env({"UV_PYTHON": python})
    listed = subprocess.run(
        ["git", "tag", "--list", PREVIOUS_RELEASE], cwd=REPO, capture_output=True, text=True, check=True
    )
    if PREVIOUS_RELEASE not in listed.stdout.split():
        raise RuntimeError(f"no tag {PREVIOUS_RELEASE} here (a shallow clone? `git fetch --tags`)")
    before, after = work / "ci-before", work / "ci-after"
    for source, ref, dest in ((REPO, PREVIOUS_RELEASE, before), (template, "HEAD", after)):
        subprocess.run(copy_args(source, ref, dest), check=True, env=env, capture_output=True, text=True)
    return measure_push(PREVIOUS_RELEASE, before, env, rounds), measure_push("HEAD", after, env, rounds)


def main() -> None:
    if (python := find_interpreter(DEFAULT_PYTHON_MIN)) is None:
        raise SystemExit(f"no local CPython {DEFAULT_PYTHON_MIN}")
    with tempfile.TemporaryDirectory(prefix="ci-cost-") as tmp:
        template = snapshot(Path(tmp) / "template", clean_env({"UV_PYTHON": python}))
        pushes = compare(template, python, Path(tmp), rounds=2)
    for push in pushes:
        print(
            f"{push.label}: {len(push.jobs)} jobs, {push.steps} steps ({push.run_steps} run:), "
            f"{push.seconds:.2f} s, CPU {push.cpu_seconds:.2f} s"
        )
        print(*(f"  {line}" for line in push.breakdown), sep="\n")
        print(*(f"    {name}: {seconds:.2f} s" for name, seconds in push.step_times.items()), sep="\n")


if __name__ == "__main__":
    main()
