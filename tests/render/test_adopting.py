"""docs/adopting.md: the template brought into a package that exists already (its history, a
setuptools pyproject.toml at 2.3.0, a CHANGELOG.md of its own format, a literal ``__version__``,
an untyped module, an old publish workflow), its steps typed as printed. The checks then pass,
the wheel holds the package's own code at its own version with its dependency, and its next
release's CHANGELOG step reads the converted history."""

from __future__ import annotations

import datetime
import re
import zipfile
from pathlib import Path

import pytest

from support.commands import git, require_interpreter
from support.facts import DEFAULT_PYTHON_MIN, TEMPLATE_DIR
from support.printed import Shell, fenced
from support.rendering import note_unreleased
from support.updates import TemplateRepo, type_copier

pytestmark = pytest.mark.slow  # copier, uv, the hooks and a build

PACKAGE = {
    "pyproject.toml": """\
[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "Widgetry-Tools"
version = "2.3.0"
description = "Widgets, with gears."
requires-python = ">=3.9"
dependencies = ["packaging>=24"]
""",
    "src/widgetry/__init__.py": '"""Widgetry."""\n\n__version__ = "2.3.0"\n',
    "src/widgetry/gears.py": '''"""Gears."""

from packaging.version import Version


def newer(a: str, b: str) -> bool:
    """Whether version ``a`` comes after ``b``."""
    return Version(a) > Version(b)
''',
    "src/widgetry/core.py": '"""The core of widgetry: kept as it is."""\n',
    "src/widgetry/legacy.py": "import os\n\ndef joined(a, b):\n    return os.path.join(a, b)\n",
    "tests/test_gears.py": "from widgetry.gears import newer\n\n\ndef test_newer() -> None:\n    assert newer('2.0', '1.0')\n",
    "CHANGELOG.md": "# Changelog\n\n## 2.3.0 (2025-01-01)\n\n- Gears compare versions.\n\n## 2.2.0 (2024-06-01)\n\n- Gears.\n",
    "README.md": "# Widgetry Tools\n\nWidgets, with gears.\n",
    ".gitignore": "my-local-notes.txt\n",
    ".github/workflows/publish.yml": """\
on: {push: {tags: ["v*"]}}
jobs:
  publish:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: pypa/gh-action-pypi-publish@release/v1
""",
}


def test_the_documented_steps_bring_an_existing_package_under_the_template(
    template_repo: TemplateRepo, tmp_path: Path
) -> None:
    doc = (TEMPLATE_DIR / "docs" / "adopting.md").read_text(encoding="utf-8")
    (steps,), (init,), (overrides,) = fenced(doc, "bash"), fenced(doc, "python"), fenced(doc, "toml")
    project = tmp_path / "widgetry-tools"
    for name, text in PACKAGE.items():
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text(text, encoding="utf-8")
    git("init", "-q", "-b", "main", cwd=project)
    git("add", "-A", cwd=project)
    git("commit", "-q", "-m", "Widgetry 2.3.0", cwd=project)
    git("tag", "v2.3.0", cwd=project)
    shell = Shell(project, {"UV_PYTHON": require_interpreter(DEFAULT_PYTHON_MIN)})
    for line in steps.splitlines():
        if line.startswith("uvx copier copy "):  # this template, in place of gh:OWNER/copier-uv-release
            type_copier(line, project, source=template_repo.path)
        elif line.startswith("# give __init__.py"):
            (project / "src/widgetry/__init__.py").write_text(f'"""Widgetry."""\n\n{init}', encoding="utf-8")
        elif line.startswith("# make CHANGELOG.md's headings"):
            changelog = project / "CHANGELOG.md"
            text = re.sub(r"(?m)^## (\S+) \((\S+)\)$", r"## [\1] - \2", changelog.read_text(encoding="utf-8"))
            changelog.write_text(text.replace("\n## [2.3.0]", "\n## [Unreleased]\n\n## [2.3.0]", 1), encoding="utf-8")
        elif line.startswith("# and code the type check refuses"):
            with (project / "pyproject.toml").open("a", encoding="utf-8") as pyproject:
                pyproject.write(f"\n{overrides}")
        else:
            shell.type(line)
    assert not (project / ".github/workflows/publish.yml").exists()
    for kept in ("README.md", "src/widgetry/core.py"):
        assert (project / kept).read_text(encoding="utf-8") == PACKAGE[kept]
    assert not (project / "tests" / "test_widgetry.py").exists()  # the template's example
    shell.type("uv build -q --out-dir dist")
    (wheel,) = (project / "dist").glob("*.whl")
    with zipfile.ZipFile(wheel) as built:
        names = built.namelist()
        (metadata,) = [n for n in names if n.endswith(".dist-info/METADATA")]
        fields = built.read(metadata).decode()
    assert {"widgetry/gears.py", "widgetry/legacy.py"} <= set(names), names
    assert [f for f in fields.splitlines() if f.split(":")[0] in ("Name", "Version", "Requires-Dist")] == [
        "Name: widgetry-tools",
        "Version: 2.3.0",
        "Requires-Dist: packaging>=24",
    ]
    # The next release: the history converted as the page says is read, and nothing is taken
    # for a note merged into 2.3.0 after its tag.
    git("commit", "-q", "-m", "Adopt copier-uv-release", cwd=project)
    note_unreleased(project, "- Gears mesh.")
    shell.type("uv version --bump patch")
    cut = shell.type("uv run .github/scripts/release_preflight.py changelog").process.stdout
    # What CI's smoke test prints and a release compares with its tag: the bumped version.
    version = shell.type('uv run python -c "import widgetry; print(widgetry.__version__)"').process.stdout
    assert version.strip() == "2.3.1"
    assert cut.splitlines() == [f"CHANGELOG.md: [Unreleased] is now [2.3.1] - {datetime.date.today()}."], cut
