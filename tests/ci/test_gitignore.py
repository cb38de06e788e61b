"""The generated .gitignore keeps secrets and build output out of commits, and nothing of the project.

Checked with git itself on a copy of a render: what a developer's machine and the
project's tools leave in the working tree is ignored (`git check-ignore`), and
`git status` offers exactly the project's own files (uv.lock included: it is committed).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from support.commands import run
from support.rendering import project_files

# None of it may be committed: secrets (llm and friends read API keys from .env), the
# environment, build output, caches, coverage data, editor files.
DEBRIS = [
    ".env", ".envrc", ".venv/bin/python", "dist/acme_widgets-0.1.0-py3-none-any.whl", "dist/acme_widgets-0.1.0.tar.gz",
    "build/lib/acme_widgets/core.py", "src/acme_widgets.egg-info/PKG-INFO", "src/acme_widgets/__pycache__/core.cpython-312.pyc",
    "tests/__pycache__/test_acme_widgets.cpython-312-pytest-9.0.0.pyc", ".mypy_cache/3.12/acme_widgets/core.data.json",
    ".ruff_cache/0.17.0/12345", ".pytest_cache/v/cache/lastfailed", ".coverage", ".coverage.host.1234.XYZ", "coverage.xml",
    "htmlcov/index.html", "docs/_build/html/index.html", ".idea/workspace.xml", ".vscode/settings.json", ".DS_Store",
]  # fmt: skip


def test_gitignore_keeps_secrets_and_build_output_out_but_not_the_project(render_shared, tmp_path: Path) -> None:
    rendered = render_shared(project_kind="cli")
    project = Path(shutil.copytree(rendered, tmp_path / "project"))
    sources = project_files(rendered) | {"uv.lock"}  # uv.lock is committed, see the README
    (project / "uv.lock").write_text("version = 1\n", encoding="utf-8")
    for name in DEBRIS:
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text("planted\n", encoding="utf-8")
    run(["git", "init", "-q", "-b", "main"], project)
    checked = run(["git", "check-ignore", *DEBRIS, *sorted(sources)], project, check=False)
    assert set(checked.stdout.splitlines()) == set(DEBRIS)
    # What `git add -A` would take: exactly the project's own files.
    status = run(["git", "status", "--porcelain", "--untracked-files=all"], project).stdout
    assert {line.removeprefix("?? ") for line in status.splitlines()} == sources
    # The check can fail: with the .env line gone, git would commit the secrets.
    gitignore = project / ".gitignore"
    gitignore.write_text(re.sub(r"(?m)^\.env$\n", "", gitignore.read_text(encoding="utf-8")), encoding="utf-8")
    assert run(["git", "check-ignore", ".env"], project, check=False).returncode == 1
