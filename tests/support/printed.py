"""The commands a generated project prints for its user (the message after copy), found by a
rule and run as printed, the way a user types them into a shell.

The rule, so that no command can be left out by choosing which to take:

- every indented line of the "Next steps:" block is a command (up to the block's blank line);
- elsewhere, an indented line is a command when its first word is one bash runs: a builtin or
  a program on PATH (prose continues with words such as "on", "then", "add": none is one);
- an unindented "Label: text" line is a command when the text's first word is, without the
  text's closing "(remark)." (e.g. "First release: git tag v1 && git push origin v1 (...).").

A test runs every command found, in order, but those it names as not run here, with why.
"""

from __future__ import annotations

import functools
import re
import shlex
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from support.commands import clean_env, run

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_LABELLED = re.compile(r"([A-Z][^:]*): +(\S.*)")
_REMARK = re.compile(r"\s+\([^()]*\)\.?$|\.$")  # a closing "(remark)." or a full stop
NEXT_STEPS = "Next steps:"


@functools.cache
def _builtins() -> frozenset[str]:
    listed = subprocess.run(["bash", "-c", "compgen -b"], capture_output=True, text=True, check=True).stdout
    return frozenset(listed.split())


def runs_as_command(word: str, path: str) -> bool:
    """Whether bash runs ``word`` as a command: a builtin, or a program on ``path`` (not a keyword)."""
    return word in _builtins() or ("/" not in word and shutil.which(word, path=path) is not None)


def first_word(text: str) -> str:
    return (text.split(maxsplit=1) or [""])[0]


def bare(command: str) -> str:
    """``command``'s words, without its comment, quotes and spacing."""
    return " ".join(shlex.split(command, comments=True))


@dataclass(frozen=True)
class Printed:
    command: str  # as the user types it (a trailing `# comment` included: bash ignores it)
    line: int  # where it is printed, from 1

    @property
    def bare(self) -> str:
        """The command without its comment, quotes and spacing: what a test names it by."""
        return bare(self.command)


def message_commands(message: str, path: str) -> list[Printed]:
    """The commands of a printed message (copier's own report of the files it wrote may come
    first: those lines are not commands by the rule), in order; ``path``: the user's PATH."""
    found: list[Printed] = []
    in_next_steps = False
    for number, raw in enumerate(_ANSI.sub("", message).splitlines(), 1):
        line = raw.rstrip()
        indented = line[:1].isspace() and line.strip() != ""
        if line.strip() == NEXT_STEPS:
            in_next_steps = True
            continue
        if not indented:
            in_next_steps = False
            labelled = _LABELLED.fullmatch(line)
            if labelled:
                text = _REMARK.sub("", labelled.group(2))
                if runs_as_command(first_word(text), path):
                    found.append(Printed(text, number))
            continue
        text = line.strip()
        if in_next_steps or runs_as_command(first_word(text), path):
            found.append(Printed(text, number))
    return found


@dataclass
class Typed:
    """A command the user typed, and what it did."""

    command: str
    process: subprocess.CompletedProcess[str]


class Shell:
    """A user's shell: one command at a time, as typed (no -e: a line's status is its last
    command's, so ``a && b`` fails where a part fails), ``cd`` carried to the next command."""

    def __init__(self, cwd: Path, env: Mapping[str, str]) -> None:
        self.cwd, self.env = cwd, dict(env)
        self.typed: list[Typed] = []

    def type(self, command: str) -> Typed:
        """Run ``command`` as typed; fail the test with its output if it fails."""
        with tempfile.NamedTemporaryFile("r", prefix="cwd-", encoding="utf-8") as where:
            keep_cwd = f"trap 'printf %s \"$PWD\" > {shlex.quote(where.name)}' EXIT\n"
            done = run(["bash", "-c", keep_cwd + command], self.cwd, env=self.env, check=False)
            typed = Typed(command, done)
            self.typed.append(typed)
            assert done.returncode == 0, (
                f"the printed command failed ({done.returncode}): {command}\ncwd: {self.cwd}\n"
                f"--- stdout ---\n{done.stdout}\n--- stderr ---\n{done.stderr}"
            )
            self.cwd = Path(where.read())
        return typed


def user_path() -> str:
    """The PATH the user's shell has (the test environment's, without its virtual environment)."""
    return clean_env()["PATH"]


def fenced(markdown: str, language: str) -> list[str]:
    """The text of each ```language block of ``markdown``, in order."""
    return re.findall(rf"^```{language}\n(.*?)^```$", markdown, re.MULTILINE | re.DOTALL)


def readme_release_steps(project: Path) -> tuple[str, str, str]:
    """The commands of the README's "Making a release" (the first release's, and every later
    one's) and of "A fix of an older version" (its branch, and the fix picked onto it)."""
    readme = (project / "README.md").read_text(encoding="utf-8")
    section = re.split(r"\n##+ ", readme.split("### Making a release", 1)[1], maxsplit=1)[0]
    first, later = fenced(section, "bash")
    (older,) = fenced(readme.split("### A fix of an older version", 1)[1].split("\n## ", 1)[0], "bash")
    return first, later, older
