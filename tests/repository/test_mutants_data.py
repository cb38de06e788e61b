"""bench/mutants.toml names tests that exist: a selection that selects nothing kills nothing;
and each mutant's edit still applies: text the template no longer holds makes a stale mutant.

The mutation run (bench/mutate.py) takes too long for the suite, so a test that
was renamed or moved under a mutant would only show there, as an error, weeks
later. This check collects every file the selections name, once per run (one
``pytest --collect-only``, a few seconds), and decides what each selection
selects as pytest would: each file and node id (parameter ids included) must
exist, ``-k`` is matched by pytest's own matcher against each test's keywords,
``-m`` against its markers, and the selection must keep at least one test.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from collections.abc import Sequence
from typing import Any

import pytest
from _pytest.mark import KeywordMatcher  # pytest's own -k matching (not public API)
from _pytest.mark.expression import Expression  # pytest's own -k/-m parser (not public API)

from support.facts import TEMPLATE_DIR
from support.rendering import once_per_run

sys.path.insert(0, str(TEMPLATE_DIR / "bench"))
import mutate  # bench/

# Run in a fresh interpreter: collects the files of argv[2:] and writes, for each test, the
# names -k matches (its own, its parents', its markers') and its markers; and the known markers.
COLLECT = """
import json, sys, pytest
from _pytest.mark import KeywordMatcher

class Dump:
    def pytest_collection_finish(self, session):
        tests = {item.nodeid: [sorted(KeywordMatcher.from_item(item)._names),
                               sorted({mark.name for mark in item.iter_markers()})] for item in session.items}
        markers = [line.split(":")[0].split("(")[0].strip() for line in session.config.getini("markers")]
        with open(sys.argv[1], "w", encoding="utf-8") as out:
            json.dump({"tests": tests, "markers": markers}, out)

sys.exit(pytest.main(["--collect-only", "-q", "-p", "no:cacheprovider", "-n", "0", *sys.argv[2:]], [Dump()]))
"""

SELECTIONS = sorted({mutant.tests for mutant in mutate.MUTANTS})
# The self-test: selections, on the real tests, and the one thing wrong with each (or None).
EXAMPLES = [
    (["tests/render/test_build.py::test_uv_knows_no_stable_cpython_newer_than_copier_ymls_newest"], "no such test"),
    (["tests/test_no_such_file.py"], "no such file"),
    (["tests/repository/test_python_releases.py::test_gone"], "no such test"),
    (["tests/render/test_build.py::test_core_metadata[defaults-on-3.99]"], "no such test"),
    (["tests/render/test_build.py", "-m", "not slow"], "selects no test"),
    (["tests/render/test_build.py", "-m", "fast"], "unknown marker fast"),
    # Parametrised, so the old static check took the word for a possible parameter id.
    (["tests/release/test_release_preflight.py", "-k", "error_is_no_answer"], "selects no test"),
    (["tests/render/test_build.py", "-k", "defaults-on-3.11 and core_metadata"], None),  # a parameter id
    (["tests/render/test_build.py::test_core_metadata", "-k", "build.py and slow"], None),  # module, marker
]


def split(args: Sequence[str]) -> tuple[list[str], list[str], list[str]]:
    """A selection's paths (files, node ids), -k expressions and -m expressions."""
    paths: list[str] = []
    options: dict[str, list[str]] = {"-k": [], "-m": []}
    words = iter(args)
    for word in words:
        if word.startswith("-") and word not in options:
            raise ValueError(f"{' '.join(args)}: {word}: this check knows only -k and -m")
        if word in options:
            options[word].append(next(words))
        else:
            paths.append(word)
    return paths, options["-k"], options["-m"]


FILES = sorted(
    {path.partition("::")[0] for args in [*SELECTIONS, *(a for a, _ in EXAMPLES)] for path in split(args)[0]}
)


@pytest.fixture(scope="session")
def collected(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    def collect() -> dict[str, Any]:
        out = tmp_path_factory.mktemp("collected") / "tests.json"
        files = [f for f in FILES if (TEMPLATE_DIR / f).is_file()]
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
        done = subprocess.run(
            [sys.executable, "-c", COLLECT, str(out), *files], cwd=TEMPLATE_DIR, env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return dict(json.loads(out.read_text(encoding="utf-8")))

    return dict(once_per_run(tmp_path_factory, ["mutant selections", FILES], collect))


def selection_problems(args: Sequence[str], collected: dict[str, Any]) -> list[str]:
    """What in a selection (pytest arguments) names no test, or why it selects none."""
    tests: dict[str, list[list[str]]] = collected["tests"]
    paths, keyword_expressions, mark_expressions = split(args)
    keywords = [Expression.compile(e) for e in keyword_expressions]
    marks = [Expression.compile(e) for e in mark_expressions]
    problems, candidates = [], set()
    for path in paths:
        file = path.partition("::")[0]
        below = (f"{path}::", f"{path}[") if "::" in path else (f"{path}::",)  # a node id: its parameters too
        found = {n for n in tests if n == path or n.startswith(below)}
        if not found:
            problems.append(f"{path}: " + ("no such test" if (TEMPLATE_DIR / file).is_file() else "no such file"))
        candidates |= found
    problems += [f"-m: unknown marker {m}" for e in marks for m in sorted(e.idents() - set(collected["markers"]))]
    if not problems and not any(
        all(e.evaluate(KeywordMatcher(frozenset(tests[n][0]))) for e in keywords)
        and all(e.evaluate(lambda name, /, **kw: not kw and name in tests[n][1]) for e in marks)  # noqa: B023 (used here)
        for n in candidates
    ):
        problems.append(f"pytest {' '.join(args)}: selects no test")
    return problems


@pytest.mark.parametrize("tests", SELECTIONS, ids=" ".join)
def test_each_mutant_selection_names_tests_that_exist(tests: tuple[str, ...], collected: dict[str, Any]) -> None:
    assert selection_problems(tests, collected) == []


@pytest.mark.parametrize(("args", "problem"), EXAMPLES, ids=[" ".join(args) for args, _ in EXAMPLES])
def test_the_selection_check_finds_what_it_should(
    args: list[str], problem: str | None, collected: dict[str, Any]
) -> None:
    """The check can fail: a moved test, a missing file, function or parameter id, an impossible
    or unknown marker, a -k word that matches nothing in a parametrised file."""
    found = selection_problems(args, collected)
    assert [message.rpartition(": ")[2] for message in found] == ([problem] if problem else []), found


def test_each_mutant_edits_text_the_template_holds_exactly_once() -> None:
    """A template change can move a mutant's text away; mutate.py then reports it stale at its next
    run, not killed (four were, after 1.6.0's changes, until this check)."""
    assert {m.name: mutate.stale_reason(m) for m in mutate.MUTANTS if mutate.stale_reason(m)} == {}
    moved = dataclasses.replace(mutate.MUTANTS[0], old="text that no template file holds")
    assert "found 0 times" in mutate.stale_reason(moved)
