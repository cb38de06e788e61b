"""Mutation run of the template: does the test suite notice a small, plausible defect?

Run from the repository root:

    uv run python bench/mutate.py                # every mutant, 2 at a time (minutes)
    uv run python bench/mutate.py --list         # the mutants and their test selections
    uv run python bench/mutate.py --only NAME    # one mutant (repeatable; a prefix works too)
    uv run python bench/mutate.py -j 1 --no-baseline

Each mutant is one edit of one template file (copier.yml, template/, includes/):
an exact old text, which must occur exactly once, and its replacement (or
``None`` to delete the file). It is applied to a throwaway clone of this
repository (tags included, the working tree's changes committed on top), and
only the tests that the mutant names run there (``pytest -x -n 0``). Outcomes:

- killed: the selection failed (the suite noticed);
- survived: it passed; a survivor is acceptable only with a ``harmless``
  reason (written to the results file);
- stale: the old text is no longer in the file exactly once, or the file is
  gone (the template changed under the mutant: update the mutant);
- error: pytest could not run the selection (no tests collected, usage error,
  timeout), or the selection fails without the mutant (see the baseline).

Before the mutants, each distinct selection runs once on the unmutated clone
(the baseline): a selection that fails there kills nothing. Every template
file must have at least one mutant; files without one are listed as errors.

Results: printed, and written to bench/mutation-results.md and
bench/mutation-results.json. Exit status 0 only without stale mutants, errors
and unexplained survivors. Not part of .ci/run.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BENCH_DIR = REPO / "bench"
TEMPLATE_PATHS = ("copier.yml", "template", "includes")
TIMEOUT = 1200  # seconds per pytest run


@dataclass(frozen=True)
class Mutant:
    name: str
    file: str  # relative to the repository
    old: str | None  # exact text, present exactly once; None: delete the file
    new: str
    tests: tuple[str, ...]  # pytest arguments: the relevant tests
    harmless: str = ""  # why surviving is acceptable (only for known survivors)


def m(name: str, file: str, old: str | None, new: str, *tests: str, harmless: str = "") -> Mutant:
    return Mutant(name, file, old, new, tests, harmless)


# --- test selections ------------------------------------------------------------------------------
PLACES = ("tests/test_answer_places.py", "-m", "not slow")
PLACES_ALL = ("tests/test_answer_places.py",)
NETS = ("tests/test_generated_safety_nets.py",)
HOSTILE = ("tests/test_hostile_answers.py", "-k", "hostile_text_renders_exactly")
BUILD_DEFAULT = ("tests/test_build.py", "-k", "defaults-on-3.11 or pip_builds")
CI_RUN = ("tests/test_generated_safety_nets.py", "-k", "each_ci")
KIND_CLI = ("tests/test_project_kinds.py", "-k", "cli")
KIND_PLUGIN = ("tests/test_project_kinds.py", "-k", "plugin or llm")


def workflows(k: str) -> tuple[str, ...]:
    return ("tests/test_workflows.py", "-m", "not slow", "-k", k)


def validation(question: str) -> tuple[str, ...]:
    return ("tests/test_validation.py", "-k", f"{question} and not cli")


def rendering(k: str) -> tuple[str, ...]:
    return ("tests/test_rendering.py", "-k", k)


def update(k: str = "") -> tuple[str, ...]:
    return ("tests/test_update.py", *(("-k", k) if k else ()))


# --- the mutants: (name, file, old text, new text, tests) --------------------------------------------
COPIER = "copier.yml"
PYPROJECT = "template/pyproject.toml.jinja"
CI = "template/.github/workflows/ci.yml.jinja"
RELEASE = "template/.github/workflows/release.yml.jinja"
README = "template/README.md.jinja"
SRC = "template/src/{{ package_name }}/"
TESTS = "template/tests/"
LICENSE = 'template/{% if license != "Proprietary" %}LICENSE{% endif %}.jinja'

PREFLIGHT = "template/.github/scripts/release_preflight.py"

MUTANTS = [
    # copier.yml: the message after copy, validators, defaults, computed facts, copier settings
    m(
        "message-repository-from-distribution",
        COPIER,
        "':', distribution_name, github_owner, repository_name, pypi_environment)",
        "':', distribution_name, github_owner, distribution_name, pypi_environment)",
        *PLACES,
    ),
    m(
        "message-environment-hardcoded",
        COPIER,
        "':', distribution_name, github_owner, repository_name, pypi_environment)",
        "':', distribution_name, github_owner, repository_name, 'release')",
        *PLACES,
    ),
    m(
        "message-remote-from-distribution",
        COPIER,
        "https://github.com/{{ github_owner }}/{{ repository_name }}.git",
        "https://github.com/{{ github_owner }}/{{ distribution_name }}.git",
        *PLACES,
    ),
    m(
        "validator-distribution-no-regex",
        COPIER,
        "{% if ((distribution_name | regex_search('^[a-z0-9]+(-[a-z0-9]+)*')) != distribution_name) %}",
        "{% if false %}",
        *validation("distribution_name"),
    ),
    m(
        "validator-package-no-reserved",
        COPIER,
        "{%- elif package_name in reserved_package_names %}",
        "{%- elif false %}",
        *validation("package_name"),
    ),
    m(
        "validator-author-comma-allowed",
        COPIER,
        "{%- elif ',' in author_name %}",
        "{%- elif false %}",
        *validation("author_name"),
    ),
    m(
        "validator-environments-may-be-equal",
        COPIER,
        "testpypi_environment | lower == pypi_environment | lower",
        "testpypi_environment == pypi_environment",
        *validation("testpypi_environment"),
    ),
    m(
        "validator-owner-length-widened",
        COPIER,
        "github_owner | length > 39",
        "github_owner | length > 100",
        *validation("github_owner"),
    ),
    m(
        "default-script-from-package",
        COPIER,
        '  when: "{{ project_kind == \'cli\' }}"\n  default: "{{ distribution_name }}"',
        '  when: "{{ project_kind == \'cli\' }}"\n  default: "{{ package_name }}"',
        "tests/test_rendering.py",
        "tests/test_project_kinds.py",
        "-k",
        "script and not slow",
    ),
    m(
        "default-package-drops-hyphens",
        COPIER,
        "default: \"{{ distribution_name | replace('-', '_') }}\"",
        "default: \"{{ distribution_name | replace('-', '') }}\"",
        *PLACES,
    ),
    m(
        "private-still-publishes",
        COPIER,
        "default: \"{{ license != 'Proprietary' }}\"",
        'default: "true"',
        *rendering("private or classifiers"),
    ),
    m(
        "testpypi-off-by-default",
        COPIER,
        '  when: "{{ publishes_to_pypi }}"\n  default: true',
        '  when: "{{ publishes_to_pypi }}"\n  default: false',
        *rendering("answers_file"),
    ),
    m(
        "skip-if-exists-drops-readme",
        COPIER,
        '  - "README.md"\n  - "CHANGELOG.md"',
        '  - "CHANGELOG.md"',
        *update("skip_if_exists"),
    ),
    m("exclude-drops-bytecode", COPIER, '  - "*.py[cod]"\n', "", "tests/test_template_hygiene.py", "-k", "checkout"),
    m(
        "exclude-drops-pycache",
        COPIER,
        '  - "__pycache__"\n',
        "",
        "tests/test_template_hygiene.py",
        "-k",
        "checkout",
        harmless='Equivalent while "*.py[cod]" is excluded: a __pycache__ holds only bytecode, so no '
        "file from it reaches a project (the test renders a checkout with stray bytecode and finds none).",
    ),
    m("newest-python-dropped", COPIER, '    "3.15": "newest"\n', "", "tests/test_template_hygiene.py", "-k", "newest"),
    # includes/
    m("markdown-escape-misses-brackets", "includes/markdown.jinja", "([!-/:-@\\\\[-`{-~])", "([!-/:-@{-~])", *HOSTILE),
    m(
        "publisher-repository-from-distribution",
        "includes/publishing.jinja",
        '("Repository name", repository_name)',
        '("Repository name", distribution_name)',
        *PLACES,
    ),
    m(
        "validator-names-may-hold-spaces",
        "includes/validators.jinja",
        "'^[A-Za-z0-9]+([._-][A-Za-z0-9]+)*'",
        "'^[A-Za-z0-9]+([._ -][A-Za-z0-9]+)*'",
        *validation("environment"),
    ),
    m(
        "mit-holder-is-owner",
        "includes/licenses/MIT.txt",
        "{{ copyright_holder }}",
        "{{ github_owner }}",
        *rendering("license"),
    ),
    m(
        "bsd-no-comma",
        "includes/licenses/BSD-3-Clause.txt",
        "{{ copyright_year }}, {{ copyright_holder }}",
        "{{ copyright_year }} {{ copyright_holder }}",
        *PLACES,
    ),
    m(
        "isc-year-dropped",
        "includes/licenses/ISC.txt",
        "Copyright (c) {{ copyright_year }} ",
        "Copyright (c) ",
        *rendering("license"),
    ),
    m(
        "apache-text-truncated",
        "includes/licenses/Apache-2.0.txt",
        "Version 2.0, January 2004",
        "Version 2.0",
        *rendering("license"),
    ),
    m(
        "gpl-text-truncated",
        "includes/licenses/GPL-3.0-or-later.txt",
        "Version 3, 29 June 2007",
        "Version 3",
        *rendering("license"),
    ),
    m(
        "mpl-title-changed",
        "includes/licenses/MPL-2.0.txt",
        "Mozilla Public License Version 2.0",
        "Mozilla Public License",
        *rendering("license"),
    ),
    # template/pyproject.toml.jinja
    m("no-module-name", PYPROJECT, 'module-name = "{{ package_name }}"', "", *PLACES_ALL),
    m(
        "issues-url-from-distribution",
        PYPROJECT,
        "{{ repository_name }}/issues",
        "{{ distribution_name }}/issues",
        *PLACES,
    ),
    m("doctests-not-collected", PYPROJECT, '"-ra", "--doctest-modules"', '"-ra"', *NETS),
    m("mypy-not-strict", PYPROJECT, "\nstrict = true\n", "\n", *NETS),
    m(
        "script-target-wrong-module",
        PYPROJECT,
        '"{{ package_name }}.cli:main"',
        '"{{ package_name }}.core:main"',
        *KIND_CLI,
    ),
    m("no-license-files", PYPROJECT, 'license-files = ["LICENSE"]\n', "", *BUILD_DEFAULT),
    m("private-classifier-dropped", PYPROJECT, '    "Private :: Do Not Upload",\n', "", *rendering("classifiers")),
    m(
        "uv-build-range-too-new",
        PYPROJECT,
        "uv_build>=0.13.0,<0.14",
        "uv_build>=0.13.9,<0.14",
        *rendering("build_system"),
    ),
    m(
        "coverage-source-from-distribution",
        PYPROJECT,
        'source_pkgs = ["{{ package_name }}"]',
        'source_pkgs = ["{{ distribution_name }}"]',
        *PLACES,
    ),
    # template/.github/workflows/ci.yml.jinja
    m(
        "ci-persists-credentials",
        CI,
        '      contents: read  # to check out the code\n    steps:\n      - uses: {{ actions.checkout }}\n        with:\n          persist-credentials: false\n      - uses: {{ actions.setup_uv }}\n        with:\n          version: "{{ uv_version }}"\n          python-version: "{{ lint_python }}"',
        '      contents: read  # to check out the code\n    steps:\n      - uses: {{ actions.checkout }}\n        with:\n          persist-credentials: true\n      - uses: {{ actions.setup_uv }}\n        with:\n          version: "{{ uv_version }}"\n          python-version: "{{ lint_python }}"',
        *workflows("credentials"),
    ),
    m(
        "ci-permissions-widened",
        CI,
        "    name: Lint\n    runs-on: ubuntu-latest\n    # A hung job would otherwise hold a runner for GitHub's 6-hour default.\n    timeout-minutes: 10\n    permissions:\n      contents: read",
        "    name: Lint\n    runs-on: ubuntu-latest\n    # A hung job would otherwise hold a runner for GitHub's 6-hour default.\n    timeout-minutes: 10\n    permissions:\n      contents: write",
        *workflows("permissions"),
    ),
    m("ci-mypy-neutralised", CI, "run: uv run mypy", "run: uv run mypy || true", *CI_RUN),
    m(
        "ci-format-not-checked",
        CI,
        "run: uv run ruff format --check",
        "run: uv run ruff format",
        *workflows("ci_steps"),
    ),
    m(
        "ci-matrix-only-oldest",
        CI,
        "python-version: {{ ci_python_versions | to_json }}",
        "python-version: {{ [python_min] | to_json }}",
        *workflows("matrix"),
    ),
    m(
        "ci-smoke-imports-distribution",
        CI,
        "PACKAGE_NAME: {{ package_name | to_json }}",
        "PACKAGE_NAME: {{ distribution_name | to_json }}",
        *PLACES,
    ),
    m(
        "ci-cancels-main-runs",
        CI,
        "cancel-in-progress: {% raw %}${{ github.event_name == 'pull_request' }}{% endraw %}",
        "cancel-in-progress: true",
        *workflows("cancel"),
    ),
    # template/.github/workflows/release.yml.jinja
    m("release-environment-hardcoded", RELEASE, "name: {{ pypi_environment | to_json }}", 'name: "release"', *PLACES),
    m(
        "release-testpypi-url-from-repository",
        RELEASE,
        "url: https://test.pypi.org/p/{{ distribution_name }}",
        "url: https://test.pypi.org/p/{{ repository_name }}",
        *PLACES,
    ),
    m(
        "release-build-cached",
        RELEASE,
        "          enable-cache: false  # release artifacts are never built from a cache",
        "          enable-cache: true",
        *workflows("cache"),
    ),
    m(
        "release-build-gets-id-token",
        RELEASE,
        "    permissions:\n      contents: read  # to check out the code\n    env:",
        "    permissions:\n      contents: read  # to check out the code\n      id-token: write  # to sign\n    env:",
        *workflows("permissions"),
    ),
    m(
        "release-publishes-on-dispatch",
        RELEASE,
        "    name: Publish to PyPI\n    if: github.event_name == 'push'\n",
        "    name: Publish to PyPI\n",
        *workflows("release or publish"),
    ),
    m(
        "release-trusted-publishing-automatic",
        RELEASE,
        'uv publish --trusted-publishing always --check-url "$PYPI_INDEX_URL"',
        'uv publish --trusted-publishing automatic --check-url "$PYPI_INDEX_URL"',
        *workflows("publish"),
    ),
    m(
        "release-tag-check-inverted",
        PREFLIGHT,
        "    if tag_version != version:",
        "    if tag_version == version:",
        "tests/test_release_preflight.py",
        "-k",
        "tag",
    ),
    m(
        "release-github-release-before-pypi",
        RELEASE,
        'needs: [preflight, {{ "publish-pypi" if publishes_to_pypi else "build" }}]',
        "needs: [preflight, build]",
        *workflows("job_graph or github_release"),
    ),
    # template/.github/dependabot.yml
    m(
        "dependabot-no-cooldown",
        "template/.github/dependabot.yml",
        "      interval: weekly\n    cooldown:\n      default-days: 7\n    groups:\n      github-actions:",
        "      interval: weekly\n    groups:\n      github-actions:",
        *workflows("dependabot"),
    ),
    m(
        "dependabot-no-uv",
        "template/.github/dependabot.yml",
        "package-ecosystem: uv",
        "package-ecosystem: pip",
        *workflows("dependabot"),
    ),
    # template/.gitignore
    m("gitignore-env-dropped", "template/.gitignore", "\n.env\n", "\n", *NETS),
    m("gitignore-dist-dropped", "template/.gitignore", "\ndist/\n", "\n", *NETS),
    m("gitignore-venv-dropped", "template/.gitignore", "\n.venv/\n", "\n", *NETS),
    m("gitignore-mypy-cache-dropped", "template/.gitignore", "\n.mypy_cache/\n", "\n", *NETS),
    # template/CHANGELOG.md.jinja
    m(
        "changelog-version-hardcoded",
        "template/CHANGELOG.md.jinja",
        "## [{{ initial_version }}]",
        "## [0.1.0]",
        *PLACES,
        harmless="The rendered text is identical: 0.1.0 is initial_version's value. A test that "
        "overrides the computed initial_version would kill it, but copier offers users no way to change it.",
    ),
    m("changelog-no-unreleased", "template/CHANGELOG.md.jinja", "## [Unreleased]\n\n", "", *rendering("changelog")),
    # template/README.md.jinja
    m(
        "readme-environment-hardcoded",
        README,
        "create the environment `{{ pypi_environment }}`",
        "create the environment `release`",
        *PLACES,
    ),
    m(
        "readme-badge-from-distribution",
        README,
        "[![CI](https://github.com/{{ github_owner }}/{{ repository_name }}/actions",
        "[![CI](https://github.com/{{ github_owner }}/{{ distribution_name }}/actions",
        *PLACES,
    ),
    m(
        "readme-python-m-distribution",
        README,
        "`python -m {{ package_name }}` runs",
        "`python -m {{ distribution_name | replace('-', '_') }}` runs",
        *PLACES,
    ),
    m("readme-title-unescaped", README, "# {{ md(project_name) }}", "# {{ project_name }}", *HOSTILE),
    m(
        "readme-testpypi-table-environment",
        README,
        "repository_name, testpypi_environment) }}",
        "repository_name, pypi_environment) }}",
        *PLACES,
    ),
    # the package
    m(
        "init-version-of-package",
        SRC + "__init__.py.jinja",
        'version("{{ distribution_name }}")',
        'version("{{ package_name }}")',
        *PLACES_ALL,
    ),
    m(
        "core-greet-doctest-dropped",
        SRC + "core.py.jinja",
        "\n    >>> greet(\"Ada\")\n    'Hello, Ada!'\n",
        "\n",
        *NETS,
    ),
    m(
        "core-word-count-splits-on-spaces",
        SRC + "core.py.jinja",
        "return len(text.split())",
        'return len(text.split(" "))',
        *KIND_PLUGIN,
    ),
    m("py-typed-deleted", SRC + "py.typed", None, "", *BUILD_DEFAULT),
    m(
        "main-ignores-arguments",
        SRC + '{% if project_kind == "cli" %}__main__.py{% endif %}.jinja',
        "sys.exit(main())",
        "sys.exit(main([]))",
        *KIND_CLI,
    ),
    m(
        "cli-prog-is-distribution",
        SRC + '{% if project_kind == "cli" %}cli.py{% endif %}.jinja',
        'prog="{{ script_name }}"',
        'prog="{{ distribution_name }}"',
        *PLACES,
    ),
    m(
        "cli-name-required",
        SRC + '{% if project_kind == "cli" %}cli.py{% endif %}.jinja',
        '"name", nargs="?", default="World"',
        '"name"',
        *KIND_CLI,
    ),
    m(
        "plugin-tool-renamed",
        SRC + '{% if project_kind == "llm-plugin" %}plugin.py{% endif %}.jinja',
        "register(word_count)",
        'register(word_count, name="count_words")',
        *KIND_PLUGIN,
    ),
    # the generated tests
    m(
        "test-greet-neutralised",
        TESTS + "test_{{ package_name }}.py.jinja",
        'assert greet("Ada") == "Hello, Ada!"',
        'assert greet("Ada")',
        *NETS,
    ),
    m(
        "test-cli-dash-m-neutralised",
        TESTS + '{% if project_kind == "cli" %}test_cli.py{% endif %}.jinja',
        'assert completed.stdout == "Hello, Grace!\\n"',
        "assert completed.returncode == 0",
        *NETS,
    ),
    m(
        "test-plugin-wrong-distribution",
        TESTS + '{% if project_kind == "llm-plugin" %}test_plugin.py{% endif %}.jinja',
        'assert "{{ distribution_name }}" in distributions',
        'assert "{{ package_name }}" in distributions',
        *KIND_PLUGIN,
    ),
    # LICENSE and the answers file
    m("license-holder-ignores-author", LICENSE, "(author_name | trim) or github_owner", "github_owner", *PLACES),
    m(
        "license-header-only-for-apache",
        LICENSE,
        '["Apache-2.0", "GPL-3.0-or-later", "MPL-2.0"]',
        '["Apache-2.0"]',
        *rendering("license"),
    ),
    m(
        "answers-file-empty",
        "template/{{ _copier_conf.answers_file }}.jinja",
        "{{ _copier_answers | to_nice_yaml -}}",
        "{{ {} | to_nice_yaml -}}",
        *rendering("answers"),
    ),
    # template/.github/scripts/release_preflight.py
    m(
        "preflight-branch-check-ignored",
        PREFLIGHT,
        "    if ancestor.returncode != 0:",
        "    if ancestor.returncode not in (0, 1):",
        "tests/test_release_preflight.py",
        "-k",
        "default_branch",
    ),
    m(
        "preflight-error-answer-taken-as-free",
        PREFLIGHT,
        "        if error.code == 404:",
        "        if error.code in (404, 503):",
        "tests/test_release_preflight.py",
        "-k",
        "error_is_no_answer",
    ),
    # template/.pre-commit-config.yaml
    m(
        "hooks-lock-not-checked",
        "template/.pre-commit-config.yaml",
        "        entry: uv lock --check\n",
        "        entry: uv lock\n",
        "tests/test_hooks.py",
    ),
    # includes/python.jinja
    m(
        "py-str-backslash-unescaped",
        "includes/python.jinja",
        """'{{ text | replace("\\\\", "\\\\\\\\") | replace("'", "\\\\'") }}'""",
        """'{{ text | replace("'", "\\\\'") }}'""",
        "tests/test_docs.py",
        "-k",
        "any_text_exactly",
    ),
    # the docs pages
    m(
        "docs-api-without-members",
        "template/{% if docs %}docs{% endif %}/api.md.jinja",
        "```{eval-rst}\n.. automodule:: {{ package_name }}\n   :members:\n```",
        "```{eval-rst}\n.. automodule:: {{ package_name }}\n```",
        "tests/test_docs.py",
        "-k",
        "documents_the_example and library",
    ),
    m(
        "docs-index-without-readme",
        "template/{% if docs %}docs{% endif %}/index.md",
        "```{include} ../README.md\n:relative-docs: docs/\n:relative-images:\n```\n",
        "# Home\n",
        "tests/test_docs.py",
        "-k",
        "documents_the_example and library",
    ),
    m(
        "docs-changelog-page-empty",
        "template/{% if docs %}docs{% endif %}/changelog.md",
        "```{include} ../CHANGELOG.md\n```",
        "# Changelog",
        "tests/test_docs.py",
        "-k",
        "keeps_the_edits",
    ),
    m(
        "docs-not-nitpicky",
        "template/{% if docs %}docs{% endif %}/conf.py.jinja",
        "nitpicky = True",
        "nitpicky = False",
        "tests/test_docs.py",
        "-k",
        "broken_reference",
    ),
    m(
        "docs-development-url-from-distribution",
        "template/{% if docs %}docs{% endif %}/development.md.jinja",
        "<{{ docs_url }}>",
        "<https://{{ github_owner }}.github.io/{{ distribution_name }}/>",
        *PLACES,
    ),
]


# --- running ---------------------------------------------------------------------------------------


@dataclass
class Outcome:
    name: str
    file: str
    status: str  # killed, survived, stale, error
    tests: list[str]
    seconds: float = 0.0
    detail: str = ""  # the first failing test, or what went wrong
    harmless: str = ""


def template_files() -> list[str]:
    listed = git("ls-files", "--cached", "--others", "--exclude-standard", "--", *TEMPLATE_PATHS)
    return sorted(name for name in listed.splitlines() if (REPO / name).is_file())


def git(*args: str, cwd: Path = REPO) -> str:
    return subprocess.run(
        ["git", "-c", "commit.gpgsign=false", *args], cwd=cwd, capture_output=True, text=True, check=True
    ).stdout


def stale_reason(mutant: Mutant) -> str:
    path = REPO / mutant.file
    if not path.is_file():
        return f"{mutant.file} does not exist"
    if mutant.old is None:
        return ""
    count = path.read_text(encoding="utf-8").count(mutant.old)
    return "" if count == 1 else f"old text found {count} times in {mutant.file} (must be exactly once)"


def clone(workdir: Path) -> Path:
    """A clone of this repository (tags included) with the working tree's state committed."""
    copy = workdir / "repo"
    subprocess.run(["git", "clone", "-q", "--local", str(REPO), str(copy)], check=True, capture_output=True)
    for name in git("ls-files", "-z", "--cached", "--others", "--exclude-standard").split("\0"):
        if name and (REPO / name).is_file():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, copy / name)
        elif name and (copy / name).exists():
            (copy / name).unlink()
    git("add", "-A", cwd=copy)
    git("commit", "-q", "--allow-empty", "-m", "working tree", cwd=copy)
    return copy


def apply(mutant: Mutant, copy: Path) -> None:
    path = copy / mutant.file
    if mutant.old is None:
        path.unlink()
    else:
        path.write_text(path.read_text(encoding="utf-8").replace(mutant.old, mutant.new, 1), encoding="utf-8")
    git("add", "-A", cwd=copy)
    git("commit", "-q", "-m", f"mutant {mutant.name}", cwd=copy)


def run_tests(copy: Path, tests: tuple[str, ...]) -> tuple[int, str, float]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "VIRTUAL_ENV", "COV_CORE_"))}
    started = time.monotonic()
    try:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                *tests,
                "-x",
                "-q",
                "-n",
                "0",
                "-p",
                "no:cacheprovider",
                "-W",
                "ignore::DeprecationWarning",
                "--basetemp",
                str(copy.parent / "basetemp"),
            ],
            cwd=copy,
            env=env,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        return -1, f"timeout after {TIMEOUT} s", time.monotonic() - started
    return done.returncode, done.stdout + done.stderr, time.monotonic() - started


def first_failure(output: str) -> str:
    found = re.search(r"^(?:FAILED|ERROR) (\S+)", output, re.MULTILINE)
    return found.group(1) if found else output.strip().splitlines()[-1] if output.strip() else ""


def baseline(tests: tuple[str, ...]) -> tuple[bool, str]:
    with tempfile.TemporaryDirectory(prefix="mutate-baseline-") as workdir:
        code, output, _ = run_tests(clone(Path(workdir)), tests)
    return code == 0, "" if code == 0 else f"exit {code}: {first_failure(output)}"


def run_mutant(mutant: Mutant, keep: bool) -> Outcome:
    outcome = Outcome(mutant.name, mutant.file, "", list(mutant.tests), harmless=mutant.harmless)
    reason = stale_reason(mutant)
    if reason:
        outcome.status, outcome.detail = "stale", reason
        return outcome
    workdir = Path(tempfile.mkdtemp(prefix=f"mutate-{mutant.name}-"))
    try:
        copy = clone(workdir)
        apply(mutant, copy)
        code, output, outcome.seconds = run_tests(copy, mutant.tests)
    finally:
        if not keep:
            shutil.rmtree(workdir, ignore_errors=True)
    if code == 0:
        outcome.status = "survived"
    elif code == 1:
        outcome.status, outcome.detail = "killed", first_failure(output)
    else:
        outcome.status = "error"
        outcome.detail = f"pytest exit {code}: {first_failure(output)}"
    return outcome


# --- reporting -------------------------------------------------------------------------------------


def write_results(outcomes: list[Outcome], uncovered: list[str], baselines: dict[str, str], seconds: float) -> None:
    counts = {s: sum(o.status == s for o in outcomes) for s in ("killed", "survived", "stale", "error")}
    judged = counts["killed"] + counts["survived"]
    score = counts["killed"] / judged if judged else 0.0
    data = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "commit": git("rev-parse", "--short", "HEAD").strip(),
        "dirty": bool(git("status", "--porcelain").strip()),
        "seconds": round(seconds, 1),
        "score": round(score, 4),
        "counts": counts,
        "uncovered_template_files": uncovered,
        "failing_baselines": baselines,
        "mutants": [asdict(o) for o in outcomes],
    }
    (BENCH_DIR / "mutation-results.json").write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    lines = [
        "# Mutation run of the template",
        "",
        f"`uv run python bench/mutate.py` on commit {data['commit']}"
        f"{' (with uncommitted changes)' if data['dirty'] else ''}, {data['date']}, "
        f"{seconds / 60:.1f} minutes.",
        "",
        f"**Score: {counts['killed']}/{judged} killed ({score:.0%})**; "
        f"{counts['survived']} survived, {counts['stale']} stale, {counts['error']} errors.",
        "",
        "Each mutant is one small edit of a template file; only the tests named beside it ran "
        "(`pytest -x -n 0`). See bench/mutate.py for the list and how to add one.",
        "",
    ]
    survivors = [o for o in outcomes if o.status == "survived"]
    if survivors:
        lines += ["## Survivors", ""]
        for o in survivors:
            why = o.harmless or "**unexplained: needs a test**"
            lines.append(f"- `{o.name}` ({o.file}): {why}")
        lines.append("")
    problems = [o for o in outcomes if o.status in ("stale", "error")]
    if problems or uncovered or baselines:
        lines += ["## Problems", ""]
        lines += [f"- {o.status} `{o.name}`: {o.detail}" for o in problems]
        lines += [f"- template file without a mutant: `{name}`" for name in uncovered]
        lines += [f"- selection fails without a mutant: `{sel}`: {why}" for sel, why in baselines.items()]
        lines.append("")
    lines += [
        "## All mutants",
        "",
        "| mutant | file | outcome | seconds | killed by / detail |",
        "|---|---|---|---|---|",
    ]
    for o in outcomes:
        detail = (o.detail or o.harmless).replace("|", "\\|")
        lines.append(f"| `{o.name}` | `{o.file}` | {o.status} | {o.seconds:.0f} | {detail} |")
    (BENCH_DIR / "mutation-results.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--list", action="store_true", help="list the mutants and exit")
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="NAME",
        help="run only this mutant (a name or a prefix; repeatable)",
    )
    parser.add_argument("-j", "--jobs", type=int, default=2, help="mutants run at once (default 2)")
    parser.add_argument("--no-baseline", action="store_true", help="skip running each selection once without a mutant")
    parser.add_argument("--keep", action="store_true", help="keep the throwaway clones (printed)")
    args = parser.parse_args()

    names = [mutant.name for mutant in MUTANTS]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        parser.error(f"duplicate mutant names: {duplicates}")
    covered = {mutant.file for mutant in MUTANTS}
    uncovered = [name for name in template_files() if name not in covered]
    if args.list:
        for mutant in MUTANTS:
            stale = stale_reason(mutant)
            print(f"{mutant.name:42} {mutant.file}{'  STALE: ' + stale if stale else ''}")
            print(f"{'':42} pytest {' '.join(mutant.tests)}")
        print(
            f"{len(MUTANTS)} mutants over {len(covered)} files; template files without a mutant: {uncovered or 'none'}"
        )
        return 0
    chosen = [mutant for mutant in MUTANTS if not args.only or any(mutant.name.startswith(o) for o in args.only)]
    if not chosen:
        parser.error(f"no mutant matches {args.only}")

    started = time.monotonic()
    failing_baselines: dict[str, str] = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        if not args.no_baseline:
            selections = sorted({mutant.tests for mutant in chosen if not stale_reason(mutant)})
            print(f"baseline: {len(selections)} selections without a mutant ...", flush=True)
            for tests, (ok, why) in zip(selections, pool.map(baseline, selections), strict=True):
                if not ok:
                    failing_baselines[" ".join(tests)] = why
                    print(f"  FAILS without a mutant: pytest {' '.join(tests)}: {why}", flush=True)
        futures = {pool.submit(run_mutant, mutant, args.keep): mutant for mutant in chosen}
        outcomes_by_name: dict[str, Outcome] = {}
        for future in concurrent.futures.as_completed(futures):
            outcome = future.result()
            if " ".join(outcome.tests) in failing_baselines and outcome.status == "killed":
                outcome.status = "error"
                outcome.detail = "its selection fails without the mutant too"
            outcomes_by_name[outcome.name] = outcome
            print(f"{outcome.status:9} {outcome.name:42} {outcome.seconds:6.0f}s  {outcome.detail}", flush=True)
    outcomes = [outcomes_by_name[mutant.name] for mutant in chosen]
    seconds = time.monotonic() - started

    results = BENCH_DIR / "mutation-results.json"
    if args.only and results.exists():
        # A partial run updates its mutants in the last full run's results.
        previous = json.loads(results.read_text(encoding="utf-8"))
        known = {o["name"]: Outcome(**o) for o in previous["mutants"]}
        known.update({o.name: o for o in outcomes})
        seconds += previous["seconds"]
        write_results(
            [known[n.name] for n in MUTANTS if n.name in known],
            uncovered,
            {**previous["failing_baselines"], **failing_baselines},
            seconds,
        )
    else:
        write_results(outcomes, uncovered, failing_baselines, seconds)
    killed = sum(o.status == "killed" for o in outcomes)
    judged = sum(o.status in ("killed", "survived") for o in outcomes)
    print(f"\nscore: {killed}/{judged} killed in {seconds / 60:.1f} minutes")
    unexplained = [o for o in outcomes if o.status == "survived" and not o.harmless]
    for o in outcomes:
        if o.status == "survived":
            print(f"  survivor {o.name}: {o.harmless or 'UNEXPLAINED'}")
        elif o.status in ("stale", "error"):
            print(f"  {o.status} {o.name}: {o.detail}")
    for name in uncovered:
        print(f"  template file without a mutant: {name}")
    print("written: bench/mutation-results.md, bench/mutation-results.json")
    bad = unexplained or uncovered or failing_baselines or any(o.status in ("stale", "error") for o in outcomes)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
