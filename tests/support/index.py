"""A real package index on 127.0.0.1: pypiserver, for upload and install tests; and what
the tests' own small HTTP servers share."""

from __future__ import annotations

import contextlib
import http.server
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest


class LocalIndex:
    """A running pypiserver: ``url`` takes uploads, ``simple_url`` serves pip and uv."""

    def __init__(self, url: str, directory: Path) -> None:
        self.url = url  # http://127.0.0.1:PORT/ (the upload URL)
        self.simple_url = f"{url}simple/"  # the index pip and uv read
        self.directory = directory  # the packages it serves: copy files in, or upload


def _serving(process: subprocess.Popen[bytes], port: int, timeout: float = 30) -> bool:
    """Wait until pypiserver answers on ``port``; False if it died or never did."""
    deadline = time.monotonic() + timeout
    while process.poll() is None and time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1):
                return True
        except OSError:
            time.sleep(0.1)
    return False


@contextlib.contextmanager
def serve_index(directory: Path, log: Path) -> Iterator[LocalIndex]:
    """pypiserver serving ``directory`` on a free port of 127.0.0.1 while the block runs.

    It holds only what the test puts into ``directory``: no fallback to PyPI
    (pypiserver redirects unknown names there by default), so a package missing
    here is missing. Uploads need no password (any username/password works),
    and, as on PyPI, a file that is already there cannot be uploaded again.
    """
    server = str(Path(sys.executable).with_name("pypi-server"))
    options = ["--disable-fallback", "--authenticate", ".", "--passwords", ".", "--backend", "simple-dir"]
    for _attempt in range(3):  # another process may take the port between probe and bind
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        command = [server, "run", "--host", "127.0.0.1", "--port", str(port), *options, str(directory)]
        with log.open("w") as log_file:
            process = subprocess.Popen(command, stdout=log_file, stderr=subprocess.STDOUT)
        if _serving(process, port):
            break
        process.kill()
        process.wait()
    else:
        pytest.fail(f"pypiserver did not start:\n{log.read_text()}", pytrace=False)
    try:
        yield LocalIndex(f"http://127.0.0.1:{port}/", directory)
    finally:
        process.kill()  # it keeps nothing in memory: each upload is a file before it is answered
        process.wait()


class Quiet(http.server.BaseHTTPRequestHandler):
    """A request handler that logs nothing (pytest's output stays the test's)."""

    def log_message(self, *args: object) -> None:
        pass

    def send_body(self, body: bytes, content_type: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@contextlib.contextmanager
def serving(handler: type[http.server.BaseHTTPRequestHandler]) -> Iterator[str]:
    """``handler`` answering on a free port of 127.0.0.1 while the block runs: its URL (no slash)."""
    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}"
        finally:
            server.shutdown()


# Where `uv publish` uploads on GitHub: PyPI (uv's default) or TestPyPI.
REAL_UPLOAD_URLS = ("https://upload.pypi.org/legacy/", "https://test.pypi.org/legacy/")


def without_oidc(publish: list[str], index: LocalIndex) -> list[str]:
    """A workflow's `uv publish` command line with what OIDC provides on GitHub replaced.

    On GitHub the job's OIDC token is exchanged for a short-lived upload token
    of PyPI (or TestPyPI). Here there is no token to exchange, so exactly that
    is substituted: `--trusted-publishing always` becomes `never` plus a dummy
    `--username/--password` (the local index takes any), and the upload URL
    (PyPI's implicit one, or TestPyPI's `--publish-url`) is the local index's.
    Every other argument stays as the workflow wrote it (its `--check-url` is
    the workflow's env value, which a run points at the local index).
    """
    args = list(publish)
    position = args.index("--trusted-publishing")
    assert args[position + 1] == "always", args
    args[position + 1] = "never"
    if "--publish-url" in args:
        position = args.index("--publish-url") + 1
        assert args[position] in REAL_UPLOAD_URLS, f"an upload to {args[position]}, not PyPI or TestPyPI"
        args[position] = index.url
    else:
        args += ["--publish-url", index.url]
    return [*args, "--username", "rehearsal", "--password", "not-a-secret"]
