"""Mutation run of the template: does the test suite notice a small, plausible defect?

Run from the repository root:

    uv run python bench/mutate.py                # every mutant, 2 at a time (minutes)
    uv run python bench/mutate.py --list         # the mutants and their test selections
    uv run python bench/mutate.py --only NAME    # one mutant (repeatable; a prefix works too)
    uv run python bench/mutate.py -j 1 --no-baseline

The mutants are data, in bench/mutants.toml. Each is one edit of one template
file (copier.yml, template/, includes/): an exact old text, which must occur
exactly once, and its replacement (or the file's deletion). It is applied to a
throwaway clone of this repository (tags included, the working tree's changes
committed on top), and only the tests that the mutant names run there
(``pytest -x -n 0``). Outcomes:

- killed: the selection failed (the suite noticed);
- survived: it passed; a survivor is acceptable only with a ``harmless``
  reason (written to the results file);
- stale: the old text is no longer in the file exactly once, or the file is
  gone (the template changed under the mutant: update the mutant);
- error: pytest could not run the selection (no tests collected, usage error,
  timeout), or the selection fails without the mutant (see the baseline).

Before the mutants, each distinct selection runs once on the unmutated clone
(the baseline): a selection that fails there kills nothing. Every template
file must have at least one mutant; files without one are listed as errors.

Results: printed, and written to bench/mutation-results.md and
bench/mutation-results.json. Exit status 0 only without stale mutants, errors
and unexplained survivors. Not part of .ci/run.
"""

from __future__ import annotations

import argparse
import concurrent.futures
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
from dataclasses import asdict, dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BENCH_DIR = REPO / "bench"
MUTANTS_FILE = BENCH_DIR / "mutants.toml"
TEMPLATE_PATHS = ("copier.yml", "template", "includes")
TIMEOUT = 1200  # seconds per pytest run
# One process per selection (the run itself runs -j selections side by side), stopped at the
# first failure: one failing test is a kill.
PYTEST_OPTIONS = ("-x", "-q", "-n", "0", "-p", "no:cacheprovider", "-W", "ignore::DeprecationWarning")


@dataclass(frozen=True)
class Mutant:
    name: str
    file: str  # relative to the repository
    old: str | None  # exact text, present exactly once; None: delete the file
    new: str
    tests: tuple[str, ...]  # pytest arguments: the relevant tests
    harmless: str = ""  # why surviving is acceptable (only for known survivors)


def load_mutants(path: Path = MUTANTS_FILE) -> list[Mutant]:
    """The mutants of ``path``, in its order (the format is described at its top)."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    selections: dict[str, list[str]] = data.get("selections", {})
    mutants = []
    for entry in data["mutant"]:
        # A misspelt key would otherwise drop its value silently (say, a harmless reason).
        unknown = set(entry) - {"name", "file", "old", "new", "delete", "tests", "harmless"}
        if unknown or ("old" in entry) == bool(entry.get("delete")):
            raise ValueError(
                f"{path.name}: mutant {entry.get('name')!r}: unknown keys {sorted(unknown)} or not one of old/delete"
            )
        tests = entry["tests"]
        mutants.append(
            Mutant(
                entry["name"],
                entry["file"],
                None if entry.get("delete") else entry["old"],
                entry.get("new", ""),
                tuple(selections[tests] if isinstance(tests, str) else tests),
                entry.get("harmless", ""),
            )
        )
    names = [mutant.name for mutant in mutants]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValueError(f"{path.name}: duplicate mutant names: {duplicates}")
    return mutants


MUTANTS = load_mutants()


# --- running ---------------------------------------------------------------------------------------


@dataclass
class Outcome:
    name: str
    file: str
    status: str  # killed, survived, stale, error
    tests: list[str]
    seconds: float = 0.0
    detail: str = ""  # the first failing test, or what went wrong
    harmless: str = ""


def template_files() -> list[str]:
    # -z: git quotes names that hold '"' otherwise (the kinds' files), and is_file would drop them.
    listed = git("ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", *TEMPLATE_PATHS)
    return sorted(name for name in listed.split("\0") if name and (REPO / name).is_file())


def git(*args: str, cwd: Path = REPO) -> str:
    return subprocess.run(
        ["git", "-c", "commit.gpgsign=false", *args], cwd=cwd, capture_output=True, text=True, check=True
    ).stdout


def stale_reason(mutant: Mutant) -> str:
    path = REPO / mutant.file
    if not path.is_file():
        return f"{mutant.file} does not exist"
    if mutant.old is None:
        return ""
    count = path.read_text(encoding="utf-8").count(mutant.old)
    return "" if count == 1 else f"old text found {count} times in {mutant.file} (must be exactly once)"


def clone(workdir: Path) -> Path:
    """A clone of this repository (tags included) with the working tree's state committed."""
    copy = workdir / "repo"
    subprocess.run(["git", "clone", "-q", "--local", str(REPO), str(copy)], check=True, capture_output=True)
    for name in git("ls-files", "-z", "--cached", "--others", "--exclude-standard").split("\0"):
        if name and (REPO / name).is_file():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, copy / name)
        elif name and (copy / name).exists():
            (copy / name).unlink()
    git("add", "-A", cwd=copy)
    git("commit", "-q", "--allow-empty", "-m", "working tree", cwd=copy)
    return copy


def apply(mutant: Mutant, copy: Path) -> None:
    path = copy / mutant.file
    if mutant.old is None:
        path.unlink()
    else:
        path.write_text(path.read_text(encoding="utf-8").replace(mutant.old, mutant.new, 1), encoding="utf-8")
    git("add", "-A", cwd=copy)
    git("commit", "-q", "-m", f"mutant {mutant.name}", cwd=copy)


def run_tests(copy: Path, tests: tuple[str, ...], options: tuple[str, ...] = PYTEST_OPTIONS) -> tuple[int, str, float]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "VIRTUAL_ENV", "COV_CORE_"))}
    started = time.monotonic()
    try:
        args = [sys.executable, "-m", "pytest", *tests, *options, "--basetemp", str(copy.parent / "basetemp")]
        done = subprocess.run(
            args, cwd=copy, env=env, capture_output=True, text=True, timeout=TIMEOUT, stdin=subprocess.DEVNULL
        )
    except subprocess.TimeoutExpired:
        return -1, f"timeout after {TIMEOUT} s", time.monotonic() - started
    return done.returncode, done.stdout + done.stderr, time.monotonic() - started


def first_failure(output: str) -> str:
    found = re.search(r"^(?:FAILED|ERROR) (\S+)", output, re.MULTILINE)
    return found.group(1) if found else output.strip().splitlines()[-1] if output.strip() else ""


def baseline(tests: tuple[str, ...]) -> tuple[bool, str]:
    with tempfile.TemporaryDirectory(prefix="mutate-baseline-") as workdir:
        code, output, _ = run_tests(clone(Path(workdir)), tests)
    return code == 0, "" if code == 0 else f"exit {code}: {first_failure(output)}"


def run_mutant(mutant: Mutant, keep: bool) -> Outcome:
    outcome = Outcome(mutant.name, mutant.file, "", list(mutant.tests), harmless=mutant.harmless)
    reason = stale_reason(mutant)
    if reason:
        outcome.status, outcome.detail = "stale", reason
        return outcome
    workdir = Path(tempfile.mkdtemp(prefix=f"mutate-{mutant.name}-"))
    try:
        copy = clone(workdir)
        apply(mutant, copy)
        code, output, outcome.seconds = run_tests(copy, mutant.tests)
    finally:
        if not keep:
            shutil.rmtree(workdir, ignore_errors=True)
    if code == 0:
        outcome.status = "survived"
    elif code == 1:
        outcome.status, outcome.detail = "killed", first_failure(output)
    else:
        outcome.status = "error"
        outcome.detail = f"pytest exit {code}: {first_failure(output)}"
    return outcome


# --- reporting -------------------------------------------------------------------------------------


def write_results(outcomes: list[Outcome], uncovered: list[str], baselines: dict[str, str], seconds: float) -> None:
    counts = {s: sum(o.status == s for o in outcomes) for s in ("killed", "survived", "stale", "error")}
    judged = counts["killed"] + counts["survived"]
    score = counts["killed"] / judged if judged else 0.0
    data = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "commit": git("rev-parse", "--short", "HEAD").strip(),
        "dirty": bool(git("status", "--porcelain").strip()),
        "seconds": round(seconds, 1),
        "score": round(score, 4),
        "counts": counts,
        "uncovered_template_files": uncovered,
        "failing_baselines": baselines,
        "mutants": [asdict(o) for o in outcomes],
    }
    (BENCH_DIR / "mutation-results.json").write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    lines = [
        "# Mutation run of the template",
        "",
        f"`uv run python bench/mutate.py` on commit {data['commit']}"
        f"{' (with uncommitted changes)' if data['dirty'] else ''}, {data['date']}, "
        f"{seconds / 60:.1f} minutes.",
        "",
        f"**Score: {counts['killed']}/{judged} killed ({score:.0%})**; "
        f"{counts['survived']} survived, {counts['stale']} stale, {counts['error']} errors.",
        "",
        "Each mutant is one small edit of a template file; only the tests named beside it ran "
        "(`pytest -x -n 0`). The list is bench/mutants.toml; MAINTAINING.md says how to add one.",
        "",
    ]
    survivors = [o for o in outcomes if o.status == "survived"]
    if survivors:
        lines += ["## Survivors", ""]
        for o in survivors:
            why = o.harmless or "**unexplained: needs a test**"
            lines.append(f"- `{o.name}` ({o.file}): {why}")
        lines.append("")
    problems = [o for o in outcomes if o.status in ("stale", "error")]
    if problems or uncovered or baselines:
        lines += ["## Problems", ""]
        lines += [f"- {o.status} `{o.name}`: {o.detail}" for o in problems]
        lines += [f"- template file without a mutant: `{name}`" for name in uncovered]
        lines += [f"- selection fails without a mutant: `{sel}`: {why}" for sel, why in baselines.items()]
        lines.append("")
    lines += [
        "## All mutants",
        "",
        "| mutant | file | outcome | seconds | killed by / detail |",
        "|---|---|---|---|---|",
    ]
    for o in outcomes:
        detail = (o.detail or o.harmless).replace("|", "\\|")
        lines.append(f"| `{o.name}` | `{o.file}` | {o.status} | {o.seconds:.0f} | {detail} |")
    (BENCH_DIR / "mutation-results.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--list", action="store_true", help="list the mutants and exit")
    parser.add_argument(
        "--only", action="append", default=[], metavar="NAME", help="a mutant's name or prefix; repeatable"
    )
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
    failing_baselines: dict[str, str] = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        if not args.no_baseline:
            selections = sorted({mutant.tests for mutant in chosen if not stale_reason(mutant)})
            print(f"baseline: {len(selections)} selections without a mutant ...", flush=True)
            for tests, (ok, why) in zip(selections, pool.map(baseline, selections), strict=True):
                if not ok:
                    failing_baselines[" ".join(tests)] = why
                    print(f"  FAILS without a mutant: pytest {' '.join(tests)}: {why}", flush=True)
        futures = {pool.submit(run_mutant, mutant, args.keep): mutant for mutant in chosen}
        outcomes_by_name: dict[str, Outcome] = {}
        for future in concurrent.futures.as_completed(futures):
            outcome = future.result()
            if " ".join(outcome.tests) in failing_baselines and outcome.status == "killed":
                outcome.status = "error"
                outcome.detail = "its selection fails without the mutant too"
            outcomes_by_name[outcome.name] = outcome
            print(f"{outcome.status:9} {outcome.name:42} {outcome.seconds:6.0f}s  {outcome.detail}", flush=True)
    outcomes = [outcomes_by_name[mutant.name] for mutant in chosen]
    seconds = time.monotonic() - started

    results = BENCH_DIR / "mutation-results.json"
    if args.only and results.exists():
        # A partial run updates its mutants in the last full run's results.
        previous = json.loads(results.read_text(encoding="utf-8"))
        known = {o["name"]: Outcome(**o) for o in previous["mutants"]}
        known.update({o.name: o for o in outcomes})
        seconds += previous["seconds"]
        write_results(
            [known[n.name] for n in MUTANTS if n.name in known],
            uncovered,
            {**previous["failing_baselines"], **failing_baselines},
            seconds,
        )
    else:
        write_results(outcomes, uncovered, failing_baselines, seconds)
    killed = sum(o.status == "killed" for o in outcomes)
    judged = sum(o.status in ("killed", "survived") for o in outcomes)
    print(f"\nscore: {killed}/{judged} killed in {seconds / 60:.1f} minutes")
    unexplained = [o for o in outcomes if o.status == "survived" and not o.harmless]
    for o in outcomes:
        if o.status == "survived":
            print(f"  survivor {o.name}: {o.harmless or 'UNEXPLAINED'}")
        elif o.status in ("stale", "error"):
            print(f"  {o.status} {o.name}: {o.detail}")
    for name in uncovered:
        print(f"  template file without a mutant: {name}")
    print("written: bench/mutation-results.md, bench/mutation-results.json")
    bad = unexplained or uncovered or failing_baselines or any(o.status in ("stale", "error") for o in outcomes)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
