"""An answer changed at update time (`copier update --data python_min=...`) regenerates
everything derived from it; uv.lock, the user's, needs `uv lock`, as the generated README says.
(A changed free-text answer, the description, is in test_update_from_releases.py.)"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from support.commands import require_interpreter, run, uv
from support.rendering import Render, project_files, read_answers
from support.updates import CI_YML, assert_no_conflicts, commit_all, project_copy, update, user_owned


@pytest.mark.slow
def test_update_with_a_new_python_min_regenerates_everything_derived(
    v1_0_0_seed: Path, render_shared: Render, tmp_path: Path
) -> None:
    """Every file the template keeps (not the user's) ends as a fresh render with that answer writes it."""
    env = {"UV_PYTHON": require_interpreter("3.12")}
    project = project_copy(v1_0_0_seed, tmp_path)
    uv("lock", cwd=project, env=env)
    commit_all(project, "Lock")
    # v1.0.0 of the throwaway repository is this working tree's template.
    assert read_answers(project)["python_min"] != "3.12"

    update(project, "--vcs-ref", "v1.0.0", "--data", "python_min=3.12")

    assert_no_conflicts(project)
    assert read_answers(project)["python_min"] == "3.12"
    fresh = render_shared(python_min="3.12")
    written = sorted(name for name in project_files(fresh) - {".copier-answers.yml"} if not user_owned(name))
    assert {"pyproject.toml", CI_YML} <= set(written)  # what python_min changes most, kept by the template
    assert [name for name in written if (project / name).read_bytes() != (fresh / name).read_bytes()] == []
    # uv.lock records requires-python: CI (`uv sync --locked`) would fail until
    # the user re-locks, as the generated README says.
    stale = uv("lock", "--check", cwd=project, env=env, check=False)
    assert stale.returncode != 0
    assert "needs to be updated" in stale.stderr


def test_declining_the_docs_deletes_the_templates_pages_and_the_readmes_command_restores_one(
    v1_0_0_seed: Path, tmp_path: Path
) -> None:
    """README.md: `--data docs=false` deletes the pages in docs/ the template made, edited ones
    too (the author's own pages stay), and its command brings back one the author keeps."""
    project = project_copy(v1_0_0_seed, tmp_path)
    with (project / "docs" / "index.md").open("a", encoding="utf-8") as page:
        page.write("\nA paragraph the author wrote.\n")
    (project / "docs" / "usage.md").write_text("# Usage\n", encoding="utf-8")
    commit_all(project, "The author's pages")

    update(project, "--vcs-ref", "v1.0.0", "--data", "docs=false")

    assert not (project / "docs" / "index.md").exists()
    assert (project / "docs" / "usage.md").is_file()
    readme = " ".join((project / "README.md").read_text(encoding="utf-8").split())
    (command,) = re.findall(r"`(git checkout HEAD -- docs/NAME\.md)`", readme)
    run(shlex.split(command.replace("NAME", "index")), project)
    assert "A paragraph the author wrote." in (project / "docs" / "index.md").read_text(encoding="utf-8")
