"""The generated GitHub workflows: their shape, their hardening, the linters' verdict, their steps run.

ci.yml tests every push and pull request; release.yml publishes every v* tag
by trusted publishing (a Proprietary package's tags are tested and built
only). Shape tests read the parsed YAML (and, for comments such as the
`# vX.Y.Z` beside a pin, the raw text); lint tests run the real
zizmor and check-jsonschema of the test environment on every combination of
the answers that change the workflows; the slow tests execute the workflows'
own `run:` scripts in a rendered project.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest

from support.answers import DEFAULT_DISTRIBUTION, DEFAULT_PACKAGE, answers_id, workflow_answer_sets
from support.commands import find_interpreter, require_interpreter, run, uv
from support.facts import (
    DEFAULT_PYTHON_MIN,
    INITIAL_VERSION,
    KINDS,
    TEMPLATE_DIR,
    ci_python_versions,
    copier_config,
    known_python_versions,
    parse_yaml,
    supported_versions,
)
from support.rendering import read_pyproject
from support.workflows import (
    JOB_GRANTS,
    expression_problems,
    github_env,
    github_files,
    load_workflow,
    permission_problems,
    run_job,
    run_lines,
    run_step,
    run_steps,
    step_named,
    steps_using,
    triggers,
    workflow_names,
)

ZIZMOR = Path(sys.executable).with_name("zizmor")
CHECK_JSONSCHEMA = Path(sys.executable).with_name("check-jsonschema")

ACTION_PINS = copier_config()["actions"]["default"]

# The answers every check of .github/ runs under, built from copier.yml's own
# bool and choice questions: each value once, plus the pairs of values the
# workflow templates single out (see workflow_answer_sets). A new question or
# choice is checked the moment it exists.
WORKFLOW_ANSWERS = workflow_answer_sets()


# A pin: owner/repo[/path]@<full commit SHA> # vX.Y.Z
PIN = re.compile(r"^[A-Za-z0-9-]+/[A-Za-z0-9._-]+(/[^@\s]+)?@[0-9a-f]{40} # v\d+\.\d+\.\d+$")
# The release workflow calls ci.yml from the same commit: the one local `uses:`.
LOCAL_CI_CALL = "$/.github/workflows/ci.yml"  # self-repository form


def uses_values(project: Path, name: str) -> list[str]:
    """Every `uses:` value of a workflow as written, comment included."""
    text = (project / ".github" / "workflows" / name).read_text(encoding="utf-8")
    return [m.group(1).strip() for m in re.finditer(r"^\s*(?:- )?uses:\s*(.+)$", text, re.MULTILINE)]


# --- triggers and the job graph ------------------------------------------------------------------


def test_ci_runs_on_main_by_hand_and_when_called(render_shared) -> None:
    on = triggers(load_workflow(render_shared(), "ci.yml"))
    assert set(on) == {"push", "pull_request", "workflow_dispatch", "workflow_call"}
    assert on["push"] == {"branches": ["main"]}
    assert on["pull_request"] == {"branches": ["main"]}


def test_ci_cancels_only_superseded_pull_request_runs(render_shared) -> None:
    concurrency = load_workflow(render_shared(), "ci.yml")["concurrency"]
    assert "github.event.pull_request.number" in concurrency["group"]
    assert concurrency["cancel-in-progress"] == "${{ github.event_name == 'pull_request' }}"


def test_release_runs_on_version_tags_and_by_hand_for_testpypi(render_shared) -> None:
    release = load_workflow(render_shared(), "release.yml")
    assert triggers(release) == {"push": {"tags": ["v*"]}, "workflow_dispatch": None}
    # A release is never cancelled half-way.
    assert release["concurrency"]["cancel-in-progress"] is False


def test_release_job_graph(render_shared) -> None:
    jobs = load_workflow(render_shared(), "release.yml")["jobs"]
    assert set(jobs) == {
        "test",
        "preflight",
        "build",
        "publish-pypi",
        "publish-testpypi",
        "github-release",
        "build-docs",
        "pages",
    }  # the docs jobs: tests/test_docs.py
    # The release runs exactly the CI suite (called, not copied) and the preflight before anything is built.
    assert jobs["test"]["uses"] == LOCAL_CI_CALL
    assert "steps" not in jobs["test"]
    assert jobs["build"]["needs"] == ["test", "preflight"]
    assert jobs["publish-pypi"]["needs"] == "build"
    assert jobs["publish-testpypi"]["needs"] == "build"
    assert jobs["github-release"]["needs"] == ["preflight", "publish-pypi"]
    # No job overrides the implicit success() of its needs: a failure upstream stops everything after it.
    assert not {"if"} & (set(jobs["build"]) | set(jobs["github-release"]) | set(jobs["preflight"]))
    # A tag publishes to PyPI; a manual run rehearses on TestPyPI only.
    assert jobs["publish-pypi"]["if"] == "github.event_name == 'push'"
    assert jobs["publish-testpypi"]["if"] == "github.event_name == 'workflow_dispatch'"


def test_without_testpypi_there_is_no_rehearsal(render_shared) -> None:
    project = render_shared(testpypi=False)
    release = load_workflow(project, "release.yml")
    assert set(triggers(release)) == {"push"}
    assert set(release["jobs"]) == {
        "test",
        "preflight",
        "build",
        "publish-pypi",
        "github-release",
        "build-docs",
        "pages",
    }
    assert "test.pypi.org" not in (project / ".github" / "workflows" / "release.yml").read_text(encoding="utf-8")


@pytest.mark.parametrize("github_release", [True, False])
def test_a_private_package_is_tested_and_built_but_never_published(render_shared, github_release: bool) -> None:
    """license=Proprietary adds "Private :: Do Not Upload", which PyPI refuses: a tag
    runs the tests and the build (tag check, smoke tests, artifact) and, if asked,
    the GitHub release; nothing publishes, nothing asks for an OIDC token."""
    project = render_shared(license="Proprietary", testpypi=True, github_release=github_release)
    release = load_workflow(project, "release.yml")
    assert triggers(release) == {"push": {"tags": ["v*"]}}  # no manual TestPyPI rehearsal
    jobs = release["jobs"]
    assert set(jobs) == {"test", "preflight", "build"} | ({"github-release"} if github_release else set())
    assert jobs["test"]["uses"] == LOCAL_CI_CALL
    assert jobs["build"]["needs"] == ["test", "preflight"]
    # The very build job of a published package without rehearsal: build, smoke tests, artifact.
    assert jobs["build"] == load_workflow(render_shared(testpypi=False), "release.yml")["jobs"]["build"]
    if github_release:
        assert jobs["github-release"]["needs"] == ["preflight", "build"]
        assert "if" not in jobs["github-release"]
        assert steps_using(jobs["github-release"], "actions/download-artifact")
        assert run_lines(jobs["github-release"], "gh release create")
    for name in workflow_names(project):
        for job_id, job in load_workflow(project, name)["jobs"].items():
            assert "id-token" not in job.get("permissions", {}), f"{name}: {job_id}"
            assert "environment" not in job, f"{name}: {job_id}"
    text = (project / ".github" / "workflows" / "release.yml").read_text(encoding="utf-8")
    for absent in ("id-token", "uv publish", "pypi.org", "attest", "workflow_dispatch"):
        assert absent not in text, absent


def test_without_github_release_nothing_writes_to_the_repository(render_shared) -> None:
    project = render_shared(github_release=False)
    jobs = load_workflow(project, "release.yml")["jobs"]
    assert set(jobs) == {"test", "preflight", "build", "publish-pypi", "publish-testpypi", "build-docs", "pages"}
    assert all("write" not in job["permissions"].get("contents", "") for job in jobs.values())


# --- the matrix -------------------------------------------------------------------------------------


@pytest.mark.parametrize("every", [False, True], ids=["ends", "every"])
@pytest.mark.parametrize("python_min", known_python_versions())
def test_ci_matrix_is_the_supported_range_or_its_ends(render_shared, python_min: str, every: bool) -> None:
    # Without the answer: the default (a render other tests share).
    answers = {"python_min": python_min, **({"test_every_python": True} if every else {})}
    job = load_workflow(render_shared(**answers), "ci.yml")["jobs"]["test"]
    assert job["strategy"]["matrix"]["python-version"] == ci_python_versions(python_min, every=every)
    assert job["strategy"]["fail-fast"] is False
    assert "${{ matrix.python-version }}" in job["name"]
    (setup_uv,) = steps_using(job, "astral-sh/setup-uv")
    assert setup_uv["with"]["python-version"] == "${{ matrix.python-version }}"


def test_ci_steps_cover_the_whole_check(render_shared) -> None:
    jobs = load_workflow(render_shared(project_kind="cli"), "ci.yml")["jobs"]
    assert set(jobs) == {"lint", "test", "docs"}  # docs: tests/test_docs.py
    commands = {job_id: [str(step["run"]) for step in run_steps(job)] for job_id, job in jobs.items()}
    # Once per push: the checks whose verdict does not depend on the Python version ...
    for expected in (
        "uv sync",
        "uv run ruff check --output-format=github",
        "uv run ruff format --check --output-format=github",
        "uv run zizmor --offline --format=github .",
    ):
        assert any(expected in command for command in commands["lint"]), expected
    # ... and per Python: types, tests, the build and the installed wheel.
    for expected in (
        "uv sync",
        "uv run mypy",
        "uv run pytest",
        "uv build",
        "--isolated --no-project --with dist/*.whl",
    ):
        assert any(expected in command for command in commands["test"]), expected
    for once in ("ruff", "zizmor"):
        assert not any(once in command for command in commands["test"]), once
    assert "strategy" not in jobs["lint"]
    # The cli kind also runs its console script from the installed wheel.
    assert any('"$SCRIPT_NAME" --version' in command for command in commands["test"])
    # Locked installs once uv.lock is committed, unlocked before.
    for job_id, job in jobs.items():
        installing = step_named(job, "documentation" if job_id == "docs" else "install")  # docs: `uv run`
        assert installing["env"] == {"UV_LOCKED": "${{ hashFiles('uv.lock') != '' }}"}


# --- permissions and environments -------------------------------------------------------------------


@pytest.mark.parametrize("answers", WORKFLOW_ANSWERS, ids=answers_id)
def test_permissions_follow_what_each_job_does(render_shared, answers: dict[str, Any]) -> None:
    """`permissions: {}` on top; per job, read access to the code plus only the grants of
    what it does; `id-token: write` only in a job that runs in an environment."""
    project = render_shared(**answers)
    for name in workflow_names(project):
        assert permission_problems(load_workflow(project, name)) == [], name


def test_permission_rules_find_what_they_should() -> None:
    """The rules above can fail: an extra grant, a missing one, a token without an environment."""
    publish = {"steps": [{"run": "uv publish --trusted-publishing always dist/*"}]}
    workflow = {
        "permissions": {"contents": "read"},
        "jobs": {
            "test": {"permissions": {"contents": "write"}, "steps": [{"run": "uv build"}]},
            "publish": {**publish, "permissions": {"contents": "read"}, "environment": "release"},
            "sneaky": {**publish, "permissions": {"id-token": "write"}},
            "release": {"permissions": {"contents": "write"}, "steps": [{"run": 'gh release create "$T"'}]},
        },
    }
    assert permission_problems(workflow) == [
        "top-level permissions are not {}",
        "test: contents: write is more than what the job does needs",
        "publish publishes to a package index but lacks id-token: write",
        "sneaky: id-token without an environment (nothing gates the token)",
    ]


@pytest.mark.parametrize(("pypi_environment", "testpypi_environment"), [("release", "testpypi"), ("pypi", "rehearsal")])
def test_publish_environments_follow_the_answers(
    render_shared, pypi_environment: str, testpypi_environment: str
) -> None:
    project = render_shared(
        pypi_environment=pypi_environment, testpypi_environment=testpypi_environment, distribution_name="acme-gadgets"
    )
    jobs = load_workflow(project, "release.yml")["jobs"]
    assert jobs["publish-pypi"]["environment"] == {"name": pypi_environment, "url": "https://pypi.org/p/acme-gadgets"}
    assert jobs["publish-testpypi"]["environment"] == {
        "name": testpypi_environment,
        "url": "https://test.pypi.org/p/acme-gadgets",
    }
    # Only the publishing jobs run in an environment (its protection rules gate the upload).
    assert {job_id for job_id, job in jobs.items() if "environment" in job} == {
        "publish-pypi",
        "publish-testpypi",
        "pages",
    }


def test_acceptance_renders_publish_from_release_and_pypi(render_shared) -> None:
    """Issue acceptance 1: the publish environment of the default and of the minimal render."""
    default = load_workflow(render_shared(), "release.yml")["jobs"]
    minimal = load_workflow(
        render_shared(pypi_environment="pypi", testpypi=False, github_release=False), "release.yml"
    )["jobs"]
    assert default["publish-pypi"]["environment"]["name"] == "release"
    assert minimal["publish-pypi"]["environment"]["name"] == "pypi"
    for jobs in (default, minimal):
        with_id_token = {job_id for job_id, job in jobs.items() if "id-token" in job["permissions"]}
        assert with_id_token == {"publish-pypi", "publish-testpypi", "pages"} & set(jobs)


# --- hardening ---------------------------------------------------------------------------------------


def test_action_pins_in_copier_yml_are_full_shas_with_versions() -> None:
    assert ACTION_PINS
    for key, pin in ACTION_PINS.items():
        assert PIN.match(pin), f"actions.{key} = {pin!r}"


def test_pins_are_written_only_in_copier_yml() -> None:
    """Each pin lives once, in copier.yml's `actions`: no template file spells a SHA."""
    sha = re.compile(r"@[0-9a-f]{40}\b")
    for path in (TEMPLATE_DIR / "template").rglob("*"):
        if path.is_file():
            assert not sha.search(path.read_text(encoding="utf-8")), path


@pytest.mark.parametrize("answers", WORKFLOW_ANSWERS, ids=answers_id)
def test_every_uses_is_a_pin_from_copier_yml(render_shared, answers: dict[str, Any]) -> None:
    project = render_shared(**answers)
    for name in workflow_names(project):
        for value in uses_values(project, name):
            if value.startswith(LOCAL_CI_CALL):
                assert name == "release.yml"
                continue
            assert PIN.match(value), f"{name}: {value}"
            assert value in ACTION_PINS.values(), f"{name}: {value} is not copier.yml's pin"


def test_every_pin_in_copier_yml_is_used(render_shared) -> None:
    project = render_shared()
    used = {value for name in workflow_names(project) for value in uses_values(project, name)}
    assert set(ACTION_PINS.values()) <= used


@pytest.mark.parametrize("answers", WORKFLOW_ANSWERS, ids=answers_id)
def test_checkouts_keep_no_credentials_and_release_jobs_no_cache(render_shared, answers: dict[str, Any]) -> None:
    project = render_shared(**answers)
    for name in workflow_names(project):
        workflow = load_workflow(project, name)
        publishes = any(does(job) for job in workflow["jobs"].values() for _, does in JOB_GRANTS.values())
        for job_id, job in workflow["jobs"].items():
            for step in steps_using(job, "actions/checkout"):
                assert step.get("with", {}).get("persist-credentials") is False, f"{name}: {job_id}"
            if publishes:
                for step in steps_using(job, "astral-sh/setup-uv"):
                    # setup-uv v10 leaves its cache off on tag pushes, but not on a manual run:
                    # what a workflow publishes is never built from a cache.
                    assert step.get("with", {}).get("enable-cache") is False, f"{name}: {job_id}"


@pytest.mark.parametrize("kind", KINDS)
def test_no_answer_text_reaches_a_run_script(render_shared, kind: str) -> None:
    """Answers go into scripts through env:, never expanded into them (no script injection)."""
    answers = {
        "project_name": "Zqxa Project Title",
        "distribution_name": "zqxb-dist",
        "package_name": "zqxc_pkg",
        "description": "Zqxe summary",
        "author_name": "Zqxf Author",
        "author_email": "zqxg@example.org",
        "github_owner": "zqxh-owner",
        "repository_name": "zqxi-repo",
        "pypi_environment": "zqxj-pypi-env",
        "testpypi_environment": "zqxk-test-env",
        "project_kind": kind,
    }
    if kind == "cli":
        answers["script_name"] = "zqxd-cmd"
    project = render_shared(**answers)
    names = workflow_names(project)
    texts = [(project / ".github" / "workflows" / name).read_text(encoding="utf-8") for name in names]
    # The answers do reach the workflows (env:, environment names, URLs) ...
    for value in ("zqxb-dist", "zqxc_pkg", "zqxj-pypi-env", "zqxk-test-env"):
        assert any(value in text for text in texts), value
    if kind == "cli":
        assert any("zqxd-cmd" in text for text in texts)
    # ... but no run: script contains any of them, nor any expression ...
    for name in names:
        for job_id, job in load_workflow(project, name)["jobs"].items():
            for step in run_steps(job):
                script = str(step["run"])
                assert "zqx" not in script.lower(), f"{name}: {job_id}: {script}"
                assert "${{" not in script, f"{name}: {job_id}: {script}"
    # ... and no ${{ }} expression anywhere in the workflows either.
    expressions = [e for text in texts for e in re.findall(r"\$\{\{.*?\}\}", text, re.DOTALL)]
    assert expressions  # there are some to check
    assert not [e for e in expressions if "zqx" in e.lower()]


def test_names_that_yaml_reads_as_other_types_stay_strings(render_shared) -> None:
    """Valid answers such as null, 0x10 or 1.10 reach the workflows as the same strings.

    Unquoted, YAML reads them as null and numbers: PACKAGE_NAME would be empty,
    and the environment 1.10 would become 1.1 and no longer match the name
    given to PyPI's trusted publisher.
    """
    project = render_shared(
        package_name="null", project_kind="cli", script_name="2.0", pypi_environment="0x10", testpypi_environment="1.10"
    )
    ci = load_workflow(project, "ci.yml")["jobs"]["test"]
    assert ci["env"] == {"PACKAGE_NAME": "null", "SCRIPT_NAME": "2.0"}
    jobs = load_workflow(project, "release.yml")["jobs"]
    assert jobs["build"]["env"]["PACKAGE_NAME"] == "null"
    assert jobs["publish-pypi"]["environment"]["name"] == "0x10"
    assert jobs["publish-testpypi"]["environment"]["name"] == "1.10"


def test_build_job_builds_what_the_preflight_checked(render_shared) -> None:
    """The tag checks moved to the preflight job (test_release_preflight.py runs them)."""
    job = load_workflow(render_shared(), "release.yml")["jobs"]["build"]
    build = step_named(job, "build the sdist and wheel")
    assert job["env"]["RELEASE_VERSION"] == "${{ needs.preflight.outputs.version }}"
    # setup-uv names the interpreter (UV_PYTHON): the smoke tests never depend on the runner image's.
    (setup_uv,) = steps_using(job, "astral-sh/setup-uv")
    assert setup_uv["with"]["python-version"] == DEFAULT_PYTHON_MIN
    assert build["run"] == "uv build --no-sources"
    (upload,) = steps_using(job, "actions/upload-artifact")
    assert upload["with"]["path"] == "dist/"
    assert upload["with"]["if-no-files-found"] == "error"


def test_publish_jobs_use_the_built_files_attest_and_publish_by_trusted_publishing(render_shared) -> None:
    jobs = load_workflow(render_shared(), "release.yml")["jobs"]
    artifact = steps_using(jobs["build"], "actions/upload-artifact")[0]["with"]["name"]
    for job_id in ("publish-pypi", "publish-testpypi"):
        job = jobs[job_id]
        # No checkout: a publish job sees only the artifact, never the repository.
        assert [str(s.get("uses", "run")).split("@")[0] for s in job["steps"]] == [
            "actions/download-artifact",
            "astral-sh/setup-uv",
            "astral-sh/attest-action",
            "run",
        ]
        assert job["steps"][0]["with"] == {"name": artifact, "path": "dist/"}
        (publish,) = run_lines(job, "uv publish")
        assert "--trusted-publishing always" in publish
    (pypi,) = run_lines(jobs["publish-pypi"], "uv publish")
    (testpypi,) = run_lines(jobs["publish-testpypi"], "uv publish")
    assert "--publish-url" not in pypi  # uv's default is PyPI's upload URL
    assert '--check-url "$PYPI_INDEX_URL"' in pypi  # the one value the preflight asks too
    assert "--publish-url https://test.pypi.org/legacy/" in testpypi
    assert '--check-url "$TESTPYPI_INDEX_URL"' in testpypi
    assert load_workflow(render_shared(), "release.yml")["env"] == {
        "PYPI_INDEX_URL": "https://pypi.org/simple/",
        "TESTPYPI_INDEX_URL": "https://test.pypi.org/simple/",
    }


def test_github_release_attaches_the_published_files(render_shared) -> None:
    job = load_workflow(render_shared(), "release.yml")["jobs"]["github-release"]
    assert steps_using(job, "actions/download-artifact")
    (create,) = run_lines(job, "gh release create")
    assert '"$GITHUB_REF_NAME" dist/*' in create
    assert "--generate-notes" in create
    (step,) = run_steps(job)
    assert step["env"] == {
        "GH_TOKEN": "${{ github.token }}",
        "GH_REPO": "${{ github.repository }}",
        "PRERELEASE": "${{ needs.preflight.outputs.prerelease }}",
    }


def test_dependabot_updates_actions_and_uv_grouped_with_a_cooldown(render_shared) -> None:
    config = parse_yaml((render_shared() / ".github" / "dependabot.yml").read_text(encoding="utf-8"))
    assert config["version"] == 2
    assert {u["package-ecosystem"] for u in config["updates"]} == {"github-actions", "uv"}
    for update in config["updates"]:
        assert update["cooldown"]["default-days"] >= 7
        assert update["groups"]


@pytest.mark.parametrize("answers", WORKFLOW_ANSWERS, ids=answers_id)
def test_expressions_use_only_what_github_provides_there(render_shared, answers: dict[str, Any]) -> None:
    project = render_shared(**answers)
    for name in workflow_names(project):
        assert expression_problems(load_workflow(project, name)) == [], name


def test_expression_check_finds_what_github_would_reject() -> None:
    """hashFiles() in a job's env (GitHub refuses the workflow) and runner in it are found."""
    workflow = {
        "jobs": {
            "test": {
                "runs-on": "ubuntu-latest",
                "env": {"UV_LOCKED": "${{ hashFiles('uv.lock') != '' }}", "TMP": "${{ runner.temp }}"},
                "if": "success() && github.event_name == 'push'",
                "steps": [{"run": "true", "env": {"LOCKED": "${{ hashFiles('uv.lock') != '' }}"}}],
            }
        }
    }
    problems = expression_problems(workflow)
    assert len(problems) == 2, problems
    assert "function hashFiles() is not available" in problems[0]
    assert "context 'runner' is not available" in problems[1]


# --- what the user is told -------------------------------------------------------------------------


def publisher_tables(readme: str) -> list[dict[str, str]]:
    """The README's "| field | value |" tables, each as field -> value (backticks dropped)."""
    tables: list[dict[str, str]] = []
    current: dict[str, str] | None = None
    for line in readme.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")] if line.strip().startswith("|") else []
        if cells == ["field", "value"]:
            current = {}
            tables.append(current)
        elif current is not None and len(cells) == 2 and not set(cells[0]) <= {"-"}:
            current[cells[0]] = cells[1].strip("`")
        elif not cells:
            current = None
    return tables


def test_readme_gives_the_pending_publisher_values_and_the_release_steps(render_shared) -> None:
    """Exactly what PyPI's and TestPyPI's "pending publisher" forms ask, from the answers."""
    readme = (
        render_shared(
            distribution_name="acme-gadgets",
            repository_name="gadgets-repo",
            pypi_environment="pypi",
            testpypi_environment="rehearsal",
        )
        / "README.md"
    ).read_text()
    publisher = {
        "PyPI Project Name": "acme-gadgets",
        "Owner": "acme",
        "Repository name": "gadgets-repo",
        "Workflow name": "release.yml",
    }
    assert publisher_tables(readme) == [
        {**publisher, "Environment name": "pypi"},
        {**publisher, "Environment name": "rehearsal"},
    ]
    assert "https://pypi.org/manage/account/publishing/" in readme
    assert "https://test.pypi.org/manage/account/publishing/" in readme
    # The GitHub environments to create, and how to rehearse.
    assert "create the environment `pypi` and the environment `rehearsal`" in readme
    assert "*Actions → Release → Run workflow*" in readme
    # TestPyPI as an extra index, and why: the dependencies are on PyPI only.
    assert 'python -m pip install "acme-gadgets==<version>" --extra-index-url https://test.pypi.org/simple/' in readme
    assert "usually not its dependencies" in " ".join(readme.split())
    # The release steps: bump, commit, tag, push the tag.
    for step in (
        "uv version --bump patch",
        'git commit -am "Release $(uv version --short)"',
        'git tag "v$(uv version --short)"',
        'git push origin main "v$(uv version --short)"',
    ):
        assert step in readme, step


def test_readme_without_testpypi_mentions_only_pypi(render_shared) -> None:
    readme = (render_shared(testpypi=False) / "README.md").read_text()
    assert [table["Environment name"] for table in publisher_tables(readme)] == ["release"]
    assert "test.pypi.org" not in readme
    assert "TestPyPI" not in readme


@pytest.mark.parametrize(("kind", "github_release"), [("library", True), ("cli", False), ("llm-plugin", True)])
def test_readme_of_a_private_package_neither_publishes_nor_installs_from_pypi(
    render_shared, kind: str, github_release: bool
) -> None:
    project = render_shared(license="Proprietary", testpypi=True, github_release=github_release, project_kind=kind)
    readme = (project / "README.md").read_text(encoding="utf-8")
    flat = " ".join(readme.split())
    assert publisher_tables(readme) == []
    for absent in (
        "trusted publishing",
        "trusted-publishers",
        "pending publisher",
        "test.pypi.org",
        "TestPyPI",
        "pypi.org",
        "Environment name",
    ):
        assert absent not in readme, absent
    distribution = read_pyproject(project)["project"]["name"]
    # Installed from the git repository or a built wheel, never by name from an index.
    assert f"install git+https://github.com/acme/{distribution}\n" in readme or (
        f"uv add git+https://github.com/acme/{distribution}\n" in readme
    )
    assert f" ./{distribution.replace('-', '_')}-{INITIAL_VERSION}-py3-none-any.whl\n" in readme
    assert not re.search(rf"(pip install|uv add|uv tool install|llm install) {re.escape(distribution)}\b", readme)
    # What a tag does instead.
    assert "never uploaded to PyPI" in flat
    if github_release:
        assert "builds the sdist and wheel once, and attaches those files to a GitHub release" in flat
        assert "After the build, the workflow creates a GitHub release" in flat
    else:
        assert "kept as the run's artifact `dists`" in flat
        assert "GitHub release" not in flat


@pytest.mark.parametrize("license", ["MIT", "Proprietary"])
def test_readme_first_release_tags_the_version_as_generated(render_shared, license: str) -> None:
    """The first release is pyproject.toml's version as rendered, tagged without a bump
    (a bump would skip it); every later release bumps first."""
    project = render_shared(license=license)
    readme = (project / "README.md").read_text(encoding="utf-8")
    version = read_pyproject(project)["project"]["version"]
    section = readme.split("### Making a release", 1)[1].split("\n## ", 1)[0]
    first, later = re.findall(r"```bash\n(.*?)```", section, re.DOTALL)
    assert first.splitlines() == [f"git tag v{version}", f"git push origin main v{version}"]
    assert later.splitlines()[0].startswith("uv version --bump patch")
    assert 'git tag "v$(uv version --short)"' in later


# --- linters -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("answers", WORKFLOW_ANSWERS, ids=answers_id)
def test_zizmor_pedantic_finds_nothing(render_shared, answers: dict[str, Any]) -> None:
    project = render_shared(**answers)
    zizmor = run([ZIZMOR, "--offline", "--persona", "pedantic", project], TEMPLATE_DIR, check=False)
    assert zizmor.returncode == 0, zizmor.stdout + zizmor.stderr
    # It did audit every file under .github (a run that finds no input is no proof).
    for name in github_files(project):
        assert f"completed {project / name}" in zizmor.stderr, zizmor.stderr


@pytest.mark.parametrize(
    ("schema", "folder"),
    [
        ("vendor.github-workflows", ".github/workflows"),
        ("vendor.dependabot", ".github"),
    ],
    ids=["workflows", "dependabot"],
)
def test_check_jsonschema_accepts_every_combination(render_shared, schema: str, folder: str) -> None:
    """One run over all combinations: the tool takes half a second to start."""
    paths = [
        path
        for answers in WORKFLOW_ANSWERS
        for path in sorted((render_shared(**answers) / folder).glob("*.y*ml"))
        if schema == "vendor.github-workflows" or path.name in ("dependabot.yml", "dependabot.yaml")
    ]
    assert paths
    checked = run([CHECK_JSONSCHEMA, "-o", "json", "--builtin-schema", schema, *paths], TEMPLATE_DIR, check=False)
    report = json.loads(checked.stdout)
    rejected = {str(e.get("filename")) for e in report["errors"] + report.get("parse_errors", [])}
    assert (checked.returncode, report["status"]) == (0, "ok"), (sorted(rejected), checked.stdout)


def test_check_jsonschema_rejects_what_it_should(render_shared, tmp_path: Path) -> None:
    """The run above can fail: a job without runs-on and an unknown Dependabot ecosystem are errors."""
    workflow = (render_shared() / ".github" / "workflows" / "release.yml").read_text(encoding="utf-8")
    (tmp_path / "release.yml").write_text(
        workflow.replace("runs-on: ubuntu-latest", "runs_on: ubuntu-latest"), encoding="utf-8"
    )
    dependabot = (render_shared() / ".github" / "dependabot.yml").read_text(encoding="utf-8")
    (tmp_path / "dependabot.yml").write_text(
        dependabot.replace("package-ecosystem: uv", "package-ecosystem: uvx"), encoding="utf-8"
    )
    for schema, name in (("vendor.github-workflows", "release.yml"), ("vendor.dependabot", "dependabot.yml")):
        checked = run([CHECK_JSONSCHEMA, "--builtin-schema", schema, tmp_path / name], tmp_path, check=False)
        assert checked.returncode == 1, (schema, checked.stdout)


def test_zizmor_reports_what_it_should(tmp_path: Path, render_shared) -> None:
    """The linter run above can fail: an unpinned action and a kept credential are findings."""
    workflow = (render_shared() / ".github" / "workflows" / "ci.yml").read_text(encoding="utf-8")
    broken = re.sub(r"actions/checkout@[0-9a-f]{40} # v[\d.]+", "actions/checkout@v7", workflow)
    broken = broken.replace("        with:\n          persist-credentials: false\n", "", 1)
    (tmp_path / "ci.yml").write_text(broken, encoding="utf-8")
    zizmor = run([ZIZMOR, "--offline", "--persona", "pedantic", tmp_path / "ci.yml"], tmp_path, check=False)
    assert zizmor.returncode != 0
    assert "unpinned-uses" in zizmor.stdout
    assert "artipacked" in zizmor.stdout


@pytest.mark.parametrize("answers", WORKFLOW_ANSWERS, ids=answers_id)
def test_no_zizmor_finding_is_silenced(render_shared, answers: dict[str, Any]) -> None:
    """The clean verdict above holds with inline ignores disregarded: nothing hides."""
    project = render_shared(**answers)
    zizmor = run(
        [ZIZMOR, "--offline", "--persona", "pedantic", "--no-ignores", "--format", "json", project],
        TEMPLATE_DIR,
        check=False,
    )
    assert json.loads(zizmor.stdout) == [], zizmor.stdout
    assert zizmor.returncode == 0


def test_this_repositorys_own_github_files_are_clean() -> None:
    workflows = sorted((TEMPLATE_DIR / ".github" / "workflows").glob("*.yml"))
    # This repository's own CI and its update bot's config must exist: Renovate, which
    # replaced Dependabot here (tests/test_renovate.py runs Renovate's own validator).
    renovate = TEMPLATE_DIR / ".github" / "renovate.json"
    assert workflows
    assert renovate.is_file()
    zizmor = run([ZIZMOR, "--offline", "--persona", "pedantic", TEMPLATE_DIR / ".github"], TEMPLATE_DIR, check=False)
    assert zizmor.returncode == 0, zizmor.stdout + zizmor.stderr
    for path in workflows:
        assert f"completed {path}" in zizmor.stderr, zizmor.stderr
    run([CHECK_JSONSCHEMA, "--builtin-schema", "vendor.github-workflows", *workflows], TEMPLATE_DIR)
    run([CHECK_JSONSCHEMA, "--builtin-schema", "vendor.renovate", renovate], TEMPLATE_DIR)


# --- running the steps -------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("version", supported_versions(DEFAULT_PYTHON_MIN))
def test_ci_job_steps_pass_on_each_local_matrix_python(render_fresh, version: str) -> None:
    """ci.yml's test job, step by step, as one matrix entry runs it.

    setup-uv's `python-version` exports UV_PYTHON; here it names the local
    interpreter. Versions without a local interpreter are skipped, visibly.
    Every supported version is in the matrix with test_every_python.
    """
    python = require_interpreter(version)
    project = render_fresh(test_every_python=True)
    job = load_workflow(project, "ci.yml")["jobs"]["test"]
    assert version in job["strategy"]["matrix"]["python-version"]
    # The plain entry of this version: test_ci_matrix.py runs the extra steps of the
    # lowest-direct and free-threaded entries.
    results = run_job(
        job, project, {**github_env(), "UV_PYTHON": python}, matrix={"os": "ubuntu-latest", "python-version": version}
    )
    if version != DEFAULT_PYTHON_MIN:  # the tests only: mypy, build and smoke test run on python_min
        assert "passed" in results[-1].stdout
        assert not (project / "dist").exists()
        return
    # The last step, the smoke test, imported the package from the wheel and printed its version.
    assert f"{DEFAULT_PACKAGE} {INITIAL_VERSION}" in results[-1].stdout
    assert sorted(p.name for p in (project / "dist").iterdir() if not p.name.startswith(".")) == [
        f"{DEFAULT_PACKAGE}-{INITIAL_VERSION}-py3-none-any.whl",
        f"{DEFAULT_PACKAGE}-{INITIAL_VERSION}.tar.gz",
    ]


@pytest.mark.slow
def test_ci_job_steps_pass_for_a_cli(render_fresh) -> None:
    """The cli kind adds a step: its console script runs from the built wheel.

    The other kinds' checks run in test_project_kinds.py; this is the one step
    of the workflow that only a cli has.
    """
    project = render_fresh(project_kind="cli")
    job = load_workflow(project, "ci.yml")["jobs"]["test"]
    local = [v for v in job["strategy"]["matrix"]["python-version"] if find_interpreter(v)]
    if not local:
        pytest.skip("no local interpreter for any version of the CI matrix")
    # python_min's entry: the one that builds and smoke-tests the wheel.
    results = run_job(
        job,
        project,
        {**github_env(), "UV_PYTHON": require_interpreter(local[0])},
        matrix={"os": "ubuntu-latest", "python-version": local[0]},
    )
    assert results[-1].stdout.split("\n")[:2] == [
        f"{DEFAULT_PACKAGE} {INITIAL_VERSION}",
        f"{DEFAULT_DISTRIBUTION} {INITIAL_VERSION}",
    ]


@pytest.mark.slow
def test_ci_install_is_locked_once_uv_lock_is_committed(render_fresh) -> None:
    project = render_fresh()
    job = load_workflow(project, "ci.yml")["jobs"]["test"]
    install = step_named(job, "install")
    env = {**github_env(), "UV_PYTHON": require_interpreter(DEFAULT_PYTHON_MIN)}
    uv("lock", cwd=project, env=env)
    run_step(job, install, project, env)
    # A pyproject.toml changed without `uv lock` fails CI instead of installing something else.
    pyproject = project / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text(encoding="utf-8").replace("dependencies = []", 'dependencies = ["packaging>=24"]'),
        encoding="utf-8",
    )
    stale = run_step(job, install, project, env, check=False)
    assert stale.returncode != 0
    assert "lockfile" in (stale.stdout + stale.stderr).lower()


# The tag checks (passing, mismatching, not normalised, off the default branch) run in the
# preflight job: tests/test_release_preflight.py.
