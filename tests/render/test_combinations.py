"""Every answer combination that changes dependencies renders and resolves.

The combinations come from copier.yml's own lists: every project kind times
every Python release python_min offers. A combination python_min's validator
refuses (kind_python_min) must be refused with a message that names the rule,
and must truly not resolve; every other one is rendered and resolved with the
real uv from PyPI: ``uv lock`` where a local interpreter satisfies
requires-python, else ``uv pip compile --python-version`` (3.14 and 3.15 are
not installed here). The license does not change dependencies (checked).
"""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path
from typing import Any

import pytest

from support.answers import REQUIRED_ANSWERS
from support.commands import find_interpreter, uv
from support.facts import DEFAULT_PYTHON_MIN, KINDS, LICENSES, copier_config, known_python_versions
from support.rendering import Render, read_pyproject

CONFIG = copier_config()
KIND_PYTHON_MIN: dict[str, dict[str, str]] = CONFIG["kind_python_min"]["default"]
PYTHONS = known_python_versions()


def refused_because(kind: str, python_min: str) -> dict[str, str] | None:
    """The kind's Python floor, when python_min is below it."""
    floor = KIND_PYTHON_MIN.get(kind)
    return floor if floor and PYTHONS.index(python_min) < PYTHONS.index(floor["python"]) else None


COMBINATIONS = list(itertools.product(KINDS, PYTHONS))


def resolve(project: Path, python_min: str, tmp_path: Path, check: bool = True) -> Any:
    """Resolve a rendered project's dependencies and dev group, without touching it."""
    work = tmp_path / "resolve"
    work.mkdir()
    shutil.copy(project / "pyproject.toml", work / "pyproject.toml")
    interpreter = find_interpreter(python_min)
    if interpreter is not None:
        # Universal, as CI's locked installs use it: every Python from python_min up.
        return uv("lock", "--python", interpreter, cwd=work, check=check)
    return uv(
        "pip",
        "compile",
        "pyproject.toml",
        "--group",
        "pyproject.toml:dev",
        "--python-version",
        python_min,
        "-o",
        "requirements.txt",
        cwd=work,
        check=check,
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    ("kind", "python_min"),
    [c for c in COMBINATIONS if not refused_because(*c)],
    ids=[f"{k}-{p}" for k, p in COMBINATIONS if not refused_because(k, p)],
)
def test_every_offered_combination_resolves(render_shared: Render, kind: str, python_min: str, tmp_path: Path) -> None:
    project = render_shared(project_kind=kind, python_min=python_min)
    assert read_pyproject(project)["project"]["requires-python"] == f">={python_min}"
    resolve(project, python_min, tmp_path)


REFUSED = [c for c in COMBINATIONS if refused_because(*c)]


@pytest.mark.parametrize(("kind", "python_min"), REFUSED, ids=[f"{k}-{p}" for k, p in REFUSED])
def test_a_refused_combination_names_the_rule(copie: Any, template_tree: Path, kind: str, python_min: str) -> None:
    floor = refused_because(kind, python_min)
    assert floor is not None
    result = copie.copy(
        extra_answers={**REQUIRED_ANSWERS, "project_kind": kind, "python_min": python_min},
        template_dir=template_tree,
    )
    assert result.exit_code != 0
    message = str(result.exception)
    assert f"python_min must be {floor['python']} or newer" in message, message
    assert f'project_kind is "{kind}"' in message, message
    assert floor["because"] in message, message


@pytest.mark.slow
@pytest.mark.parametrize(("kind", "python_min"), REFUSED, ids=[f"{k}-{p}" for k, p in REFUSED])
def test_a_refused_combination_truly_does_not_resolve(
    render_shared: Render, kind: str, python_min: str, tmp_path: Path
) -> None:
    """The validator is needed: the project it prevents (its floor's render, requires-python
    lowered to python_min) fails to resolve."""
    floor = refused_because(kind, python_min)
    assert floor is not None
    project = tmp_path / "project"
    shutil.copytree(render_shared(project_kind=kind, python_min=floor["python"]), project)
    pyproject = project / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8")
    assert f'requires-python = ">={floor["python"]}"' in text
    pyproject.write_text(
        text.replace(f'requires-python = ">={floor["python"]}"', f'requires-python = ">={python_min}"'),
        encoding="utf-8",
    )
    result = resolve(project, python_min, tmp_path, check=False)
    assert result.returncode != 0, f"{kind} resolves on Python {python_min}: the validator can go"
    assert "No solution found" in result.stderr, result.stderr


def dependency_tables(project: Path) -> dict[str, Any]:
    pyproject = read_pyproject(project)
    return {
        "build-system": pyproject["build-system"],
        "requires-python": pyproject["project"]["requires-python"],
        "dependencies": pyproject["project"].get("dependencies"),
        "dependency-groups": pyproject.get("dependency-groups"),
    }


# Each license with a kind in turn (every kind meets several licenses, every license a kind):
# the pyproject template writes the license apart from the dependency tables.
LICENSE_KINDS = [(license_id, KINDS[i % len(KINDS)]) for i, license_id in enumerate(LICENSES)]


@pytest.mark.parametrize(("license_id", "kind"), LICENSE_KINDS, ids=[f"{lic}-{k}" for lic, k in LICENSE_KINDS])
def test_the_license_does_not_change_dependencies(render_shared: Render, license_id: str, kind: str) -> None:
    """Why the combinations above leave the license out."""
    default = dependency_tables(render_shared(project_kind=kind))
    assert dependency_tables(render_shared(project_kind=kind, license=license_id)) == default


def test_the_combinations_cover_copier_ymls_lists() -> None:
    assert {kind for kind, _ in COMBINATIONS} == set(KINDS)
    assert len(KINDS) >= 3
    assert {python for _, python in COMBINATIONS} == set(PYTHONS)
    assert DEFAULT_PYTHON_MIN in PYTHONS
    assert set(KIND_PYTHON_MIN) <= set(KINDS)
    assert all(floor["python"] in PYTHONS and floor["because"] for floor in KIND_PYTHON_MIN.values())


TOOL_PYTHON_MIN: dict[str, str] = CONFIG["tool_python_min"]["default"]


@pytest.mark.parametrize("python_min", PYTHONS)
def test_a_dev_tool_that_needs_a_newer_python_is_left_out_below_it_by_a_marker(
    render_shared: Render, python_min: str
) -> None:
    """How a project below a tool's floor still resolves (above); tests/test_rendering.py
    checks that the lint job, which runs the tools, runs on the floor."""
    dev = read_pyproject(render_shared(project_kind=KINDS[0], python_min=python_min))["dependency-groups"]["dev"]
    for tool, floor in TOOL_PYTHON_MIN.items():
        (requirement,) = [r for r in dev if r.startswith(f"{tool}>=")]
        below = PYTHONS.index(python_min) < PYTHONS.index(floor)
        assert requirement.endswith(f"; python_version >= '{floor}'") == below, requirement
