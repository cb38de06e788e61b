"""The rule that finds the commands of a printed message (support.printed), which
test_release_run.py types: it takes every command a message can print, wherever it is printed,
and no prose, so that a command added to the message is typed there (or named as not run).
The message below holds each kind of line the message after copy prints or has printed."""

from __future__ import annotations

from support.printed import message_commands, user_path

MESSAGE = """\
\x1b[32m\x1b[1m    create\x1b[39m\x1b[0m  src/acme_widgets/core.py
Your package "acme-widgets" is ready in my-project.

Next steps:
  cd my-project
  uv sync && uv run pytest
  git init -b main && uv run prek install   # git hooks: CI's checks (or: uvx pre-commit install)

Then set up GitHub from these answers, once (your gh login; --dry-run shows the calls first):
  uv run --no-project .github/scripts/github_setup.py   # --reviewer LOGIN: README.md
Without it, by hand, on GitHub's Settings pages (README.md, "One-time setup: GitHub settings"):
  Pages > Build and deployment > Source: "GitHub Actions"; then Environments > github-pages:
  add the tag rule v* (else each release's pages job fails: Tag "v1.2.3" is not allowed to
  deploy to github-pages due to environment protection rules)

Switch on trusted publishing (no API token needed), once:
  1. Shortly before the first release (unused, a pending publisher expires after 30 days),
     on https://pypi.org/manage/account/publishing/ add a pending publisher:
       PyPI Project Name: acme-widgets
       Owner:             acme
  2. Rehearse on TestPyPI: add the same publisher on
     then run the "Release" workflow by hand (Actions > Release > Run workflow).
     an extra index (your dependencies live on PyPI):
       python -m pip install "acme-widgets==<version>" --extra-index-url https://test.pypi.org/simple/

The package is private (license Proprietary): it is never uploaded to PyPI. A tag v<version>
runs the tests, checks the tag and builds the wheel and sdist, kept as a workflow artifact.

Documentation: docs/ (Markdown pages, the API reference from your docstrings). Build it with
  uv run --no-default-groups --group docs sphinx-build -W -b html docs docs/_build/html
Each release publishes it to https://acme.github.io/acme-widgets/. Switch GitHub Pages to GitHub Actions, once:
  Settings > Pages > Build and deployment > Source: "GitHub Actions".

First release: git tag v0.1.0 && git push origin v0.1.0 (the version as generated, no bump).
Later releases: uv version --bump patch, commit, git tag v<version>, git push origin main v<version>.
README.md has the details.
Later releases: README.md, "Making a release" (bump, date the CHANGELOG notes, commit, tag, push).
"""


def test_every_command_is_found_in_order_and_no_prose() -> None:
    found = message_commands(MESSAGE, user_path())
    assert [printed.command for printed in found] == [
        "cd my-project",
        "uv sync && uv run pytest",
        "git init -b main && uv run prek install   # git hooks: CI's checks (or: uvx pre-commit install)",
        "uv run --no-project .github/scripts/github_setup.py   # --reviewer LOGIN: README.md",
        'python -m pip install "acme-widgets==<version>" --extra-index-url https://test.pypi.org/simple/',
        "uv run --no-default-groups --group docs sphinx-build -W -b html docs docs/_build/html",
        "git tag v0.1.0 && git push origin v0.1.0",
        "uv version --bump patch, commit, git tag v<version>, git push origin main v<version>",
    ]
    assert found[2].bare == "git init -b main && uv run prek install"  # how NOT_RUN names one
    lines = MESSAGE.splitlines()
    assert [printed.command in lines[printed.line - 1] for printed in found] == [True] * len(found)


def test_every_line_of_the_next_steps_block_is_a_command_even_one_that_reads_as_prose() -> None:
    """A line there that is not a command fails when typed, rather than being passed over."""
    message = MESSAGE.replace("  cd my-project\n", "  cd my-project\n  then push it somewhere\n")
    assert "then push it somewhere" in [printed.command for printed in message_commands(message, user_path())]
