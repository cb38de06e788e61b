""".ci/run, the CI entry point maintainers also run by hand: it runs the README's test command
and writes nothing into the user's home (no global git identity)."""

from __future__ import annotations

import os
import re
from pathlib import Path

from support.commands import run
from support.facts import TEMPLATE_DIR


def readme_test_command() -> str:
    """The one command of README.md's "Developing the template" section."""
    readme = (TEMPLATE_DIR / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Developing the template\n", 1)[1].split("\n## ", 1)[0]
    (block,) = re.findall(r"```bash\n(.*?)```", section, re.DOTALL)
    return block.strip()


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
