"""`copier update` from the first release (1.0.0, before them) brings the git hooks, the lint
job and the keywords into a project the user has edited, keeps every edit, and the updated project's
hooks and lint job pass."""

from __future__ import annotations

from pathlib import Path

import pytest

from support.commands import require_interpreter, run, uv
from support.facts import parse_yaml
from support.hooks import RUNNERS, hooks, prepare, run_hooks
from support.rendering import read_answers, read_pyproject
from support.updates import CI_YML, assert_no_conflicts, commit_all, render, render_project, update
from support.workflows import github_env, load_workflow, run_job, steps_using

PRE_COMMIT_CONFIG = ".pre-commit-config.yaml"


@pytest.mark.slow
def test_update_from_the_first_release_brings_hooks_lint_job_and_keywords(
    first_release_to_head_repo: tuple[Path, str, str], runner_env: dict[str, str], tmp_path: Path
) -> None:
    template, released, head = first_release_to_head_repo
    project = render_project(template, tmp_path / "project", released, project_kind="llm-plugin")
    assert not (project / PRE_COMMIT_CONFIG).exists(), f"{released} has git hooks: the first release had none"
    # The user's edits: a renamed CI step, a coverage threshold, a module with its test, README text.
    ci = (project / CI_YML).read_text(encoding="utf-8")
    # A comment line the template keeps: the user's edit merges without a conflict.
    assert ci.count("  # A new push to a pull request supersedes the run in progress; runs on main\n") == 1
    (project / CI_YML).write_text(
        ci.replace(
            "  # A new push to a pull request supersedes the run in progress; runs on main\n",
            "  # Ours: a new push to a pull request supersedes the run in progress; runs on main\n",
        ),
        encoding="utf-8",
    )
    pyproject = (project / "pyproject.toml").read_text(encoding="utf-8")
    (project / "pyproject.toml").write_text(
        pyproject.replace("show_missing = true\n", "show_missing = true\nfail_under = 90\n"), encoding="utf-8"
    )
    package = read_pyproject(project)["project"]["name"].replace("-", "_")
    (project / "src" / package / "extra.py").write_text(
        'def shout(text: str) -> str:\n    """Loud.\n\n    >>> shout("hi")\n    \'HI\'\n    """\n'
        "    return text.upper()\n",
        encoding="utf-8",
    )
    (project / "tests" / "test_extra.py").write_text(
        f'from {package}.extra import shout\n\n\ndef test_shout() -> None:\n    assert shout("a") == "A"\n',
        encoding="utf-8",
    )
    with (project / "README.md").open("a", encoding="utf-8") as readme:
        readme.write("\n## Our notes\n\nKept across updates.\n")
    commit_all(project, "User edits")

    update(project, "--vcs-ref", head)

    assert_no_conflicts(project)
    fresh = render(template, tmp_path / "fresh", head, project_kind="llm-plugin")
    # The hooks arrive as in a fresh render ...
    assert (project / PRE_COMMIT_CONFIG).read_text(encoding="utf-8") == (fresh / PRE_COMMIT_CONFIG).read_text(
        encoding="utf-8"
    )
    # ... the lint job too, with the user's step name kept in the test job ...
    jobs = load_workflow(project, "ci.yml")["jobs"]
    assert jobs["lint"] == load_workflow(fresh, "ci.yml")["jobs"]["lint"]
    assert "  # Ours: a new push to a pull request supersedes the run in progress; runs on main\n" in (
        project / CI_YML
    ).read_text(encoding="utf-8")
    # ... zizmor in the dev group, the plugin's default keywords, the user's threshold.
    pyproject_after = read_pyproject(project)
    assert any(d.startswith("zizmor>=") for d in pyproject_after["dependency-groups"]["dev"])
    assert pyproject_after["project"]["keywords"] == ["llm"]
    assert read_answers(project)["keywords"] == ["llm"]
    assert pyproject_after["tool"]["coverage"]["report"]["fail_under"] == 90
    assert "Kept across updates." in (project / "README.md").read_text(encoding="utf-8")
    assert (project / "src" / package / "extra.py").is_file()

    # What the CHANGELOG asks after this update: `uv lock`; then the hooks and the lint job pass.
    (setup_uv,) = steps_using(jobs["lint"], "astral-sh/setup-uv")
    python = require_interpreter(str(setup_uv["with"]["python-version"]))
    uv("lock", cwd=project, env={"UV_PYTHON": python})
    run(["git", "add", "-A"], project)
    prepare(project, python, runner_env)
    for runner in RUNNERS:
        returncode, results, output = run_hooks(runner, project, runner_env)
        assert returncode == 0, output
        assert set(results) == set(hooks(project).values()), output
    run_job(jobs["lint"], project, {**github_env(), "UV_PYTHON": python})
    assert parse_yaml((project / ".copier-answers.yml").read_text(encoding="utf-8"))["_commit"] == head
