"""The prose cannot contradict the repository: the benchmark figures it quotes are
bench/results.json's, and only there; the files of this repository it names exist (the
comments and docstrings of tests/ and bench/ included).

bench/report.py makes bench/results.md and the blocks between ``<!-- bench:NAME -->``
markers from results.json. Text outside the blocks is written by hand, so it quotes
no figure: a count of steps or jobs, a ratio, a time or a size typed into a sentence
is the next contradiction once the bench runs again.
"""

from __future__ import annotations

import ast
import io
import re
import sys
import tokenize
from pathlib import Path

import pytest

from support.facts import TEMPLATE_DIR

sys.path.insert(0, str(TEMPLATE_DIR / "bench"))
import report  # bench/

DIGITS = r"(?<![\w.])\d+(?:\.\d+)?"
WORDS = r"\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"
SHORT_UNIT = r"(?:×|x|%|s|ms|min|[kMG]B)(?!\w)"  # right after the digits, or one space after
LONG_UNIT = r"(?:seconds?|minutes?|hours?|steps?|jobs?|packages?|figures?)(?!\w)"
# A number and its unit ("1.2×", "15.46 s", "5 jobs", "five figures", "26 run: steps", with up
# to two words between a number and a unit word), or a unit and a number in brackets
# ("steps (38 instead of 45)").
CLAIM = re.compile(
    rf"{DIGITS} ?{SHORT_UNIT}|(?:{DIGITS}|{WORDS})(?:\s+[\w:-]+){{0,2}}?\s+{LONG_UNIT}|\b(?:steps|jobs)\s+\(\s*\d",
    re.IGNORECASE,
)
# Claims outside the blocks that the bench does not measure, by file and exact text.
NOT_MEASURED = {
    # the suite's time budget, and copier's CLI start-up (FACTS): rules for writing tests
    "MAINTAINING.md": {"5 minutes", "0.7 s"},
}


def prose_files() -> list[Path]:
    return [path for path in report.PROSE_FILES if path.exists()]


def relative(path: Path) -> str:
    return path.relative_to(TEMPLATE_DIR).as_posix()


def claims_outside_blocks(text: str) -> list[str]:
    return [found.group(0) for found in CLAIM.finditer(report.BLOCK.sub("", text))]


def test_results_md_is_made_from_results_json_and_the_readme_shows_the_figures() -> None:
    made = report.results_md(report.load())
    assert report.RESULTS_MD.read_text(encoding="utf-8") == made, "run: uv run python bench/report.py"
    assert "<!-- bench:summary -->" in (TEMPLATE_DIR / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("path", prose_files(), ids=relative)
def test_each_block_holds_what_results_json_gives(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert text == report.fill_blocks(text, report.load()), "run: uv run python bench/report.py"


@pytest.mark.parametrize("path", prose_files(), ids=relative)
def test_no_figure_is_quoted_outside_a_block(path: Path) -> None:
    allowed = NOT_MEASURED.get(relative(path), set())
    assert [claim for claim in claims_outside_blocks(path.read_text(encoding="utf-8")) if claim not in allowed] == []


def test_the_checks_find_what_they_should() -> None:
    """A stale block, an unknown block and hand-typed figures are all found."""
    results = report.load()
    block = "<!-- bench:ci-cost -->\n| stale |\n<!-- /bench:ci-cost -->"
    assert "| stale |" not in report.fill_blocks(block, results)
    with pytest.raises(ValueError, match="unknown block bench:nope"):
        report.fill_blocks("<!-- bench:nope -->\n<!-- /bench:nope -->", results)
    typed = "fewer steps (38 instead of 45); 5 jobs, as in v1.0.0; all five figures; 1.22× the floor; under 5 minutes"
    assert claims_outside_blocks(typed) == ["steps (3", "5 jobs", "five figures", "1.22×", "5 minutes"]
    assert claims_outside_blocks("15.46 s; 39.94 MB; 26 run: steps") == ["15.46 s", "39.94 MB", "26 run: steps"]
    # Versions, PEP numbers, Python versions, options and a table inside a block are no claims.
    plain = "Python 3.11's classifiers, PEP 440, v1.0.0's jobs, `-j 2`, `--rounds 2`, one test, 3.15t."
    assert claims_outside_blocks(plain + "\n<!-- bench:x -->\n5 jobs\n<!-- /bench:x -->") == []


# A path of this repository as the prose names it: after a backtick, a bracket, a space or a
# line start (a path that continues another, like a generated project's `.github/scripts/x.py`,
# is not one of ours), and not a pattern such as a generated project's `tests/test_*.py`. The
# CHANGELOG is left out: it is a record of what was.
NAMED_PATH = re.compile(
    r"(?:(?<=[\s`(\[])|^)((?:tests|bench|scripts|includes|template)/[\w./-]*\w)(?![\w*<{])", re.MULTILINE
)
PATH_PROSE = [
    "README.md",
    "MAINTAINING.md",
    "copier.yml",
    "includes/facts.yml",
    "bench/README.md",
    "scripts/release_tag.py",
    "tests/support/__init__.py",
    ".github/renovate.json",
    ".github/workflows/tests.yml",
]


# Where a page turns into a record of what was (a decision's map of the redesign): not checked from there on.
HISTORICAL = "<!-- historical:"


def missing_paths(text: str) -> list[str]:
    current = text.split(HISTORICAL, 1)[0]
    return [path for path in NAMED_PATH.findall(current) if not (TEMPLATE_DIR / path).exists()]


# The docs and the decisions (docs/decisions/). The figure check above reads docs/*.md only
# (bench/report.py's PROSE_FILES): a decision is a dated record, its figures the measurements of
# the day it states.
@pytest.mark.parametrize("name", [*PATH_PROSE, *(relative(p) for p in sorted((TEMPLATE_DIR / "docs").glob("**/*.md")))])
def test_every_file_the_prose_names_exists(name: str) -> None:
    assert missing_paths((TEMPLATE_DIR / name).read_text(encoding="utf-8")) == []


def comments_and_docstrings(source: str) -> str:
    """What a Python file says to its reader, not to Python (its strings may name a generated project's files)."""
    said = [t.string for t in tokenize.generate_tokens(io.StringIO(source).readline) if t.type == tokenize.COMMENT]
    nodes = [n for n in ast.walk(ast.parse(source)) if isinstance(n, (ast.Module, ast.FunctionDef, ast.ClassDef))]
    return "\n".join([*said, *filter(None, (ast.get_docstring(n, clean=False) for n in nodes))])


def test_every_file_the_comments_of_tests_and_bench_name_exists() -> None:
    sources = sorted([*TEMPLATE_DIR.glob("tests/**/*.py"), *TEMPLATE_DIR.glob("bench/*.py")])
    said = {relative(path): comments_and_docstrings(path.read_text(encoding="utf-8")) for path in sources}
    assert len(said) > 50
    assert {name: missing for name, text in said.items() if (missing := missing_paths(text))} == {}


def test_the_path_check_finds_a_moved_file() -> None:
    text = "See `tests/test_update.py` and (bench/run.py); .github/scripts/x.py and `tests/test_*.py` are not ours."
    assert missing_paths(text) == ["tests/test_update.py"]
    code = 'PLANTED = "tests/test_planted.py"  # a generated project\'s file: tests/test_update.py is ours\n'
    assert missing_paths(comments_and_docstrings(code)) == ["tests/test_update.py"]
    assert missing_paths(f"`tests/gone.py`\n{HISTORICAL} a map -->\n`tests/test_update.py`") == ["tests/gone.py"]
