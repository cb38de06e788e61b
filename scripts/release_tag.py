"""Tag the template's newest released version, as CHANGELOG.md declares it.

CHANGELOG.md is the one record of releases: a version is released when its
``## [X.Y.Z] - YYYY-MM-DD`` heading is on main. This script, run by the ``tag``
job of .github/workflows/tests.yml on every push to main once the test suite
passed on it, creates the annotated tag ``vX.Y.Z`` for the newest released
version when that tag does not exist yet, and writes the version's CHANGELOG
section (the release notes).

- the newest version already has its tag: nothing to tag, once the tag is
  checked: its commit must release that version (as below) and be in HEAD's
  history, and a change to the template (TEMPLATE_PATHS) since the tag needs
  notes under ``[Unreleased]`` (else it would ship with none): each is an error
  (exit 1) that says what to fix. It prints the tag name and writes the notes
  (exit 0): the job makes the GitHub release if it is missing (a re-run after
  ``gh release create`` failed once the tag was pushed);
- it has none: tag its commit, print the tag name (exit 0);
- it is lower than the newest ``v*`` tag, or a heading is malformed, or
  versions are out of order: a clear error (exit 1), nothing tagged;
- with ``--tested-commit REV`` (the workflow passes the commit its tests
  passed on), a release commit other than REV is an error too: only a tested
  commit is tagged.

The commit of a version is its tag when there is one, else the newest commit
(first-parent history) whose CHANGELOG.md has that version as the newest
release and an empty ``[Unreleased]`` section: the release commit and what
followed it before the next change was written down. The suite's update tests
(tests/support/updates.py) use the same rule to find each release in a clone without tags.

Standard library only: the workflow runs it with the runner's python3.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

CHANGELOG = "CHANGELOG.md"
UNRELEASED = "Unreleased"
HEADING_FORMS = "'## [Unreleased]' or '## [X.Y.Z] - YYYY-MM-DD'"
_VERSION = r"(?:0|[1-9][0-9]*)\.(?:0|[1-9][0-9]*)\.(?:0|[1-9][0-9]*)"
_RELEASE_HEADING = re.compile(rf"## \[(?P<version>{_VERSION})\] - (?P<date>[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}})")
_TAG = re.compile(rf"v(?P<version>{_VERSION})")
# What makes up the template: a change to these after a release ships in the next version.
TEMPLATE_PATHS = ("copier.yml", "template", "includes")

Version = tuple[int, int, int]


class ReleaseError(Exception):
    """Why nothing can be tagged: the message says what to fix."""


@dataclass(frozen=True)
class Release:
    version: Version
    date: str
    notes: str  # the section's text, without its heading

    @property
    def name(self) -> str:
        return ".".join(map(str, self.version))

    @property
    def tag(self) -> str:
        return f"v{self.name}"


@dataclass(frozen=True)
class Changelog:
    unreleased: str  # the [Unreleased] section's text ("" when there is none)
    releases: list[Release]  # newest first

    @property
    def newest(self) -> Release | None:
        return self.releases[0] if self.releases else None


def parse_version(text: str) -> Version:
    major, minor, patch = (int(part) for part in text.split("."))
    return major, minor, patch


def parse_changelog(text: str) -> Changelog:
    """Split CHANGELOG.md into its sections; every ``## `` heading must be a version heading."""
    sections: list[tuple[str, list[str]]] = []  # (heading name, lines)
    in_fence = False
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith("```"):
            in_fence = not in_fence
        if in_fence or not line.startswith("## "):
            if sections:
                sections[-1][1].append(line)
            continue
        if line.rstrip() == f"## [{UNRELEASED}]":
            if sections:
                raise ReleaseError(f"{CHANGELOG} line {number}: [{UNRELEASED}] must be the first section")
            sections.append((UNRELEASED, []))
            continue
        match = _RELEASE_HEADING.fullmatch(line.rstrip())
        if match is None:
            raise ReleaseError(
                f"{CHANGELOG} line {number}: malformed heading {line!r}; a second-level heading must be {HEADING_FORMS}"
            )
        sections.append((match["version"] + " " + match["date"], []))
    unreleased = ""
    releases: list[Release] = []
    for name, lines in sections:
        notes = "\n".join(lines).strip()
        if name == UNRELEASED:
            unreleased = notes
            continue
        version_text, date = name.split(" ")
        version = parse_version(version_text)
        if releases and version >= releases[-1].version:
            raise ReleaseError(
                f"{CHANGELOG}: version {version_text} comes after {releases[-1].name}:"
                " versions must be listed newest first, each once"
            )
        releases.append(Release(version, date, notes))
    return Changelog(unreleased, releases)


def git(repo: Path, *args: str, stdin: str | None = None, check: bool = True) -> str:
    completed = subprocess.run(["git", *args], cwd=repo, input=stdin, capture_output=True, text=True, check=False)
    if check and completed.returncode != 0:
        raise ReleaseError(f"git {' '.join(args)} failed: {completed.stderr.strip()}")
    return completed.stdout


def release_tags(repo: Path) -> dict[Version, str]:
    """The repository's tags of the form vX.Y.Z, by version (pre-releases and others ignored)."""
    tags = {}
    for tag in git(repo, "tag", "--list", "v*").split():
        if match := _TAG.fullmatch(tag):
            tags[parse_version(match["version"])] = tag
    return tags


def releases(text: str, version: Version) -> bool:
    """Whether a CHANGELOG.md text has ``version`` as its newest release and an empty [Unreleased]."""
    try:
        changelog = parse_changelog(text)
    except ReleaseError:
        return False
    return changelog.newest is not None and changelog.newest.version == version and not changelog.unreleased


def check_tagged(repo: Path, changelog: Changelog, tag: str) -> str:
    """The commit that ``tag``, the tag of ``changelog``'s newest version, tags, checked against the rule:
    its CHANGELOG.md releases that version with an empty [Unreleased], it is in HEAD's history, and the
    working tree changes no file of the template since (TEMPLATE_PATHS) unless [Unreleased] has notes."""
    commit = git(repo, "rev-parse", f"{tag}^{{commit}}").strip()
    assert changelog.newest is not None
    if not releases(git(repo, "show", f"{commit}:{CHANGELOG}", check=False), changelog.newest.version):
        raise ReleaseError(
            f"{tag} tags commit {commit}, whose {CHANGELOG} does not have {changelog.newest.name} as the newest"
            f" version with an empty [{UNRELEASED}] section: a release tag is made by the tag job only."
            f" Delete it (git push --delete origin {tag} && git tag -d {tag}) and re-run the test run of the"
            " release commit's push: its tag job tags that commit"
        )
    ancestor = subprocess.run(["git", "merge-base", "--is-ancestor", commit, "HEAD"], cwd=repo, check=False)
    if ancestor.returncode != 0:
        raise ReleaseError(
            f"{tag} tags commit {commit}, which is not in the history of HEAD: main was rewritten. Delete the tag"
            f" (git push --delete origin {tag} && git tag -d {tag}) and re-run the test run of the release"
            " commit's push: its tag job tags that commit"
        )
    changed = git(repo, "diff", "--name-only", commit, "--", *TEMPLATE_PATHS).split()
    if changed and not changelog.unreleased:
        raise ReleaseError(
            f"the template changed after {tag} ({', '.join(changed)}) and [{UNRELEASED}] in {CHANGELOG} is"
            f" empty: the change would ship in the next version with no notes. Describe it under [{UNRELEASED}]"
        )
    return commit


def release_commit(repo: Path, version: Version, rev: str = "HEAD") -> str | None:
    """The commit of a released version: its tag, else found in CHANGELOG.md's history (see above)."""
    tag = release_tags(repo).get(version)
    if tag is not None:
        return git(repo, "rev-parse", f"{tag}^{{commit}}").strip()
    commits = git(repo, "rev-list", "--first-parent", rev).split()
    # One git process for the whole history: the CHANGELOG blob of each commit.
    blobs = git(
        repo,
        "cat-file",
        "--batch-check=%(objectname) %(objecttype)",
        stdin="".join(f"{commit}:{CHANGELOG}\n" for commit in commits),
    ).splitlines()
    verdicts: dict[str, bool] = {}
    for commit, blob_line in zip(commits, blobs, strict=True):
        blob, _, kind = blob_line.partition(" ")
        if kind != "blob":
            continue  # no CHANGELOG.md in that commit
        if blob not in verdicts:
            verdicts[blob] = releases(git(repo, "cat-file", "blob", blob), version)
        if verdicts[blob]:
            return commit
    return None


@dataclass(frozen=True)
class Plan:
    release: Release | None  # the version to tag; None: nothing to do
    commit: str | None
    reason: str
    tagged: bool = False  # the release's tag exists: nothing to tag, its GitHub release may be missing


def plan(repo: Path, tested: str | None = None) -> Plan:
    """What to tag, from the working tree's CHANGELOG.md and the repository's tags.

    ``tested``: the only commit that may be tagged (a revision), or None for any.
    """
    changelog = parse_changelog((repo / CHANGELOG).read_text(encoding="utf-8"))
    newest = changelog.newest
    if newest is None:
        return Plan(None, None, f"{CHANGELOG} has no released version yet")
    tags = release_tags(repo)
    if newest.version in tags:
        tagged = check_tagged(repo, changelog, tags[newest.version])
        return Plan(newest, tagged, f"{newest.tag} exists: nothing to tag", tagged=True)
    if tags and newest.version < max(tags):
        raise ReleaseError(
            f"the newest version in {CHANGELOG}, {newest.name}, is lower than the "
            f"newest tag, {tags[max(tags)]}: a released version cannot go back"
        )
    commit = release_commit(repo, newest.version)
    if commit is None:
        raise ReleaseError(
            f"no commit has {newest.name} as the newest version in {CHANGELOG} with "
            f"an empty [{UNRELEASED}] section: release it in a commit of its own"
        )
    if tested is not None:
        tested_commit = git(repo, "rev-parse", "--verify", f"{tested}^{{commit}}").strip()
        if commit != tested_commit:
            raise ReleaseError(
                f"{newest.tag} is released by commit {commit}, but the tests passed on {tested_commit}:"
                f" only a tested commit is tagged. Re-run the test run of {commit}'s push (it tags that"
                " commit when its tests pass), or release the next version in a commit of its own"
            )
    return Plan(newest, commit, f"{newest.tag} is released in {CHANGELOG} and has no tag")


def create_tag(repo: Path, release: Release, commit: str) -> None:
    git(
        repo,
        "-c",
        "tag.gpgsign=false",
        "tag",
        "--annotate",
        "--file=-",
        release.tag,
        commit,
        stdin=f"Release {release.name} ({release.date})\n\n{release.notes}\n",
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repo", type=Path, default=Path.cwd(), help="the repository (default: .)")
    parser.add_argument("--notes-file", type=Path, help="write the tagged version's CHANGELOG section here")
    parser.add_argument("--dry-run", action="store_true", help="say what would be tagged; tag nothing")
    parser.add_argument(
        "--tested-commit",
        metavar="REV",
        help="the commit whose tests passed: tag only it (a release commit other than REV is an error)",
    )
    args = parser.parse_args(argv)
    try:
        decision = plan(args.repo, args.tested_commit)
        if decision.release is None or decision.commit is None:
            print(decision.reason, file=sys.stderr)
            return 0
        if not (args.dry_run or decision.tagged):
            create_tag(args.repo, decision.release, decision.commit)
        if args.notes_file is not None:
            args.notes_file.write_text(decision.release.notes + "\n", encoding="utf-8")
    except ReleaseError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    done = "its GitHub release is made if missing" if decision.tagged else "would tag" if args.dry_run else "tagged"
    print(f"{decision.reason}: {done} {decision.commit}", file=sys.stderr)
    print(decision.release.tag)
    return 0


if __name__ == "__main__":
    sys.exit(main())
