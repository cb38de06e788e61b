"""Benchmark of the copier-uv-release template: each figure against its floor.

    uv run python bench/run.py                           # every figure, a few minutes
    uv run python bench/run.py --rounds 2 --skip-suite   # quick look, writes nothing

bench/README.md says what each figure is and how it is taken. A full run saves bench/results.json, and
bench/report.py makes every text that quotes a figure from it.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from packaging.utils import canonicalize_name, parse_wheel_filename

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))  # release_tag, for support.updates
import report
from report import REPO, Figure
from support import commands
from support.answers import REQUIRED_ANSWERS, data_args
from support.commands import UV, clean_env, find_interpreter, git
from support.docs import docs_job
from support.facts import DEFAULT_PYTHON_MIN, UV_VERSION
from support.rendering import copy_working_tree, read_pyproject
from support.runner import Job, planned_steps, run_in_place
from support.updates import commit_all, released_versions
from support.workflows import load_workflow, matrix_entries, needed_jobs, run_steps

DEV_TOOLS = ("ruff", "mypy", "pytest", "pytest-cov")
SUITE_TARGET_SECONDS = 300.0
# The dev group of a default render: 15 packages until 1.2.0, and four for issue 25's git hooks
# (pre-commit-hooks with its one dependency ruamel.yaml, typos, prek): anything else still has to fit.
MAX_DEV_PACKAGES = 19
SLOWEST_TESTS = 15
DURATION_LINE = re.compile(r"^\d+(\.\d+)?s (call|setup|teardown) ")
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
    jobs: list[str] = field(default_factory=list)  # per job run: "job (entry): its steps and seconds"
    steps: int = 0  # every step of every job run (uses: and run:)
    run_steps: int = 0
    seconds: float = 0.0  # sum over the jobs of the median local time of their run: steps
    cpu_seconds: float = 0.0  # the same sum over CPU time (user + system): steadier on a busy machine
    step_times: dict[str, float] = field(default_factory=dict)  # "job: step" -> median seconds


def copy_args(source: Path | str, ref: str, dest: Path) -> list[str]:
    """``copier copy`` of the default answers (the required ones given) at ``ref``."""
    return [COPIER, "copy", "--defaults", *data_args(REQUIRED_ANSWERS), "--vcs-ref", ref, str(source), str(dest)]


def new_repository(path: Path) -> None:
    """A new repository at ``path`` holding everything in it, committed."""
    git("init", "-q", "-b", "main", cwd=path)
    commit_all(path, "benchmark snapshot")


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
    return result, Timing(time.perf_counter() - start, sum(resource.getrusage(resource.RUSAGE_CHILDREN)[:2]) - cpu)


def time_job(job_id: str, job: Mapping[str, Any], project: Path, rounds: int, lock: str) -> dict[str, Timing]:
    """Median wall and CPU time of each run: step of ``job``, in order, whatever its ``if:``, each alone
    (support.runner.run_in_place) as its job's first matrix entry runs it. Every round starts from the
    committed ``lock``: the lowest-direct step rewrites uv.lock, and a later round's locked install would
    refuse it. A failing step stops the measurement (its time would be a failure's), except one that needs
    a free-threaded build (the GIL check), which fails here by design."""
    entry = matrix_entries(job)[0] if "strategy" in job else None
    needs = {name: Job(name, "success") for name in needed_jobs(job)}  # timed as if each succeeded
    samples: dict[str, list[Timing]] = {str(s["name"]): [] for s in run_steps(job)}
    for round_ in range(rounds + 1):  # round 0 warms the cache
        remove_debris(project)
        (project / "uv.lock").write_text(lock, encoding="utf-8")
        for step in run_steps(job):
            name = f"^{re.escape(str(step['name']))}$"
            job_run, took = clocked(run_in_place, project, job_id, needs=needs, matrix=entry, steps=[name])
            if round_:
                samples[str(step["name"])].append(took)
            done = job_run.step(name)
            if done.outcome != "success" and "free-threaded" not in str(step.get("if", "")):
                raise RuntimeError(f"{project.name}: step {step['name']!r} failed:\n{done.log}")
    return {name: Timing(*map(statistics.median, zip(*values, strict=True))) for name, values in samples.items()}


def measure_push(ctx: Context, label: str, project: Path) -> Push:
    push = Push(label)
    workflow = load_workflow(project, "ci.yml")
    # As a checkout has it: locked once by the user's `uv lock`, and committed (the git hooks read git's files).
    run(["uv", "lock", "--quiet"], project, ctx.env)
    new_repository(project)
    lock = (project / "uv.lock").read_text(encoding="utf-8")
    for job_id, job in workflow["jobs"].items():
        times = time_job(job_id, job, project, ctx.green_rounds, lock)
        push.step_times.update({f"{job_id}: {name}": wall for name, (wall, _) in times.items()})
        for entry in matrix_entries(job):
            steps = planned_steps(workflow, job_id, entry)
            timed = [times[str(s["name"])] for s in steps if "run" in s]
            seconds = sum(wall for wall, _ in timed)
            where = f"{job_id} ({', '.join(f'{k}={v}' for k, v in entry.items()) or 'no matrix'})"
            push.steps += len(steps)
            push.run_steps += len(timed)
            push.seconds += seconds
            push.cpu_seconds += sum(cpu for _, cpu in timed)
            push.jobs.append(f"{where}: {len(steps)} steps, {seconds:.2f} s")
    return push


def pin_uv(workflow: Path) -> None:
    """v1.0.0's setup-uv steps took the newest uv; the runner runs a pinned one: HEAD's pin, as on the other side."""
    text = workflow.read_text(encoding="utf-8")
    step = re.compile(r"(?m)^( +)- uses: astral-sh/setup-uv@.*\n\1  with:\n")
    text, pinned = step.subn(lambda m: f'{m[0]}{m[1]}    version: "{UV_VERSION}"\n', text)
    if pinned != text.count("astral-sh/setup-uv@"):
        raise RuntimeError(f"{workflow}: a setup-uv step without `with:` is not pinned")
    workflow.write_text(text, encoding="utf-8")


@dataclass
class Context:
    work: Path
    python: str
    env: dict[str, str]
    render_rounds: int
    green_rounds: int
    notes: list[str] = field(default_factory=list)
    slowest_tests: list[str] = field(default_factory=list)  # pytest's --durations report of the suite run


def run(args: Sequence[str], cwd: Path, env: Mapping[str, str]) -> str:
    """The output of a benchmarked command; its failure stops the run, as its numbers would mean nothing."""
    return commands.run(args, cwd, env=env, timeout=900).stdout


def alternate(rounds: int, measure: Callable[[], T], measure_floor: Callable[[], T]) -> tuple[list[T], list[T]]:
    """One untimed warm-up of each side (imports, the page cache, uv's cache, uv.lock, the docs group),
    then the rounds interleaved, so that drift in the machine's load hits both sides alike."""
    measure()
    measure_floor()
    pairs = [(measure(), measure_floor()) for _ in range(rounds)]
    return [ours for ours, _ in pairs], [floor for _, floor in pairs]


def ratio_figure(name: str, samples: list[Timing], floor: list[Timing], limit: float | None) -> Figure:
    """A timed figure (seconds) against its floor; it passes on the wall-time ratio."""
    walls, floor_walls = [t.wall for t in samples], [t.wall for t in floor]
    ratio = statistics.median(walls) / statistics.median(floor_walls)
    target, passed = (f"≤ {limit}× floor", ratio <= limit) if limit else ("", None)
    cpu_ratio = statistics.median(t.cpu for t in samples) / statistics.median(t.cpu for t in floor)
    return Figure(name, "s", walls, floor_walls, target, ratio, passed, cpu_ratio=cpu_ratio)


def once(name: str, unit: str, value: float, floor: float, **extra: Any) -> Figure:
    """A figure taken once on each side (a count or a size), its ratio to the floor's."""
    return Figure(name, unit, [value], [floor], ratio=value / floor, **extra)


def measure_render(ctx: Context, template: Path) -> Figure:
    """``copier copy`` of the template against the copier floor: _subdirectory, one question, one file."""
    floor = ctx.work / "one-file-template"
    (floor / "template").mkdir(parents=True)
    (floor / "copier.yml").write_text(
        "_subdirectory: template\nproject_name:\n  type: str\n  help: The project's name\n", encoding="utf-8"
    )
    (floor / "template" / "README.md.jinja").write_text("# {{ project_name }}\n", encoding="utf-8")
    new_repository(floor)
    # copier runs from compiled bytecode, as from any real install; the cache stays out of the
    # shared test venv, and the warm-up render fills it.
    env = {**ctx.env, "PYTHONPYCACHEPREFIX": str(ctx.work / "pycache")}

    def render(source: Path) -> Timing:
        with tempfile.TemporaryDirectory(dir=ctx.work, prefix="render-") as dest:
            return clocked(run, copy_args(source, "HEAD", Path(dest) / "out"), ctx.work, env)[1]

    samples, floors = alternate(ctx.render_rounds, lambda: render(template), lambda: render(floor))
    return ratio_figure("render (copier copy)", samples, floors, 1.2)


def measure_green(ctx: Context, template: Path) -> tuple[list[Figure], Path, Path]:
    """The generated README's checks, in order, in a render and in the floor: `uv init --lib`, a test."""
    project, floor_project = ctx.work / "green-template", ctx.work / "green-floor"
    run([UV, "init", "--lib", "--vcs", "none", "--name", "bench-floor", "-q", str(floor_project)], ctx.work, ctx.env)
    run([UV, "add", "-q", "--dev", *DEV_TOOLS], floor_project, ctx.env)
    (floor_project / "tests").mkdir()
    (floor_project / "tests" / "test_floor.py").write_text(
        'from bench_floor import hello\n\n\ndef test_hello() -> None:\n    assert hello() == "Hello from bench-floor!"\n',
        encoding="utf-8",
    )
    run(copy_args(template, "HEAD", project), ctx.work, ctx.env)

    def green_round(project: Path, mypy_args: Sequence[str]) -> dict[str, Timing]:
        # Every round begins like a fresh clone: uv.lock stays (a real project commits it), and so does uv's cache.
        remove_debris(project)
        for cache in list(project.rglob("__pycache__")):
            shutil.rmtree(cache)
        steps = {
            "uv sync": [UV, "sync"],
            "ruff check": [UV, "run", "ruff", "check"],
            "ruff format --check": [UV, "run", "ruff", "format", "--check"],
            "mypy": [UV, "run", "mypy", *mypy_args],
            "pytest": [UV, "run", "pytest"],
            "uv build": [UV, "build"],
        }
        return {name: clocked(run, args, project, ctx.env)[1] for name, args in steps.items()}

    # The rendered project's mypy config names its files; the bare one has none.
    ours, floor = alternate(
        ctx.green_rounds, lambda: green_round(project, []), lambda: green_round(floor_project, ["src", "tests"])
    )
    total, floor_total = ([Timing(*map(sum, zip(*r.values(), strict=True))) for r in side] for side in (ours, floor))
    steps = [ratio_figure(f"time-to-green: {n}", [r[n] for r in ours], [r[n] for r in floor], None) for n in ours[0]]
    return [ratio_figure("time-to-green, total", total, floor_total, 1.25), *steps], project, floor_project


def install_facts(ctx: Context, project: Path) -> tuple[list[str], float, float]:
    """The packages in a synced project's .venv (without the project itself), download MB and installed MB.
    A package's download is the size uv.lock records for its wheel that best fits the venv; a package
    without a fitting wheel counts with its sdist, and the notes say so."""
    own = canonicalize_name(read_pyproject(project)["project"]["name"])
    python = str(project / ".venv" / "bin" / "python")
    listed = json.loads(run([UV, "pip", "list", "--format", "json", "--python", python], project, ctx.env))
    names: list[str] = sorted(n for n in (canonicalize_name(p["name"]) for p in listed) if n != own)
    # The venv interpreter's wheel tags, most preferred first (packaging comes with pytest).
    script = "from packaging.tags import sys_tags; print('\\n'.join(map(str, sys_tags())))"
    tags = run([python, "-c", script], project, ctx.env).split()
    lock = tomllib.loads((project / "uv.lock").read_text(encoding="utf-8"))
    rank = {tag: i for i, tag in enumerate(tags)}
    packages = {str(canonicalize_name(p["name"])): p for p in lock["package"]}
    size, sdists = 0, []
    for name in names:
        best: tuple[int, int] | None = None
        for wheel in packages[name].get("wheels", []):
            wheel_tags = parse_wheel_filename(wheel["url"].rsplit("/", 1)[-1])[3]
            fits = [rank[str(t)] for t in wheel_tags if str(t) in rank]
            if fits and (best is None or min(fits) < best[0]):
                best = (min(fits), int(wheel["size"]))
        if best is None:
            sdists.append(name)
        size += best[1] if best else int(packages[name]["sdist"]["size"])
    if sdists:
        ctx.notes.append(f"{project.name}: no fitting wheel, sdist size counted for {sdists}")
    venv = sum(p.stat().st_size for p in (project / ".venv").rglob("*") if p.is_file() and not p.is_symlink())
    return names, size / 1e6, venv / 1e6


def measure_install(ctx: Context, project: Path, floor_project: Path) -> list[Figure]:
    (names, download, installed), (floor_names, floor_download, floor_installed) = (
        install_facts(ctx, path) for path in (project, floor_project)
    )
    budget = {"target": f"≤ {MAX_DEV_PACKAGES}", "passed": len(names) <= MAX_DEV_PACKAGES, "note": ", ".join(names)}
    return [
        once("dev group, packages installed", "", len(names), len(floor_names), **budget),
        once("dev group, download size", "MB", download, floor_download),
        once("dev group, installed size (.venv)", "MB", installed, floor_installed),
    ]


def measure_docs(ctx: Context, project: Path) -> Figure:
    """The strict docs build as the rendered ci.yml's docs job runs it, against the same command on the
    sphinx-quickstart project. After the install figure: the docs group joins the project's .venv here."""
    (script,) = [str(step["run"]) for step in run_steps(docs_job(project)) if "sphinx-build" in str(step["run"])]
    command = shlex.split(script)
    if command[0] != "uv":
        raise RuntimeError(f"the docs step does not start with uv: {script}")
    command[0] = UV
    floor, at = ctx.work / "docs-floor", command.index("sphinx-build")
    quickstart = ["sphinx-quickstart", "-q", "-p", "Floor", "-a", "Bench", "--no-makefile", "--no-batchfile"]
    run([*command[:at], *quickstart, str(floor)], project, ctx.env)
    floor_command = command[:at] + [re.sub(r"^docs(?=/|\Z)", lambda _: str(floor), arg) for arg in command[at:]]

    def build(args: list[str]) -> Timing:
        for built in (project / "docs" / "_build", floor / "_build"):
            shutil.rmtree(built, ignore_errors=True)
        return clocked(run, args, project, ctx.env)[1]

    samples, floors = alternate(ctx.green_rounds, lambda: build(command), lambda: build(floor_command))
    return ratio_figure("docs build (sphinx -W)", samples, floors, None)


def measure_ci(ctx: Context, template: Path) -> list[Figure]:
    """Jobs, steps and the time estimate of one push to the generated CI: v1.0.0's against this working tree's,
    default answers (the steps on the Pythons their jobs name)."""
    old, new = ctx.work / "ci-before", ctx.work / "ci-after"
    try:
        # Its tag, or its commit found in CHANGELOG.md's history where the clone has no tags.
        if (commit := dict(released_versions()).get(PREVIOUS_RELEASE)) is None:
            raise RuntimeError(
                f"{PREVIOUS_RELEASE}'s commit is not in this clone (a shallow one? `git fetch --unshallow`)"
            )
        for source, ref, dest in ((REPO, commit, old), (template, "HEAD", new)):
            run(copy_args(source, ref, dest), ctx.work, ctx.env)
        pin_uv(old / ".github" / "workflows" / "ci.yml")
        before, after = measure_push(ctx, PREVIOUS_RELEASE, old), measure_push(ctx, "HEAD", new)
    except RuntimeError as error:
        ctx.notes.append(f"CI per push: not measured ({error})")
        return []
    ctx.notes += [f"{p.label}: {job}" for p in (before, after) for job in p.jobs]
    times = (f"{p.label} {name} {seconds:.2f} s" for p in (before, after) for name, seconds in p.step_times.items())
    ctx.notes.append("CI per push, local median time of each run: step: " + "; ".join(times))
    billing = "GitHub bills each job rounded up to a whole minute; every job here takes less"
    run_note = f"run: steps {before.run_steps} before, {after.run_steps} after"
    estimate = {"target": f"≤ 1.0× {before.label}", "passed": after.seconds / before.seconds <= 1.0}
    estimate["cpu_ratio"] = after.cpu_seconds / before.cpu_seconds
    return [
        once(f"CI per push: jobs ({before.label} as floor)", "", len(after.jobs), len(before.jobs), note=billing),
        once("CI per push: steps", "", after.steps, before.steps, note=run_note),
        once("CI per push: estimate, Σ jobs × local step times", "s", after.seconds, before.seconds, **estimate),
    ]


def measure_suite(ctx: Context) -> Figure:
    """One timed run of the template's own test suite, as .ci/run runs it (no UV_PYTHON of ours)."""
    args = [UV, "run", "pytest", "-q", f"--durations={SLOWEST_TESTS}"]
    done, (elapsed, _) = clocked(subprocess.run, args, cwd=REPO, env=clean_env(), capture_output=True, text=True)
    lines = done.stdout.strip().splitlines() or ["(no output)"]
    # pytest's "slowest N durations" section: lines such as "12.34s call  tests/..."
    heading = next((i for i, line in enumerate(lines) if "slowest" in line and "durations" in line), 0)
    ctx.slowest_tests = [line for line in lines[heading:] if DURATION_LINE.match(line)][:SLOWEST_TESTS]
    # A failing suite's time proves nothing: it may have stopped early.
    passed = done.returncode == 0 and elapsed <= SUITE_TARGET_SECONDS
    target, note = f"≤ {SUITE_TARGET_SECONDS:.0f} s", f"exit {done.returncode}: {lines[-1]}"
    return Figure("template test suite", "s", [elapsed], None, target, elapsed / SUITE_TARGET_SECONDS, passed, note)


def machine(ctx: Context) -> dict[str, str]:
    python = run([ctx.python, "-c", "import platform; print(platform.python_version())"], REPO, ctx.env).strip()
    return {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "os": f"{platform.system()} {platform.machine()}",
        "nproc": str(os.cpu_count()),
        # Other work on the machine stretches wall times (see the CPU-time ratio).
        "load average (1, 5, 15 min) at the end": ", ".join(f"{x:.2f}" for x in os.getloadavg()),
        "python": f"{python} ({ctx.python})",
        "uv": run([UV, "--version"], REPO, ctx.env).strip(),
        "copier": run([COPIER, "--version"], REPO, ctx.env).strip(),
        "rounds": f"render {ctx.render_rounds}, time-to-green {ctx.green_rounds} (each after one untimed warm-up)",
    }


def measure_all(ctx: Context, skip_suite: bool) -> list[Figure]:
    # The working tree (tracked and untracked, not ignored files) committed: copier then renders a clean
    # repository, as it does for a user, and the template is measured as it stands, uncommitted edits included.
    template = ctx.work / "template-snapshot"
    copy_working_tree(template)
    new_repository(template)
    print("render …", flush=True)
    figures = [measure_render(ctx, template)]
    print("time-to-green …", flush=True)
    green, project, floor_project = measure_green(ctx, template)
    print("install size …", flush=True)
    figures += [*green, *measure_install(ctx, project, floor_project)]
    print("CI cost per push …", flush=True)
    figures += measure_ci(ctx, template)
    print("docs build …", flush=True)
    figures.append(measure_docs(ctx, project))
    if skip_suite:
        ctx.notes.append("template test suite: skipped (--skip-suite)")
    else:
        print("template test suite …", flush=True)
        figures.append(measure_suite(ctx))
    return figures


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, help="rounds of both timed figures (default: render 5, the others 3)")
    skip_help = "leave out the template's own test suite; write nothing"
    parser.add_argument("--skip-suite", action="store_true", help=skip_help)
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args(argv)
    if (python := find_interpreter(DEFAULT_PYTHON_MIN)) is None:
        raise SystemExit(f"no local CPython {DEFAULT_PYTHON_MIN}: the time-to-green figure needs one")
    work, env = Path(tempfile.mkdtemp(prefix="copier-uv-release-bench-")), clean_env({"UV_PYTHON": python})
    ctx = Context(work, python, env, args.rounds or 5, args.rounds or 3)
    try:
        figures = measure_all(ctx, args.skip_suite)
        results = report.Results(machine(ctx), figures, ctx.notes, ctx.slowest_tests)
    finally:
        if args.keep:
            print(f"kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print("\n" + report.markdown_table(results.figures), *(f"note: {note}" for note in ctx.notes), sep="\n")
    if args.skip_suite:
        # The texts quote the last full run: a quick look must not replace it with a partial one.
        print("\nnot written (--skip-suite): bench/results.* and the texts keep the last full run")
    else:
        report.save(results)
        written = report.write_all(results)
        print("\nwritten: bench/results.json, " + ", ".join(str(p.relative_to(REPO)) for p in written))
    return 1 if any(fig.passed is False for fig in results.figures) else 0


if __name__ == "__main__":
    sys.exit(main())
