"""What a render contains: each kind's files, pyproject.toml, the answers file, LICENSE,
README and CHANGELOG, and what copier prints after the copy.

Where each answer goes is test_answer_places.py's table; the workflows are tests/ci's.
"""

from __future__ import annotations

import datetime
import re
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement
from packaging.version import Version
from trove_classifiers import classifiers as known_classifiers

from support.answers import (
    EACH_KIND,
    EACH_LICENSE,
    REQUIRED_ANSWERS,
    answers_id,
    changed,
    data_args,
    derived_names,
    recorded_answers,
    workflow_answer_sets,
)
from support.commands import copier_cli, uv
from support.facts import (
    INITIAL_VERSION,
    KINDS,
    LICENSES,
    copier_config,
    kind_files,
    known_python_versions,
    parse_yaml,
    supported_versions,
)
from support.printed import readme_release_steps
from support.rendering import headings, project_files, read_answers, read_pyproject
from support.workflows import load_workflow, steps_using

# A sentence of each license's real text, to prove the right one was written.
LICENSE_MARKERS = {
    "MIT": "Permission is hereby granted, free of charge, to any person obtaining a copy",
    "Apache-2.0": "Apache License\n                           Version 2.0, January 2004",
    "BSD-3-Clause": "Neither the name of the copyright holder nor the names of its",
    "GPL-3.0-or-later": "GNU GENERAL PUBLIC LICENSE\n                       Version 3, 29 June 2007",
    "MPL-2.0": "Mozilla Public License Version 2.0",
    "ISC": "Permission to use, copy, modify, and/or distribute this software for any",
}
# Every project's files (the docs: docs=true, the default; tests/docs), with its import name.
COMMON_FILES = {
    *(".copier-answers.yml", ".gitignore", ".pre-commit-config.yaml", "AGENTS.md", "CHANGELOG.md", "README.md"),
    "pyproject.toml",
    *(".github/dependabot.yml", ".github/scripts/github_setup.py", ".github/scripts/release_preflight.py"),
    ".github/scripts/template_update.py",
    *(".github/workflows/ci.yml", ".github/workflows/release.yml", ".github/workflows/template-update.yml", "LICENSE"),
    *("src/{package}/__init__.py", "src/{package}/core.py", "src/{package}/py.typed", "tests/test_{package}.py"),
    *("docs/conf.py", "docs/index.md", "docs/api.md", "docs/changelog.md", "docs/development.md"),
}
# The dev group's tools, each with copier.yml's lower bound (and an environment marker below its Python floor).
DEV_TOOLS = ("mypy", "pre-commit-hooks", "prek", "pytest", "pytest-cov", "ruff", "typos", "zizmor")
YEAR = str(datetime.date.today().year)


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_renders_exactly_its_files_and_nothing_of_the_template(render_shared, kind: str) -> None:
    """No stray or machinery file (.jinja, bytecode, copier's own), no unrendered Jinja, every
    YAML file parses; only a cli has a script, and the keywords are the kind's default."""
    project = render_shared(**EACH_KIND[kind])
    package = derived_names(project_kind=kind)["package_name"]
    files = project_files(project)
    assert files == {name.format(package=package) for name in COMMON_FILES} | kind_files(kind, package)
    for name in files:
        text = (project / name).read_text(encoding="utf-8")
        assert not re.search(r"(?<!\$)\{\{|\{%", text), f"unrendered Jinja in {name}"
        assert not name.endswith((".yml", ".yaml")) or parse_yaml(text) is not None, name
    metadata = read_pyproject(project)["project"]
    assert ("scripts" in metadata) == (kind == "cli")
    # The default keywords: the name's words, llm first for a plugin (as llm's plugin directory
    # lists them), cli last for a cli.
    words = re.findall(r"\w+", REQUIRED_ANSWERS["project_name"].lower())
    assert metadata["keywords"] == {"llm-plugin": ["llm", *words], "cli": [*words, "cli"]}.get(kind, words)
    assert metadata["keywords"] == recorded_answers(project_kind=kind)["keywords"]  # replayed on update
    # No `keywords = []` line when there are none: a key the user adds by hand is not doubled on update.
    assert "keywords" not in read_pyproject(render_shared(**EACH_KIND[kind], keywords=[]))["project"]


def test_default_pyproject_metadata_and_license_holder(render_shared) -> None:
    """No one else's name may be a default: no authors; the license holder is the GitHub owner."""
    metadata = read_pyproject(render_shared())["project"]
    assert (metadata["version"], metadata["readme"], metadata["dependencies"]) == (INITIAL_VERSION, "README.md", [])
    assert "authors" not in metadata
    assert list(metadata["urls"]) == ["Homepage", "Source", "Issues", "Changelog", "Documentation"]
    license_text = (render_shared() / "LICENSE").read_text(encoding="utf-8")
    assert f"Copyright (c) {YEAR} {REQUIRED_ANSWERS['github_owner']}\n" in license_text


def test_authors_appear_only_as_given(render_shared) -> None:
    """Both: test_answer_places.py; neither: the defaults above."""
    for given, authors in (
        ({"author_name": "Ada Lovelace"}, [{"name": "Ada Lovelace"}]),
        ({"author_email": "ada@example.org"}, [{"email": "ada@example.org"}]),
    ):
        assert read_pyproject(render_shared(**given))["project"]["authors"] == authors


PYTHON = "Programming Language :: Python :: "


@pytest.mark.parametrize("python_min", known_python_versions())
def test_python_min_drives_every_version_fact(render_shared, python_min: str) -> None:
    """requires-python, the classifiers, mypy, the lint job's Python and the dev tools' markers
    (the CI matrix: tests/ci). ruff takes its target from requires-python: no second copy."""
    project = render_shared(**changed({"python_min": python_min}))
    pyproject = read_pyproject(project)
    assert pyproject["project"]["requires-python"] == f">={python_min}"
    # PyPI's "Python 3", "3 Only" and per-version filters find the package.
    python = [c.removeprefix(PYTHON) for c in pyproject["project"]["classifiers"] if c.startswith(PYTHON)]
    assert python == ["3", "3 :: Only", *supported_versions(python_min)]
    assert "target-version" not in pyproject["tool"]["ruff"]
    assert pyproject["tool"]["mypy"]["python_version"] == python_min
    # The checks that give one verdict for every Python run once, on the oldest their tools
    # install on (copier.yml tool_python_min); below a tool's floor the dev group leaves it out.
    known, config = known_python_versions(), copier_config()
    floors, lower = config["tool_python_min"]["default"], config["tool_versions"]["default"]
    ci = parse_yaml((project / ".github/workflows/ci.yml").read_text(encoding="utf-8"))
    (setup_uv,) = [s for s in ci["jobs"]["lint"]["steps"] if "setup-uv" in str(s.get("uses"))]
    assert setup_uv["with"]["python-version"] == max([python_min, *floors.values()], key=known.index)
    below = {tool for tool, floor in floors.items() if known.index(python_min) < known.index(floor)}
    marker = {tool: f"; python_version >= '{floors[tool]}'" for tool in below}
    assert pyproject["dependency-groups"]["dev"] == [f"{t}>={lower[t]}{marker.get(t, '')}" for t in DEV_TOOLS]
    assert set(pyproject["dependency-groups"]) == {"dev", "docs"}  # docs: tests/docs


@pytest.mark.parametrize("kind", KINDS)
def test_each_lower_bound_is_a_release_the_lowest_resolution_installs(render_shared, kind: str) -> None:
    """A floor that names no release (a slipped patch number) still resolves, to a later release
    than the one declared: the lowest resolution of the dependencies and of each group installs
    every floor exactly (on the Python of the lint job, where every tool's marker holds)."""
    project = render_shared(**EACH_KIND[kind])
    pyproject = read_pyproject(project)
    lint = load_workflow(project, "ci.yml")["jobs"]["lint"]
    python = str(steps_using(lint, "astral-sh/setup-uv")[0]["with"]["python-version"])
    declared = {("pyproject.toml",): pyproject["project"].get("dependencies", [])} | {
        ("--group", f"pyproject.toml:{group}"): requirements
        for group, requirements in pyproject["dependency-groups"].items()
    }
    declared = {source: requirements for source, requirements in declared.items() if requirements}
    assert len(declared) >= 2, declared  # dev and docs, and a plugin's dependencies
    for source, requirements in declared.items():
        lowest = ["pip", "compile", "-q", *source, "--resolution", "lowest-direct", "--no-deps"]
        compiled = uv(*lowest, "--python-version", python, cwd=project).stdout
        resolved = {n: Version(v) for n, v in re.findall(r"^([\w.-]+)==(\S+)$", compiled, re.MULTILINE)}
        bounds = {
            r.name: Version(s.version)
            for r in map(Requirement, requirements)
            for s in r.specifier
            if s.operator == ">="
        }
        assert bounds, source
        assert {tool: resolved.get(tool) for tool in bounds} == bounds, source


@pytest.mark.parametrize("license", LICENSES)
def test_each_license_sets_its_expression_text_and_classifiers(render_shared, license: str) -> None:
    """Classifiers known to PyPI ("Private ::" ones never are: PyPI refuses them on purpose),
    none a license (PEP 639); a Proprietary package is private and has no LICENSE."""
    answers = EACH_LICENSE[license]
    project_dir = render_shared(**answers)
    metadata = read_pyproject(project_dir)["project"]
    classifiers = set(metadata["classifiers"])
    assert {c for c in classifiers if not c.startswith("Private :: ")} <= known_classifiers
    assert not [c for c in classifiers if c.startswith("License ::")]
    assert "Typing :: Typed" in classifiers
    assert ("Private :: Do Not Upload" in classifiers) == (license == "Proprietary")
    if license == "Proprietary":
        assert metadata["license"] == "LicenseRef-Proprietary"
        assert "license-files" not in metadata
        assert not (project_dir / "LICENSE").exists()
        return
    assert (metadata["license"], metadata["license-files"]) == (license, ["LICENSE"])
    text = (project_dir / "LICENSE").read_text(encoding="utf-8")
    assert [other for other, marker in LICENSE_MARKERS.items() if marker in text] == [license]
    assert re.search(rf"Copyright (\(c\) )?{YEAR},? {answers['author_name']}\n", text), text[:300]


@pytest.mark.parametrize("answers", [*EACH_KIND.values(), {"license": "Proprietary"}], ids=answers_id)
def test_answers_file_records_every_asked_answer_and_no_computed_value(render_shared, render_fresh, answers) -> None:
    """As copier.yml defines them (each `when`, each default). Proprietary: PyPI would refuse the
    upload, so the publishing questions are neither asked nor stored (nor copyright_year: no
    LICENSE). The defaults are rendered from git, as users render: with a _commit."""
    recorded = read_answers(render_shared(**answers) if answers else render_fresh())
    assert recorded.pop("_src_path")
    assert answers or recorded.pop("_commit")
    assert recorded == recorded_answers(**answers)
    private = answers.get("license") == "Proprietary"
    assert bool({"pypi_environment", "testpypi", "testpypi_environment", "copyright_year"} & set(recorded)) != private


def test_changelog_follows_keep_a_changelog_and_readme_documents_development(render_shared) -> None:
    """The README: the checks the suite runs (commands.run_generated_checks); releasing: tests/ci."""
    changelog, readme = ((render_shared() / name).read_text(encoding="utf-8") for name in ("CHANGELOG.md", "README.md"))
    assert "https://keepachangelog.com/" in changelog
    assert "## [Unreleased]" in changelog
    for command in ("uv sync", "uv run pytest", "uv run ruff check", "uv run ruff format --check", "uv run mypy"):
        assert command in readme, command
    assert "uv build" in readme


# Punctuation an {% if %} that rendered nothing leaves behind: "how);;", "( )", "word ,".
LEFT_BEHIND = re.compile(r"[;,:] *[;,.]|\( *\)|\w [;,.:](?!\S)")


@pytest.mark.parametrize("answers", workflow_answer_sets(), ids=answers_id)
def test_prose_keeps_no_punctuation_of_a_passage_an_answer_left_out(render_shared, answers) -> None:
    """Every Markdown file outside code, under every value of every switch and choice."""
    project, found = render_shared(**answers), []
    for path in sorted([*project.glob("*.md"), *project.glob("docs/*.md")]):
        fenced = False
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            fenced ^= line.lstrip().startswith("```")
            if not fenced and LEFT_BEHIND.search(re.sub(r"`[^`]*`", "code", line)):
                found.append(f"{path.relative_to(project)}:{number}: {line}")
    assert not found, "\n".join(found)


# A file that sends its reader to a README section names it in quotes or italics after "README":
# 'README.md ("One-time setup: GitHub settings")', 'the README's *Making a release*'.
README_SECTION = re.compile(r'README(?:\.md)?(?:\'s)?[ ,(]+(?:"([^"]+)"|\*([^*]+)\*)')


@pytest.mark.parametrize("answers", workflow_answer_sets(), ids=answers_id)
def test_each_readme_section_a_file_names_is_a_heading_of_the_readme(render_shared, answers) -> None:
    """Comments, docstrings and pages that point at the README point at a section it has."""
    project = render_shared(**answers)
    titles = headings(project / "README.md")
    named: dict[str, list[str]] = {}
    for name in project_files(project):
        lines = (project / name).read_text(encoding="utf-8").splitlines()
        text = " ".join(line.strip().lstrip("#/ ").strip() for line in lines)  # comments joined
        for quoted, italic in README_SECTION.findall(text):
            named.setdefault(quoted or italic, []).append(name)
    assert named, "no file names a README section: the pattern no longer finds them"
    assert {title: names for title, names in named.items() if title not in titles} == {}


TESTPYPI_INSTALL = '"{distribution_name}==<version>" --extra-index-url https://test.pypi.org/simple/'
# Which <version> to install: the rehearsal's own (test_release_preflight.py: run 7, attempt 2 is .dev702).
REHEARSAL_VERSION = (
    ".devNNAA (run number NN, attempt AA), shown in the run's summary. Install that <version> with TestPyPI"
)
PUBLISHING = ("trusted publishing", "pending publisher", "pypi.org", "TestPyPI", "Environment name")
PRIVATE = {"license": "Proprietary", "testpypi": True}  # testpypi: not asked, so it must not bring TestPyPI back
RELEASE_YML, NEVER = "Workflow name:     release.yml", "never uploaded to PyPI"


@pytest.mark.parametrize(
    ("answers", "present", "absent"),
    [
        pytest.param(
            {"project_kind": "llm-plugin"},
            [RELEASE_YML, REHEARSAL_VERSION, f"llm python -m pip install {TESTPYPI_INSTALL}", "llm install llm-python"],
            [],
            id="llm-plugin",
        ),
        pytest.param({"testpypi": False}, [RELEASE_YML], ["test.pypi.org", "TestPyPI"], id="no-testpypi"),
        pytest.param(
            PRIVATE,
            [NEVER, "runs the tests, checks the tag and builds the wheel and sdist, then attaches them"],
            PUBLISHING,
            id="private",
        ),
        pytest.param(
            {**PRIVATE, "github_release": False},
            [NEVER, "builds the wheel and sdist, kept as a workflow artifact"],
            [*PUBLISHING, "GitHub release"],
            id="private-without-github-release",
        ),
    ],
)
def test_after_copy_message_says_what_to_do_next(
    template_tree: Path, tmp_path: Path, answers: dict[str, Any], present: list[str], absent: list[str]
) -> None:
    """The values of PyPI's form (each answer's place: test_answer_places.py), the TestPyPI route
    of the kind, the git hooks and the releases; a private package: what a tag does instead."""
    data = data_args({**REQUIRED_ANSWERS, **answers})
    done = copier_cli("copy", "--defaults", *data, template_tree, tmp_path / "out", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    message = done.stderr + done.stdout
    texts = (message, " ".join(message.split()))
    for fragment in [*present, "uv run prek install"]:
        assert any(fragment.format(**derived_names(**answers)) in text for text in texts), fragment
    # The README sections the message sends the user to: the settings by hand, instead of the
    # setup script; later releases, whose steps test_release_run.py types.
    readme = (tmp_path / "out" / "README.md").read_text(encoding="utf-8")
    by_hand = re.findall(r'^Without it, by hand, on GitHub \(README\.md, "([^"]+)"\):$', message, re.MULTILINE)
    later = re.findall(r'^Later releases: README\.md, "([^"]+)"', message, re.MULTILINE)
    assert len(by_hand) == len(later) == 1, message
    assert [section for section in by_hand + later if f"\n### {section}\n" not in readme] == []
    first, *_ = readme_release_steps(tmp_path / "out")  # the README's first release, on one line
    assert f"\nFirst release: {' && '.join(first.splitlines())} (" in message
    assert [fragment for fragment in absent if fragment in message] == []
