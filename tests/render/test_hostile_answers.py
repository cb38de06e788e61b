"""Hostile text answers: any printable text is safe in TOML, YAML, Markdown and workflows.

``project_name``, ``description`` and ``author_name`` are free text that the
template writes into four languages at once. For each nasty value (a table,
then hypothesis-generated text) the render must stay correct:

- ``pyproject.toml`` parses and carries the values exactly (description, authors);
- every YAML file parses, and the answers file gives the values back;
- README.md shows the text literally (every ASCII punctuation character
  backslash-escaped, so CommonMark makes no markup of it);
- no answer text reaches a ``run:`` script or a ``${{ }}`` expression of a
  workflow: those are the same as in a render with harmless text.

Leading and trailing spaces are accepted and kept exactly in pyproject.toml and
the answers file. README.md drops them (Markdown would not show them, and four
leading spaces would make a code block). uv_build copies them verbatim into the
core metadata, where an RFC 822 parser (``email.parser``, as importlib.metadata
and PyPI read METADATA) drops the spaces after the colon: the slow acceptance
test therefore uses text without them.
"""

from __future__ import annotations

import email.utils
import os
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from support.answers import REQUIRED_ANSWERS
from support.commands import run
from support.distributions import checked_build, sdist_metadata, wheel_metadata
from support.facts import DEFAULT_PYTHON_MIN, parse_yaml
from support.rendering import copy_with_api, read_answers, read_pyproject

EMAIL = "zoe@example.org"
# Names given explicitly, so that every render has the same derived names as
# the harmless baseline (the workflows are compared with it) whatever the title.
NAMES = {"distribution_name": "hostile-text", "author_email": EMAIL}
HARMLESS = {"project_name": "Harmless", "description": "Harmless", "author_name": "Harmless"}

# Each value goes into project_name, description and author_name at once.
HOSTILE = [
    pytest.param('He said "hi"', id="double quotes"),
    pytest.param("O'Brien's 'tool'", id="apostrophes"),
    pytest.param("C:\\new\\table \\u0041 \\n \\\\", id="backslashes and escape lookalikes"),
    pytest.param("trailing backslash \\", id="trailing backslash"),
    pytest.param("# not a comment", id="hash"),
    pytest.param("{{ project_name }} {{ 7*7 }}", id="jinja expressions"),
    pytest.param("{% raw %}{% endraw %}{% if true %}x{% endif %}", id="jinja statements"),
    pytest.param("{# comment #}", id="jinja comment"),
    pytest.param("${{ github.token }} ${{ secrets.PYPI_TOKEN }}", id="github expressions"),
    pytest.param("$(id) `id` $HOME ${HOME}; rm -rf / && echo x | sh", id="shell"),
    pytest.param("key: value", id="yaml mapping indicator"),
    pytest.param("- item", id="yaml sequence indicator"),
    pytest.param("&anchor *alias !tag !!python/object/apply:os.system", id="yaml anchor alias tag"),
    pytest.param("| literal > folded", id="yaml block indicators"),
    pytest.param("? complex key", id="yaml complex key"),
    pytest.param("--- ... %YAML 1.2", id="yaml document markers"),
    pytest.param("null", id="yaml null"),
    pytest.param("1.0", id="yaml float"),
    pytest.param("'''\"\"\" [[x]] = 1", id="toml string and table lookalikes"),
    pytest.param("😀 👩‍💻 🇺🇦", id="emoji with zwj and flags"),
    pytest.param("שלום עולם", id="hebrew right-to-left"),
    pytest.param("مرحبا \u202eevil\u202c", id="arabic with bidi override"),
    pytest.param("  padded  ", id="leading and trailing spaces"),
    pytest.param("    indented", id="four leading spaces"),
    pytest.param("<script>alert('x')</script>", id="html"),
    pytest.param("*x* _y_ **z** [a](b) ![i](j) <http://x.org>", id="markdown markup"),
    pytest.param("1. item", id="markdown ordered list"),
    pytest.param("| a | b |", id="markdown table row"),
    pytest.param("&amp; &#x41; &lt;", id="html entities"),
    pytest.param("Zoë O'Brien-Ünal", id="diacritics"),
    pytest.param("\ufeffbom\u200bzwsp\u00a0nbsp", id="invisible characters"),
    pytest.param("𝔘𝔫𝔦𝔠𝔬𝔡𝔢 \U0010fffd", id="astral plane"),
]

ASCII_PUNCTUATION = re.compile(r"[!-/:-@\[-`{-~]")


def markdown_literal(escaped: str) -> str:
    """The text that CommonMark shows for ``escaped``, which must contain no markup:
    every ASCII punctuation character is backslash-escaped (CommonMark shows an
    escaped one literally)."""
    shown, i = [], 0
    while i < len(escaped):
        char = escaped[i]
        if char == "\\" and i + 1 < len(escaped) and ASCII_PUNCTUATION.match(escaped[i + 1]):
            shown.append(escaped[i + 1])
            i += 2
            continue
        assert not ASCII_PUNCTUATION.match(char), f"unescaped {char!r} at {i} in {escaped!r}"
        shown.append(char)
        i += 1
    return "".join(shown)


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
    name, description, author = (answers[k] for k in ("project_name", "description", "author_name"))

    # TOML: the values exactly.
    metadata = read_pyproject(project)["project"]
    assert metadata["description"] == description
    assert metadata["authors"] == [{"name": author, "email": EMAIL} if author else {"email": EMAIL}]

    # YAML: every file parses; the answers file gives the values back.
    for path in [*project.rglob("*.yml"), *project.rglob("*.yaml")]:
        parse_yaml(path.read_text(encoding="utf-8"))
    recorded = read_answers(project)
    assert {k: recorded[k] for k in ("project_name", "description", "author_name")} == {
        "project_name": name,
        "description": description,
        "author_name": author,
    }

    # Markdown: the text, literally (outer spaces are not shown by Markdown).
    title, summary = readme_title_and_summary(project)
    assert markdown_literal(title) == name.strip()
    if description.strip():
        assert len(summary) == 1, summary
        assert not summary[0].startswith(" "), summary  # no indented code block
        assert markdown_literal(summary[0]) == description.strip()
    else:
        assert summary == []

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
    return render_shared(**NAMES, **HARMLESS)


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_text_renders_exactly(render_shared: Any, baseline: Path, value: str) -> None:
    assert "," not in value  # author_name may not hold one (PEP 621): see test_validation.py
    answers = {**NAMES, "project_name": value, "description": value, "author_name": value}
    check_render(render_shared(**answers), {**REQUIRED_ANSWERS, **answers}, baseline)


def test_workflow_code_is_found(baseline: Path) -> None:
    """The comparison above compares something: the workflows have scripts and expressions."""
    code = workflow_code(baseline)
    assert any(c.startswith("run: ") for c in code), code
    assert any(c.startswith("${{") for c in code), code


# --- property-based -----------------------------------------------------------

FRAGMENTS = [value.values[0] for value in HOSTILE] + [
    "{{",
    "}}",
    "{%",
    "%}",
    "${{",
    "\\",
    '"',
    "'",
    "`",
    "#",
    ": ",
    "- ",
    "&",
    "*",
    "!",
    "|",
    ">",
    "<",
    "[",
    "]",
    "  ",
    "\u202e",
    "\u200f",
    "🙂",
]
# Printable text: no control characters, surrogates or line/paragraph separators.
PRINTABLE = st.text(st.characters(exclude_categories=("Cc", "Cs", "Zl", "Zp")), max_size=20)
HOSTILE_TEXT = st.lists(st.one_of(PRINTABLE, st.sampled_from(FRAGMENTS)), max_size=6).map("".join)  # type: ignore[arg-type]

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
    answers = {**REQUIRED_ANSWERS, **NAMES, "project_name": name, "description": description, "author_name": author}
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / "out"
        copy_with_api(template_tree, project, answers)
        check_render(project, answers, baseline)


# --- the acceptance render: checks, build, metadata, zizmor -----------------------

ACCEPTANCE = {
    "description": 'He said "hi" \\ ${{ github.token }} $(id) # {{ x }}',
    "author_name": "Zoë O'Brien-Ünal",
    "author_email": EMAIL,
}


@pytest.mark.slow
def test_hostile_description_and_author_build_and_pass_zizmor(copie_session: Any) -> None:
    build = checked_build(copie_session, DEFAULT_PYTHON_MIN, **ACCEPTANCE)

    for metadata in (wheel_metadata(build.wheel), sdist_metadata(build.sdist)):
        assert metadata["Summary"] == ACCEPTANCE["description"]
        assert metadata["Author"] == ACCEPTANCE["author_name"]
        assert email.utils.getaddresses(metadata.get_all("Author-email", [])) == [(ACCEPTANCE["author_name"], EMAIL)]

    zizmor = Path(sys.executable).with_name("zizmor")
    result = run([zizmor, "--offline", "--persona", "pedantic", ".github/workflows"], cwd=build.project, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
