"""Shared fixtures and helpers of the template's test suite.

Renders go through pytest-copie (``copie`` / ``copie_session``) or, where the
plugin's always-trusting defaults would hide a problem, the real ``copier``
CLI (``copier_cli``). Generated projects are checked with the real tools
(uv, ruff, mypy, pytest) on the local interpreters that their matrix includes.
"""

from __future__ import annotations

import copy
import fcntl
import functools
import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import tomllib
import urllib.request
import warnings
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import copier
import jinja2
import jinja2.lexer
import jinja2.utils
import pytest
import yaml
from copier._template import load_template_config

TEMPLATE_DIR = Path(__file__).resolve().parent.parent

# These machines set PYTHONDONTWRITEBYTECODE=1. With it, every Python program the
# tests start compiles all it imports anew on every run: copier's CLI takes
# 2.3 s instead of 0.7 s, and pytest, mypy, sphinx and llm in a generated
# project pay the same on each call. A user's machine writes bytecode, and so
# does the suite: unset here, before xdist starts its workers, it holds for them
# and for everything they run.
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
sys.dont_write_bytecode = False


def _compile_each_template_source_once() -> None:
    """Keep what Jinja compiles for the renders of this process (pytest-copie's and
    copy_with_api's), keyed by the source and everything compiling reads.

    copier compiles every string of copier.yml (each question's default, help,
    choices, validator and `when`, each fact) and every template file anew on
    each render: some 470 compilations, 40 % of a render's CPU (0.59 s CPU per
    render of the template snapshot, 0.37 s with this). Jinja's own cache keeps
    only templates loaded by name from one environment, and copier makes a new
    environment per render. The code Jinja compiles depends only on the source
    and on the environment's class, syntax and extensions, and on the names of its
    filters and tests with what each is passed (context, eval context or
    environment): the key holds all of them. Nothing else of a render is kept, so
    its answers and files are what copier makes (test_answer_places compares an
    in-process render with the CLI's byte for byte). The copier CLI, in its own
    process, runs untouched.
    """
    compile_source: Callable[..., Any] = jinja2.Environment.compile
    compiled: dict[tuple[Any, ...], Any] = {}
    # Per environment, computed at its first compilation (copier configures each
    # environment before it compiles anything with it).
    environment_keys: weakref.WeakKeyDictionary[jinja2.Environment, tuple[Any, ...]] = weakref.WeakKeyDictionary()

    def environment_key(environment: jinja2.Environment) -> tuple[Any, ...]:
        if environment not in environment_keys:
            passed: Callable[[Any], Any] = jinja2.utils._PassArg.from_obj  # what the compiler asks of each
            environment_keys[environment] = (
                type(environment),  # a sandbox compiles differently
                jinja2.lexer.get_lexer(environment),  # the syntax: delimiters, whitespace, newlines
                tuple(sorted(environment.extensions)),
                tuple(sorted((name, passed(f)) for name, f in environment.filters.items())),
                tuple(sorted((name, passed(f)) for name, f in environment.tests.items())),
                environment.optimized,
                environment.finalize,
                environment.autoescape,
                environment.is_async,
            )
        return environment_keys[environment]

    def compile_once(
        self: jinja2.Environment,
        source: Any,
        name: str | None = None,
        filename: str | None = None,
        raw: bool = False,
        defer_init: bool = False,
    ) -> Any:
        if not isinstance(source, str):  # an already parsed node tree: nothing to save
            return compile_source(self, source, name, filename, raw, defer_init)
        key = (environment_key(self), source, name, filename, raw, defer_init)
        if key not in compiled:  # a source that fails to compile raises each time, as before
            compiled[key] = compile_source(self, source, name, filename, raw, defer_init)
        return compiled[key]

    jinja2.Environment.compile = compile_once  # type: ignore[method-assign]


_compile_each_template_source_once()
COPIER_YML = TEMPLATE_DIR / "copier.yml"


# Answers that every render needs (the two questions without a default).
REQUIRED_ANSWERS: dict[str, Any] = {"project_name": "Acme Widgets", "github_owner": "acme"}

# Environment variables of the test runner's own virtual environment that must
# not leak into the generated project's uv commands.
_LEAKY_ENV = (
    "VIRTUAL_ENV",
    "UV_PROJECT_ENVIRONMENT",
    "UV_PYTHON",
    "PYTHONPATH",
    "UV_LOCKED",
    "UV_FROZEN",
    "PYTEST_ADDOPTS",
    "PYTEST_XDIST_WORKER",
    "PYTEST_XDIST_TESTRUNUID",
    "PYTEST_CURRENT_TEST",
    "COV_CORE_SOURCE",
    "COV_CORE_CONFIG",
    "COV_CORE_DATAFILE",
)


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """Two workers per core for ``-n auto``: tests wait on PyPI, git and subprocesses
    at times, and a second worker keeps the core busy meanwhile. On 2 cores, the same
    tree: 614 s with 4 workers against 773 s with 2 (1.2.0, when the suite waited more);
    260 s with 4 against 267 s with 3 since renders take less CPU."""
    return 2 * (os.cpu_count() or 1)


# libyaml's parser where PyYAML has it (its wheels do): the same safe loading as
# yaml.safe_load, eight times faster than the pure-Python one (2.7 ms against
# 22 ms for a workflow), and the suite parses thousands of files.
_SAFE_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_yaml(text: str) -> Any:
    """``text`` parsed as yaml.safe_load parses it."""
    return yaml.load(text, Loader=_SAFE_LOADER)  # noqa: S506 (a safe loader)


def read_copier_yml(template: Path) -> dict[str, Any]:
    """The configuration of the template at ``template`` (a clone, an older version) as
    copier reads it: copier.yml with the files it `!include`s, its documents merged in order.

    copier's own loader (it has no public one): whatever copier accepts in copier.yml, the
    tests see the same mapping, the questions and facts in the order copier evaluates them.
    """
    return load_template_config(template / "copier.yml")


@functools.cache
def _copier_yml() -> dict[str, Any]:
    return read_copier_yml(TEMPLATE_DIR)


def copier_config() -> dict[str, Any]:
    """The parsed copier.yml (a copy of its one parse: the caller may change it)."""
    return copy.deepcopy(_copier_yml())


def data_args(answers: Mapping[str, Any]) -> list[str]:
    """``--data KEY=VALUE`` arguments of the copier CLI for ``answers`` (booleans as YAML reads them)."""
    return [
        arg
        for key, value in answers.items()
        for arg in ("--data", f"{key}={str(value).lower() if isinstance(value, bool) else value}")
    ]


def copy_working_tree(destination: Path, *pathspecs: str) -> list[str]:
    """Copy this repository's working tree (or the given paths of it) to ``destination``.

    ``git ls-files --cached --others --exclude-standard`` lists what a commit of
    the working tree would hold: tracked files (minus deleted ones) and
    untracked files that are not ignored (no __pycache__), so uncommitted
    template work is what gets rendered. Returns the copied names.
    """
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", *pathspecs],
        cwd=TEMPLATE_DIR,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    copied = []
    for name in filter(None, listed.split("\0")):
        source = TEMPLATE_DIR / name
        if source.is_file():  # a tracked file deleted in the working tree is listed too
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination / name)
            copied.append(name)
    assert "copier.yml" in copied, f"git ls-files did not list the template: {copied}"
    return copied


def known_python_versions() -> list[str]:
    """Every Python version the template knows, oldest first (copier.yml's one list)."""
    return list(copier_config()["python_releases"]["default"])


# The oldest Python a project supports when python_min is not given.
DEFAULT_PYTHON_MIN: str = copier_config()["python_min"]["default"]


def choices(question: str) -> list[str]:
    """The values of a choice question of copier.yml, in its order."""
    return list(copier_config()[question]["choices"].values())


# Facts the tests read from copier.yml instead of restating them.
KINDS = choices("project_kind")
LICENSES = choices("license")
INITIAL_VERSION: str = copier_config()["initial_version"]["default"]


def derived_names(**answers: Any) -> dict[str, str]:
    """The names copier.yml derives by default (distribution, package, script and
    repository name) for ``answers`` on top of REQUIRED_ANSWERS: its own default
    expressions, rendered in question order, so the tests never restate them."""
    config = copier_config()
    environment = jinja2.Environment(extensions=["jinja2_ansible_filters.AnsibleCoreFiltersExtension"])  # noqa: S701
    context: dict[str, Any] = {
        name: spec["default"]
        for name, spec in config.items()
        if isinstance(spec, dict) and "default" in spec and not re.search(r"\{\{|\{%", str(spec["default"]))
    }
    context |= {**REQUIRED_ANSWERS, **answers}
    names = {}
    for name in ("distribution_name", "package_name", "script_name", "repository_name"):
        if name not in context:
            context[name] = environment.from_string(config[name]["default"]).render(**context)
        names[name] = context[name]
    return names


DEFAULT_NAMES = derived_names()
DEFAULT_DISTRIBUTION = DEFAULT_NAMES["distribution_name"]
DEFAULT_PACKAGE = DEFAULT_NAMES["package_name"]

# What each project kind adds to the common files: the one table the rendering,
# update and build tests share (modules of the import package; test files).
KIND_MODULES: dict[str, set[str]] = {"library": set(), "cli": {"cli.py", "__main__.py"}, "llm-plugin": {"plugin.py"}}
KIND_TESTS: dict[str, set[str]] = {
    "library": set(),
    "cli": {"tests/test_cli.py"},
    "llm-plugin": {"tests/test_plugin.py"},
}


def kind_files(kind: str, package: str) -> set[str]:
    """The files a project of ``kind`` has beyond every project's, as paths in the project."""
    return {f"src/{package}/{name}" for name in KIND_MODULES[kind]} | KIND_TESTS[kind]


def supported_versions(python_min: str) -> list[str]:
    """The versions a project with this python_min supports."""
    known = known_python_versions()
    return known[known.index(python_min) :]


def ci_python_versions(python_min: str, *, every: bool = False) -> list[str]:
    """The Pythons of ci.yml's test matrix: every supported one (test_every_python), else the two ends."""
    versions = supported_versions(python_min)
    return versions if every else list(dict.fromkeys([versions[0], versions[-1]]))


@functools.cache
def find_interpreter(version: str) -> str | None:
    """Path of a local CPython ``version`` (e.g. "3.12"), or None if there is none.

    pyenv's versions come first (they are what these machines have), then any
    interpreter uv can find without downloading.
    """
    pyenv_root = os.environ.get("PYENV_ROOT") or str(Path.home() / ".pyenv")
    for candidate in sorted(Path(pyenv_root).glob(f"versions/{version}.*/bin/python{version}")):
        return str(candidate)
    uv = shutil.which("uv")
    if uv is None:
        return None
    found = subprocess.run(
        [uv, "python", "find", "--no-python-downloads", "--no-project", f"cpython@{version}"],
        capture_output=True,
        text=True,
        check=False,
    )
    return found.stdout.strip() or None if found.returncode == 0 else None


def require_interpreter(version: str) -> str:
    """The local interpreter for ``version``, or skip the test, saying why."""
    path = find_interpreter(version)
    if path is None:
        pytest.skip(f"no local CPython {version} (uv may not download interpreters here)")
    return path


def clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """An environment for running uv and the generated project's tools."""
    env = {k: v for k, v in os.environ.items() if k not in _LEAKY_ENV}
    env["UV_PYTHON_DOWNLOADS"] = "never"
    env["UV_NO_PROGRESS"] = "1"
    env.setdefault("GIT_AUTHOR_NAME", "Test Author")
    env.setdefault("GIT_AUTHOR_EMAIL", "test@example.org")
    env.setdefault("GIT_COMMITTER_NAME", "Test Author")
    env.setdefault("GIT_COMMITTER_EMAIL", "test@example.org")
    if extra:
        env.update(extra)
    return env


def run(
    args: Sequence[str | os.PathLike[str]],
    cwd: Path,
    *,
    env: Mapping[str, str] | None = None,
    check: bool = True,
    timeout: float = 600,
) -> subprocess.CompletedProcess[str]:
    """Run a command; on an unexpected failure, fail the test with its output."""
    completed = subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=clean_env(env),
        capture_output=True,
        # No stdin, as in CI: a tool that reads it (llm does) must not wait on it.
        stdin=subprocess.DEVNULL,
        text=True,
        check=False,
        timeout=timeout,
    )
    if check and completed.returncode != 0:
        pytest.fail(
            f"command failed ({completed.returncode}): {' '.join(map(str, args))}\n"
            f"cwd: {cwd}\n--- stdout ---\n{completed.stdout}\n--- stderr ---\n{completed.stderr}",
            pytrace=False,
        )
    return completed


def uv(
    *args: str | os.PathLike[str],
    cwd: Path,
    env: Mapping[str, str] | None = None,
    check: bool = True,
    timeout: float = 600,
) -> subprocess.CompletedProcess[str]:
    """Run uv (the one on PATH, else the test environment's)."""
    exe = shutil.which("uv") or str(Path(sys.executable).with_name("uv"))
    return run([exe, *args], cwd, env=env, check=check, timeout=timeout)


def copier_cli(
    *args: str | os.PathLike[str], cwd: Path, check: bool = False, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the real copier CLI of the test environment (never with --trust)."""
    assert "--trust" not in args
    assert "--UNSAFE" not in args
    exe = Path(sys.executable).with_name("copier")
    return run([exe, *args], cwd, env=env, check=check)


def copy_with_api(template: Path, destination: Path, answers: Mapping[str, Any]) -> None:
    """Render with copier's Python API the way the CLI does: answers as data, not trusted."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # DirtyLocalWarning while the template is being edited
        copier.run_copy(
            str(template), str(destination), data=dict(answers), defaults=True, unsafe=False, vcs_ref="HEAD", quiet=True
        )


def read_pyproject(project: Path) -> dict[str, Any]:
    """The generated pyproject.toml, parsed."""
    return tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))


def read_answers(project: Path) -> dict[str, Any]:
    """The generated .copier-answers.yml, parsed."""
    return parse_yaml((project / ".copier-answers.yml").read_text(encoding="utf-8"))


def project_files(project: Path) -> set[str]:
    """Every file of a rendered project, as POSIX paths relative to it (no .git)."""
    return {
        p.relative_to(project).as_posix()
        for p in project.rglob("*")
        if p.is_file() and ".git" not in p.relative_to(project).parts
    }


def run_generated_checks(project: Path, python: str) -> None:
    """The generated project's own checks, as its README lists them, on ``python``."""
    env = {"UV_PYTHON": python}
    uv("sync", cwd=project, env=env)
    uv("run", "ruff", "check", cwd=project, env=env)
    uv("run", "ruff", "format", "--check", cwd=project, env=env)
    uv("run", "mypy", "src", "tests", cwd=project, env=env)
    uv("run", "pytest", "-p", "no:cacheprovider", cwd=project, env=env)
    uv("build", cwd=project, env=env)


Render = Callable[..., Path]


def shared_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory every xdist worker of this run sees, and no worker deletes when it ends."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # shared by the workers of this run
    root = root / "once-per-run"
    root.mkdir(exist_ok=True)
    return root


def once_per_run(tmp_path_factory: pytest.TempPathFactory, key: Any, create: Callable[[], Any]) -> Any:
    """``create()``'s JSON-able result, computed once per test run, however many
    xdist workers ask for ``key``: the one cross-worker cache of the suite.

    The first worker to ask computes it, under a file lock; the others wait for
    it and read its result. (Grouping the tests onto one worker with
    ``xdist_group`` would not do: pytest 9.2 silently breaks ``--dist loadgroup``,
    pytest-xdist issue #1386.)
    """
    root = shared_root(tmp_path_factory)
    digest = hashlib.sha256(json.dumps(key, sort_keys=True, default=str).encode()).hexdigest()[:16]
    record = root / f"{digest}.json"
    with (root / f"{digest}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not record.exists():
            record.write_text(json.dumps(create()), encoding="utf-8")
        return json.loads(record.read_text(encoding="utf-8"))


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

    def _render(**answers: Any) -> Path:
        merged = {**REQUIRED_ANSWERS, **answers}
        result = copie.copy(extra_answers=merged, template_dir=template_snapshot)
        if result.exit_code != 0:
            raise AssertionError(f"render failed for {merged}: {result.exception!r}")
        return result.project_dir

    return _render


# ---------------------------------------------------------------------------
# A local package index: pypiserver on 127.0.0.1
# ---------------------------------------------------------------------------


class LocalIndex:
    """A running pypiserver: ``url`` takes uploads, ``simple_url`` serves pip and uv."""

    def __init__(self, url: str, directory: Path) -> None:
        self.url = url  # http://127.0.0.1:PORT/ (the upload URL)
        self.simple_url = f"{url}simple/"  # the index pip and uv read
        self.directory = directory  # the packages it serves: copy files in, or upload


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _serving(process: subprocess.Popen[bytes], port: int, timeout: float = 30) -> bool:
    """Wait until pypiserver answers on ``port``; False if it died or never did."""
    deadline = time.monotonic() + timeout
    while process.poll() is None and time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1):
                return True
        except OSError:
            time.sleep(0.1)
    return False


@pytest.fixture
def local_index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalIndex]:
    """An empty package index of its own for one test, on a free port of 127.0.0.1.

    It holds only what the test puts into ``directory``: no fallback to PyPI
    (pypiserver redirects unknown names there by default), so a package missing
    here is missing. Uploads need no password (any username/password works),
    and, as on PyPI, a file that is already there cannot be uploaded again.
    """
    directory = tmp_path_factory.mktemp("index")
    log = tmp_path_factory.mktemp("index-log") / "pypiserver.log"
    server = Path(sys.executable).with_name("pypi-server")
    for _attempt in range(3):  # another process may take the port between probe and bind
        port = _free_port()
        with log.open("w") as log_file:
            process = subprocess.Popen(
                [
                    server,
                    "run",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--disable-fallback",
                    "--authenticate",
                    ".",
                    "--passwords",
                    ".",
                    "--backend",
                    "simple-dir",
                    str(directory),
                ],
                stdout=log_file,
                stderr=subprocess.STDOUT,
            )
        if _serving(process, port):
            break
        process.kill()
        process.wait()
    else:
        pytest.fail(f"pypiserver did not start:\n{log.read_text()}", pytrace=False)
    try:
        yield LocalIndex(f"http://127.0.0.1:{port}/", directory)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
