"""The generated project's own safety nets work: git keeps secrets and build
output out of commits, and its tests (doctests included) fail when its code is
broken.

Checked with the real tools on a real render: ``git init`` and
``git check-ignore`` / ``git status``; ``uv sync`` and the project's pytest,
after planting a defect.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from support.commands import require_interpreter, run, uv
from support.facts import DEFAULT_PYTHON_MIN, supported_versions
from support.rendering import project_files
from support.workflows import github_env, load_workflow, run_step, step_named

# What a developer's machine and the project's tools leave in the working tree.
# None of it may be committed: secrets (llm and friends read API keys from
# .env), the environment, build output, caches, coverage data, editor files.
DEBRIS = [
    ".env",
    ".envrc",
    ".venv/bin/python",
    "dist/acme_widgets-0.1.0-py3-none-any.whl",
    "dist/acme_widgets-0.1.0.tar.gz",
    "build/lib/acme_widgets/core.py",
    "src/acme_widgets.egg-info/PKG-INFO",
    "src/acme_widgets/__pycache__/core.cpython-312.pyc",
    "tests/__pycache__/test_acme_widgets.cpython-312-pytest-9.0.0.pyc",
    ".mypy_cache/3.12/acme_widgets/core.data.json",
    ".ruff_cache/0.17.0/12345",
    ".pytest_cache/v/cache/lastfailed",
    ".coverage",
    ".coverage.host.1234.XYZ",
    "coverage.xml",
    "htmlcov/index.html",
    ".idea/workspace.xml",
    ".vscode/settings.json",
    ".DS_Store",
]


def test_gitignore_keeps_secrets_and_build_output_out_but_not_the_project(
    render_fresh: Any,
) -> None:
    project = render_fresh(project_kind="cli")
    sources = project_files(project) | {"uv.lock"}  # uv.lock is committed, see the README
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


def test_gitignore_check_can_fail(render_shared: Any, tmp_path: Path) -> None:
    """The counterpart: with the .env line gone, git would commit the secrets."""
    project = tmp_path / "project"
    project.mkdir()
    rendered = (render_shared() / ".gitignore").read_text(encoding="utf-8")
    (project / ".gitignore").write_text(re.sub(r"(?m)^\.env$\n", "", rendered), encoding="utf-8")
    (project / ".env").write_text("OPENAI_API_KEY=planted\n", encoding="utf-8")
    run(["git", "init", "-q", "-b", "main"], project)
    assert run(["git", "check-ignore", ".env"], project, check=False).returncode == 1


def failed_tests(project: Path, python: str) -> set[str]:
    """The node ids pytest reports as failed (the run must fail, or pass with none)."""
    out = uv(
        "run", "pytest", "-p", "no:cacheprovider", "-q", "-rf", cwd=project, env={"UV_PYTHON": python}, check=False
    )
    failed = set(re.findall(r"^FAILED (\S+)", out.stdout, re.MULTILINE))
    assert out.returncode == (1 if failed else 0), out.stdout + out.stderr
    return failed


@pytest.mark.slow
def test_the_generated_tests_and_doctests_fail_on_broken_code(render_fresh: Any) -> None:
    """Doctests in src/ are collected, each planted defect fails exactly the
    tests that name the behaviour it breaks, and mypy refuses untyped code."""
    python = require_interpreter(supported_versions(DEFAULT_PYTHON_MIN)[0])
    project = render_fresh(project_kind="cli")
    uv("sync", cwd=project, env={"UV_PYTHON": python})
    core = project / "src/acme_widgets/core.py"
    original = core.read_text(encoding="utf-8")
    assert failed_tests(project, python) == set()

    # A doctest that no longer holds, and nothing else broken.
    core.write_text(original.replace("'Hello, Ada!'", "'Hello, Grace!'"), encoding="utf-8")
    assert failed_tests(project, python) == {"src/acme_widgets/core.py::acme_widgets.core.greet"}

    # greet forgets the name: the doctest, the unit tests and the command's tests say so.
    core.write_text(
        original.replace("return f\"Hello, {name or 'World'}!\"", 'return "Hello, World!"'), encoding="utf-8"
    )
    assert failed_tests(project, python) == {
        "src/acme_widgets/core.py::acme_widgets.core.greet",
        "tests/test_acme_widgets.py::test_greet_greets_by_name",
        "tests/test_acme_widgets.py::test_greet_ignores_surrounding_whitespace",
        "tests/test_cli.py::test_main_prints_a_greeting",
        "tests/test_cli.py::test_python_dash_m_runs_the_command",
    }

    # The version printed by the command no longer comes from the metadata.
    core.write_text(original, encoding="utf-8")
    init = project / "src/acme_widgets/__init__.py"
    init.write_text(init.read_text(encoding="utf-8").replace('version("acme-widgets")', '"0.0.0"'), encoding="utf-8")
    assert failed_tests(project, python) == {
        "tests/test_acme_widgets.py::test_version_comes_from_the_installed_metadata",
    }

    # mypy is strict: a function without annotations is an error, not silently Any.
    init.write_text(init.read_text(encoding="utf-8") + "\n\ndef untyped(x):\n    return x\n", encoding="utf-8")
    mypy = uv("run", "mypy", cwd=project, env={"UV_PYTHON": python}, check=False)
    assert mypy.returncode == 1, mypy.stdout
    assert "Function is missing a type annotation  [no-untyped-def]" in mypy.stdout


# A defect that exactly one of CI's checks is there to catch, by the step's name.
CI_DEFECTS = {
    "Lint": ("import os\n", "\n"),  # F401, formatted and typed
    "Check formatting": ("", "\n\nPLANTED = [1,2]\n"),  # E231 is left to the formatter
    "Type-check": ("", '\n\nPLANTED: int = "1"\n'),
    "Test": ("", "\n\ndef test_planted() -> None:\n    assert greet('Ada') == 'Hi'\n"),
}


@pytest.mark.slow
def test_each_ci_check_fails_on_the_defect_it_is_there_for(render_fresh: Any) -> None:
    """ci.yml's steps, run like the runner, with a defect that one of them is
    there to catch: that step fails (its exit status is not swallowed). On clean
    code they pass: tests/test_workflows.py runs the jobs."""
    python = require_interpreter(supported_versions(DEFAULT_PYTHON_MIN)[0])
    project = render_fresh()
    jobs = load_workflow(project, "ci.yml")["jobs"].values()
    env = {**github_env(), "UV_PYTHON": python}
    core = project / "src/acme_widgets/core.py"
    original = core.read_text(encoding="utf-8")
    for name, (head, tail) in CI_DEFECTS.items():
        [job] = [job for job in jobs if any(s.get("name") == name for s in job.get("steps", []))]
        step = step_named(job, f"^{name}$")
        run_step(job, step_named(job, "^Install"), project, env)
        if name == "Test":  # a failing test, in the tests directory
            (project / "tests/test_planted.py").write_text("from acme_widgets import greet\n" + tail, encoding="utf-8")
        else:
            core.write_text(head + original + tail, encoding="utf-8")
        failed = run_step(job, step, project, env, check=False)
        assert failed.returncode != 0, f"step {name!r} passed with a planted defect:\n{failed.stdout}"
        core.write_text(original, encoding="utf-8")
        (project / "tests/test_planted.py").unlink(missing_ok=True)
