"""The generated git hooks (`.pre-commit-config.yaml`) pass, and each fails on its defect, in both runners.

On a fresh render of each kind (after `uv sync`, `git init` and `git add`, as a user
would), `prek run --all-files` and `pre-commit run --all-files` pass; on one render with a
planted problem for each hook, both fail and each hook names its problem. The hooks run
the locked dev tools offline (UV_OFFLINE for every uv they start) and clone nothing (the
tools' homes hold no hook repository). The README tells how to install them.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from support.commands import require_interpreter, run
from support.facts import KINDS, parse_yaml
from support.hooks import RUNNERS, assert_nothing_cloned, hooks, prepare, run_hooks
from support.rendering import read_pyproject


def test_hooks_are_local_run_the_locked_tools_and_the_readme_describes_them(render_shared) -> None:
    config = parse_yaml((render_shared() / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    assert [repo["repo"] for repo in config["repos"]] == ["local"]
    (repo,) = config["repos"]
    entries = {hook["id"]: hook["entry"] for hook in repo["hooks"]}
    assert entries == {
        "uv-lock": "uv lock --check",
        "ruff-check": "uv run --frozen ruff check --fix --force-exclude",
        "ruff-format": "uv run --frozen ruff format --force-exclude",
        "mypy": "uv run --frozen mypy",
        "zizmor": "uv run --frozen zizmor --offline .",
    }
    assert {hook["language"] for hook in repo["hooks"]} == {"system"}
    # Every tool a hook runs comes from the dev group, so uv.lock pins it.
    dev = " ".join(read_pyproject(render_shared())["dependency-groups"]["dev"])
    for tool in ("ruff", "mypy", "zizmor"):
        assert f"{tool}>=" in dev
    project = render_shared(license="Proprietary")
    readme = (project / "README.md").read_text(encoding="utf-8")
    for command in ("uvx prek install", "uvx pre-commit install", "uvx prek run --all-files"):
        assert command in readme, command
    described = re.findall(r"^\| `([a-z-]+)` \| (.+) \|$", readme, re.MULTILINE)
    assert [hook for hook, _ in described] == list(hooks(project).values())


PROBLEMS: dict[str, tuple[str, ...]] = {
    "uv-lock": ("needs to be updated",),
    "ruff-check": ("S307", "planted_lint.py"),
    "ruff-format": ("files were modified by this hook", "1 file reformatted"),
    "mypy": ("planted_types.py", "Incompatible return value type"),
    "zizmor": ("unpinned-uses", "release.yml"),
}
PLANTED_KIND = "cli"  # one kind is enough to show each hook failing


def plant_problems(project: Path) -> None:
    """A lint error ruff cannot fix, an unformatted file, a type error, an unpinned action, a stale uv.lock."""
    source = project / "src" / read_pyproject(project)["project"]["name"].replace("-", "_")
    (source / "planted_lint.py").write_text('VALUE = eval("1")\n', encoding="utf-8")
    (source / "planted_format.py").write_text("VALUE  =  1\n", encoding="utf-8")
    (source / "planted_types.py").write_text('def planted() -> int:\n    return "one"\n', encoding="utf-8")
    release = project / ".github" / "workflows" / "release.yml"
    release.write_text(
        re.sub(
            r"astral-sh/setup-uv@[0-9a-f]{40}", "astral-sh/setup-uv@v10", release.read_text(encoding="utf-8"), count=1
        ),
        encoding="utf-8",
    )
    pyproject = project / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text(encoding="utf-8").replace("dependencies = []", 'dependencies = ["packaging>=24"]', 1),
        encoding="utf-8",
    )
    assert "packaging" in pyproject.read_text(encoding="utf-8")


@pytest.mark.slow
@pytest.mark.parametrize("kind", KINDS)
def test_both_runners_pass_on_a_fresh_render_and_fail_on_planted_problems(
    render_fresh, runner_env: dict[str, str], kind: str, subtests: Any
) -> None:
    project = render_fresh(project_kind=kind)
    python_min = read_pyproject(project)["project"]["requires-python"].removeprefix(">=")
    prepare(project, require_interpreter(python_min), runner_env)
    for runner in RUNNERS:
        returncode, results, output = run_hooks(runner, project, runner_env)
        assert returncode == 0, output
        # Every hook ran (none skipped for want of files) and passed.
        assert {hook: status for hook, (status, _) in results.items()} == dict.fromkeys(
            hooks(project).values(), "Passed"
        ), output
    assert_nothing_cloned(runner_env)
    # The hooks changed nothing in the fresh render.
    assert run(["git", "diff", "--name-only"], project).stdout == ""
    if kind != PLANTED_KIND:
        return

    # The same project (and .venv) with a problem for each hook: both runners fail, each hook names its own.
    plant_problems(project)
    run(["git", "add", "-A"], project)
    for runner in RUNNERS:
        with subtests.test(msg=runner):
            run(["git", "checkout", "--", "."], project)  # the planted state, as added
            returncode, results, output = run_hooks(runner, project, runner_env)
            assert returncode != 0, output
            for hook, expected in PROBLEMS.items():
                status, text = results[hook]
                assert status == "Failed", f"{runner}: {hook}\n{output}"
                for fragment in expected:
                    assert fragment in text, f"{runner}: {hook}: {fragment!r} missing\n{output}"
    assert_nothing_cloned(runner_env)
