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

import fnmatch
import json
import os
import re
import shutil
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from packaging.version import Version

import release_tag  # scripts/release_tag.py: the rule that finds a release's commit
from conftest import (
    DEFAULT_PACKAGE,
    KINDS,
    REQUIRED_ANSWERS,
    TEMPLATE_DIR,
    Render,
    ci_python_versions,
    copier_cli,
    copier_config,
    copy_working_tree,
    data_args,
    kind_files,
    parse_yaml,
    project_files,
    read_answers,
    read_copier_yml,
    read_pyproject,
    require_interpreter,
    run,
    run_generated_checks,
    supported_versions,
    uv,
)

# What makes up the template: everything else in this repository is tests and tooling.
TEMPLATE_PATHS = ("copier.yml", "template", "includes")

PACKAGE = DEFAULT_PACKAGE  # package_name that REQUIRED_ANSWERS lead to
CI_YML = ".github/workflows/ci.yml"
RELEASE_YML = ".github/workflows/release.yml"
CONFLICT_MARKERS = ("<<<<<<< ", "=======", ">>>>>>> ")

# copier clones the template and renders old and new versions into temporary
# directories on every call; on tmpfs that takes half the time it takes on disk.
COPIER_ENV = {"TMPDIR": "/dev/shm"} if os.access("/dev/shm", os.W_OK) else {}  # noqa: S108 (copier's own mkdtemp)


# ---------------------------------------------------------------------------
# The throwaway template repository
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TemplateRepo:
    """A git repository of the template with tags v1.0.0 and v1.1.0."""

    path: Path
    old_checkout_pin: str  # actions.checkout in v1.0.0
    new_checkout_pin: str  # actions.checkout in v1.1.0
    new_python: str  # the Python release v1.1.0 adds as "newest"
    new_ruff_rule: str  # the ruff rule v1.1.0 adds to select
    new_file: str  # a file only v1.1.0 renders
    new_file_text: str
    readme_line: str  # a line v1.1.0 adds to the README template
    skip_if_exists: tuple[str, ...]  # copier.yml's user-owned patterns


def git(*args: str, cwd: Path) -> str:
    """Run git (never signing: the tests commit and tag in throwaway repositories)."""
    return run(["git", "-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false", *args], cwd).stdout


def commit_all(repo: Path, message: str) -> None:
    git("add", "-A", cwd=repo)
    git("commit", "-q", "--allow-empty", "-m", message, cwd=repo)


def snapshot_template(dst: Path) -> None:
    """Copy the template as it is in the working tree, uncommitted work included.

    ``git ls-files --cached --others --exclude-standard`` lists what a commit
    of the working tree would hold: tracked files (minus deleted ones) and
    untracked files that are not ignored (no __pycache__).
    """
    copy_working_tree(dst, *TEMPLATE_PATHS)


def replace_once(path: Path, pattern: str, replacement: str) -> str:
    """Replace the one match of a regex in a file; return the matched text.

    Fails loudly when the template no longer has the text, so the fixture can
    never silently build a v1.1.0 that lacks a change.
    """
    text = path.read_text(encoding="utf-8")
    matches = list(re.finditer(pattern, text, flags=re.MULTILINE))
    assert len(matches) == 1, f"expected one match of {pattern!r} in {path}, got {len(matches)}"
    path.write_text(
        text[: matches[0].start()] + matches[0].expand(replacement) + text[matches[0].end() :], encoding="utf-8"
    )
    return matches[0].group(0)


def make_v1_1_0(repo: Path) -> dict[str, str]:
    """Apply the representative template changes of v1.1.0 to a checkout."""
    facts = repo / "includes" / "facts.yml"

    # A new action pin, as Dependabot-style maintenance of the facts would make it.
    new_sha = "1111111111111111111111111111111111111111"
    old_pin = replace_once(
        facts,
        r'(?<=checkout: ")actions/checkout@[0-9a-f]{40} # v[0-9.]+(?=")',
        f"actions/checkout@{new_sha} # v99.0.0",
    )

    # A new Python release: the newest one so far becomes "bug fixes".
    newest = re.search(r'^\s*"3\.(\d+)": "newest"$', facts.read_text(encoding="utf-8"), flags=re.MULTILINE)
    assert newest, "the facts' python_releases has no newest entry"
    new_python = f"3.{int(newest.group(1)) + 1}"
    replace_once(facts, r'^(\s*)"(3\.\d+)": "newest"$', rf'\1"\2": "bug fixes"\n\1"{new_python}": "newest"')

    # A new ruff rule, appended to the select list.
    pyproject = repo / "template" / "pyproject.toml.jinja"
    select = re.search(r"^select = \[\n(.*?)^\]", pyproject.read_text(encoding="utf-8"), flags=re.MULTILINE | re.DOTALL)
    assert select, "pyproject.toml.jinja has no ruff select list"
    new_rule = next(rule for rule in ("FURB", "PIE", "FLY", "T10") if f'"{rule}"' not in select.group(1))
    replace_once(pyproject, r"^(select = \[\n(?:.*\n)*?)(\])", rf'\1    "{new_rule}",  # added in v1.1.0\n\2')

    # A new file.
    new_file = ".editorconfig"
    new_file_text = "root = true\n\n[*]\nend_of_line = lf\ninsert_final_newline = true\n"
    assert not (repo / "template" / new_file).exists()
    (repo / "template" / new_file).write_text(new_file_text, encoding="utf-8")

    # A changed line in the README template.
    readme_line = "Template v1.1.0 adds this line to the README."
    replace_once(repo / "template" / "README.md.jinja", r"^(## Development\n)", rf"\1\n{readme_line}\n")

    return {
        "old_checkout_pin": old_pin,
        "new_checkout_pin": f"actions/checkout@{new_sha} # v99.0.0",
        "new_python": new_python,
        "new_ruff_rule": new_rule,
        "new_file": new_file,
        "new_file_text": new_file_text,
        "readme_line": readme_line,
    }


@pytest.fixture(scope="session")
def template_repo(tmp_path_factory: pytest.TempPathFactory) -> TemplateRepo:
    """The throwaway template repository, built once per test worker."""
    repo = tmp_path_factory.mktemp("template-repo")
    snapshot_template(repo)
    git("init", "-q", "-b", "main", cwd=repo)
    commit_all(repo, "Template v1.0.0")
    git("tag", "v1.0.0", cwd=repo)
    changes = make_v1_1_0(repo)
    commit_all(repo, "Template v1.1.0")
    git("tag", "v1.1.0", cwd=repo)
    skip = read_copier_yml(repo)["_skip_if_exists"]
    return TemplateRepo(path=repo, skip_if_exists=tuple(skip), **changes)


# ---------------------------------------------------------------------------
# Projects
# ---------------------------------------------------------------------------


def copier(*args: str | Path, cwd: Path, check: bool = False) -> Any:
    """The real copier CLI (never --trust), its temporary files on tmpfs where there is one."""
    return copier_cli(*args, cwd=cwd, check=check, env=COPIER_ENV)


def render(template: Path, dst: Path, ref: str, **answers: Any) -> Path:
    """``copier copy`` of one template version; ``_src_path`` is absolute."""
    assert template.is_absolute()
    assert dst.is_absolute()
    copier(
        "copy",
        "--quiet",
        "--defaults",
        "--vcs-ref",
        ref,
        *data_args({**REQUIRED_ANSWERS, **answers}),
        template,
        dst,
        cwd=dst.parent,
        check=True,
    )
    return dst


def render_project(template: Path, dst: Path, ref: str, **answers: Any) -> Path:
    """A rendered project in a git repository, the first copy committed."""
    render(template, dst, ref, **answers)
    git("init", "-q", "-b", "main", cwd=dst)
    commit_all(dst, "Initial commit from the template")
    return dst


@pytest.fixture(scope="session")
def v1_0_0_seed(template_repo: TemplateRepo, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An unedited v1.0.0 project, committed: read it, or copy it with ``project_copy``."""
    return render_project(template_repo.path, tmp_path_factory.mktemp("seed") / "project", "v1.0.0")


@pytest.fixture(scope="session")
def v1_1_0_fresh(template_repo: TemplateRepo, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh render of v1.1.0 with the default answers (read only)."""
    return render(template_repo.path, tmp_path_factory.mktemp("fresh") / "project", "v1.1.0")


def project_copy(seed: Path, tmp_path: Path) -> Path:
    """A private copy of a committed project (git repository included): faster than a render."""
    return Path(shutil.copytree(seed, tmp_path / "project", symlinks=True))


def update(project: Path, *args: str, check: bool = True) -> Any:
    """``copier update`` without questions: --defaults reuses the recorded answers."""
    return copier("update", "--defaults", *args, project, cwd=project, check=check)


def committable(project: Path) -> dict[str, str]:
    """Every file git would commit (tracked or untracked, not ignored): path -> text."""
    listed = git("ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=project)
    return {
        name: (project / name).read_text(encoding="utf-8")
        for name in listed.split("\0")
        if name and (project / name).is_file()
    }


def rendered(project: Path) -> dict[str, str]:
    """Every file of a fresh render (no git repository): path -> text."""
    return {name: (project / name).read_text(encoding="utf-8") for name in project_files(project)}


def assert_no_conflicts(project: Path) -> None:
    """No conflict markers, no .rej files, no unmerged paths."""
    for name, text in committable(project).items():
        marked = [line for line in text.splitlines() if line.startswith(CONFLICT_MARKERS)]
        assert not marked, f"conflict markers in {name}: {marked}"
    status = git("status", "--porcelain", "--ignored", cwd=project)
    assert ".rej" not in status, status
    assert git("ls-files", "--unmerged", cwd=project) == ""


def user_owned(name: str, patterns: tuple[str, ...]) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns)


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


def released_versions() -> list[tuple[str, str]]:
    """(tag, commit) of each version CHANGELOG.md declares released, newest first.

    The commit is the version's tag where the clone has it, else found in
    CHANGELOG.md's history (scripts/release_tag.py's rule, the one the
    release workflow tags by): CI's fresh clone may carry no tags. In the
    release commit itself (or before it is committed) the newest version is
    what is under test: it is left out.
    """
    changelog = release_tag.parse_changelog((TEMPLATE_DIR / "CHANGELOG.md").read_text(encoding="utf-8"))
    head = run(["git", "rev-parse", "HEAD"], TEMPLATE_DIR).stdout.strip()
    found = []
    for release in changelog.releases:
        commit = release_tag.release_commit(TEMPLATE_DIR, release.version)
        if commit is not None and commit != head:
            found.append((release.tag, commit))
    return found


def previous_release() -> tuple[str, str] | None:
    """(tag, commit) of this repository's newest released version (released_versions)."""
    return next(iter(released_versions()), None)


def release_and_head(tmp_path_factory: pytest.TempPathFactory, found: tuple[str, str] | None) -> tuple[Path, str, str]:
    """A clone of this repository at the release ``found``, with the working tree's template
    committed as a newer tag: (clone, release tag, newer tag)."""
    if found is None:
        pytest.skip(
            "no released version in CHANGELOG.md whose commit this clone has (a shallow clone: `git fetch --unshallow`)"
        )
    tag, commit = found
    clone = tmp_path_factory.mktemp("release-clone") / "template"
    run(["git", "clone", "-q", "--no-checkout", TEMPLATE_DIR, clone], TEMPLATE_DIR)
    git("checkout", "-q", commit, cwd=clone)
    if not git("tag", "--list", tag, cwd=clone).strip():
        git("tag", tag, commit, cwd=clone)  # the release, as the release workflow tags it
    git("switch", "-q", "-c", "head-under-test", cwd=clone)
    for path in TEMPLATE_PATHS:
        if (clone / path).is_dir():
            shutil.rmtree(clone / path)
        else:
            (clone / path).unlink(missing_ok=True)
    snapshot_template(clone)
    commit_all(clone, "The template at HEAD, uncommitted work included")
    release = (*Version(tag).release, 0, 0)
    newer = f"v{release[0]}.{release[1]}.{release[2] + 1}"
    git("tag", newer, cwd=clone)
    return clone, tag, newer


@pytest.fixture(scope="session")
def release_to_head_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str]:
    """The newest release and the working tree's template as a newer tag (release_and_head)."""
    return release_and_head(tmp_path_factory, previous_release())


@pytest.fixture(scope="session")
def first_release_to_head_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str]:
    """The first release (1.0.0: no git hooks, no docs) and the working tree's template as a
    newer tag: what projects made before a capability existed get from `copier update`."""
    return release_and_head(tmp_path_factory, next(iter(reversed(released_versions())), None))


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
