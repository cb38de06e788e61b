"""What the generated README tells about releasing matches what release.yml does.

PyPI's and TestPyPI's "pending publisher" forms ask for the values the rendered
workflow uses (its file name, each publish job's environment); the release steps
tag the version as generated first and bump later; a private package is neither
published nor installed from an index.
"""

from __future__ import annotations

import re

import pytest

from support.facts import INITIAL_VERSION
from support.rendering import read_pyproject
from support.workflows import load_workflow, workflow_names


def publisher_tables(readme: str) -> list[dict[str, str]]:
    """The README's "| field | value |" tables, each as field -> value (backticks dropped)."""
    tables: list[dict[str, str]] = []
    current: dict[str, str] | None = None
    for line in readme.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")] if line.strip().startswith("|") else []
        if cells == ["field", "value"]:
            current = {}
            tables.append(current)
        elif current is not None and len(cells) == 2 and not set(cells[0]) <= {"-"}:
            current[cells[0]] = cells[1].strip("`")
        elif not cells:
            current = None
    return tables


def test_readme_gives_the_pending_publisher_values_and_the_release_steps(render_shared) -> None:
    """Exactly what the forms ask, read from the rendered project, and how to release."""
    project = render_shared(
        distribution_name="acme-gadgets",
        repository_name="gadgets-repo",
        pypi_environment="pypi",
        testpypi_environment="rehearsal",
    )
    readme = (project / "README.md").read_text(encoding="utf-8")
    (workflow,) = [name for name in workflow_names(project) if "publish-pypi" in load_workflow(project, name)["jobs"]]
    jobs = load_workflow(project, workflow)["jobs"]
    publisher = {
        "PyPI Project Name": read_pyproject(project)["project"]["name"],
        "Owner": "acme",
        "Repository name": "gadgets-repo",
        "Workflow name": workflow,
    }
    environments = [jobs[job_id]["environment"]["name"] for job_id in ("publish-pypi", "publish-testpypi")]
    assert environments == ["pypi", "rehearsal"]
    assert publisher_tables(readme) == [{**publisher, "Environment name": name} for name in environments]
    assert "https://pypi.org/manage/account/publishing/" in readme
    assert "https://test.pypi.org/manage/account/publishing/" in readme
    # The GitHub environments to create, and how to rehearse.
    assert "create the environment `pypi` and the environment `rehearsal`" in readme
    assert "*Actions → Release → Run workflow*" in readme
    # TestPyPI as an extra index, and why: the dependencies are on PyPI only.
    assert 'python -m pip install "acme-gadgets==<version>" --extra-index-url https://test.pypi.org/simple/' in readme
    assert "usually not its dependencies" in " ".join(readme.split())


def test_readme_without_testpypi_mentions_only_pypi(render_shared) -> None:
    readme = (render_shared(testpypi=False) / "README.md").read_text()
    assert [table["Environment name"] for table in publisher_tables(readme)] == ["release"]
    assert "test.pypi.org" not in readme
    assert "TestPyPI" not in readme


@pytest.mark.parametrize(("kind", "github_release"), [("library", True), ("cli", False), ("llm-plugin", True)])
def test_readme_of_a_private_package_neither_publishes_nor_installs_from_pypi(
    render_shared, kind: str, github_release: bool
) -> None:
    project = render_shared(license="Proprietary", testpypi=True, github_release=github_release, project_kind=kind)
    readme = (project / "README.md").read_text(encoding="utf-8")
    flat = " ".join(readme.split())
    assert publisher_tables(readme) == []
    for absent in ("trusted publishing", "trusted-publishers", "pending publisher", "TestPyPI", "pypi.org", "Environment name"):  # fmt: skip
        assert absent not in readme, absent
    distribution = read_pyproject(project)["project"]["name"]
    # Installed from the git repository or a built wheel, never by name from an index.
    assert f"install git+https://github.com/acme/{distribution}\n" in readme or (
        f"uv add git+https://github.com/acme/{distribution}\n" in readme
    )
    assert f" ./{distribution.replace('-', '_')}-{INITIAL_VERSION}-py3-none-any.whl\n" in readme
    assert not re.search(rf"(pip install|uv add|uv tool install|llm install) {re.escape(distribution)}\b", readme)
    # What a tag does instead.
    assert "never uploaded to PyPI" in flat
    if github_release:
        assert "builds the sdist and wheel once, and attaches those files to a GitHub release" in flat
        assert "After the build, the workflow creates a GitHub release" in flat
    else:
        assert "kept as the run's artifact `dists`" in flat
        assert "GitHub release" not in flat
