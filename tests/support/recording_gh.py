"""What every recording stand-in for ``gh`` shares: its state in a JSON file under ``root``
(so that it outlives each call, as GitHub's does), a log of every call, and a ``gh``
script that puts the stand-in first on a PATH."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar


class GhError(Exception):
    """What gh would print before exiting with status 1."""


@dataclass
class RecordingGh:
    root: Path
    repository: str  # OWNER/NAME
    STATE: ClassVar[str]  # the state file's name under root

    def initial(self) -> Any:
        """What GitHub holds before the first call."""
        raise NotImplementedError

    def main(self, argv: list[str]) -> int:
        """One call of the fake ``gh``: its exit status."""
        raise NotImplementedError

    def __post_init__(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        if not self.state_file.exists():
            self.save(self.initial())

    @property
    def state_file(self) -> Path:
        return self.root / self.STATE

    @property
    def log_file(self) -> Path:
        return self.root / "calls.jsonl"

    def state(self) -> Any:
        return json.loads(self.state_file.read_text(encoding="utf-8"))

    def save(self, state: Any) -> None:
        self.state_file.write_text(json.dumps(state, indent=1), encoding="utf-8")

    def record(self, call: Any) -> None:
        with self.log_file.open("a", encoding="utf-8") as log:
            log.write(json.dumps(call) + "\n")

    def install(self, tools: Path) -> None:
        """Put this fake's ``gh`` into ``tools`` (a directory first on PATH)."""
        tools.mkdir(parents=True, exist_ok=True)
        tests = Path(__file__).resolve().parents[1]
        cls = type(self)
        script = tools / "gh"
        script.write_text(
            f"#!{sys.executable}\nimport sys\nsys.path.insert(0, {str(tests)!r})\n"
            f"from pathlib import Path\nfrom {cls.__module__} import {cls.__name__}\n"
            f"sys.exit({cls.__name__}(Path({str(self.root)!r}), {self.repository!r}).main(sys.argv[1:]))\n",
            encoding="utf-8",
        )
        script.chmod(0o755)

    def calls(self) -> list[Any]:
        """Every call as the fake logged it; cleared by ``forget_calls``."""
        if not self.log_file.exists():
            return []
        return [json.loads(line) for line in self.log_file.read_text(encoding="utf-8").splitlines()]

    def forget_calls(self) -> None:
        self.log_file.unlink(missing_ok=True)


def parse_flags(
    args: list[str], documented: dict[str, tuple[str | None, bool]], usage: str, error: type[Exception]
) -> tuple[dict[str, list[str]], list[str]]:
    """gh's flags as its parser reads them: each value under the flag's long name (``documented``:
    long name -> (short name or None, takes a value)), given as ``--name=value`` or ``--name value``,
    a flag without a value "true"; and the positional arguments. An unknown flag raises ``error``
    with gh's message and ``usage``."""
    by_short = {short: name for name, (short, _) in documented.items() if short}
    flags: dict[str, list[str]] = {}
    positional: list[str] = []
    rest = iter(args)
    for arg in rest:
        if not arg.startswith("-") or arg == "-":
            positional.append(arg)
            continue
        name, equals, inline = arg.partition("=")
        name = by_short.get(name, name)
        if name not in documented:
            raise error(f"unknown flag: {arg}\n\nUsage:  {usage} [flags]")
        flags.setdefault(name, []).append(inline if equals else (next(rest, "") if documented[name][1] else "true"))
    return flags, positional
