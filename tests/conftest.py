"""The suite's fixtures (its helpers are the modules of tests/support/).

Renders go through pytest-copie (``copie`` / ``copie_session``) or, where the
plugin's always-trusting defaults would hide a problem, the real ``copier``
CLI. Generated projects are checked with the real tools (uv, ruff, mypy,
pytest) on the local interpreters that their matrix includes.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from support.index import LocalIndex
    from support.rendering import Render
    from support.runner import Repo
    from support.updates import TemplateRepo

# The support modules read copier.yml as they load. Imported where a fixture runs, so a copier.yml
# that copier cannot load (or that lost a fact) fails the tests that use it, each with the error,
# instead of stopping pytest before any test runs with no test to name.

# These machines set PYTHONDONTWRITEBYTECODE=1. With it, every Python program the
# tests start compiles all it imports anew on every run: copier's CLI takes
# 2.3 s instead of 0.7 s, and pytest, mypy, sphinx and llm in a generated
# project pay the same on each call. A user's machine writes bytecode, and so
# does the suite: unset here, before xdist starts its workers, it holds for them
# and for everything they run.
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """Two workers per core for ``-n auto``: tests wait on PyPI, git and subprocesses
    at times, and a second worker keeps the core busy meanwhile. On 2 cores, the same
    tree: 614 s with 4 workers against 773 s with 2 (1.2.0, when the suite waited more);
    260 s with 4 against 267 s with 3 since renders take less CPU."""
    return 2 * (os.cpu_count() or 1)


@pytest.fixture(scope="session", autouse=True)
def mypy_cache_per_worker(tmp_path_factory: pytest.TempPathFactory) -> None:
    """One mypy cache for every project this worker checks.

    A cold mypy run spends most of its 1.8 s CPU on the standard library's
    stubs, the same in every generated project; with one cache they are read,
    not re-analysed (0.4 s). mypy keys its cache by file path, content and
    options, so one project's verdict never leaks into another's. One per
    worker: mypy does not support two runs writing one cache at once.
    """
    os.environ["MYPY_CACHE_DIR"] = str(tmp_path_factory.mktemp("mypy-cache"))


@pytest.fixture(scope="session")
def template_snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The template's working tree, committed alone in a fresh git repository.

    Rendering it skips copier's clone of this repository's whole history (about
    a third of a render), yet keeps what a render of the template's HEAD has:
    a clean repository and a `_commit` in the answers file. It holds what a
    render of a dirty HEAD would see (the tracked and untracked, not ignored,
    files), so uncommitted template work is tested too.
    """
    from support.commands import run
    from support.facts import TEMPLATE_DIR
    from support.rendering import copy_working_tree

    snapshot = tmp_path_factory.mktemp("template") / TEMPLATE_DIR.name
    copy_working_tree(snapshot)
    run(["git", "init", "-q"], snapshot)
    run(["git", "add", "-A"], snapshot)
    run(["git", "commit", "-q", "-m", "template snapshot"], snapshot)
    return snapshot


@pytest.fixture(scope="session")
def template_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The files of ``template_snapshot`` as a plain directory, without git.

    copier renders a plain directory in place; from a git repository it first
    clones it and runs some 25 git commands (0.2 s CPU of a 0.6 s render). The
    project is the same but for the answers file, which then records no
    ``_commit`` (test_answer_places compares the two byte for byte): for tests
    that render and read, not for ``copier update`` or what ``_commit`` gives.
    """
    from support.facts import TEMPLATE_DIR
    from support.rendering import copy_working_tree

    tree = tmp_path_factory.mktemp("template-tree") / TEMPLATE_DIR.name
    copy_working_tree(tree)
    return tree


@pytest.fixture(scope="session")
def render_shared(copie_session: Any, template_tree: Path, tmp_path_factory: pytest.TempPathFactory) -> Render:
    """Render ``template_tree`` with pytest-copie once per distinct set of answers for the whole run.

    The renders live in a directory all xdist workers share (a lock file per
    answer set serialises them), so each set is rendered once, whichever
    worker asks first. Only for tests that read the result: a test that
    changes the project must use ``render_fresh``.
    """
    from support.answers import REQUIRED_ANSWERS
    from support.rendering import keep_compiled_jinja, once_per_run, shared_root

    keep_compiled_jinja()
    store = shared_root(tmp_path_factory) / "renders"
    store.mkdir(exist_ok=True)

    def _render(**answers: Any) -> Path:
        merged = {**REQUIRED_ANSWERS, **answers}

        def create() -> str:
            result = copie_session.copy(extra_answers=merged, template_dir=template_tree)
            if result.exit_code != 0:
                raise AssertionError(f"render failed for {merged}: {result.exception!r}")
            # Copied out: pytest-copie deletes its directory when this
            # worker's session ends, while another worker may still read it.
            project = Path(tempfile.mkdtemp(prefix="render-", dir=store))
            shutil.copytree(result.project_dir, project, dirs_exist_ok=True)
            return str(project)

        return Path(once_per_run(tmp_path_factory, ["render", sorted(merged.items())], create))

    return _render


@pytest.fixture
def render_fresh(copie: Any, template_snapshot: Path) -> Render:
    """Render a private copy with pytest-copie, for tests that change the project."""
    from support.answers import REQUIRED_ANSWERS
    from support.rendering import keep_compiled_jinja

    keep_compiled_jinja()

    def _render(**answers: Any) -> Path:
        merged = {**REQUIRED_ANSWERS, **answers}
        result = copie.copy(extra_answers=merged, template_dir=template_snapshot)
        if result.exit_code != 0:
            raise AssertionError(f"render failed for {merged}: {result.exception!r}")
        return result.project_dir

    return _render


@pytest.fixture
def local_index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalIndex]:
    """An empty package index of its own for one test (support.index.serve_index)."""
    from support.index import serve_index

    log = tmp_path_factory.mktemp("index-log") / "pypiserver.log"
    with serve_index(tmp_path_factory.mktemp("index"), log) as index:
        yield index


@pytest.fixture
def repo(render_shared: Render, tmp_path: Path) -> Repo:
    """The default render committed on main and pushed to a bare origin (support.runner.init_repo)."""
    from support.runner import init_repo

    return init_repo(render_shared(), tmp_path)


@pytest.fixture(scope="session")
def template_repo(tmp_path_factory: pytest.TempPathFactory) -> TemplateRepo:
    """The throwaway template repository, built once per test worker."""
    from support.commands import git
    from support.rendering import copy_working_tree
    from support.updates import TEMPLATE_PATHS, TemplateRepo, commit_all, make_v1_1_0

    repo = tmp_path_factory.mktemp("template-repo")
    copy_working_tree(repo, *TEMPLATE_PATHS)
    git("init", "-q", "-b", "main", cwd=repo)
    commit_all(repo, "Template v1.0.0")
    git("tag", "v1.0.0", cwd=repo)
    changes = make_v1_1_0(repo)
    commit_all(repo, "Template v1.1.0")
    git("tag", "v1.1.0", cwd=repo)
    return TemplateRepo(path=repo, **changes)


@pytest.fixture(scope="session")
def v1_0_0_seed(template_repo: TemplateRepo, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An unedited v1.0.0 project, committed: read it, or copy it with ``project_copy``."""
    from support.updates import render_project

    return render_project(template_repo.path, tmp_path_factory.mktemp("seed") / "project", "v1.0.0")


@pytest.fixture(scope="session")
def release_to_head_repo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, str, str]:
    """A release of this repository, the test's indirect parameter (a ``released_versions()``
    entry, or None where the clone has none), and the working tree's template as a newer
    tag (release_and_head): built once per release and worker."""
    from support.updates import release_and_head

    return release_and_head(tmp_path_factory, request.param)


@pytest.fixture(scope="session")
def runner_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Both runners, installed once (this needs the index), then everything offline."""
    from support.commands import run
    from support.hooks import RUNNERS, uvx

    homes = tmp_path_factory.mktemp("hook-homes")
    env = {"PREK_HOME": str(homes / "prek"), "PRE_COMMIT_HOME": str(homes / "pre-commit")}
    for runner in RUNNERS:
        run([uvx(), runner, "--version"], homes, env=env)
    return {**env, "UV_OFFLINE": "1"}
