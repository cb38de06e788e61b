"""bench/mutants.toml names tests that exist: a selection that selects nothing kills nothing.

The mutation run (bench/mutate.py) takes too long for the suite, so a test that
was renamed or moved under a mutant would only show there, as an error, weeks
later. This check reads the test files with ``ast`` instead of collecting them
(milliseconds, no imports): each file and node id of a selection must exist, and
its ``-m``/``-k`` expressions must be able to match one of the test functions.
A ``-k`` word that is in no name may be a parameter id, which only collection
knows: for a parametrised test it counts as a possible match.
"""

from __future__ import annotations

import ast
import itertools
import re
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from _pytest.mark.expression import Expression  # pytest's own -k/-m parser (not public API)

from support.facts import TEMPLATE_DIR

sys.path.insert(0, str(TEMPLATE_DIR / "bench"))
import mutate  # bench/


@dataclass(frozen=True)
class Candidate:
    names: tuple[str, ...]  # what -k matches: the function, its class, its module's file name
    markers: frozenset[str]
    parametrised: bool


def decorator_names(node: ast.FunctionDef | ast.ClassDef | ast.Assign) -> Iterator[str]:
    """The dotted names of the decorators (or of a ``pytestmark = ...`` value), calls unwrapped."""
    targets = node.decorator_list if not isinstance(node, ast.Assign) else [node.value]
    for target in targets:
        for item in target.elts if isinstance(target, ast.List | ast.Tuple) else [target]:
            yield ast.unparse(item.func if isinstance(item, ast.Call) else item)


def marks(names: Iterator[str]) -> set[str]:
    return {name.removeprefix("pytest.mark.") for name in names if name.startswith("pytest.mark.")}


def parametrised_fixtures(tree: ast.Module) -> set[str]:
    """Fixtures defined with ``params=``: each test that takes one gets parameter ids."""
    return {
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef)
        for decorator in node.decorator_list
        if isinstance(decorator, ast.Call)
        and ast.unparse(decorator.func) == "pytest.fixture"
        and any(keyword.arg == "params" for keyword in decorator.keywords)
    }


def functions_in(path: Path) -> dict[str, Candidate]:
    """``Class::function`` or ``function`` -> what the selection expressions see of it."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    module_marks = set()
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(ast.unparse(t) == "pytestmark" for t in node.targets):
            module_marks |= marks(decorator_names(node))
    fixtures = parametrised_fixtures(tree)
    for folder in path.parents[: len(path.relative_to(TEMPLATE_DIR).parents)]:  # the conftest.py files it sees
        if (folder / "conftest.py").is_file():
            fixtures |= parametrised_fixtures(ast.parse((folder / "conftest.py").read_text(encoding="utf-8")))
    found = {}
    scopes: list[tuple[ast.ClassDef | None, list[ast.stmt]]] = [(None, tree.body)]
    scopes += [(n, n.body) for n in tree.body if isinstance(n, ast.ClassDef) and n.name.startswith("Test")]
    for cls, body in scopes:
        for node in body:
            if not isinstance(node, ast.FunctionDef) or not node.name.startswith("test"):
                continue
            decorators = list(decorator_names(node))
            class_marks = marks(decorator_names(cls)) if cls else set()
            found[f"{cls.name}::{node.name}" if cls else node.name] = Candidate(
                names=(node.name, *((cls.name,) if cls else ()), path.name),
                markers=frozenset(module_marks | class_marks | marks(iter(decorators))),
                parametrised="pytest.mark.parametrize" in decorators
                or any(arg.arg in fixtures for arg in node.args.args),
            )
    return found


# pytest's identifier syntax in -k/-m expressions (_pytest/mark/expression.py).
IDENTIFIER = re.compile(r"(?:\w|:|\+|-|\.|\[|\]|\\|/)+")


def may_match(expression: str, test: Candidate, *, keyword: bool) -> bool:
    """Whether a -k (``keyword``) or -m expression can select ``test``.

    A -k word in none of its names may still be one of its parameter ids if it is
    parametrised: the expression may match if some truth value of those words makes it true.
    """

    def named(word: str) -> bool:
        if not keyword:
            return word in test.markers
        return any(word.lower() in name.lower() for name in (*test.names, *test.markers))

    words = set(IDENTIFIER.findall(expression)) - {"and", "or", "not"}
    unknown = sorted(w for w in words if not named(w)) if keyword and test.parametrised else []
    compiled = Expression.compile(expression)
    for values in itertools.product((False, True), repeat=len(unknown)):
        guess = dict(zip(unknown, values, strict=True))

        def matcher(word: str, /, **kwargs: str | int | bool | None) -> bool:
            return guess.get(word, False) or named(word)  # noqa: B023  (evaluated right here)

        if compiled.evaluate(matcher):
            return True
    return False


def selection_problems(args: Sequence[str], root: Path = TEMPLATE_DIR) -> list[str]:
    """What in a selection (pytest arguments) names no test, read statically."""
    paths: list[str] = []
    options: dict[str, list[str]] = {"-k": [], "-m": []}
    words = iter(args)
    for word in words:
        if word in options:
            options[word].append(next(words))
        elif word.startswith("-"):
            return [f"option {word}: this check knows only -k and -m"]
        else:
            paths.append(word)
    problems, candidates = [], []
    for path in paths:
        file, _, node = path.partition("::")
        if not (root / file).is_file():
            problems.append(f"{file}: no such file")
            continue
        functions = functions_in(root / file)
        if node:
            name = node.split("[", 1)[0]  # a parameter id is known to collection only
            if name not in functions:
                problems.append(f"{path}: no test {name} in {file}")
                continue
            candidates.append(functions[name])
        else:
            candidates += functions.values()
    if not problems and not any(
        all(may_match(e, test, keyword=False) for e in options["-m"])
        and all(may_match(e, test, keyword=True) for e in options["-k"])
        for test in candidates
    ):
        problems.append(f"pytest {' '.join(args)}: selects no test")
    return problems


SELECTIONS = sorted({mutant.tests for mutant in mutate.MUTANTS})


@pytest.mark.parametrize("tests", SELECTIONS, ids=" ".join)
def test_each_mutant_selection_names_tests_that_exist(tests: tuple[str, ...]) -> None:
    assert selection_problems(tests) == []


def test_the_selection_check_finds_what_it_should() -> None:
    """The check can fail: a moved test, a missing file or function, an impossible marker."""
    assert selection_problems(["tests/update/test_check_update.py", "-k", "newest"]) == [
        "pytest tests/update/test_check_update.py -k newest: selects no test"
    ]
    assert selection_problems(["tests/test_no_such_file.py"]) == ["tests/test_no_such_file.py: no such file"]
    assert selection_problems(["tests/repository/test_python_releases.py::test_gone[3.15]"]) == [
        "tests/repository/test_python_releases.py::test_gone[3.15]: no test test_gone in tests/repository/test_python_releases.py"
    ]
    assert selection_problems(["tests/render/test_build.py", "-m", "not slow"]) == [
        "pytest tests/render/test_build.py -m not slow: selects no test"
    ]
    # A word in no name selects a parametrised test (it may be a parameter id), not a plain one.
    assert selection_problems(["tests/render/test_build.py", "-k", "defaults-on-3.11"]) == []
    assert selection_problems(["tests/repository/test_python_releases.py", "-k", "3.99"]) != []
