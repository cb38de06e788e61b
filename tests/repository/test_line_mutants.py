"""bench/mutate_lines.py draws the same sample for a seed, from code lines only, and each mutant is one real change.

The run itself takes an hour (bench/README.md); these checks take a second and keep its sampler
honest while the template changes under it.
"""

from __future__ import annotations

import fnmatch
import sys

import pytest

from support.facts import TEMPLATE_DIR

sys.path.insert(0, str(TEMPLATE_DIR / "bench"))
import mutate_lines  # bench/

SAMPLE = mutate_lines.sample(2026, 60)


def test_a_seed_always_draws_the_same_sample_and_another_seed_another() -> None:
    assert mutate_lines.sample(2026, 60) == SAMPLE
    assert {m.id for m in mutate_lines.sample(2027, 60)} != {m.id for m in SAMPLE}
    assert len({m.id for m in SAMPLE}) == len(SAMPLE) == 60


def test_each_mutant_changes_its_line_of_a_template_file_that_is_not_prose() -> None:
    for mutant in SAMPLE:
        assert not any(fnmatch.fnmatch(mutant.file, pattern) for pattern in mutate_lines.PROSE), mutant
        lines = (TEMPLATE_DIR / mutant.file).read_text(encoding="utf-8").splitlines()
        assert lines[mutant.line - 1] == mutant.before
        assert mutant.after != mutant.before
        assert (mutant.after is None) == (mutant.operator == "delete")


@pytest.mark.parametrize(
    ("file", "text", "expected"),
    [
        # A comment, a trailing comment, a docstring, a Jinja comment: no site.
        ("a.yml", "# why\nk: v  # why 1\n", {1: {}, 2: {"delete": 1, "string": 1}}),
        (
            "a.py",
            'def f():\n    """Doc 1\n    true.\n    """\n    return "#"  # 2\n',
            {2: {}, 3: {}, 5: {"delete": 1, "string": 1}},
        ),
        ("a.jinja", "{# 1 and\n true #}\n", {1: {}, 2: {}}),
        # A Python file whose name is Jinja is still Python: its docstring is no site.
        ('{% if k == "a.b" %}a.py{% endif %}.jinja', '"""Doc 1."""\nx = 2\n', {1: {}, 2: {"delete": 1, "number": 1}}),
        # Conditions swap only in Jinja and workflow `if:`; an `if:` expression changes no word.
        ("a.yml", "- if: a == 'b' and c\n", {1: {"delete": 1, "string": 1, "condition": 2}}),
        (
            "a.txt",
            "a == b and 2 {% if c != 'd' %}false\n",
            {1: {"delete": 1, "string": 1, "number": 1, "boolean": 1, "condition": 1}},
        ),
    ],
)
def test_operators_find_sites_in_code_only(file: str, text: str, expected: dict[int, dict[str, int]]) -> None:
    codes = mutate_lines.code_lines(file, text)
    for number, operators in expected.items():
        code = codes[number - 1] if number <= len(codes) else None
        found = {op: len(mutate_lines.targets(file, code, op)) for op in mutate_lines.OPERATORS} if code else {}
        assert {op: n for op, n in found.items() if n} == operators, (number, code)


def test_equivalents_are_well_formed() -> None:
    assert all(reason.strip() for reason in mutate_lines.load_equivalents().values())
