"""Rules of the template's sources that every render relies on, read from copier.yml and the files."""

from __future__ import annotations

import re

from packaging.version import Version

from support.facts import TEMPLATE_DIR, copier_config, known_python_versions
from support.workflows import load_workflow, steps_using


def test_jinja_suffix_only_where_templating_is_needed() -> None:
    """Plain files stay plain: a .jinja file must contain Jinja (Jinja in a plain file would
    reach the render unrendered: test_render_contents.py finds none)."""
    plain = [
        path.relative_to(TEMPLATE_DIR).as_posix()
        for path in (TEMPLATE_DIR / "template").rglob("*.jinja")
        if not re.search(r"\{\{|\{%", path.read_text(encoding="utf-8"))
    ]
    assert plain == [], "no templating: drop the .jinja suffix"


def test_questions_depend_only_on_earlier_questions() -> None:
    """Copier asks in file order and renders each question's `when`, `default`,
    `choices` and `validator` with the answers so far: a later question is
    undefined there (on a first copy), so a condition on it is silently true."""
    config = copier_config()
    names = [name for name, spec in config.items() if not name.startswith("_") and isinstance(spec, dict)]
    later_uses = []
    for position, name in enumerate(names):
        jinja = "".join(
            match
            for key in ("when", "default", "choices", "validator")
            for match in re.findall(r"\{\{.*?\}\}|\{%.*?%\}", str(config[name].get(key, "")), re.DOTALL)
        )
        used = set(re.findall(r"[A-Za-z_]\w*", jinja))
        later_uses += [(name, later) for later in names[position + 1 :] if later in used]
    assert later_uses == []


def test_this_repository_uses_the_same_action_pins_as_the_template() -> None:
    """One place for pins: this repo's own workflows reuse copier.yml's values."""
    pins = set(copier_config()["actions"]["default"].values())
    uses_lines = {
        line.split("uses:", 1)[1].strip()
        for path in (TEMPLATE_DIR / ".github" / "workflows").glob("*.yml")
        for line in path.read_text(encoding="utf-8").splitlines()
        if "uses:" in line
    }
    assert uses_lines, "this repository's CI uses no action?"
    assert uses_lines <= pins, uses_lines - pins


def test_this_repository_tests_with_the_uv_generated_projects_pin() -> None:
    """Each setup-uv of this repo's own workflows installs the facts' uv_version, as the generated ones do
    (without `version:` it installs the newest uv: the template would be tested with another uv)."""
    uv_version = copier_config()["uv_version"]["default"]
    inputs = [
        step.get("with", {})
        for path in sorted((TEMPLATE_DIR / ".github" / "workflows").glob("*.yml"))
        for job in load_workflow(TEMPLATE_DIR, path.name)["jobs"].values()
        for step in steps_using(job, "astral-sh/setup-uv")
    ]
    assert inputs, "this repository's CI sets up no uv?"
    assert [given.get("version") for given in inputs] == [uv_version] * len(inputs)


def test_python_releases_are_listed_oldest_first() -> None:
    """supported_versions, the classifiers and the CI matrix slice this list from python_min on."""
    versions = known_python_versions()
    assert versions == sorted(versions, key=Version)
