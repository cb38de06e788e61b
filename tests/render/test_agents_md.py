"""The generated AGENTS.md lists exactly the commands CI runs, and exactly the files not to edit by hand.

Its checks are ci.yml's one-line commands, but for the options that only shape CI's report
(support.hooks.ci_commands): a tool the dev group leaves out on python_min is not in the
list but named beside it, with the Python CI runs it on. Its files not to edit by hand are
the answers file, uv.lock, and every rendered file that `copier update` manages: none that
copier.yml's `_skip_if_exists` gives to the user (matched as copier matches it). That each listed command passes on a
fresh render of each kind: tests/ci/test_hooks.py.
"""

from __future__ import annotations

import re
import shlex
from typing import Any

import pathspec
import pytest

from support.answers import answers_id, changed, template_values
from support.facts import DEFAULT_PYTHON_MIN, KINDS, copier_config
from support.hooks import agents_commands, ci_commands, oldest_python
from support.rendering import project_files

# Each kind at its oldest Python and at the default; a project without docs, a private one.
ANSWER_SETS = [
    changed({"project_kind": kind, "python_min": python})
    for kind in KINDS
    for python in dict.fromkeys([oldest_python(kind), DEFAULT_PYTHON_MIN])
] + [{"docs": False}, {"license": "Proprietary"}]


def normalised(command: str) -> str:
    return shlex.join(shlex.split(command))


@pytest.mark.parametrize("answers", ANSWER_SETS, ids=answers_id)
def test_agents_md_lists_the_commands_ci_runs_and_every_file_the_template_manages(
    render_shared: Any, answers: dict[str, Any]
) -> None:
    project, values = render_shared(**answers), template_values(**answers)
    text = (project / "AGENTS.md").read_text(encoding="utf-8")
    listed = [normalised(command) for command in agents_commands(project)]
    ci = list(dict.fromkeys(command for commands in ci_commands(project).values() for command in commands))
    not_listed = [command for command in ci if command not in listed]
    # Only the commands of the tools the dev group leaves out on python_min: named, with why.
    assert [command.split()[2] for command in not_listed] == values["tools_left_out"]
    assert sorted(listed) == sorted(command for command in ci if command not in not_listed)
    for command in not_listed:
        assert f"`{command}`" in text, command
        assert f"on Python\n{values['lint_python']}" in text

    section = text.split("## Files not to edit by hand\n", 1)[1]
    # The answers file and uv.lock first, then the managed files, one per nested item.
    assert re.findall(r"^- `([^`]+)`", section, re.MULTILINE) == [".copier-answers.yml", "uv.lock"]
    files = re.findall(r"^  - `([^`]+)`", section, re.MULTILINE)
    users = pathspec.PathSpec.from_lines("gitignore", copier_config()["_skip_if_exists"])
    managed = {name for name in project_files(project) if not users.match_file(name)} - {".copier-answers.yml"}
    assert len(files) == len(set(files))
    assert set(files) == managed
