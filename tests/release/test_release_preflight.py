"""release.yml's preflight job: each refusal stops the release before anything is built; the passing
cases number and classify the version (issue 11).

The refusals run the workflow as a graph (support.runner) with the called CI
suite and the docs build taken as passed (the tag's run in test_release_run.py
runs them): the preflight fails and every job after it is skipped. The passing
cases run the preflight job alone. A local pypiserver, or an address where
nothing listens, stands in for PyPI and TestPyPI.
"""

from __future__ import annotations

import http.server
import importlib.util
import re
import shutil
import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import given
from hypothesis import strategies as st
from packaging.version import InvalidVersion, Version

from support.answers import DEFAULT_DISTRIBUTION, DEFAULT_PACKAGE
from support.commands import git, uv
from support.facts import INITIAL_VERSION
from support.runner import Event, Job, Repo, WorkflowRun, init_repo
from support.workflows import load_workflow, steps_using

pytestmark = pytest.mark.slow  # each test runs uv and git (a second or two)

TAG = f"v{INITIAL_VERSION}"
NAME, PACKAGE, V = DEFAULT_DISTRIBUTION, DEFAULT_PACKAGE, INITIAL_VERSION


@pytest.fixture
def repo(render_shared, tmp_path: Path) -> Repo:
    return init_repo(render_shared(), tmp_path)


def closed_port_url() -> str:
    """A URL on 127.0.0.1 where nothing listens: an index that cannot be reached."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/simple/"


@pytest.fixture
def answering_503() -> Iterator[str]:
    """An index in trouble: every request gets HTTP 503."""

    class Unavailable(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_error(503, "Service Unavailable")

        def log_message(self, *args: object) -> None:
            pass

    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), Unavailable) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        yield f"http://127.0.0.1:{server.server_address[1]}/simple/"
        server.shutdown()


def set_version(repo: Repo, version: str) -> None:
    uv("version", "--frozen", version, cwd=repo.work)
    repo.commit_all(f"Release {version}")
    git("push", "-q", "origin", "main", cwd=repo.work)


def preflight(repo: Repo, tmp_path: Path, event: Event, index: str | None) -> Job:
    """release.yml's preflight job alone, for ``event``."""
    return WorkflowRun(repo.origin, event, tmp_path / f"{event.ref.rsplit('/', 1)[1]}", index).job("preflight")


def test_the_preflight_job_runs_beside_the_tests_and_gates_the_build(render_shared) -> None:
    jobs = load_workflow(render_shared(), "release.yml")["jobs"]
    job = jobs["preflight"]
    assert "needs" not in job  # in parallel with the CI suite: refused in seconds
    assert jobs["build"]["needs"] == ["test", "preflight"]
    assert job["permissions"] == {"contents": "read"}
    (setup_uv,) = steps_using(job, "astral-sh/setup-uv")
    assert setup_uv["with"]["enable-cache"] is False


# --- refusals: each case arranges the push (or manual run) and says what the log shows ----------------

Case = tuple[Event, str, list[str], list[str]]  # event, index URL, in the log, not in the log


def wrong_tag(repo: Repo, request: pytest.FixtureRequest) -> Case:
    says = [
        f"Tag v9.9.9 is version 9.9.9, but pyproject.toml says {V}",
        "git push --delete origin v9.9.9 && git tag -d v9.9.9",
        f"git tag {TAG} && git push origin {TAG}",
        "uv version 9.9.9",
    ]
    return Event("push", repo.tag("v9.9.9", "main")), closed_port_url(), says, ["unreachable"]


def no_version(repo: Repo, request: pytest.FixtureRequest) -> Case:
    says = [f"Tag vnext is not v followed by a PEP 440 version (pyproject.toml says {V})"]
    return Event("push", repo.tag("vnext", "main")), closed_port_url(), says, []


def not_in_normal_form(repo: Repo, request: pytest.FixtureRequest) -> Case:
    """v1.0 is not v1.0.0: refused, naming both."""
    set_version(repo, "1.0.0")
    says = ["Tag v1.0 is version 1.0, but pyproject.toml says 1.0.0", "the tag must be v1.0.0"]
    return Event("push", repo.tag("v1.0")), closed_port_url(), says, []


def off_the_default_branch(repo: Repo, request: pytest.FixtureRequest) -> Case:
    git("switch", "-q", "-c", "feature", cwd=repo.work)
    (repo.work / "NOTES.md").write_text("unmerged work\n", encoding="utf-8")
    sha = repo.commit_all("Unmerged work")
    says = [
        f"Tag {TAG} points at {sha[:12]}, which is not on the default branch main",
        f"git switch main && git merge {TAG} && git push origin main",
    ]
    return Event("push", repo.tag(TAG, "feature")), closed_port_url(), says, ["unreachable"]


def shallow_checkout(repo: Repo, request: pytest.FixtureRequest) -> Case:
    """Without the job's fetch-depth: 0 the branch check refuses instead of guessing."""
    workflow = repo.work / ".github" / "workflows" / "release.yml"
    text = workflow.read_text(encoding="utf-8")
    assert text.count("fetch-depth: 0") == 1
    workflow.write_text(text.replace("fetch-depth: 0", "fetch-depth: 1"), encoding="utf-8")
    repo.commit_all("A shallow checkout")
    return Event("push", repo.tag(TAG, "main")), closed_port_url(), ["The checkout is shallow"], []


def unreachable_index(repo: Repo, request: pytest.FixtureRequest) -> Case:
    """Never taken as "not there yet"."""
    url = closed_port_url()
    says = [f"Could not ask {url}{NAME}/ whether {NAME} {V} is there: it is unreachable", "Re-run failed jobs"]
    return Event("push", repo.tag(TAG, "main")), url, says, ["is not on"]


def index_in_trouble(repo: Repo, request: pytest.FixtureRequest) -> Case:
    """HTTP 503 stops the release like an unreachable index."""
    url = request.getfixturevalue("answering_503")
    return Event("push", repo.tag(TAG, "main")), url, ["it answered HTTP 503 Service Unavailable"], ["is not on"]


def already_published(repo: Repo, request: pytest.FixtureRequest) -> Case:
    """Any file of that version counts (its content is no matter for the check)."""
    index = request.getfixturevalue("local_index")
    (index.directory / f"{PACKAGE}-{V}.tar.gz").write_bytes(b"published earlier")
    says = [
        f"{NAME} {V} is already on",
        f"{PACKAGE}-{V}.tar.gz",
        "uv version --bump patch",
        f"git push --delete origin {TAG}",
    ]
    return Event("push", repo.tag(TAG, "main")), index.simple_url, says, []


def rehearsal_number_taken(repo: Repo, request: pytest.FixtureRequest) -> Case:
    """A manual run's X.Y.Z.devNNAA replaces a dev segment of its own; a number already there is refused."""
    index = request.getfixturevalue("local_index")
    set_version(repo, "0.2.0.dev3")
    (index.directory / f"{PACKAGE}-0.2.0.dev4201-py3-none-any.whl").write_bytes(b"an earlier rehearsal")
    says = [f"{NAME} 0.2.0.dev4201 is already on", "run the workflow again"]
    return Event("workflow_dispatch", "refs/heads/main", 42), index.simple_url, says, []


REFUSALS: list[Callable[[Repo, pytest.FixtureRequest], Case]] = [
    wrong_tag,
    no_version,
    not_in_normal_form,
    off_the_default_branch,
    shallow_checkout,
    unreachable_index,
    index_in_trouble,
    already_published,
    rehearsal_number_taken,
]


@pytest.mark.parametrize("arrange", REFUSALS, ids=lambda arrange: arrange.__name__)
def test_a_refusal_stops_the_release_before_anything_is_built(
    arrange: Callable[[Repo, pytest.FixtureRequest], Case], repo: Repo, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    event, index, says, never = arrange(repo, request)
    release = WorkflowRun(repo.origin, event, tmp_path / "run", index)
    assert release.run(given={"test": "success", "build-docs": "success"}) == {
        "preflight": "failure",
        **dict.fromkeys(("build", "publish-pypi", "publish-testpypi", "github-release", "pages"), "skipped"),
    }
    job = release.jobs["preflight"]
    assert "::error title=Release preflight::" in job.log  # an annotation on the run's page
    assert job.summary.startswith("**Not released:** ")  # and the run's summary
    assert [text for text in says if text not in job.log] == [], job.log
    assert [text for text in never if text in job.log] == [], job.log
    assert not release.artifacts
    assert not release.releases


# --- passing ------------------------------------------------------------------------------------------


def test_a_tag_is_compared_in_normal_form(repo: Repo, local_index, tmp_path: Path) -> None:
    """v1.0.0rc1 and v1.0.0-RC1 are 1.0.0rc1 as pyproject.toml writes it (`1.0.0-rc.1`), a pre-release."""
    pyproject = repo.work / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8")
    pyproject.write_text(text.replace(f'version = "{V}"', 'version = "1.0.0-rc.1"'), encoding="utf-8")
    repo.commit_all("Release 1.0.0rc1")
    git("push", "-q", "origin", "main", cwd=repo.work)
    for tag in ("v1.0.0rc1", "v1.0.0-RC1"):
        passed = preflight(repo, tmp_path, Event("push", repo.tag(tag)), local_index.simple_url)
        assert passed.result == "success", passed.log
        assert f"Tag {tag} matches version 1.0.0rc1." in passed.log
        assert passed.outputs == {"version": "1.0.0rc1", "prerelease": "true"}


def test_a_tag_off_the_default_branch_passes_once_merged(repo: Repo, tmp_path: Path, request) -> None:
    """Merged and pushed, a re-run (a fresh checkout) lets the refused tag through to the index check."""
    event = off_the_default_branch(repo, request)[0]
    git("switch", "-q", "main", cwd=repo.work)
    git("merge", "-q", "--ff-only", TAG, cwd=repo.work)
    git("push", "-q", "origin", "main", cwd=repo.work)
    assert f"Tag {TAG} is on the default branch." in preflight(repo, tmp_path, event, closed_port_url()).log


def test_a_rehearsal_numbers_its_own_dev_version(repo: Repo, local_index, tmp_path: Path) -> None:
    """X.Y.Z.devNNAA from the run number and the attempt; no tag, no branch rule."""
    event = Event("workflow_dispatch", "refs/heads/main", number=7, attempt=2)
    passed = preflight(repo, tmp_path, event, local_index.simple_url)
    assert passed.result == "success", passed.log
    assert passed.outputs["version"] == f"{V}.dev702"
    assert f"This rehearsal builds version {V}.dev702." in passed.log
    assert "Tag" not in passed.log  # a rehearsal may run from any branch


def test_a_private_package_has_no_index_and_no_rehearsal(render_shared, tmp_path: Path) -> None:
    project = render_shared(license="Proprietary")
    workflow = load_workflow(project, "release.yml")
    assert "env" not in workflow  # no index URL at all
    assert [s.get("id") for s in workflow["jobs"]["preflight"]["steps"] if "run" in s] == ["tag"]
    repo = init_repo(project, tmp_path)
    passed = preflight(repo, tmp_path, Event("push", repo.tag(TAG, "main")), None)
    assert passed.result == "success", passed.log
    assert "No index to check: this package is never uploaded." in passed.log
    assert passed.outputs == {"version": V, "prerelease": "false"}


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
