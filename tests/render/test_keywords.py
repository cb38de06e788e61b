"""The `keywords` answer: a YAML list, stored as a list, rendered exactly into TOML and the metadata.

Rejections of bad keywords (each rule, the question named, nothing written)
are in test_validation.py's table, with the real CLI for a representative few.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from support.answers import REQUIRED_ANSWERS
from support.commands import copier_cli, require_interpreter, uv
from support.distributions import built_dists, sdist_metadata, wheel_metadata
from support.facts import DEFAULT_PYTHON_MIN, KINDS
from support.rendering import read_answers, read_pyproject

HOSTILE_KEYWORDS = [
    'He said "hi"',
    "O'Brien's",
    "C:\\new \\u0041 \\n trailing\\",
    "${{ github.token }}",
    "{{ 7*7 }}",
    "{% raw %}",
    "{# c #}",
    "# not a comment",
    "key: value",
    "- item",
    "null",
    "1.0",
    "[[x]] = 1",
    "Zoë",
    "日本語",
    "שלום",
    "😀 👩‍💻",
    "$(id) `id`",
]


@pytest.mark.parametrize("kind", KINDS)
def test_default_keywords_follow_the_kind(render_shared, kind: str) -> None:
    project = render_shared(project_kind=kind)
    expected = ["llm"] if kind == "llm-plugin" else []
    # No `keywords = []` line: a key the user may have added by hand is not doubled on update.
    assert read_pyproject(project)["project"].get("keywords", []) == expected
    assert read_answers(project)["keywords"] == expected  # stored as a list: replayed on update


def test_keywords_are_stored_and_rendered_as_given(render_shared) -> None:
    keywords = ["widgets", "machine learning", "café"]
    project = render_shared(project_kind="llm-plugin", keywords=keywords)
    assert read_pyproject(project)["project"]["keywords"] == keywords  # no llm added to a given list
    assert read_answers(project)["keywords"] == keywords


@pytest.mark.slow
def test_hostile_keywords_reach_the_built_metadata_exactly(template_tree: Path, tmp_path: Path) -> None:
    """Through the real CLI, as a user types them (`--data keywords=[...]`), into the wheel and sdist."""
    destination = tmp_path / "out"
    data = [f"{key}={value}" for key, value in REQUIRED_ANSWERS.items()]
    data.append("keywords=" + json.dumps(HOSTILE_KEYWORDS, ensure_ascii=False))
    result = copier_cli(
        "copy",
        "--quiet",
        "--defaults",
        *(arg for item in data for arg in ("--data", item)),
        template_tree,
        destination,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert read_pyproject(destination)["project"]["keywords"] == HOSTILE_KEYWORDS
    assert read_answers(destination)["keywords"] == HOSTILE_KEYWORDS
    uv("build", cwd=destination, env={"UV_PYTHON": require_interpreter(DEFAULT_PYTHON_MIN)})
    wheel, sdist = built_dists(destination)
    for metadata in (wheel_metadata(wheel), sdist_metadata(sdist)):
        # Core metadata joins keywords with commas (hence the validator refuses a comma in one).
        assert metadata["Keywords"].split(",") == HOSTILE_KEYWORDS
