"""The commands README.md gives for this repository do what it says: the quick start from a local
clone renders the newest release; .ci/run, the CI entry point maintainers also run by hand, runs
the README's test command and writes nothing into the user's home (no global git identity)."""

from __future__ import annotations

import os
from pathlib import Path

from support.answers import REQUIRED_ANSWERS, data_args
from support.commands import run
from support.facts import TEMPLATE_DIR, parse_yaml
from support.printed import fenced
from support.updates import TemplateRepo, type_copier


def readme_commands(heading: str) -> list[str]:
    """The lines of the ```bash blocks of README.md's section ``heading``."""
    readme = (TEMPLATE_DIR / "README.md").read_text(encoding="utf-8")
    section = readme.split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]
    return [line for block in fenced(section, "bash") for line in block.splitlines()]


def readme_test_command() -> str:
    """The one command of README.md's "Developing the template" section."""
    (command,) = readme_commands("Developing the template")
    return command


def test_the_quick_start_from_a_local_clone_renders_the_newest_release(
    template_repo: TemplateRepo, tmp_path: Path
) -> None:
    """The README's command for a clone (its `$PWD/copier-uv-release`: a clone of the throwaway
    template, tagged v1.0.0 and v1.1.0), answered as the README says (--defaults, --data)."""
    (command,) = [line for line in readme_commands("Quick start") if '"$PWD/copier-uv-release"' in line]
    git_clone = tmp_path / "copier-uv-release"
    run(["git", "clone", "-q", template_repo.path, git_clone], tmp_path)
    assert command.startswith("uvx copier copy "), command
    args = type_copier(command.replace("$PWD", str(tmp_path)), tmp_path, "--defaults", *data_args(REQUIRED_ANSWERS))
    answers = parse_yaml((tmp_path / args[-1] / ".copier-answers.yml").read_text(encoding="utf-8"))
    assert (answers["_commit"], answers["_src_path"]) == ("v1.1.0", str(git_clone))


def test_ci_run_runs_the_readmes_command_and_leaves_home_alone(tmp_path: Path) -> None:
    """With a stub uv that records its arguments: .ci/run calls the README's command last, and an
    empty HOME (no git identity in it) stays empty."""
    home, tools, calls = tmp_path / "home", tmp_path / "bin", tmp_path / "uv-calls"
    home.mkdir()
    tools.mkdir()
    (tools / "uv").write_text(f'#!/bin/sh\nprintf "uv %s\\n" "$*" >> "{calls}"\n', encoding="utf-8")
    (tools / "uv").chmod(0o755)
    env = {"HOME": str(home), "PATH": f"{tools}{os.pathsep}{os.environ['PATH']}", "XDG_CONFIG_HOME": str(home)}
    env |= {"GIT_CONFIG_GLOBAL": str(home / ".gitconfig")}  # git's global file, where a HOME override misses it
    done = run(["bash", TEMPLATE_DIR / ".ci" / "run"], tmp_path, env=env, check=False)
    assert done.returncode == 0, done.stderr
    assert calls.read_text(encoding="utf-8").splitlines()[-1] == readme_test_command()
    assert sorted(home.rglob("*")) == []
