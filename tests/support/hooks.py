"""The generated git hooks, run by both runners the README names (prek and pre-commit), and
the commands the README and AGENTS.md tell a contributor to run, as CI runs them."""

from __future__ import annotations

import re
import shlex
import shutil
import sqlite3
import sys
from pathlib import Path
from typing import Any

from support.commands import UV, run, uv
from support.facts import copier_config, known_python_versions, parse_yaml
from support.printed import fenced

RUNNERS = ("prek", "pre-commit")


def oldest_python(kind: str) -> str:
    """The oldest python_min a project of ``kind`` takes (copier.yml kind_python_min, else the oldest known)."""
    floor = copier_config()["kind_python_min"]["default"].get(kind)
    return str(floor["python"]) if floor else known_python_versions()[0]


def uvx() -> str:
    return shutil.which("uvx") or str(Path(sys.executable).with_name("uvx"))


def runner_command(runner: str) -> list[str]:
    """A runner as the generated README starts it: prek from the dev group (uv.lock), pre-commit by uvx."""
    return [UV, "run", "--frozen", "prek"] if runner == "prek" else [uvx(), runner]


def hooks(project: Path) -> dict[str, str]:
    """The hooks of the rendered config: name (as the runners print it) -> id."""
    return {hook["name"]: hook["id"] for hook in hook_configs(project)}


def hook_configs(project: Path) -> list[dict[str, Any]]:
    config = parse_yaml((project / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    return [hook for repo in config["repos"] for hook in repo["hooks"]]


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
    completed = run([*runner_command(runner), "run", "--all-files"], project, env=env, check=False)
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


# --- the commands a contributor is told to run ---------------------------------------------------------


def fenced_commands(markdown: str, heading: str) -> list[str]:
    """The commands of the first ```bash block under ``heading`` (a line of the file), comments dropped."""
    section = markdown.split(f"\n{heading}\n", 1)[1]
    blocks = fenced(section, "bash")
    assert blocks, f"no bash block under {heading!r}"
    return [line.split("  #", 1)[0].strip() for line in blocks[0].splitlines() if line.strip()]


def readme_commands(project: Path) -> list[str]:
    """The Development section's commands of the generated README."""
    return fenced_commands((project / "README.md").read_text(encoding="utf-8"), "## Development")


def agents_commands(project: Path) -> list[str]:
    """The checks AGENTS.md lists."""
    return fenced_commands((project / "AGENTS.md").read_text(encoding="utf-8"), "## The checks")


# Options of ci.yml's commands that only shape the report for GitHub (annotations, the coverage
# table on the run's summary page): the same check without them is the same command.
CI_REPORT_OPTIONS = re.compile(r"^(--output-format=github|--format=github|--cov(-report)?(=.*)?)$")


def ci_commands(project: Path) -> dict[str, list[str]]:
    """Each job of ci.yml -> its one-line commands (`run: COMMAND`), without CI_REPORT_OPTIONS.
    The scripts (`run: |`: the wheel's smoke test, the GIL check, the lowest-direct run) are
    CI's checks of what it built and of its special entries, not a contributor's."""
    ci = parse_yaml((project / ".github" / "workflows" / "ci.yml").read_text(encoding="utf-8"))
    return {
        job_id: [
            shlex.join(arg for arg in shlex.split(step["run"]) if not CI_REPORT_OPTIONS.match(arg))
            for step in job["steps"]
            if "run" in step and "\n" not in step["run"]
        ]
        for job_id, job in ci["jobs"].items()
    }
