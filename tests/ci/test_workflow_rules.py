"""Every workflow of every answer combination follows the hardening rules, and the linters agree.

The rules (``rule_problems``: least privilege, SHA pins from copier.yml, no kept credentials, no
cache where a workflow publishes, copier.yml's uv, time limits, expressions GitHub admits) hold on
every answer set of ``workflow_answer_sets`` and ``matrix_answer_sets``, and each rule catches
its defect planted in a real render. zizmor (pedantic, offline, inline ignores disregarded) and
check-jsonschema (GitHub's schemas) run once over all those renders and this repository's own
.github, beside planted defects they must find. Answers reach scripts only through env:, and
names that YAML would read as other types stay strings.
"""

from __future__ import annotations

import fnmatch
import json
import re
import shutil
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

from support.answers import answers_id, matrix_answer_sets, workflow_answer_sets
from support.commands import run
from support.facts import KINDS, TEMPLATE_DIR, UV_VERSION, copier_config, parse_yaml
from support.workflows import (
    JOB_GRANTS,
    expression_problems,
    github_files,
    load_workflow,
    permission_problems,
    run_steps,
    steps_using,
    workflow_names,
)

ZIZMOR = Path(sys.executable).with_name("zizmor")
PEDANTIC = ["--offline", "--persona", "pedantic", "--no-ignores", "--format", "json"]  # inline ignores disregarded
CHECK_JSONSCHEMA = Path(sys.executable).with_name("check-jsonschema")
CONFIG = copier_config()
PINS: dict[str, str] = CONFIG["actions"]["default"]
# A pin: owner/repo[/path]@<full commit SHA> # vX.Y.Z
PIN = re.compile(r"^[A-Za-z0-9-]+/[A-Za-z0-9._-]+(/[^@\s]+)?@[0-9a-f]{40} # v\d+\.\d+\.\d+$")
LOCAL_CI_CALL = "$/.github/workflows/ci.yml"  # release.yml calls ci.yml at the same commit

# Every combination the workflows are checked under: a new question or choice is checked the moment it exists.
_ALL = workflow_answer_sets() + matrix_answer_sets()
ANSWER_SETS = [answers for number, answers in enumerate(_ALL) if answers not in _ALL[:number]]


def uses_values(project: Path, name: str) -> list[str]:
    """Every `uses:` value of a workflow as written, comment included."""
    text = (project / ".github" / "workflows" / name).read_text(encoding="utf-8")
    return [m.group(1).strip() for m in re.finditer(r"^\s*(?:- )?uses:\s*(.+)$", text, re.MULTILINE)]


def rule_problems(project: Path) -> list[str]:
    """Where the workflows of a render break the rules (an empty list when they hold)."""
    problems = []
    for name in workflow_names(project):
        workflow = load_workflow(project, name)
        problems += [f"{name}: {p}" for p in permission_problems(workflow) + expression_problems(workflow)]
        problems += [
            f"{name}: {value} is not a pin of copier.yml"
            for value in uses_values(project, name)
            if value not in PINS.values() and (value, name) != (LOCAL_CI_CALL, "release.yml")
        ]
        publishes = any(does(job) for job in workflow["jobs"].values() for _, does in JOB_GRANTS.values())
        for job_id, job in workflow["jobs"].items():
            where, limit = f"{name}: {job_id}", job.get("timeout-minutes")
            if "uses" in job:  # a reusable-workflow call: its own jobs carry their limits
                problems += [f"{where}: a time limit on a workflow call"] if limit is not None else []
            elif not isinstance(limit, int) or not 1 <= limit <= 60:
                problems.append(f"{where}: no time limit of at most an hour")
            actions = [str(step.get("uses", "")).split("@")[0] for step in job.get("steps", [])]
            # Without setup-uv before it, attest-action installs its own uv, cache on.
            attest = actions.index("astral-sh/attest-action") if "astral-sh/attest-action" in actions else None
            if attest is not None and "astral-sh/setup-uv" not in actions[:attest]:
                problems.append(f"{where}: attest-action without setup-uv before it")
            for step in steps_using(job, "actions/checkout"):
                if step.get("with", {}).get("persist-credentials") is not False:
                    problems.append(f"{where}: a checkout keeps credentials")
            for step in steps_using(job, "astral-sh/setup-uv"):
                if step["with"].get("version") != UV_VERSION:
                    problems.append(f"{where}: setup-uv installs uv {step['with'].get('version')}, not {UV_VERSION}")
                # setup-uv leaves its cache off on tag pushes, but not on a manual run.
                if publishes and step["with"].get("enable-cache") is not False:
                    problems.append(f"{where}: a cache in a workflow that publishes")
    return problems


@pytest.mark.parametrize("answers", ANSWER_SETS, ids=answers_id)
def test_every_workflow_follows_the_rules(render_shared, answers: dict[str, Any]) -> None:
    assert rule_problems(render_shared(**answers)) == []


# (workflow, pattern, replacement, what the rules then report): each defect alone, in a real render.
RULE_BREAKS = {
    "an extra grant": ("ci.yml", r"contents: read", "contents: write", "contents: write is more than"),
    "top-level permissions": ("ci.yml", r"(?m)^permissions: \{\}$", "permissions: {contents: read}", "top-level"),
    "a publish job without a token": ("release.yml", r"id-token: write", "contents: read", "lacks id-token: write"),
    "a token without an environment": ("release.yml", r"    environment:\n(?:      .*\n){2}", "", "without an environment"),
    "hashFiles() in a job's env": ("ci.yml", r"    env:\n      PACKAGE_NAME:", "    env:\n      LOCKED: ${{ hashFiles('uv.lock') != '' }}\n      PACKAGE_NAME:", "function hashFiles() is not available"),
    "runner in a job's env": ("ci.yml", r"    env:\n      PACKAGE_NAME:", "    env:\n      TEMP: ${{ runner.temp }}\n      PACKAGE_NAME:", "context 'runner' is not available"),
    "an unpinned action": ("ci.yml", r"actions/checkout@[0-9a-f]{40} # v[\d.]+", "actions/checkout@v7", "not a pin"),
    "a kept credential": ("ci.yml", "persist-credentials: false", "persist-credentials: true", "keeps credentials"),
    "a cache in a release": ("release.yml", "enable-cache: false", "enable-cache: true", "a cache in a workflow"),
    "no time limit": ("ci.yml", r"(?m)^    timeout-minutes: \d+\n", "", "no time limit"),
    "a time limit on a call": ("release.yml", r"(uses: \$/.*\n)", r"\1    timeout-minutes: 30\n", "on a workflow call"),
    "another uv": ("ci.yml", f'version: "{UV_VERSION}"', 'version: "0.9.0"', "installs uv 0.9.0"),
    "attest-action before setup-uv": ("release.yml", r"(      - uses: astral-sh/setup-uv@.*\n(?:        .*\n)*)(      - uses: astral-sh/attest-action@.*\n)", r"\2\1",
                                      "attest-action without setup-uv before it"),
}  # fmt: skip


def plant(path: Path, pattern: str, replacement: str) -> Path:
    text, count = re.subn(pattern, replacement, path.read_text(encoding="utf-8"), count=1)
    assert count == 1, pattern
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("defect", RULE_BREAKS)
def test_each_rule_catches_its_defect(render_shared, tmp_path: Path, defect: str) -> None:
    name, pattern, replacement, reported = RULE_BREAKS[defect]
    shutil.copytree(render_shared() / ".github", tmp_path / ".github")
    plant(tmp_path / ".github" / "workflows" / name, pattern, replacement)
    problems = rule_problems(tmp_path)
    assert len(problems) == 1, problems
    assert reported in problems[0], problems


def test_pins_are_full_shas_with_versions_and_each_is_used(render_shared) -> None:
    """(That no template file spells a SHA of its own: test_renovate.py.)"""
    assert PINS
    for key, pin in PINS.items():
        assert PIN.match(pin), f"actions.{key} = {pin!r}"
    project = render_shared()
    assert set(PINS.values()) <= {value for name in workflow_names(project) for value in uses_values(project, name)}


def test_dependabot_updates_actions_and_uv_grouped_with_a_cooldown(render_shared) -> None:
    config = parse_yaml((render_shared() / ".github" / "dependabot.yml").read_text(encoding="utf-8"))
    assert config["version"] == 2
    assert {u["package-ecosystem"] for u in config["updates"]} == {"github-actions", "uv"}
    # Each update looks where its manifests are, as Dependabot resolves `directory` from the
    # repository's root: the workflows under it (github-actions), pyproject.toml and uv.lock (uv).
    manifests = {"github-actions": ".github/workflows/ci.yml", "uv": "pyproject.toml"}
    # One pull request per ecosystem: its one group's patterns (Dependabot's `*` wildcard) take
    # every dependency of the render, each action by owner/name, each package of pyproject.toml.
    project = render_shared()
    pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    required = [*pyproject["project"]["dependencies"], *pyproject["dependency-groups"]["dev"]]
    names = {
        "github-actions": {
            "/".join(v.split("@")[0].split("/")[:2]) for w in workflow_names(project) for v in uses_values(project, w)
        },
        "uv": {re.split(r"[\s<>=!~;\[]", str(dependency))[0] for dependency in required if isinstance(dependency, str)},
    }
    for update in config["updates"]:
        assert update["cooldown"]["default-days"] >= 7
        ((group, rule),) = update["groups"].items()
        left = {
            n
            for n in names[update["package-ecosystem"]]
            if not any(fnmatch.fnmatchcase(n, p) for p in rule["patterns"])
        }
        assert len(names[update["package-ecosystem"]]) > 2, names
        assert left == set(), f"{group} leaves {left} a pull request each"
        where = project / update["directory"].lstrip("/")
        assert (where / manifests[update["package-ecosystem"]]).is_file(), update


# --- the linters' verdict ----------------------------------------------------------------------------


def test_zizmor_and_the_schemas_pass_every_workflow_and_find_each_planted_defect(render_shared, tmp_path: Path) -> None:
    """One zizmor run and one check-jsonschema run per schema (each tool takes longer to start
    than to check a file) over every answer set's render and this repository's own .github.
    Beside them, planted: an unpinned checkout whose inline ignore --no-ignores disregards, a
    kept credential, a job without runs-on, an unknown Dependabot ecosystem. Exactly those fail."""
    projects = [render_shared(**answers) for answers in ANSWER_SETS]
    own_workflows = sorted((TEMPLATE_DIR / ".github" / "workflows").glob("*.yml"))
    renovate = TEMPLATE_DIR / ".github" / "renovate.json"  # Renovate replaced Dependabot here
    assert own_workflows
    assert renovate.is_file()
    audited, schema_checked = tmp_path / "audited", tmp_path / "schema-checked"
    for folder in (audited, schema_checked):
        shutil.copytree(projects[0] / ".github", folder / ".github")
    ci = audited / ".github" / "workflows" / "ci.yml"
    plant(ci, r"actions/checkout@[0-9a-f]{40} # v[\d.]+", "actions/checkout@v7  # zizmor: ignore[unpinned-uses]")
    plant(ci, r"        with:\n          persist-credentials: false\n", "")
    release = plant(
        schema_checked / ".github/workflows/release.yml", "runs-on: ubuntu-latest", "runs_on: ubuntu-latest"
    )
    dependabot = plant(schema_checked / ".github/dependabot.yml", "package-ecosystem: uv", "package-ecosystem: uvx")

    zizmor = run([ZIZMOR, *PEDANTIC, *projects, audited, TEMPLATE_DIR / ".github"], TEMPLATE_DIR, check=False)
    findings = {
        (f["locations"][0]["symbolic"]["key"]["Local"]["verbatim_path"], f["ident"]) for f in json.loads(zizmor.stdout)
    }
    assert findings == {(str(ci), "unpinned-uses"), (str(ci), "artipacked")}, zizmor.stdout
    assert zizmor.returncode != 0
    # It did audit every file (a run that finds no input is no proof).
    for path in [project / name for project in projects for name in github_files(project)] + own_workflows:
        assert f"completed {path}" in zizmor.stderr, path

    workflows = [path for project in projects for path in sorted((project / ".github/workflows").glob("*.y*ml"))]
    for schema, files, planted in (
        ("vendor.github-workflows", [*workflows, *own_workflows, release], release),
        ("vendor.dependabot", [*(project / ".github/dependabot.yml" for project in projects), dependabot], dependabot),
    ):
        checked = run([CHECK_JSONSCHEMA, "-o", "json", "--builtin-schema", schema, *files], TEMPLATE_DIR, check=False)
        report = json.loads(checked.stdout)
        rejected = {str(e.get("filename")) for e in report["errors"] + report.get("parse_errors", [])}
        assert (checked.returncode, rejected) == (1, {str(planted)}), checked.stdout
    run([CHECK_JSONSCHEMA, "--builtin-schema", "vendor.renovate", renovate], TEMPLATE_DIR)


# --- answers in the workflows ------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_no_answer_text_reaches_a_run_script(render_shared, kind: str) -> None:
    """Answers go into scripts through env:, never expanded into them (no script injection)."""
    answers = {
        "project_name": "Zqxa Project Title", "distribution_name": "zqxb-dist", "package_name": "zqxc_pkg",
        "description": "Zqxe summary", "author_name": "Zqxf Author", "author_email": "zqxg@example.org",
        "github_owner": "zqxh-owner", "repository_name": "zqxi-repo", "pypi_environment": "zqxj-pypi-env",
        "testpypi_environment": "zqxk-test-env", "project_kind": kind,
    } | ({"script_name": "zqxd-cmd"} if kind == "cli" else {})  # fmt: skip
    project = render_shared(**answers)
    names = workflow_names(project)
    texts = [(project / ".github" / "workflows" / name).read_text(encoding="utf-8") for name in names]
    # The answers do reach the workflows (env:, environment names, URLs) ...
    for value in ("zqxb-dist", "zqxc_pkg", "zqxj-pypi-env", "zqxk-test-env", *(["zqxd-cmd"] if kind == "cli" else [])):
        assert any(value in text for text in texts), value
    # ... but no run: script contains any of them, nor any expression ...
    for name in names:
        for job_id, job in load_workflow(project, name)["jobs"].items():
            for step in run_steps(job):
                assert "zqx" not in str(step["run"]).lower(), f"{name}: {job_id}: {step['run']}"
                assert "${{" not in str(step["run"]), f"{name}: {job_id}: {step['run']}"
    # ... and no ${{ }} expression anywhere in the workflows either.
    expressions = [e for text in texts for e in re.findall(r"\$\{\{.*?\}\}", text, re.DOTALL)]
    assert expressions  # there are some to check
    assert not [e for e in expressions if "zqx" in e.lower()]


def test_names_that_yaml_reads_as_other_types_stay_strings(render_shared) -> None:
    """Valid answers such as null, 0x10 or 1.10 reach the workflows as the same strings (unquoted,
    PACKAGE_NAME would be empty, and the environment 1.10 would be 1.1, not PyPI's publisher's)."""
    project = render_shared(
        package_name="null", project_kind="cli", script_name="2.0", pypi_environment="0x10", testpypi_environment="1.10"
    )
    assert load_workflow(project, "ci.yml")["jobs"]["test"]["env"] == {"PACKAGE_NAME": "null", "SCRIPT_NAME": "2.0"}
    jobs = load_workflow(project, "release.yml")["jobs"]
    assert jobs["build"]["env"]["PACKAGE_NAME"] == "null"
    assert jobs["publish-pypi"]["environment"]["name"] == "0x10"
    assert jobs["publish-testpypi"]["environment"]["name"] == "1.10"
