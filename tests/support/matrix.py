"""The answer sets that shape ci.yml's test matrix, built from copier.yml.

Beside ``support.answers.workflow_answer_sets`` (each value once, and pairs): every
python_min with and without test_every_python, and every non-empty choice of
operating systems, each with a kind and a python_min other than the defaults (in
turn), so every kind meets several choices.
"""

from __future__ import annotations

import itertools
from typing import Any

from support.facts import KINDS, copier_config, known_python_versions

OS_CHOICES: list[str] = list(copier_config()["operating_systems"]["choices"].values())


def matrix_answer_sets() -> list[dict[str, Any]]:
    versions = known_python_versions()
    sets: list[dict[str, Any]] = [
        {"python_min": version, **({"test_every_python": True} if every else {})}
        for version in versions
        for every in (False, True)
    ]
    subsets = [list(c) for n in range(1, len(OS_CHOICES) + 1) for c in itertools.combinations(OS_CHOICES, n)]
    sets += [
        {
            "operating_systems": subset,
            "project_kind": KINDS[i % len(KINDS)],
            "python_min": versions[1 + i % (len(versions) - 1)],
            "test_every_python": bool(i % 2),
        }
        for i, subset in enumerate(subsets)
    ]
    return sets
