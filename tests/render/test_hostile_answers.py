"""Hostile text answers: any printable text stays literal in TOML, YAML, Markdown,
Python and LICENSE, and never becomes code in a workflow.

``project_name``, ``description`` and ``author_name`` are free text that the template
writes into four languages at once: answers.HOSTILE_TEXTS, then hypothesis-generated
text. README.md escapes every ASCII punctuation character, so CommonMark makes no markup
of it. A workflow's ``run:`` scripts and ``${{ }}`` expressions are those of a render
with harmless text (that every workflow passes zizmor and the schema: tests/ci).

Leading and trailing spaces are accepted and kept exactly in pyproject.toml and
the answers file. README.md drops them (Markdown would not show them, and four
leading spaces would make a code block). uv_build copies them verbatim into the
core metadata, where an RFC 822 parser (``email.parser``, as importlib.metadata
and PyPI read METADATA) drops the spaces after the colon: the slow acceptance
test therefore uses text without them.
"""

from __future__ import annotations

import email.utils
import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from support.answers import (
    ANY_TEXT,
    HOSTILE_FIXED,
    HOSTILE_KEYWORDS,
    HOSTILE_TEXTS,
    REQUIRED_ANSWERS,
    data_args,
    hostile_answers,
    template_values,
)
from support.commands import copier_cli, require_interpreter
from support.distributions import check_and_build
from support.facts import DEFAULT_PYTHON_MIN, parse_yaml
from support.rendering import copy_with_api, read_answers, read_pyproject

ASCII_PUNCTUATION = re.compile(r"[!-/:-@\[-`{-~]")


def markdown_literal(escaped: str) -> str:
    """The text that CommonMark shows for ``escaped``, which must contain no markup: every
    ASCII punctuation character is backslash-escaped (CommonMark shows an escaped one literally)."""
    tokens = re.findall(rf"\\{ASCII_PUNCTUATION.pattern}|.", escaped, re.DOTALL)
    assert not [t for t in tokens if ASCII_PUNCTUATION.fullmatch(t)], f"unescaped punctuation in {escaped!r}"
    return "".join(token[-1] for token in tokens)


def readme_title_and_summary(project: Path) -> tuple[str, list[str]]:
    """The README's title (first line, a heading) and the lines between its badges
    and the first section, where the description goes."""
    lines = (project / "README.md").read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("# "), lines[0]
    end = lines.index("## Installation")
    summary = [line for line in lines[1:end] if line and not line.startswith("[![")]
    return lines[0].removeprefix("# "), summary


def workflow_code(project: Path) -> list[str]:
    """Everything a runner executes or evaluates: each ``run:`` script and each
    ``${{ }}`` expression of every workflow, in order."""
    code: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "run":
                    code.append(f"run: {value}")
                walk(key)
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, str):
            code.extend(re.findall(r"\$\{\{.*?\}\}", node, re.DOTALL))

    for workflow in sorted((project / ".github" / "workflows").glob("*.y*ml")):
        walk(parse_yaml(workflow.read_text(encoding="utf-8")))
    return code


def check_render(project: Path, answers: dict[str, Any], baseline: Path) -> None:
    """Everything the issue asks of a render with free-text ``answers``."""
    name, description, author = (answers[k] for k in ANY_TEXT)

    # TOML: the values exactly (a blank description: the summary derived from the name).
    summary = description if description.strip() else template_values(**answers)["suggested_summary"]
    metadata = read_pyproject(project)["project"]
    assert metadata["description"] == summary
    email_ = HOSTILE_FIXED["author_email"]
    assert metadata["authors"] == [{"name": author, "email": email_} if author else {"email": email_}]

    # YAML: every file parses; the answers file gives the values back.
    for path in [*project.rglob("*.yml"), *project.rglob("*.yaml")]:
        parse_yaml(path.read_text(encoding="utf-8"))
    recorded = read_answers(project)
    assert {k: recorded[k] for k in ANY_TEXT} == {k: answers[k] for k in ANY_TEXT}

    # Markdown: the text, literally (outer spaces are not shown by Markdown).
    title, shown = readme_title_and_summary(project)
    assert markdown_literal(title) == name.strip()
    assert len(shown) == 1, shown
    assert not shown[0].startswith(" "), shown  # no indented code block
    assert markdown_literal(shown[0]) == summary.strip()

    # LICENSE names the author as given (a plain-text line: outer spaces dropped).
    if author and (project / "LICENSE").exists():
        assert f" {author.strip()}\n" in (project / "LICENSE").read_text(encoding="utf-8")

    # Python sources still compile, whatever text reached them.
    for source in project.rglob("*.py"):
        compile(source.read_text(encoding="utf-8"), str(source), "exec")

    # Workflows: nothing of the text reaches what the runner executes or evaluates.
    assert workflow_code(project) == workflow_code(baseline)


@pytest.fixture(scope="session")
def baseline(render_shared: Any) -> Path:
    return render_shared(**hostile_answers("Harmless"))


@pytest.mark.parametrize("value", HOSTILE_TEXTS.values(), ids=HOSTILE_TEXTS.keys())
def test_hostile_text_renders_exactly(render_shared: Any, baseline: Path, value: str) -> None:
    assert "," not in value  # author_name may not hold one (PEP 621): see test_validation.py
    answers = hostile_answers(value)
    check_render(render_shared(**answers), {**REQUIRED_ANSWERS, **answers}, baseline)


def test_workflow_code_is_found(baseline: Path) -> None:
    """The comparison above compares something: the workflows have scripts and expressions."""
    code = workflow_code(baseline)
    assert any(c.startswith("run: ") for c in code), code
    assert any(c.startswith("${{") for c in code), code


# --- property-based -----------------------------------------------------------

# The hostile texts, and the pieces of syntax they are made of, to combine.
SYNTAX = ["{{", "}}", "{%", "%}", "${{", "\\", '"', "'", "`", "#", ": ", "- ", "&", "*", "!", "|", ">", "<", "[", "]"]
FRAGMENTS = [*HOSTILE_TEXTS.values(), *SYNTAX, "  ", "\u202e", "\u200f", "🙂"]
# Printable text: no control characters, surrogates or line/paragraph separators.
PRINTABLE = st.text(st.characters(exclude_categories=("Cc", "Cs", "Zl", "Zp")), max_size=20)
HOSTILE_TEXT = st.lists(st.one_of(PRINTABLE, st.sampled_from(FRAGMENTS)), max_size=6).map("".join)

IN_CI = bool(os.environ.get("CI"))


@settings(
    max_examples=25,
    deadline=None,
    derandomize=IN_CI,  # CI replays the same examples on every run
    database=None if IN_CI or settings.default is None else settings.default.database,
    # Shrinking re-renders for minutes; in CI, report the failing example as found.
    phases=[p for p in Phase if not (IN_CI and p is Phase.shrink)],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    name=HOSTILE_TEXT.filter(lambda s: bool(s.strip())).map(lambda s: s[:200]),
    description=HOSTILE_TEXT.map(lambda s: s[:512]),
    author=HOSTILE_TEXT.map(lambda s: s.replace(",", "")[:200]).map(lambda s: s if s.strip() else ""),
)
def test_any_printable_text_renders_exactly(
    template_tree: Path, baseline: Path, name: str, description: str, author: str
) -> None:
    answers = {**REQUIRED_ANSWERS, **hostile_answers(name, description, author)}
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / "out"
        copy_with_api(template_tree, project, answers)
        check_render(project, answers, baseline)


# --- the acceptance render: the real CLI, the project's checks, the build's metadata ------------

ACCEPTANCE = {
    "description": 'He said "hi" \\ ${{ github.token }} $(id) # {{ x }}',
    "author_name": "Zoë O'Brien-Ünal",
    "author_email": HOSTILE_FIXED["author_email"],
    "keywords": json.dumps(HOSTILE_KEYWORDS, ensure_ascii=False),  # as a user types a list
}


@pytest.mark.slow
def test_hostile_answers_pass_the_checks_and_reach_the_built_metadata_exactly(
    template_tree: Path, tmp_path: Path
) -> None:
    """Through the real CLI, as a user types them (`--data keywords=[...]`), through the
    project's own checks (ruff, mypy, pytest) into the wheel's and the sdist's metadata."""
    python = require_interpreter(DEFAULT_PYTHON_MIN)
    data = data_args({**REQUIRED_ANSWERS, **ACCEPTANCE})
    done = copier_cli("copy", "--quiet", "--defaults", *data, template_tree, tmp_path / "out", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert read_pyproject(tmp_path / "out")["project"]["keywords"] == HOSTILE_KEYWORDS
    assert read_answers(tmp_path / "out")["keywords"] == HOSTILE_KEYWORDS
    for metadata in check_and_build(tmp_path / "out", python).metadata():
        assert metadata["Summary"] == ACCEPTANCE["description"]
        assert metadata["Author"] == ACCEPTANCE["author_name"]
        author = (ACCEPTANCE["author_name"], ACCEPTANCE["author_email"])
        assert email.utils.getaddresses(metadata.get_all("Author-email", [])) == [author]
        # Core metadata joins keywords with commas (hence the validator refuses a comma in one).
        assert metadata["Keywords"].split(",") == HOSTILE_KEYWORDS
