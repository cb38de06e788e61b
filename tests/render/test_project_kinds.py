"""Project kinds, each proven with its real consumer.

- library: tests/test_build.py checks, builds, installs and imports the
  default (library) render on every local interpreter.
- cli: the console script and ``python -m`` of the installed wheel.
- llm-plugin: llm itself, with the offline ``echo`` model of llm-echo, loads
  the installed wheel and runs its tool; and the TestPyPI trap, reproduced
  with a local index that holds only the plugin.

Each kind renders a private copy, passes its own checks on one interpreter and
is built once per test run (distributions.checked_build_once).
"""

from __future__ import annotations

import configparser
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from support.answers import DEFAULT_DISTRIBUTION, DEFAULT_PACKAGE, derived_names
from support.commands import run
from support.distributions import (
    ISOLATED_PIP_ENV,
    CheckedBuild,
    checked_build_once,
    fresh_venv,
    module_files,
    venv_bin,
    venv_run,
    wheel_files,
    wheel_metadata,
    wheel_text,
)
from support.facts import INITIAL_VERSION, copier_config
from support.index import LocalIndex
from support.rendering import once_per_run, read_pyproject

CLI_SCRIPT = "widgets"  # a script_name answer that differs from the default


def entry_points(build: CheckedBuild) -> dict[str, dict[str, str]]:
    """The wheel's entry_points.txt, by group."""
    package = build.answers["package_name"]
    parser = configparser.ConfigParser(delimiters=("=",))
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # entry point names are case-sensitive
    parser.read_string(wheel_text(build.wheel, f"{package}-{INITIAL_VERSION}.dist-info/entry_points.txt"))
    return {group: dict(parser[group]) for group in parser.sections()}


def test_cli_script_is_named_after_the_distribution_by_default(render_shared: Any) -> None:
    pyproject = read_pyproject(render_shared(project_kind="cli"))
    assert pyproject["project"]["scripts"] == {DEFAULT_DISTRIBUTION: f"{DEFAULT_PACKAGE}.cli:main"}


def test_cli_script_takes_the_script_name_answer(render_shared: Any) -> None:
    pyproject = read_pyproject(render_shared(project_kind="cli", script_name=CLI_SCRIPT))
    assert pyproject["project"]["scripts"] == {CLI_SCRIPT: f"{DEFAULT_PACKAGE}.cli:main"}


@pytest.mark.parametrize("kind", ["library", "llm-plugin"])
def test_only_the_cli_kind_has_a_script(render_shared: Any, kind: str) -> None:
    assert "scripts" not in read_pyproject(render_shared(project_kind=kind))["project"]


# ---------------------------------------------------------------------------
# cli
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cli_build(copie_session: Any, tmp_path_factory: pytest.TempPathFactory) -> CheckedBuild:
    return checked_build_once(copie_session, tmp_path_factory, "3.13", project_kind="cli", script_name=CLI_SCRIPT)


@pytest.fixture(scope="module")
def cli_venv(cli_build: CheckedBuild, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh environment with nothing but the cli wheel (it has no dependencies)."""
    venv = tmp_path_factory.mktemp("cli") / "venv"
    fresh_venv(venv, cli_build.python, cli_build.wheel)
    return venv


def installed_cli(venv: Path, how: str, *args: str, check: bool = True) -> Any:
    """Run the installed cli as its console script or as ``python -m``, outside any project."""
    if how == "console script":
        return venv_run(venv, CLI_SCRIPT, *args, cwd=venv, check=check)
    return venv_run(venv, "python", "-m", DEFAULT_PACKAGE, *args, cwd=venv, check=check)


@pytest.mark.slow
def test_cli_wheel_holds_the_cli_and_declares_the_console_script(cli_build: CheckedBuild) -> None:
    package = cli_build.answers["package_name"]
    assert module_files(package, "cli") <= wheel_files(cli_build.wheel)
    assert entry_points(cli_build) == {"console_scripts": {CLI_SCRIPT: f"{package}.cli:main"}}
    # argparse is the standard library's: the tool needs nothing at run time.
    assert wheel_metadata(cli_build.wheel).get_all("Requires-Dist") is None


@pytest.mark.slow
@pytest.mark.parametrize("how", ["console script", "python -m"])
def test_installed_cli_prints_its_version(cli_venv: Path, how: str) -> None:
    out = installed_cli(cli_venv, how, "--version")
    assert out.stdout == f"{CLI_SCRIPT} {INITIAL_VERSION}\n"


@pytest.mark.slow
@pytest.mark.parametrize("how", ["console script", "python -m"])
def test_installed_cli_prints_its_help(cli_venv: Path, how: str) -> None:
    out = installed_cli(cli_venv, how, "--help")
    assert out.stdout.startswith(f"usage: {CLI_SCRIPT} [-h] [--version] [name]\n")
    assert "--version" in out.stdout


@pytest.mark.slow
@pytest.mark.parametrize("how", ["console script", "python -m"])
def test_installed_cli_greets(cli_venv: Path, how: str) -> None:
    assert installed_cli(cli_venv, how, "Ada").stdout == "Hello, Ada!\n"
    assert installed_cli(cli_venv, how).stdout == "Hello, World!\n"


@pytest.mark.slow
def test_readme_usage_transcript_is_what_the_installed_cli_prints(cli_build: CheckedBuild, cli_venv: Path) -> None:
    """The README's ```console block, replayed: each `$ command` prints exactly the lines under it."""
    readme = (cli_build.project / "README.md").read_text(encoding="utf-8")
    transcript = readme.split("## Usage", 1)[1].split("```console\n", 1)[1].split("```", 1)[0]
    commands = re.findall(r"^\$ (.*)\n((?:(?!\$ ).*\n)*)", transcript, re.MULTILINE)
    assert [command for command, _ in commands] == [f"{CLI_SCRIPT} Ada", f"{CLI_SCRIPT} --version"]
    for command, printed in commands:
        assert installed_cli(cli_venv, "console script", *command.split()[1:]).stdout == printed, command


@pytest.mark.slow
def test_installed_cli_rejects_an_unknown_option(cli_venv: Path) -> None:
    out = installed_cli(cli_venv, "console script", "--frobnicate", check=False)
    assert out.returncode == 2  # argparse's usage error
    assert "unrecognized arguments: --frobnicate" in out.stderr


@pytest.mark.slow
def test_the_default_script_name_is_not_installed_beside_the_custom_one(cli_venv: Path) -> None:
    assert venv_bin(cli_venv, CLI_SCRIPT).is_file()
    assert not venv_bin(cli_venv, DEFAULT_DISTRIBUTION).exists()


# ---------------------------------------------------------------------------
# llm-plugin
# ---------------------------------------------------------------------------

PLUGIN_DIST = derived_names(project_kind="llm-plugin")["distribution_name"]
PLUGIN_PACKAGE = derived_names(project_kind="llm-plugin")["package_name"]
# The plugin's requirement on llm, with the lower bound copier.yml sets.
LLM_REQUIREMENT = f"llm>={copier_config()['tool_versions']['default']['llm']}"
ECHO_TOOL_CALL = json.dumps({"tool_calls": [{"name": "word_count", "arguments": {"text": "a b c"}}]})


@pytest.fixture(scope="module")
def plugin_build(copie_session: Any, tmp_path_factory: pytest.TempPathFactory) -> CheckedBuild:
    build = checked_build_once(copie_session, tmp_path_factory, "3.12", project_kind="llm-plugin")
    assert (build.answers["distribution_name"], build.answers["package_name"]) == (PLUGIN_DIST, PLUGIN_PACKAGE)
    return build


@pytest.fixture(scope="module")
def llm_venv(plugin_build: CheckedBuild, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh environment with llm and llm-echo from PyPI, and the plugin's wheel.

    Only read by the tests (llm commands that change nothing in it).
    """

    def create() -> str:
        venv = tmp_path_factory.mktemp("llm") / "venv"
        fresh_venv(venv, plugin_build.python, "llm", "llm-echo", plugin_build.wheel)
        return str(venv)

    return Path(once_per_run(tmp_path_factory, ["llm venv", str(plugin_build.wheel)], create))


def llm_env(tmp_path: Path) -> dict[str, str]:
    # llm keeps keys, logs and settings in LLM_USER_PATH: never the real one.
    (user_dir := tmp_path / "llm-user").mkdir(exist_ok=True)
    return {"LLM_USER_PATH": str(user_dir)}


def llm(venv: Path, *args: str, tmp_path: Path, check: bool = True, env: dict[str, str] | None = None) -> Any:
    return venv_run(venv, "llm", *args, cwd=tmp_path, check=check, env={**llm_env(tmp_path), **(env or {})})


def json_objects(text: str) -> list[Any]:
    """The JSON values printed one after another in ``text``."""
    decoder = json.JSONDecoder()
    values, position = [], 0
    while text[position:].strip():
        position = len(text) - len(text[position:].lstrip())  # skip whitespace
        value, position = decoder.raw_decode(text, position)
        values.append(value)
    return values


def listed_plugins(venv: Path, tmp_path: Path) -> dict[str, dict[str, Any]]:
    """`llm plugins`, by distribution name."""
    return {p["name"]: p for p in json.loads(llm(venv, "plugins", tmp_path=tmp_path).stdout)}


def test_plugin_readme_gives_the_commands_these_tests_run(render_shared: Any) -> None:
    readme = (render_shared(project_kind="llm-plugin") / "README.md").read_text(encoding="utf-8")
    for command in (
        f"llm install {PLUGIN_DIST}\n",
        "llm plugins\n",
        "llm tools list\n",
        f"llm -m echo -T word_count '{ECHO_TOOL_CALL}' --td\n",
        "llm install llm-python",
        f'llm python -m pip install "{PLUGIN_DIST}==<version>" --extra-index-url https://test.pypi.org/simple/\n',
        f"`llm install --index-url https://test.pypi.org/simple/ {PLUGIN_DIST}` fails",
    ):
        assert command in readme, command


@pytest.mark.slow
def test_plugin_wheel_declares_the_llm_entry_point_and_needs_llm(
    plugin_build: CheckedBuild,
) -> None:
    assert module_files(PLUGIN_PACKAGE, "llm-plugin") <= wheel_files(plugin_build.wheel)
    assert entry_points(plugin_build) == {"llm": {PLUGIN_PACKAGE: f"{PLUGIN_PACKAGE}.plugin"}}
    requires = wheel_metadata(plugin_build.wheel).get_all("Requires-Dist")
    assert requires is not None, "the wheel requires nothing"
    assert [r for r in requires if re.match(r"llm\b", r)] == [LLM_REQUIREMENT]
    assert not [r for r in requires if "llm-echo" in r]  # a dev dependency only


@pytest.mark.slow
def test_llm_plugins_lists_the_installed_plugin(llm_venv: Path, tmp_path: Path) -> None:
    plugins = listed_plugins(llm_venv, tmp_path)
    assert plugins[PLUGIN_DIST]["version"] == INITIAL_VERSION
    assert plugins[PLUGIN_DIST]["hooks"] == ["register_tools"]


@pytest.mark.slow
def test_llm_tools_list_shows_the_tool(llm_venv: Path, tmp_path: Path) -> None:
    listing = llm(llm_venv, "tools", "list", tmp_path=tmp_path).stdout
    assert f"word_count(text: str) -> int (plugin: {PLUGIN_PACKAGE})" in listing
    tools = json.loads(llm(llm_venv, "tools", "list", "--json", tmp_path=tmp_path).stdout)
    [word_count] = [t for t in tools["tools"] if t["name"] == "word_count"]
    assert word_count["plugin"] == PLUGIN_PACKAGE
    assert word_count["arguments"]["properties"] == {"text": {"type": "string"}}
    assert word_count["description"].startswith("Count the words in a text")


@pytest.mark.slow
def test_the_echo_model_runs_the_tool_from_the_command_line(llm_venv: Path, tmp_path: Path) -> None:
    # The README's offline check. echo asks for the tool call it is given;
    # llm runs the tool and sends the result back, which echo repeats as JSON.
    out = llm(llm_venv, "-m", "echo", "-T", "word_count", ECHO_TOOL_CALL, "--td", tmp_path=tmp_path)
    # --td (tools debug) prints each call and its result on stderr.
    assert "Tool call: word_count({'text': 'a b c'})\n  3\n" in out.stderr
    first, second = json_objects(out.stdout)
    assert "tool_results" not in first
    assert [(r["name"], r["output"]) for r in second["tool_results"]] == [("word_count", "3")]


@pytest.mark.slow
def test_an_unknown_tool_is_refused(llm_venv: Path, tmp_path: Path) -> None:
    # Counterpart of the test above: -T only accepts tools that plugins registered.
    out = llm(llm_venv, "-m", "echo", "-T", "no_such_tool", ECHO_TOOL_CALL, tmp_path=tmp_path, check=False)
    assert out.returncode != 0
    assert "no_such_tool" in out.stderr


# --- The TestPyPI trap ------------------------------------------------------
# TestPyPI holds the plugin, but not llm or (most of) its dependencies. A
# local index with only the plugin's wheel stands in for it. pip runs with
# ISOLATED_PIP_ENV: these machines' pip configuration adds local indexes that
# hold llm's dependencies, which would make "missing on the index" untrue.


@pytest.mark.slow
def test_llm_install_cannot_install_from_another_index(
    plugin_build: CheckedBuild, local_index: LocalIndex, tmp_path: Path
) -> None:
    shutil.copy2(plugin_build.wheel, local_index.directory)
    venv = tmp_path / "venv"
    fresh_venv(venv, plugin_build.python, "llm")
    out = llm(
        venv,
        "install",
        "--index-url",
        local_index.simple_url,
        PLUGIN_DIST,
        tmp_path=tmp_path,
        env=ISOLATED_PIP_ENV,
        check=False,
    )
    # `llm install` passes no index options on to pip (llm 0.36): it refuses
    # the option before pip runs, whatever the index holds.
    assert out.returncode == 2
    assert re.search(r"No such option:? '?--index-url", out.stderr), out.stderr
    assert PLUGIN_DIST not in listed_plugins(venv, tmp_path)


@pytest.mark.slow
def test_an_index_without_llm_cannot_install_the_plugin(
    plugin_build: CheckedBuild, local_index: LocalIndex, tmp_path: Path
) -> None:
    # With the stand-in for TestPyPI as the only index, pip finds the plugin
    # but not llm, which the plugin requires.
    shutil.copy2(plugin_build.wheel, local_index.directory)
    python = fresh_venv(tmp_path / "venv", plugin_build.python, seed=True)
    out = run(
        [python, "-m", "pip", "install", "--index-url", local_index.simple_url, PLUGIN_DIST],
        tmp_path,
        env=ISOLATED_PIP_ENV,
        check=False,
    )
    assert out.returncode != 0
    assert f"Downloading {plugin_build.wheel.name}" in out.stdout  # the plugin was found
    assert f"No matching distribution found for {LLM_REQUIREMENT}" in out.stderr


@pytest.mark.slow
def test_llm_python_pip_with_an_extra_index_installs_the_plugin(
    plugin_build: CheckedBuild, local_index: LocalIndex, tmp_path: Path
) -> None:
    """The README's route: `llm python` (from the llm-python plugin) runs pip
    inside llm's own environment; PyPI stays the main index and the stand-in
    for TestPyPI is an extra one."""
    shutil.copy2(plugin_build.wheel, local_index.directory)
    venv = tmp_path / "venv"
    fresh_venv(venv, plugin_build.python, "llm", "llm-python")
    assert PLUGIN_DIST not in listed_plugins(venv, tmp_path)
    report = tmp_path / "pip-report.json"
    llm(
        venv,
        "python",
        "-m",
        "pip",
        "install",
        "--report",
        str(report),
        f"{PLUGIN_DIST}==0.1.0",
        "--extra-index-url",
        local_index.simple_url,
        tmp_path=tmp_path,
        env=ISOLATED_PIP_ENV,
    )
    # `llm python` ignores pip's exit status: pip's report and `llm plugins` are the proof.
    installed = {item["metadata"]["name"]: item for item in json.loads(report.read_text())["install"]}
    assert list(installed) == [PLUGIN_DIST]  # llm and its dependencies were already there
    assert installed[PLUGIN_DIST]["download_info"]["url"].startswith(local_index.url)
    assert listed_plugins(venv, tmp_path)[PLUGIN_DIST]["version"] == INITIAL_VERSION
    assert "word_count" in llm(venv, "tools", "list", tmp_path=tmp_path).stdout
