"""Releases of the template are tagged from CHANGELOG.md (scripts/release_tag.py, release-tag.yml).

The script runs for real, as the workflow runs it, against throwaway git
repositories; the workflow's least privilege is checked and its tagging step
executed (zizmor pedantic and the JSON schema check every workflow of this
repository in tests/test_workflows.py).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import release_tag  # scripts/release_tag.py (pyproject.toml puts scripts/ on the path)
from support.commands import run
from support.facts import TEMPLATE_DIR, copier_config, parse_yaml

SCRIPT = TEMPLATE_DIR / "scripts" / "release_tag.py"
WORKFLOWS = TEMPLATE_DIR / ".github" / "workflows"
RELEASE_TAG_YML = WORKFLOWS / "release-tag.yml"

HEADER = "# Changelog\n\nIntro text.\n\n"


def changelog(*sections: tuple[str, str], unreleased: str = "") -> str:
    """A CHANGELOG.md: an [Unreleased] section, then (heading, body) sections, newest first."""
    text = HEADER + f"## [Unreleased]\n\n{unreleased}\n"
    for heading, body in sections:
        text += f"\n## {heading}\n\n{body}\n"
    return text


def git(repo: Path, *args: str) -> str:
    return run(["git", "-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false", *args], repo).stdout


def commit(repo: Path, text: str, message: str) -> str:
    (repo / "CHANGELOG.md").write_text(text, encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--allow-empty", "-m", message)
    return git(repo, "rev-parse", "HEAD").strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository whose 1.0.0 is released and tagged, with 1.1.0 being written."""
    path = tmp_path / "repo"
    path.mkdir()
    git(path, "init", "-q", "-b", "main")
    commit(path, changelog(unreleased="- first work"), "Start")
    commit(path, changelog(("[1.0.0] - 2026-01-10", "- first work")), "Release 1.0.0")
    git(path, "tag", "-a", "-m", "Release 1.0.0", "v1.0.0")
    commit(path, changelog(("[1.0.0] - 2026-01-10", "- first work"), unreleased="- more"), "More")
    return path


def tag_script(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The script as the workflow runs it: the runner's python, the repository as cwd."""
    return run([sys.executable, SCRIPT, *args], repo, check=False)


def tags(repo: Path) -> list[str]:
    return git(repo, "tag", "--list").split()


V110 = ("[1.1.0] - 2026-02-01", "### Added\n- more")
V100 = ("[1.0.0] - 2026-01-10", "- first work")


def test_a_new_version_is_tagged_at_its_release_commit_with_its_notes(repo: Path) -> None:
    released = commit(repo, changelog(V110, V100), "Release 1.1.0")
    # Work continues before the workflow runs: the tag still goes on the release.
    commit(repo, changelog(V110, V100, unreleased="- next"), "Next")
    notes = repo.parent / "notes.md"

    result = tag_script(repo, "--notes-file", str(notes))

    assert result.returncode == 0, result.stderr
    assert result.stdout == "v1.1.0\n"
    assert git(repo, "cat-file", "-t", "v1.1.0").strip() == "tag"  # annotated
    assert git(repo, "rev-parse", "v1.1.0^{commit}").strip() == released
    assert notes.read_text(encoding="utf-8") == "### Added\n- more\n"
    message = git(repo, "tag", "--list", "--format=%(contents)", "v1.1.0")
    assert message.startswith("Release 1.1.0 (2026-02-01)\n")
    assert "- more" in message


def test_an_existing_tag_means_nothing_to_do(repo: Path) -> None:
    before = tags(repo)
    result = tag_script(repo)
    assert (result.returncode, result.stdout) == (0, "")
    assert "v1.0.0 exists" in result.stderr
    assert tags(repo) == before


def test_no_released_version_means_nothing_to_do(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q", "-b", "main")
    commit(tmp_path, changelog(unreleased="- work"), "Start")
    result = tag_script(tmp_path)
    assert (result.returncode, result.stdout, tags(tmp_path)) == (0, "", [])


def test_a_version_lower_than_the_newest_tag_is_an_error(repo: Path) -> None:
    git(repo, "tag", "-a", "-m", "by hand", "v2.0.0")
    commit(repo, changelog(V110, V100), "Release 1.1.0 after 2.0.0")
    result = tag_script(repo)
    assert result.returncode == 1
    assert "1.1.0, is lower than the newest tag, v2.0.0" in result.stderr
    assert "v1.1.0" not in tags(repo)


@pytest.mark.parametrize(
    "heading",
    [
        "[1.1] - 2026-02-01",  # not X.Y.Z
        "1.1.0 - 2026-02-01",  # no brackets
        "[v1.1.0] - 2026-02-01",  # the tag, not the version
        "[1.1.0]",  # no date
        "[1.1.0] - 1 Feb 2026",  # not an ISO date
        "[01.1.0] - 2026-02-01",  # leading zero
        "Notes",  # any other second-level heading
    ],
)
def test_a_malformed_heading_is_an_error_naming_the_line_and_the_forms(repo: Path, heading: str) -> None:
    commit(repo, changelog((heading, "- more"), V100), "A bad heading")
    result = tag_script(repo)
    assert result.returncode == 1
    assert f"malformed heading '## {heading}'" in result.stderr
    assert "'## [Unreleased]' or '## [X.Y.Z] - YYYY-MM-DD'" in result.stderr
    assert tags(repo) == ["v1.0.0"]


def test_versions_out_of_order_are_an_error(repo: Path) -> None:
    commit(repo, changelog(V100, V110), "Wrong order")
    result = tag_script(repo)
    assert result.returncode == 1
    assert "newest first" in result.stderr


def test_a_release_never_committed_with_an_empty_unreleased_section_is_an_error(repo: Path) -> None:
    commit(repo, changelog(V110, V100, unreleased="- left over"), "Release with leftovers")
    result = tag_script(repo)
    assert result.returncode == 1
    assert "empty [Unreleased] section" in result.stderr


def test_headings_inside_code_blocks_are_text(repo: Path) -> None:
    fenced = "- an example:\n\n```\n## not a heading\n```"
    commit(repo, changelog(("[1.1.0] - 2026-02-01", fenced), V100), "Release 1.1.0")
    notes = repo.parent / "notes.md"
    assert tag_script(repo, "--notes-file", str(notes)).stdout == "v1.1.0\n"
    assert notes.read_text(encoding="utf-8") == fenced + "\n"


def test_release_commit_without_tags_is_the_last_commit_with_that_release_and_nothing_unreleased(repo: Path) -> None:
    """Where a clone has no tags, the previous release is found in CHANGELOG.md's history."""
    release = commit(repo, changelog(V110, V100), "Release 1.1.0")
    after = commit(repo, changelog(V110, V100), "A fix that needs no CHANGELOG entry")
    commit(repo, changelog(V110, V100, unreleased="- next"), "Next")
    tagless = repo.parent / "tagless"
    run(["git", "clone", "-q", "--no-tags", repo, tagless], repo.parent)
    assert release_tag.release_tags(tagless) == {}

    assert release_tag.release_commit(tagless, (1, 1, 0)) == after != release
    # The 1.0.0 commit has its tag in the original and is found by history in the clone.
    assert release_tag.release_commit(tagless, (1, 0, 0)) == git(repo, "rev-parse", "v1.0.0^{commit}").strip()
    assert release_tag.release_commit(tagless, (0, 9, 0)) is None


def test_this_repositorys_newest_release_is_found_without_tags(tmp_path: Path) -> None:
    """What tests/test_update.py relies on in a CI clone that carries no tags."""
    newest = release_tag.parse_changelog((TEMPLATE_DIR / "CHANGELOG.md").read_text(encoding="utf-8")).newest
    assert newest is not None, "CHANGELOG.md has no released version"
    if run(["git", "rev-parse", "--is-shallow-repository"], TEMPLATE_DIR).stdout.strip() == "true":
        pytest.skip("a shallow clone has no history to search: `git fetch --unshallow`")
    tagless = tmp_path / "tagless"
    run(["git", "clone", "-q", "--no-tags", TEMPLATE_DIR, tagless], tmp_path)
    found = release_tag.release_commit(tagless, newest.version)
    assert found is not None
    tagged = run(["git", "rev-parse", "-q", "--verify", f"{newest.tag}^{{commit}}"], TEMPLATE_DIR, check=False)
    if tagged.returncode == 0:  # where the tag exists, history agrees with it
        assert found == tagged.stdout.strip()
    released = release_tag.parse_changelog(git(tagless, "show", f"{found}:CHANGELOG.md"))
    assert (released.newest, released.unreleased) == (newest, "")


def test_this_repositorys_changelog_parses() -> None:
    parsed = release_tag.parse_changelog((TEMPLATE_DIR / "CHANGELOG.md").read_text(encoding="utf-8"))
    assert parsed.releases, "CHANGELOG.md has no released version"


# ---------------------------------------------------------------------------
# The workflow
# ---------------------------------------------------------------------------


def load(path: Path) -> dict:
    return parse_yaml(path.read_text(encoding="utf-8"))


def test_only_the_tagging_job_may_write_and_it_runs_the_script_on_pushes_to_main() -> None:
    writers = {
        (path.name, name)
        for path in WORKFLOWS.glob("*.yml")
        for name, job in load(path)["jobs"].items()
        if "write" in (job.get("permissions") or {}).values()
    }
    assert writers == {("release-tag.yml", "tag")}
    workflow = load(RELEASE_TAG_YML)
    assert workflow["permissions"] == {}
    assert workflow[True]["push"] == {"branches": ["main"]}  # YAML 1.1 reads `on:` as True
    job = workflow["jobs"]["tag"]
    assert job["permissions"] == {"contents": "write"}
    checkout = job["steps"][0]
    assert checkout["uses"] == copier_config()["actions"]["default"]["checkout"].split(" #")[0]
    assert checkout["with"] == {"persist-credentials": False, "fetch-depth": 0}


def test_the_workflows_tagging_step_tags_a_new_release(repo: Path, tmp_path: Path) -> None:
    """The step's own shell script, run in a repository with a new release."""
    (repo / "scripts").mkdir()
    (repo / "scripts" / "release_tag.py").write_text(SCRIPT.read_text(encoding="utf-8"), encoding="utf-8")
    commit(repo, changelog(V110, V100), "Release 1.1.0")
    step = next(s for s in load(RELEASE_TAG_YML)["jobs"]["tag"]["steps"] if s.get("id") == "tag")
    output = tmp_path / "github_output"
    output.touch()
    run(
        ["bash", "-euo", "pipefail", "-c", step["run"]],
        repo,
        env={**step["env"], "GITHUB_OUTPUT": str(output), "RUNNER_TEMP": str(tmp_path)},
    )
    assert output.read_text(encoding="utf-8") == "tag=v1.1.0\n"
    assert (tmp_path / "notes.md").read_text(encoding="utf-8") == "### Added\n- more\n"
    tagger = git(repo, "tag", "--list", "--format=%(taggername)", "v1.1.0").strip()
    assert tagger == step["env"]["GIT_COMMITTER_NAME"]
