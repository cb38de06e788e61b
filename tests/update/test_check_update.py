"""`copier check-update` tells a project of an older template version that a newer one exists."""

from __future__ import annotations

import json
from pathlib import Path

from support.updates import copier


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
