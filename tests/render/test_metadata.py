"""Complete metadata on the default path: every render has a summary (the answer, or when it is
blank the one copier.yml derives from the name and the kind), and pyroma (reading the metadata the
project's own build backend writes) finds nothing but the optional author: the template invents no
name and no address, and the README says what PyPI shows without them."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from support.answers import DISTINCT, EACH_KIND, answers_id, template_values
from support.commands import run
from support.facts import KINDS
from support.hooks import uvx
from support.rendering import read_pyproject

SUMMARY_SETS = [*EACH_KIND.values(), {"description": ""}, {"description": "   "}]


@pytest.mark.parametrize("answers", SUMMARY_SETS, ids=answers_id)
def test_every_render_has_a_summary(render_shared: Any, answers: dict[str, Any]) -> None:
    """In pyproject.toml and as the README's first paragraph, with no run of empty lines."""
    project = render_shared(**answers)
    values = template_values(**answers)
    summary = read_pyproject(project)["project"]["description"]
    assert summary == values["suggested_summary"]
    assert values["project_name"] in summary
    readme = (project / "README.md").read_text(encoding="utf-8")
    paragraphs = readme.split("## Installation", 1)[0].split("\n\n")
    assert paragraphs[-2] == re.sub(r"([!-/:-@\[-`{-~])", r"\\\1", summary)  # each punctuation mark escaped
    assert "\n\n\n" not in readme


# pyroma's own programme, once for every project given: its rating with all its tests and
# with the author tests skipped, and what it found.
PYROMA = """
import json, sys
from pyroma import projectdata, ratings
results = {}
for path in sys.argv[1:]:
    data = projectdata.get_data(path)
    rating, found = ratings.rate(data)
    results[path] = {"rating": rating, "found": found, "without author": ratings.rate(data, ["Author", "AuthorEmail"])[0]}
print(json.dumps(results))
"""
AUTHOR_FINDINGS = ["Your package does not have author data.", "Your package does not have author-email data."]


def pyroma(projects: list[Path]) -> dict[str, Any]:
    """pyroma's verdicts: the build backend of the first project's build-system installed
    beside pyroma, which then reads each project's metadata without an isolated build."""
    requires = read_pyproject(projects[0])["build-system"]["requires"]
    args = [arg for requirement in requires for arg in ("--with", requirement)]
    completed = run([uvx(), *args, "--from", "pyroma", "python", "-c", PYROMA, *map(str, projects)], projects[0])
    results: dict[str, Any] = json.loads(completed.stdout.splitlines()[-1])
    return {Path(path).name: result for path, result in results.items()}


def test_pyroma_finds_nothing_but_the_optional_author(render_shared: Any, tmp_path: Path) -> None:
    authors = {name: DISTINCT[name] for name in ("author_name", "author_email")}
    sets = {"required": {}, "authored": authors, **{kind: answers for kind, answers in EACH_KIND.items() if answers}}
    copies = [shutil.copytree(render_shared(**answers), tmp_path / name) for name, answers in sets.items()]
    verdicts = pyroma(copies)
    for name in sets:
        assert verdicts[name]["without author"] == 10, (name, verdicts[name])
    assert verdicts["authored"] == {"rating": 10, "found": [], "without author": 10}
    for name in ("required", *(kind for kind in KINDS if kind in sets)):
        assert verdicts[name]["found"] == AUTHOR_FINDINGS, (name, verdicts[name])

    # The README says what PyPI shows without an author, and how to name one.
    without, authored = ((path / "README.md").read_text(encoding="utf-8") for path in copies[:2])
    assert "no *Author* line" in without
    assert "--data author_name=" in without
    assert "no *Author* line" not in authored
