"""release.yml's preflight job, run for real: each refusal, and the passing case (issue 11).

The job's own steps run (github_workflows.run_step) in a checkout fetched from
a bare "origin" whose default branch is main, against a local pypiserver
that stands in for PyPI or TestPyPI (the workflow's one env value per index is
pointed at it). Nothing is built here: the preflight runs before any build.
"""

from __future__ import annotations

import http.server
import importlib.util
import re
import shutil
import socket
import threading
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import given
from hypothesis import strategies as st
from packaging.version import InvalidVersion, Version

from support.commands import git, uv
from support.index import LocalIndex
from support.release_runs import JobResult, Repo, Run, checkout, init_repo, run_job_with_outputs
from support.workflows import load_workflow, steps_using

pytestmark = pytest.mark.slow  # each test runs uv and git (a second or two)


@pytest.fixture
def repo(render_shared, tmp_path: Path) -> Repo:
    return init_repo(render_shared(), tmp_path)


def closed_port_url() -> str:
    """A URL on 127.0.0.1 where nothing listens: an index that cannot be reached."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/simple/"


def preflight(
    repo: Repo,
    tmp_path: Path,
    ref: str,
    index_url: str,
    *,
    event: str = "push",
    number: int = 1,
    attempt: int = 1,
    name: str = "run",
) -> JobResult:
    """release.yml's preflight job for a push of ``ref`` (or a manual run on it)."""
    workflow = load_workflow(repo.work, "release.yml")
    job = workflow["jobs"]["preflight"]
    sha = git("rev-parse", f"{ref}^{{commit}}", cwd=repo.origin)
    index_env = "PYPI_INDEX_URL" if event == "push" else "TESTPYPI_INDEX_URL"
    this_run = Run(workflow, event, ref, sha, tmp_path / name, {index_env: index_url}, number, attempt)
    workspace = checkout(job, repo.origin, ref, tmp_path / name / "checkout")
    return run_job_with_outputs(job, workspace, this_run.env(job))


def tag_and_push(repo: Repo, tag: str, *refs: str) -> str:
    git("tag", tag, cwd=repo.work)
    git("push", "-q", "origin", *refs, tag, cwd=repo.work)
    return f"refs/tags/{tag}"


def set_version(repo: Repo, version: str) -> None:
    uv("version", "--frozen", version, cwd=repo.work)
    repo.commit_all(f"Release {version}")


def refusal(result: JobResult) -> str:
    assert not result.ok, result.output
    assert "::error title=Release preflight::" in result.output
    return result.output


def test_the_preflight_job_runs_beside_the_tests_and_gates_the_build(render_shared) -> None:
    jobs = load_workflow(render_shared(), "release.yml")["jobs"]
    job = jobs["preflight"]
    assert "needs" not in job  # in parallel with the CI suite: refused in seconds
    assert jobs["build"]["needs"] == ["test", "preflight"]
    assert job["permissions"] == {"contents": "read"}
    (setup_uv,) = steps_using(job, "astral-sh/setup-uv")
    assert setup_uv["with"]["enable-cache"] is False


def test_passing_tag_then_the_same_tag_once_published(repo: Repo, local_index: LocalIndex, tmp_path: Path) -> None:
    """The passing case; then, with the version on the index, the same tag is refused."""
    ref = tag_and_push(repo, "v0.1.0", "main")
    passed = preflight(repo, tmp_path, ref, local_index.simple_url)
    assert passed.ok, passed.output
    assert "Tag v0.1.0 matches version 0.1.0." in passed.output
    assert "Tag v0.1.0 is on the default branch." in passed.output
    assert f"acme-widgets 0.1.0 is not on {local_index.simple_url} yet." in passed.output
    assert passed.outputs == {"version": "0.1.0", "prerelease": "false"}

    # Any file of that version counts (its content is no matter for the check).
    (local_index.directory / "acme_widgets-0.1.0.tar.gz").write_bytes(b"published earlier")
    published = refusal(preflight(repo, tmp_path, ref, local_index.simple_url, name="again"))
    assert "acme-widgets 0.1.0 is already on" in published
    assert "acme_widgets-0.1.0.tar.gz" in published
    assert "uv version --bump patch" in published  # how to fix it
    assert "git push --delete origin v0.1.0" in published


def test_wrong_tag_is_refused_naming_both_versions(repo: Repo, tmp_path: Path) -> None:
    ref = tag_and_push(repo, "v9.9.9", "main")
    output = refusal(preflight(repo, tmp_path, ref, closed_port_url()))
    assert "Tag v9.9.9 is version 9.9.9, but pyproject.toml says 0.1.0" in output
    assert "git push --delete origin v9.9.9 && git tag -d v9.9.9" in output
    assert "git tag v0.1.0 && git push origin v0.1.0" in output
    assert "uv version 9.9.9" in output
    assert "unreachable" not in output  # refused before the index is asked


def test_tag_that_is_no_version_is_refused(repo: Repo, tmp_path: Path) -> None:
    ref = tag_and_push(repo, "vnext", "main")
    output = refusal(preflight(repo, tmp_path, ref, closed_port_url()))
    assert "Tag vnext is not v followed by a PEP 440 version (pyproject.toml says 0.1.0)" in output


def test_tag_is_compared_in_pep440_normal_form(repo: Repo, local_index: LocalIndex, tmp_path: Path) -> None:
    """v1.0 is not v1.0.0 (refused, naming both); v1.0.0rc1 and v1.0.0-RC1 are 1.0.0rc1
    as pyproject.toml writes it (`1.0.0-rc.1`), a pre-release."""
    set_version(repo, "1.0.0")
    git("push", "-q", "origin", "main", cwd=repo.work)
    output = refusal(preflight(repo, tmp_path, tag_and_push(repo, "v1.0"), local_index.simple_url))
    assert "Tag v1.0 is version 1.0, but pyproject.toml says 1.0.0" in output
    assert "the tag must be v1.0.0" in output

    pyproject = repo.work / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text(encoding="utf-8").replace('version = "1.0.0"', 'version = "1.0.0-rc.1"'), encoding="utf-8"
    )
    repo.commit_all("Release 1.0.0rc1")
    git("push", "-q", "origin", "main", cwd=repo.work)
    for tag in ("v1.0.0rc1", "v1.0.0-RC1"):
        passed = preflight(repo, tmp_path, tag_and_push(repo, tag), local_index.simple_url, name=tag)
        assert passed.ok, passed.output
        assert f"Tag {tag} matches version 1.0.0rc1." in passed.output
        assert passed.outputs == {"version": "1.0.0rc1", "prerelease": "true"}


def test_tag_off_the_default_branch_is_refused(repo: Repo, tmp_path: Path) -> None:
    git("switch", "-q", "-c", "feature", cwd=repo.work)
    (repo.work / "NOTES.md").write_text("unmerged work\n", encoding="utf-8")
    sha = repo.commit_all("Unmerged work")
    ref = tag_and_push(repo, "v0.1.0", "feature")
    output = refusal(preflight(repo, tmp_path, ref, closed_port_url()))
    assert f"Tag v0.1.0 points at {sha[:12]}, which is not on the default branch main" in output
    assert "git switch main && git merge v0.1.0 && git push origin main" in output
    assert "unreachable" not in output

    # Merged and pushed, a re-run (a fresh checkout) lets it through to the index check.
    git("switch", "-q", "main", cwd=repo.work)
    git("merge", "-q", "--ff-only", "v0.1.0", cwd=repo.work)
    git("push", "-q", "origin", "main", cwd=repo.work)
    rerun = preflight(repo, tmp_path, ref, closed_port_url(), name="rerun")
    assert "Tag v0.1.0 is on the default branch." in rerun.output


def test_a_shallow_checkout_cannot_pass_the_branch_check(repo: Repo, tmp_path: Path) -> None:
    """Without the job's fetch-depth: 0 the check refuses instead of guessing."""
    ref = tag_and_push(repo, "v0.1.0", "main")
    workflow = load_workflow(repo.work, "release.yml")
    job = workflow["jobs"]["preflight"]
    (step,) = steps_using(job, "actions/checkout")
    assert step["with"]["fetch-depth"] == 0
    step["with"]["fetch-depth"] = 1
    sha = git("rev-parse", f"{ref}^{{commit}}", cwd=repo.origin)
    this_run = Run(workflow, "push", ref, sha, tmp_path / "shallow", {"PYPI_INDEX_URL": closed_port_url()})
    workspace = checkout(job, repo.origin, ref, tmp_path / "shallow" / "checkout")
    output = refusal(run_job_with_outputs(job, workspace, this_run.env(job)))
    assert "The checkout is shallow" in output


def test_unreachable_index_is_reported_never_taken_as_free(repo: Repo, tmp_path: Path) -> None:
    ref = tag_and_push(repo, "v0.1.0", "main")
    url = closed_port_url()
    output = refusal(preflight(repo, tmp_path, ref, url))
    assert f"Could not ask {url}acme-widgets/ whether acme-widgets 0.1.0 is there: it is unreachable" in output
    assert "is not on" not in output
    assert "Re-run failed jobs" in output


def test_an_index_that_answers_with_an_error_is_no_answer(repo: Repo, tmp_path: Path) -> None:
    """HTTP 503 (an index in trouble) stops the release like an unreachable one."""

    class Unavailable(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_error(503, "Service Unavailable")

        def log_message(self, *args: object) -> None:
            pass

    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), Unavailable) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            url = f"http://127.0.0.1:{server.server_address[1]}/simple/"
            output = refusal(preflight(repo, tmp_path, tag_and_push(repo, "v0.1.0", "main"), url))
        finally:
            server.shutdown()
    assert "it answered HTTP 503 Service Unavailable" in output
    assert "is not on" not in output


def test_rehearsal_numbers_its_own_dev_version_and_checks_testpypi(
    repo: Repo, local_index: LocalIndex, tmp_path: Path
) -> None:
    """A manual run: X.Y.Z.devNNAA from the run number and the attempt; an existing dev
    segment is replaced; a number already on the index is refused."""
    first = preflight(
        repo,
        tmp_path,
        "refs/heads/main",
        local_index.simple_url,
        event="workflow_dispatch",
        number=7,
        attempt=2,
        name="r7",
    )
    assert first.ok, first.output
    assert first.outputs["version"] == "0.1.0.dev702"
    assert "This rehearsal builds version 0.1.0.dev702." in first.output
    assert "Tag" not in first.output  # no tag, no branch rule: a rehearsal may run from any branch

    set_version(repo, "0.2.0.dev3")
    git("push", "-q", "origin", "main", cwd=repo.work)
    (local_index.directory / "acme_widgets-0.2.0.dev4201-py3-none-any.whl").write_bytes(b"an earlier rehearsal")
    taken = refusal(
        preflight(
            repo,
            tmp_path,
            "refs/heads/main",
            local_index.simple_url,
            event="workflow_dispatch",
            number=42,
            attempt=1,
            name="r42",
        )
    )
    assert "acme-widgets 0.2.0.dev4201 is already on" in taken
    assert "run the workflow again" in taken
    second = preflight(
        repo,
        tmp_path,
        "refs/heads/main",
        local_index.simple_url,
        event="workflow_dispatch",
        number=43,
        attempt=1,
        name="r43",
    )
    assert second.outputs["version"] == "0.2.0.dev4301"


def test_a_private_package_has_no_index_and_no_rehearsal(render_shared, tmp_path: Path) -> None:
    project = render_shared(license="Proprietary")
    workflow = load_workflow(project, "release.yml")
    assert "env" not in workflow  # no index URL at all
    job = workflow["jobs"]["preflight"]
    assert [s.get("id") for s in job["steps"] if "run" in s] == ["tag"]
    repo = init_repo(project, tmp_path)
    ref = tag_and_push(repo, "v0.1.0", "main")
    sha = git("rev-parse", f"{ref}^{{commit}}", cwd=repo.origin)
    result = run_job_with_outputs(
        job,
        checkout(job, repo.origin, ref, tmp_path / "checkout"),
        Run(workflow, "push", ref, sha, tmp_path / "run").env(job),
    )
    assert result.ok, result.output
    assert "No index to check: this package is never uploaded." in result.output
    assert result.outputs == {"version": "0.1.0", "prerelease": "false"}


# --- the script's PEP 440 normal form, against packaging's -------------------------------------


def preflight_module(project: Path, tmp_path: Path) -> ModuleType:
    source = tmp_path / "release_preflight.py"
    shutil.copy(project / ".github" / "scripts" / "release_preflight.py", source)
    spec = importlib.util.spec_from_file_location("release_preflight", source)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def script(render_shared, tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    return preflight_module(render_shared(), tmp_path_factory.mktemp("script"))


_SEPARATOR = st.sampled_from(["", ".", "-", "_"])
_NUMBER = st.integers(0, 120).map(str) | st.sampled_from(["00", "007"])
_VERSIONS = st.builds(
    lambda *parts: "".join(parts),
    st.sampled_from(["", "v", "1!", "0!"]),
    st.lists(_NUMBER, min_size=1, max_size=4).map(".".join),
    st.one_of(
        st.just(""),
        st.builds(
            "".join,
            st.tuples(
                _SEPARATOR,
                st.sampled_from(["a", "alpha", "b", "beta", "c", "rc", "pre", "preview", "RC", "Alpha"]),
                _SEPARATOR,
                _NUMBER | st.just(""),
            ),
        ),
    ),
    st.one_of(
        st.just(""),
        st.builds("-{}".format, _NUMBER),
        st.builds(
            "".join,
            st.tuples(_SEPARATOR, st.sampled_from(["post", "rev", "r", "POST"]), _SEPARATOR, _NUMBER | st.just("")),
        ),
    ),
    st.one_of(
        st.just(""),
        st.builds("".join, st.tuples(_SEPARATOR, st.sampled_from(["dev", "DEV"]), _SEPARATOR, _NUMBER | st.just(""))),
    ),
    st.one_of(st.just(""), st.sampled_from(["+local", "+Ubuntu-1.007", "+abc_def.5"])),
    st.sampled_from(["", " ", "\n"]),
)


@given(text=_VERSIONS | st.text(alphabet="0123456789.-_abcdevrpost!+v", max_size=14))
def test_normal_form_is_packagings(script: ModuleType, text: str) -> None:
    try:
        expected: str | None = str(Version(text))
    except InvalidVersion:
        expected = None
    if text.lstrip().startswith(("v", "V")):
        expected = None  # the script's grammar starts after the tag's "v"
    assert script.normalize(text) == expected


@pytest.mark.parametrize(
    ("filename", "version"),
    [
        ("acme_widgets-1.0.0-py3-none-any.whl", "1.0.0"),
        ("acme_widgets-1.0.0rc1.tar.gz", "1.0.0rc1"),
        ("acme-widgets-1.0.0-rc.1.zip", None),  # a legacy sdist name of an un-normalised version: no guess
        ("Acme.Widgets-1.0.tar.gz", "1.0"),
        ("acme_widgets-0.1.0.dev702-2-py3-none-any.whl", "0.1.0.dev702"),  # with a build tag
        ("acme_widgets-1.0-py3.8.egg", "1.0"),
        ("acme_widgets-1.0.exe", None),
    ],
)
def test_version_of_a_file_on_the_index(script: ModuleType, filename: str, version: str | None) -> None:
    assert script.file_version(filename) == version


def test_prerelease_means_a_b_rc_or_dev(script: ModuleType) -> None:
    pattern: re.Pattern[str] = script._PRERELEASE
    for version in ("1.0.0a1", "1.0.0b2", "1.0.0rc1", "1.0.0.dev3", "1.0.0rc1.dev3", "1.0.0.post1.dev0"):
        assert pattern.search(version), version
        assert Version(version).is_prerelease
    for version in ("1.0.0", "1.0.0.post1", "2!1.0", "10.20.30"):
        assert not pattern.search(version), version
        assert not Version(version).is_prerelease
