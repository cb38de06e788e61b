"""Random line-level mutation run: a seeded sample of mechanical one-line mutants over the template.

    uv run python bench/mutate_lines.py --seed 2026 -n 60 --list   # the sample, without running
    uv run python bench/mutate_lines.py --seed 2026 -n 60          # run it (resumes an interrupted run)
    uv run python bench/mutate_lines.py --seed 2026 -n 60 --only ID
    uv run python bench/mutate_lines.py --held-out bench/held_out.json  # defects written by another hand

bench/README.md ("Line-level mutation run") says what the sites are, how the sample is drawn, how each
mutant runs (bench/mutate.py's clone, then the suite in two passes) and what the report holds.
"""

from __future__ import annotations

import argparse
import datetime
import fnmatch
import hashlib
import json
import os
import random
import re
import subprocess
import sys
import time
import tomllib
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import mutate
from mutate import BENCH_DIR, PYTEST_OPTIONS, REPO, TEMPLATE_PATHS, failing_test, git, run_tests

REPORT = BENCH_DIR / "line_mutants.json"
# Prose: a deleted sentence is content, not behaviour. The license texts are verbatim legal prose
# too (1,300 of the template's 4,700 lines): left in, they would be a third of every sample.
PROSE = ("*.md", "*.md.jinja", "includes/licenses/*.txt")
# The folders run first for a mutated file (first match wins): the claims about that file. A fixed
# map, never tuned per mutant; the second pass runs every other folder, so it only saves time.
FIRST = (
    ("template/.github/*release*", "tests/release"),  # release.yml, release_preflight.py
    ("includes/release_steps.jinja", "tests/release"),
    ("includes/publishing.jinja", "tests/release tests/render"),
    ("template/.github/*template?update*", "tests/update"),  # template-update.yml, template_update.py
    ("includes/message_after_update.jinja", "tests/update"),
    ("template/{{ _copier_conf.answers_file }}.jinja", "tests/update"),
    ("template/.*", "tests/ci"),  # ci.yml, dependabot.yml, .gitignore, .pre-commit-config.yaml
    ("template/{% if docs %}*", "tests/docs"),
    ("includes/validators.jinja", "tests/validation"),
    ("copier.yml", "tests/validation tests/render"),
    ("*", "tests/render"),
)
OPERATORS = ("delete", "string", "boolean", "number", "condition")
STATUSES = ("killed", "survived", "unrendered", "equivalent", "error")
JUDGED = ("killed", "survived", "unrendered")  # the score: killed / these

QUOTED = re.compile(r""""(?:[^"\\\n]|\\.)*"|(?<!\w)'[^'\n]*'(?!\w)""")
JINJA = re.compile(r"\$?\{\{.*?\}\}|\{%.*?%\}")
JINJA_COMMENT = re.compile(r"\{#.*?#\}", re.DOTALL)
YAML_VALUE = re.compile(r"^\s*(?:-\s+)?(?:[\w./-]+:(?:\s+|$))?")
BOOLEAN = re.compile(r"(?<![\w-])(?:true|false|True|False)(?![\w-])")
NUMBER = re.compile(r"(?<!\w)\d+(?!\w)")
CONDITION = re.compile(r"==|!=|\band\b|\bor\b")
SWAP = {"==": "!=", "!=": "==", "and": "or", "or": "and", "true": "false", "false": "true"}
SWAP |= {"True": "False", "False": "True"}


@dataclass(frozen=True)
class Mutant:
    id: str
    operator: str
    file: str
    line: int  # 1-based
    before: str
    after: str | None  # None: the line is deleted


def kind(file: str) -> str:
    """yaml, python, toml or gitignore (their comments start with #), or text (Jinja comments only)."""
    name = JINJA.sub("", file.removesuffix(".jinja"))  # {% if … %}cli.py{% endif %}
    suffix = {".yml": "yaml", ".yaml": "yaml", ".py": "python", ".toml": "toml"}
    return "gitignore" if name.endswith(".gitignore") else suffix.get(Path(name).suffix, "text")


def code_lines(file: str, text: str) -> list[str | None]:
    """Each line's code (its trailing comment cut), or None for a blank or comment line."""
    hidden = JINJA_COMMENT.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), text)  # keeps offsets
    kind_ = kind(file)
    open_string = ""  # inside a triple-quoted Python string: "doc" (a docstring) or "str"
    result: list[str | None] = []
    for line in hidden.split("\n")[: len(text.splitlines())]:
        if kind_ == "python":
            starts_doc = not open_string and line.lstrip().startswith(('"""', 'r"""'))
            in_doc = starts_doc or open_string == "doc"
            if line.count('"""') % 2:  # opens or closes a triple-quoted string
                open_string = "" if open_string else "doc" if starts_doc else "str"
            if in_doc:
                result.append(None)  # a docstring is documentation, as a comment is
                continue
        if kind_ != "text":
            quoted = [m.span() for m in QUOTED.finditer(line)]
            cut = next((m.start() for m in re.finditer(r"(?:^|(?<=\s))#", line)
                        if not any(a < m.start() < b for a, b in quoted)), len(line))  # fmt: skip
            line = line[:cut] if kind_ != "gitignore" or cut == line.find("#") == 0 else line
        result.append(line.rstrip() if line.strip() else None)
    return result


def targets(file: str, code: str, operator: str) -> list[tuple[int, int, str]]:
    """Where ``operator`` can change ``code``: (start, end, replacement) spans."""
    jinja = [m.span() for m in JINJA.finditer(code)]
    is_if = re.match(r"\s*(?:-\s+)?if:", code) is not None  # a workflow condition
    if operator == "string":
        found = [(m.start() + 1, m.end() - 1) for m in QUOTED.finditer(code)]
        if kind(file) == "yaml" and not is_if:  # plain scalars: each word of a value outside quotes and Jinja
            skip = [*jinja, *(m.span() for m in QUOTED.finditer(code))]
            start = YAML_VALUE.match(code).end()  # type: ignore[union-attr]
            found += [
                m.span()
                for m in re.finditer(r"[^\s'\"{}$\[\],]+", code)
                if m.start() >= start
                and not any(a <= m.start() < b for a, b in skip)
                and re.search(r"[A-Za-z_/]", m.group())
                and not BOOLEAN.fullmatch(m.group())
            ]
        return [(a, b, f"XX{code[a:b]}XX") for a, b in found]
    if operator == "boolean":
        return [(m.start(), m.end(), SWAP[m.group()]) for m in BOOLEAN.finditer(code)]
    if operator == "number":
        return [(m.start(), m.end(), str(int(m.group()) + 1).zfill(len(m.group()))) for m in NUMBER.finditer(code)]
    if operator == "condition":
        return [
            (m.start(), m.end(), SWAP[m.group()])
            for m in CONDITION.finditer(code)
            if is_if or any(a <= m.start() < b for a, b in jinja)
        ]
    return [(0, 0, "")]  # delete: every code line


def sites() -> list[tuple[str, int, str, str, str]]:
    """Every (file, line number, operator, line, its code) where the operator changes something."""
    found = []
    for file in [f for f in mutate.template_files() if not any(fnmatch.fnmatch(f, p) for p in PROSE)]:
        text = (REPO / file).read_text(encoding="utf-8")
        for number, (line, code) in enumerate(zip(text.splitlines(), code_lines(file, text), strict=True), 1):
            if code is not None:
                found += [(file, number, op, line, code) for op in OPERATORS if targets(file, code, op)]
    return found


def sample(seed: int, count: int) -> list[Mutant]:
    """``count`` mutants drawn uniformly from all sites; the same for a seed and a template."""
    every = sites()
    mutants = []
    for file, number, operator, line, code in random.Random(seed).sample(every, min(count, len(every))):  # noqa: S311 (reproducible)
        text = (REPO / file).read_text(encoding="utf-8")
        start, end, new = random.Random(f"{seed}:{file}:{line}:{operator}").choice(targets(file, code, operator))  # noqa: S311
        after = None if operator == "delete" else line[:start] + new + line[end:]
        # The id survives unrelated edits: file, the line's text and which of its equal lines it is.
        same = sum(other == line for other in text.splitlines()[: number - 1])
        key = "\0".join([file, line.strip(), str(same), operator, "" if after is None else after.strip()])
        mutants.append(Mutant(hashlib.sha256(key.encode()).hexdigest()[:10], operator, file, number, line, after))
    return mutants


def load_equivalents(path: Path = BENCH_DIR / "equivalents.toml") -> dict[str, str]:
    entries = tomllib.loads(path.read_text(encoding="utf-8")).get("equivalent", [])
    for entry in entries:
        if set(entry) != {"id", "reason"} or not entry["reason"].strip():
            raise ValueError(f"{path.name}: each [[equivalent]] has exactly an id and a reason: {entry}")
    return {entry["id"]: entry["reason"] for entry in entries}


# Does the mutated template still render, for every answer set the tests use? Only for survivors,
# to tell `unrendered` from `survived`. From a plain copy: copier renders it in place, no clone.
RENDER_CHECK = """
import shutil, sys, tempfile, warnings, copier
sys.path[:0] = ["tests"]
from support.answers import DISTINCT, EACH_LICENSE, REQUIRED_ANSWERS, workflow_answer_sets
warnings.simplefilter("ignore")
with tempfile.TemporaryDirectory() as tmp:
    shutil.copytree(".", tmp + "/t", ignore=shutil.ignore_patterns(".git"))
    for i, answers in enumerate([*workflow_answer_sets(), *EACH_LICENSE.values(), DISTINCT]):
        copier.run_copy(tmp + "/t", f"{tmp}/{i}", data={**REQUIRED_ANSWERS, **answers}, defaults=True, quiet=True)
"""


def run_mutant(mutant: Mutant | None, workers: int) -> dict[str, Any]:
    """Apply ``mutant`` (None: none, the baseline) to a throwaway clone and run the suite in two passes."""
    result: dict[str, Any] = {**(asdict(mutant) if mutant else {}), "status": "error", "test": "", "detail": ""}
    options = (*PYTEST_OPTIONS, "-n", str(workers if workers > 1 else 0))  # the last -n wins
    started = time.monotonic()
    try:
        with mutate.throwaway_clone("mutate-lines-") as copy:
            if mutant is None:
                code, output, took = run_tests(copy, ("tests",), options)
                status = "passed" if code == 0 else "failed"
                return {"status": status, "test": failing_test(output), "seconds": round(took)}
            lines = (copy / mutant.file).read_text(encoding="utf-8").splitlines(keepends=True)
            if lines[mutant.line - 1].rstrip("\n") != mutant.before:
                raise RuntimeError(f"{mutant.file}:{mutant.line} changed since the sample was drawn")
            ending = lines[mutant.line - 1][len(mutant.before) :]
            lines[mutant.line - 1] = "" if mutant.after is None else mutant.after + ending
            (copy / mutant.file).write_text("".join(lines), encoding="utf-8")
            git("commit", "-q", "-am", f"mutant {mutant.id}", cwd=copy)
            first = next(folders.split() for pattern, folders in FIRST if fnmatch.fnmatch(mutant.file, pattern))
            result["pass_seconds"] = seconds = []
            for passed, tests in enumerate((first, ["tests", *(f"--ignore={folder}" for folder in first)])):
                code, output, took = run_tests(copy, tests, options)
                seconds.append(round(took, 1))
                if code in (1, 2) and failing_test(output):  # a failed test, or a module that no longer collects
                    result.update(status="killed", test=failing_test(output), detail=f"pass {passed + 1}")
                    return result
                if code != 0:
                    result["detail"] = f"pytest exit {code}: {output.strip().splitlines()[-1:]}"
                    return result
            env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}  # as the suite does
            render = [sys.executable, "-c", RENDER_CHECK]
            done = subprocess.run(render, cwd=copy, env=env, capture_output=True, text=True)
            result["status"] = "survived" if done.returncode == 0 else "unrendered"
            result["detail"] = done.stderr.strip().splitlines()[-1] if done.returncode else ""
    except Exception as error:  # reported as this mutant's error; the run goes on
        result["detail"] = repr(error)
    finally:
        result["seconds"] = round(time.monotonic() - started, 1)
    return result


def summary(report: dict[str, Any]) -> str:
    """line_mutants.md: the score, the survivors and other problems with their diffs, every mutant."""
    counts, mutants = report["counts"], report["mutants"]
    sites = "" if report["seed"] is None else f" from {report['sites']} (line, operator) sites"
    lines = [
        "# Line-level mutation run of the template",
        "",
        f"`uv run python bench/mutate_lines.py {report['drawn']}` on commit "
        f"{report['commit']}{' (template with uncommitted changes)' if report['dirty'] else ''}, {report['date']}: "
        f"{len(mutants)} of {report['count']} mutants{sites}, "
        f"{report['wall_seconds'] / 60:.1f} minutes.",
        "",
        f"**Score: {counts['killed']}/{sum(counts[s] for s in JUDGED)} killed ({report['score']:.0%})**; "
        + ", ".join(f"{n} {s}" for s, n in counts.items() if s != "killed"),
        "",
    ]
    for status in ("survived", "unrendered", "error"):
        chosen = [m for m in mutants if m["status"] == status]
        lines += [f"## {status.capitalize()} ({len(chosen)})", ""] if chosen else []
        for m in chosen:
            diff = f"-{m['before']}" + ("" if m["after"] is None else f"\n+{m['after']}")
            lines += [f"`{m['id']}` {m['operator']}, `{m['file']}`:{m['line']} {m['detail']}\n```diff\n{diff}\n```\n"]
    lines += ["## All mutants", ""] + [
        f"- `{m['id']}` {m['status']}: {m['operator']}, `{m['file']}`:{m['line']}, {m['seconds']} s "
        + str(m.get("reason") or m["test"] or m["detail"])
        for m in sorted(mutants, key=lambda m: (m["file"], m["line"]))
    ]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--seed", type=int)
    source.add_argument("--held-out", type=Path, help="run these defects (a JSON list) in place of a sample")
    parser.add_argument("-n", "--count", type=int, default=60)
    parser.add_argument("--list", action="store_true", help="print the sample and its spread, run nothing")
    parser.add_argument("--only", action="append", default=[], metavar="ID", help="(re)run this mutant; repeatable")
    parser.add_argument("-j", "--jobs", type=int, default=2, help="mutants at once, each with cores/jobs workers")
    parser.add_argument("--no-baseline", action="store_true", help="skip the unmutated suite a new report starts with")
    parser.add_argument("--report", type=Path, default=REPORT, help="the JSON report (default bench/line_mutants.json)")
    args = parser.parse_args()
    started = time.monotonic()
    if args.held_out:  # one-line defects a reader of the template alone wrote (never the tests)
        defects = json.loads(args.held_out.read_text(encoding="utf-8"))
        chosen = [Mutant(d["name"], "held-out", d["file"], d["line"], d["before"], d["after"]) for d in defects]
        args.count = len(chosen)
    else:
        chosen = sample(args.seed, args.count)
    if args.list:
        for m in sorted(chosen, key=lambda m: (m.file, m.line)):
            print(f"{m.id} {m.operator:9} {m.file}:{m.line}\n  - {m.before.strip()}\n  + {(m.after or '').strip()}")
        for field in ("operator", "file"):
            spread = Counter(getattr(m, field) for m in chosen)
            print(f"\nby {field}:", *(f"{n:4} {name}" for name, n in spread.most_common()), sep="\n")
        print(f"\n{len(chosen)} mutants from {len(sites())} sites")
        return 0
    order = [m.id for m in chosen]
    drawn = f"--held-out {args.held_out}" if args.held_out else f"--seed {args.seed} -n {args.count}"
    if set(args.only) - set(order):
        parser.error(f"not in the sample: {sorted(set(args.only) - set(order))}")
    commit = git("rev-parse", "--short", "HEAD", cwd=REPO)
    report: dict[str, Any] = {"seed": args.seed, "count": args.count, "wall_seconds": 0.0, "baseline": None}
    results: dict[str, dict[str, Any]] = {}
    if args.report.exists():  # resume: keep what is done (marks are read anew, errors run again)
        report = json.loads(args.report.read_text(encoding="utf-8"))
        if report.get("drawn", f"--seed {report['seed']} -n {report['count']}") != drawn:  # older reports: no "drawn"
            parser.error(f"{args.report} holds another sample: delete it to start anew")
        if report["commit"] != commit:
            print(f"note: resuming a run begun on commit {report['commit']}: its results are kept where the line is")
        results = {
            m["id"]: m for m in report["mutants"] if m["id"] in order and m["status"] not in ("error", "equivalent")
        }
    report |= {
        "commit": commit,
        "dirty": bool(git("status", "--porcelain", "--", *TEMPLATE_PATHS, cwd=REPO)),
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "sites": len(sites()),
        "drawn": drawn,
    }
    workers = max(1, (os.cpu_count() or 1) // args.jobs)
    wall = report["wall_seconds"]
    if report["baseline"] is None and not args.no_baseline:
        print("baseline: the whole suite on the unmutated template ...", flush=True)
        report["baseline"] = baseline = run_mutant(None, os.cpu_count() or 1)  # alone: every core
        if baseline["status"] != "passed":
            print(f"the suite fails without a mutant: {baseline}")
            return 1
    equivalents = load_equivalents()
    for m in (m for m in chosen if m.id in equivalents):  # marked by hand: not run, not scored
        results[m.id] = {**asdict(m), "status": "equivalent", "test": "", "detail": "", "seconds": 0.0}
        results[m.id]["reason"] = equivalents[m.id]

    def write() -> None:
        """The report, rewritten whole after each mutant (so an interrupted run resumes), and its summary."""
        report["wall_seconds"] = round(wall + time.monotonic() - started, 1)
        mutants = [results[i] for i in order if i in results]
        report["counts"], report["score"] = mutate.tally((m["status"] for m in mutants), STATUSES, JUDGED)
        report["mutants"] = mutants
        mutate.write_report(args.report, report, summary(report))

    todo = [m for m in chosen if m.id in args.only or (not args.only and m.id not in results)]
    print(f"{len(todo)} to run, {len(results)} done; {workers} pytest workers per mutant", flush=True)
    for result in mutate.each_done(args.jobs, lambda mutant: run_mutant(mutant, workers), todo):
        results[result["id"]] = result
        write()
        print(f"{result['status']:10} {result['id']} {result['file']}:{result['line']} {result['seconds']:6}s "
              f"{result['test'] or result['detail']}", flush=True)  # fmt: skip
    write()
    mutate.CLEANUP.shutdown()
    print(f"score {report['score']:.0%} {report['counts']}; written {args.report} and its .md")
    return 1 if report["counts"]["error"] else 0


if __name__ == "__main__":
    sys.exit(main())
