"""The generated project is green and builds: its own checks on every local
interpreter of its matrix, then the wheel and sdist it builds, read back and
installed (the library kind's consumer: an import; the others: test_project_kinds.py).

Each build case renders a private copy, runs the project's checks (uv sync,
ruff, mypy, pytest) and `uv build` on one interpreter, once per test run
(distributions.checked_build_once); the tests of a case read that build.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from packaging.version import Version

from support.answers import OWN_IMPORT_NAME
from support.commands import run
from support.distributions import (
    ISOLATED_PIP_ENV,
    CheckedBuild,
    checked_build_once,
    fresh_venv,
    module_files,
    sdist_files,
    sdist_root,
    sdist_text,
    venv_bin,
    wheel_files,
    wheel_metadata,
    wheel_text,
)
from support.facts import DEFAULT_PYTHON_MIN, INITIAL_VERSION, supported_versions

pytestmark = pytest.mark.slow


def build_case(python_version: str, *labels: str, **answers: str) -> Any:
    """One build case: the answers to render with and the interpreter to check on."""
    names = [f"{k}={v}" for k, v in answers.items() if k not in OWN_IMPORT_NAME] + list(labels)
    return pytest.param((python_version, answers), id="-".join([*(names or ["defaults"]), f"on-{python_version}"]))


OPTION_CASES = [
    # The oldest choice on its oldest interpreter.
    build_case("3.10", python_min="3.10"),
    # A license with a longer text and an SPDX id that is not "MIT", with an import
    # name that is not the distribution's; and the proprietary option, which ships
    # no license file at all.
    build_case("3.12", "own-import-name", license="Apache-2.0", **OWN_IMPORT_NAME),
    build_case("3.13", license="Proprietary"),
]
# Every version of the default project's matrix is built green once: the default
# project on python_min and on each version no option case above builds on with
# the default python_min (3.14 and 3.15 are not installed here: those cases skip,
# saying so).
_BUILT_WITH_DEFAULT_PYTHON_MIN = {
    version for case in OPTION_CASES for version, answers in case.values if "python_min" not in answers
}
BUILD_CASES = [
    build_case(DEFAULT_PYTHON_MIN),
    *(
        build_case(version)
        for version in supported_versions(DEFAULT_PYTHON_MIN)[1:]
        if version not in _BUILT_WITH_DEFAULT_PYTHON_MIN
    ),
    *OPTION_CASES,
]


@pytest.fixture(scope="module", params=BUILD_CASES)
def built(request: pytest.FixtureRequest, copie_session: Any, tmp_path_factory: pytest.TempPathFactory) -> CheckedBuild:
    python_version, answers = request.param
    return checked_build_once(copie_session, tmp_path_factory, python_version, **answers)


def test_only_a_private_packages_readme_installs_the_wheel_it_builds(built: CheckedBuild) -> None:
    """A Proprietary package is not on PyPI: its README installs the very wheel
    `uv build` wrote (name and version); a public one installs by name from PyPI."""
    readme = (built.project / "README.md").read_text(encoding="utf-8")
    assert (f" ./{built.wheel.name}\n" in readme) == (built.answers["license"] == "Proprietary")
    by_name = re.search(rf" (install|add) {re.escape(built.answers['distribution_name'])}\n", readme)
    assert (by_name is not None) == (built.answers["license"] != "Proprietary")


def test_checks_ran_on_the_requested_interpreter(built: CheckedBuild) -> None:
    version = "import sys; print(*sys.version_info[:2])"
    used = run([venv_bin(built.project / ".venv", "python"), "-c", version], built.project)
    wanted = run([built.python, "-c", version], built.project)
    assert used.stdout == wanted.stdout


def test_core_metadata(built: CheckedBuild) -> None:
    answers = built.answers
    for metadata in built.metadata():  # the wheel's and the sdist's
        # License-Expression and License-File need core metadata 2.4 (PEP 639).
        assert Version(metadata["Metadata-Version"]) >= Version("2.4")
        assert metadata["Name"] == answers["distribution_name"]
        assert metadata["Version"] == INITIAL_VERSION
        assert metadata["Requires-Python"] == f">={answers['python_min']}"
        # PEP 639: a license that is not in SPDX's list is a LicenseRef-.
        assert metadata["License-Expression"] == answers["license"].replace("Proprietary", "LicenseRef-Proprietary")
        assert metadata.get_all("License") is None  # the old free-text field is not used
        assert metadata.get_all("License-File") == (None if answers["license"] == "Proprietary" else ["LICENSE"])
        assert metadata.get_all("Requires-Dist") is None  # a library needs nothing at run time
        assert "Typing :: Typed" in metadata.get_all("Classifier", [])
        assert metadata["Description-Content-Type"] == "text/markdown"
        description = metadata.get_payload()
        assert isinstance(description, str)  # one body, not a multipart message
        assert description.startswith(f"# {answers['project_name']}\n")


def test_wheel_holds_the_package_its_license_and_nothing_else(built: CheckedBuild) -> None:
    """An exact list: no tests, no __pycache__ or *.pyc, nothing of copier's (copier.yml,
    .copier-answers.yml), no stray project files; py.typed (PEP 561: mypy downstream uses the hints)."""
    files = wheel_files(built.wheel)
    assert files == built.wheel_contents()
    assert f"{built.answers['package_name']}/py.typed" in files
    if built.answers["license"] != "Proprietary":
        license_text = (built.project / "LICENSE").read_text(encoding="utf-8")
        assert wheel_text(built.wheel, f"{built.name}.dist-info/licenses/LICENSE") == license_text


def test_sdist_holds_the_sources_its_license_and_nothing_else(built: CheckedBuild) -> None:
    # The sdist is named after the normalized distribution name (PEP 625).
    assert built.sdist.name == f"{built.name}.tar.gz"
    assert sdist_root(built.sdist) == built.name
    # uv 0.12+ keeps the original beside the pyproject.toml it rewrites; a Proprietary package has no LICENSE.
    no_license = {"LICENSE"} if built.answers["license"] == "Proprietary" else set()
    expected = {"PKG-INFO", "README.md", "pyproject.toml", "pyproject.toml.orig", "LICENSE"} - no_license
    expected |= {f"src/{name}" for name in module_files(built.answers["package_name"], "library")}
    assert sdist_files(built.sdist) == expected
    original = (built.project / "pyproject.toml").read_text(encoding="utf-8")
    assert sdist_text(built.sdist, "pyproject.toml.orig") == original


def test_wheel_installs_into_a_fresh_environment_and_imports(built: CheckedBuild, tmp_path: Path) -> None:
    """The version read from the installed distribution's metadata, under its own name."""
    package = built.answers["package_name"]
    python = fresh_venv(tmp_path / "venv", built.python, built.wheel)
    # Run outside the project, so nothing but the installed wheel can be imported.
    probe = (
        f"import json, {package}, {package}.core; "
        f"print(json.dumps([{package}.__version__, {package}.__file__, "
        f"{package}.greet('Ada')]))"
    )
    version, location, greeting = json.loads(run([python, "-c", probe], tmp_path).stdout)
    assert version == INITIAL_VERSION
    assert Path(location).is_relative_to(tmp_path / "venv")
    assert greeting == "Hello, Ada!"


def test_pip_builds_the_sdist_with_uv_build_from_pypi(
    copie_session: Any, tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
) -> None:
    """pip has no uv inside: it fetches the build backend from PyPI, within the
    range of [build-system] requires. A range that only uv's bundled backend
    satisfies (as `uv init` writes today) fails here, as it would for every
    user who installs the sdist.
    """
    build = checked_build_once(copie_session, tmp_path_factory, DEFAULT_PYTHON_MIN)  # the defaults' build
    pip_python = fresh_venv(tmp_path / "pip-venv", build.python, seed=True)
    out = tmp_path / "pip-wheel"
    # -v shows the build environment being made; --no-cache-dir makes pip
    # download the backend and build for real, not reuse an earlier wheel.
    pip = run(
        [pip_python, "-m", "pip", "wheel", "-v", "--no-deps", "--no-cache-dir", "--wheel-dir", out, build.sdist],
        tmp_path,
        env=ISOLATED_PIP_ENV,
    )
    log = pip.stdout + pip.stderr
    assert re.search(r"Successfully installed uv[_-]build-0\.\d+\.\d+", log), log
    [pip_wheel] = out.glob("*.whl")
    assert pip_wheel.name == build.wheel.name
    assert wheel_files(pip_wheel) == wheel_files(build.wheel)
    assert wheel_metadata(pip_wheel).items() == wheel_metadata(build.wheel).items()
