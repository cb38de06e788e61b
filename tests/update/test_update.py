"""`copier update`: a project keeps every user edit and gets every template change.

The tests build a throwaway git repository of the template (never this
repository's own tags): the current template tree committed as ``v1.0.0``, then
representative changes committed as ``v1.1.0`` (a new action pin, a new Python
version, a new ruff rule, a new file, a changed README line). Projects are
rendered and updated with the real ``copier`` CLI, never with ``--trust``.

Ownership model under test (copier.yml, ``_skip_if_exists``): README.md,
CHANGELOG.md, the package's modules and tests/test_*.py belong to the user after
the first copy, so an update leaves them exactly as they are; every other file
is managed by the template, so an update brings the template's changes and
merges the user's edits into them, or shows a conflict.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest

from support.commands import git, require_interpreter, run_generated_checks, uv
from support.facts import (
    KINDS,
    ci_python_versions,
    copier_config,
    kind_files,
    parse_yaml,
    read_copier_yml,
    supported_versions,
)
from support.rendering import Render, project_files, read_answers, read_pyproject
from support.updates import (
    CI_YML,
    CONFLICT_MARKERS,
    PACKAGE,
    RELEASE_YML,
    TemplateRepo,
    assert_no_conflicts,
    commit_all,
    committable,
    copier,
    project_copy,
    render,
    render_project,
    rendered,
    update,
    user_owned,
)

# ---------------------------------------------------------------------------
# The throwaway template repository
# ---------------------------------------------------------------------------


# ---------------------------------------------------------------------------
# Projects
# ---------------------------------------------------------------------------


# ---------------------------------------------------------------------------
# The ownership model itself
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_skip_if_exists_covers_exactly_the_user_owned_files(render_shared: Render, kind: str) -> None:
    """Code, tests, README and CHANGELOG are the user's; workflows and configuration are not."""
    project = render_shared(project_kind=kind)
    package = read_answers(project)["package_name"]
    owned = {name for name in project_files(project) if user_owned(name, tuple(copier_config()["_skip_if_exists"]))}
    expected = {
        "README.md",
        "CHANGELOG.md",
        f"src/{package}/__init__.py",
        f"src/{package}/core.py",
        f"tests/test_{package}.py",
    }
    expected |= kind_files(kind, package)
    # The documentation's pages; docs/conf.py stays the template's.
    expected |= {"docs/index.md", "docs/api.md", "docs/changelog.md", "docs/development.md"}
    assert owned == expected


# ---------------------------------------------------------------------------
# The full path: user edits, update, checks
# ---------------------------------------------------------------------------

USER_MODULE = '''\
"""Shouting: a module the project's author added after the first copy."""


def shout(text: str) -> str:
    """Return the text in capitals, with an exclamation mark.

    >>> shout("hello")
    'HELLO!'
    """
    return f"{text.upper()}!"
'''

USER_TEST = f'''\
"""Tests of the module the project's author added."""

from {PACKAGE}.shout import shout


def test_shout_capitalises_and_exclaims() -> None:
    assert shout("hi") == "HI!"
'''

USER_README_PARAGRAPH = "\n## Our notes\n\nA paragraph the project's author wrote.\n"
USER_DESCRIPTION = "Widgets for Acme, now with shouting"


@pytest.mark.slow
def test_update_keeps_every_user_edit_and_brings_every_template_change(
    template_repo: TemplateRepo, v1_0_0_seed: Path, tmp_path: Path
) -> None:
    project = project_copy(v1_0_0_seed, tmp_path)
    python = require_interpreter(read_answers(project)["python_min"])
    env = {"UV_PYTHON": python}

    # The user's edits, the way people make them.
    (project / "src" / PACKAGE / "shout.py").write_text(USER_MODULE, encoding="utf-8")
    (project / "tests" / "test_shout.py").write_text(USER_TEST, encoding="utf-8")
    uv("add", "six", cwd=project, env=env)
    with (project / "README.md").open("a", encoding="utf-8") as readme:
        readme.write(USER_README_PARAGRAPH)
    ci = (project / CI_YML).read_text(encoding="utf-8")
    assert ci.count("- name: Type-check\n") == 1
    (project / CI_YML).write_text(ci.replace("- name: Type-check\n", "- name: Type-check strictly\n"), encoding="utf-8")
    commit_all(project, "User edits")
    before = committable(project)
    user_pyproject = read_pyproject(project)
    assert any(dep.startswith("six") for dep in user_pyproject["project"]["dependencies"])

    update(project, "--vcs-ref", "v1.1.0", "--data", f"description={USER_DESCRIPTION}")
    after = committable(project)

    assert_no_conflicts(project)
    assert read_answers(project)["_commit"] == "v1.1.0"
    assert read_answers(project)["description"] == USER_DESCRIPTION

    # What the template manages is exactly a fresh v1.1.0 render (with the new
    # answer) plus the user's edits to it.
    fresh = rendered(render(template_repo.path, tmp_path / "fresh", "v1.1.0", description=USER_DESCRIPTION))
    assert after[CI_YML] == fresh[CI_YML].replace("- name: Type-check\n", "- name: Type-check strictly\n")
    pyproject = read_pyproject(project)
    fresh_pyproject = tomllib.loads(fresh["pyproject.toml"])
    assert pyproject["project"]["dependencies"] == user_pyproject["project"]["dependencies"]
    fresh_pyproject["project"]["dependencies"] = user_pyproject["project"]["dependencies"]
    assert pyproject == fresh_pyproject
    for name in fresh.keys() - {CI_YML, "pyproject.toml"}:
        expected = before[name] if user_owned(name, template_repo.skip_if_exists) else fresh[name]
        assert after[name] == expected, name
    # The user's own files are untouched, and nothing else appeared.
    for name in before.keys() - fresh.keys():
        assert after[name] == before[name], name
    assert after.keys() == before.keys() | fresh.keys()

    # Spelled out: every template change arrived ...
    for workflow in (CI_YML, RELEASE_YML):
        assert template_repo.new_checkout_pin in after[workflow]
        assert template_repo.old_checkout_pin not in after[workflow]
    matrix = parse_yaml(after[CI_YML])["jobs"]["test"]["strategy"]["matrix"]["python-version"]
    assert matrix[-1] == template_repo.new_python
    assert f"Programming Language :: Python :: {template_repo.new_python}" in pyproject["project"]["classifiers"]
    assert template_repo.new_ruff_rule in pyproject["tool"]["ruff"]["lint"]["select"]
    assert after[template_repo.new_file] == template_repo.new_file_text
    assert pyproject["project"]["description"] == USER_DESCRIPTION
    # ... except into the README, which is the user's: it stays as they left it.
    assert template_repo.readme_line in fresh["README.md"]
    assert after["README.md"] == before["README.md"]
    assert after["README.md"].endswith(USER_README_PARAGRAPH)
    # ... and every user edit is still there.
    assert after[f"src/{PACKAGE}/shout.py"] == USER_MODULE
    assert after["tests/test_shout.py"] == USER_TEST
    assert after["uv.lock"] == before["uv.lock"]
    assert "- name: Type-check strictly\n" in after[CI_YML]

    # The updated project still locks, checks, tests and builds.
    uv("lock", "--check", cwd=project, env=env)
    run_generated_checks(project, python)


def test_update_merges_around_a_released_version_and_added_dependencies(
    template_repo: TemplateRepo, v1_0_0_seed: Path, tmp_path: Path
) -> None:
    """Every project that has released has bumped its version: updates must merge around it.

    `uv version --bump` and `uv add` rewrite pyproject.toml, a template-managed
    file, next to lines the template renders from answers (name, description,
    requires-python). git's merge treats edits to adjacent lines as one
    conflict, so the version line must not touch a rendered line.
    """
    project = project_copy(v1_0_0_seed, tmp_path)
    env = {"UV_PYTHON": require_interpreter(read_answers(project)["python_min"])}
    uv("version", "--bump", "minor", cwd=project, env=env)
    uv("add", "six", cwd=project, env=env)
    commit_all(project, "Release 0.2.0, depend on six")
    user_pyproject = read_pyproject(project)
    assert user_pyproject["project"]["version"] == "0.2.0"

    update(project, "--vcs-ref", "v1.1.0", "--data", f"description={USER_DESCRIPTION}")

    assert_no_conflicts(project)
    pyproject = read_pyproject(project)
    assert pyproject["project"]["version"] == "0.2.0"
    assert pyproject["project"]["dependencies"] == user_pyproject["project"]["dependencies"]
    assert pyproject["project"]["description"] == USER_DESCRIPTION
    assert template_repo.new_ruff_rule in pyproject["tool"]["ruff"]["lint"]["select"]
    assert read_answers(project)["_commit"] == "v1.1.0"
    # The lock still matches: the project's own version and dependencies are unchanged.
    uv("lock", "--check", cwd=project, env=env)
    # And the next release bumps from where the user left off.
    assert uv("version", "--bump", "patch", "--dry-run", "--short", cwd=project, env=env).stdout.strip() == "0.2.1"


# ---------------------------------------------------------------------------
# Conflicts
# ---------------------------------------------------------------------------

USER_CHECKOUT_PIN = "actions/checkout@2222222222222222222222222222222222222222 # v7.0.2"


def project_with_conflicting_edit(template_repo: TemplateRepo, v1_0_0_seed: Path, tmp_path: Path) -> Path:
    """A v1.0.0 project whose user re-pinned checkout in ci.yml, the line v1.1.0 changes too.

    The user also renamed a step further down: an edit that does not conflict.
    """
    project = project_copy(v1_0_0_seed, tmp_path)
    ci = (project / CI_YML).read_text(encoding="utf-8")
    # The first job's checkout (each job that checks out has one; the others stay).
    assert ci.count(template_repo.old_checkout_pin) >= 1
    ci = ci.replace(template_repo.old_checkout_pin, USER_CHECKOUT_PIN, 1)
    ci = ci.replace("- name: Type-check\n", "- name: Type-check strictly\n")
    (project / CI_YML).write_text(ci, encoding="utf-8")
    commit_all(project, "Pin checkout differently")
    return project


def test_conflicting_edits_become_inline_markers_with_both_sides(
    template_repo: TemplateRepo, v1_0_0_seed: Path, tmp_path: Path
) -> None:
    project = project_with_conflicting_edit(template_repo, v1_0_0_seed, tmp_path)

    update(project, "--vcs-ref", "v1.1.0")

    ci = (project / CI_YML).read_text(encoding="utf-8")
    lines = ci.splitlines()
    start, middle, end = (
        lines.index("<<<<<<< before updating"),
        lines.index("======="),
        lines.index(">>>>>>> after updating"),
    )
    assert start < middle < end
    ours = "\n".join(lines[start:middle])
    theirs = "\n".join(lines[middle:end])
    assert USER_CHECKOUT_PIN in ours
    assert template_repo.new_checkout_pin in theirs
    assert template_repo.old_checkout_pin not in ci
    assert "- name: Type-check strictly\n" in ci  # the edit that did not conflict is merged
    # git sees the conflict too: `git status` lists ci.yml as unmerged.
    assert git("diff", "--name-only", "--diff-filter=U", cwd=project).split() == [CI_YML]
    # Nothing else conflicted: release.yml has the new pin.
    release = (project / RELEASE_YML).read_text(encoding="utf-8")
    assert template_repo.new_checkout_pin in release
    assert "<<<<<<<" not in release
    assert read_answers(project)["_commit"] == "v1.1.0"


def test_conflicting_edits_become_rej_files_on_request(
    template_repo: TemplateRepo, v1_0_0_seed: Path, tmp_path: Path
) -> None:
    project = project_with_conflicting_edit(template_repo, v1_0_0_seed, tmp_path)

    update(project, "--vcs-ref", "v1.1.0", "--conflict", "rej")

    # The template's side is in the file, the user's rejected hunk beside it.
    ci = (project / CI_YML).read_text(encoding="utf-8")
    assert template_repo.new_checkout_pin in ci
    assert "- name: Type-check strictly\n" in ci  # the hunk that applied
    assert not any(line.startswith(CONFLICT_MARKERS) for line in ci.splitlines())
    rejected = (project / f"{CI_YML}.rej").read_text(encoding="utf-8")
    assert f"+      - uses: {USER_CHECKOUT_PIN}" in rejected.splitlines()
    assert f"-      - uses: {template_repo.old_checkout_pin}" in rejected.splitlines()
    rej_files = sorted(p.relative_to(project).as_posix() for p in project.rglob("*.rej"))
    assert rej_files == [f"{CI_YML}.rej"]


# ---------------------------------------------------------------------------
# Answers changed at update time
# ---------------------------------------------------------------------------


@pytest.mark.slow
def test_update_with_a_new_python_min_regenerates_everything_derived(v1_0_0_seed: Path, tmp_path: Path) -> None:
    """Everything derived follows the new answer; uv.lock (the user's) needs `uv lock`."""
    env = {"UV_PYTHON": require_interpreter("3.12")}
    project = project_copy(v1_0_0_seed, tmp_path)
    uv("lock", cwd=project, env=env)
    commit_all(project, "Lock")
    # v1.0.0 of the throwaway repository is this working tree's template.
    assert read_answers(project)["python_min"] != "3.12"
    versions = supported_versions("3.12")

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
    assert python_classifiers == versions
    assert "target-version" not in pyproject["tool"]["ruff"]  # ruff reads requires-python
    assert pyproject["tool"]["mypy"]["python_version"] == "3.12"
    ci = parse_yaml((project / CI_YML).read_text(encoding="utf-8"))
    assert ci["jobs"]["test"]["strategy"]["matrix"]["python-version"] == ci_python_versions("3.12")
    # uv.lock records requires-python: CI (`uv sync --locked`) would fail until
    # the user re-locks, as the generated README says.
    stale = uv("lock", "--check", cwd=project, env=env, check=False)
    assert stale.returncode != 0
    assert "needs to be updated" in stale.stderr


# ---------------------------------------------------------------------------
# Convergence and check-update
# ---------------------------------------------------------------------------


def test_updating_an_unedited_project_converges_to_a_fresh_render(
    v1_0_0_seed: Path, v1_1_0_fresh: Path, tmp_path: Path
) -> None:
    project = project_copy(v1_0_0_seed, tmp_path)
    before = committable(project)

    update(project, "--vcs-ref", "v1.1.0")

    assert_no_conflicts(project)
    after = committable(project)
    fresh = rendered(v1_1_0_fresh)
    assert after.keys() == fresh.keys()
    # Identical, answers file included, except the README: the template changed
    # it, and the README is the user's from the first copy on.
    differing = {name for name in fresh if after[name] != fresh[name]}
    assert differing == {"README.md"}
    assert after["README.md"] == before["README.md"]


def test_check_update_reports_the_newer_version(v1_0_0_seed: Path, v1_1_0_fresh: Path) -> None:
    report = copier("check-update", "--output-format", "json", v1_0_0_seed, cwd=v1_0_0_seed, check=True)
    assert json.loads(report.stdout) == {
        "update_available": True,
        "current_version": "1.0.0",
        "latest_version": "1.1.0",
    }
    assert copier("check-update", "-q", v1_0_0_seed, cwd=v1_0_0_seed).returncode == 2
    # A project at the newest version is up to date.
    assert copier("check-update", "-q", v1_1_0_fresh, cwd=v1_1_0_fresh).returncode == 0


# ---------------------------------------------------------------------------
# Deletions
# ---------------------------------------------------------------------------


def test_deleted_managed_files_stay_deleted_and_deleted_user_files_return(v1_0_0_seed: Path, tmp_path: Path) -> None:
    """copier respects a deleted template-managed file; a _skip_if_exists file comes back.

    That is copier's rule for _skip_if_exists ("skipped if it exists"), which
    the generated README documents: delete such a file again after an update.
    """
    project = project_copy(v1_0_0_seed, tmp_path)
    (project / ".github" / "dependabot.yml").unlink()
    (project / "CHANGELOG.md").unlink()
    commit_all(project, "Delete Dependabot and the changelog")

    update(project, "--vcs-ref", "v1.1.0")

    assert not (project / ".github" / "dependabot.yml").exists()
    assert (project / "CHANGELOG.md").is_file()


# ---------------------------------------------------------------------------
# Regression: this repository's last release updates cleanly to HEAD
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_previous_release_updates_cleanly_to_head(
    release_to_head_repo: tuple[Path, str, str], kind: str, tmp_path: Path
) -> None:
    template, released, head = release_to_head_repo
    project = render_project(template, tmp_path / "project", released, project_kind=kind)
    old = committable(project)
    patterns = tuple(read_copier_yml(template)["_skip_if_exists"])

    update(project, "--vcs-ref", head)

    assert_no_conflicts(project)
    assert read_answers(project)["_commit"] == head
    after = committable(project)
    fresh = rendered(render(template, tmp_path / "fresh", head, project_kind=kind))
    # Every file is HEAD's fresh render, or a user-owned file kept as it was.
    for name in after.keys() | fresh.keys():
        if after.get(name) != fresh.get(name):
            assert user_owned(name, patterns), f"{name} differs from a fresh render of HEAD"
            assert after.get(name) == old.get(name), f"{name} changed although it is the user's"


def test_released_project_updates_to_head_with_the_preflight(
    release_to_head_repo: tuple[Path, str, str], tmp_path: Path
) -> None:
    """A project of the previous release that has bumped its version and added a dev tool
    takes HEAD's release workflow (preflight job and script) and `required-version` cleanly."""
    template, released, head = release_to_head_repo
    project = render_project(template, tmp_path / "project", released)
    uv("version", "--bump", "minor", "--frozen", cwd=project)
    # Sorted in before "mypy": a dev tool sorted after "ruff" meets 1.1.0's new zizmor line.
    uv("add", "--dev", "hypothesis", "--frozen", cwd=project)
    commit_all(project, "Release 0.2.0 with hypothesis")

    update(project, "--vcs-ref", head)

    assert_no_conflicts(project)
    pyproject = read_pyproject(project)
    assert pyproject["project"]["version"] == "0.2.0"
    assert any(dep.startswith("hypothesis") for dep in pyproject["dependency-groups"]["dev"])
    head_config = read_copier_yml(template)
    assert pyproject["tool"]["uv"]["required-version"] == f">={head_config['uv_min_version']['default']}"
    release = parse_yaml((project / ".github" / "workflows" / "release.yml").read_text(encoding="utf-8"))
    assert "preflight" in release["jobs"]
    assert (project / ".github" / "scripts" / "release_preflight.py").is_file()
