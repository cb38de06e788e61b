"""Which runs of a generated project cancel, or wait for, which: GitHub's concurrency groups.

Each run of RUNS (in the order they start) holds its workflow's group and those of the workflows
its jobs call, as GitHub evaluates them (support.runner: a called workflow sees its caller's
github context, and GitHub compares names case-insensitively). Claims: a new push to a pull
request cancels that pull request's run in progress; a tag pushed again waits for the release
of that tag (never cancels it), a template check for the one in progress; no other two runs
share a group, so no run on main is cancelled, or replaced by a newer one while it waits; and no
run waits for a group it holds itself (GitHub cancels such a run as a deadlock: the release job
graph runs in tests/release show the effect). Each claim is shown to catch a planted defect of
the concurrency blocks: a finding gained or lost.
"""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path

import pytest

from support.answers import DISTINCT
from support.rendering import replace_once
from support.runner import Event, WorkflowRun

PR_7 = {"pull_request": {"number": 7}}
RUNS = {
    "pull request #7": ("ci.yml", Event("pull_request", "refs/pull/7/merge", 1, payload=PR_7)),
    "pull request #7, next push": ("ci.yml", Event("pull_request", "refs/pull/7/merge", 2, payload=PR_7)),
    "pull request #8": (
        "ci.yml",
        Event("pull_request", "refs/pull/8/merge", 3, payload={"pull_request": {"number": 8}}),
    ),
    "push to main": ("ci.yml", Event("push", "refs/heads/main", 4)),
    "next push to main": ("ci.yml", Event("push", "refs/heads/main", 5)),
    "CI by hand": ("ci.yml", Event("workflow_dispatch", "refs/heads/main", 6)),
    "tag v1.0.0": ("release.yml", Event("push", "refs/tags/v1.0.0", 7)),
    "tag v1.1.0": ("release.yml", Event("push", "refs/tags/v1.1.0", 8)),
    "tag v1.1.0 pushed again": ("release.yml", Event("push", "refs/tags/v1.1.0", 9)),
    "rehearsal": ("release.yml", Event("workflow_dispatch", "refs/heads/main", 10)),  # testpypi: true
    "weekly template check": ("template-update.yml", Event("schedule", "refs/heads/main", 11)),
    "template check by hand": ("template-update.yml", Event("workflow_dispatch", "refs/heads/main", 12)),
}
EXPECTED = [
    "pull request #7, next push cancels pull request #7 (the workflow)",
    "tag v1.1.0 pushed again waits for tag v1.1.0 (the workflow)",
    "template check by hand waits for weekly template check (the workflow)",  # never two issues
]


def shared_groups(project: Path, tmp: Path) -> list[str]:
    """Each later run that cancels or waits for an earlier one, and each run that would wait for itself.
    Jobs' own groups are left out across runs: a job's group orders that job (the Pages deploys)."""
    held, found = {}, []
    for number, (label, (workflow, event)) in enumerate(RUNS.items()):
        run = WorkflowRun(None, event, tmp / f"run-{number}", in_place=project)
        found += [f"{label} waits for itself: {where} ({group})" for where, group in run.deadlocks(workflow).items()]
        held[label] = [group for group in run.concurrency(workflow) if group.where.endswith("the workflow")]
    for (earlier, before), (later, after) in itertools.combinations(held.items(), 2):
        for old, new in itertools.product(before, after):
            if old.name == new.name:
                found.append(f"{later} {'cancels' if new.cancels else 'waits for'} {earlier} ({new.where})")
    return found


def test_only_a_pull_request_cancels_and_only_a_tag_or_a_template_check_waits(render_shared, tmp_path: Path) -> None:
    assert shared_groups(render_shared(**DISTINCT), tmp_path) == EXPECTED


DEFECTS = {
    # The usual idiom: the CI a release calls sees the caller's github.workflow ("Release") and the tag's
    # ref, the group of the release itself but for case. GitHub cancels every release.
    "the common group": (
        "ci.yml",
        "group: ci-${{ github.workflow }}-${{ github.event.pull_request.number || github.run_id }}",
        "group: ${{ github.workflow }}-${{ github.event.pull_request.number || github.ref }}",
        "tag v1.0.0 waits for itself: test/the workflow (release-refs/tags/v1.0.0)",
    ),
    # A newer run replaces a waiting one; it waits, and does not cancel the one in progress, because
    # cancel-in-progress is true for pull requests alone.
    "main's runs in one group": (
        "ci.yml",
        "|| github.run_id }}",
        "|| github.ref }}",
        "next push to main waits for push to main (the workflow)",
    ),
    "a pull request's push not cancelling": (
        "ci.yml",
        "cancel-in-progress: ${{ github.event_name == 'pull_request' }}",
        "cancel-in-progress: false",
        "pull request #7, next push waits for pull request #7 (the workflow)",
    ),
    "two template checks at once": (
        "template-update.yml",
        "group: template-update\n",
        "group: template-update-${{ github.run_id }}\n",
        "template check by hand waits for weekly template check (the workflow)",  # now missing
    ),
    "a release cancelled by its tag pushed again": (
        "release.yml",
        "group: release-${{ github.ref }}\n  cancel-in-progress: false",
        "group: release-${{ github.ref }}\n  cancel-in-progress: true",
        "tag v1.1.0 pushed again cancels tag v1.1.0 (the workflow)",
    ),
}


@pytest.mark.parametrize("defect", DEFECTS)
def test_each_planted_defect_of_the_groups_is_caught(render_shared, tmp_path: Path, defect: str) -> None:
    project = tmp_path / "project"
    shutil.copytree(render_shared(**DISTINCT), project)
    workflow, old, new, finding = DEFECTS[defect]
    replace_once(project / ".github" / "workflows" / workflow, old, new)
    found = shared_groups(project, tmp_path)
    assert finding in set(found) ^ set(EXPECTED), found
