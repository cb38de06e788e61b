"""Preflight of a release: refuse, before anything is built, what no index takes back.

`tag` and `rehearsal` (release.yml) output version, prerelease, latest and notes, or
refuse with the fix; `changelog` (README.md) makes [Unreleased] the version's section.
"""

import argparse
import datetime
import json
import os
import re
import secrets
import shutil
import subprocess
from collections import Counter
from pathlib import Path
from typing import NoReturn
from urllib.error import HTTPError
from urllib.request import Request, urlopen

from packaging import utils
from packaging.version import InvalidVersion, Version

JSON_API = "application/vnd.pypi.simple.v1+json"  # PEP 691 (PEP 833 froze the HTML)
CHANGELOG, TODAY, ENV = Path("CHANGELOG.md"), datetime.date.today(), os.environ
# Read here: python-kacl reads SemVer (it refuses 1.0 and finds no 1.0.0rc1).
HEADING = re.compile(r"## \[([^\]]+)\](?: - \d{4}-\d{2}-\d{2})?(?: \[YANKED\])?\s*")
BUMP = "uv version --bump patch   # or minor / major"
CUT = "uv run .github/scripts/release_preflight.py changelog"
DELETE = "git push --delete origin {0} && git tag -d {0}"
# Both, or neither; a branch that takes no push (README.md: --require-ci) takes a PR
PUSH = (
    "git tag {0} && git push --atomic origin HEAD {0}   # refused? a PR, then the tag"
)
FETCH = "give the checkout step fetch-depth: 0"
NEW = "$(uv version --short)"
RERUN = """# an earlier run of this tag uploaded some files and failed? Re-run its failed
# jobs instead (files already there are skipped). Else, a new version:"""
RETRY = f"""{BUMP}
# write why under ## [Unreleased] in CHANGELOG.md, then:
{CUT} && git commit -am "Release {NEW}"
{PUSH.format(f'"v{NEW}"')}"""


def write(variable: str, text: str) -> None:
    if ENV.get(variable):  # a file the runner reads: the outputs, the run's summary
        with Path(ENV[variable]).open("a", encoding="utf-8") as file:
            file.write(text)


def refuse(problem: str, *fix: str) -> NoReturn:
    """Why not, in the log, as an annotation and in the run's summary; and the fix."""
    text = "\n".join(fix)
    print(f"::error title=Release preflight::{problem.replace('%', '%25')}")
    print(f"Fix:\n{text}")
    write("GITHUB_STEP_SUMMARY", f"**Not released:** {problem}\n\n```sh\n{text}\n```\n")
    raise SystemExit(1)


def parse(text: str) -> Version | None:
    try:  # packaging takes "v1.0" too: a tag has one v, a heading none
        return Version(text) if text[:1].isdigit() else None
    except InvalidVersion:
        return None


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, check=False)  # noqa: S603


def check_tag(tag: str, version: Version) -> bool:
    """Whether the tag is a fix of an older version: on release/X.Y, below a newer tag."""
    found, again = parse(tag[1:]) if tag[:1] == "v" else None, f"v{version}"
    push = f"git tag {again} && git push origin {again}"
    if found is None:
        problem = f"Tag {tag} is not v followed by a PEP 440 version"
        refuse(f"{problem} (pyproject.toml says {version}).", DELETE.format(tag), push)
    if str(found) != str(version):
        refuse(
            f"Tag {tag} is version {found}, but pyproject.toml says {version} (compared"
            f" in PEP 440 normal form; the tag must be {again}).",
            DELETE.format(tag),
            f"# either release what pyproject.toml says:\n{push}",
            "# or set the version you meant, commit, and tag that:",
            f'uv version {found} && {CUT} && git commit -am "Release {found}"',
            PUSH.format(f"v{found}"),
        )
    print(f"Tag {tag} matches version {version}.")
    event = json.loads(Path(ENV["GITHUB_EVENT_PATH"]).read_text("utf-8"))
    branch, commit = event["repository"]["default_branch"], ENV["GITHUB_SHA"]
    remote = f"refs/remotes/origin/{branch}"  # the job's clone: no credentials kept
    if run("git", "rev-parse", "--is-shallow-repository").stdout.strip() != "false":
        problem = "The checkout is shallow: it cannot tell which branches hold the tag."
        refuse(problem, FETCH)
    if run("git", "rev-parse", "--verify", "--quiet", remote).returncode != 0:
        refuse(
            f"The default branch {branch} was not fetched ({remote} is missing).", FETCH
        )
    tags = [parse(t[1:]) for t in run("git", "tag", "--list", "v*").stdout.split()]
    newer = [v for v in tags if v and not v.is_prerelease and v > version]
    line = f"release/{version.major}.{version.minor}"  # README.md: an older X.Y's fixes
    on_main, on_line = (
        run("git", "merge-base", "--is-ancestor", commit, ref).returncode == 0
        for ref in (remote, f"refs/remotes/origin/{line}")
    )
    if on_line and (newer or not on_main):
        print(f"Tag {tag} is on {line}" + (f", below {max(newer)}." if newer else "."))
        return bool(newer)
    where, push = f"merge it, push {branch}", f"git switch {branch} && git merge {tag}"
    push += f" && git push origin {branch}"
    if newer:  # below a newer version: a fix of an older one (README.md)
        where, push = (
            f"push it to {line}",
            f"git push origin {tag}^0:refs/heads/{line}",
        )
    if not on_main:
        refuse(
            f"Tag {tag} points at {commit[:12]}, which is not on the default branch"
            f" {branch} (nor on {line}): only merged work is released.",
            f"# {where}, then re-run this workflow (Re-run all jobs):",
            push,
            "# or, merged by a pull request (or not to be released): delete the tag",
            f"{DELETE.format(tag)}\n# and tag the merged commit, once merged:",
            f"git fetch origin && git tag {tag} origin/{line if newer else branch}"
            f" && git push origin {tag}",
        )
    print(f"Tag {tag} is on the default branch.")
    return False


def sections(text: str, retag: str = "") -> dict[Version | None, tuple[int, str]]:
    """CHANGELOG.md's sections, highest first: version (None: Unreleased): line, text.
    Refused with ``retag`` after the fix (a tag's commands: the fix is a new commit)."""
    then = f", then:\n{retag}" if retag else ""
    found: dict[Version | None, tuple[int, list[str]]] = {}
    fenced, lines = False, list[str]()  # before the first section: the intro
    for number, line in enumerate(text.splitlines(), start=1):
        fenced ^= line.startswith("```")
        if fenced or not line.startswith("## "):
            lines.append(line)
            continue
        name = match[1] if (match := HEADING.fullmatch(line)) else ""
        version, older = parse(name), [v for v in found if v is not None]
        if version is None and name != "Unreleased":
            problem = "not ## [Unreleased] or ## [X.Y.Z] - YYYY-MM-DD (PEP 440)"
        elif (version is None) == bool(found):
            problem = "the first section, and only it, must be ## [Unreleased]"
        elif older and version is not None and version >= older[-1]:
            problem = f"{name} comes after {older[-1]}: highest first, each once"
        else:
            found[version] = (number, lines := [])
            continue
        where = f"{CHANGELOG} line {number}"
        refuse(f"{where} ({line}): {problem}.", f"# fix {where}, commit{then}")
    if None not in found:
        refuse(
            f"{CHANGELOG} has no ## [Unreleased] section.", f"# add it, commit{then}"
        )
    return {v: (n, "\n".join(lines).strip()) for v, (n, lines) in found.items()}


def bare(text: str) -> str:
    return re.sub(r"(?m)^#+ .*", "", text).strip()  # headings alone are no notes


def read_changelog() -> str:
    if not CHANGELOG.is_file():
        fix = "# write one: ## [Unreleased] first, then each version, highest first"
        refuse(f"There is no {CHANGELOG}: the notes are there.", fix)
    return CHANGELOG.read_text(encoding="utf-8")


def notes(version: Version, tag: str) -> str:
    """``version``'s section of CHANGELOG.md (a pre-release without one: Unreleased)."""
    known = sections(read_changelog(), f"{DELETE.format(tag)}\n{PUSH.format(tag)}")
    key = None if version not in known and version.is_prerelease else version
    line, text = known.get(key, (0, ""))
    heading = f"## [{version}] - {TODAY}" if key else "## [Unreleased]"
    commit = f'git commit -am "Release notes of {version}"\n{PUSH.format(tag)}'
    if not bare(text):
        where = f"line {line} starts an empty section." if line else f"add {heading}."
        refuse(
            f"{CHANGELOG} has no notes for {version}: {where}",
            DELETE.format(tag),
            f"# write them under {heading} (or under [Unreleased], then run",
            f"#   {CUT}), and:\n{commit}",
        )
    if key and not version.is_prerelease and bare(known[None][1]):
        refuse(
            f"{CHANGELOG}: [Unreleased] (line {known[None][0]}) has notes, which this"
            f" commit holds: {version}'s notes would leave them out.",
            DELETE.format(tag),
            f"# move them under ## [{version}], then:\n{commit}",
        )
    older = [v for v in known if v is not None and v < version]
    previous = f"refs/tags/v{older[0]}" if older else ""  # no link to a tag not there
    if not older or run("git", "rev-parse", "-q", "--verify", previous).returncode:
        return text
    repository = f"https://github.com/{ENV['GITHUB_REPOSITORY']}"
    return f"{text}\n\n**Full Changelog**: {repository}/compare/v{older[0]}...{tag}"


def cut(version: Version) -> None:
    """[Unreleased] becomes ``version``'s section, dated today, under a new empty one."""
    known = sections(text := read_changelog())
    (line, unreleased), (done, _) = known[None], known.get(version, (0, ""))
    if done:  # a version released before (bump it), or this step run already (go on)
        problem = f"{CHANGELOG} has a section for {version} already (line {done})."
        commit = f'git commit -am "Release {version}"\n{PUSH.format(f"v{version}")}'
        refuse(
            problem, BUMP if unreleased else f"# this step ran already: go on\n{commit}"
        )
    newest = next((v for v in known if v is not None), None)
    heading = text.splitlines()[known[newest][0] - 1].rstrip() if newest else ""
    added = grown(newest, known[newest][1]) if newest else []
    # Marked yanked, a section gains why: no note of a branch merged since its tag.
    if added and not heading.endswith("[YANKED]"):
        print(f"Warning: [{newest}] has lines that v{newest} had not: if they are")
        print(f"changes of {version}, move them to its notes:", *added, sep="\n")
    if not unreleased:  # (after the warning: those lines may be the notes it lacks)
        fix = f"# write what changed under it, then run this again ({version} stays):"
        refuse(f"{CHANGELOG}: [Unreleased] (line {line}) is empty.", fix, CUT)
    if newest and version < newest:
        where = f"{CHANGELOG}'s newest release, {newest} (line {known[newest][0]})"
        fix = f"uv version {newest}\n{BUMP}\n{CUT}"
        refuse(f"pyproject.toml says {version}, below {where}.", fix)
    if version.is_prerelease:
        print(f"{version} is a pre-release: its notes are [Unreleased], kept.")
        return
    lines = text.splitlines(keepends=True)
    lines.insert(line, f"\n## [{version}] - {TODAY}\n")
    sections("".join(lines))  # a version that is not the newest: refused, not written
    CHANGELOG.write_text("".join(lines), encoding="utf-8")
    print(f"{CHANGELOG}: [Unreleased] is now [{version}] - {TODAY}.")


def grown(version: Version, text: str) -> list[str]:
    """Lines of ``version``'s section that it had not at its tag (none if the tag or its
    section is not found), link definitions aside ([1.0]: https://...): they change."""
    then = run("git", "show", f"v{version}:{CHANGELOG}").stdout  # none: no such tag
    old, inside = Counter[str](), False
    for line in then.splitlines():  # read, not refused: the tag's file is history
        if line.startswith("## "):
            found = HEADING.fullmatch(line)
            inside = found is not None and parse(found[1]) == version
        elif inside:
            old[line] += 1
    lines = [line for line in text.splitlines() if not re.match(r"\[.+\]: ", line)]
    return [line for line in Counter(lines) - old if line.strip()] if old else []


def series(version: Version) -> tuple[int, int, int]:
    return version.epoch, version.major, version.minor  # release/X.Y's versions


def file_version(filename: str) -> Version | None:
    try:  # a wheel's or an sdist's; packaging reads no other (.egg, .exe)
        if filename.endswith(".whl"):
            return utils.parse_wheel_filename(filename)[1]
        return utils.parse_sdist_filename(filename)[1]
    except ValueError:
        return None


def on_index(
    index_url: str, name: str, version: Version
) -> dict[str, tuple[Version | None, bool]]:
    """Each file of ``name`` on the index (PEP 691's JSON): its version, yanked or not.
    An unknown project (404) has none; any other answer (or none) is a refusal."""
    url = f"{index_url.rstrip('/')}/{utils.canonicalize_name(name)}/"
    if not url.startswith(("https://", "http://")):  # no file:// or custom opener
        refuse(f"Index URL {index_url} is not http(s).", "fix --index-url")
    fix = "# when the index answers again: Re-run failed jobs"
    try:
        request = Request(url, headers={"Accept": JSON_API})  # noqa: S310
        with urlopen(request, timeout=30) as answer:  # noqa: S310
            kind, page = answer.headers.get_content_type(), answer.read()
    except HTTPError as error:
        if error.code == 404:
            return {}
        reason = f"it answered HTTP {error.code} {error.reason}"
    except OSError as error:  # no connection, a timeout
        reason = f"it is unreachable ({getattr(error, 'reason', error)})"
    else:
        if kind == JSON_API:
            files = {f["filename"]: f.get("yanked") for f in json.loads(page)["files"]}
            return {file: (file_version(file), bool(y)) for file, y in files.items()}
        reason = f"it answered {kind}, not the JSON simple API ({JSON_API})"
        fix = "# an --index-url that answers JSON (PEP 691), as PyPI and TestPyPI do"
    problem = f"Could not ask {url} whether {name} {version} is there: {reason}."
    refuse(f"{problem} That is no answer: nothing is built or uploaded.", fix)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("mode", choices=["tag", "rehearsal", "changelog"])
    parser.add_argument("--index-url", help="where the files go (none: private)")
    args, text, tag, maintenance = parser.parse_args(argv), "", "", False
    if args.mode != "changelog" and "GITHUB_SHA" not in ENV:  # run by hand
        where = f"The {args.mode} mode runs in release.yml, on GitHub Actions:"
        refuse(f"{where} its variables are not set here.", "# here: changelog mode")
    if shutil.which("uv") is None:
        refuse("uv is not on PATH", "run this after astral-sh/setup-uv")
    if (found := run("uv", "version", "--output-format", "json")).returncode != 0:
        refuse(f"uv cannot read the project: {found.stderr.strip()}", "uv version")
    project = json.loads(found.stdout)
    name, version = project["package_name"], Version(project["version"])
    if version.local:
        problem = f"Version {version} is a local version: PyPI refuses those."
        refuse(problem, "uv version X.Y.Z   # without +local; then commit")
    if args.mode == "changelog":
        return cut(version)
    if args.mode == "tag":
        maintenance = check_tag(tag := ENV["GITHUB_REF_NAME"], version)
        text, stop = notes(version, tag), secrets.token_hex(16)  # no ::command in notes
        print(f"Notes ({CHANGELOG}):\n::stop-commands::{stop}\n{text}\n::{stop}::")
        retry = f"{RERUN}\n{DELETE.format(tag)}\n{RETRY}"
    elif not 1 <= (attempt := int(ENV["GITHUB_RUN_ATTEMPT"])) <= 99:  # 50 re-runs
        refuse(f"Run attempt {attempt} has no two-digit number.", "# run it again")
    else:  # a rehearsal: a dev release numbered by the run and its attempt
        number = int(ENV["GITHUB_RUN_NUMBER"]) * 100 + attempt
        version = Version(f"{str(version).partition('.dev')[0]}.dev{number}")
        print(f"This rehearsal builds version {version}.")
        retry = "# run the workflow again: a new run, a new number"
    if not args.index_url:
        print("No index to check: this package is never uploaded.")
    else:
        files = on_index(args.index_url, name, version)
        if same := [file for file, (v, _) in files.items() if v == version]:
            refuse(
                f"{name} {version} is already on {args.index_url} ({', '.join(same)}): an"
                " index never replaces a file: this version cannot be released again.",
                retry,
            )
        kept = [  # not yanked; for a final release, finals only; for a fix, its X.Y
            v
            for v, yanked in files.values()
            if v
            and not yanked
            and (version.is_prerelease or not v.is_prerelease)
            and (not maintenance or series(v) == series(version))
        ]
        if args.mode == "tag" and kept and version < (newest := max(kept)):
            refuse(
                f"{name} {newest} is on {args.index_url}: {version} is below it, and pip"
                " installs the newest.",
                DELETE.format(tag),
                f"uv version {newest} && {BUMP}",
                f"# rename CHANGELOG.md's ## [{version}] (if any) to that version, then:",
                f'git commit -am "Release {NEW}"',
                PUSH.format(f'"v{NEW}"'),
            )
        print(f"{name} {version} is not on {args.index_url} yet.")
    pre, kind = version.is_prerelease, ("a final release", "a pre-release")
    # GitHub's Latest release, and the site: a final release but a fix below newer ones
    latest = args.mode == "tag" and not pre and not maintenance
    write("GITHUB_OUTPUT", f"version={version}\nprerelease={str(pre).lower()}\n")
    write("GITHUB_OUTPUT", f"latest={str(latest).lower()}\n")
    write("GITHUB_OUTPUT", f"notes={json.dumps(text)}\n")
    write("GITHUB_STEP_SUMMARY", f"Releasing {name} {version} ({kind[pre]}).\n")
    if args.mode == "rehearsal" and args.index_url:
        command = f'python -m pip install "{name}=={version}" --extra-index-url'
        write("GITHUB_STEP_SUMMARY", "\nInstall it once published:\n\n```sh\n")
        write("GITHUB_STEP_SUMMARY", f"{command} {args.index_url}\n```\n")
    return None


if __name__ == "__main__":
    main()
