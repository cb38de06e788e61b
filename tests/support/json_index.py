"""The local index as PyPI serves it: the JSON simple API (PEP 691) for a client that asks.

pypiserver 2.4 answers every page in HTML, whatever the client asks for (PEP 503's
form, frozen by PEP 833); PyPI and TestPyPI answer JSON to a client that asks for it
(``Accept: application/vnd.pypi.simple.v1+json``) and HTML to one that does not.
``json_api`` puts that negotiation in front of a running pypiserver: a project page
asked for JSON is built from the files the index serves (name, URL, SHA-256, as
pypiserver's own page lists them); anything else is redirected to pypiserver.
Uploads still go to pypiserver itself (``LocalIndex.url``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from packaging.utils import canonicalize_name, parse_sdist_filename, parse_wheel_filename

from support.index import LocalIndex, Quiet, serving

JSON_API = "application/vnd.pypi.simple.v1+json"


def project_of(path: Path) -> str | None:
    """The canonical project name of a distribution file, or None for any other file."""
    try:
        name = parse_wheel_filename(path.name)[0] if path.suffix == ".whl" else parse_sdist_filename(path.name)[0]
    except ValueError:
        return None
    return str(name)


@contextmanager
def json_api(index: LocalIndex) -> Iterator[LocalIndex]:
    """``index`` with a ``simple_url`` that negotiates JSON as PyPI does."""

    class Negotiating(Quiet):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            parts = self.path.strip("/").split("/")
            if JSON_API not in self.headers.get("Accept", "") or len(parts) != 2 or parts[0] != "simple":
                self.send_response(302)
                self.send_header("Location", f"{index.url.rstrip('/')}{self.path}")
                self.end_headers()
                return
            project = str(canonicalize_name(parts[1]))
            files = [
                {
                    "filename": path.name,
                    "url": f"{index.url}packages/{path.name}",
                    "hashes": {"sha256": hashlib.sha256(path.read_bytes()).hexdigest()},
                    # PEP 592: a file yanked (named beside it with .yanked added), with its reason
                    "yanked": yanked.read_text("utf-8")
                    if (yanked := path.with_name(f"{path.name}.yanked")).exists()
                    else False,
                }
                for path in sorted(index.directory.iterdir())
                if project_of(path) == project
            ]
            if not files:
                self.send_error(404, "Not Found")
                return
            body = json.dumps({"meta": {"api-version": "1.0"}, "name": project, "files": files}).encode()
            self.send_body(body, JSON_API)

    with serving(Negotiating) as url:
        front = LocalIndex(index.url, index.directory)
        front.simple_url = f"{url}/simple/"
        yield front
