"""The one support layer of the suite: what the tests share, none of it a test.

- ``facts``: what copier.yml says (read the way copier reads it), never restated.
- ``answers``: every answer set the tests render, and the names copier derives from answers.
- ``commands``: running uv, git, copier and the generated project's tools, as CI would.
- ``rendering``: rendering the template (in-process or CLI) and reading a render.
- ``workflows``: reading generated GitHub workflows (matrices expanded), and the rules they must follow.
- ``runner``: running workflows as GitHub does: their jobs as a graph from a git origin, or
  one job (some of its steps) in a working copy; the one runner of the suite.
- ``expressions``: the one evaluator of GitHub's expressions (every ``if:`` and ``${{ }}``).
- ``docs``: the generated documentation site, built as CI builds it.
- ``distributions``: builds, wheels, sdists and fresh environments.
- ``index``: a real local package index (pypiserver), and `uv publish` pointed at it;
  ``json_index``: that index as PyPI serves it to a client that asks for JSON (PEP 691);
  ``dated_index``: an index that dates each file's upload (PEP 700), for uv's cooldown.
- ``updates``: throwaway template repositories with releases, and `copier update`.
- ``github_issues``, ``github_api``, ``github_releases``: recording fakes of `gh issue`, `gh api` and
  `gh release` (what they share: ``recording_gh``), each holding GitHub's side across calls.
- ``hooks``: the generated git hooks, run by prek and pre-commit.
- ``printed``: the commands a generated project prints for its user, found by a rule and typed.

Fixtures live in tests/conftest.py; test modules import from here, never from each other.
"""
