"""Benchmark of the copier-uv-release template: four figures, each against its floor.

Run from the repository root (a fresh clone is enough):

    uv run python bench/run.py              # all four figures, a few minutes
    uv run python bench/run.py --rounds 2 --skip-suite   # quick look

1. render: ``copier copy`` of this template versus a one-file template;
2. time-to-green with a warm uv cache: uv sync, ruff check, ruff format --check,
   mypy, pytest, uv build in a rendered project versus a bare ``uv init --lib``
   project with the same dev tools and one test;
3. cold install size: packages the dev group installs and their download size;
4. the documentation build: the generated ci.yml's strict Sphinx build of a
   rendered project versus the same command on sphinx-quickstart's empty project;
5. the template's own test suite wall time (``uv run pytest``).

Results are printed and written to bench/results.md and bench/results.json.
Only the standard library and the test environment's packages are used.
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
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from packaging.utils import canonicalize_name, parse_wheel_filename

REPO = Path(__file__).resolve().parent.parent
BENCH_DIR = REPO / "bench"
sys.path.insert(0, str(REPO / "tests"))
# The test suite's helpers: one definition of the answers, the interpreter
# lookup and the clean environment for the generated project's tools.
import ci_cost  # noqa: E402  (bench/, beside this file)
from support.answers import REQUIRED_ANSWERS, data_args  # noqa: E402
from support.commands import clean_env, find_interpreter  # noqa: E402
from support.facts import parse_yaml  # noqa: E402
from support.rendering import copy_working_tree  # noqa: E402

# The generated project's default python_min: both projects of the
# time-to-green figure run on this one local interpreter.
PYTHON_VERSION = "3.11"
DEV_TOOLS = ("ruff", "mypy", "pytest", "pytest-cov")
# What a round removes before it starts, so that every round begins like a
# fresh clone (uv.lock stays: a real project commits it) while uv's cache stays warm.
ROUND_DEBRIS = ci_cost.DEBRIS  # what a run of the project's tools leaves behind
SUITE_TARGET_SECONDS = 300.0
MAX_DEV_PACKAGES = 15
SLOWEST_TESTS = 15
DURATION_LINE = re.compile(r"^\d+(\.\d+)?s (call|setup|teardown) ")

Steps = list[tuple[str, list[str]]]


class Timing(NamedTuple):
    """One timed command: wall time, and CPU time (user + sys) of it and its children.

    The CPU time barely moves when other work loads the machine: it backs up a
    wall-time ratio measured on a busy machine.
    """

    wall: float
    cpu: float


class BenchError(RuntimeError):
    """A benchmarked command failed: its numbers would mean nothing."""


@dataclass
class Figure:
    """One line of the results table."""

    name: str
    unit: str
    samples: list[float]
    floor: list[float] | None = None
    target: str = ""
    # ratio of the median to the floor median (or to the target when there is no floor)
    ratio: float | None = None
    passed: bool | None = None
    note: str = ""
    cpu_ratio: float | None = None

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def floor_median(self) -> float | None:
        return statistics.median(self.floor) if self.floor else None


@dataclass
class Context:
    """Paths and settings shared by the measurements."""

    work: Path
    python: str
    env: dict[str, str]
    uv: str
    copier: str
    render_env: dict[str, str]
    render_rounds: int
    green_rounds: int
    notes: list[str] = field(default_factory=list)
    # pytest's --durations report of the suite run: where its time goes
    slowest_tests: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- commands


def run(args: Sequence[str], cwd: Path, env: Mapping[str, str], timeout: float = 900) -> str:
    """Run a command and return its stdout; raise BenchError on failure."""
    done = subprocess.run(
        list(args),
        cwd=cwd,
        env=dict(env),
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
    )
    if done.returncode != 0:
        raise BenchError(f"{' '.join(args)} failed ({done.returncode}) in {cwd}\n{done.stdout}\n{done.stderr}")
    return done.stdout


def child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(args: Sequence[str], cwd: Path, env: Mapping[str, str]) -> Timing:
    """Wall and CPU time of one successful command, in seconds."""
    cpu, start = child_cpu(), time.perf_counter()
    run(args, cwd, env)
    return Timing(time.perf_counter() - start, child_cpu() - cpu)


def git(*args: str, cwd: Path, env: Mapping[str, str]) -> str:
    return run(["git", "-c", "commit.gpgsign=false", *args], cwd, env)


# --------------------------------------------------------------------------- 1. render


def snapshot_template(ctx: Context) -> Path:
    """A committed copy of the working tree (tracked and untracked, not ignored files).

    copier then renders a clean repository, as it does for a user, and the
    template is measured as it stands, uncommitted edits included.
    """
    dest = ctx.work / "template-snapshot"
    copy_working_tree(dest)
    commit_repo(dest, ctx.env)
    return dest


def one_file_template(ctx: Context) -> Path:
    """The copier floor: _subdirectory, one question, one templated file."""
    dest = ctx.work / "one-file-template"
    (dest / "template").mkdir(parents=True)
    (dest / "copier.yml").write_text(
        "_subdirectory: template\nproject_name:\n  type: str\n  help: The project's name\n",
        encoding="utf-8",
    )
    (dest / "template" / "README.md.jinja").write_text("# {{ project_name }}\n", encoding="utf-8")
    commit_repo(dest, ctx.env)
    return dest


def commit_repo(path: Path, env: Mapping[str, str]) -> None:
    git("init", "-q", "-b", "main", cwd=path, env=env)
    git("add", "-A", cwd=path, env=env)
    git("commit", "-q", "-m", "benchmark snapshot", cwd=path, env=env)


def copier_copy_args(ctx: Context, template: Path, dest: Path) -> list[str]:
    data = data_args(REQUIRED_ANSWERS)
    return [ctx.copier, "copy", "--defaults", *data, "--vcs-ref", "HEAD", str(template), str(dest)]


def time_render(ctx: Context, template: Path) -> Timing:
    dest = Path(tempfile.mkdtemp(dir=ctx.work, prefix="render-"))
    try:
        return timed(copier_copy_args(ctx, template, dest / "out"), ctx.work, ctx.render_env)
    finally:
        shutil.rmtree(dest)


def measure_render(ctx: Context, template: Path) -> Figure:
    floor_template = one_file_template(ctx)
    time_render(ctx, template)  # warm-up: imports and page cache
    time_render(ctx, floor_template)
    samples, floor = alternate(
        ctx.render_rounds,
        lambda: time_render(ctx, template),
        lambda: time_render(ctx, floor_template),
    )
    return ratio_figure("render (copier copy)", "s", samples, floor, 1.2)


def alternate(
    rounds: int, measure: Callable[[], Timing], measure_floor: Callable[[], Timing]
) -> tuple[list[Timing], list[Timing]]:
    """Interleave the rounds so that drift in the machine's load hits both sides alike."""
    samples: list[Timing] = []
    floor: list[Timing] = []
    for _ in range(rounds):
        samples.append(measure())
        floor.append(measure_floor())
    return samples, floor


# --------------------------------------------------------------------------- 2. time-to-green


def render_project(ctx: Context, template: Path) -> Path:
    dest = ctx.work / "green-template"
    run(copier_copy_args(ctx, template, dest), ctx.work, ctx.env)
    return dest


def bare_project(ctx: Context) -> Path:
    """The floor: `uv init --lib`, the same dev tools, one trivial test."""
    dest = ctx.work / "green-floor"
    dest.mkdir()
    run(
        [ctx.uv, "init", "--lib", "--vcs", "none", "--name", "bench-floor", "-q", "."],
        dest,
        ctx.env,
    )
    run([ctx.uv, "add", "-q", "--dev", *DEV_TOOLS], dest, ctx.env)
    (dest / "tests").mkdir()
    (dest / "tests" / "test_floor.py").write_text(
        "from bench_floor import hello\n\n\n"
        "def test_hello() -> None:\n"
        '    assert hello() == "Hello from bench-floor!"\n',
        encoding="utf-8",
    )
    return dest


def green_steps(ctx: Context, mypy_args: Sequence[str]) -> Steps:
    """The generated README's checks, in order (mypy's targets differ: see main)."""
    return [
        ("uv sync", [ctx.uv, "sync"]),
        ("ruff check", [ctx.uv, "run", "ruff", "check"]),
        ("ruff format --check", [ctx.uv, "run", "ruff", "format", "--check"]),
        ("mypy", [ctx.uv, "run", "mypy", *mypy_args]),
        ("pytest", [ctx.uv, "run", "pytest"]),
        ("uv build", [ctx.uv, "build"]),
    ]


def clean_round(project: Path) -> None:
    """Remove ROUND_DEBRIS and every __pycache__ directory."""
    ci_cost.remove_debris(project)
    for cache in list(project.rglob("__pycache__")):
        shutil.rmtree(cache)


def green_round(ctx: Context, project: Path, steps: Steps) -> dict[str, Timing]:
    clean_round(project)
    return {name: timed(args, project, ctx.env) for name, args in steps}


def total(timings: Iterable[Timing]) -> Timing:
    walls, cpus = zip(*timings, strict=True)
    return Timing(sum(walls), sum(cpus))


def measure_green(ctx: Context, template: Path) -> tuple[list[Figure], Path, Path]:
    project, floor_project = render_project(ctx, template), bare_project(ctx)
    # The rendered project's mypy config names its files; the bare one has none.
    steps, floor_steps = green_steps(ctx, []), green_steps(ctx, ["src", "tests"])
    green_round(ctx, project, steps)  # warm-up: fills the uv cache, writes uv.lock
    green_round(ctx, floor_project, floor_steps)
    rounds = [
        (green_round(ctx, project, steps), green_round(ctx, floor_project, floor_steps))
        for _ in range(ctx.green_rounds)
    ]
    totals = ratio_figure(
        "time-to-green, total",
        "s",
        [total(ours.values()) for ours, _ in rounds],
        [total(floor.values()) for _, floor in rounds],
        1.25,
    )
    per_step = [
        ratio_figure(
            f"time-to-green: {name}",
            "s",
            [ours[name] for ours, _ in rounds],
            [floor[name] for _, floor in rounds],
            None,
        )
        for name, _ in steps
    ]
    return [totals, *per_step], project, floor_project


# --------------------------------------------------------------------------- 3. install size


def installed_packages(ctx: Context, project: Path) -> list[str]:
    """Distributions in the project's .venv, without the project itself."""
    pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    own = canonicalize_name(pyproject["project"]["name"])
    listed = json.loads(
        run(
            [
                ctx.uv,
                "pip",
                "list",
                "--format",
                "json",
                "--python",
                str(project / ".venv" / "bin" / "python"),
            ],
            project,
            ctx.env,
        )
    )
    return sorted(n for n in (canonicalize_name(p["name"]) for p in listed) if n != own)


def platform_tags(ctx: Context, project: Path) -> list[str]:
    """The venv interpreter's wheel tags, most preferred first (packaging comes with pytest)."""
    script = "from packaging.tags import sys_tags; print('\\n'.join(map(str, sys_tags())))"
    out = run([str(project / ".venv" / "bin" / "python"), "-c", script], project, ctx.env)
    return out.split()


def download_bytes(lock: dict[str, Any], names: list[str], tags: list[str]) -> tuple[int, list[str]]:
    """Sum of the sizes uv.lock records for the wheel that best fits ``tags``, per package.

    A package without a fitting wheel counts with its sdist; those are returned too.
    """
    rank = {tag: i for i, tag in enumerate(tags)}
    packages = {str(canonicalize_name(p["name"])): p for p in lock["package"]}
    total, sdists = 0, []
    for name in names:
        best: tuple[int, int] | None = None
        for wheel in packages[name].get("wheels", []):
            wheel_tags = parse_wheel_filename(wheel["url"].rsplit("/", 1)[-1])[3]
            fits = [rank[str(t)] for t in wheel_tags if str(t) in rank]
            if fits and (best is None or min(fits) < best[0]):
                best = (min(fits), int(wheel["size"]))
        if best is None:
            sdists.append(name)
            total += int(packages[name]["sdist"]["size"])
        else:
            total += best[1]
    return total, sdists


def venv_bytes(project: Path) -> int:
    return sum(p.stat().st_size for p in (project / ".venv").rglob("*") if p.is_file() and not p.is_symlink())


def install_facts(ctx: Context, project: Path) -> tuple[list[str], float, float]:
    """Installed packages, download MB and installed MB of a synced project."""
    names = installed_packages(ctx, project)
    lock = tomllib.loads((project / "uv.lock").read_text(encoding="utf-8"))
    size, sdists = download_bytes(lock, names, platform_tags(ctx, project))
    if sdists:
        ctx.notes.append(f"{project.name}: no fitting wheel, sdist size counted for {sdists}")
    return names, size / 1e6, venv_bytes(project) / 1e6


def measure_install(ctx: Context, project: Path, floor_project: Path) -> list[Figure]:
    names, download, installed = install_facts(ctx, project)
    floor_names, floor_download, floor_installed = install_facts(ctx, floor_project)
    count = len(names)
    packages = Figure(
        "dev group, packages installed",
        "",
        [count],
        [len(floor_names)],
        target=f"≤ {MAX_DEV_PACKAGES}",
        ratio=count / len(floor_names),
        passed=count <= MAX_DEV_PACKAGES,
        note=", ".join(names),
    )
    return [
        packages,
        Figure(
            "dev group, download size",
            "MB",
            [download],
            [floor_download],
            ratio=download / floor_download,
        ),
        Figure(
            "dev group, installed size (.venv)",
            "MB",
            [installed],
            [floor_installed],
            ratio=installed / floor_installed,
        ),
    ]


# --------------------------------------------------------------------------- 4. docs build


def docs_command(ctx: Context, project: Path) -> list[str]:
    """The strict docs build exactly as the rendered ci.yml's docs job runs it."""
    ci = parse_yaml((project / ".github" / "workflows" / "ci.yml").read_text(encoding="utf-8"))
    (script,) = [str(step["run"]) for step in ci["jobs"]["docs"]["steps"] if "sphinx-build" in str(step.get("run", ""))]
    command = shlex.split(script)
    if command[0] != "uv":
        raise BenchError(f"the docs step does not start with uv: {script}")
    return [ctx.uv, *command[1:]]


def docs_floor(ctx: Context, project: Path, command: list[str]) -> list[str]:
    """sphinx-quickstart's empty project, built by the same command (paths under docs/ moved)."""
    floor = ctx.work / "docs-floor"
    quickstart = [*command[: command.index("sphinx-build")], "sphinx-quickstart", "-q"]
    run(
        [*quickstart, "-p", "Floor", "-a", "Bench", "--no-makefile", "--no-batchfile", str(floor)],
        project,
        ctx.env,
    )
    at = command.index("sphinx-build")
    return command[:at] + [
        str(floor) + arg.removeprefix("docs") if arg == "docs" or arg.startswith("docs/") else arg
        for arg in command[at:]
    ]


def docs_round(ctx: Context, project: Path, command: list[str]) -> Timing:
    for built in (project / "docs" / "_build", ctx.work / "docs-floor" / "_build"):
        shutil.rmtree(built, ignore_errors=True)
    return timed(command, project, ctx.env)


def measure_docs(ctx: Context, project: Path) -> Figure:
    """After the install figure: the docs group joins the project's .venv here."""
    command = docs_command(ctx, project)
    floor_command = docs_floor(ctx, project, command)
    docs_round(ctx, project, command)  # warm-up: installs the docs group
    docs_round(ctx, project, floor_command)
    samples, floor = alternate(
        ctx.green_rounds,
        lambda: docs_round(ctx, project, command),
        lambda: docs_round(ctx, project, floor_command),
    )
    return ratio_figure("docs build (sphinx -W)", "s", samples, floor, None)


# --------------------------------------------------------------------------- 5. suite


def measure_suite(ctx: Context) -> Figure:
    """One timed run of the template's own test suite, as .ci/run runs it."""
    start = time.perf_counter()
    done = subprocess.run(
        [ctx.uv, "run", "pytest", "-q", f"--durations={SLOWEST_TESTS}"],
        cwd=REPO,
        env=clean_env(),  # as .ci/run has it: no UV_PYTHON of ours
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - start
    summary = (done.stdout.strip().splitlines() or ["(no output)"])[-1]
    ctx.slowest_tests = durations_report(done.stdout)
    return Figure(
        "template test suite",
        "s",
        [elapsed],
        target=f"≤ {SUITE_TARGET_SECONDS:.0f} s",
        ratio=elapsed / SUITE_TARGET_SECONDS,
        # A failing suite's time proves nothing: it may have stopped early.
        passed=done.returncode == 0 and elapsed <= SUITE_TARGET_SECONDS,
        note=f"exit {done.returncode}: {summary}",
    )


def durations_report(output: str) -> list[str]:
    """The lines of pytest's "slowest N durations" section ("12.34s call  tests/...")."""
    lines = output.splitlines()
    start = next((i for i, line in enumerate(lines) if "slowest" in line and "durations" in line), 0)
    return [line for line in lines[start:] if DURATION_LINE.match(line)][:SLOWEST_TESTS]


# --------------------------------------------------------------------------- 5. CI cost per push


def measure_ci(ctx: Context, template: Path) -> list[Figure]:
    """Jobs, steps and the time estimate of one push to the generated CI: v1.0.0 against HEAD."""
    try:
        before, after = ci_cost.compare(ctx.copier, template, ctx.python, ctx.work, ctx.green_rounds)
    except RuntimeError as error:
        ctx.notes.append(f"CI per push: not measured ({error})")
        return []
    ctx.notes += [*before.breakdown, *after.breakdown]
    ctx.notes.append(
        "CI per push, local median time of each run: step: "
        + "; ".join(
            f"{push.label} {name} {seconds:.2f} s"
            for push in (before, after)
            for name, seconds in push.step_times.items()
        )
    )
    ratio = after.seconds / before.seconds
    return [
        Figure(
            "CI per push: jobs (v1.0.0 as floor)",
            "",
            [len(after.jobs)],
            [len(before.jobs)],
            ratio=len(after.jobs) / len(before.jobs),
            note="GitHub bills each job rounded up to a whole minute; every job here takes less",
        ),
        Figure(
            "CI per push: steps",
            "",
            [after.steps],
            [before.steps],
            ratio=after.steps / before.steps,
            note=f"run: steps {before.run_steps} before, {after.run_steps} after",
        ),
        Figure(
            "CI per push: estimate, Σ jobs × local step times",
            "s",
            [after.seconds],
            [before.seconds],
            target="≤ 1.0× v1.0.0",
            ratio=ratio,
            passed=ratio <= 1.0,
            cpu_ratio=after.cpu_seconds / before.cpu_seconds,
        ),
    ]


# --------------------------------------------------------------------------- results


def ratio_figure(name: str, unit: str, samples: list[Timing], floor: list[Timing], limit: float | None) -> Figure:
    """A timed figure against its floor; it passes on the wall-time ratio."""
    walls, floor_walls = [t.wall for t in samples], [t.wall for t in floor]
    ratio = statistics.median(walls) / statistics.median(floor_walls)
    cpu_ratio = statistics.median(t.cpu for t in samples) / statistics.median(t.cpu for t in floor)
    return Figure(
        name,
        unit,
        walls,
        floor_walls,
        target=f"≤ {limit}× floor" if limit else "",
        ratio=ratio,
        passed=None if limit is None else ratio <= limit,
        cpu_ratio=cpu_ratio,
    )


def number(value: float | None, unit: str) -> str:
    if value is None:
        return "–"
    text = f"{value:.0f}" if not unit else f"{value:.2f}"
    return f"{text} {unit}".strip()


def table_row(fig: Figure) -> list[str]:
    spread = "–"
    if len(fig.samples) > 1:
        spread = f"{min(fig.samples):.2f}–{max(fig.samples):.2f} {fig.unit}"
    result = {True: "pass", False: "MISS", None: ""}[fig.passed]
    ratio = f"{fig.ratio:.2f}×" if fig.ratio is not None else "–"
    cpu_ratio = f"{fig.cpu_ratio:.2f}×" if fig.cpu_ratio is not None else "–"
    return [
        fig.name,
        number(fig.median, fig.unit),
        spread,
        number(fig.floor_median, fig.unit),
        ratio,
        fig.target,
        result,
        cpu_ratio,
    ]


HEADER = [
    "figure",
    "median",
    "spread (min–max)",
    "floor median",
    "ratio",
    "target",
    "result",
    "CPU-time ratio",
]


def text_table(figures: list[Figure]) -> str:
    rows = [HEADER, *map(table_row, figures)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADER))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows)


def markdown_table(figures: list[Figure]) -> str:
    rows = [HEADER, ["---"] * len(HEADER), *map(table_row, figures)]
    return "\n".join("| " + " | ".join(c.strip() or " " for c in row) + " |" for row in rows)


def machine(ctx: Context) -> dict[str, str]:
    python = run([ctx.python, "-c", "import platform; print(platform.python_version())"], REPO, ctx.env).strip()
    return {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "os": f"{platform.system()} {platform.machine()}",
        "nproc": str(os.cpu_count()),
        # Other work on the machine stretches wall times (see the CPU-time ratio).
        "load average (1, 5, 15 min) at the end": ", ".join(f"{x:.2f}" for x in os.getloadavg()),
        "python": f"{python} ({ctx.python})",
        "uv": run([ctx.uv, "--version"], REPO, ctx.env).strip(),
        "copier": run([ctx.copier, "--version"], REPO, ctx.env).strip(),
        "rounds": f"render {ctx.render_rounds}, time-to-green {ctx.green_rounds} (each after one untimed warm-up)",
    }


METHOD = f"""\
How it is measured (`bench/run.py`):
- **render**: `copier copy --defaults --data project_name=… --data github_owner=…
  --vcs-ref HEAD` with the test environment's copier CLI, into a new temporary directory per
  round. The template is a committed snapshot of this working tree; the floor is a throwaway
  repository with `_subdirectory`, one question and one file. Rounds alternate between the two.
  copier runs from compiled bytecode, as from any real install (`PYTHONPYCACHEPREFIX` in the
  temporary directory, filled by an untimed warm-up render; this matters where the shell sets
  `PYTHONDONTWRITEBYTECODE`: compiling copier's imports would add the same ~0.6 s to both sides).
- **time-to-green**: in a rendered project (default answers) and in a bare `uv init --lib`
  project with `uv add --dev {" ".join(DEV_TOOLS)}` and one test (set up untimed), each step
  is timed: `uv sync`, `uv run ruff check`, `uv run ruff format --check`, `uv run mypy` (the
  floor has no mypy config, so `uv run mypy src tests`), `uv run pytest`, `uv build`. Both use
  the same local CPython {PYTHON_VERSION}, `UV_PYTHON_DOWNLOADS=never`. One untimed warm-up
  round fills the uv cache and writes `uv.lock`; before every round these are removed:
  `{"`, `".join(ROUND_DEBRIS)}` and every `__pycache__`. So each round is a fresh
  `uv sync` from a warm cache and a kept `uv.lock`. Rounds alternate.
- **install size**: packages in the synced `.venv` (`uv pip list`) minus the project itself.
  Download size: for each of them, the `size` that `uv.lock` records for the wheel whose tags
  rank best among the venv interpreter's `packaging.tags.sys_tags()` (the wheel uv picks
  here). Installed size: bytes of the regular files in `.venv`.
- **docs build**: in the rendered project, the strict Sphinx build exactly as its ci.yml's
  docs job runs it (`uv run --no-default-groups --group docs sphinx-build -W --keep-going
  -b html ...`: README, API page by autodoc, changelog, development page, Furo theme), against
  the same command on the empty project `sphinx-quickstart -q` writes (alabaster, no
  extensions), in the same environment. An untimed warm-up installs the docs group; before
  each round both `_build` directories are removed. Rounds as for time-to-green, alternating.
- **test suite**: `uv run pytest -q --durations={SLOWEST_TESTS}` at the repository root, once
  (as `.ci/run` runs it, plus the report of its slowest tests); its ratio is to the
  {SUITE_TARGET_SECONDS:.0f} s target.
- **CI per push**: `bench/ci_cost.py` renders `ci.yml` of `v1.0.0` and of this working tree
  (default answers), expands each job's matrix as GitHub does and evaluates each step's `if:`
  for a push: that gives the jobs and steps. Each `run:` step is timed as a runner runs it
  (bash on a script file) in the rendered project on CPython {PYTHON_VERSION} (python_min), over the
  time-to-green number of rounds after an untimed warm-up; entries of Pythons not installed here
  count with those times. The estimate sums, over the jobs of a push, the median times of the
  steps each job runs. `uses:` steps (checkout, setup-uv) count as steps at no time: the
  per-job runner cost is in the job count, not in the seconds.
- **CPU-time ratio**: the same ratio over the user + system CPU time of the commands and their
  children. Other work on the machine stretches wall times but hardly CPU times: when the
  two ratios disagree, the machine was busy.
"""


def write_results(ctx: Context, figures: list[Figure], meta: dict[str, str]) -> None:
    lines = [
        "# Benchmark results",
        "",
        "Written by `uv run python bench/run.py` (see bench/README.md).",
        "",
    ]
    lines += [f"- {key}: {value}" for key, value in meta.items()]
    lines += ["", markdown_table(figures), ""]
    lines += [f"- {fig.name.strip()}: {fig.note}" for fig in figures if fig.note]
    lines += [f"- {note}" for note in ctx.notes]
    if ctx.slowest_tests:
        lines += [
            "",
            "Slowest tests of the suite run (pytest `--durations`):",
            "",
            "```",
            *ctx.slowest_tests,
            "```",
        ]
    lines += ["", METHOD]
    (BENCH_DIR / "results.md").write_text("\n".join(lines), encoding="utf-8")
    payload = {
        "machine": meta,
        "notes": ctx.notes,
        "figures": [{**asdict(fig), "median": fig.median, "floor_median": fig.floor_median} for fig in figures],
    }
    (BENCH_DIR / "results.json").write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


# --------------------------------------------------------------------------- main


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, help="rounds of both timed figures (overrides below)")
    parser.add_argument("--render-rounds", type=int, default=5, help="default: 5")
    parser.add_argument("--green-rounds", type=int, default=3, help="time-to-green; default: 3")
    parser.add_argument(
        "--skip-suite",
        action="store_true",
        help="leave out the template's own test suite (it takes minutes)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    return parser.parse_args(argv)


def make_context(args: argparse.Namespace, work: Path) -> Context:
    python = find_interpreter(PYTHON_VERSION)
    if python is None:
        raise SystemExit(f"no local CPython {PYTHON_VERSION}: the time-to-green figure needs one")
    uv = shutil.which("uv") or str(Path(sys.executable).with_name("uv"))
    env = clean_env({"UV_PYTHON": python})
    # Fresh venvs write their bytecode as they would in CI, whatever this shell says.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    # copier runs from compiled bytecode, as from any real install; the cache stays
    # out of the shared test venv, and the warm-up render fills it.
    render_env = {**env, "PYTHONPYCACHEPREFIX": str(work / "pycache")}
    return Context(
        work=work,
        python=python,
        env=env,
        render_env=render_env,
        uv=uv,
        copier=str(Path(sys.executable).with_name("copier")),
        render_rounds=args.rounds or args.render_rounds,
        green_rounds=args.rounds or args.green_rounds,
    )


def measure_all(ctx: Context, skip_suite: bool) -> list[Figure]:
    template = snapshot_template(ctx)
    print("render …", flush=True)
    figures = [measure_render(ctx, template)]
    print("time-to-green …", flush=True)
    green, project, floor_project = measure_green(ctx, template)
    figures += green
    print("install size …", flush=True)
    figures += measure_install(ctx, project, floor_project)
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
    args = parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="copier-uv-release-bench-"))
    try:
        ctx = make_context(args, work)
        figures = measure_all(ctx, args.skip_suite)
        meta = machine(ctx)
    finally:
        if args.keep:
            print(f"kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print()
    print(text_table(figures))
    for note in ctx.notes:
        print(f"note: {note}")
    if args.skip_suite:
        # results.md is what the README shows: a quick look must not replace a
        # full run's four figures with three.
        print("\nnot written (--skip-suite): bench/results.* keep the last full run")
    else:
        write_results(ctx, figures, meta)
        print(f"\nwritten: {BENCH_DIR / 'results.md'}, {BENCH_DIR / 'results.json'}")
    return 1 if any(fig.passed is False for fig in figures) else 0


if __name__ == "__main__":
    sys.exit(main())
