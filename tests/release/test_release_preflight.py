"""release.yml's preflight job: each refusal stops the release before anything is built; the passing
cases number and classify the version and give the GitHub release its notes, the tag's CHANGELOG.md
section (issues 11 and 23).

The refusals run the workflow as a graph (support.runner) with the called CI
suite and the docs build taken as passed (the tag's run in test_release_run.py
runs them): the preflight fails and every job after it is skipped. The passing
cases run the preflight job alone. PyPI and TestPyPI are a local pypiserver
behind support.json_index (JSON to a client that asks, as PyPI answers), or
pypiserver alone (an index that answers HTML only), or an address where nothing
listens. Which text of CHANGELOG.md is a tag's notes, and which files are refused
at which line, is a table run on the rendered script itself, in-process.
"""

from __future__ import annotations

import datetime
import http.server
import importlib.util
import json
import shutil
import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import given
from hypothesis import strategies as st
from packaging.version import Version

from support.answers import DEFAULT_DISTRIBUTION, DEFAULT_PACKAGE
from support.commands import git, uv
from support.facts import INITIAL_VERSION
from support.index import LocalIndex
from support.json_index import json_api
from support.runner import REPOSITORY, Event, Job, Repo, WorkflowRun, init_repo
from support.workflows import load_workflow, steps_using

pytestmark = pytest.mark.slow  # each test runs uv and git (a second or two)

TAG = f"v{INITIAL_VERSION}"
NAME, PACKAGE, V = DEFAULT_DISTRIBUTION, DEFAULT_PACKAGE, INITIAL_VERSION


@pytest.fixture
def repo(render_shared, tmp_path: Path) -> Repo:
    return init_repo(render_shared(), tmp_path)


@pytest.fixture
def pypi(local_index: LocalIndex) -> Iterator[LocalIndex]:
    """The local index answering JSON to a client that asks, as PyPI does."""
    with json_api(local_index) as index:
        yield index


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


def html_only_index(repo: Repo, request: pytest.FixtureRequest) -> Case:
    """pypiserver alone answers its project page in HTML, though JSON is asked for: no answer."""
    index = request.getfixturevalue("local_index")
    (index.directory / f"{PACKAGE}-0.0.1.tar.gz").write_bytes(b"an older version")
    says = [f"Could not ask {index.simple_url}{NAME}/ whether {NAME} {V} is there: it answered text/html"]
    return Event("push", repo.tag(TAG, "main")), index.simple_url, [*says, "as PyPI and TestPyPI do"], ["is not on"]


def no_notes(repo: Repo, request: pytest.FixtureRequest) -> Case:
    """A version without its CHANGELOG.md section: the heading to add, then commit and tag again."""
    set_version(repo, "0.2.0")
    says = [
        f"CHANGELOG.md has no notes for 0.2.0: add ## [0.2.0] - {datetime.date.today()}.",
        "git push --delete origin v0.2.0 && git tag -d v0.2.0",
        'git commit -am "Release notes of 0.2.0"',
        "git tag v0.2.0 && git push origin main v0.2.0",
    ]
    return Event("push", repo.tag("v0.2.0", "main")), closed_port_url(), says, ["unreachable"]


def already_published(repo: Repo, request: pytest.FixtureRequest) -> Case:
    """Any file of that version counts (its content is no matter for the check)."""
    index = request.getfixturevalue("pypi")
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
    index = request.getfixturevalue("pypi")
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
    html_only_index,
    no_notes,
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


def test_a_tag_is_compared_in_normal_form(repo: Repo, pypi: LocalIndex, tmp_path: Path) -> None:
    """v1.0.0rc1 and v1.0.0-RC1 are 1.0.0rc1 as pyproject.toml writes it (`1.0.0-rc.1`), a pre-release,
    whose notes are [Unreleased]'s (with no section of its own)."""
    pyproject, changelog = repo.work / "pyproject.toml", repo.work / "CHANGELOG.md"
    text = pyproject.read_text(encoding="utf-8")
    pyproject.write_text(text.replace(f'version = "{V}"', 'version = "1.0.0-rc.1"'), encoding="utf-8")
    text = changelog.read_text(encoding="utf-8")
    changelog.write_text(text.replace("## [Unreleased]\n", "## [Unreleased]\n\n- Candidate.\n"), encoding="utf-8")
    repo.commit_all("Release 1.0.0rc1")
    git("push", "-q", "origin", "main", cwd=repo.work)
    for tag in ("v1.0.0rc1", "v1.0.0-RC1"):
        passed = preflight(repo, tmp_path, Event("push", repo.tag(tag)), pypi.simple_url)
        assert passed.result == "success", passed.log
        assert f"Tag {tag} matches version 1.0.0rc1." in passed.log
        notes = f"- Candidate.\n\n**Full Changelog**: https://github.com/{REPOSITORY}/compare/v{V}...{tag}"
        assert passed.outputs == {"version": "1.0.0rc1", "prerelease": "true", "notes": json.dumps(notes)}


def test_a_tag_off_the_default_branch_passes_once_merged(repo: Repo, tmp_path: Path, request) -> None:
    """Merged and pushed, a re-run (a fresh checkout) lets the refused tag through to the index check."""
    event = off_the_default_branch(repo, request)[0]
    git("switch", "-q", "main", cwd=repo.work)
    git("merge", "-q", "--ff-only", TAG, cwd=repo.work)
    git("push", "-q", "origin", "main", cwd=repo.work)
    assert f"Tag {TAG} is on the default branch." in preflight(repo, tmp_path, event, closed_port_url()).log


def test_a_rehearsal_numbers_its_own_dev_version(repo: Repo, pypi: LocalIndex, tmp_path: Path) -> None:
    """X.Y.Z.devNNAA from the run number and the attempt; no tag, no branch rule."""
    event = Event("workflow_dispatch", "refs/heads/main", number=7, attempt=2)
    passed = preflight(repo, tmp_path, event, pypi.simple_url)
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
    assert passed.outputs == {"version": V, "prerelease": "false", "notes": json.dumps("### Added\n\n- First release.")}


# --- the rendered script itself, in-process: CHANGELOG.md's rules and the index's files --------------


@pytest.fixture(scope="module")
def script(render_shared, tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    source = tmp_path_factory.mktemp("script") / "release_preflight.py"
    shutil.copy(render_shared() / ".github" / "scripts" / "release_preflight.py", source)
    spec = importlib.util.spec_from_file_location("release_preflight", source)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def in_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory as the preflight step has it (CHANGELOG.md is read from there)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GITHUB_REPOSITORY", REPOSITORY)
    return tmp_path / "CHANGELOG.md"


TODAY = datetime.date.today()
INTRO = "# Changelog\n\nIntro.\n\n"  # lines 1-4: every case's sections start at line 5
COMPARE = f"\n\n**Full Changelog**: https://github.com/{REPOSITORY}/compare/"


class Refused(str):
    """The refusal's problem, exactly."""


NOTES: dict[str, tuple[str, str, str]] = {  # case: CHANGELOG.md after the intro, the tag's version, its notes
    "a section": (
        "## [Unreleased]\n\n## [0.2.0] - 2026-12-01\n\n### Fixed\n\n- A fix.\n\n## [0.1.0]\n\n- First.\n",
        "0.2.0",
        f"### Fixed\n\n- A fix.{COMPARE}v0.1.0...v0.2.0",
    ),
    "the first release": (
        "## [Unreleased]\n\n## [0.1.0]\n\n### Added\n\n- First release.\n",
        "0.1.0",
        "### Added\n\n- First release.",
    ),
    "a pre-release takes unreleased": (
        "## [Unreleased]\n\n- Coming.\n\n## [0.1.0]\n\n- First.\n",
        "0.2.0rc1",
        f"- Coming.{COMPARE}v0.1.0...v0.2.0rc1",
    ),
    "a pre-release with a section of its own": (
        "## [Unreleased]\n\n- Later.\n\n## [0.2.0rc1] - 2026-12-01\n\n- Candidate.\n\n## [0.1.0]\n\n- First.\n",
        "0.2.0rc1",
        f"- Candidate.{COMPARE}v0.1.0...v0.2.0rc1",
    ),
    "a heading in another PEP 440 form": (
        "## [Unreleased]\n\n## [1.0.0-RC.1] - 2026-12-01\n\n- RC.\n",
        "1.0.0rc1",
        "- RC.",
    ),
    "a fenced heading is text": (
        "## [Unreleased]\n\n## [0.2.0] - 2026-12-01\n\n```md\n## [9.9] a heading?\n```\n\n## [0.1.0]\n\n- First.\n",
        "0.2.0",
        f"```md\n## [9.9] a heading?\n```{COMPARE}v0.1.0...v0.2.0",
    ),
    "no unreleased": (
        "## [0.1.0]\n\n- First.\n",
        "0.1.0",
        Refused("CHANGELOG.md line 5 (## [0.1.0]): the first section, and only it, must be ## [Unreleased]."),
    ),
    "unreleased twice": (
        "## [Unreleased]\n\n## [0.1.0]\n\n- First.\n\n## [Unreleased]\n",
        "0.1.0",
        Refused("CHANGELOG.md line 11 (## [Unreleased]): the first section, and only it, must be ## [Unreleased]."),
    ),
    "a version twice": (
        "## [Unreleased]\n\n## [0.2.0] - 2026-12-02\n\n- Again.\n\n## [0.2.0] - 2026-12-01\n\n- Once.\n",
        "0.2.0",
        Refused("CHANGELOG.md line 11 (## [0.2.0] - 2026-12-01): 0.2.0 comes after 0.2.0: newest first, each once."),
    ),
    "a version twice in PEP 440": (
        "## [Unreleased]\n\n## [1.0.0] - 2026-12-02\n\n- A.\n\n## [1.0] - 2026-12-01\n\n- B.\n",
        "1.0.0",
        Refused("CHANGELOG.md line 11 (## [1.0] - 2026-12-01): 1.0 comes after 1.0.0: newest first, each once."),
    ),
    "out of order": (
        "## [Unreleased]\n\n## [0.1.0]\n\n- First.\n\n## [0.2.0] - 2026-12-01\n\n- Second.\n",
        "0.2.0",
        Refused("CHANGELOG.md line 11 (## [0.2.0] - 2026-12-01): 0.2.0 comes after 0.1.0: newest first, each once."),
    ),
    "no PEP 440 version": (
        "## [Unreleased]\n\n## [next] - 2026-12-01\n\n- Soon.\n",
        "0.2.0",
        Refused(
            "CHANGELOG.md line 7 (## [next] - 2026-12-01): not ## [Unreleased] or ## [X.Y.Z] - YYYY-MM-DD (PEP 440)."
        ),
    ),
    "no brackets": (
        "## [Unreleased]\n\n## 0.2.0 - 2026-12-01\n\n- Soon.\n",
        "0.2.0",
        Refused(
            "CHANGELOG.md line 7 (## 0.2.0 - 2026-12-01): not ## [Unreleased] or ## [X.Y.Z] - YYYY-MM-DD (PEP 440)."
        ),
    ),
    "no section": (
        "## [Unreleased]\n\n- Done.\n\n## [0.1.0]\n\n- First.\n",
        "0.2.0",
        Refused(f"CHANGELOG.md has no notes for 0.2.0: add ## [0.2.0] - {TODAY}."),
    ),
    "an empty section": (
        "## [Unreleased]\n\n## [0.2.0] - 2026-12-01\n\n## [0.1.0]\n\n- First.\n",
        "0.2.0",
        Refused("CHANGELOG.md has no notes for 0.2.0: line 7 starts an empty section."),
    ),
    "headings alone": (
        "## [Unreleased]\n\n## [0.2.0] - 2026-12-01\n\n### Added\n\n### Fixed\n\n## [0.1.0]\n\n- First.\n",
        "0.2.0",
        Refused("CHANGELOG.md has no notes for 0.2.0: line 7 starts an empty section."),
    ),
    "a pre-release and an empty unreleased": (
        "## [Unreleased]\n\n## [0.1.0]\n\n- First.\n",
        "0.2.0rc1",
        Refused("CHANGELOG.md has no notes for 0.2.0rc1: line 5 starts an empty section."),
    ),
}


@pytest.mark.parametrize(("changelog", "version", "expected"), NOTES.values(), ids=NOTES.keys())
def test_a_tags_notes_are_its_changelog_section_or_a_refusal_naming_the_line(
    script: ModuleType, in_project: Path, changelog: str, version: str, expected: str
) -> None:
    in_project.write_text(INTRO + changelog, encoding="utf-8")
    if not isinstance(expected, Refused):
        assert script.notes(Version(version), f"v{version}") == expected
        return
    with pytest.raises(script.RefusalError) as refused:
        script.notes(Version(version), f"v{version}")
    assert refused.value.args[0] == expected


LINES = [
    *("## [Unreleased]", "## [0.1.0]", "## [0.2.0] - 2026-12-01", "## [0.2.0rc1]", "## [1.0]", "## [next]"),
    *("## [Unreleased] - 2026-12-01", "## ", "## []", "##", "### Added", "- item", "", "```", "[0.1.0]: https://x"),
]


@given(lines=st.lists(st.sampled_from(LINES), max_size=12), version=st.sampled_from(["0.1.0", "0.2.0", "0.2.0rc1"]))
def test_any_changelog_gives_its_own_text_or_a_refusal_never_a_crash(
    script: ModuleType, lines: list[str], version: str
) -> None:
    text, found = "\n".join(lines), {}
    try:
        found = script.sections(text)
    except script.RefusalError as refusal:
        problem = str(refusal.args[0])
    else:
        problem = "CHANGELOG.md (accepted)"
    assert problem.startswith("CHANGELOG.md "), problem
    for line, notes in found.values():
        assert notes in text
        assert lines[line - 1].startswith("## [")


def test_the_changelog_step_refuses_what_would_be_no_release(script: ModuleType, in_project: Path) -> None:
    """An empty [Unreleased], a version that has its section already, or one below the newest:
    nothing is written (the step that moves [Unreleased] runs in test_release_run.py, as the README
    says). Without a CHANGELOG.md, neither it nor the tag's preflight goes on."""
    for changelog, version, problem in [
        ("## [Unreleased]\n\n## [0.1.0]\n\n- First.\n", "0.2.0", "CHANGELOG.md: [Unreleased] (line 5) is empty."),
        ("## [Unreleased]\n\n- Next.\n\n## [0.1.0]\n\n- First.\n", "0.1.0", "for 0.1.0 already (line 9)."),
        ("## [Unreleased]\n\n- Next.\n\n## [0.2.0]\n\n- Second.\n", "0.1.0", "0.2.0 comes after 0.1.0"),
    ]:
        in_project.write_text(INTRO + changelog, encoding="utf-8")
        with pytest.raises(script.RefusalError) as refused:
            script.cut(Version(version))
        assert problem in refused.value.args[0]
        assert in_project.read_text(encoding="utf-8") == INTRO + changelog
    script.cut(Version("0.3.0rc1"))  # a pre-release: its notes are [Unreleased], left in place
    assert in_project.read_text(encoding="utf-8") == INTRO + changelog
    in_project.unlink()
    for step in (script.cut, lambda version: script.notes(version, f"v{version}")):
        with pytest.raises(script.RefusalError, match=r"There is no CHANGELOG\.md: "):
            step(Version("0.2.0"))


@pytest.mark.parametrize(
    ("filename", "version"),
    [
        ("acme_widgets-1.0.0-py3-none-any.whl", "1.0.0"),
        ("acme_widgets-1.0.0rc1.tar.gz", "1.0.0rc1"),
        ("acme-widgets-1.0.0-rc.1.zip", None),  # a legacy sdist name of an un-normalised version: no guess
        ("Acme.Widgets-1.0.tar.gz", "1.0"),
        ("acme_widgets-0.1.0.dev702-2-py3-none-any.whl", "0.1.0.dev702"),  # with a build tag
        ("acme_widgets-1.0-py3.8.egg", None),  # PyPI takes no eggs since 2023: packaging reads none
        ("acme_widgets-1.0.exe", None),
    ],
)
def test_version_of_a_file_on_the_index(script: ModuleType, filename: str, version: str | None) -> None:
    assert script.file_version(filename) == (Version(version) if version else None)
    assert script.parse("v1.0") is None  # a tag's version starts after its one "v"
