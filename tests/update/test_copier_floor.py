"""The copier floor is true: copier at exactly ``_min_copier_version`` renders and updates.

The floor copier is installed from PyPI with ``uv tool run --from copier==FLOOR``
(the version read from copier.yml) and run as a user runs it, without
``--trust``. It must render every project kind exactly as the newest copier does,
and update an edited project between two throwaway template tags. The newest
copier below the floor must fail, so the floor is the lowest one that works.
"""

from __future__ import annotations

import re
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from packaging.version import Version

from support.answers import REQUIRED_ANSWERS, data_args
from support.commands import git, require_interpreter, uv
from support.facts import KINDS, copier_config
from support.rendering import Render, read_answers
from support.updates import (
    COPIER_ENV,
    TemplateRepo,
    assert_no_conflicts,
    commit_all,
    committable,
    rendered,
    replace_in_config,
    user_owned,
)

FLOOR: str = copier_config()["_min_copier_version"]
# An answer that differs from the default, and the one that matters: python_min's
# rendered choices are what copier 9.4 cannot parse. (The same answers as
# tests/render/test_combinations.py's renders, so the newest copier's are shared.)
ANSWERS: dict[str, Any] = {"python_min": "3.12"}

# Files whose text records where and when the project was rendered.
ANSWERS_FILE = ".copier-answers.yml"

Copier = Callable[..., Any]


def tool_copier(requirement: str) -> Copier:
    """A copier CLI installed by uv from PyPI (``requirement``), run without --trust."""
    python = require_interpreter(f"{sys.version_info.major}.{sys.version_info.minor}")

    def _copier(*args: str | Path, cwd: Path, check: bool = True) -> Any:
        assert "--trust" not in args
        assert "--UNSAFE" not in args
        return uv(
            "tool",
            "run",
            "--python",
            python,
            "--from",
            requirement,
            "copier",
            *map(str, args),
            cwd=cwd,
            check=check,
            env=COPIER_ENV,
        )

    return _copier


@pytest.fixture(scope="session")
def floor_copier(tmp_path_factory: pytest.TempPathFactory) -> Copier:
    copier = tool_copier(f"copier=={FLOOR}")
    shown = copier("--version", cwd=tmp_path_factory.getbasetemp()).stdout.split()
    assert shown[-1] == FLOOR or shown[-1].startswith(f"{FLOOR}."), shown
    return copier


def test_the_floor_is_an_exact_release() -> None:
    """A version pip and uv can pin (copier compares it with its own version)."""
    assert re.fullmatch(r"[0-9]+\.[0-9]+\.[0-9]+", FLOOR), FLOOR


@pytest.mark.slow
@pytest.mark.parametrize("kind", KINDS)
def test_the_floor_copier_renders_every_kind_as_the_newest_does(
    floor_copier: Copier, render_shared: Render, template_snapshot: Path, kind: str, tmp_path: Path
) -> None:
    answers = {**ANSWERS, "project_kind": kind}
    project = tmp_path / "project"
    floor_copier(
        "copy",
        "--quiet",
        "--defaults",
        "--vcs-ref",
        "HEAD",
        *data_args({**REQUIRED_ANSWERS, **answers}),
        template_snapshot,
        project,
        cwd=tmp_path,
    )

    newest = render_shared(**answers)
    floor_files, newest_files = rendered(project), rendered(newest)
    assert floor_files.keys() == newest_files.keys()
    assert [name for name in floor_files if name != ANSWERS_FILE and floor_files[name] != newest_files[name]] == []
    recorded = {key: value for key, value in read_answers(project).items() if not key.startswith("_")}
    assert recorded == {key: value for key, value in read_answers(newest).items() if not key.startswith("_")}
    assert recorded["python_min"] == "3.12"
    assert recorded["project_kind"] == kind


@pytest.mark.slow
def test_the_floor_copier_updates_an_edited_project_between_two_tags(
    floor_copier: Copier,
    template_repo: TemplateRepo,
    tmp_path: Path,
) -> None:
    template = template_repo.path
    project = tmp_path / "project"
    answers = {**REQUIRED_ANSWERS, **ANSWERS, "project_kind": "llm-plugin"}
    floor_copier(
        "copy", "--quiet", "--defaults", "--vcs-ref", "v1.0.0", *data_args(answers), template, project, cwd=tmp_path
    )
    git("init", "-q", "-b", "main", cwd=project)
    commit_all(project, "Initial commit from the template")
    # A user edit in a template-managed file, away from what v1.1.0 changes.
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text(encoding="utf-8") + "\n[tool.acme]\nwidgets = 3\n", encoding="utf-8")
    (project / "NOTES.md").write_text("Ours.\n", encoding="utf-8")
    commit_all(project, "User edits")
    before = committable(project)

    updated = floor_copier("update", "--defaults", "--vcs-ref", "v1.1.0", project, cwd=project)

    assert_no_conflicts(project)
    assert "Updated to template version v1.1.0" in updated.stderr  # _message_after_update, 9.15 has it
    assert read_answers(project)["_commit"] == "v1.1.0"
    after = committable(project)
    assert after[template_repo.new_file] == template_repo.new_file_text
    assert template_repo.new_checkout_pin in after[".github/workflows/ci.yml"]
    assert f"Programming Language :: Python :: {template_repo.new_python}" in after["pyproject.toml"]
    assert after["pyproject.toml"].endswith("\n[tool.acme]\nwidgets = 3\n")
    assert after["NOTES.md"] == "Ours.\n"
    # Every user-owned file stays as it was.
    for name in before:
        if user_owned(name):
            assert after[name] == before[name], f"{name} changed although it is the user's"


@pytest.mark.slow
def test_the_newest_copier_below_the_floor_refuses_and_could_not_render_anyway(
    template_snapshot: Path, tmp_path: Path
) -> None:
    """The floor is enforced, and it is the lowest that works: the release before it fails."""
    below = tool_copier(f"copier<{FLOOR}")
    # It installs and runs: a failure below is copier's own, not a failed install.
    shown = below("--version", cwd=tmp_path).stdout.split()[-1]
    assert Version(shown) < Version(FLOOR), shown
    args = ["copy", "--quiet", "--defaults", "--vcs-ref", "HEAD", *data_args({**REQUIRED_ANSWERS, **ANSWERS})]

    refused = below(*args, template_snapshot, tmp_path / "refused", cwd=tmp_path, check=False)
    assert refused.returncode != 0
    assert f"This template requires Copier version >= {FLOOR}" in refused.stderr, refused.stderr

    # The same template without the floor: the older copier fails on its own.
    unguarded = tmp_path / "unguarded"
    shutil.copytree(template_snapshot, unguarded, symlinks=True)
    replace_in_config(unguarded, rf'^_min_copier_version: "{re.escape(FLOOR)}"\n', "")
    commit_all(unguarded, "Without the copier floor")
    failed = below(*args, unguarded, tmp_path / "project", cwd=tmp_path, check=False)
    assert failed.returncode != 0, f"copier {shown} renders this template: lower the floor"
    assert "Error" in failed.stderr, failed.stderr[-2000:]  # copier's traceback or message
    assert not (tmp_path / "project").exists()
