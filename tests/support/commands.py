"""Running uv, copier, git and a generated project's tools the way CI runs them: no stdin, a clean environment."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

# Environment variables of the test runner's own virtual environment that must
# not leak into the generated project's uv commands.
_LEAKY_ENV = {
    *("VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT", "UV_PYTHON", "PYTHONPATH", "UV_LOCKED", "UV_FROZEN", "PYTEST_ADDOPTS"),
    *("PYTEST_XDIST_WORKER", "PYTEST_XDIST_TESTRUNUID", "PYTEST_CURRENT_TEST"),
    *("COV_CORE_SOURCE", "COV_CORE_CONFIG", "COV_CORE_DATAFILE"),
}


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
    # A user's machine writes bytecode; without it every tool started recompiles all it
    # imports (copier's CLI: 2.3 s instead of 0.7 s). These machines export it.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
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


# uv: the one on PATH, else the test environment's.
UV = shutil.which("uv") or str(Path(sys.executable).with_name("uv"))


def uv(
    *args: str | os.PathLike[str],
    cwd: Path,
    env: Mapping[str, str] | None = None,
    check: bool = True,
    timeout: float = 600,
) -> subprocess.CompletedProcess[str]:
    """Run uv (UV)."""
    return run([UV, *args], cwd, env=env, check=check, timeout=timeout)


def copier_cli(
    *args: str | os.PathLike[str], cwd: Path, check: bool = False, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the real copier CLI of the test environment (never with --trust)."""
    assert "--trust" not in args
    assert "--UNSAFE" not in args
    exe = Path(sys.executable).with_name("copier")
    return run([exe, *args], cwd, env=env, check=check)


_UV_DIRS = {"UV_CACHE_DIR": ("cache", "dir"), "UV_PYTHON_INSTALL_DIR": ("python", "dir")}
_XDG_DIRS = {"XDG_CONFIG_HOME": ".config", "XDG_DATA_HOME": ".local/share", "XDG_CACHE_HOME": ".cache"}


def run_generated_checks(project: Path, python: str) -> None:
    """The generated project's own checks, as its README lists them, on ``python``."""
    env = {"UV_PYTHON": python}
    uv("sync", cwd=project, env=env)
    uv("run", "ruff", "check", cwd=project, env=env)
    uv("run", "ruff", "format", "--check", cwd=project, env=env)
    uv("run", "mypy", "src", "tests", cwd=project, env=env)
    # The tests under an empty home: what they write outside their tmp_path (llm's user directory,
    # say) would land in the user's. uv keeps its own cache and Pythons.
    home = Path(tempfile.mkdtemp(prefix="home-", dir=project.parent))
    kept = {name: uv(*args, cwd=project).stdout.strip() for name, args in _UV_DIRS.items()}
    homes = {name: str(home / sub) for name, sub in _XDG_DIRS.items()}
    uv("run", "pytest", "-p", "no:cacheprovider", cwd=project, env={**env, "HOME": str(home), **homes, **kept})
    assert sorted(str(p.relative_to(home)) for p in home.rglob("*")) == [], "the generated tests wrote into HOME"
    uv("build", cwd=project, env=env)


def git(*args: str | os.PathLike[str], cwd: Path) -> str:
    """Run git; its output, stripped (never signing: the tests commit and tag in throwaway repositories)."""
    return run(["git", "-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false", *args], cwd).stdout.strip()


def git_files(repo: Path, *pathspecs: str) -> list[str]:
    """What a commit of ``repo``'s working tree (or of the given paths) would hold: tracked
    files (minus deleted ones) and untracked ones that are not ignored, relative to it."""
    listed = git("ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", *pathspecs, cwd=repo)
    return [name for name in listed.split("\0") if name and (repo / name).is_file()]
