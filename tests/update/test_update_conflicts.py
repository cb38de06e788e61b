"""An edit the template changes too becomes a conflict `copier update` shows: inline
markers with both sides by default, a .rej file beside the template's side on request; the
commands the message after update gives for finding conflicts, run as printed, find it."""

from __future__ import annotations

from pathlib import Path

from support.commands import git, run
from support.rendering import read_answers
from support.updates import CI_YML, CONFLICT_MARKERS, RELEASE_YML, TemplateRepo, commit_all, project_copy, update

USER_CHECKOUT_PIN = "actions/checkout@2222222222222222222222222222222222222222 # v7.0.2"


def project_with_conflicting_edit(template_repo: TemplateRepo, v1_0_0_seed: Path, tmp_path: Path) -> Path:
    """A v1.0.0 project whose user re-pinned checkout in ci.yml, the line v1.1.0 changes too.

    The user also renamed a step further down: an edit that does not conflict.
    """
    project = project_copy(v1_0_0_seed, tmp_path)
    ci = (project / CI_YML).read_text(encoding="utf-8")
    # The first job's checkout (each job that checks out has one; the others stay).
    assert ci.count(template_repo.old_checkout_pin) >= 1
    assert ci.count("- name: Type-check\n") == 1
    ci = ci.replace(template_repo.old_checkout_pin, USER_CHECKOUT_PIN, 1)
    ci = ci.replace("- name: Type-check\n", "- name: Type-check strictly\n")
    (project / CI_YML).write_text(ci, encoding="utf-8")
    commit_all(project, "Pin checkout differently")
    return project


def found_by_the_message(said: str, project: Path) -> str:
    """What the commands of the message's "Resolve the conflicts" step print, run as printed."""
    step = said.split("- Resolve the conflicts", 1)[1].split("\n- ", 1)[0]
    commands = [line.split("#", 1)[0].strip() for line in step.splitlines()[1:] if line.startswith("    ")]
    assert len(commands) >= 2, step  # one for each way copier leaves a conflict
    return "".join(run(["bash", "-e", "-c", command], project).stdout for command in commands)


def test_conflicting_edits_become_inline_markers_with_both_sides(
    template_repo: TemplateRepo, v1_0_0_seed: Path, tmp_path: Path
) -> None:
    project = project_with_conflicting_edit(template_repo, v1_0_0_seed, tmp_path)

    done = update(project, "--vcs-ref", "v1.1.0")

    ci = (project / CI_YML).read_text(encoding="utf-8")
    lines = ci.splitlines()
    start, middle, end = (
        lines.index("<<<<<<< before updating"),
        lines.index("======="),
        lines.index(">>>>>>> after updating"),
    )
    assert start < middle < end
    assert USER_CHECKOUT_PIN in "\n".join(lines[start:middle])
    assert template_repo.new_checkout_pin in "\n".join(lines[middle:end])
    assert template_repo.old_checkout_pin not in ci
    assert "- name: Type-check strictly\n" in ci  # the edit that did not conflict is merged
    # git sees the conflict too: `git status` lists ci.yml as unmerged.
    assert git("diff", "--name-only", "--diff-filter=U", cwd=project).split() == [CI_YML]
    assert CI_YML in found_by_the_message(done.stdout + done.stderr, project)
    # Nothing else conflicted: release.yml has the new pin.
    release = (project / RELEASE_YML).read_text(encoding="utf-8")
    assert template_repo.new_checkout_pin in release
    assert "<<<<<<<" not in release
    assert read_answers(project)["_commit"] == "v1.1.0"


def test_conflicting_edits_become_rej_files_on_request(
    template_repo: TemplateRepo, v1_0_0_seed: Path, tmp_path: Path
) -> None:
    project = project_with_conflicting_edit(template_repo, v1_0_0_seed, tmp_path)

    done = update(project, "--vcs-ref", "v1.1.0", "--conflict", "rej")

    # The template's side is in the file, the user's rejected hunk beside it.
    ci = (project / CI_YML).read_text(encoding="utf-8")
    assert template_repo.new_checkout_pin in ci
    assert "- name: Type-check strictly\n" in ci  # the hunk that applied
    assert not any(line.startswith(CONFLICT_MARKERS) for line in ci.splitlines())
    rejected = (project / f"{CI_YML}.rej").read_text(encoding="utf-8").splitlines()
    assert f"+      - uses: {USER_CHECKOUT_PIN}" in rejected
    assert f"-      - uses: {template_repo.old_checkout_pin}" in rejected
    rej_files = sorted(p.relative_to(project).as_posix() for p in project.rglob("*.rej"))
    assert rej_files == [f"{CI_YML}.rej"]
    assert f"{CI_YML}.rej" in found_by_the_message(done.stdout + done.stderr, project)
