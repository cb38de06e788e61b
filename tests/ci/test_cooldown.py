"""The supply-chain cooldown: `uv lock` refuses a release minutes old and admits every release
Dependabot proposes; the README's urgent fix takes one at once, and lasts.

The generated pyproject.toml's `[tool.uv]` (a relative `exclude-newer`), in a project that
depends on one package of a local index that dates each file (support.dated_index): a
release that Dependabot's cooldown (.github/dependabot.yml) has just let through, whose
second wheel came almost a day after the first, is locked with both wheels; a release
uploaded an hour ago is not. The README's urgent fix (exempt the package in pyproject.toml,
then `uv lock --upgrade-package`) takes that new release and `uv lock --check` (the git hook,
CI's locked install) stays green, while a bystander's release as fresh still waits (uv 0.13.9
reads `{ name = true }` as no cooldown for any package); the same option given to `uv lock`
alone leaves uv.lock out of date, as the README warns. pyproject.toml's own comment says the
same fix, for a lower bound newer than the cooldown; where a pre-release older than the cooldown
fits that bound, uv locks it instead, as the README warns too.
"""

from __future__ import annotations

import datetime
import re
import tomllib
from pathlib import Path
from typing import Any

from support.commands import require_interpreter, uv
from support.dated_index import dated_index
from support.facts import DEFAULT_PYTHON_MIN, parse_yaml
from support.hooks import fenced_commands
from support.rendering import read_pyproject

PACKAGE = "cooldown-probe"
OTHER = "cooldown-bystander"  # a dependency with a release as fresh: an exemption leaves it alone
DAY, HOUR = datetime.timedelta(days=1), datetime.timedelta(hours=1)


def locked(project: Path, name: str = PACKAGE) -> tuple[str, int]:
    """The version of a package in uv.lock, and how many of its wheels."""
    lock = tomllib.loads((project / "uv.lock").read_text(encoding="utf-8"))
    (entry,) = [package for package in lock["package"] if package["name"] == name]
    return entry["version"], len(entry["wheels"])


def test_the_lock_refuses_a_fresh_release_admits_dependabots_and_the_readme_overrides_it(
    render_shared: Any, tmp_path: Path
) -> None:
    rendered = render_shared()
    dependabot = parse_yaml((rendered / ".github" / "dependabot.yml").read_text(encoding="utf-8"))
    (wait,) = {update["cooldown"]["default-days"] for update in dependabot["updates"]}
    tool_uv = read_pyproject(rendered)["tool"]["uv"]
    assert re.fullmatch(r"\d+ days", tool_uv["exclude-newer"])  # relative: a fixed date would age
    text = (rendered / "pyproject.toml").read_text(encoding="utf-8")
    section = "[tool.uv]\n" + text.split("\n[tool.uv]\n", 1)[1].split("\n[", 1)[0] + "\n"
    assert tomllib.loads(section)["tool"]["uv"] == {k: v for k, v in tool_uv.items() if k != "build-backend"}

    readme = (rendered / "README.md").read_text(encoding="utf-8")
    advice = readme.split("\n### Dependency updates\n", 1)[1].split("\n## ", 1)[0]
    (exemption,) = re.findall(r"^```toml\n(.*)\n```$", advice, re.MULTILINE)
    (upgrade,) = fenced_commands(advice, advice.split("\n", 1)[0])
    (one_off,) = [" ".join(c.split()) for c in re.findall(r"`(uv lock --exclude-newer-package[^`]*)`", advice)]

    project = tmp_path / "project"
    project.mkdir()
    python = require_interpreter(DEFAULT_PYTHON_MIN)
    head = f'[project]\nname = "app"\nversion = "0"\nrequires-python = ">={DEFAULT_PYTHON_MIN}"\n'
    pyproject = f'{head}dependencies = ["{PACKAGE}", "{OTHER}"]\n\n{section}'
    files = {
        "cooldown_probe-1.0-py3-none-any.whl": 30 * DAY,
        # Dependabot proposes it from now on; its second wheel was uploaded 23 hours later.
        "cooldown_probe-1.1-py3-none-any.whl": wait * DAY,
        "cooldown_probe-1.1-py3-none-manylinux_2_17_x86_64.whl": wait * DAY - 23 * HOUR,
        "cooldown_probe-1.2-py3-none-any.whl": HOUR,
        "cooldown_bystander-1.0-py3-none-any.whl": 30 * DAY,
        "cooldown_bystander-2.0-py3-none-any.whl": HOUR,
        "cooldown_bystander-2.1rc1-py3-none-any.whl": 10 * DAY,  # no stable version fits >=2.0 but 2.0
    }
    with dated_index(files) as index:
        env = {"UV_DEFAULT_INDEX": index, "UV_CACHE_DIR": str(tmp_path / "cache"), "UV_PYTHON": python}

        def lock(*args: str, check: bool = True) -> Any:
            return uv("lock", *args, cwd=project, env=env, check=check)

        def exempt(pyproject_text: str, command: str) -> None:
            """A fix: pyproject.toml with the exemption, then its command. That package's new
            release is locked, and it lasts (`uv lock --check`); everything else still waits."""
            (project / "pyproject.toml").write_text(pyproject_text, encoding="utf-8")
            uv(*command.replace(name, PACKAGE).split()[1:], cwd=project, env=env)
            lock("--check")
            lock("--upgrade")
            assert (locked(project), locked(project, OTHER)) == (("1.2", 1), ("1.0", 1))

        (project / "pyproject.toml").write_text(pyproject, encoding="utf-8")
        lock()
        assert locked(project) == ("1.1", 2)
        lock("--upgrade")
        assert locked(project) == ("1.1", 2)

        # The README's urgent fix: the exemption in pyproject.toml, then its command.
        name = "package-name"
        assert [text for text in (exemption, upgrade, one_off) if name not in text] == []
        exempt(pyproject + exemption.replace(name, PACKAGE) + "\n", upgrade)

        # The same option on the command line alone: the next `uv lock --check` fails.
        (project / "pyproject.toml").write_text(pyproject, encoding="utf-8")
        lock()
        assert locked(project) == ("1.1", 2)
        uv(*one_off.replace(name, PACKAGE).split()[1:], "--upgrade-package", PACKAGE, cwd=project, env=env)
        assert locked(project) == ("1.2", 1)
        assert "needs to be updated" in lock("--check", check=False).stderr

        # A lower bound newer than the cooldown (`uv add` wrote it before an update brought the
        # cooldown) does not lock; pyproject.toml's own comment, which a project whose README
        # predates "Dependency updates" has too, says how to exempt it, and that lasts.
        comment = text.split("\n[tool.uv]\n", 1)[1].split("\nexclude-newer = ", 1)[0]
        (entry,) = re.findall(r"`(exclude-newer-package = [^`]*)`", comment)
        (command,) = re.findall(r"`(uv lock --upgrade-package [^`]*)`", comment)
        bounded = pyproject.replace(f'"{PACKAGE}"', f'"{PACKAGE}>=1.2"', 1)
        (project / "pyproject.toml").write_text(bounded, encoding="utf-8")
        refused = " ".join(lock(check=False).stderr.split())
        assert "unsatisfiable" in refused
        said = "was published after the exclude newer time"
        assert said in refused, refused
        assert said in " ".join(advice.split())  # the README quotes uv
        exempt(bounded.replace("\nexclude-newer = ", f"\n{entry.replace(name, PACKAGE, 1)}\nexclude-newer = "), command)

        # Unless a pre-release older than the cooldown fits the bound: uv locks it without a word,
        # as the README warns.
        (project / "pyproject.toml").write_text(pyproject.replace(f'"{OTHER}"', f'"{OTHER}>=2.0"', 1), encoding="utf-8")
        assert "warning" not in lock().stderr.lower()
        assert locked(project, OTHER) == ("2.1rc1", 1)
        assert "uv locks the pre-release" in " ".join(advice.split())
