"""The generated documentation site: where it is built, and reading its pages."""

from __future__ import annotations

import html
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from support.facts import copier_config
from support.runner import run_in_place
from support.workflows import load_workflow

DOCS_HTML = copier_config()["docs_html_dir"]["default"]

USER_PAGES = {"docs/index.md", "docs/api.md", "docs/changelog.md", "docs/development.md"}


DOCS_FILES = USER_PAGES | {"docs/conf.py"}


def docs_job(project: Path) -> dict[str, Any]:
    return load_workflow(project, "ci.yml")["jobs"]["docs"]


def build_docs(project: Path, *, check: bool = True) -> subprocess.CompletedProcess[str]:
    """ci.yml's docs step, run in ``project`` by the runner (on the Python its setup-uv names)."""
    step = run_in_place(project, "docs", steps=["documentation"]).step("documentation")
    assert step.process is not None, step.log
    if check and step.outcome != "success":
        pytest.fail(f"the docs build failed:\n{step.log}", pytrace=False)
    return step.process


def page_text(page: Path) -> str:
    """The text of a built page's article (the main content), tags dropped, entities decoded."""
    source = page.read_text(encoding="utf-8")
    return text_of(source[source.index("<article") : source.index("</article>")])


def text_of(markup: str) -> str:
    """HTML as text: tags dropped, entities decoded, whitespace collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", markup)).split())
