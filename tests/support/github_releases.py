"""A recording stand-in for one GitHub repository's releases, as `gh release` reaches them.

support.runner puts its ``gh`` on every runner's PATH for the release jobs: `gh release
create`, `upload`, `edit` and `view`, each doing the REST calls gh makes (cli/cli 44ee177,
pkg/cmd/release/create/create.go lines 462-513: with files and without --draft, a draft is
created, the files uploaded to it, then it is published) against the releases as GitHub
keeps them. With immutable releases on, a release published is immutable: GitHub refuses
any file added to it ("HTTP 422: Cannot upload assets to an immutable release."); only a
draft takes files. A newly published release becomes Latest unless it is a pre-release or
make_latest is false. The repository is GH_REPO or the checkout's, the tag must be in it
(--verify-tag; the fake never creates tags), each file must exist. It knows the flags the
workflows use: any other fails the test. Every call is recorded; so is each `gh release
create` that succeeded, as it was asked (``created``).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from support.recording_gh import GhError, RecordingGh


def http_error(status: int, message: str, url: str) -> GhError:
    return GhError(f"HTTP {status}: {message} ({url})")


@dataclass
class FakeReleases(RecordingGh):
    """The releases of ``repository`` (whose tags are those of the bare ``origin``), kept under ``root``."""

    origin: Path | None = None  # GitHub's repository: a checkout whose remote is this one is of it
    immutable: bool = True  # the repository setting (on, as .github/scripts/github_setup.py sets it)
    STATE = "releases.json"

    def initial(self) -> dict[str, Any]:
        return {"origin": str(self.origin), "immutable": self.immutable, "releases": [], "created": []}

    def main(self, argv: list[str]) -> int:
        self.record(argv)
        state = self.state()
        try:  # what GitHub holds after the calls is kept, whether the command succeeded or not
            print(self._answer(state, argv))
        except GhError as error:
            print(error, file=sys.stderr)
            return 1
        finally:
            self.save(state)
        return 0

    def _answer(self, state: dict[str, Any], args: list[str]) -> str:
        if not os.environ.get("GH_TOKEN"):
            raise GhError("gh: To use GitHub CLI in a GitHub Actions workflow, set the GH_TOKEN environment variable.")
        if args[:1] != ["release"] or args[1:2] not in (["create"], ["upload"], ["edit"], ["view"]) or len(args) < 3:
            raise GhError(f"the test's gh knows `gh release create|upload|edit|view TAG` only, not {args}")
        repo = os.environ.get("GH_REPO")
        if repo is None:  # gh's default: the checkout's remote (origin stands for GitHub's repository)
            remote = subprocess.run(["git", "remote", "get-url", "origin"], capture_output=True, text=True, check=False)
            repo = self.repository if remote.stdout.strip() == state["origin"] else None
        if repo != self.repository:
            here = f"(and no checkout of {self.repository} here)"
            raise GhError(f"GH_REPO is {os.environ.get('GH_REPO')!r} {here}, not {self.repository}")
        command, tag = args[1], args[2]
        given, flags, files = parsed = self._flags(command, args[3:])
        ref = ["git", "--git-dir", state["origin"], "rev-parse", "-q", "--verify", f"refs/tags/{tag}"]
        if command == "create" and subprocess.run(ref, capture_output=True, check=False).returncode != 0:
            if "--verify-tag" in flags:
                raise GhError(
                    f"tag {tag} doesn't exist in the repo {self.repository}, aborting due to --verify-tag flag"
                )
            raise GhError(f"the test's gh does not create tags: {tag} is not in {self.repository}")
        if command == "create":
            self._create(state, tag, parsed)
        elif command == "view":  # gh's FetchRelease (exit 1, "release not found", when there is none)
            if given or flags or files:
                raise GhError(f"the test's gh views a release without flags only, not {args[3:]}")
            release = self._find(state, tag)
            return f"title:\t{release['title']}\ntag:\t{tag}\ndraft:\t{str(release['draft']).lower()}\n--\n{release['notes']}"
        elif command == "upload":
            release = self._find(state, tag)
            for path in files:
                self._add(release, path)
        elif set(given) - {"draft", "latest"} or given.get("draft") == "true":
            raise GhError(f"the test's gh edits a release's --draft=false and --latest only, not {args[3:]}")
        elif (release := self._find(state, tag))["immutable"] and given:
            url = f"https://api.github.com/repos/{self.repository}/releases/{release['id']}"
            raise http_error(422, "Immutable release: only its title and notes can change.", url)
        elif given.get("draft") == "false" if release["draft"] else "latest" in given:  # published, or made Latest
            self._publish(state, release, given.get("latest"))
        return f"https://github.com/{self.repository}/releases/tag/{tag}"

    def _flags(self, command: str, args: list[str]) -> tuple[dict[str, str], list[str], list[str]]:
        """The values given (by name without dashes), the flags as typed that set a switch, the files."""
        files, given, flags = [], {}, []
        rest = iter(args)
        for arg in rest:
            option, _, value = arg.partition("=")
            if option in ("--title", "--notes", "--notes-file"):
                given[option[2:]] = value or next(rest)
            elif option in ("--latest", "--prerelease", "--draft") and value in ("", "true", "false"):
                given[option[2:]] = value or "true"
                flags.append(arg)
            elif arg in ("--verify-tag", "--generate-notes"):
                flags.append(arg)
            elif arg.startswith("-"):
                raise GhError(f"the test's gh does not know {arg}")
            elif command == "edit":
                raise GhError(f"accepts 1 arg(s), received {len(args) + 1}")
            elif not Path(arg).is_file():
                raise GhError(f"open {arg}: no such file or directory")
            else:
                files.append(arg)
        if "notes-file" in given:
            given["notes"] = Path(given.pop("notes-file")).read_text()
        if "--generate-notes" in flags:
            given["notes"] = "(notes GitHub generated from the pull requests)"
        return given, flags, files

    def _create(self, state: dict[str, Any], tag: str, args: tuple[dict[str, str], list[str], list[str]]) -> None:
        (given, flags, files), releases = args, state["releases"]
        draft = given.get("draft") == "true"
        while_uploading = bool(files) and not draft  # gh: draftWhileUploading
        if while_uploading and any(r["tag"] == tag and not r["draft"] for r in releases):
            raise GhError(f"a release with the same tag name already exists: {tag}")
        release: dict[str, Any] = {
            "id": max([r["id"] for r in releases], default=0) + 1, "tag": tag, "title": given.get("title"),
            "notes": given.get("notes", ""), "draft": True, "prerelease": given.get("prerelease") == "true",
            "latest": False, "immutable": False, "files": {},
        }  # fmt: skip
        releases.append(release)
        if not draft and not while_uploading:
            self._publish(state, release, given.get("latest"))
        try:
            for path in files:
                self._add(release, path)
            if while_uploading:
                self._publish(state, release, given.get("latest"))
        except GhError:
            if while_uploading:  # gh deletes the draft it made when an upload or publishing it fails
                releases.remove(release)
            raise
        record = {"tag": tag, "files": dict(release["files"]), "flags": flags}
        state["created"].append({**record, "title": release["title"], "notes": release["notes"]})

    def _find(self, state: dict[str, Any], tag: str) -> dict[str, Any]:
        """gh's FetchRelease: the published release of the tag, else a draft of it."""
        tagged = [r for r in state["releases"] if r["tag"] == tag]
        if not tagged:
            raise GhError("release not found")
        return ([r for r in tagged if not r["draft"]] or tagged)[0]

    def _add(self, release: dict[str, Any], path: str) -> None:
        name = Path(path).name
        url = f"https://uploads.github.com/repos/{self.repository}/releases/{release['id']}/assets?label=&name={name}"
        if release["immutable"]:
            raise http_error(422, "Cannot upload assets to an immutable release.", url)
        if name in release["files"]:  # without --clobber (which the fake does not know): a name is taken once
            raise GhError(f"asset under the same name already exists: {[name]}")
        release["files"][name] = hashlib.sha256(Path(path).read_bytes()).hexdigest()

    def _publish(self, state: dict[str, Any], release: dict[str, Any], make_latest: str | None) -> None:
        """PATCH draft=false (with make_latest as given): a tag has one published release."""
        url = f"https://api.github.com/repos/{self.repository}/releases/{release['id']}"
        if any(r["tag"] == release["tag"] and not r["draft"] for r in state["releases"] if r is not release):
            raise http_error(422, "Validation Failed", url)  # tag_name already_exists
        release["draft"], release["immutable"] = False, state["immutable"]
        if not release["prerelease"] and make_latest != "false":
            for other in state["releases"]:
                other["latest"] = False
            release["latest"] = True
