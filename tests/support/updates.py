"""Template repositories with versions, projects rendered from them, and `copier update`.

``template_repo`` (conftest) is throwaway: the working tree's template committed
as ``v1.0.0``, then representative changes (a new action pin, a new Python
release, a new file) as ``v1.1.0``. ``release_and_head`` instead clones this
repository at one of its releases and commits the working tree's template on
top as a newer tag. Projects are rendered and updated with the real ``copier``
CLI, never with ``--trust``.
"""

from __future__ import annotations

import fnmatch
import os
import re
import shlex
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from packaging.version import Version

import release_tag  # scripts/release_tag.py: the rule that finds a release's commit
from support.answers import REQUIRED_ANSWERS, data_args
from support.commands import copier_cli, git, git_files, run
from support.facts import TEMPLATE_DIR, copier_config
from support.rendering import copy_working_tree, project_files

# What makes up the template: everything else in this repository is tests and tooling.
TEMPLATE_PATHS = release_tag.TEMPLATE_PATHS
CI_YML = ".github/workflows/ci.yml"
RELEASE_YML = ".github/workflows/release.yml"
CONFLICT_MARKERS = ("<<<<<<< ", "=======", ">>>>>>> ")
# Renovate's copier manager (lib/modules/manager/copier/artifacts.ts of renovatebot/renovate)
# runs this in the answers file's folder with the new tag, never with --trust (only a
# self-hosted Renovate that allows scripts adds it).
RENOVATE_UPDATE = "copier update --skip-answered --defaults --answers-file .copier-answers.yml --vcs-ref {tag}"

# copier clones the template and renders old and new versions into temporary
# directories on every call; on tmpfs that takes half the time it takes on disk.
COPIER_ENV = {"TMPDIR": "/dev/shm"} if os.access("/dev/shm", os.W_OK) else {}  # noqa: S108 (copier's own mkdtemp)


@dataclass(frozen=True)
class TemplateRepo:
    """A git repository of the template with tags v1.0.0 (the working tree) and v1.1.0."""

    path: Path
    old_checkout_pin: str  # actions.checkout in v1.0.0
    new_checkout_pin: str  # actions.checkout in v1.1.0
    new_python: str  # the Python release v1.1.0 adds as "newest"
    new_file: str  # a file only v1.1.0 renders
    new_file_text: str


def commit_all(repo: Path, message: str) -> None:
    git("add", "-A", cwd=repo)
    git("commit", "-q", "--allow-empty", "-m", message, cwd=repo)


def replace_in_config(template: Path, pattern: str, replacement: str) -> str:
    """Replace the one match of a regex in the template's configuration (copier.yml or a
    YAML file it includes); return the matched text. Fails loudly when there is none, so
    a fixture can never silently build a version that lacks a change."""
    files = [template / "copier.yml", *sorted((template / "includes").glob("*.y*ml"))]
    found = [(path, match) for path in files for match in re.finditer(pattern, path.read_text(encoding="utf-8"), re.M)]
    assert len(found) == 1, f"expected one match of {pattern!r} in {template}'s configuration, got {len(found)}"
    path, match = found[0]
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: match.start()] + match.expand(replacement) + text[match.end() :], encoding="utf-8")
    return match.group(0)


def make_v1_1_0(repo: Path) -> dict[str, str]:
    """Apply the representative template changes of v1.1.0 to a checkout."""
    # A new action pin, as Renovate's maintenance of the template's pins would make it.
    new_pin = f"actions/checkout@{'1' * 40} # v99.0.0"
    old_pin = replace_in_config(repo, r'(?<=checkout: ")actions/checkout@[0-9a-f]{40} # v[0-9.]+(?=")', new_pin)
    # A new Python release: the newest one so far becomes "bug fixes".
    newest = copier_config()["python_releases"]["default"]
    new_python = f"3.{int(list(newest)[-1].split('.')[1]) + 1}"
    replace_in_config(repo, r'^(\s*)"(3\.\d+)": "newest"$', rf'\1"\2": "bug fixes"\n\1"{new_python}": "newest"')
    # A new file.
    new_file, new_file_text = ".editorconfig", "root = true\n\n[*]\nend_of_line = lf\ninsert_final_newline = true\n"
    assert not (repo / "template" / new_file).exists()
    (repo / "template" / new_file).write_text(new_file_text, encoding="utf-8")
    return {
        "old_checkout_pin": old_pin,
        "new_checkout_pin": new_pin,
        "new_python": new_python,
        "new_file": new_file,
        "new_file_text": new_file_text,
    }


def copier(*args: str | Path, cwd: Path, check: bool = False) -> Any:
    """The real copier CLI (never --trust), its temporary files on tmpfs where there is one."""
    return copier_cli(*args, cwd=cwd, check=check, env=COPIER_ENV)


def type_copier(command: str, cwd: Path, *extra: str, source: Path | None = None) -> list[str]:
    """A printed ``uvx copier SUBCOMMAND ... SRC DEST`` typed in ``cwd``, with the test environment's
    copier: ``extra`` after the subcommand, SRC ``source`` where given (the template as printed is
    an address on GitHub, or a placeholder). Its arguments after the subcommand, as printed."""
    program, name, subcommand, *args = shlex.split(command)
    assert (program, name) == ("uvx", "copier"), command
    copier(subcommand, *extra, *args[:-2], source or args[-2], args[-1], cwd=cwd, check=True)
    return args


def type_fresh_render(command: str, template: Path, project: Path, ref: str | None = None) -> Path:
    """A printed ``uvx copier copy ... SRC DEST`` (a render beside ``project`` with its answers)
    typed in ``project``: SRC is ``template``, and ``--vcs-ref`` is ``ref`` if given; DEST."""
    if ref is not None:
        command = re.sub(r"--vcs-ref \S+", f"--vcs-ref {ref}", command)
    assert shlex.split(command)[-2] == "SRC", command
    return (project / type_copier(command, project, source=template)[-1]).resolve()


def render(template: Path, dst: Path, ref: str, **answers: Any) -> Path:
    """``copier copy`` of one template version; ``_src_path`` is absolute."""
    assert template.is_absolute()
    assert dst.is_absolute()
    args = data_args({**REQUIRED_ANSWERS, **answers})
    copier("copy", "--quiet", "--defaults", "--vcs-ref", ref, *args, template, dst, cwd=dst.parent, check=True)
    return dst


def render_project(template: Path, dst: Path, ref: str, **answers: Any) -> Path:
    """A rendered project in a git repository, the first copy committed."""
    render(template, dst, ref, **answers)
    git("init", "-q", "-b", "main", cwd=dst)
    commit_all(dst, "Initial commit from the template")
    return dst


def project_copy(seed: Path, tmp_path: Path) -> Path:
    """A private copy of a committed project (git repository included): faster than a render."""
    return Path(shutil.copytree(seed, tmp_path / "project", symlinks=True))


def update(project: Path, *args: str, check: bool = True) -> Any:
    """``copier update`` without questions: --defaults reuses the recorded answers."""
    return copier("update", "--defaults", *args, project, cwd=project, check=check)


def committable(project: Path) -> dict[str, str]:
    """Every file git would commit (tracked or untracked, not ignored): path -> text."""
    return {name: (project / name).read_text(encoding="utf-8") for name in git_files(project)}


def rendered(project: Path) -> dict[str, str]:
    """Every file of a fresh render (no git repository): path -> text."""
    return {name: (project / name).read_text(encoding="utf-8") for name in project_files(project)}


def assert_no_conflicts(project: Path) -> None:
    """No conflict markers, no .rej files, no unmerged paths."""
    for name, text in committable(project).items():
        marked = [line for line in text.splitlines() if line.startswith(CONFLICT_MARKERS)]
        assert not marked, f"conflict markers in {name}: {marked}"
    status = git("status", "--porcelain", "--ignored", cwd=project)
    assert ".rej" not in status, status
    assert git("ls-files", "--unmerged", cwd=project) == ""


def user_owned(name: str) -> bool:
    """Whether the file is the user's after the first copy (copier.yml's ``_skip_if_exists``)."""
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in copier_config()["_skip_if_exists"])


def released_versions() -> list[tuple[str, str]]:
    """(tag, commit) of each version CHANGELOG.md declares released, newest first.

    The commit is the version's tag where the clone has it, else found in
    CHANGELOG.md's history (scripts/release_tag.py's rule, the one the
    release workflow tags by): CI's fresh clone may carry no tags. In the
    release commit itself (or before it is committed) the newest version is
    what is under test: it is left out.
    """
    changelog = release_tag.parse_changelog((TEMPLATE_DIR / "CHANGELOG.md").read_text(encoding="utf-8"))
    head = run(["git", "rev-parse", "HEAD"], TEMPLATE_DIR).stdout.strip()
    found = []
    for release in changelog.releases:
        commit = release_tag.release_commit(TEMPLATE_DIR, release.version)
        if commit is not None and commit != head:
            found.append((release.tag, commit))
    return found


def release_id(found: tuple[str, str] | None) -> str:
    """A released_versions() entry's test id: its tag (None: no release in this clone)."""
    return found[0] if found else "no-release"


def release_and_head(tmp_path_factory: pytest.TempPathFactory, found: tuple[str, str] | None) -> tuple[Path, str, str]:
    """A clone of this repository at the release ``found``, with the working tree's template
    committed as a newer tag: (clone, release tag, newer tag)."""
    if found is None:
        pytest.skip(
            "no released version in CHANGELOG.md whose commit this clone has (a shallow clone: `git fetch --unshallow`)"
        )
    tag, commit = found
    clone = tmp_path_factory.mktemp("release-clone") / "template"
    run(["git", "clone", "-q", "--no-checkout", TEMPLATE_DIR, clone], TEMPLATE_DIR)
    git("checkout", "-q", commit, cwd=clone)
    if not git("tag", "--list", tag, cwd=clone).strip():
        git("tag", tag, commit, cwd=clone)  # the release, as the release workflow tags it
    git("switch", "-q", "-c", "head-under-test", cwd=clone)
    for path in TEMPLATE_PATHS:
        if (clone / path).is_dir():
            shutil.rmtree(clone / path)
        else:
            (clone / path).unlink(missing_ok=True)
    copy_working_tree(clone, *TEMPLATE_PATHS)
    commit_all(clone, "The template at HEAD, uncommitted work included")
    release = (*Version(tag).release, 0, 0)
    newer = f"v{release[0]}.{release[1]}.{release[2] + 1}"
    git("tag", newer, cwd=clone)
    return clone, tag, newer
