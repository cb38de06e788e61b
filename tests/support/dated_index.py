"""A package index on 127.0.0.1 that says when each file was uploaded, as PyPI does.

pypiserver (support.index) serves the HTML simple API, which has no upload times, and uv's
`exclude-newer` judges each file by its upload time. This one serves the JSON form of the
simple API (PEP 691) with PEP 700's ``upload-time`` per file: the files of a release can
each be dated, e.g. a wheel uploaded hours after the first one.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import re
import zipfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from support.index import Quiet, serving
from support.json_index import JSON_API


def wheel(name: str, version: str) -> bytes:
    """An installable wheel of an empty package: its metadata is all a lock reads."""
    module = name.replace("-", "_")
    buffer, info = io.BytesIO(), f"{module}-{version}.dist-info"
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(f"{module}/__init__.py", "")
        archive.writestr(f"{info}/METADATA", f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
        archive.writestr(
            f"{info}/WHEEL", "Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        )
        archive.writestr(f"{info}/RECORD", "")
    return buffer.getvalue()


def project_of(filename: str) -> str:
    """The normalised project name (PEP 503) a wheel's file name gives (PEP 427)."""
    return re.sub(r"[-_.]+", "-", filename.split("-")[0]).lower()


@contextmanager
def dated_index(files: Mapping[str, datetime.timedelta]) -> Iterator[str]:
    """Serve wheels, each (file name -> its age now) uploaded that long ago, under the project
    its file name gives; yields the simple index's URL."""
    now = datetime.datetime.now(datetime.UTC)
    served = {}
    for filename, age in files.items():
        version = filename.split("-")[1]
        served[filename] = (wheel(project_of(filename), version), (now - age).isoformat().replace("+00:00", "Z"))
    pages = {}
    for name in {project_of(filename) for filename in files}:
        own = [filename for filename in served if project_of(filename) == name]
        listed = [
            {"filename": filename, "url": f"/files/{filename}", "upload-time": served[filename][1]}
            | {"hashes": {"sha256": hashlib.sha256(served[filename][0]).hexdigest()}}
            for filename in own
        ]
        versions = sorted({filename.split("-")[1] for filename in own})
        meta = {"meta": {"api-version": "1.1"}, "name": name, "versions": versions, "files": listed}
        pages[f"/simple/{name}"] = json.dumps(meta).encode()

    class Handler(Quiet):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            filename = self.path.removeprefix("/files/")
            if self.path.rstrip("/") in pages:
                body, content_type = pages[self.path.rstrip("/")], JSON_API
            elif filename in served:
                body, content_type = served[filename][0], "application/octet-stream"
            else:
                self.send_error(404)
                return
            self.send_body(body, content_type)

        def do_HEAD(self) -> None:  # noqa: N802 (http.server's name)
            self.send_error(405)  # no range requests: uv then downloads the whole wheel

    with serving(Handler) as url:
        yield f"{url}/simple"
