"""Preflight of a release: refuse, before anything is built, what no index takes back.

PyPI never replaces a file, and refuses new files for a release older than 14
days: an upload that fails half-way cannot be mended. So the release workflow
(.github/workflows/release.yml, job "preflight") runs this first:

    release_preflight.py tag [--index-url URL]        for a pushed tag v<version>
    release_preflight.py rehearsal [--index-url URL]  for a manual (TestPyPI) run

`tag` checks that the tag is v + the project version (PEP 440 normalised), that
the tagged commit is on the default branch, and that the version is not on the
index yet. `rehearsal` numbers the run's own version, X.Y.Z.devNNAA (run number
NN, attempt AA in two digits), and checks the index for it. Each writes
`version` and `prerelease` to the step's outputs; each refusal says what is
wrong and the commands that fix it. Standard library only: it runs with
`uv run --no-project`, before anything is installed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

# PEP 440's version grammar, as the `packaging` library spells it (no leading "v").
_VERSION = re.compile(
    r"""
    (?:(?P<epoch>[0-9]+)!)?
    (?P<release>[0-9]+(?:\.[0-9]+)*)
    (?:[-_.]?(?P<pre_l>alpha|a|beta|b|preview|pre|c|rc)[-_.]?(?P<pre_n>[0-9]+)?)?
    (?:-(?P<post_n1>[0-9]+)|[-_.]?(?P<post_l>post|rev|r)[-_.]?(?P<post_n2>[0-9]+)?)?
    (?:[-_.]?(?P<dev_l>dev)[-_.]?(?P<dev_n>[0-9]+)?)?
    (?:\+(?P<local>[a-z0-9]+(?:[-_.][a-z0-9]+)*))?
    """,
    re.VERBOSE | re.IGNORECASE,
)
_PRE = {"alpha": "a", "a": "a", "beta": "b", "b": "b"}  # the rest mean rc
_PRERELEASE = re.compile(r"(a|b|rc)[0-9]+|\.dev[0-9]+")
_TIMEOUT = 30  # seconds for one answer of the index


class RefusalError(Exception):
    """A reason not to release, and the commands that fix it."""

    def __init__(self, problem: str, fix: str) -> None:
        super().__init__(problem)
        self.problem = problem
        self.fix = fix


def normalize(text: str) -> str | None:
    """The PEP 440 normal form of ``text``, or None if it is no version."""
    match = _VERSION.fullmatch(text.strip())
    if match is None:
        return None
    part = match.groupdict()
    version = f"{int(part['epoch'])}!" if part["epoch"] and int(part["epoch"]) else ""
    version += ".".join(str(int(n)) for n in part["release"].split("."))
    if part["pre_l"]:
        version += _PRE.get(part["pre_l"].lower(), "rc") + str(int(part["pre_n"] or 0))
    if part["post_n1"] or part["post_l"]:
        version += f".post{int(part['post_n1'] or part['post_n2'] or 0)}"
    if part["dev_l"]:
        version += f".dev{int(part['dev_n'] or 0)}"
    if part["local"]:
        pieces = re.split(r"[-_.]", part["local"].lower())
        version += "+" + ".".join(str(int(p)) if p.isdigit() else p for p in pieces)
    return version


def project() -> tuple[str, str]:
    """The project's name and normalised version, as uv reads pyproject.toml."""
    uv = shutil.which("uv")
    if uv is None:
        raise RefusalError("uv is not on PATH", "run this after astral-sh/setup-uv")
    # A fixed command line of the uv found above: no input reaches it.
    found = subprocess.run(  # noqa: S603
        [uv, "version", "--output-format", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    if found.returncode != 0:
        raise RefusalError(f"uv cannot read the project: {found.stderr.strip()}", "")
    data = json.loads(found.stdout)
    version = normalize(data["version"])
    if version is None:  # uv refuses such a file already
        raise RefusalError(
            f"pyproject.toml has no PEP 440 version: {data['version']}", ""
        )
    if "+" in version:
        raise RefusalError(
            f"Version {version} is a local version: PyPI refuses those.",
            "uv version X.Y.Z   # without +local; then commit",
        )
    return str(data["package_name"]), version


def check_tag(tag: str, version: str) -> None:
    tag_version = normalize(tag[1:]) if tag.startswith("v") else None
    delete = f"git push --delete origin {tag} && git tag -d {tag}"
    if tag_version is None:
        raise RefusalError(
            f"Tag {tag} is not v followed by a PEP 440 version"
            f" (pyproject.toml says {version}).",
            f"{delete}\ngit tag v{version} && git push origin v{version}",
        )
    if tag_version != version:
        raise RefusalError(
            f"Tag {tag} is version {tag_version}, but pyproject.toml says {version}"
            f" (compared in PEP 440 normal form; the tag must be v{version}).",
            f"{delete}\n"
            f"# either release what pyproject.toml says:\n"
            f"git tag v{version} && git push origin v{version}\n"
            f"# or set the version you meant, commit, and tag that:\n"
            f'uv version {tag_version} && git commit -am "Release {tag_version}"\n'
            f"git tag v{tag_version} && git push origin main v{tag_version}",
        )


def check_on_default_branch(tag: str, commit: str) -> None:
    """The tagged commit must be in the default branch's history.

    The checkout fetched every branch (fetch-depth: 0) with the job's token and
    kept no credentials, so this asks only the local clone: no git command
    here needs access to the (maybe private) repository.
    """
    event = json.loads(
        Path(os.environ["GITHUB_EVENT_PATH"]).read_text(encoding="utf-8")
    )
    branch = str(event["repository"]["default_branch"])
    git = shutil.which("git") or "git"
    shallow = subprocess.run(  # noqa: S603
        [git, "rev-parse", "--is-shallow-repository"],
        capture_output=True,
        text=True,
        check=True,
    )
    if shallow.stdout.strip() != "false":
        raise RefusalError(
            "The checkout is shallow: it cannot tell which branches hold the tag.",
            "give the checkout step fetch-depth: 0",
        )
    remote = f"refs/remotes/origin/{branch}"
    known = subprocess.run(  # noqa: S603
        [git, "rev-parse", "--verify", "--quiet", remote],
        capture_output=True,
        check=False,
    )
    if known.returncode != 0:
        raise RefusalError(
            f"The default branch {branch} was not fetched ({remote} is missing).",
            "give the checkout step fetch-depth: 0",
        )
    ancestor = subprocess.run(  # noqa: S603
        [git, "merge-base", "--is-ancestor", commit, remote], check=False
    )
    if ancestor.returncode != 0:
        raise RefusalError(
            f"Tag {tag} points at {commit[:12]}, which is not on the default branch"
            f" {branch}: only merged work is released.",
            f"# merge it, push {branch}, then re-run this workflow (Re-run all jobs):\n"
            f"git switch {branch} && git merge {tag} && git push origin {branch}\n"
            f"# or, if that commit is not to be released, delete the tag:\n"
            f"git push --delete origin {tag} && git tag -d {tag}",
        )


def file_version(filename: str) -> str | None:
    """The normalised version in a distribution file name (wheel, sdist, egg)."""
    if filename.endswith((".whl", ".egg")):
        parts = filename.rsplit(".", 1)[0].split("-")
        return normalize(parts[1]) if len(parts) > 2 else None
    for suffix in (".tar.gz", ".tar.bz2", ".tar.xz", ".tgz", ".zip", ".tar"):
        if filename.endswith(suffix):
            # {name}-{version}: the version holds no "-" once normalised.
            return normalize(filename[: -len(suffix)].rpartition("-")[2])
    return None


def files_on_index(index_url: str, name: str, version: str) -> list[str]:
    """The files of ``name`` ``version`` on a PEP 503 simple index.

    A project the index does not know (404) has none. Any other answer, or no
    answer, is a refusal: an index that cannot be asked says nothing about
    whether the version is free.
    """
    canonical = re.sub(r"[-_.]+", "-", name).lower()
    url = f"{index_url.rstrip('/')}/{canonical}/"
    if not url.startswith(("https://", "http://")):
        raise RefusalError(f"Index URL {index_url} is not http(s).", "fix --index-url")
    request = urllib.request.Request(url, headers={"Accept": "text/html"})  # noqa: S310
    try:
        # The scheme is checked above: no file:// or custom opener.
        with urllib.request.urlopen(request, timeout=_TIMEOUT) as answer:  # noqa: S310
            page = answer.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        if error.code == 404:
            return []
        reason = f"it answered HTTP {error.code} {error.reason}"
    except (urllib.error.URLError, OSError) as error:
        reason = f"it is unreachable ({getattr(error, 'reason', error)})"
    else:
        filenames = re.findall(r"<a\b[^>]*>\s*([^<]+?)\s*</a>", page)
        return [f for f in filenames if file_version(f) == version]
    raise RefusalError(
        f"Could not ask {url} whether {name} {version} is there: {reason}."
        " That is no answer, so nothing is built or uploaded.",
        "# when the index answers again: Re-run failed jobs",
    )


def check_index(index_url: str, name: str, version: str, retry: str) -> None:
    found = files_on_index(index_url, name, version)
    if found:
        raise RefusalError(
            f"{name} {version} is already on {index_url} ({', '.join(found)}):"
            " an index never replaces a file, so this version cannot be released again.",
            retry,
        )
    print(f"{name} {version} is not on {index_url} yet.")


def dev_version(version: str) -> str:
    """This run's own version: X.Y.Z.devNNAA (run number, then attempt in two digits)."""
    attempt = int(os.environ["GITHUB_RUN_ATTEMPT"])
    if not 1 <= attempt <= 99:  # GitHub allows 50 re-runs
        raise RefusalError(f"Run attempt {attempt} has no two-digit number.", "")
    number = int(os.environ["GITHUB_RUN_NUMBER"]) * 100 + attempt
    return f"{re.sub(r'[.]dev[0-9]+$', '', version)}.dev{number}"


def write(variable: str, text: str) -> None:
    """Append to the file a runner names in ``variable`` (outputs, summary), if any."""
    path = os.environ.get(variable)
    if path:
        with Path(path).open("a", encoding="utf-8") as file:
            file.write(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("mode", choices=["tag", "rehearsal"])
    parser.add_argument(
        "--index-url", help="simple index the files go to (none: private)"
    )
    args = parser.parse_args(argv)
    try:
        name, version = project()
        if args.mode == "tag":
            tag = os.environ["GITHUB_REF_NAME"]
            check_tag(tag, version)
            print(f"Tag {tag} matches version {version}.")
            check_on_default_branch(tag, os.environ["GITHUB_SHA"])
            print(f"Tag {tag} is on the default branch.")
            retry = (
                f"git push --delete origin {tag} && git tag -d {tag}\n"
                "uv version --bump patch   # or minor / major\n"
                'git commit -am "Release $(uv version --short)"\n'
                'git tag "v$(uv version --short)"\n'
                'git push origin main "v$(uv version --short)"\n'
                "# if an earlier run of this tag uploaded some files and failed,\n"
                "# re-run its failed jobs instead: files already there are skipped"
            )
        else:
            version = dev_version(version)
            print(f"This rehearsal builds version {version}.")
            retry = "# run the workflow again: a new run gets a new number"
        if args.index_url:
            check_index(args.index_url, name, version, retry)
        else:
            print("No index to check: this package is never uploaded.")
    except RefusalError as refusal:
        message = refusal.problem.replace("%", "%25")
        print(f"::error title=Release preflight::{message}")
        fix = f"Fix:\n{refusal.fix}\n" if refusal.fix else ""
        print(fix, end="")
        write("GITHUB_STEP_SUMMARY", f"**Not released:** {refusal.problem}\n\n")
        if fix:
            write("GITHUB_STEP_SUMMARY", f"```sh\n{refusal.fix}\n```\n")
        return 1
    prerelease = _PRERELEASE.search(version) is not None
    write("GITHUB_OUTPUT", f"version={version}\nprerelease={str(prerelease).lower()}\n")
    kind = "a pre-release" if prerelease else "a final release"
    write("GITHUB_STEP_SUMMARY", f"Releasing {name} {version} ({kind}).\n")
    if args.mode == "rehearsal" and args.index_url:
        write(
            "GITHUB_STEP_SUMMARY",
            f"\nInstall it once published:\n\n```sh\npython -m pip install"
            f' "{name}=={version}" --extra-index-url {args.index_url}\n```\n',
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
