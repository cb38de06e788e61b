"""When each generated workflow runs, which jobs it has for which answers, and what each job does.

ci.yml runs on pushes and pull requests to main, by hand and when called: a lint job once
per push beside the test matrix (its entries: test_matrix.py). release.yml runs on v* tags,
and by hand to rehearse on TestPyPI: it calls ci.yml and runs the preflight, builds once,
publishes those files by trusted publishing and makes the GitHub release. Which jobs exist
follows the answers (a Proprietary package is tested and built, never published); the
docs jobs are tests/docs/test_docs_site.py's, the rules every job follows (permissions,
pins, caches, time limits) test_workflow_rules.py's; the steps run in test_checks_fail.py,
test_matrix.py and tests/release/.
"""

from __future__ import annotations

import fnmatch
import re
from typing import Any

import pytest

from support.answers import answers_id, workflow_answer_sets
from support.facts import copier_config
from support.rendering import read_pyproject
from support.workflows import load_workflow, run_lines, run_steps, step_named, steps_using, triggers, workflow_names

CONFIG = copier_config()
LOCAL_CI_CALL = "$/.github/workflows/ci.yml"  # self-repository form: the same commit
# job: (the event it runs on, the question naming its environment, the index)
PUBLISH_JOBS = {
    "publish-pypi": ("push", "pypi_environment", "https://pypi.org"),
    "publish-testpypi": ("workflow_dispatch", "testpypi_environment", "https://test.pypi.org"),
}


def test_ci_runs_on_main_by_hand_and_when_called_and_lints_once_per_push(render_shared) -> None:
    project = render_shared()
    ci = load_workflow(project, "ci.yml")
    assert triggers(ci) == {
        "push": {"branches": ["main", "release/**"]},
        "pull_request": {"branches": ["main", "release/**"]},
        "workflow_dispatch": None,
        "workflow_call": None,
    }
    # The README's branch of an older version's fixes is one they take (pushes and pull requests).
    found = re.search(r"git switch -c (release/\S+)", (project / "README.md").read_text(encoding="utf-8"))
    assert found is not None
    assert all(
        any(fnmatch.fnmatchcase(found[1], b) for b in triggers(ci)[on]["branches"]) for on in ("push", "pull_request")
    )
    # Which run cancels or waits for which: test_concurrency.py.
    jobs = ci["jobs"]
    assert set(jobs) - {"docs"} == {"lint", "test", "ci-passed"}  # ci-passed: test_ci_passed.py
    # What gives one verdict whatever the Python runs once, outside the matrix.
    assert "strategy" not in jobs["lint"]
    for once in ("ruff", "zizmor"):
        assert any(once in str(step["run"]) for step in run_steps(jobs["lint"])), once
        assert not any(once in str(step["run"]) for step in run_steps(jobs["test"])), once
    # The audit needs no token, and gives the verdict of the git hook (test_hooks.py).
    assert any("zizmor --offline" in str(step["run"]) for step in run_steps(jobs["lint"]))
    # The wheel is smoke-tested in an environment of its own: test_checks_fail.py (a module it leaves out).


@pytest.mark.parametrize("answers", workflow_answer_sets(), ids=answers_id)
def test_release_jobs_follow_the_answers(render_shared, answers: dict[str, Any]) -> None:
    """A tag runs the whole CI (called, not copied) and the preflight, then one build; a
    public package publishes it to PyPI, rehearses on TestPyPI only by hand (testpypi); the
    GitHub release comes last (github_release). A private one (license=Proprietary adds
    "Private :: Do Not Upload", which PyPI refuses) publishes nothing, asks for no token."""
    project = render_shared(**answers)
    release = load_workflow(project, "release.yml")
    given = {name: answers.get(name, CONFIG[name]["default"]) for name in ("license", "testpypi", "github_release")}
    publishes = given["license"] != "Proprietary"
    rehearses = publishes and given["testpypi"]
    assert triggers(release) == {"push": {"tags": ["v*"]}} | ({"workflow_dispatch": None} if rehearses else {})
    jobs = release["jobs"]
    assert set(jobs) - {"build-docs", "pages"} == (
        {"test", "preflight", "build"}
        | ({"publish-pypi"} if publishes else set())
        | ({"publish-testpypi"} if rehearses else set())
        | ({"github-release"} if given["github_release"] else set())
    )
    assert jobs["test"]["uses"] == LOCAL_CI_CALL
    assert "steps" not in jobs["test"]
    assert jobs["build"]["needs"] == ["test", "preflight"]
    # No job overrides the implicit success() of its needs: a failure upstream stops everything after it.
    assert not {"if"} & (set(jobs["build"]) | set(jobs["preflight"]) | set(jobs.get("github-release", {})))
    publishing = {job_id: PUBLISH_JOBS[job_id] for job_id in set(PUBLISH_JOBS) & set(jobs)}
    distribution = read_pyproject(project)["project"]["name"]
    for job_id, (event, question, site) in publishing.items():
        assert jobs[job_id]["needs"] == "build"
        assert jobs[job_id]["if"] == f"github.event_name == '{event}'"
        environment = {"name": answers.get(question, CONFIG[question]["default"]), "url": f"{site}/p/{distribution}"}
        assert jobs[job_id]["environment"] == environment
    # Only the publishing jobs run in an environment (its protection rules gate the upload).
    in_environment = {
        f"{name}: {job_id}"
        for name in workflow_names(project)
        for job_id, job in load_workflow(project, name)["jobs"].items()
        if "environment" in job
    }
    assert in_environment - {"release.yml: pages"} == {f"release.yml: {job_id}" for job_id in publishing}
    if given["github_release"]:  # the files of the build, tagged, with notes
        job = jobs["github-release"]
        assert job["needs"] == ["preflight", "publish-pypi" if publishes else "build"]
        assert steps_using(job, "actions/download-artifact")
        (create,) = run_lines(job, "gh release create")
        assert '"$GITHUB_REF_NAME" dist/*' in create
        assert "--notes-file" in create  # the tag's CHANGELOG.md section: tests/release/test_release_run.py
        assert run_steps(job)[0]["env"] == {
            "GH_TOKEN": "${{ github.token }}",
            "GH_REPO": "${{ github.repository }}",
            "PRERELEASE": "${{ needs.preflight.outputs.prerelease }}",
            "LATEST": "${{ needs.preflight.outputs.latest }}",
            "NOTES": "${{ needs.preflight.outputs.notes }}",
        }
    else:  # nothing writes to the repository
        assert all(job["permissions"].get("contents") != "write" for job in jobs.values())
    text = (project / ".github" / "workflows" / "release.yml").read_text(encoding="utf-8")
    assert ("test.pypi.org" in text) == rehearses
    if not publishes:  # no token anywhere either: test_workflow_rules.py allows id-token only where a job publishes
        for absent in ("id-token", "uv publish", "pypi.org", "attest", "workflow_dispatch"):
            assert absent not in text, absent


def test_a_private_package_builds_as_a_public_one_without_rehearsal(render_shared) -> None:
    """The very build job (build, smoke tests, artifact) of a published package."""
    private = load_workflow(render_shared(license="Proprietary"), "release.yml")["jobs"]["build"]
    assert private == load_workflow(render_shared(testpypi=False), "release.yml")["jobs"]["build"]


def test_build_job_builds_without_sources_into_the_artifact(render_shared) -> None:
    """What else it does runs in tests/release/test_release_build.py: on python_min, its smoke
    tests held to the preflight's version (RELEASE_VERSION), a missing file failing the upload."""
    job = load_workflow(render_shared(), "release.yml")["jobs"]["build"]
    assert step_named(job, "build the sdist and wheel")["run"] == "uv build --no-sources"
    (upload,) = steps_using(job, "actions/upload-artifact")
    assert upload["with"]["path"] == "dist/"


def test_publish_jobs_attest_and_publish_the_built_files_by_trusted_publishing(render_shared) -> None:
    release = load_workflow(render_shared(), "release.yml")
    jobs = release["jobs"]
    artifact = steps_using(jobs["build"], "actions/upload-artifact")[0]["with"]["name"]
    for job_id in ("publish-pypi", "publish-testpypi"):
        job = jobs[job_id]
        # No checkout: a publish job sees only the artifact, never the repository.
        steps = [str(s.get("uses", "run")).split("@")[0] for s in job["steps"]]
        assert steps == ["actions/download-artifact", "astral-sh/setup-uv", "astral-sh/attest-action", "run"]
        assert job["steps"][0]["with"] == {"name": artifact, "path": "dist/"}
        (publish,) = run_lines(job, "uv publish")
        assert "--trusted-publishing always" in publish
    # TestPyPI's URLs: run in tests/release/test_release_run.py (the rehearsals).
    (pypi,) = run_lines(jobs["publish-pypi"], "uv publish")
    assert "--publish-url" not in pypi  # uv's default is PyPI's upload URL
    assert '--check-url "$PYPI_INDEX_URL"' in pypi  # the one value the preflight asks too
    assert release["env"]["PYPI_INDEX_URL"] == "https://pypi.org/simple/"
