"""Every answer combination that changes dependencies (answers.KIND_PYTHON_SETS: each kind with
each Python python_min offers) resolves with the real uv from PyPI, where a local interpreter
satisfies requires-python with ``uv lock``, else with ``uv pip compile --python-version``; each
one python_min's validator refuses (kind_python_min; the message: test_validation.py) truly does not."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from support.answers import (
    EACH_KIND,
    EACH_LICENSE,
    KIND_PYTHON_SETS,
    answers_id,
    changed,
    python_floor,
    template_values,
)
from support.commands import find_interpreter, uv
from support.facts import KINDS, LICENSES, known_python_versions
from support.rendering import Render, read_pyproject, replace_once

OFFERED = [answers for answers in KIND_PYTHON_SETS if not python_floor(answers)]
REFUSED = [answers for answers in KIND_PYTHON_SETS if python_floor(answers)]


def resolve(project: Path, python_min: str, tmp_path: Path, check: bool = True) -> Any:
    """Resolve a rendered project's dependencies and dev group, without touching it."""
    work = tmp_path / "resolve"
    work.mkdir()
    shutil.copy(project / "pyproject.toml", work / "pyproject.toml")
    interpreter = find_interpreter(python_min)
    if interpreter is not None:
        # Universal, as CI's locked installs use it: every Python from python_min up.
        return uv("lock", "--python", interpreter, cwd=work, check=check)
    compile_ = ("pip", "compile", "pyproject.toml", "--group", "pyproject.toml:dev", "-o", "requirements.txt")
    return uv(*compile_, "--python-version", python_min, cwd=work, check=check)


@pytest.mark.slow
@pytest.mark.parametrize("answers", OFFERED, ids=answers_id)
def test_every_offered_combination_resolves(render_shared: Render, answers: dict[str, Any], tmp_path: Path) -> None:
    resolve(render_shared(**answers), template_values(**answers)["python_min"], tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("answers", REFUSED, ids=answers_id)
def test_a_refused_combination_truly_does_not_resolve(
    render_shared: Render, answers: dict[str, Any], tmp_path: Path
) -> None:
    """The validator is needed: the project it prevents (its floor's render, requires-python
    lowered to python_min) fails to resolve."""
    floor, python_min = python_floor(answers), template_values(**answers)["python_min"]
    assert floor is not None
    project = tmp_path / "project"
    shutil.copytree(render_shared(**changed({**answers, "python_min": floor["python"]})), project)
    replace_once(
        project / "pyproject.toml", f'requires-python = ">={floor["python"]}"', f'requires-python = ">={python_min}"'
    )
    result = resolve(project, python_min, tmp_path, check=False)
    assert result.returncode != 0, f"{answers} resolves: the validator can go"
    assert "No solution found" in result.stderr, result.stderr


def test_each_kind_floor_is_a_known_python_with_a_reason() -> None:
    """What python_min's validator and its message read (copier.yml kind_python_min)."""
    for kind, floor in template_values()["kind_python_min"].items():
        assert kind in KINDS, kind
        assert floor["python"] in known_python_versions(), floor
        assert floor["because"], floor


def dependency_tables(project: Path) -> dict[str, Any]:
    pyproject = read_pyproject(project)
    return {
        "build-system": pyproject["build-system"],
        "requires-python": pyproject["project"]["requires-python"],
        "dependencies": pyproject["project"].get("dependencies"),
        "dependency-groups": pyproject.get("dependency-groups"),
    }


@pytest.mark.parametrize("license", LICENSES)
def test_the_license_does_not_change_dependencies(render_shared: Render, license: str) -> None:
    """Why the combinations above leave the license out (each license with a kind in turn:
    the pyproject template writes the license apart from the dependency tables)."""
    answers = EACH_LICENSE[license]
    kind = EACH_KIND[template_values(**answers)["project_kind"]]
    assert dependency_tables(render_shared(**answers)) == dependency_tables(render_shared(**kind))
