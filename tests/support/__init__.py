"""The one support layer of the suite: what the tests share, none of it a test.

- ``facts``: what copier.yml says (read the way copier reads it), never restated.
- ``answers``: every answer set the tests render, and the names copier derives from answers.
- ``commands``: running uv, git, copier and the generated project's tools, as CI would.
- ``rendering``: rendering the template (in-process or CLI) and reading a render.
- ``workflows``: reading, checking and running generated GitHub workflows.
- ``release_runs``: release.yml's jobs run from a git origin against a local index.
- ``distributions``: builds, wheels, sdists and fresh environments.
- ``index``: a real local package index (pypiserver).
- ``updates``: throwaway template repositories with releases, and `copier update`.
- ``hooks``: the generated git hooks, run by prek and pre-commit.

Fixtures live in tests/conftest.py; test modules import from here, never from each other.
"""
