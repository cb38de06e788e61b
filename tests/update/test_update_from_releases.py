"""`copier update` from this repository's own releases to the working tree's template:
an edited project keeps every edit and gets what was added since (docs, hooks, the lint job,
the matrix), and its checks pass afterwards."""

from __future__ import annotations

from pathlib import Path

import pytest

from support.commands import git, require_interpreter, run, uv
from support.docs import DOCS_FILES, DOCS_HTML, build_docs, page_text
from support.facts import DEFAULT_PYTHON_MIN, FREE_THREADED, OS_RUNNERS, ci_python_versions, parse_yaml
from support.hooks import RUNNERS, hooks, prepare, run_hooks
from support.rendering import read_answers, read_pyproject
from support.updates import CI_YML, assert_no_conflicts, commit_all, committable, render, render_project, update
from support.workflows import github_env, load_workflow, matrix_entries, run_job, step_named, steps_using

PRE_COMMIT_CONFIG = ".pre-commit-config.yaml"

USER_README = "\n## Our notes\n\nA paragraph the project's author wrote, shown on the site too.\n"


USER_CHANGELOG_LINE = "- Something the author changed."


@pytest.mark.slow
def test_update_from_the_first_release_adds_the_docs_and_keeps_the_edits(
    first_release_to_head_repo: tuple[Path, str, str], tmp_path: Path
) -> None:
    template, released, head = first_release_to_head_repo
    project = render_project(template, tmp_path / "project", released)
    assert not (project / "docs").exists(), f"{released} has docs: the first release should have none"
    readme, changelog = project / "README.md", project / "CHANGELOG.md"
    readme.write_text(readme.read_text(encoding="utf-8") + USER_README, encoding="utf-8")
    changelog.write_text(
        changelog.read_text(encoding="utf-8").replace(
            "## [Unreleased]\n", f"## [Unreleased]\n\n### Changed\n\n{USER_CHANGELOG_LINE}\n", 1
        ),
        encoding="utf-8",
    )
    ci = project / ".github" / "workflows" / "ci.yml"
    ci.write_text(
        # A line the template keeps: the user's edit of it merges without a conflict.
        ci.read_text(encoding="utf-8").replace(
            "  # A new push to a pull request supersedes the run in progress; runs on main\n",
            "  # Ours: a new push to a pull request supersedes the run in progress; runs on main\n",
            1,
        ),
        encoding="utf-8",
    )
    commit_all(project, "User edits")
    before = committable(project)

    update(project, "--vcs-ref", head)  # --defaults: the new docs question takes its default

    assert_no_conflicts(project)
    after = committable(project)
    assert read_answers(project)["docs"] is True
    fresh = render(template, tmp_path / "fresh", head)
    for name in DOCS_FILES:
        assert after[name] == (fresh / name).read_text(encoding="utf-8"), name
    assert after["README.md"] == before["README.md"]
    assert after["CHANGELOG.md"] == before["CHANGELOG.md"]
    assert (
        "  # Ours: a new push to a pull request supersedes the run in progress; runs on main\n"
        in after[".github/workflows/ci.yml"]
    )
    assert "docs" in load_workflow(project, "ci.yml")["jobs"]
    assert {"build-docs", "pages"} <= set(load_workflow(project, "release.yml")["jobs"])
    assert "docs" in read_pyproject(project)["dependency-groups"]
    # The released README (its links to repository files included) builds under -W, edits shown.
    build_docs(project)
    text = page_text(project / DOCS_HTML / "index.html")
    assert "A paragraph the project's author wrote, shown on the site too." in text
    assert USER_CHANGELOG_LINE.removeprefix("- ") in page_text(project / DOCS_HTML / "changelog.html")
    # The built site is no change to commit (.gitignore, updated too).
    status = git("status", "--porcelain", "--untracked-files=all", cwd=project)
    assert "docs/api.md" in status  # git does see the update's new files ...
    assert "docs/_build" not in status  # ... but not the built site


def test_update_from_the_first_release_can_decline_the_docs(
    first_release_to_head_repo: tuple[Path, str, str], tmp_path: Path
) -> None:
    """CHANGELOG "Action needed": `copier update --data docs=false` keeps a project without docs."""
    template, released, head = first_release_to_head_repo
    project = render_project(template, tmp_path / "project", released)
    assert not (project / "docs").exists(), f"{released} has docs: the first release should have none"

    update(project, "--vcs-ref", head, "--data", "docs=false")

    assert_no_conflicts(project)
    assert read_answers(project)["docs"] is False
    assert not (project / "docs").exists()
    assert "docs" not in load_workflow(project, "ci.yml")["jobs"]
    assert "docs" not in read_pyproject(project)["dependency-groups"]


@pytest.mark.slow
def test_update_from_the_previous_release_brings_the_matrix_into_an_edited_project(
    release_to_head_repo: tuple[Path, str, str],
    tmp_path: Path,
) -> None:
    """A v1.0.0 project whose ci.yml the user edited gets the new matrix, keeping the edit;
    `--defaults` answers the new question with Linux alone."""
    template, released, head = release_to_head_repo
    project = render_project(template, tmp_path / "project", released, project_kind="cli")
    ci = project / CI_YML
    text = ci.read_text(encoding="utf-8")
    edited = '  push:\n    branches: [main, "release/**"]\n'
    assert text.count("  push:\n    branches: [main]\n") == 1
    ci.write_text(text.replace("  push:\n    branches: [main]\n", edited), encoding="utf-8")
    commit_all(project, "Run CI on release branches too")

    update(project, "--vcs-ref", head)

    assert_no_conflicts(project)
    assert read_answers(project)["operating_systems"] == ["Linux"]
    text = ci.read_text(encoding="utf-8")
    assert edited in text  # the user's edit
    job = load_workflow(project, "ci.yml")["jobs"]["test"]
    assert job["runs-on"] == "${{ matrix.os }}"
    assert job["strategy"]["matrix"]["os"] == [OS_RUNNERS["Linux"]]
    # --defaults: the oldest and the newest Python (1.2.0 dropped the ones between; CHANGELOG).
    assert read_answers(project)["test_every_python"] is False
    assert job["strategy"]["matrix"]["python-version"] == ci_python_versions(DEFAULT_PYTHON_MIN)
    entries = matrix_entries(job)
    assert [e["python-version"] for e in entries if e.get("lowest-direct")] == [DEFAULT_PYTHON_MIN]
    assert [e["python-version"] for e in entries if e.get("free-threaded")] == [FREE_THREADED]
    assert "markdown-append" in step_named(job, "^Test$")["run"]
    assert step_named(job, "GIL")


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
