"""The generated README's switch to Renovate's copier manager, the pull-request route to updates.

``renovate.json`` in the README (and docs/updating.md) is a valid Renovate config that switches
on the copier manager and only it. That manager's command line (RENOVATE_UPDATE) updating an
edited project of each release is proven with the other updates, in test_update_from_releases.py.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from support.commands import run
from support.facts import TEMPLATE_DIR
from support.rendering import Render

CHECK_JSONSCHEMA = Path(sys.executable).with_name("check-jsonschema")


def test_the_readme_switches_on_renovates_copier_manager_alone(render_shared: Render, tmp_path: Path) -> None:
    """The generated README's renovate.json is a valid Renovate config (its JSON schema, which
    names every manager) that enables the copier manager and no other (Dependabot keeps the rest)."""
    readme = (render_shared() / "README.md").read_text(encoding="utf-8")
    (block,) = re.findall(r"commit a `renovate\.json`:\n\n```json\n(.*?)^```$", readme, re.MULTILINE | re.DOTALL)
    config = tmp_path / "renovate.json"
    config.write_text(block, encoding="utf-8")
    run([CHECK_JSONSCHEMA, "--builtin-schema", "vendor.renovate", config], tmp_path)
    assert json.loads(block)["enabledManagers"] == ["copier"]
    assert f"```json\n{block}```" in (TEMPLATE_DIR / "docs" / "updating.md").read_text(encoding="utf-8")  # the same
