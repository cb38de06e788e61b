"""Checked builds of generated projects; reading their wheels and sdists, and
installing them into fresh environments."""

from __future__ import annotations

import email.message
import email.parser
import os
import re
import subprocess
import tarfile
import tempfile
import zipfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from support.answers import REQUIRED_ANSWERS
from support.commands import require_interpreter, run, run_generated_checks, uv
from support.facts import INITIAL_VERSION, KIND_MODULES
from support.rendering import once_per_run, read_answers, read_pyproject, shared_root

# The pip configuration of these machines adds extra indexes and find-links
# (`pip config list`: file:///opt/pypi/simple, /opt/wheels, PIP_FIND_LINKS)
# that hold many packages. A pip that may read them does not prove what a
# user's pip would do, so pip runs without any configuration file and with
# those settings emptied: PyPI (pip's default index) plus whatever the command
# line names. An empty PIP_* value counts as unset for pip.
ISOLATED_PIP_ENV = {"PIP_CONFIG_FILE": os.devnull} | dict.fromkeys(
    ("PIP_FIND_LINKS", "PIP_EXTRA_INDEX_URL", "PIP_CONSTRAINT"), ""
)


def module_files(package: str, kind: str) -> set[str]:
    """The files of the import package of a project of ``kind``, as the wheel holds them."""
    modules = {"__init__.py", "core.py", "py.typed"} | KIND_MODULES[kind]
    return {f"{package}/{name}" for name in modules}


def wheel_files(wheel: Path) -> set[str]:
    """Every file in a wheel (directory entries left out)."""
    with zipfile.ZipFile(wheel) as archive:
        return {name for name in archive.namelist() if not name.endswith("/")}


def wheel_text(wheel: Path, name: str) -> str:
    with zipfile.ZipFile(wheel) as archive:
        return archive.read(name).decode("utf-8")


def wheel_metadata(wheel: Path) -> email.message.Message:
    """The wheel's core metadata (``*.dist-info/METADATA``), parsed."""
    [metadata] = [n for n in wheel_files(wheel) if n.endswith(".dist-info/METADATA")]
    return email.parser.Parser().parsestr(wheel_text(wheel, metadata))


def sdist_root(sdist: Path) -> str:
    """The one top-level directory of an sdist, ``{name}-{version}``."""
    with tarfile.open(sdist) as archive:
        roots = {member.name.split("/", 1)[0] for member in archive.getmembers()}
    assert len(roots) == 1, roots
    return roots.pop()


def sdist_files(sdist: Path) -> set[str]:
    """Every regular file in an sdist, relative to its top-level directory."""
    root = sdist_root(sdist)
    with tarfile.open(sdist) as archive:
        members = archive.getmembers()
    assert all(m.isfile() or m.isdir() for m in members), [m.name for m in members]
    return {m.name.removeprefix(f"{root}/") for m in members if m.isfile()}


def sdist_text(sdist: Path, name: str) -> str:
    with tarfile.open(sdist) as archive:
        member = archive.extractfile(f"{sdist_root(sdist)}/{name}")
        assert member is not None, name
        return member.read().decode("utf-8")


def venv_bin(venv: Path, name: str) -> Path:
    return venv / ("Scripts" if os.name == "nt" else "bin") / name


def fresh_venv(venv: Path, python: str, *requirements: str | os.PathLike[str], seed: bool = False) -> Path:
    """A new virtual environment on ``python`` with ``requirements`` installed by uv.

    Returns the environment's Python. ``seed`` adds pip (for tests of pip itself).
    """
    uv("venv", *(["--seed"] if seed else []), "-p", python, venv, cwd=venv.parent)
    if requirements:
        uv("pip", "install", "-p", venv, *requirements, cwd=venv.parent)
    return venv_bin(venv, "python")


def venv_run(
    venv: Path, command: str, *args: str, cwd: Path, check: bool = True, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run one of the environment's commands (``python``, ``llm``, a console script)."""
    return run([venv_bin(venv, command), *args], cwd, env=env, check=check)


@dataclass(frozen=True)
class CheckedBuild:
    """A render whose own checks passed on ``python`` and that ``uv build`` built."""

    project: Path
    python: str
    answers: dict[str, Any]  # .copier-answers.yml
    wheel: Path
    sdist: Path

    def metadata(self) -> list[email.message.Message]:
        """The core metadata of the wheel and of the sdist (``PKG-INFO``), parsed."""
        return [wheel_metadata(self.wheel), email.parser.Parser().parsestr(sdist_text(self.sdist, "PKG-INFO"))]

    @property
    def name(self) -> str:
        """The distribution's name as its files spell it (``{name}-{version}``)."""
        return f"{re.sub(r'[-_.]+', '_', self.answers['distribution_name']).lower()}-{INITIAL_VERSION}"

    def wheel_contents(self) -> set[str]:
        """Every file the wheel must hold: the import package, the metadata (entry points if
        pyproject.toml declares any) and the license if there is one; nothing else."""
        dist_info, project = f"{self.name}.dist-info", read_pyproject(self.project)["project"]
        names = ["METADATA", "WHEEL", "RECORD"]
        names += ["entry_points.txt"] if {"scripts", "entry-points"} & set(project) else []
        names += ["licenses/LICENSE"] if "license-files" in project else []
        package = module_files(self.answers["package_name"], self.answers["project_kind"])
        return package | {f"{dist_info}/{name}" for name in names}


def check_and_build(project: Path, python: str) -> CheckedBuild:
    """Run a rendered project's own checks on ``python``, and build it (one wheel, one sdist)."""
    run_generated_checks(project, python)
    (wheel,), (sdist,) = (sorted((project / "dist").glob(pattern)) for pattern in ("*.whl", "*.tar.gz"))
    return CheckedBuild(project, python, read_answers(project), wheel, sdist)


def checked_build_once(copie_session: Any, tmp_path_factory: Any, python_version: str, **answers: Any) -> CheckedBuild:
    """A render of ``answers``, checked on a local CPython ``python_version`` (or skip, saying
    why) and built, once per test run (see ``once_per_run``): several tests read one build."""
    python = require_interpreter(python_version)

    def create() -> list[Any]:
        # Rendered outside copie_session's directory: pytest-copie deletes that when
        # this worker's session ends, while another worker may still read the build.
        shared = Path(tempfile.mkdtemp(prefix="build-", dir=shared_root(tmp_path_factory)))
        result = replace(copie_session, test_dir=shared, counter=0).copy(extra_answers={**REQUIRED_ANSWERS, **answers})
        if result.exit_code != 0:
            raise AssertionError(f"render failed for {answers}: {result.exception!r}")
        build = check_and_build(result.project_dir, python)
        return [str(build.project), build.python, build.answers, str(build.wheel), str(build.sdist)]

    project, python, recorded, wheel, sdist = once_per_run(
        tmp_path_factory, ["checked build", python_version, answers], create
    )
    return CheckedBuild(Path(project), python, recorded, Path(wheel), Path(sdist))
