"""Renovate keeps the template's pins current: its config is valid, and each custom
manager finds every pin it must, and nothing else.

Renovate's own validator (from npm) checks the config. The custom managers'
regular expressions are RE2 in Renovate; Python's ``re`` runs them here after
``(?<name>`` becomes ``(?P<name>`` (the one syntax difference they use), over
this repository's files, with Renovate's two strategies: "any" (each pattern on
the whole file) and "recursive" (each pattern on the previous one's matches).
What they must find is derived from copier's configuration (copier.yml and the facts it
includes, read as copier reads them) and a rendered pyproject.toml.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from support.commands import git_files, run
from support.facts import TEMPLATE_DIR, copier_config
from support.rendering import Render, read_pyproject

RENOVATE_JSON = TEMPLATE_DIR / ".github" / "renovate.json"
# The major the config is written for: `npx` fetches its newest release.
RENOVATE = "renovate@44"


def config() -> dict[str, Any]:
    return json.loads(RENOVATE_JSON.read_text(encoding="utf-8"))


def python_regex(re2: str) -> re.Pattern[str]:
    return re.compile(re2.replace("(?<", "(?P<"))


def file_pattern(pattern: str) -> re.Pattern[str]:
    """A managerFilePatterns entry: "/regex/" is a regex, anything else a glob (none used here)."""
    assert re.fullmatch(r"/.+/", pattern), pattern
    return python_regex(pattern[1:-1])


@dataclass(frozen=True, order=True)
class Dep:
    file: str
    name: str
    value: str
    digest: str | None = None


def extract(manager: dict[str, Any], name: str, text: str) -> list[Dep]:
    """The dependencies a regex custom manager extracts from one file, as Renovate does."""
    patterns = [python_regex(p) for p in manager["matchStrings"]]
    strategy = manager.get("matchStringsStrategy", "any")
    assert strategy in {"any", "recursive"}, strategy
    if strategy == "any":
        matches = [m for pattern in patterns for m in pattern.finditer(text)]
    else:
        texts = [text]
        for pattern in patterns[:-1]:
            texts = [m.group(0) for t in texts for m in pattern.finditer(t)]
        matches = [m for t in texts for m in patterns[-1].finditer(t)]
    found = []
    for match in matches:
        groups = match.groupdict()
        dep_name = groups.get("depName") or manager.get("depNameTemplate")
        assert dep_name, manager
        assert "{{" not in dep_name, manager
        found.append(Dep(name, dep_name, groups["currentValue"], groups.get("currentDigest")))
    return found


def managed_by(manager: dict[str, Any]) -> list[Dep]:
    patterns = [file_pattern(p) for p in manager["managerFilePatterns"]]
    return sorted(
        dep
        for name in git_files(TEMPLATE_DIR)
        if any(p.search(name) for p in patterns)
        for dep in extract(manager, name, (TEMPLATE_DIR / name).read_text(encoding="utf-8"))
    )


def manager_for(description_start: str) -> dict[str, Any]:
    found = [m for m in config()["customManagers"] if m["description"].startswith(description_start)]
    assert len(found) == 1, description_start
    return found[0]


FACTS = copier_config()
VERSION_FACTS = {"uv_version": "uv", "copier_version": "copier", "packaging_version": "packaging"}  # fact -> its dep


def defined_in(fact: str) -> str:
    """The file of copier's configuration (copier.yml or a YAML file under includes/, which
    copier.yml may `!include`) whose top level defines ``fact``: where a manager must look."""
    files = [
        name
        for name in git_files(TEMPLATE_DIR)
        if name == "copier.yml" or (name.startswith("includes/") and name.endswith((".yml", ".yaml")))
        if re.search(rf"^{fact}:", (TEMPLATE_DIR / name).read_text(encoding="utf-8"), flags=re.MULTILINE)
    ]
    assert len(files) == 1, (fact, files)
    return files[0]


def fact_deps(fact: str) -> list[Dep]:
    """What the manager of a fact of includes/facts.yml must find: each action pin with its
    digest, each tool's lower bound, or the one version."""
    file, value = defined_in(fact), FACTS[fact]["default"]
    if fact == "actions":
        pins = [(pin.split("@")[0], *pin.split("@")[1].split(" # ")) for pin in value.values()]
        return sorted(Dep(file, action, version, digest) for action, digest, version in pins)
    if fact == "tool_versions":
        return sorted(Dep(file, name, version) for name, version in value.items())
    # uv: this repository's own CI installs the same one (tests/repository/test_template_sources.py).
    also = [Dep(".github/workflows/tests.yml", "uv", value)] if fact == "uv_version" else []
    return sorted([Dep(file, VERSION_FACTS[fact], value), *also])


@pytest.mark.parametrize("fact", ["actions", "tool_versions", *VERSION_FACTS])
def test_each_facts_manager_finds_its_pins_and_nothing_else(fact: str) -> None:
    """Every action pin, every tool bound, uv, the template check's copier, the preflight's exact packaging pin."""
    expected = fact_deps(fact)
    assert len(expected) >= (5 if fact == "actions" else 1)
    assert managed_by(manager_for(f"includes/facts.yml {fact}")) == expected


def test_the_package_rules_name_files_that_exist() -> None:
    """A rule's matchFileNames must follow a file that moves, or the rule silently stops applying."""
    named = [name for rule in config()["packageRules"] for name in rule.get("matchFileNames", [])]
    assert named
    assert set(named) <= set(git_files(TEMPLATE_DIR))


def test_the_build_backend_manager_finds_the_uv_build_range_and_nothing_else(render_shared: Render) -> None:
    requires = read_pyproject(render_shared())["build-system"]["requires"]
    assert len(requires) == 1, requires
    assert requires[0].startswith("uv_build>="), requires
    assert managed_by(manager_for("The build backend range")) == [
        Dep("template/pyproject.toml.jinja", "uv-build", requires[0].removeprefix("uv_build"))
    ]


def test_the_managers_find_new_entries_not_a_fixed_list() -> None:
    """A pin added to the facts is found: the patterns follow the file's shape, not its content."""
    file = defined_in("actions")
    assert defined_in("tool_versions") == file
    added = (TEMPLATE_DIR / file).read_text(encoding="utf-8")
    new_pin = "acme/setup-widgets@" + "ab" * 20 + " # v1.2.3"
    for fact, entry in (("actions", f'widgets: "{new_pin}"'), ("tool_versions", 'widgets-lint: "1.4"')):
        head = f"\n{fact}:\n  type: yaml\n  when: false\n  default:\n"
        assert head in added, fact
        added = added.replace(head, f"{head}    {entry}\n", 1)
    actions = extract(manager_for("includes/facts.yml actions"), file, added)
    assert Dep(file, "acme/setup-widgets", "v1.2.3", "ab" * 20) in actions
    tools = extract(manager_for("includes/facts.yml tool_versions"), file, added)
    assert Dep(file, "widgets-lint", "1.4") in tools
    assert len(tools) == len(FACTS["tool_versions"]["default"]) + 1


def test_no_pin_in_the_template_escapes_renovate() -> None:
    """Every SHA pin of the generated workflows comes from the facts' actions (no literal one
    elsewhere in template/ or includes/), and this repository's workflows use the stock manager."""
    sha_pin = re.compile(r"@[0-9a-f]{40}\b")
    literal = [
        name
        for name in git_files(TEMPLATE_DIR)
        if name.startswith(("template/", "includes/"))
        and name != defined_in("actions")
        and sha_pin.search((TEMPLATE_DIR / name).read_text(encoding="utf-8"))
    ]
    assert literal == []
    assert not (TEMPLATE_DIR / ".github" / "dependabot.yml").exists(), "Renovate replaces it"
    assert "config:recommended" in config()["extends"]  # the stock managers stay on


@pytest.mark.slow
def test_renovates_own_validator_accepts_the_config(tmp_path: Path) -> None:
    npx = shutil.which("npx")
    if npx is None:
        pytest.skip("node's npx is not installed: Renovate's config validator cannot run")
    validator = ("renovate-config-validator", "--strict", "--no-global", str(RENOVATE_JSON))
    checked = run([npx, "--yes", "--package", RENOVATE, "--", *validator], tmp_path)  # fails with its output
    assert "Config validated successfully" in checked.stdout + checked.stderr, checked.stdout


def test_the_scripts_packaging_is_the_managed_pin(render_shared: Render) -> None:
    """Each `uv run --no-project --with packaging==X` of the workflows takes the facts' pin."""
    pin, workflows = FACTS["packaging_version"]["default"], render_shared() / ".github" / "workflows"
    release, check = ((workflows / name).read_text(encoding="utf-8") for name in ("release.yml", "template-update.yml"))
    assert re.findall(r"--with packaging==(\S+)", release) == [pin, pin]  # the tag's and the rehearsal's
    assert re.findall(r"--with packaging==(\S+)", check) == [pin]  # the weekly template check's


def test_the_preflights_packaging_gets_every_release_the_tool_bounds_minor_and_major_ones() -> None:
    """packageRules, applied as Renovate applies them (each rule that matches, in order; a later
    one overrides): an exact pin takes patches too, a lower bound of tool_versions does not."""

    def enabled(dep: str, update: str) -> bool:
        update_facts = {
            "matchDatasources": "pypi",
            "matchDepNames": dep,
            "matchFileNames": "includes/facts.yml",
            "matchUpdateTypes": update,
            "matchManagers": "regex",
        }
        result = True
        for rule in config()["packageRules"]:
            matches = []
            for key, value in update_facts.items():
                if key in rule:
                    wanted = [v for v in rule[key] if not v.startswith("!")]
                    refused = [v[1:] for v in rule[key] if v.startswith("!")]
                    matches.append((not wanted or value in wanted) and value not in refused)
            if all(matches):
                result = rule.get("enabled", result)
        return result

    assert all(enabled("packaging", update) for update in ("patch", "minor", "major"))
    tool = next(iter(FACTS["tool_versions"]["default"]))
    assert [enabled(tool, update) for update in ("patch", "minor", "major")] == [False, True, True]
