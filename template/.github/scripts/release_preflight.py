"""Preflight of a release: refuse, before anything is built, what no index takes back.

release.yml's job "preflight" runs `tag` (a pushed tag v<version>) or `rehearsal` (a
manual run: version X.Y.Z.devNNAA, run NN, attempt AA), with the index to check, as
`uv run --no-project --with packaging==X`. It writes `version`, `prerelease` and
`notes` (JSON) to the step's outputs, or refuses, saying what fixes it. `changelog`
(README.md's release steps) makes [Unreleased] the project version's section.
"""

import argparse
import datetime
import json
import os
import re
import shutil
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

from packaging import utils
from packaging.version import InvalidVersion, Version

JSON_API = "application/vnd.pypi.simple.v1+json"  # PEP 691 (PEP 833 froze the HTML)
CHANGELOG, TODAY = Path("CHANGELOG.md"), datetime.date.today()
# Keep a Changelog's headings, read here: python-kacl reads versions as SemVer (it
# refuses 1.0 and finds no 1.0.0rc1).
HEADING = re.compile(r"## \[(?P<name>[^\]]+)\](?: - \d{4}-\d{2}-\d{2})?\s*")


class RefusalError(Exception):
    """Why not to release, and the commands that fix it (its two args)."""


def parse(text: str) -> Version | None:
    try:
        return Version(text) if text[:1].isdigit() else None
    except InvalidVersion:
        return None


def run(*args: str) -> subprocess.CompletedProcess[str]:
    """A fixed command line (uv, git): nothing from outside reaches a shell."""
    return subprocess.run(args, capture_output=True, text=True, check=False)  # noqa: S603


def retag(tag: str, *fix: str) -> str:
    """Delete the pushed tag, fix, tag and push again."""
    delete = f"git push --delete origin {tag} && git tag -d {tag}"
    return "\n".join([delete, *fix])


def project() -> tuple[str, Version]:
    """The project's name and version, as uv reads pyproject.toml."""
    if shutil.which("uv") is None:
        raise RefusalError("uv is not on PATH", "run this after astral-sh/setup-uv")
    found = run("uv", "version", "--output-format", "json")
    if found.returncode != 0:
        raise RefusalError(f"uv cannot read the project: {found.stderr.strip()}", "")
    data = json.loads(found.stdout)
    version = Version(data["version"])  # uv refuses an invalid one
    if version.local:
        problem = f"Version {version} is a local version: PyPI refuses those."
        raise RefusalError(problem, "uv version X.Y.Z   # without +local; then commit")
    return str(data["package_name"]), version


def check_tag(tag: str, version: Version) -> None:
    found, again = parse(tag[1:]) if tag[:1] == "v" else None, f"v{version}"
    if found is None:
        problem = f"Tag {tag} is not v followed by a PEP 440 version"
        fix = retag(tag, f"git tag {again} && git push origin {again}")
        raise RefusalError(f"{problem} (pyproject.toml says {version}).", fix)
    if str(found) != str(version):
        raise RefusalError(
            f"Tag {tag} is version {found}, but pyproject.toml says {version}"
            f" (compared in PEP 440 normal form; the tag must be {again}).",
            retag(
                tag,
                "# either release what pyproject.toml says:",
                f"git tag {again} && git push origin {again}",
                "# or set the version you meant, commit, and tag that:",
                f'uv version {found} && git commit -am "Release {found}"',
                f"git tag v{found} && git push origin main v{found}",
            ),
        )


def check_on_default_branch(tag: str, commit: str) -> None:
    """In the job's clone (fetch-depth: 0, no credentials kept): no repository access."""
    event = json.loads(Path(os.environ["GITHUB_EVENT_PATH"]).read_text("utf-8"))
    branch = event["repository"]["default_branch"]
    remote, fix = (
        f"refs/remotes/origin/{branch}",
        "give the checkout step fetch-depth: 0",
    )
    if run("git", "rev-parse", "--is-shallow-repository").stdout.strip() != "false":
        problem = "The checkout is shallow: it cannot tell which branches hold the tag."
        raise RefusalError(problem, fix)
    if run("git", "rev-parse", "--verify", "--quiet", remote).returncode != 0:
        problem = f"The default branch {branch} was not fetched ({remote} is missing)."
        raise RefusalError(problem, fix)
    if run("git", "merge-base", "--is-ancestor", commit, remote).returncode != 0:
        raise RefusalError(
            f"Tag {tag} points at {commit[:12]}, which is not on the default branch"
            f" {branch}: only merged work is released.",
            f"# merge it, push {branch}, then re-run this workflow (Re-run all jobs):\n"
            f"git switch {branch} && git merge {tag} && git push origin {branch}\n"
            "# or, if that commit is not to be released, delete the tag:\n"
            f"git push --delete origin {tag} && git tag -d {tag}",
        )


def read_changelog() -> str:
    if not CHANGELOG.is_file():
        fix = "# write one: ## [Unreleased] first, then each version, newest first"
        raise RefusalError(f"There is no {CHANGELOG}: the notes are there.", fix)
    return CHANGELOG.read_text(encoding="utf-8")


def sections(text: str) -> dict[Version | None, tuple[int, str]]:
    """CHANGELOG.md's sections, newest first: version (None: Unreleased) -> line, text."""
    found: dict[Version | None, tuple[int, list[str]]] = {}
    fenced = False
    for number, line in enumerate(text.splitlines(), start=1):
        fenced ^= line.startswith("```")
        if fenced or not line.startswith("## "):
            if found:
                found[next(reversed(found))][1].append(line)
            continue
        name = match["name"] if (match := HEADING.fullmatch(line)) else ""
        version, older = parse(name), [v for v in found if v is not None]
        if version is None and name != "Unreleased":
            problem = "not ## [Unreleased] or ## [X.Y.Z] - YYYY-MM-DD (PEP 440)"
        elif (version is None) == bool(found):
            problem = "the first section, and only it, must be ## [Unreleased]"
        elif older and version is not None and version >= older[-1]:
            problem = f"{name} comes after {older[-1]}: newest first, each once"
        else:
            found[version] = (number, [])
            continue
        where = f"{CHANGELOG} line {number}"
        raise RefusalError(f"{where} ({line}): {problem}.", f"# fix {where}, commit")
    if None not in found:
        raise RefusalError(f"{CHANGELOG} has no ## [Unreleased] section.", "# add it")
    return {v: (n, "\n".join(lines).strip()) for v, (n, lines) in found.items()}


def notes(version: Version, tag: str) -> str:
    """``version``'s section of CHANGELOG.md (a pre-release without one: Unreleased)."""
    known = sections(read_changelog())
    key = None if version not in known and version.is_prerelease else version
    line, text = known.get(key, (0, ""))
    heading = f"## [{version}] - {TODAY}" if key else "## [Unreleased]"
    if not re.sub(r"(?m)^#+ .*", "", text).strip():  # headings alone are no notes
        raise RefusalError(
            f"{CHANGELOG} has no notes for {version}: "
            + (f"line {line} starts an empty section." if line else f"add {heading}."),
            retag(
                tag,
                f"# write them under {heading} (or under [Unreleased], then run",
                "#   uv run .github/scripts/release_preflight.py changelog), and:",
                f'git commit -am "Release notes of {version}"',
                f"git tag {tag} && git push origin main {tag}",
            ),
        )
    older = [v for v in known if v is not None and v < version]
    if not older:
        return text
    repository = f"https://github.com/{os.environ['GITHUB_REPOSITORY']}"
    return f"{text}\n\n**Full Changelog**: {repository}/compare/v{older[0]}...{tag}"


def cut(version: Version) -> None:
    """[Unreleased] becomes ``version``'s section, dated today, under a new empty one."""
    text = read_changelog()
    known = sections(text)
    (line, unreleased), (done, _) = known[None], known.get(version, (0, ""))
    if not unreleased:
        raise RefusalError(f"{CHANGELOG}: [Unreleased] (line {line}) is empty.", "")
    if done:
        problem = f"{CHANGELOG} has a section for {version} already (line {done})."
        raise RefusalError(problem, "uv version --bump patch   # or minor / major")
    if version.is_prerelease:
        print(f"{version} is a pre-release: its notes are [Unreleased], kept.")
        return
    lines = text.splitlines(keepends=True)
    lines.insert(line, f"\n## [{version}] - {TODAY}\n")
    sections("".join(lines))  # a version that is not the newest: refused, not written
    CHANGELOG.write_text("".join(lines), encoding="utf-8")
    print(f"{CHANGELOG}: [Unreleased] is now [{version}] - {TODAY}.")


def file_version(filename: str) -> Version | None:
    """The version in a wheel's or an sdist's file name (None: any other file)."""
    try:
        if filename.endswith(".whl"):
            return utils.parse_wheel_filename(filename)[1]
        return utils.parse_sdist_filename(filename)[1]
    except ValueError:  # InvalidWheelFilename, InvalidSdistFilename
        return None


def on_index(index_url: str, name: str, version: Version) -> list[str]:
    """The index's files of ``name`` ``version``, asked for JSON (PEP 691). An unknown
    project (404) has none; any other answer (HTML only, too) or none is a refusal."""
    url = f"{index_url.rstrip('/')}/{utils.canonicalize_name(name)}/"
    if not url.startswith(("https://", "http://")):  # no file:// or custom opener
        raise RefusalError(f"Index URL {index_url} is not http(s).", "fix --index-url")
    fix = "# when the index answers again: Re-run failed jobs"
    request = urllib.request.Request(url, headers={"Accept": JSON_API})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
            kind, page = answer.headers.get_content_type(), answer.read()
    except urllib.error.HTTPError as error:
        if error.code == 404:
            return []
        reason = f"it answered HTTP {error.code} {error.reason}"
    except (urllib.error.URLError, OSError) as error:
        reason = f"it is unreachable ({getattr(error, 'reason', error)})"
    else:
        if kind == JSON_API:
            files = [file["filename"] for file in json.loads(page)["files"]]
            return [file for file in files if file_version(file) == version]
        reason = f"it answered {kind}, not the JSON simple API ({JSON_API})"
        fix = "# an --index-url that answers JSON (PEP 691), as PyPI and TestPyPI do"
    problem = f"Could not ask {url} whether {name} {version} is there: {reason}."
    raise RefusalError(
        f"{problem} That is no answer: nothing is built or uploaded.", fix
    )


def preflight(mode: str, index_url: str | None) -> tuple[str, Version, str]:
    name, version = project()
    if mode == "tag":
        tag = os.environ["GITHUB_REF_NAME"]
        check_tag(tag, version)
        print(f"Tag {tag} matches version {version}.")
        check_on_default_branch(tag, os.environ["GITHUB_SHA"])
        print(f"Tag {tag} is on the default branch.")
        release_notes = notes(version, tag)
        print(f"Its release notes, from {CHANGELOG}:\n{release_notes}")
        retry = retag(
            tag,
            "uv version --bump patch   # or minor / major",
            "# write why under ## [Unreleased] in CHANGELOG.md, then:",
            "uv run .github/scripts/release_preflight.py changelog",
            'git commit -am "Release $(uv version --short)"',
            'git tag "v$(uv version --short)"',
            'git push origin main "v$(uv version --short)"',
            "# if an earlier run of this tag uploaded some files and failed,",
            "# re-run its failed jobs instead: files already there are skipped",
        )
    else:
        attempt = int(os.environ["GITHUB_RUN_ATTEMPT"])
        if not 1 <= attempt <= 99:  # GitHub allows 50 re-runs
            raise RefusalError(f"Run attempt {attempt} has no two-digit number.", "")
        number = int(os.environ["GITHUB_RUN_NUMBER"]) * 100 + attempt
        version = Version(f"{str(version).partition('.dev')[0]}.dev{number}")
        print(f"This rehearsal builds version {version}.")
        release_notes, retry = "", "# run the workflow again: a new run, a new number"
    if not index_url:
        print("No index to check: this package is never uploaded.")
    elif found := on_index(index_url, name, version):
        problem = f"{name} {version} is already on {index_url} ({', '.join(found)}):"
        problem += (
            " an index never replaces a file: this version cannot be released again."
        )
        raise RefusalError(problem, retry)
    else:
        print(f"{name} {version} is not on {index_url} yet.")
    return name, version, release_notes


def write(variable: str, text: str) -> None:
    """Append to the file a runner names in ``variable`` (outputs, summary), if any."""
    if os.environ.get(variable):
        with Path(os.environ[variable]).open("a", encoding="utf-8") as file:
            file.write(text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("mode", choices=["tag", "rehearsal", "changelog"])
    parser.add_argument("--index-url", help="where the files go (none: private)")
    args = parser.parse_args()
    try:
        if args.mode == "changelog":
            cut(project()[1])
            return 0
        name, version, release_notes = preflight(args.mode, args.index_url)
    except RefusalError as refusal:
        problem, fix = refusal.args
        print(f"::error title=Release preflight::{problem.replace('%', '%25')}")
        print(f"Fix:\n{fix}" if fix else "")
        write("GITHUB_STEP_SUMMARY", f"**Not released:** {problem}\n\n")
        write("GITHUB_STEP_SUMMARY", f"```sh\n{fix}\n```\n" if fix else "")
        return 1
    kind = "a pre-release" if version.is_prerelease else "a final release"
    prerelease = str(version.is_prerelease).lower()
    outputs = f"version={version}\nprerelease={prerelease}\n"
    write("GITHUB_OUTPUT", f"{outputs}notes={json.dumps(release_notes)}\n")
    write("GITHUB_STEP_SUMMARY", f"Releasing {name} {version} ({kind}).\n")
    if args.mode == "rehearsal" and args.index_url:
        command = f'python -m pip install "{name}=={version}"'
        command += f" --extra-index-url {args.index_url}"
        write(
            "GITHUB_STEP_SUMMARY",
            f"\nInstall it once published:\n\n```sh\n{command}\n```\n",
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
