"""Every text that quotes a benchmark figure, made from bench/results.json alone.

``uv run python bench/report.py`` rewrites them from the last results.json (bench/run.py does after a run):
bench/results.md whole and, in PROSE_FILES, the text between ``<!-- bench:NAME -->`` and
``<!-- /bench:NAME -->`` for each NAME of BLOCKS. Prose outside those markers quotes no figure
(tests/repository/test_prose.py).
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
RESULTS_JSON = REPO / "bench" / "results.json"
RESULTS_MD = REPO / "bench" / "results.md"


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
class Results:
    """What results.json holds: one full run."""

    machine: dict[str, str]
    figures: list[Figure]
    notes: list[str] = field(default_factory=list)
    slowest_tests: list[str] = field(default_factory=list)  # pytest's --durations lines


def load(path: Path = RESULTS_JSON) -> Results:
    data = json.loads(path.read_text(encoding="utf-8"))
    figures = [Figure(**{f.name: figure[f.name] for f in fields(Figure)}) for figure in data["figures"]]
    return Results(data["machine"], figures, data["notes"], data.get("slowest_tests", []))


def save(results: Results, path: Path = RESULTS_JSON) -> None:
    payload: dict[str, Any] = {
        "machine": results.machine,
        "notes": results.notes,
        # The medians too: readers of the JSON need not recompute them.
        "figures": [{**asdict(fig), "median": fig.median, "floor_median": fig.floor_median} for fig in results.figures],
        "slowest_tests": results.slowest_tests,
    }
    path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def table_row(fig: Figure) -> list[str]:
    def number(value: float | None) -> str:
        return "–" if value is None else f"{value:.2f} {fig.unit}" if fig.unit else f"{value:.0f}"

    def factor(value: float | None) -> str:
        return "–" if value is None else f"{value:.2f}×"

    spread = f"{min(fig.samples):.2f}–{max(fig.samples):.2f} {fig.unit}" if len(fig.samples) > 1 else "–"
    result = {True: "pass", False: "MISS", None: ""}[fig.passed]
    numbers = [number(fig.median), spread, number(fig.floor_median), factor(fig.ratio)]
    return [fig.name, *numbers, fig.target, result, factor(fig.cpu_ratio)]


def markdown_table(figures: list[Figure]) -> str:
    header = ["figure", "median", "spread (min–max)", "floor median", "ratio", "target", "result", "CPU-time ratio"]
    rows = [header, ["---"] * len(header), *map(table_row, figures)]
    return "\n".join("| " + " | ".join(c.strip() or " " for c in row) + " |" for row in rows)


def results_md(results: Results) -> str:
    intro = "Written by `uv run python bench/run.py`; bench/README.md says how each figure is taken."
    lines = ["# Benchmark results", "", intro, "", *(f"- {key}: {value}" for key, value in results.machine.items())]
    lines += ["", markdown_table(results.figures), ""]
    lines += [f"- {fig.name}: {fig.note}" for fig in results.figures if fig.note]
    lines += [f"- {note}" for note in results.notes]
    if results.slowest_tests:
        heading = "Slowest tests of the suite run (pytest `--durations`):"
        lines += ["", heading, "", "```", *results.slowest_tests, "```"]
    return "\n".join(lines) + "\n"


def summary(results: Results) -> str:
    """The figures that have a target: what the README and bench/README.md discuss."""
    when = "Last full run: {date}, {os}, {nproc} cores.".format(**results.machine)
    return when + "\n\n" + markdown_table([fig for fig in results.figures if fig.target])


def ci_cost(results: Results) -> str:
    """What a push costs in the generated CI, against the previous release's CI."""
    return markdown_table([fig for fig in results.figures if fig.name.startswith("CI per push")])


BLOCKS: dict[str, Callable[[Results], str]] = {"summary": summary, "ci-cost": ci_cost}
BLOCK = re.compile(r"(?P<open><!-- bench:(?P<name>[\w-]+) -->\n).*?(?P<close><!-- /bench:(?P=name) -->)", re.DOTALL)
PROSE_FILES = [REPO / name for name in ("README.md", "bench/README.md", "MAINTAINING.md")]
PROSE_FILES += sorted((REPO / "docs").glob("*.md"))


def fill_blocks(text: str, results: Results) -> str:
    """``text`` with each block's body made from ``results`` (blank lines around it, for Markdown)."""

    def fill(found: re.Match[str]) -> str:
        if found["name"] not in BLOCKS:
            raise ValueError(f"unknown block bench:{found['name']} (known: {', '.join(BLOCKS)})")
        return f"{found['open']}\n{BLOCKS[found['name']](results)}\n\n{found['close']}"

    return BLOCK.sub(fill, text)


def write_all(results: Results) -> list[Path]:
    """Write results.md and refill the prose files' blocks; return the files that changed."""
    texts = {RESULTS_MD: results_md(results)}
    texts |= {path: fill_blocks(path.read_text(encoding="utf-8"), results) for path in PROSE_FILES}
    written = [path for path, text in texts.items() if not path.exists() or path.read_text(encoding="utf-8") != text]
    for path in written:
        path.write_text(texts[path], encoding="utf-8")
    return written


if __name__ == "__main__":
    argparse.ArgumentParser(description=__doc__).parse_args()  # --help writes nothing
    written = write_all(load())
    print("written: " + (", ".join(str(p.relative_to(REPO)) for p in written) or "nothing (all up to date)"))
