"""`copier update` from each release of this repository to the working tree's template.

A project of each release, edited the ways its author edits one (README and CHANGELOG, which are
theirs; a module with its test; a comment and the triggers of ci.yml, a coverage threshold, a
released version and a dev tool in pyproject.toml, which are the template's), updates without a
conflict. From each release, a project of the default kind takes Renovate's command line
(RENOVATE_UPDATE: the pull-request route, which changes no answer), and copier's message after
the update is printed, its `uv lock` line locking exactly when pyproject.toml changed; from the
oldest release (the most changes) and the newest (the update users make next), every kind
updates by hand with a changed answer. Every file is then HEAD's fresh render with the same
answers and edits, or the author's own file as they left it. The oldest release, which gains the
most, then passes its checks once `uv lock` is run, as CHANGELOG.md's "Action needed" says: the
git hooks by both runners, the lint job, the tests, the build and the docs build (the expensive
part: once, for the default kind).
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from packaging.version import Version

from support.commands import git, require_interpreter, run, uv
from support.docs import DOCS_FILES, DOCS_HTML, build_docs, page_text
from support.facts import (
    DEFAULT_PYTHON_MIN,
    FREE_THREADED,
    INITIAL_VERSION,
    KINDS,
    OS_RUNNERS,
    TEMPLATE_DIR,
    UV_MIN,
    ci_python_versions,
    copier_config,
)
from support.hooks import RUNNERS, hooks, prepare, run_hooks
from support.rendering import headings, note_unreleased, read_answers, read_pyproject, replace_once
from support.runner import run_in_place
from support.updates import (
    CI_YML,
    RENOVATE_UPDATE,
    assert_no_conflicts,
    commit_all,
    committable,
    copier,
    release_id,
    released_versions,
    render,
    render_project,
    rendered,
    type_fresh_render,
    update,
    user_owned,
)
from support.workflows import load_workflow, matrix_entries, step_named, steps_using

CHANGELOG = (TEMPLATE_DIR / "CHANGELOG.md").read_text(encoding="utf-8")
RELEASES: list[tuple[str, str] | None] = [*released_versions()] or [None]  # None: skipped, saying why
OLDEST, NEWEST = RELEASES[-1], RELEASES[0]
DEFAULT_KIND = copier_config()["project_kind"]["default"]
# Each release updates a project of the default kind as Renovate does; every kind updates by hand
# from the oldest release and the newest. A new release adds one test, not one per kind or
# route: the suite stays inside its 5 minutes as releases accumulate.
UPDATES = [
    *(pytest.param(release, DEFAULT_KIND, "renovate", id=f"{release_id(release)}-renovate") for release in RELEASES),
    *(
        pytest.param(release, kind, "by hand", id=f"{release_id(release)}-{kind}")
        for release in dict.fromkeys((OLDEST, NEWEST))
        for kind in KINDS
    ),
]
DESCRIPTION = "Widgets for Acme, now with shouting"  # the answer changed at update time
README_PARAGRAPH = "A paragraph the project's author wrote, shown on the site too."
CHANGELOG_LINE = "Something the author changed."
# Edits to lines the template keeps: each merges without a conflict.
CI_EDITS = {
    "  # A new push to a pull request supersedes the run in progress; runs on main\n": (
        "  # Ours: a new push to a pull request supersedes the run in progress; runs on main\n"
    ),
    "\npermissions: {}\n": "\npermissions: {}  # ours: each job asks for its own\n",
}
MODULE = '''\
"""Shouting: a module the project's author added after the first copy."""


def shout(text: str) -> str:
    """Return the text in capitals, with an exclamation mark.

    >>> shout("hello")
    'HELLO!'
    """
    return f"{text.upper()}!"
'''


def edit_managed_files(project: Path) -> None:
    """The author's edits to files the template manages: `copier update` merges them."""
    for old, new in CI_EDITS.items():
        replace_once(project / CI_YML, old, new)
    replace_once(project / "pyproject.toml", "show_missing = true\n", "show_missing = true\nfail_under = 90\n")
    uv("version", "--bump", "minor", "--frozen", cwd=project)  # a released project
    # Sorted in before "mypy": a dev tool sorted after "ruff" meets 1.1.0's new zizmor line.
    uv("add", "--dev", "hypothesis", "--frozen", cwd=project)


@pytest.mark.slow
@pytest.mark.parametrize(("release_to_head_repo", "kind", "route"), UPDATES, indirect=["release_to_head_repo"])
def test_an_edited_project_of_each_release_updates_to_head(
    release_to_head_repo: tuple[Path, str, str], kind: str, route: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    template, released, head = release_to_head_repo
    full_checks = (released, kind, route) == (release_id(OLDEST), DEFAULT_KIND, "by hand")  # once: the slow part
    project = render_project(template, tmp_path / "project", released, project_kind=kind)
    old, old_answers = set(committable(project)), read_answers(project)
    package = old_answers["package_name"]
    with (project / "README.md").open("a", encoding="utf-8") as readme:
        readme.write(f"\n## Our notes\n\n{README_PARAGRAPH}\n")
    note_unreleased(project, f"### Changed\n\n- {CHANGELOG_LINE}")
    (project / "src" / package / "shout.py").write_text(MODULE, encoding="utf-8")
    (project / "tests" / "test_shout.py").write_text(
        f'from {package}.shout import shout\n\n\ndef test_shout() -> None:\n    assert shout("hi") == "HI!"\n',
        encoding="utf-8",
    )
    edit_managed_files(project)
    if full_checks:  # uv.lock committed, as the generated README says
        uv("lock", cwd=project, env={"UV_PYTHON": require_interpreter(DEFAULT_PYTHON_MIN)})
    commit_all(project, "User edits")
    before = committable(project)
    created = before.keys() - old  # the author's new files

    if route == "renovate":  # exactly its command line, in the answers file's folder
        command = shlex.split(RENOVATE_UPDATE.format(tag=head))
        assert command[:2] == ["copier", "update"]
        updated, answered = copier(*command[1:], cwd=project, check=True), dict[str, str]()
    else:
        updated = update(project, "--vcs-ref", head, "--data", f"description={DESCRIPTION}")
        answered = {"description": DESCRIPTION}

    assert_no_conflicts(project)
    after = committable(project)
    # The fresh render replays what the old project recorded, as `copier update` does.
    replayed = {name: old_answers[name] for name in ("keywords", "description") if name in old_answers}
    fresh = render(template, tmp_path / "expected", head, project_kind=kind, **(replayed | answered))
    edit_managed_files(fresh)
    expected = rendered(fresh)  # the answers file included: `_commit` is HEAD's tag
    for name in after.keys() | expected.keys():
        if after.get(name) != expected.get(name):  # only the author's own files, as they left them
            assert user_owned(name) or name in created, f"{name} is not HEAD's render with the author's edits"
            assert after.get(name) == before.get(name), f"{name} changed although it is the author's"
    assert after.keys() == expected.keys() | created  # nothing lost, nothing else appeared

    # The questions added since the release take their defaults (--defaults) ...
    answers, config = read_answers(project), copier_config()
    for name in answers.keys() - old_answers.keys():
        default = config[name].get("default")
        if not (isinstance(default, str) and "{" in default):  # a derived default: the render's, above
            assert answers[name] == default, name
    # ... and what came with them, as CHANGELOG.md lists it: docs, hooks, lint job, preflight, matrix.
    ci, release = load_workflow(project, "ci.yml")["jobs"], load_workflow(project, "release.yml")["jobs"]
    pyproject = read_pyproject(project)
    assert answers["docs"] is True
    assert DOCS_FILES | {".pre-commit-config.yaml", ".github/scripts/release_preflight.py"} <= after.keys()
    assert {"lint", "docs"} <= ci.keys()
    assert {"preflight", "build-docs", "pages"} <= release.keys()
    assert "docs" in pyproject["dependency-groups"]
    assert pyproject["tool"]["uv"]["required-version"] == f">={UV_MIN}"
    if answered:
        assert pyproject["project"]["description"] == DESCRIPTION
    assert ci["test"]["runs-on"] == "${{ matrix.os }}"
    matrix = ci["test"]["strategy"]["matrix"]
    assert matrix["os"] == [OS_RUNNERS[system] for system in config["operating_systems"]["default"]]
    assert matrix["python-version"] == ci_python_versions(DEFAULT_PYTHON_MIN)  # test_every_python=false
    entries = matrix_entries(ci["test"])
    assert [e["python-version"] for e in entries if e.get("lowest-direct")] == [DEFAULT_PYTHON_MIN]
    assert [e["python-version"] for e in entries if e.get("free-threaded")] == [FREE_THREADED]
    assert "markdown-append" in step_named(ci["test"], "^Test$")["run"]
    assert step_named(ci["test"], "GIL")
    # copier's message after the update: printed, and (Renovate's route, from each release) its
    # lock command locks exactly when pyproject.toml changed: these projects had no uv.lock, so
    # it appears then, and only then.
    assert f"Updated to template version {head}" in updated.stderr
    if route == "renovate":
        (lock,) = [line.strip() for line in updated.stderr.splitlines() if line.strip().endswith("uv lock")]
        run(["bash", "-ec", lock], project)
        assert (project / "uv.lock").is_file() == (after["pyproject.toml"] != before["pyproject.toml"])
    if not full_checks:
        return

    # The oldest release had neither docs nor hooks: the update brought them.
    assert not any(name.startswith("docs/") for name in old)
    assert ".pre-commit-config.yaml" not in old
    # Its README, the author's, lacks sections the updated files name; CHANGELOG.md's command
    # (an "Action needed" for such projects), typed in the project, renders HEAD beside it with
    # its answers, and that README has them.
    item = re.search(r"^  - README\.md and `docs/\*\.md` are yours:.*?\n(?=  - |\S|$)", CHANGELOG, re.M | re.S)
    assert item, "CHANGELOG.md: the item on READMEs of projects made with 1.2.x or earlier"
    text = " ".join(item.group(0).split())
    (command,) = re.findall(r"`(uvx copier copy [^`]+)`", text)
    titles = set(re.findall(r'"([^"]+)"', text.split("(SRC")[0]))
    beside = type_fresh_render(command, template, project, ref=head)
    assert titles, text
    assert titles <= headings(beside / "README.md")
    assert titles - headings(project / "README.md")
    # CHANGELOG 1.1.0: the new docs group makes the committed uv.lock stale; `uv lock` again.
    (setup_uv,) = steps_using(ci["lint"], "astral-sh/setup-uv")
    env = {"UV_PYTHON": require_interpreter(str(setup_uv["with"]["python-version"]))}
    assert "needs to be updated" in uv("lock", "--check", cwd=project, env=env, check=False).stderr
    uv("lock", cwd=project, env=env)
    # Then the hooks (both runners, every hook), the lint job, the tests (the author's
    # doctest too) and the build pass ...
    runner_env = request.getfixturevalue("runner_env")
    prepare(project, env["UV_PYTHON"], runner_env)
    for runner in RUNNERS:
        returncode, results, output = run_hooks(runner, project, runner_env)
        assert returncode == 0, output
        assert set(results) == set(hooks(project).values()), output
    lint = run_in_place(project, "lint")
    assert lint.result == "success", lint.log
    tests_run = uv("run", "pytest", "-v", cwd=project, env=env).stdout
    assert "test_shout.py::test_shout PASSED" in tests_run
    assert f"{package}.shout.shout PASSED" in tests_run
    uv("build", cwd=project, env=env)
    # ... the next release bumps from the author's released version, which the update kept ...
    version = Version(pyproject["project"]["version"])
    assert version > Version(INITIAL_VERSION)
    bump = uv("version", "--bump", "patch", "--dry-run", "--short", cwd=project, env=env).stdout.strip()
    assert Version(bump) == Version(f"{version.major}.{version.minor}.{version.micro + 1}")
    # ... and the README (its links to repository files included) builds under -W, the edits shown.
    build_docs(project)
    assert README_PARAGRAPH in page_text(project / DOCS_HTML / "index.html")
    assert CHANGELOG_LINE in page_text(project / DOCS_HTML / "changelog.html")
    status = git("status", "--porcelain", "--untracked-files=all", cwd=project)
    assert "docs/api.md" in status  # git sees the update's new files ...
    assert DOCS_HTML not in status  # ... but not the built site (.gitignore, updated too)


@pytest.mark.parametrize("release_to_head_repo", [OLDEST], indirect=True, ids=release_id)
def test_the_docs_can_be_declined_on_update(release_to_head_repo: tuple[Path, str, str], tmp_path: Path) -> None:
    """CHANGELOG 1.1.0, "Action needed": `copier update --data docs=false` keeps a project without docs."""
    template, released, head = release_to_head_repo
    project = render_project(template, tmp_path / "project", released)
    assert not (project / "docs").exists(), f"{released} has docs: the oldest release should have none"

    update(project, "--vcs-ref", head, "--data", "docs=false")

    assert_no_conflicts(project)
    assert read_answers(project)["docs"] is False
    assert not (project / "docs").exists()
    assert "docs" not in load_workflow(project, "ci.yml")["jobs"]
    assert not {"build-docs", "pages"} & load_workflow(project, "release.yml")["jobs"].keys()
    assert "docs" not in read_pyproject(project)["dependency-groups"]
