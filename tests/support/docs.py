"""The generated documentation site: where it is built, and reading its pages."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

from support.commands import require_interpreter
from support.facts import copier_config
from support.workflows import github_env, load_workflow, run_step, step_named, steps_using

DOCS_HTML = copier_config()["docs_html_dir"]["default"]

USER_PAGES = {"docs/index.md", "docs/api.md", "docs/changelog.md", "docs/development.md"}


DOCS_FILES = USER_PAGES | {"docs/conf.py"}


def docs_job(project: Path) -> dict[str, Any]:
    return load_workflow(project, "ci.yml")["jobs"]["docs"]


def build_docs(project: Path, *, check: bool = True) -> Any:
    """ci.yml's docs step, as the runner runs it, on the interpreter its setup-uv names."""
    job = docs_job(project)
    (setup_uv,) = steps_using(job, "astral-sh/setup-uv")
    python = require_interpreter(str(setup_uv["with"]["python-version"]))
    step = step_named(job, "documentation")
    return run_step(job, step, project, {**github_env(), "UV_PYTHON": python}, check=check)


def page_text(page: Path) -> str:
    """The text of a built page's article (the main content), tags dropped, entities decoded."""
    source = page.read_text(encoding="utf-8")
    return text_of(source[source.index("<article") : source.index("</article>")])


def text_of(markup: str) -> str:
    """HTML as text: tags dropped, entities decoded, whitespace collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", markup)).split())
