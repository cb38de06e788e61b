"""Facts of the template that no single render shows: what a template checkout
may hold without it reaching a project, and whether copier.yml's newest Python
is the newest release.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from support.answers import REQUIRED_ANSWERS
from support.commands import copier_cli
from support.rendering import project_files

# What running Python or the tools in a template checkout leaves behind.
STRAY = [
    "template/__pycache__/conftest.cpython-311.pyc",
    "template/src/{{ package_name }}/__pycache__/core.cpython-312.pyc",
    "template/tests/__pycache__/test_x.cpython-313-pytest-9.0.0.pyc",
    "template/src/{{ package_name }}/core.pyc",  # `python -m compileall -b` writes it beside
    "template/.mypy_cache/3.12/cache.db",
    "template/.ruff_cache/CACHEDIR.TAG",
    "template/.pytest_cache/README.md",
    "template/.DS_Store",
]


def test_a_checkout_with_bytecode_and_caches_renders_none_of_them(template_tree: Path, tmp_path: Path) -> None:
    """A template used from a plain directory (no git: an unpacked archive, a
    copy) is copied as it is, except what copier.yml excludes."""
    template = tmp_path / "checkout"
    shutil.copytree(template_tree, template)
    for name in STRAY:
        (template / name).parent.mkdir(parents=True, exist_ok=True)
        (template / name).write_bytes(b"stray\n")
    data = [arg for key, value in REQUIRED_ANSWERS.items() for arg in ("--data", f"{key}={value}")]
    done = copier_cli("copy", "--defaults", *data, template, tmp_path / "out", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    files = project_files(tmp_path / "out")
    assert "pyproject.toml" in files
    leaked = {
        f
        for f in files
        if re.search(r"(^|/)(__pycache__|\.mypy_cache|\.ruff_cache|\.pytest_cache)/|\.pyc$|\.DS_Store$", f)
    }
    assert leaked == set()
