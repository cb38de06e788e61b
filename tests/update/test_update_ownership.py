"""Who owns which file (copier.yml's ``_skip_if_exists``; the generated README's "Who owns which file").

README.md, CHANGELOG.md, the package's modules, tests/test_*.py and the docs pages belong
to the user after the first copy: `copier update` leaves them as they are. Every other file
is the template's: an update brings its changes and merges the user's edits into them
(tests/update/test_update_from_releases.py), or shows a conflict (test_update_conflicts.py).
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from packaging.version import Version

from support.answers import EACH_LICENSE
from support.docs import USER_PAGES
from support.facts import KINDS, copier_config, kind_files, parse_yaml
from support.rendering import Render, project_files, read_answers
from support.updates import TemplateRepo, commit_all, project_copy, render, type_fresh_render, update, user_owned


@pytest.mark.parametrize("kind", KINDS)
def test_skip_if_exists_covers_exactly_the_user_owned_files(render_shared: Render, kind: str) -> None:
    """Code, tests, README, CHANGELOG and the docs pages are the user's; workflows,
    configuration and docs/conf.py are not."""
    project = render_shared(project_kind=kind)
    package = read_answers(project)["package_name"]
    owned = {name for name in project_files(project) if user_owned(name)}
    common = {"README.md", "CHANGELOG.md", f"src/{package}/__init__.py", f"src/{package}/core.py"}
    assert owned == common | {f"tests/test_{package}.py"} | kind_files(kind, package) | USER_PAGES


def test_the_readme_stays_true_about_ci_whatever_the_matrix_becomes(render_shared: Render) -> None:
    """README.md is the author's: `copier update` never rewrites it. So what it says about CI
    names no Python version, operating system list or job count of the matrix: the README reads
    the same after each `copier update --data` its CI section suggests, and for a template
    version that knows one more Python release (a new newest entry, a new free-threaded one)."""
    readme = (render_shared() / "README.md").read_text(encoding="utf-8")
    section = readme[
        readme.index("- `.github/workflows/ci.yml` runs") : readme.index("- `.github/workflows/release.yml`")
    ]
    suggested = re.findall(r"`uvx copier update --defaults (--data [^`]+)`", section)
    assert len(suggested) == 2, section  # other systems, every Python
    releases = copier_config()["python_releases"]["default"]
    newest = Version(list(releases)[-1])
    variants = [{"python_releases": {**releases, f"{newest.major}.{newest.minor + 1}": "bugfix"}}]
    for command in suggested:
        pairs = [arg.split("=", 1) for arg in shlex.split(command) if arg != "--data"]
        variants.append({name: parse_yaml(value) for name, value in pairs})
    for answers in variants:
        assert (render_shared(**answers) / "README.md").read_text(encoding="utf-8") == readme, answers


def test_the_readmes_fresh_render_beside_the_project_replays_its_answers(
    template_repo: TemplateRepo, tmp_path: Path
) -> None:
    """README.md, which keeps its first text, says how to see what a new project's says now: its
    command, typed in the project, renders the newest template version beside it with the
    project's answers (the answers file read as data), so the same README as the project's."""
    answers = EACH_LICENSE["MPL-2.0"]  # not the defaults: they must come from the answers file
    project = render(template_repo.path, tmp_path / "project", "v1.1.0", **answers)
    readme = (project / "README.md").read_text(encoding="utf-8")
    (command,) = re.findall(r"`(uvx copier copy --defaults --data-file [^`]+)`", " ".join(readme.split()))
    fresh = type_fresh_render(command, template_repo.path, project)
    assert (fresh / "README.md").read_text(encoding="utf-8") == readme
    assert read_answers(fresh) == read_answers(project)


def test_deleted_managed_files_stay_deleted_and_deleted_user_files_return(v1_0_0_seed: Path, tmp_path: Path) -> None:
    """copier respects a deleted template-managed file; a _skip_if_exists file comes back.

    That is copier's rule for _skip_if_exists ("skipped if it exists"), which
    the generated README documents: delete such a file again after an update.
    """
    project = project_copy(v1_0_0_seed, tmp_path)
    (project / ".github" / "dependabot.yml").unlink()
    (project / "CHANGELOG.md").unlink()
    commit_all(project, "Delete Dependabot and the changelog")

    update(project, "--vcs-ref", "v1.1.0")

    assert not (project / ".github" / "dependabot.yml").exists()
    assert (project / "CHANGELOG.md").is_file()
