"""Rules about the template itself, checked from copier.yml and the template's files.

Undefined names fail a render (copier's StrictUndefined); what running Python or
the tools leaves in a template checkout reaches no project; the answer sets the
workflow checks use cover every bool and choice question, and the README's
question table is copier.yml's, so a new question, choice or workflow is checked
the moment it exists.
"""

from __future__ import annotations

import itertools
import math
import re
import shutil
from pathlib import Path
from typing import Any

from support.answers import (
    REQUIRED_ANSWERS,
    choice_questions,
    choice_values,
    data_args,
    questions_read_by_workflows,
    workflow_answer_sets,
)
from support.commands import copier_cli, run
from support.facts import KIND_MODULES, KIND_TESTS, KINDS, TEMPLATE_DIR, copier_config
from support.rendering import project_files
from support.workflows import expression_problems, load_workflow, permission_problems, workflow_names

# --- what a render takes from the template --------------------------------------------------------


def test_a_misspelt_name_fails_the_render(copie: Any, template_snapshot: Path, tmp_path: Path) -> None:
    """`{{ licence }}` for `{{ license }}` stops the render, naming it, instead of rendering empty
    (copier.yml's `_envops: StrictUndefined`; the floor copier's renders show the floor reads it)."""
    template = tmp_path / "template"
    shutil.copytree(template_snapshot, template)
    readme = template / "template" / "README.md.jinja"
    readme.write_text(readme.read_text(encoding="utf-8") + "\nLicensed under {{ licence }}.\n", encoding="utf-8")
    run(["git", "commit", "-q", "-am", "a typo"], template)

    result = copie.copy(extra_answers={"project_name": "Acme Widgets", "github_owner": "acme"}, template_dir=template)

    assert result.exit_code != 0
    assert "'licence' is undefined" in str(result.exception)


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
    done = copier_cli("copy", "--defaults", *data_args(REQUIRED_ANSWERS), template, tmp_path / "out", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    files = project_files(tmp_path / "out")
    assert "pyproject.toml" in files
    caches = r"(^|/)(__pycache__|\.mypy_cache|\.ruff_cache|\.pytest_cache)/|\.pyc$|\.DS_Store$"
    assert {f for f in files if re.search(caches, f)} == set()


# --- what the workflow checks cover ----------------------------------------------------------------


def test_workflow_answer_sets_take_every_value_and_pair_those_the_workflows_single_out() -> None:
    """Every value of every bool and choice question; and license=Proprietary drops the publish
    jobs, testpypi and github_release drop one each, cli adds a step: each pair of those together."""
    config = copier_config()
    questions = choice_questions(config)
    assert questions, "copier.yml has no bool or choice question?"
    rows = [
        {q: answers.get(q, config[q].get("default")) for q in questions} for answers in workflow_answer_sets(config)
    ]
    for name in questions:
        for value in choice_values(config, name):
            assert any(row[name] == value for row in rows), f"{name}={value!r} is never rendered"
    singled: dict[str, list[Any]] = {
        "license": ["MIT", "Proprietary"],
        "testpypi": [True, False],
        "github_release": [True, False],
        "project_kind": ["library", "cli"],
    }
    for (a, values_a), (b, values_b) in itertools.combinations(singled.items(), 2):
        for va, vb in itertools.product(values_a, values_b):
            assert any(row[a] == va and row[b] == vb for row in rows), f"{a}={va} with {b}={vb}"
    # ... and the count stays far below the full product of the values.
    assert len(rows) < math.prod(len(choice_values(config, name)) for name in questions) / 4


def test_new_questions_join_the_workflow_answer_sets() -> None:
    """Questions added to copier.yml (a bool, a multiselect) are covered without editing
    any test: the sets come from copier.yml itself."""
    config = copier_config()
    config["docs_site"] = {"type": "bool", "help": "Publish docs?", "default": False}
    systems = {"Linux": "ubuntu-latest", "Windows": "windows-latest", "macOS": "macos-latest"}
    config["operating_systems"] = {"type": "str", "multiselect": True, "choices": systems, "default": ["ubuntu-latest"]}
    sets = workflow_answer_sets(config)
    assert {"docs_site": True} in sets
    for value in (["windows-latest"], ["macos-latest"], list(systems.values())):
        assert {"operating_systems": value} in sets
    assert {"docs_site", "operating_systems"} <= set(choice_questions(config))


def test_every_question_a_workflow_reads_is_covered() -> None:
    """The workflow templates read bool and choice questions (varied by the answer sets)
    and free-text ones (validated, and varied by the injection tests); a question of
    another type would be rendered only at its default: this fails until it is covered."""
    config = copier_config()
    read = questions_read_by_workflows(config)
    assert {"project_kind", "license", "python_min", "testpypi", "github_release"} <= read
    free_text = {name for name in read if config[name].get("type", "str") == "str" and "choices" not in config[name]}
    assert read - free_text - set(choice_questions(config)) == set()
    assert all("validator" in config[name] for name in free_text), free_text


def test_expression_check_runs_on_a_workflow_nobody_listed(render_shared: Any, tmp_path: Path) -> None:
    """A new workflow file with hashFiles() in a job-level env (GitHub rejects it at run
    time) is found by the checks, which discover the files instead of listing them."""
    project = tmp_path / "project"
    shutil.copytree(render_shared(), project)
    (project / ".github" / "workflows" / "docs.yml").write_text(
        "on: push\npermissions: {}\njobs:\n  docs:\n    runs-on: ubuntu-latest\n"
        "    env:\n      LOCKED: ${{ hashFiles('uv.lock') != '' }}\n    steps:\n      - run: true\n",
        encoding="utf-8",
    )
    assert "docs.yml" in workflow_names(project)
    problems = [p for name in workflow_names(project) for p in expression_problems(load_workflow(project, name))]
    assert problems == ["docs: jobs.<job_id>.env: function hashFiles() is not available: hashFiles('uv.lock') != ''"]


# --- README ----------------------------------------------------------------------------------------


def readme_question_rows() -> dict[str, str]:
    """README's "The questions" table: key -> default column."""
    readme = (TEMPLATE_DIR / "README.md").read_text(encoding="utf-8")
    section = readme.split("## The questions", 1)[1].split("\n## ", 1)[0]
    rows: dict[str, str] = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) < 3 or not cells[0].startswith("`"):
            continue
        for key in re.findall(r"`([a-z_]+)`", cells[0]):
            rows[key] = cells[-1]
    return rows


def question_table_problems(config: dict[str, Any], rows: dict[str, str]) -> list[str]:
    """How README's question table (key -> default column) differs from copier.yml."""
    asked = [
        name
        for name, spec in config.items()
        if not name.startswith("_") and isinstance(spec, dict) and spec.get("when") is not False
    ]
    problems = [f"{name}: not in README's table" for name in asked if name not in rows]
    problems += [f"{name}: a stale row (not an asked question)" for name in rows if name not in asked]
    for name in (name for name in asked if name in rows):
        default, cell = config[name].get("default"), rows[name]
        if isinstance(default, str) and ("{{" in default or "{%" in default):  # derived: said in words
            problems += [f"{name}: derived default shown as {cell!r}"] * (cell in ("asked", "empty"))
            continue
        if default is None or default == "":
            expected = "asked" if default is None else "empty"
        elif isinstance(default, list):  # a multiselect, shown as a YAML list: [Linux]
            expected = "`[" + ", ".join(map(str, default)) + "]`"
        else:
            expected = "`" + (str(default).lower() if isinstance(default, bool) else str(default)) + "`"
        if expected not in cell:
            problems.append(f"{name}: default {expected} but README says {cell!r}")
    return problems


def test_readme_question_table_is_copier_yml() -> None:
    """Every asked question is in the table, with copier.yml's default; no stale row. The check
    can fail: a dropped question, a new one, a changed default."""
    assert question_table_problems(copier_config(), readme_question_rows()) == []
    config = copier_config()  # a copy: changed below
    del config["github_release"]
    config["wiki"] = {"type": "bool", "default": False, "help": "Wiki?"}  # (docs exists now)
    config["license"]["default"] = "ISC"
    assert question_table_problems(config, readme_question_rows()) == [
        "wiki: not in README's table",
        "github_release: a stale row (not an asked question)",
        "license: default `ISC` but README says '`MIT`'",
    ]


def test_the_kind_table_covers_every_kind_of_copier_yml() -> None:
    """support.facts' one table of what each kind adds names exactly copier.yml's kinds."""
    assert set(KIND_MODULES) == set(KIND_TESTS) == set(KINDS)


def test_this_repositorys_own_workflows_follow_the_same_rules() -> None:
    """The template's own CI is held to what it generates: expressions where GitHub
    provides them, permissions by what each job does (no kept credentials: zizmor's
    pedantic audit, tests/ci/test_workflow_rules.py)."""
    folder = TEMPLATE_DIR / ".github" / "workflows"
    names = sorted(path.name for path in folder.glob("*.y*ml"))
    assert names
    for name in names:
        workflow = load_workflow(TEMPLATE_DIR, name)
        assert expression_problems(workflow) == [], name
        assert permission_problems(workflow) == [], name
