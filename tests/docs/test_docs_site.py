"""The documentation site (the ``docs`` answer): its strict build, its text, its publishing, its absence.

The build is the rendered ci.yml's own docs step, run like the runner runs it on the
Python that job names (python_min; versions without a local interpreter are skipped,
visibly): each kind's site builds on both ends of the Python range and documents the
example, hostile answers show literally, and a broken reference fails the build. A
release publishes the site to GitHub Pages after PyPI, only when there are docs and the
package is public. Expectations come from copier.yml and the rendered tree.
"""

from __future__ import annotations

import ast
import datetime
import html
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from support.answers import REQUIRED_ANSWERS, answers_id, data_args, workflow_answer_sets
from support.commands import copier_cli, run
from support.docs import DOCS_FILES, DOCS_HTML, build_docs, docs_job, page_text, text_of
from support.facts import KINDS, TEMPLATE_DIR, copier_config, known_python_versions
from support.hooks import oldest_python
from support.rendering import Render, project_files, read_answers, read_pyproject
from support.workflows import load_workflow, step_named, steps_using

CONFIG = copier_config()
ACTION_PINS = CONFIG["actions"]["default"]
NEWEST = known_python_versions()[-1]


def assert_documents_the_example(project: Path) -> None:
    """The API page of the built site shows the example function of core.py, with its docstring."""
    package = read_answers(project)["package_name"]
    module = ast.parse((project / "src" / package / "core.py").read_text(encoding="utf-8"))
    (function,) = [node for node in module.body if isinstance(node, ast.FunctionDef)]
    docstring = ast.get_docstring(function)
    assert docstring
    api = project / DOCS_HTML / "api.html"
    # A Python object entry of the domain (not reST source shown as text).
    assert f'<dt class="sig sig-object py" id="{package}.{function.name}">' in api.read_text(encoding="utf-8")
    text = page_text(api)
    assert ".. py:" not in text
    assert ".. automodule" not in text
    # The docstring's first line as written ("``name``" is reST markup for a literal: shown as "name").
    assert docstring.splitlines()[0].replace("``", "") in text


def title_of(page: str) -> str:
    """The text of a page's <title> (the one in <head>: icons have their own)."""
    (title,) = re.findall(r"<title>(.*?)</title>", page.split("</head>")[0], re.DOTALL)
    return html.unescape(title)


def conf_values(project: Path) -> dict[str, Any]:
    """The string constants docs/conf.py assigns, read as Python reads them."""
    module = ast.parse((project / "docs" / "conf.py").read_text(encoding="utf-8"))
    return {
        node.targets[0].id: node.value.value
        for node in module.body
        if isinstance(node, ast.Assign)
        and isinstance(node.targets[0], ast.Name)
        and isinstance(node.value, ast.Constant)
    }


# --- the strict build --------------------------------------------------------------------------------


# Quotes, backslashes, Jinja and GitHub expressions, HTML and non-ASCII, all at once.
HOSTILE_NAME = 'Zoë\'s "Widgets" \\ {{ 7*7 }} ${{ github.token }} <b>&amp;</b>'
HOSTILE_DESCRIPTION = 'Says "hi" \\n {% raw %} ${{ secrets.PYPI }} -- ünïcode 😀'
HOSTILE_AUTHOR = "O'Brien \\ {{ x }} Ünal"
HOSTILE_ANSWERS = {
    "project_name": HOSTILE_NAME,
    "description": HOSTILE_DESCRIPTION,
    "author_name": HOSTILE_AUTHOR,
    "distribution_name": "hostile-docs",
}


@pytest.mark.slow
@pytest.mark.parametrize("end", ["oldest", "newest"])
@pytest.mark.parametrize("kind", KINDS)
def test_strict_build_passes_and_documents_the_example(render_fresh: Render, kind: str, end: str) -> None:
    """Each kind's site builds on both ends of the Python range; on the oldest, with hostile
    answers, which show literally in conf.py and on the site (one build proves both)."""
    python_min = oldest_python(kind) if end == "oldest" else NEWEST  # the oldest the kind takes
    hostile = HOSTILE_ANSWERS if end == "oldest" else {}
    project = render_fresh(project_kind=kind, python_min=python_min, **hostile)
    (setup_uv,) = steps_using(docs_job(project), "astral-sh/setup-uv")
    assert setup_uv["with"]["python-version"] == python_min  # the Python the test builds with
    build_docs(project)
    assert_documents_the_example(project)
    for page in ("index", "api", "development", "changelog"):
        assert (project / DOCS_HTML / f"{page}.html").is_file(), page
    # The home page is the README: each of its section headings is there.
    readme = (project / "README.md").read_text(encoding="utf-8")
    headings = re.findall(r"^## (.+)$", readme, flags=re.MULTILINE)
    home = html.unescape((project / DOCS_HTML / "index.html").read_text(encoding="utf-8"))
    assert headings
    assert [h for h in headings if h not in home] == []
    if hostile:
        assert_hostile_answers_show_literally(project)


def assert_hostile_answers_show_literally(project: Path) -> None:
    """HOSTILE_ANSWERS in the built site (and conf.py's copyright): text, never markup or code.
    (conf.py's project and author: test_conf_py_carries_any_text_exactly_and_is_lint_and_format_clean.)"""
    answers = read_answers(project)
    assert conf_values(project)["copyright"] == f"{answers['copyright_year']}, {HOSTILE_AUTHOR}"
    index = (project / DOCS_HTML / "index.html").read_text(encoding="utf-8")
    version = read_pyproject(project)["project"]["version"]
    # The site's title (the home page's <title>), another page's, the README's heading: literally.
    assert title_of(index) == f"{HOSTILE_NAME} {version}"
    api = (project / DOCS_HTML / "api.html").read_text(encoding="utf-8")
    assert title_of(api) == f"API reference - {HOSTILE_NAME} {version}"
    (heading,) = re.findall(r"<h1>(.*?)</h1>", index, re.DOTALL)
    assert text_of(heading).removesuffix("¶").strip() == HOSTILE_NAME
    (brand,) = re.findall(r'<span class="sidebar-brand-text">(.*?)</span>', index, re.DOTALL)
    assert html.unescape(brand) == f"{HOSTILE_NAME} {version}"  # text, not markup
    assert "<b>&amp;</b>" not in index  # the name's tags never became HTML
    text = page_text(project / DOCS_HTML / "index.html")
    assert HOSTILE_DESCRIPTION in text
    footer = text_of(index[index.index("<footer") :])
    assert f"Copyright © {answers['copyright_year']}, {HOSTILE_AUTHOR}" in footer


@pytest.mark.slow
def test_readme_file_links_go_to_github_and_a_broken_reference_fails_the_build(render_fresh: Render) -> None:
    """The README, shown as the home page, may link files of the repository by path (up to 1.4.1
    it linked LICENSE so, and an updated project keeps its README): on the site they lead to GitHub. Then -W makes each warning an error and
    --keep-going reports all of them: a reference to a missing function (nitpicky), a link to a
    missing page, a missing label. A link to a heading works as on GitHub."""
    # The newest Sphinx (9.2) needs Python 3.13: this build runs it.
    project = render_fresh(github_owner="acme-org", repository_name="gadgets", python_min="3.13")
    readme = project / "README.md"
    readme.write_text(
        readme.read_text(encoding="utf-8")
        + "\nSee [the changes](CHANGELOG.md), [the license](LICENSE) and [the API](docs/api.md).\n"
        # GitHub's anchor keeps the underscore, which docutils' own id of the heading would not.
        + "\n### Where `package_name` is set\n\nAs [there](#where-package_name-is-set).\n",
        encoding="utf-8",
    )
    build_docs(project)
    index = (project / DOCS_HTML / "index.html").read_text(encoding="utf-8")
    for name in ("LICENSE", "CHANGELOG.md"):
        assert f'href="https://github.com/acme-org/gadgets/blob/main/{name}"' in index, name
    assert 'href="api.html"' in index  # a docs page stays a page of the site
    # Each link within the page lands on an element of it: a ### heading's anchor as GitHub makes it.
    assert set(re.findall(r'href="#([^"]+)"', index)) - set(re.findall(r'id="([^"]+)"', index)) == set()
    assert "As <a" in index

    package = read_answers(project)["package_name"]
    api = project / "docs" / "api.md"
    planted = {
        f"{package}.no_such_function": f"{{py:func}}`{package}.no_such_function`",
        "no-such-page.md": "[a guide](no-such-page.md)",
        "no-such-label": "{ref}`no-such-label`",
    }
    api.write_text(api.read_text(encoding="utf-8") + "\n" + "\n\n".join(planted.values()) + "\n", encoding="utf-8")

    failed = build_docs(project, check=False)

    assert failed.returncode != 0
    output = failed.stdout + failed.stderr
    for target in planted:
        assert target in output, target
    assert "warnings treated as errors" in output


# --- conf.py with any text: valid Python, as ruff formats it -----------------------------------------

RUFF_VERSION = CONFIG["tool_versions"]["default"]["ruff"]
# (project_name, author_name): each quote count decides the literal's quotes; backslashes, emoji.
CONF_TEXTS = [
    (HOSTILE_NAME, HOSTILE_AUTHOR),
    ('only "double"', "both ' and \" \\"),
    ('\'\'""" ünïcode 😀', "trailing backslash \\"),
]


def test_conf_py_carries_any_text_exactly_and_is_lint_and_format_clean(render_shared: Render, tmp_path: Path) -> None:
    """Each text becomes a string literal the generated project's ruff (check and format) accepts."""
    confs = []
    for name, author in CONF_TEXTS:
        project = render_shared(project_name=name, author_name=author, distribution_name="any-text")
        assert {key: conf_values(project)[key] for key in ("project", "author")} == {"project": name, "author": author}
        confs.append(project / "docs" / "conf.py")
    ruff = ["uv", "tool", "run", "--from", f"ruff>={RUFF_VERSION}", "ruff"]
    run([*ruff, "check", "--no-cache", *confs], TEMPLATE_DIR)
    run([*ruff, "format", "--check", "--no-cache", *confs], TEMPLATE_DIR)
    # The format check can fail: an escaped quote where ruff would switch quotes.
    planted = tmp_path / "project"
    planted.mkdir()
    shutil.copy(confs[0].parents[1] / "pyproject.toml", planted)  # the project's ruff settings
    (planted / "conf.py").write_text('project = "only \\"double\\""\n', encoding="utf-8")
    assert run([*ruff, "format", "--check", "--no-cache", planted / "conf.py"], planted, check=False).returncode == 1


# --- docs=false --------------------------------------------------------------------------------------


@pytest.mark.parametrize("license", ["MIT", "Proprietary"])
def test_without_docs_there_are_no_docs_files_jobs_or_group(render_shared: Render, license: str) -> None:
    project = render_shared(docs=False, license=license)
    with_docs = render_shared(license=license)
    assert read_answers(project)["docs"] is False
    assert project_files(with_docs) - project_files(project) == DOCS_FILES
    assert not (project / "docs").exists()
    pyproject = read_pyproject(project)
    assert set(pyproject["dependency-groups"]) == {"dev"}
    assert "Documentation" not in pyproject["project"]["urls"]
    assert set(load_workflow(project, "ci.yml")["jobs"]) == set(load_workflow(with_docs, "ci.yml")["jobs"]) - {"docs"}
    for name in (".github/workflows/ci.yml", ".github/workflows/release.yml", "README.md"):
        for absent in ("sphinx", "github.io", "pages", "--group docs"):
            assert absent not in (project / name).read_text(encoding="utf-8").lower(), (name, absent)
    # The rest of each workflow is the same as with docs.
    assert load_workflow(project, "ci.yml")["jobs"]["test"] == load_workflow(with_docs, "ci.yml")["jobs"]["test"]
    assert load_workflow(project, "release.yml")["jobs"] == {
        job_id: job
        for job_id, job in load_workflow(with_docs, "release.yml")["jobs"].items()
        if job_id not in ("build-docs", "pages")
    }


# --- the jobs ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("answers", workflow_answer_sets(), ids=answers_id)
def test_release_publishes_the_site_after_pypi_only_with_docs_and_publishing(
    render_shared: Render, answers: dict[str, Any]
) -> None:
    project = render_shared(**answers)
    jobs = load_workflow(project, "release.yml")["jobs"]
    recorded = read_answers(project)
    docs, publishes = recorded["docs"], recorded["license"] != "Proprietary"
    # CI builds the docs whenever there are docs, private or not ...
    assert ("docs" in load_workflow(project, "ci.yml")["jobs"]) == docs
    # ... a release publishes them only when the package is public.
    assert {"build-docs", "pages"} & set(jobs) == ({"build-docs", "pages"} if docs and publishes else set())
    if not (docs and publishes):
        return
    pages, build_docs_job = jobs["pages"], jobs["build-docs"]
    assert set(pages["needs"]) == {"build-docs", "publish-pypi"}
    # The latest final release's site only, as build-docs decides (a pre-release or an older
    # version's fix: both skipped, tests/release/test_release_run.py).
    assert "if" not in pages
    assert pages["permissions"] == {"pages": "write", "id-token": "write"}
    assert pages["environment"] == {"name": "github-pages", "url": "${{ steps.deployment.outputs.page_url }}"}
    assert [step.get("uses") for step in pages["steps"]] == [ACTION_PINS["deploy_pages"].split(" #")[0]]
    assert pages["steps"][0]["id"] == "deployment"
    assert pages["concurrency"] == {"group": "pages", "cancel-in-progress": False}
    # The HTML comes from a read-only job: the tagged commit, built as ci.yml builds it (no
    # cache: test_workflow_rules.py holds every setup-uv of a publishing workflow to that).
    assert build_docs_job["needs"] == ["test", "preflight"]
    assert build_docs_job["if"] == "github.event_name == 'push' && needs.preflight.outputs.latest == 'true'"
    assert build_docs_job["permissions"] == {"contents": "read"}
    assert "environment" not in build_docs_job
    ci_step = step_named(docs_job(project), "documentation")
    release_step = step_named(build_docs_job, "documentation")
    assert (release_step["run"], release_step["env"]) == (ci_step["run"], ci_step["env"])  # a stale uv.lock refused too
    (upload,) = steps_using(build_docs_job, "actions/upload-pages-artifact")
    assert upload["with"]["path"].rstrip("/") == DOCS_HTML
    assert f"-b html -d docs/_build/doctrees docs {DOCS_HTML}" in ci_step["run"]  # doctrees not published


def test_ci_docs_job_builds_with_the_docs_group_alone_on_one_python_with_read_only_rights(
    render_shared: Render,
) -> None:
    """-W and --keep-going: proven by the broken-reference build; python_min: by the strict builds."""
    job = docs_job(render_shared())
    assert "strategy" not in job
    assert job["permissions"] == {"contents": "read"}
    step = step_named(job, "documentation")
    assert step["run"].startswith("uv run --no-default-groups --group docs sphinx-build ")
    assert step["env"] == {"UV_LOCKED": "${{ hashFiles('uv.lock') != '' }}"}  # locked once uv.lock is committed


# --- what the user reads -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("owner", "repository", "url"),
    [
        ("acme", None, "https://acme.github.io/acme-widgets/"),
        ("Acme-Org", "Widgets.py", "https://acme-org.github.io/Widgets.py/"),
        ("Acme-Org", "acme-org.github.io", "https://acme-org.github.io/"),
        ("Acme-Org", "Acme-Org.github.io", "https://acme-org.github.io/"),  # repository names ignore case
    ],
)
def test_documentation_url_is_the_pages_site(
    render_shared: Render, owner: str, repository: str | None, url: str
) -> None:
    answers = {"github_owner": owner} | ({"repository_name": repository} if repository else {})
    project = render_shared(**answers)
    assert read_pyproject(project)["project"]["urls"]["Documentation"] == url
    readme = (project / "README.md").read_text(encoding="utf-8")
    assert f"[![Documentation](https://img.shields.io/badge/docs-GitHub%20Pages-blue)]({url})" in readme
    assert f"<{url}>" in readme  # in "Releasing"
    assert "*Source: GitHub Actions*" in readme
    assert url in (project / "docs" / "development.md").read_text(encoding="utf-8")


def test_private_package_builds_its_docs_but_never_publishes_them(render_shared: Render) -> None:
    """Nor does its conf.py claim a copyright for the site."""
    project = render_shared(license="Proprietary")
    assert "copyright" not in conf_values(project)
    assert "Documentation" not in read_pyproject(project)["project"]["urls"]
    for name in ("README.md", "docs/development.md", ".github/workflows/release.yml"):
        assert "github.io" not in (project / name).read_text(encoding="utf-8"), name
    assert "never published" in (project / "docs" / "development.md").read_text(encoding="utf-8")
    assert "never published" in " ".join((project / "README.md").read_text(encoding="utf-8").split())


def test_after_copy_message_says_how_to_switch_pages_on(template_tree: Path, tmp_path: Path) -> None:
    done = copier_cli("copy", "--defaults", *data_args(REQUIRED_ANSWERS), template_tree, tmp_path / "out", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    message = " ".join((done.stderr + done.stdout).split())
    assert "https://acme.github.io/acme-widgets/" in message
    assert 'Settings > Pages > Build and deployment > Source: "GitHub Actions"' in message
    # GitHub's github-pages environment admits the default branch only: the release deploys from its tag.
    assert "Settings > Environments > github-pages: add the tag rule v*" in message
    assert "uv run --no-project .github/scripts/github_setup.py" in message
    workflow = load_workflow(tmp_path / "out", "ci.yml")["jobs"]["docs"]
    assert step_named(workflow, "documentation")["run"] in message  # the build command


def test_copyright_year_in_conf_py_defaults_to_this_year(render_shared: Render) -> None:
    """(An answered year and author: test_answer_places.py's docs/conf.py row.)"""
    assert conf_values(render_shared())["copyright"] == str(datetime.date.today().year)
