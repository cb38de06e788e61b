"""copier.yml's Python list (python_releases) against what uv knows, and the CI that installs it.

uv ships the metadata of every CPython release it can install and lists it
offline, so a new stable CPython shows up here the day uv is upgraded. The
template's own CI installs exactly copier.yml's list (derived from it, no second
list), so checks that skip locally for want of an interpreter run there.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from support.commands import UV, run, uv
from support.facts import TEMPLATE_DIR, known_python_versions, parse_yaml

TESTS_YML = TEMPLATE_DIR / ".github" / "workflows" / "tests.yml"
STABLE = re.compile(r"[0-9]+\.[0-9]+\.[0-9]+")  # no a1, b2, rc1


def uv_cpython_releases() -> set[str]:
    """Every stable CPython ``X.Y.Z`` uv can install (its offline download list; with
    --only-downloads, clean_env's UV_PYTHON_DOWNLOADS=never hides none of them)."""
    listed = uv(
        "python", "list", "--all-versions", "--only-downloads", "--output-format", "json", "--offline", cwd=TEMPLATE_DIR
    )
    return {
        entry["version"]
        for entry in json.loads(listed.stdout)
        if entry["implementation"] == "cpython" and STABLE.fullmatch(entry["version"])
    }


def minor(version: str) -> tuple[int, int]:
    major, minor_, *_ = version.split(".")
    return int(major), int(minor_)


def newer_than_known(uv_releases: set[str], known: list[str]) -> list[str]:
    """The stable minors uv knows that are newer than the newest known one."""
    newest = max(map(minor, known))
    return sorted({".".join(map(str, minor(v))) for v in uv_releases if minor(v) > newest}, key=minor)


def test_uv_knows_no_stable_cpython_newer_than_copier_ymls_newest() -> None:
    """...and each one copier.yml lists is a stable release uv can install (CI installs the list with uv)."""
    known, releases = known_python_versions(), uv_cpython_releases()
    newer = newer_than_known(releases, known)
    uv_version = uv("--version", cwd=TEMPLATE_DIR).stdout.strip()
    assert newer == [], (
        f"{uv_version} knows stable CPython {', '.join(newer)}, newer than copier.yml's newest"
        f" python_releases entry {known[-1]}: add it (with its support status) and update the"
        " statuses of the others"
    )
    assert set(known) <= {".".join(map(str, minor(v))) for v in releases}


def test_the_check_fails_when_copier_yml_lags_behind_uv() -> None:
    """The check above can fail: copier.yml without its newest entry lags behind uv."""
    known = known_python_versions()
    assert newer_than_known(uv_cpython_releases(), known[:-1]) == [known[-1]]
    assert newer_than_known({"3.99.0"}, known) == ["3.99"]
    assert newer_than_known({f"{known[-1]}.0"}, known) == []


def install_step() -> dict:
    workflow = parse_yaml(TESTS_YML.read_text(encoding="utf-8"))
    steps = [
        step for job in workflow["jobs"].values() for step in job["steps"] if "uv python install" in step.get("run", "")
    ]
    assert len(steps) == 1, steps
    return steps[0]


def test_ci_installs_every_python_copier_yml_knows_derived_from_it(tmp_path: Path) -> None:
    script = install_step()["run"]
    # No second list: not a single Python version is written in the workflow.
    assert not re.search(r"\b3\.[0-9]+\b", TESTS_YML.read_text(encoding="utf-8"))
    # The step's script, with `uv python install` replaced by a recorder of its arguments.
    recorder = tmp_path / "bin"
    recorder.mkdir()
    (recorder / "uv").write_text(
        "#!/usr/bin/env bash\n"
        'if [ "$1 $2" = "python install" ]; then shift 2; printf "%s\\n" "$@" > "$RECORD"; exit 0; fi\n'
        f'exec {UV} "$@"\n',
        encoding="utf-8",
    )
    (recorder / "uv").chmod(0o755)
    record = tmp_path / "installed"
    run(
        ["bash", "-euo", "pipefail", "-c", script],
        TEMPLATE_DIR,
        env={"PATH": f"{recorder}:{os.environ['PATH']}", "RECORD": str(record)},
    )
    assert record.read_text(encoding="utf-8").split() == known_python_versions()
