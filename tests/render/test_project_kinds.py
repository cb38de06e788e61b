"""Each project kind works with its real consumer: a library's import (test_build.py); a cli's
console script and ``python -m``; for an llm-plugin, llm itself (with the offline ``echo`` model
of llm-echo) loads the installed wheel and runs its tool, and the TestPyPI trap is reproduced
with a local index that holds only the plugin.

Each kind has an import name other than its distribution name (answers.DISTINCT: the cli with
all its distinct answers), passes its own checks and is built once per test run.
"""

from __future__ import annotations

import configparser
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from support.answers import DISTINCT, EACH_KIND, OWN_IMPORT_NAME, derived_names
from support.commands import run
from support.distributions import (
    ISOLATED_PIP_ENV,
    CheckedBuild,
    checked_build_once,
    fresh_venv,
    venv_run,
    wheel_files,
    wheel_metadata,
    wheel_text,
)
from support.facts import INITIAL_VERSION, copier_config
from support.index import LocalIndex
from support.rendering import once_per_run

SCRIPT, PACKAGE = DISTINCT["script_name"], DISTINCT["package_name"]


def entry_points(build: CheckedBuild) -> dict[str, dict[str, str]]:
    """The wheel's entry_points.txt, by group."""
    parser = configparser.ConfigParser(delimiters=("=",))
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # entry point names are case-sensitive
    parser.read_string(wheel_text(build.wheel, f"{build.name}.dist-info/entry_points.txt"))
    return {group: dict(parser[group]) for group in parser.sections()}


# --- cli ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cli_build(copie_session: Any, tmp_path_factory: pytest.TempPathFactory) -> CheckedBuild:
    return checked_build_once(copie_session, tmp_path_factory, DISTINCT["python_min"], **DISTINCT)


@pytest.fixture(scope="module")
def cli_venv(cli_build: CheckedBuild, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh environment with nothing but the cli wheel (it has no dependencies)."""
    venv = tmp_path_factory.mktemp("cli") / "venv"
    fresh_venv(venv, cli_build.python, cli_build.wheel)
    return venv


def installed_cli(venv: Path, how: str, *args: str, check: bool = True) -> Any:
    """Run the installed cli as its console script or as ``python -m``, outside any project."""
    if how == "console script":
        return venv_run(venv, SCRIPT, *args, cwd=venv, check=check)
    return venv_run(venv, "python", "-m", PACKAGE, *args, cwd=venv, check=check)


@pytest.mark.slow
def test_cli_wheel_holds_the_cli_and_declares_the_console_script(cli_build: CheckedBuild) -> None:
    """Named after the distribution, one console script (the answered name: nothing else is installed);
    argparse is the standard library's: it needs nothing at run time."""
    assert cli_build.wheel.name == f"{cli_build.name}-py3-none-any.whl"
    assert wheel_files(cli_build.wheel) == cli_build.wheel_contents()
    assert entry_points(cli_build) == {"console_scripts": {SCRIPT: f"{PACKAGE}.cli:main"}}
    assert wheel_metadata(cli_build.wheel).get_all("Requires-Dist") is None


@pytest.mark.slow
@pytest.mark.parametrize("how", ["console script", "python -m"])
def test_installed_cli_greets_prints_its_version_and_help_and_refuses_an_unknown_option(
    cli_venv: Path, how: str
) -> None:
    assert installed_cli(cli_venv, how, "Ada").stdout == "Hello, Ada!\n"
    assert installed_cli(cli_venv, how).stdout == "Hello, World!\n"
    assert installed_cli(cli_venv, how, "--version").stdout == f"{SCRIPT} {INITIAL_VERSION}\n"
    assert installed_cli(cli_venv, how, "--help").stdout.startswith(f"usage: {SCRIPT} [-h] [--version] [name]\n")
    refused = installed_cli(cli_venv, how, "--frobnicate", check=False)
    assert refused.returncode == 2  # argparse's usage error
    assert "unrecognized arguments: --frobnicate" in refused.stderr


@pytest.mark.slow
def test_readme_usage_transcript_is_what_the_installed_cli_prints(cli_build: CheckedBuild, cli_venv: Path) -> None:
    """The README's ```console block, replayed: each `$ command` prints exactly the lines under it."""
    readme = (cli_build.project / "README.md").read_text(encoding="utf-8")
    transcript = readme.split("## Usage", 1)[1].split("```console\n", 1)[1].split("```", 1)[0]
    commands = re.findall(r"^\$ (.*)\n((?:(?!\$ ).*\n)*)", transcript, re.MULTILINE)
    assert [command for command, _ in commands] == [f"{SCRIPT} Ada", f"{SCRIPT} --version"]
    for command, printed in commands:
        assert installed_cli(cli_venv, "console script", *command.split()[1:]).stdout == printed, command


# --- llm-plugin --------------------------------------------------------------------------------------

PLUGIN = {"project_kind": "llm-plugin", **OWN_IMPORT_NAME}
PLUGIN_DIST = OWN_IMPORT_NAME["distribution_name"]
# The plugin's requirement on llm, with the lower bound copier.yml sets.
LLM_REQUIREMENT = f"llm>={copier_config()['tool_versions']['default']['llm']}"
ECHO_TOOL_CALL = json.dumps({"tool_calls": [{"name": "word_count", "arguments": {"text": "a b c"}}]})


@pytest.fixture(scope="module")
def plugin_build(copie_session: Any, tmp_path_factory: pytest.TempPathFactory) -> CheckedBuild:
    return checked_build_once(copie_session, tmp_path_factory, "3.12", **PLUGIN)


@pytest.fixture(scope="module")
def llm_venv(plugin_build: CheckedBuild, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """llm and llm-echo from PyPI, and the plugin's wheel; only read (llm commands that change nothing)."""

    def create() -> str:
        venv = tmp_path_factory.mktemp("llm") / "venv"
        fresh_venv(venv, plugin_build.python, "llm", "llm-echo", plugin_build.wheel)
        return str(venv)

    return Path(once_per_run(tmp_path_factory, ["llm venv", str(plugin_build.wheel)], create))


def llm(venv: Path, *args: str, tmp_path: Path, check: bool = True, env: dict[str, str] | None = None) -> Any:
    # llm keeps keys, logs and settings in LLM_USER_PATH: never the real one.
    (user_dir := tmp_path / "llm-user").mkdir(exist_ok=True)
    return venv_run(venv, "llm", *args, cwd=tmp_path, check=check, env={"LLM_USER_PATH": str(user_dir), **(env or {})})


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
    """(In the plugin of the kind's default names: no render of its own.)"""
    readme = (render_shared(**EACH_KIND["llm-plugin"]) / "README.md").read_text(encoding="utf-8")
    dist = derived_names(project_kind="llm-plugin")["distribution_name"]
    for command in (
        f"llm install {dist}\n",
        "llm plugins\n",
        "llm tools list\n",
        f"llm -m echo -T word_count '{ECHO_TOOL_CALL}' --td\n",
        "llm install llm-python",
        f'llm python -m pip install "{dist}==<version>" --extra-index-url https://test.pypi.org/simple/\n',
        f"`llm install --index-url https://test.pypi.org/simple/ {dist}` fails",
    ):
        assert command in readme, command


@pytest.mark.slow
def test_plugin_wheel_declares_the_llm_entry_point_and_needs_only_llm(plugin_build: CheckedBuild) -> None:
    """llm-echo is a dev dependency only."""
    assert wheel_files(plugin_build.wheel) == plugin_build.wheel_contents()
    assert entry_points(plugin_build) == {"llm": {PACKAGE: f"{PACKAGE}.plugin"}}
    assert wheel_metadata(plugin_build.wheel).get_all("Requires-Dist") == [LLM_REQUIREMENT]


@pytest.mark.slow
def test_llm_lists_the_installed_plugin_and_its_tool(llm_venv: Path, tmp_path: Path) -> None:
    plugins = listed_plugins(llm_venv, tmp_path)
    assert plugins[PLUGIN_DIST]["version"] == INITIAL_VERSION
    assert plugins[PLUGIN_DIST]["hooks"] == ["register_tools"]
    listing = llm(llm_venv, "tools", "list", tmp_path=tmp_path).stdout
    assert f"word_count(text: str) -> int (plugin: {PACKAGE})" in listing
    tools = json.loads(llm(llm_venv, "tools", "list", "--json", tmp_path=tmp_path).stdout)
    [word_count] = [t for t in tools["tools"] if t["name"] == "word_count"]
    assert word_count["plugin"] == PACKAGE
    assert word_count["arguments"]["properties"] == {"text": {"type": "string"}}
    assert word_count["description"].startswith("Count the words in a text")


@pytest.mark.slow
def test_the_echo_model_runs_the_tool_and_no_other(llm_venv: Path, tmp_path: Path) -> None:
    """The README's offline check. echo asks for the tool call it is given; llm runs the
    tool and sends the result back, which echo repeats as JSON. -T takes only the tools
    that plugins registered."""
    out = llm(llm_venv, "-m", "echo", "-T", "word_count", ECHO_TOOL_CALL, "--td", tmp_path=tmp_path)
    # --td (tools debug) prints each call and its result on stderr.
    assert "Tool call: word_count({'text': 'a b c'})\n  3\n" in out.stderr
    first, second = json_objects(out.stdout)
    assert "tool_results" not in first
    assert [(r["name"], r["output"]) for r in second["tool_results"]] == [("word_count", "3")]
    out = llm(llm_venv, "-m", "echo", "-T", "no_such_tool", ECHO_TOOL_CALL, tmp_path=tmp_path, check=False)
    assert out.returncode != 0
    assert "no_such_tool" in out.stderr


@pytest.fixture
def testpypi(plugin_build: CheckedBuild, local_index: LocalIndex) -> LocalIndex:
    """The TestPyPI trap: TestPyPI holds the plugin, but not llm or (most of) its dependencies: a local index with only
    the plugin's wheel stands in for it. pip runs with ISOLATED_PIP_ENV: these machines' pip
    configuration adds local indexes that hold llm's dependencies ("missing on the index" untrue)."""
    shutil.copy2(plugin_build.wheel, local_index.directory)
    return local_index


@pytest.mark.slow
def test_llm_install_cannot_install_from_another_index(
    plugin_build: CheckedBuild, testpypi: LocalIndex, tmp_path: Path
) -> None:
    venv = tmp_path / "venv"
    fresh_venv(venv, plugin_build.python, "llm")
    install = ("install", "--index-url", testpypi.simple_url, PLUGIN_DIST)
    out = llm(venv, *install, tmp_path=tmp_path, env=ISOLATED_PIP_ENV, check=False)
    # `llm install` passes no index options on to pip (llm 0.36): it refuses
    # the option before pip runs, whatever the index holds.
    assert out.returncode == 2
    assert re.search(r"No such option:? '?--index-url", out.stderr), out.stderr
    assert PLUGIN_DIST not in listed_plugins(venv, tmp_path)


@pytest.mark.slow
def test_an_index_without_llm_cannot_install_the_plugin(
    plugin_build: CheckedBuild, testpypi: LocalIndex, tmp_path: Path
) -> None:
    """With the stand-in for TestPyPI as the only index, pip finds the plugin but not llm, which it requires."""
    python = fresh_venv(tmp_path / "venv", plugin_build.python, seed=True)
    install = [python, "-m", "pip", "install", "--index-url", testpypi.simple_url, PLUGIN_DIST]
    out = run(install, tmp_path, env=ISOLATED_PIP_ENV, check=False)
    assert out.returncode != 0
    assert f"Downloading {plugin_build.wheel.name}" in out.stdout  # the plugin was found
    assert f"No matching distribution found for {LLM_REQUIREMENT}" in out.stderr


@pytest.mark.slow
def test_llm_python_pip_with_an_extra_index_installs_the_plugin(
    plugin_build: CheckedBuild, testpypi: LocalIndex, tmp_path: Path
) -> None:
    """The README's route: `llm python` (from the llm-python plugin) runs pip
    inside llm's own environment; PyPI stays the main index and the stand-in
    for TestPyPI is an extra one."""
    venv = tmp_path / "venv"
    fresh_venv(venv, plugin_build.python, "llm", "llm-python")
    assert PLUGIN_DIST not in listed_plugins(venv, tmp_path)
    report = tmp_path / "pip-report.json"
    pip = ("python", "-m", "pip", "install", "--report", str(report), f"{PLUGIN_DIST}=={INITIAL_VERSION}")
    llm(venv, *pip, "--extra-index-url", testpypi.simple_url, tmp_path=tmp_path, env=ISOLATED_PIP_ENV)
    # `llm python` ignores pip's exit status: pip's report and `llm plugins` are the proof.
    installed = {item["metadata"]["name"]: item for item in json.loads(report.read_text())["install"]}
    assert list(installed) == [PLUGIN_DIST]  # llm and its dependencies were already there
    assert installed[PLUGIN_DIST]["download_info"]["url"].startswith(testpypi.url)
    assert listed_plugins(venv, tmp_path)[PLUGIN_DIST]["version"] == INITIAL_VERSION
    assert "word_count" in llm(venv, "tools", "list", tmp_path=tmp_path).stdout
