"""An answer changed at update time (`copier update --data python_min=...`) regenerates
everything derived from it; uv.lock, the user's, needs `uv lock`, as the generated README says.
(A changed free-text answer, the description, is in test_update_from_releases.py.)"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from support.commands import require_interpreter, uv
from support.facts import ci_python_versions, parse_yaml, supported_versions
from support.rendering import read_answers, read_pyproject
from support.updates import CI_YML, assert_no_conflicts, commit_all, project_copy, update


@pytest.mark.slow
def test_update_with_a_new_python_min_regenerates_everything_derived(v1_0_0_seed: Path, tmp_path: Path) -> None:
    env = {"UV_PYTHON": require_interpreter("3.12")}
    project = project_copy(v1_0_0_seed, tmp_path)
    uv("lock", cwd=project, env=env)
    commit_all(project, "Lock")
    # v1.0.0 of the throwaway repository is this working tree's template.
    assert read_answers(project)["python_min"] != "3.12"

    update(project, "--vcs-ref", "v1.0.0", "--data", "python_min=3.12")

    assert_no_conflicts(project)
    assert read_answers(project)["python_min"] == "3.12"
    pyproject = read_pyproject(project)
    assert pyproject["project"]["requires-python"] == ">=3.12"
    python_classifiers = [
        c.removeprefix("Programming Language :: Python :: ")
        for c in pyproject["project"]["classifiers"]
        if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c)
    ]
    assert python_classifiers == supported_versions("3.12")
    assert "target-version" not in pyproject["tool"]["ruff"]  # ruff reads requires-python
    assert pyproject["tool"]["mypy"]["python_version"] == "3.12"
    ci = parse_yaml((project / CI_YML).read_text(encoding="utf-8"))
    assert ci["jobs"]["test"]["strategy"]["matrix"]["python-version"] == ci_python_versions("3.12")
    # uv.lock records requires-python: CI (`uv sync --locked`) would fail until
    # the user re-locks, as the generated README says.
    stale = uv("lock", "--check", cwd=project, env=env, check=False)
    assert stale.returncode != 0
    assert "needs to be updated" in stale.stderr
