"""Renovate's copier manager, the pull-request route to template updates, works from every release.

Renovate (lib/modules/manager/copier/artifacts.ts of renovatebot/renovate) runs
``RENOVATE_UPDATE`` in the answers file's folder with the new tag, never with
``--trust`` (only a self-hosted Renovate that allows scripts adds it). From each
release of this repository (``released_versions()``, the ``release_to_head_repo``
fixture that tests/update/test_update_from_releases.py shares), a project edited as
its author would edit it takes exactly that command line to the working tree's
template: no conflict, the edits kept, the answers at the new tag, the template's new
files there, and copier's message after the update printed (its `uv lock` line run). The generated README's
``renovate.json`` (docs/updating.md's too) switches that manager on, and only it.
"""

from __future__ import annotations

import json
import re
import shlex
import sys
from pathlib import Path

import pytest

from support.commands import run
from support.facts import TEMPLATE_DIR
from support.rendering import Render, read_answers, replace_once
from support.updates import (
    CI_YML,
    assert_no_conflicts,
    commit_all,
    committable,
    copier,
    release_id,
    released_versions,
    render_project,
)

RENOVATE_UPDATE = "copier update --skip-answered --defaults --answers-file .copier-answers.yml --vcs-ref {tag}"
RELEASES: list[tuple[str, str] | None] = [*released_versions()] or [None]  # None: skipped, saying why
CHECK_JSONSCHEMA = Path(sys.executable).with_name("check-jsonschema")
README_PARAGRAPH = "A paragraph the project's author wrote."
MODULE = '"""A module the project\'s author added."""\n'
# Lines the template keeps from every release on: the author's edits there merge.
EDITS = {
    CI_YML: ("  # A new push to a pull request supersedes", "  # Ours: a new push to a pull request supersedes"),
    "pyproject.toml": ("show_missing = true\n", "show_missing = true\nfail_under = 90\n"),
}


@pytest.mark.slow
@pytest.mark.parametrize("release_to_head_repo", RELEASES, indirect=True, ids=release_id)
def test_renovates_command_line_updates_an_edited_project_of_each_release(
    release_to_head_repo: tuple[Path, str, str], tmp_path: Path
) -> None:
    template, released, head = release_to_head_repo
    project = render_project(template, tmp_path / "project", released)
    package = read_answers(project)["package_name"]
    with (project / "README.md").open("a", encoding="utf-8") as readme:
        readme.write(f"\n{README_PARAGRAPH}\n")
    (project / "src" / package / "ours.py").write_text(MODULE, encoding="utf-8")
    for name, (old, new) in EDITS.items():
        replace_once(project / name, old, new)
    commit_all(project, "The author's edits")
    before = committable(project)

    command = shlex.split(RENOVATE_UPDATE.format(tag=head))
    assert command[:2] == ["copier", "update"]
    updated = copier(*command[1:], cwd=project, check=True)  # the real CLI, in the answers file's folder

    assert_no_conflicts(project)
    after = committable(project)
    assert read_answers(project)["_commit"] == head
    assert after["README.md"] == before["README.md"]
    assert after[f"src/{package}/ours.py"] == MODULE
    for name, (_, new) in EDITS.items():
        assert new in after[name], name
    assert ".github/workflows/template-update.yml" in after  # HEAD's files arrived
    # copier's message after the update: printed, and its lock command locks exactly when
    # pyproject.toml changed (these projects had no uv.lock: it appears then, and only then).
    assert f"Updated to template version {head}" in updated.stderr
    (lock,) = [line.strip() for line in updated.stderr.splitlines() if line.strip().endswith("uv lock")]
    run(["bash", "-ec", lock], project)
    assert (project / "uv.lock").is_file() == (after["pyproject.toml"] != before["pyproject.toml"])


def test_the_readme_switches_on_renovates_copier_manager_alone(render_shared: Render, tmp_path: Path) -> None:
    """The generated README's renovate.json is a valid Renovate config (its JSON schema, which
    names every manager) that enables the copier manager and no other (Dependabot keeps the rest)."""
    readme = (render_shared() / "README.md").read_text(encoding="utf-8")
    (block,) = re.findall(r"commit a `renovate\.json`:\n\n```json\n(.*?)^```$", readme, re.MULTILINE | re.DOTALL)
    config = tmp_path / "renovate.json"
    config.write_text(block, encoding="utf-8")
    run([CHECK_JSONSCHEMA, "--builtin-schema", "vendor.renovate", config], tmp_path)
    assert json.loads(block)["enabledManagers"] == ["copier"]
    assert f"```json\n{block}```" in (TEMPLATE_DIR / "docs" / "updating.md").read_text(encoding="utf-8")  # the same
