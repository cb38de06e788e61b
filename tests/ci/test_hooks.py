"""The generated git hooks pass, and each fails on its defect, in both runners; every command the
README and AGENTS.md give a contributor passes; on each kind at its oldest and newest Python.

The hooks are local and run the dev group's locked tools (`uv run --frozen`); CI runs each too. A
tool the dev group leaves out on python_min (copier.yml tool_python_min) has no hook there, and the
config says why. On a fresh render, set up as a user would (with names typos would flag, which
the project's word list takes from its answers), the first `git commit` after `uv run
prek install` passes every hook, offline, cloning nothing; at the oldest, where a tool may be
missing, so do `pre-commit run --all-files` and the README's and AGENTS.md's commands (pytest and uv
build run on every local Python in tests/ci/test_ci_run.py). A problem planted for each hook
(PROBLEMS) fails both runners and CI's file-checks step (committed, as CI's checkout has it), what
a hook must leave alone (LEFT_ALONE) is left, and typos run bare checks hidden folders too; a
change staged alone fails the hook whose files filter admits it (TRIGGERS).
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from support.answers import EACH_LICENSE, NAMES_TYPOS_FLAGS, changed
from support.commands import find_interpreter, git, require_interpreter, run, uv
from support.facts import DEFAULT_PYTHON_MIN, KINDS, copier_config, known_python_versions, parse_yaml
from support.hooks import (
    RUNNERS,
    agents_commands,
    assert_nothing_cloned,
    ci_commands,
    hook_configs,
    hook_results,
    hooks,
    oldest_python,
    prepare,
    readme_commands,
    run_hooks,
    runner_command,
)
from support.rendering import read_pyproject, replace_once
from support.runner import run_in_place
from support.workflows import load_workflow, step_named

OLDEST_KNOWN = known_python_versions()[0]
DEFAULT_KIND = copier_config()["project_kind"]["default"]
FILE_CHECKS = "files and their spelling"  # ci.yml's step that runs the hooks no other step runs


def tool_words(command: str) -> list[str]:
    """What a command runs, without `uv run [--frozen]`, options and paths: e.g. ["ruff", "check"]."""
    words = [w for w in shlex.split(command) if not w.startswith("-") and w != "."]
    return words[2:] if words[:2] == ["uv", "run"] else words


@pytest.mark.parametrize("python_min", [OLDEST_KNOWN, DEFAULT_PYTHON_MIN])
def test_hooks_are_local_run_the_locked_tools_and_ci_runs_each(render_shared: Any, python_min: str) -> None:
    project = render_shared(**changed({"python_min": python_min}))
    text = (project / ".pre-commit-config.yaml").read_text(encoding="utf-8")
    assert [repo["repo"] for repo in parse_yaml(text)["repos"]] == ["local"]
    entries = {hook["id"]: hook["entry"] for hook in hook_configs(project)}
    assert {hook["language"] for hook in hook_configs(project)} == {"system"}
    assert entries.pop("uv-lock") == "uv lock --check"
    assert all(entry.startswith("uv run --frozen ") for entry in entries.values()), entries

    # A tool the dev group leaves out on python_min has no hook (the config says why); CI runs it.
    floors = copier_config()["tool_python_min"]["default"]
    known = known_python_versions()
    left_out = {tool for tool, floor in floors.items() if known.index(python_min) < known.index(floor)}
    assert {tool for tool in floors if tool in entries} == set(floors) - left_out
    for tool in left_out:
        assert f"# No {tool} hook: {tool} needs Python {floors[tool]} or newer" in text
    # The steps after an update (copier's message; the weekly check's issue, which the script
    # renders) say the hooks audit the workflows only where a hook does.
    steps = (project / ".github" / "scripts" / "template_update.py").read_text(encoding="utf-8")
    assert ("uv run prek run --all-files" in steps, "workflow audit" in steps) == (True, "zizmor" in entries)

    # CI runs every hook: its file-checks step the hooks no other step runs, by id.
    lint = load_workflow(project, "ci.yml")["jobs"]["lint"]
    prek = shlex.split(step_named(lint, FILE_CHECKS)["run"])
    assert prek[:6] == ["uv", "run", "prek", "run", "--all-files", "--show-diff-on-failure"]
    in_file_checks = prek[6:]
    commands = [tool_words(command) for commands in ci_commands(project).values() for command in commands]
    own_step = [hook for hook, entry in entries.items() if tool_words(entry) in commands]
    assert sorted(in_file_checks + own_step) == sorted(entries)
    assert not set(in_file_checks) & set(own_step)
    # (uv-lock: CI's installs are locked once uv.lock exists, and fail on a stale one.)
    installs = [step for step in lint["steps"] if step.get("run") == "uv sync"]
    assert [step["env"]["UV_LOCKED"] for step in installs] == ["${{ hashFiles('uv.lock') != '' }}"]

    # The README describes each hook, in order, and says how to install them.
    readme = (project / "README.md").read_text(encoding="utf-8")
    for command in ("uv run prek install", "uvx pre-commit install", "uv run prek run --all-files"):
        assert command in readme, command
    described = re.findall(r"^\| `([a-z-]+)` \| (.+) \|$", readme, re.MULTILINE)
    assert [hook for hook, _ in described] == list(hooks(project).values())


PROBLEMS: dict[str, tuple[str, ...]] = {
    "uv-lock": ("needs to be updated",),
    "ruff-check": ("S307", "planted_lint.py"),
    "ruff-format": ("files were modified by this hook", "1 file reformatted"),
    "mypy": ("planted_types.py", "Incompatible return value type"),
    "zizmor": ("unpinned-uses", "release.yml"),
    "trailing-whitespace": ("Fixing planted_spaces.txt",),
    "end-of-file-fixer": ("Fixing planted_end.txt",),
    "check-merge-conflict": ("planted_conflict.md:1: Merge conflict string '<<<<<<<' found",),
    "check-added-large-files": ("planted_large.bin (600 KB) exceeds 500 KB",),
    "check-toml": ("planted.toml",),
    "check-yaml": ("planted.yml",),
    "typos": ("`recieve` should be `receive`", "planted_spelling.md"),
}
# What a hook must leave alone, planted beside its problem: two spaces that end a Markdown line
# are a line break, and uv.lock grows with the dependencies (not a large file added by mistake).
LEFT_ALONE = {"trailing-whitespace": "planted_break.md", "check-added-large-files": "uv.lock"}
PLANTED = ("cli", "newest")  # one render is enough to show each hook failing (zizmor's needs 3.11+)

# A hook runs for each kind of file whose change can break its check, that file staged alone (a
# commit of it): hook -> (what the commit changes, what the hook then reports, the filter of
# .pre-commit-config.yaml without that kind of file). Run --all-files (above), a hook meets a
# file its filter admits among the others: only a commit of that file alone shows the filter.
Change = Callable[[Path, str], None]  # (project, package name)


def any_then_disallowed(project: Path, package: str) -> None:
    """Code that uses Any, committed; then a setting that forbids it, staged alone."""
    planted = project / "src" / package / "planted_any.py"
    planted.write_text("from typing import Any\n\n\ndef f(x: Any) -> Any:\n    return x\n", encoding="utf-8")
    git("add", "-A", cwd=project)
    git("commit", "-q", "--no-verify", "-m", "Code that uses Any", cwd=project)
    replace_once(project / "pyproject.toml", "\nstrict = true\n", "\nstrict = true\ndisallow_any_explicit = true\n")


def lock_edited(project: Path, package: str) -> None:
    """uv.lock edited by hand, nothing else: it no longer matches pyproject.toml."""
    name = read_pyproject(project)["project"]["name"]
    replace_once(project / "uv.lock", f'name = "{name}"\nversion = "', f'name = "{name}"\nversion = "0.0.9+')


TRIGGERS: dict[str, tuple[Change, str, tuple[str, str]]] = {
    # A setting of pyproject.toml changed re-checks every file.
    "mypy": (
        any_then_disallowed,
        'planted_any.py:4: error: Explicit "Any" is not allowed',
        ("types_or: [python, pyi, toml]", "types_or: [python, pyi]"),
    ),
    "uv-lock": (
        lock_edited,
        "needs to be updated",
        ("files: ^(pyproject\\.toml|uv\\.lock)$", "files: ^pyproject\\.toml$"),
    ),
}


def plant_problems(project: Path) -> None:
    """A problem for each hook: PROBLEMS says what each must report."""
    source = project / "src" / read_pyproject(project)["project"]["name"].replace("-", "_")
    (source / "planted_lint.py").write_text('VALUE = eval("1")\n', encoding="utf-8")
    (source / "planted_format.py").write_text("VALUE  =  1\n", encoding="utf-8")
    (source / "planted_types.py").write_text('def planted() -> int:\n    return "one"\n', encoding="utf-8")
    release = project / ".github" / "workflows" / "release.yml"
    unpinned = re.sub(
        r"astral-sh/setup-uv@[0-9a-f]{40}", "astral-sh/setup-uv@v10", release.read_text(encoding="utf-8"), count=1
    )
    release.write_text(unpinned, encoding="utf-8")
    replace_once(project / "pyproject.toml", "dependencies = []", 'dependencies = ["packaging>=24"]')
    files = {
        "planted_spaces.txt": "A line that ends in spaces.   \n",
        "planted_end.txt": "A file without a final newline.",
        "planted_conflict.md": "<<<<<<< before updating\nours\n=======\ntheirs\n>>>>>>> after updating\n",
        "planted.toml": "key = \n",
        "planted.yml": "key: [unclosed\n",
        "planted_spelling.md": "We recieve letters.\n",
        ".github/planted_spelling.md": "We recieve letters.\n",  # hidden: see the bare typos below
        "planted_break.md": "A line break  \nin Markdown.\n",
    }
    for name, text in files.items():
        (project / name).write_text(text, encoding="utf-8")
    (project / "planted_large.bin").write_bytes(bytes(600 * 1024))
    with (project / "uv.lock").open("a", encoding="utf-8") as lock:
        lock.write(f"# {'padding ' * 65_000}\n")  # 520 KB: over the limit


def newest_local_python() -> str:
    return [version for version in known_python_versions() if find_interpreter(version)][-1]


@pytest.mark.slow
@pytest.mark.parametrize("end", ["oldest", "newest"])
@pytest.mark.parametrize("kind", KINDS)
def test_hooks_and_contributor_commands_pass_and_each_hook_fails_on_its_problem(
    render_fresh: Any, render_shared: Any, runner_env: dict[str, str], kind: str, end: str, subtests: Any
) -> None:
    python_min = oldest_python(kind) if end == "oldest" else DEFAULT_PYTHON_MIN
    python = require_interpreter(python_min if end == "oldest" else newest_local_python())
    project = render_fresh(**changed({"project_kind": kind, "python_min": python_min, **NAMES_TYPOS_FLAGS}))
    prepare(project, python, runner_env)
    passed = dict.fromkeys(hooks(project).values(), "Passed")  # every hook ran (none skipped) and passed
    homes = {name: runner_env[name] for name in ("PREK_HOME", "PRE_COMMIT_HOME")}
    env = {**homes, "UV_PYTHON": python}
    if end == "oldest":
        returncode, results, output = run_hooks("pre-commit", project, runner_env)
        assert returncode == 0, output
        assert {hook: status for hook, (status, _) in results.items()} == passed, output
        # What the README and AGENTS.md tell a contributor to run (the docs build once: it is
        # slow), online as a contributor is (the docs group installs with its first command).
        docs_once = kind == DEFAULT_KIND
        for command in dict.fromkeys([*readme_commands(project), *agents_commands(project)]):
            program, *args = shlex.split(command)
            assert program == "uv", command
            if docs_once or "sphinx-build" not in args:
                uv(*args, cwd=project, env=env)
    # The hooks and the commands changed nothing; the first commit, every file staged, passes the
    # hooks prek installed (`prek run --all-files` in all but name).
    assert run(["git", "diff", "--name-only"], project).stdout == ""
    uv("run", "prek", "install", cwd=project, env=env)
    committed = run(["git", "commit", "-m", "Initial commit"], project, env={**runner_env, **env})
    results = hook_results(committed.stdout + committed.stderr, hooks(project))
    assert {hook: status for hook, (status, _) in results.items()} == passed, committed.stderr
    assert_nothing_cloned(runner_env)
    if (kind, end) != PLANTED:
        return

    # Every license's LICENSE passes the hooks too: the first commit of a project with any other
    # license than this render's (e.g. a stray trailing space in one text) is not refused.
    for license_, answers in EACH_LICENSE.items():
        if (text := render_shared(**answers) / "LICENSE").exists():  # Proprietary: none
            (project / "LICENSE").write_bytes(text.read_bytes())
            git("add", "LICENSE", cwd=project)
            done = run(
                [*runner_command("prek"), "run", "--files", "LICENSE"], project, env={**runner_env, **env}, check=False
            )
            assert done.returncode == 0, f"{license_}\n{done.stdout}{done.stderr}"
    # The answers file copier writes names the template's commit: rendered from one without a tag,
    # its hash, whose letters are no words (807e6ba: typos read "ba" as a misspelt "by").
    answers = project / ".copier-answers.yml"
    answers.write_text(re.sub(r"(?m)^_commit: .*$", "_commit: 807e6ba", answers.read_text("utf-8")), "utf-8")
    git("add", answers.name, cwd=project)
    done = run(
        [*runner_command("prek"), "run", "--files", answers.name], project, env={**runner_env, **env}, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    git("reset", "-q", "--hard", "HEAD", cwd=project)

    # The same project (and .venv) with a problem for each hook: both runners fail, each hook
    # names its own; so does CI's file-checks step, for the hooks it runs.
    plant_problems(project)
    run(["git", "add", "-A"], project)
    assert set(PROBLEMS) == set(hooks(project).values())
    lint = load_workflow(project, "ci.yml")["jobs"]["lint"]
    step = step_named(lint, FILE_CHECKS)
    for runner in (*RUNNERS, "ci"):
        with subtests.test(msg=runner):
            run(["git", "checkout", "--", "."], project)  # the planted state, as added
            if runner == "ci":  # a checkout: every file committed, none staged (check-added-large-files)
                git("commit", "-q", "--no-verify", "-m", "The planted problems", cwd=project)
                ran = run_in_place(project, "lint", steps=[FILE_CHECKS], env=env).step(FILE_CHECKS)
                git("reset", "-q", "--soft", "HEAD~1", cwd=project)
                assert ran.process is not None, ran.log  # it ran (the steps before it passed)
                output = ran.process.stdout + ran.process.stderr
                returncode, results = ran.process.returncode, hook_results(output, hooks(project))
                expected = [hook for hook in PROBLEMS if hook in shlex.split(step["run"])]
            else:
                returncode, results, output = run_hooks(runner, project, runner_env)
                expected = list(PROBLEMS)
            assert returncode != 0, output
            assert list(results) == expected, output
            for hook in expected:
                status, text = results[hook]
                assert status == "Failed", f"{runner}: {hook}\n{output}"
                for fragment in PROBLEMS[hook]:
                    assert fragment in text, f"{runner}: {hook}: {fragment!r} missing\n{output}"
                assert LEFT_ALONE.get(hook, "\0") not in text, f"{runner}: {hook}\n{output}"
    assert_nothing_cloned(runner_env)
    # The hooks and CI name each file; typos run bare, as a contributor may type it, would skip
    # hidden folders (.github/) but for pyproject.toml's ignore-hidden = false.
    bare = uv("run", "--frozen", "typos", cwd=project, env={**runner_env, **env}, check=False)
    assert bare.returncode != 0, bare.stdout + bare.stderr
    assert ".github/planted_spelling.md" in bare.stdout, bare.stdout

    # Each hook's trigger: the change staged alone fails the hook; without that kind of file in
    # the hook's filter, the same change passes it (the hook does not run).
    git("reset", "-q", "--hard", "HEAD", cwd=project)
    git("clean", "-q", "-fd", cwd=project)
    package = read_pyproject(project)["project"]["name"].replace("-", "_")
    prek, base = [*runner_command("prek"), "run"], git("rev-parse", "HEAD", cwd=project)
    for hook, (change, reported, (old, new)) in TRIGGERS.items():
        with subtests.test(msg=f"trigger: {hook}"):
            try:
                change(project, package)
                run(["git", "add", "-A"], project)
                staged = run(["git", "diff", "--cached", "--name-only"], project).stdout.split()
                assert len(staged) == 1, staged
                done = run([*prek, hook], project, env={**runner_env, **env}, check=False)
                status, text = hook_results(done.stdout + done.stderr, hooks(project))[hook]
                assert done.returncode != 0, done.stdout + done.stderr
                assert status == "Failed", done.stdout + done.stderr
                assert reported in text, done.stdout + done.stderr
                replace_once(project / ".pre-commit-config.yaml", old, new)
                run(["git", "add", "-A"], project)
                done = run([*prek, hook], project, env={**runner_env, **env}, check=False)
                assert done.returncode == 0, done.stdout + done.stderr
                assert hook_results(done.stdout, hooks(project))[hook][0] == "Skipped", done.stdout
            finally:
                git("reset", "-q", "--hard", base, cwd=project)
                git("clean", "-q", "-fd", cwd=project)
