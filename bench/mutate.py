"""Mutation run of the template: does the test suite notice a small, plausible defect?

    uv run python bench/mutate.py                # every mutant, 2 at a time (minutes)
    uv run python bench/mutate.py --list         # the mutants and their test selections
    uv run python bench/mutate.py --only NAME    # one mutant (repeatable; a prefix works too)

The outcome of each mutant of bench/mutants.toml is killed, survived, stale or error: bench/README.md
("Mutation run") says what each means, and the exit status. The clone, the pytest run and the report
writing here serve bench/mutate_lines.py too.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
from support.commands import git, git_files  # noqa: E402
from support.rendering import copy_working_tree  # noqa: E402

BENCH_DIR = REPO / "bench"
RESULTS = BENCH_DIR / "mutation-results.json"
TEMPLATE_PATHS = ("copier.yml", "template", "includes")
TIMEOUT = 1200  # seconds per pytest run
# One process per selection (the run itself runs -j selections side by side), stopped at the
# first failure: one failing test is a kill.
PYTEST_OPTIONS = ("-x", "-q", "-n", "0", "-p", "no:cacheprovider", "-W", "ignore::DeprecationWarning")
STATUSES = ("killed", "survived", "stale", "error")
T = TypeVar("T")


@dataclass(frozen=True)
class Mutant:
    name: str
    file: str  # relative to the repository
    tests: tuple[str, ...]  # pytest arguments: the relevant tests
    old: str | None = None  # exact text, present exactly once; None: delete the file
    new: str = ""
    harmless: str = ""  # why surviving is acceptable (only for known survivors)


def load_mutants(path: Path = BENCH_DIR / "mutants.toml") -> list[Mutant]:
    """The mutants of ``path``, in its order (the format is described at its top)."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    mutants = []
    for entry in data["mutant"]:
        # A misspelt key needs no check here: Mutant() refuses it (a TypeError naming the key).
        if ("old" in entry) == bool(entry.pop("delete", False)):
            raise ValueError(f"{path.name}: mutant {entry.get('name')!r}: not one of old/delete")
        tests = entry["tests"]
        entry["tests"] = tuple(data.get("selections", {})[tests] if isinstance(tests, str) else tests)
        mutants.append(Mutant(**entry))
    names = [mutant.name for mutant in mutants]
    if duplicates := sorted({n for n in names if names.count(n) > 1}):
        raise ValueError(f"{path.name}: duplicate mutant names: {duplicates}")
    return mutants


MUTANTS = load_mutants()


def template_files() -> list[str]:
    return sorted(git_files(REPO, *TEMPLATE_PATHS))


CLEANUP = concurrent.futures.ThreadPoolExecutor(max_workers=1)  # deletes while the next mutant runs


@contextlib.contextmanager
def throwaway_clone(prefix: str, keep: bool = False) -> Iterator[Path]:
    """A clone of this repository (without its tags) with the working tree's state committed, in a new
    temporary directory, deleted afterwards (a minute for a whole suite's files). Without tags: after a
    release, the suite refuses any template change whose notes [Unreleased] lacks (scripts/release_tag.py),
    and would count every mutant of the template as killed."""
    workdir = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        copy = workdir / "repo"
        # Not checked out, the index reset to HEAD: `add -A` over the working tree's files stages its deletions too.
        git("clone", "-q", "--no-checkout", "--no-tags", "--local", REPO, copy, cwd=REPO)
        git("reset", "-q", cwd=copy)
        copy_working_tree(copy)
        git("add", "-A", cwd=copy)
        git("commit", "-q", "--allow-empty", "-m", "working tree", cwd=copy)
        yield copy
    finally:
        if keep:
            print(f"kept: {workdir}", flush=True)
        else:
            CLEANUP.submit(shutil.rmtree, workdir, ignore_errors=True)


def run_tests(copy: Path, tests: Sequence[str], options: Sequence[str] = PYTEST_OPTIONS) -> tuple[int, str, float]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "VIRTUAL_ENV", "COV_CORE_"))}
    started = time.monotonic()
    args = [sys.executable, "-m", "pytest", *tests, *options, "--basetemp", str(copy.parent / "basetemp")]
    try:
        done = subprocess.run(
            args, cwd=copy, env=env, capture_output=True, text=True, timeout=TIMEOUT, stdin=subprocess.DEVNULL
        )
    except subprocess.TimeoutExpired:
        return -1, f"timeout after {TIMEOUT} s", time.monotonic() - started
    return done.returncode, done.stdout + done.stderr, time.monotonic() - started


def failing_test(output: str) -> str:
    """The first failed or erroring test in pytest's summary ("" if none)."""
    found = re.search(r"^(?:FAILED|ERROR) (.+?)(?: - .*)?$", output, re.MULTILINE)
    return found.group(1) if found else ""


def each_done(jobs: int, run: Callable[[Any], T], items: Iterable[Any]) -> Iterator[T]:
    """``run`` of each item, ``jobs`` at once, in the order they finish."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        for future in concurrent.futures.as_completed([pool.submit(run, item) for item in items]):
            yield future.result()


def tally(statuses: Iterable[str], known: Sequence[str], judged: Sequence[str]) -> tuple[dict[str, int], float]:
    """The count of each known status, and the score: killed / the judged ones."""
    listed = list(statuses)
    counts = {status: listed.count(status) for status in known}
    total = sum(counts[status] for status in judged)
    return counts, round(counts["killed"] / total, 4) if total else 0.0


def write_report(path: Path, data: dict[str, Any], markdown: str) -> None:
    """The JSON report whole or not at all (a run resumes from it), and its Markdown beside it."""
    path.with_suffix(".tmp").write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    path.with_suffix(".tmp").replace(path)
    path.with_suffix(".md").write_text(markdown, encoding="utf-8")


def stale_reason(mutant: Mutant) -> str:
    path = REPO / mutant.file
    if not path.is_file():
        return f"{mutant.file} does not exist"
    count = 1 if mutant.old is None else path.read_text(encoding="utf-8").count(mutant.old)
    return "" if count == 1 else f"old text found {count} times in {mutant.file} (must be exactly once)"


def first_failure(output: str) -> str:
    return failing_test(output) or (output.strip().splitlines() or [""])[-1]


def baseline(tests: tuple[str, ...]) -> tuple[str, str]:
    """The selection, and why it fails without a mutant ("" if it passes)."""
    with throwaway_clone("mutate-baseline-") as copy:
        code, output, _ = run_tests(copy, tests)
    return " ".join(tests), "" if code == 0 else f"exit {code}: {first_failure(output)}"


def run_mutant(mutant: Mutant, keep: bool) -> dict[str, Any]:
    outcome = {"name": mutant.name, "file": mutant.file, "status": "stale", "tests": list(mutant.tests), "seconds": 0.0}
    outcome |= {"detail": stale_reason(mutant), "harmless": mutant.harmless}
    if outcome["detail"]:
        return outcome
    with throwaway_clone(f"mutate-{mutant.name}-", keep) as copy:
        path = copy / mutant.file
        if mutant.old is None:
            path.unlink()
        else:
            path.write_text(path.read_text(encoding="utf-8").replace(mutant.old, mutant.new, 1), encoding="utf-8")
        git("commit", "-q", "-am", f"mutant {mutant.name}", cwd=copy)
        code, output, outcome["seconds"] = run_tests(copy, mutant.tests)
    outcome["status"] = {0: "survived", 1: "killed"}.get(code, "error")
    if code:
        outcome["detail"] = ("" if code == 1 else f"pytest exit {code}: ") + first_failure(output)
    return outcome


def results_md(data: dict[str, Any]) -> str:
    """mutation-results.md, from what mutation-results.json holds."""
    counts, mutants = data["counts"], data["mutants"]
    lines = [
        "# Mutation run of the template",
        "",
        f"`uv run python bench/mutate.py` on commit {data['commit']}"
        f"{' (with uncommitted changes)' if data['dirty'] else ''}, {data['date']}, {data['seconds'] / 60:.1f} minutes.",
        "",
        f"**Score: {counts['killed']}/{counts['killed'] + counts['survived']} killed ({data['score']:.0%})**; "
        f"{counts['survived']} survived, {counts['stale']} stale, {counts['error']} errors.",
        "",
        "Each mutant is one small edit of a template file; only the tests named beside it ran "
        "(`pytest -x -n 0`). The list is bench/mutants.toml; MAINTAINING.md says how to add one.",
        "",
    ]
    survived = [m for m in mutants if m["status"] == "survived"]
    survivors = [f"- `{m['name']}` ({m['file']}): {m['harmless'] or '**unexplained: needs a test**'}" for m in survived]
    problems = [f"- {m['status']} `{m['name']}`: {m['detail']}" for m in mutants if m["status"] in ("stale", "error")]
    problems += [f"- template file without a mutant: `{name}`" for name in data["uncovered_template_files"]]
    problems += [f"- selection fails without a mutant: `{s}`: {why}" for s, why in data["failing_baselines"].items()]
    for title, items in (("Survivors", survivors), ("Problems", problems)):
        lines += [f"## {title}", "", *items, ""] if items else []
    lines += [
        "## All mutants",
        "",
        "| mutant | file | outcome | seconds | killed by / detail |",
        "|---|---|---|---|---|",
    ]
    for m in mutants:
        detail = (m["detail"] or m["harmless"]).replace("|", "\\|")
        lines.append(f"| `{m['name']}` | `{m['file']}` | {m['status']} | {m['seconds']:.0f} | {detail} |")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--list", action="store_true", help="list the mutants and exit")
    only_help = "a mutant's name or prefix; repeatable"
    parser.add_argument("--only", action="append", default=[], metavar="NAME", help=only_help)
    parser.add_argument("-j", "--jobs", type=int, default=2, help="mutants run at once (default 2)")
    parser.add_argument("--no-baseline", action="store_true", help="skip running each selection once without a mutant")
    parser.add_argument("--keep", action="store_true", help="keep the throwaway clones (printed)")
    args = parser.parse_args()

    covered = {mutant.file for mutant in MUTANTS}
    uncovered = [name for name in template_files() if name not in covered]
    if args.list:
        for mutant in MUTANTS:
            stale = stale_reason(mutant)
            print(f"{mutant.name:42} {mutant.file}{'  STALE: ' + stale if stale else ''}")
            print(f"{'':42} pytest {' '.join(mutant.tests)}")
        print(
            f"{len(MUTANTS)} mutants over {len(covered)} files; template files without a mutant: {uncovered or 'none'}"
        )
        return 0
    chosen = [mutant for mutant in MUTANTS if not args.only or any(mutant.name.startswith(o) for o in args.only)]
    if not chosen:
        parser.error(f"no mutant matches {args.only}")

    started = time.monotonic()
    baselines: dict[str, str] = {}
    if not args.no_baseline:
        selections = sorted({mutant.tests for mutant in chosen if not stale_reason(mutant)})
        print(f"baseline: {len(selections)} selections without a mutant ...", flush=True)
        baselines = dict(sorted((tests, why) for tests, why in each_done(args.jobs, baseline, selections) if why))
        for tests, why in baselines.items():
            print(f"  FAILS without a mutant: pytest {tests}: {why}", flush=True)
    ran: list[dict[str, Any]] = []
    for outcome in each_done(args.jobs, lambda mutant: run_mutant(mutant, args.keep), chosen):
        if " ".join(outcome["tests"]) in baselines and outcome["status"] == "killed":
            outcome |= {"status": "error", "detail": "its selection fails without the mutant too"}
        ran.append(outcome)
        print(f"{outcome['status']:9} {outcome['name']:42} {outcome['seconds']:6.0f}s  {outcome['detail']}", flush=True)
    CLEANUP.shutdown()
    seconds = time.monotonic() - started

    known, failing = {o["name"]: o for o in ran}, baselines
    if args.only and RESULTS.exists():  # a partial run updates its mutants in the last full run's results
        previous = json.loads(RESULTS.read_text(encoding="utf-8"))
        known = {o["name"]: o for o in previous["mutants"]} | known
        failing, seconds = previous["failing_baselines"] | baselines, seconds + previous["seconds"]
    outcomes = [known[mutant.name] for mutant in MUTANTS if mutant.name in known]
    counts, score = tally((o["status"] for o in outcomes), STATUSES, ("killed", "survived"))
    data = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "commit": git("rev-parse", "--short", "HEAD", cwd=REPO),
        "dirty": bool(git("status", "--porcelain", cwd=REPO)),
        "seconds": round(seconds, 1),
        "score": score,
        "counts": counts,
        "uncovered_template_files": uncovered,
        "failing_baselines": failing,
        "mutants": outcomes,
    }
    write_report(RESULTS, data, results_md(data))

    print(f"\nscore {score:.0%} {counts}; written bench/mutation-results.md (survivors, problems) and .json")
    failed = [o for o in ran if o["status"] in ("stale", "error") or (o["status"] == "survived" and not o["harmless"])]
    return 1 if failed or uncovered or baselines else 0


if __name__ == "__main__":
    sys.exit(main())
