"""The generated git hooks, run by both runners the README names (prek and pre-commit)."""

from __future__ import annotations

import re
import shutil
import sqlite3
import sys
from pathlib import Path

from support.commands import run, uv
from support.facts import parse_yaml

RUNNERS = ("prek", "pre-commit")


def uvx() -> str:
    return shutil.which("uvx") or str(Path(sys.executable).with_name("uvx"))


def hooks(project: Path) -> dict[str, str]:
    """The hooks of the rendered config: name (as the runners print it) -> id."""
    config = parse_yaml((project / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    return {hook["name"]: hook["id"] for repo in config["repos"] for hook in repo["hooks"]}


def hook_results(output: str, names: dict[str, str]) -> dict[str, tuple[str, str]]:
    """A runner's report as hook id -> (status, the hook's own output)."""
    results: dict[str, tuple[str, str]] = {}
    current = None
    for line in output.splitlines():
        match = re.fullmatch(r"(.+?)\.{3,}(?:\(no files to check\))?(Passed|Failed|Skipped)", line.strip())
        if match and match.group(1) in names:
            current = names[match.group(1)]
            results[current] = (match.group(2), "")
        elif current is not None:
            status, text = results[current]
            results[current] = (status, text + line + "\n")
    return results


def run_hooks(runner: str, project: Path, env: dict[str, str]) -> tuple[int, dict[str, tuple[str, str]], str]:
    completed = run([uvx(), runner, "run", "--all-files"], project, env=env, check=False)
    output = completed.stdout + completed.stderr
    return completed.returncode, hook_results(output, hooks(project)), output


def prepare(project: Path, python: str, env: dict[str, str]) -> None:
    """What a user does after `copier copy`: uv sync, git init, git add."""
    uv("sync", cwd=project, env={"UV_PYTHON": python})
    run(["git", "init", "-q"], project, env=env)
    run(["git", "add", "-A"], project, env=env)


def assert_nothing_cloned(env: dict[str, str]) -> None:
    prek_repos = Path(env["PREK_HOME"]) / "repos"
    assert not prek_repos.exists() or not any(prek_repos.iterdir())
    database = Path(env["PRE_COMMIT_HOME"]) / "db.db"
    if database.exists():
        with sqlite3.connect(database) as connection:
            assert connection.execute("SELECT * FROM repos").fetchall() == []
    assert not list(Path(env["PRE_COMMIT_HOME"]).glob("repo*"))
