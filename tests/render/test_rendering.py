"""What a render contains: the file tree, pyproject.toml, the answers file, LICENSE."""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import pytest
from trove_classifiers import classifiers as known_classifiers

from support.answers import (
    DEFAULT_DISTRIBUTION,
    DEFAULT_NAMES,
    DEFAULT_PACKAGE,
    REQUIRED_ANSWERS,
    data_args,
    derived_names,
)
from support.commands import copier_cli
from support.facts import (
    INITIAL_VERSION,
    KINDS,
    LICENSES,
    TEMPLATE_DIR,
    ci_python_versions,
    copier_config,
    kind_files,
    known_python_versions,
    parse_yaml,
    supported_versions,
)
from support.rendering import project_files, read_answers, read_pyproject

# A sentence of each license's real text, to prove the right one was written.
LICENSE_MARKERS = {
    "MIT": "Permission is hereby granted, free of charge, to any person obtaining a copy",
    "Apache-2.0": "Apache License\n                           Version 2.0, January 2004",
    "BSD-3-Clause": "Neither the name of the copyright holder nor the names of its",
    "GPL-3.0-or-later": "GNU GENERAL PUBLIC LICENSE\n                       Version 3, 29 June 2007",
    "MPL-2.0": "Mozilla Public License Version 2.0",
    "ISC": "Permission to use, copy, modify, and/or distribute this software for any",
}

PLUGIN_DISTRIBUTION = derived_names(project_kind="llm-plugin")["distribution_name"]
PLUGIN_PACKAGE = derived_names(project_kind="llm-plugin")["package_name"]

COMMON_FILES = {
    ".copier-answers.yml",
    ".gitignore",
    ".pre-commit-config.yaml",
    ".github/dependabot.yml",
    ".github/scripts/release_preflight.py",
    ".github/workflows/ci.yml",
    ".github/workflows/release.yml",
    "CHANGELOG.md",
    "README.md",
    "pyproject.toml",
    f"src/{DEFAULT_PACKAGE}/__init__.py",
    f"src/{DEFAULT_PACKAGE}/core.py",
    f"src/{DEFAULT_PACKAGE}/py.typed",
    f"tests/test_{DEFAULT_PACKAGE}.py",
    # the documentation site (docs=true, the default; tests/test_docs.py)
    "docs/conf.py",
    "docs/index.md",
    "docs/api.md",
    "docs/changelog.md",
    "docs/development.md",
}


def expected_files(kind: str, license: str) -> set[str]:
    files = set(COMMON_FILES)
    if kind == "llm-plugin":
        files = {f.replace(DEFAULT_PACKAGE, PLUGIN_PACKAGE) for f in files}
    files |= kind_files(kind, PLUGIN_PACKAGE if kind == "llm-plugin" else DEFAULT_PACKAGE)
    if license != "Proprietary":
        files.add("LICENSE")
    return files


def test_default_render_has_exactly_the_expected_files(render_shared) -> None:
    assert project_files(render_shared()) == expected_files("library", "MIT")


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_renders_its_own_files(render_shared, kind: str) -> None:
    assert project_files(render_shared(project_kind=kind)) == expected_files(kind, "MIT")


def test_nothing_of_the_template_machinery_leaks(render_shared) -> None:
    files = project_files(render_shared(project_kind="cli"))
    leaked = {
        f
        for f in files
        if f.endswith((".jinja", ".pyc")) or "__pycache__" in f or f.startswith(("copier.", "includes/"))
    }
    assert leaked == set()
    for name in files:
        text = (render_shared(project_kind="cli") / name).read_text(encoding="utf-8")
        assert "{{" not in text.replace("${{", ""), f"unrendered Jinja in {name}"
        assert "{%" not in text, f"unrendered Jinja in {name}"


def test_default_pyproject_metadata(render_shared) -> None:
    project = read_pyproject(render_shared())["project"]
    assert project["name"] == DEFAULT_DISTRIBUTION
    assert project["version"] == INITIAL_VERSION
    assert project["description"] == ""
    assert project["readme"] == "README.md"
    assert project["requires-python"] == ">=3.11"
    assert project["license"] == "MIT"
    assert project["license-files"] == ["LICENSE"]
    assert "authors" not in project, "no one else's name may be a default"
    assert project["dependencies"] == []
    assert project["urls"] == {
        "Homepage": f"https://github.com/acme/{DEFAULT_DISTRIBUTION}",
        "Source": f"https://github.com/acme/{DEFAULT_DISTRIBUTION}",
        "Issues": f"https://github.com/acme/{DEFAULT_DISTRIBUTION}/issues",
        "Changelog": f"https://github.com/acme/{DEFAULT_DISTRIBUTION}/blob/main/CHANGELOG.md",
        "Documentation": f"https://acme.github.io/{DEFAULT_DISTRIBUTION}/",
    }


def test_build_system_uses_a_uv_build_range_that_pypi_can_satisfy(render_shared) -> None:
    build_system = read_pyproject(render_shared())["build-system"]
    assert build_system == {"requires": ["uv_build>=0.13.0,<0.14"], "build-backend": "uv_build"}


def test_dev_group_holds_the_tools_with_lower_bounds(render_shared) -> None:
    groups = read_pyproject(render_shared())["dependency-groups"]
    tool_versions = copier_config()["tool_versions"]["default"]
    assert groups["dev"] == [
        f"{tool}>={tool_versions[tool]}" for tool in ("mypy", "pytest", "pytest-cov", "ruff", "zizmor")
    ]
    assert set(groups) == {"dev", "docs"}  # docs: tests/test_docs.py


def test_authors_appear_only_as_given(render_shared) -> None:
    both = read_pyproject(render_shared(author_name="Ada Lovelace", author_email="ada@example.org"))
    assert both["project"]["authors"] == [{"name": "Ada Lovelace", "email": "ada@example.org"}]
    name_only = read_pyproject(render_shared(author_name="Ada Lovelace"))
    assert name_only["project"]["authors"] == [{"name": "Ada Lovelace"}]
    email_only = read_pyproject(render_shared(author_email="ada@example.org"))
    assert email_only["project"]["authors"] == [{"email": "ada@example.org"}]


@pytest.mark.parametrize("python_min", known_python_versions())
def test_python_min_drives_every_version_fact(render_shared, python_min: str) -> None:
    project_dir = render_shared(python_min=python_min)
    pyproject = read_pyproject(project_dir)
    versions = supported_versions(python_min)
    assert versions[0] == python_min
    assert versions[-1] == known_python_versions()[-1]
    assert pyproject["project"]["requires-python"] == f">={python_min}"
    version_classifiers = [
        c.removeprefix("Programming Language :: Python :: ")
        for c in pyproject["project"]["classifiers"]
        if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c)
    ]
    assert version_classifiers == versions
    # ruff's target is requires-python's floor: no second copy (test_checks_can_fail.py runs ruff on it).
    assert "target-version" not in pyproject["tool"]["ruff"]
    assert pyproject["tool"]["mypy"]["python_version"] == python_min
    ci = parse_yaml((project_dir / ".github/workflows/ci.yml").read_text(encoding="utf-8"))
    assert ci["jobs"]["test"]["strategy"]["matrix"]["python-version"] == ci_python_versions(python_min)
    # The checks that give one verdict for every Python run once, on the oldest
    # their tools install on (copier.yml tool_python_min); below a tool's floor
    # the dev group leaves that tool out.
    (setup_uv,) = [s for s in ci["jobs"]["lint"]["steps"] if "setup-uv" in str(s.get("uses"))]
    tool_floors = copier_config()["tool_python_min"]["default"]
    lint_python = max([python_min, *tool_floors.values()], key=known_python_versions().index)
    assert setup_uv["with"]["python-version"] == lint_python
    (zizmor,) = [d for d in pyproject["dependency-groups"]["dev"] if d.startswith("zizmor")]
    zizmor_floor = tool_floors["zizmor"]
    below_floor = known_python_versions().index(python_min) < known_python_versions().index(zizmor_floor)
    assert zizmor.endswith(f"; python_version >= '{zizmor_floor}'") == below_floor


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("license", LICENSES)
def test_classifiers_are_known_to_pypi_and_carry_no_license(render_shared, kind: str, license: str) -> None:
    classifiers = read_pyproject(render_shared(project_kind=kind, license=license))["project"]["classifiers"]
    # "Private ::" classifiers are never in the list: PyPI refuses them on purpose.
    public = {c for c in classifiers if not c.startswith("Private :: ")}
    assert public <= known_classifiers, public - known_classifiers
    assert not [c for c in classifiers if c.startswith("License ::")]
    assert "Typing :: Typed" in classifiers
    assert ("Private :: Do Not Upload" in classifiers) == (license == "Proprietary")


@pytest.mark.parametrize("license", LICENSES)
def test_license_choice_sets_the_expression_and_the_text(render_shared, license: str) -> None:
    project_dir = render_shared(license=license, author_name="Ada Lovelace")
    project = read_pyproject(project_dir)["project"]
    if license == "Proprietary":
        assert project["license"] == "LicenseRef-Proprietary"
        assert "license-files" not in project
        assert not (project_dir / "LICENSE").exists()
        return
    assert project["license"] == license
    assert project["license-files"] == ["LICENSE"]
    text = (project_dir / "LICENSE").read_text(encoding="utf-8")
    assert LICENSE_MARKERS[license] in text
    year = str(datetime.date.today().year)
    assert re.search(rf"Copyright (\(c\) )?{year},? Ada Lovelace\n", text), text[:300]
    for other, marker in LICENSE_MARKERS.items():
        if other != license:
            assert marker not in text


def test_license_holder_falls_back_to_the_github_owner(render_shared) -> None:
    text = (render_shared() / "LICENSE").read_text(encoding="utf-8")
    assert f"Copyright (c) {datetime.date.today().year} acme\n" in text


def test_copyright_year_is_an_answer_kept_for_updates(render_shared) -> None:
    project_dir = render_shared(copyright_year="2019-2026")
    assert "Copyright (c) 2019-2026 acme" in (project_dir / "LICENSE").read_text(encoding="utf-8")
    assert read_answers(project_dir)["copyright_year"] == "2019-2026"


def test_answers_file_records_every_answer_and_no_computed_value(render_fresh) -> None:
    answers = read_answers(render_fresh())  # from git, as users render: the answers file has a _commit
    assert answers.pop("_src_path")
    assert answers.pop("_commit")
    assert answers == {
        "project_name": "Acme Widgets",
        "project_kind": "library",
        "distribution_name": DEFAULT_DISTRIBUTION,
        "package_name": DEFAULT_PACKAGE,
        "description": "",
        "keywords": [],
        "author_name": "",
        "author_email": "",
        "copyright_year": str(datetime.date.today().year),
        "github_owner": "acme",
        "repository_name": DEFAULT_NAMES["repository_name"],
        "license": "MIT",
        "python_min": "3.11",
        "test_every_python": False,
        "operating_systems": ["Linux"],
        "pypi_environment": "release",
        "testpypi": True,
        "testpypi_environment": "testpypi",
        "github_release": True,
        "docs": True,
    }


def test_answers_file_of_a_private_package_has_no_publishing_answers(render_shared) -> None:
    """Proprietary: PyPI would refuse the upload, so the publishing questions are
    neither asked nor stored (nor the copyright year: there is no LICENSE)."""
    answers = read_answers(render_shared(license="Proprietary"))
    assert answers["license"] == "Proprietary"
    assert answers["github_release"] is True
    for absent in ("pypi_environment", "testpypi", "testpypi_environment", "copyright_year", "publishes_to_pypi"):
        assert absent not in answers, absent


# "." in a script name would make a bare TOML key a dotted key: a nested table
# that uv_build refuses ("invalid type: map, expected a string").
@pytest.mark.parametrize("script_name", ["widgets", "Acme.Widgets_cli-2"])
def test_cli_kind_records_its_script_name(render_shared, script_name: str) -> None:
    project_dir = render_shared(project_kind="cli", script_name=script_name)
    assert read_answers(project_dir)["script_name"] == script_name
    assert read_pyproject(project_dir)["project"]["scripts"] == {script_name: f"{DEFAULT_PACKAGE}.cli:main"}


def test_gitignore_keeps_the_lock_file(render_shared) -> None:
    lines = (render_shared() / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert {".venv/", "dist/", "__pycache__/"} <= set(lines)
    assert not [line for line in lines if "uv.lock" in line and not line.startswith("#")]


def test_changelog_follows_keep_a_changelog(render_shared) -> None:
    text = (render_shared() / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "https://keepachangelog.com/" in text
    assert "## [Unreleased]" in text
    assert f"## [{INITIAL_VERSION}]" in text


@pytest.mark.parametrize("description", ["", "   "])
def test_readme_without_a_description_has_no_gap(render_shared, description: str) -> None:
    """Blank or space-only, there is no summary paragraph, and no run of empty lines."""
    text = (render_shared(description=description) / "README.md").read_text(encoding="utf-8")
    before_installation = text.split("## Installation", 1)[0]
    # (the last badge links the documentation site: docs=true, the default)
    assert before_installation.endswith(f"](https://acme.github.io/{DEFAULT_DISTRIBUTION}/)\n\n")
    assert "\n\n\n" not in text


def test_readme_documents_development_and_release(render_shared) -> None:
    text = (render_shared() / "README.md").read_text(encoding="utf-8")
    assert text.startswith("# Acme Widgets\n")
    for command in (
        "uv sync",
        "uv run pytest",
        "uv run ruff check",
        "uv run mypy",
        "uv build",
        "uv version --bump",
        "git tag",
        "git push origin",
    ):
        assert command in text, command


def test_the_template_has_no_stray_files() -> None:
    """The _subdirectory holds only what is meant to be rendered."""
    stray = [
        p
        for p in (TEMPLATE_DIR / "template").rglob("*")
        if "__pycache__" in p.parts or p.suffix in {".pyc", ".orig", ".rej"} or p.name == ".DS_Store"
    ]
    assert stray == []


def test_jinja_suffix_only_where_templating_is_needed() -> None:
    """Plain files stay plain: a .jinja file must contain Jinja."""
    for path in (TEMPLATE_DIR / "template").rglob("*.jinja"):
        text = path.read_text(encoding="utf-8")
        if "{{" not in text and "{%" not in text:
            pytest.fail(f"{path.relative_to(TEMPLATE_DIR)} has no templating: drop the .jinja suffix")
    for path in (TEMPLATE_DIR / "template").rglob("*"):
        if path.is_file() and path.suffix != ".jinja" and "{{" not in path.name:
            text = path.read_text(encoding="utf-8")
            assert not re.search(r"(?<!\$)\{\{|\{%", text), (
                f"{path.relative_to(TEMPLATE_DIR)} contains Jinja but no .jinja suffix"
            )


def test_required_answers_are_the_only_questions_without_default() -> None:
    config = copier_config()
    questions = {k: v for k, v in config.items() if not k.startswith("_") and isinstance(v, dict)}
    asked_without_default = {name for name, q in questions.items() if "default" not in q and q.get("when") is not False}
    assert asked_without_default == set(REQUIRED_ANSWERS)


def test_questions_depend_only_on_earlier_questions() -> None:
    """Copier asks in file order and renders each question's `when`, `default`,
    `choices` and `validator` with the answers so far: a later question is
    undefined there (on a first copy), so a condition on it is silently true."""
    config = copier_config()
    names = [name for name, spec in config.items() if not name.startswith("_") and isinstance(spec, dict)]
    later_uses = []
    for position, name in enumerate(names):
        spec = config[name]
        jinja = "".join(
            match
            for key in ("when", "default", "choices", "validator")
            for match in re.findall(r"\{\{.*?\}\}|\{%.*?%\}", str(spec.get(key, "")), re.DOTALL)
        )
        used = set(re.findall(r"[A-Za-z_]\w*", jinja))
        later_uses += [(name, later) for later in names[position + 1 :] if later in used]
    assert later_uses == []


def test_no_feature_that_needs_trust() -> None:
    config = copier_config()
    assert not {"_tasks", "_migrations", "_jinja_extensions"} & set(config)


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


def test_generated_files_are_valid_yaml_and_toml(render_shared) -> None:
    for kind in KINDS:
        project_dir = render_shared(project_kind=kind)
        for path in project_dir.rglob("*"):
            if path.suffix in {".yml", ".yaml"}:
                assert parse_yaml(path.read_text(encoding="utf-8")) is not None, path
        read_pyproject(project_dir)


def test_python_releases_list_is_ordered_and_ends_with_the_newest() -> None:
    versions = known_python_versions()
    assert versions == sorted(versions, key=lambda v: tuple(map(int, v.split("."))))
    assert copier_config()["python_min"]["default"] in versions


@pytest.mark.parametrize(
    ("answers", "environment", "testpypi_line"),
    [
        (
            {},
            "release",
            f'python -m pip install "{DEFAULT_DISTRIBUTION}==<version>" --extra-index-url https://test.pypi.org/simple/',
        ),
        (
            {"project_kind": "llm-plugin", "pypi_environment": "pypi"},
            "pypi",
            f'llm python -m pip install "{PLUGIN_DISTRIBUTION}==<version>" --extra-index-url https://test.pypi.org/simple/',
        ),
        ({"testpypi": "false"}, "release", None),
    ],
)
def test_after_copy_message_gives_the_pending_publisher_values(
    template_tree: Path,
    tmp_path: Path,
    answers: dict[str, str],
    environment: str,
    testpypi_line: str | None,
) -> None:
    """What copier prints after a copy is enough to fill in PyPI's form."""
    data = data_args({**REQUIRED_ANSWERS, **answers})
    done = copier_cli("copy", "--defaults", *data, template_tree, tmp_path / "out", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    message = done.stderr + done.stdout
    distribution = derived_names(**answers)["distribution_name"]
    assert f"PyPI Project Name: {distribution}" in message
    assert "Owner:             acme" in message
    assert f"Repository name:   {distribution}" in message
    assert "Workflow name:     release.yml" in message
    assert f"Environment name:  {environment}" in message
    if testpypi_line is None:
        assert "test.pypi.org" not in message
    else:
        assert testpypi_line in message
        assert 'the environment "testpypi" (for TestPyPI)' in message
    # The first release is the version as generated; later ones bump first.
    assert f"First release: git tag v{INITIAL_VERSION} && git push origin v{INITIAL_VERSION}" in message
    assert "Later releases: uv version --bump patch" in message
    assert "uvx prek install" in message  # the git hooks, before the first commit


@pytest.mark.parametrize("github_release", [True, False])
def test_after_copy_message_of_a_private_package_has_no_publishing_steps(
    template_tree: Path, tmp_path: Path, github_release: bool
) -> None:
    """Proprietary: no trusted-publishing setup to follow, but what a tag does instead.
    testpypi=true is passed on purpose: a question that is not asked must not bring it back."""
    data = data_args({**REQUIRED_ANSWERS, "license": "Proprietary", "testpypi": True, "github_release": github_release})
    done = copier_cli("copy", "--defaults", *data, template_tree, tmp_path / "out", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    message = done.stderr + done.stdout
    assert f'Your package "{DEFAULT_DISTRIBUTION}" is ready' in message  # the message was printed at all
    for absent in ("trusted publishing", "pending publisher", "pypi.org", "TestPyPI", "Environment name"):
        assert absent not in message, absent
    flat = " ".join(message.split())
    assert "never uploaded to PyPI" in flat
    assert "runs the tests, checks the tag and builds the wheel and sdist" in flat
    assert ("attaches them to a GitHub release" in flat) == github_release
    assert f"First release: git tag v{INITIAL_VERSION} && git push origin v{INITIAL_VERSION}" in message
