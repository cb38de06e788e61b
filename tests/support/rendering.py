"""Rendering the template in-process or with the CLI, sharing renders between workers, and reading a render."""

from __future__ import annotations

import fcntl
import hashlib
import importlib.util
import json
import os
import re
import shutil
import sys
import tomllib
import warnings
import weakref
from collections.abc import Callable, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

import copier
import jinja2
import jinja2.lexer
import jinja2.utils
import pytest

from support.commands import git_files
from support.facts import TEMPLATE_DIR, parse_yaml


def keep_compiled_jinja() -> None:
    """From now on, keep what Jinja compiles in this process, keyed by the source and
    everything compiling reads (opt-in: the in-process renders call it; again, it changes nothing).

    copier compiles every string of copier.yml and every template file anew on each
    render, in a new environment: some 470 compilations, 40 % of a render's CPU (0.59 s
    per render, 0.37 s with this). The compiled code depends only on the source, the
    environment's class, syntax, extensions and options, and the names of its filters
    and tests with what each is passed: the key holds all of them. Nothing else of a
    render is kept (test_answer_places compares an in-process render with the CLI's
    byte for byte); the copier CLI, in its own process, runs untouched.
    """
    if getattr(jinja2.Environment.compile, "keeps_compiled", False):
        return
    compile_source: Callable[..., Any] = jinja2.Environment.compile
    compiled: dict[tuple[Any, ...], Any] = {}
    # Per environment, computed at its first compilation (copier configures each
    # environment before it compiles anything with it).
    environment_keys: weakref.WeakKeyDictionary[jinja2.Environment, tuple[Any, ...]] = weakref.WeakKeyDictionary()

    def environment_key(environment: jinja2.Environment) -> tuple[Any, ...]:
        if environment not in environment_keys:
            passed: Callable[[Any], Any] = jinja2.utils._PassArg.from_obj  # what the compiler asks of each
            environment_keys[environment] = (
                type(environment),  # a sandbox compiles differently
                jinja2.lexer.get_lexer(environment),  # the syntax: delimiters, whitespace, newlines
                tuple(sorted(environment.extensions)),
                tuple(sorted((name, passed(f)) for name, f in environment.filters.items())),
                tuple(sorted((name, passed(f)) for name, f in environment.tests.items())),
                environment.optimized,
                environment.finalize,
                environment.autoescape,
                environment.is_async,
            )
        return environment_keys[environment]

    def compile_once(
        self: jinja2.Environment,
        source: Any,
        name: str | None = None,
        filename: str | None = None,
        raw: bool = False,
        defer_init: bool = False,
    ) -> Any:
        if not isinstance(source, str):  # an already parsed node tree: nothing to save
            return compile_source(self, source, name, filename, raw, defer_init)
        key = (environment_key(self), source, name, filename, raw, defer_init)
        if key not in compiled:  # a source that fails to compile raises each time, as before
            compiled[key] = compile_source(self, source, name, filename, raw, defer_init)
        return compiled[key]

    compile_once.keeps_compiled = True  # type: ignore[attr-defined]
    jinja2.Environment.compile = compile_once  # type: ignore[method-assign]


def copy_working_tree(destination: Path, *pathspecs: str) -> list[str]:
    """Copy this repository's working tree (or the given paths of it) to ``destination``.

    What a commit of the working tree would hold (``git_files``: no __pycache__),
    so uncommitted template work is what gets rendered. Returns the copied names.
    """
    copied = git_files(TEMPLATE_DIR, *pathspecs)
    for name in copied:
        (destination / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(TEMPLATE_DIR / name, destination / name)
    assert "copier.yml" in copied, f"git ls-files did not list the template: {copied}"
    return copied


def copy_with_api(template: Path, destination: Path, answers: Mapping[str, Any]) -> None:
    """Render with copier's Python API the way the CLI does: answers as data, not trusted."""
    keep_compiled_jinja()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # DirtyLocalWarning while the template is being edited
        copier.run_copy(
            str(template), str(destination), data=dict(answers), defaults=True, unsafe=False, vcs_ref="HEAD", quiet=True
        )


def replace_once(path: Path, old: str, new: str) -> None:
    """An edit of a render or a checkout: ``old``, which must be in ``path`` exactly once, made ``new``."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{path.name} has {old!r} {text.count(old)} times, not once"
    path.write_text(text.replace(old, new), encoding="utf-8")


def note_unreleased(project: Path, notes: str) -> None:
    """``notes`` written under CHANGELOG.md's ## [Unreleased], as a user does before a release."""
    replace_once(project / "CHANGELOG.md", "## [Unreleased]\n", f"## [Unreleased]\n\n{notes}\n")


def import_script(script: Path, folder: Path) -> ModuleType:
    """A rendered script imported as a module, from a copy in ``folder`` (a shared render stays
    as it is), for tests that call its functions in-process as its own code does."""
    source = Path(shutil.copy(script, folder / script.name))
    # A name of its own, registered (dataclasses look their module up): no two copies meet.
    name = f"{script.stem}_{hashlib.sha256(str(source).encode()).hexdigest()[:12]}"
    spec = importlib.util.spec_from_file_location(name, source)
    assert spec is not None
    assert spec.loader is not None
    module = sys.modules[name] = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def read_pyproject(project: Path) -> dict[str, Any]:
    """The generated pyproject.toml, parsed."""
    return tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))


def read_answers(project: Path) -> dict[str, Any]:
    """The generated .copier-answers.yml, parsed."""
    return parse_yaml((project / ".copier-answers.yml").read_text(encoding="utf-8"))


def project_files(project: Path) -> set[str]:
    """Every file of a rendered project, as POSIX paths relative to it (no .git)."""
    return {
        p.relative_to(project).as_posix()
        for p in project.rglob("*")
        if p.is_file() and ".git" not in p.relative_to(project).parts
    }


Render = Callable[..., Path]


def shared_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory every xdist worker of this run sees, and no worker deletes when it ends."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # shared by the workers of this run
    root = root / "once-per-run"
    root.mkdir(exist_ok=True)
    return root


def once_per_run(tmp_path_factory: pytest.TempPathFactory, key: Any, create: Callable[[], Any]) -> Any:
    """``create()``'s JSON-able result, computed once per test run, however many
    xdist workers ask for ``key``: the one cross-worker cache of the suite.

    The first worker to ask computes it, under a file lock; the others wait for
    it and read its result. (Grouping the tests onto one worker with
    ``xdist_group`` would not do: pytest 9.2 silently breaks ``--dist loadgroup``,
    pytest-xdist issue #1386.)
    """
    root = shared_root(tmp_path_factory)
    digest = hashlib.sha256(json.dumps(key, sort_keys=True, default=str).encode()).hexdigest()[:16]
    record = root / f"{digest}.json"
    with (root / f"{digest}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not record.exists():
            record.write_text(json.dumps(create()), encoding="utf-8")
        return json.loads(record.read_text(encoding="utf-8"))


def headings(markdown: Path) -> set[str]:
    """The section titles of a Markdown file (ATX headings, any level)."""
    return set(re.findall(r"^#+ (.+)$", markdown.read_text(encoding="utf-8"), re.MULTILINE))
