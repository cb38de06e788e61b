"""A real package index on 127.0.0.1: pypiserver, for upload and install tests."""

from __future__ import annotations

import socket
import subprocess
import time
import urllib.request
from pathlib import Path


class LocalIndex:
    """A running pypiserver: ``url`` takes uploads, ``simple_url`` serves pip and uv."""

    def __init__(self, url: str, directory: Path) -> None:
        self.url = url  # http://127.0.0.1:PORT/ (the upload URL)
        self.simple_url = f"{url}simple/"  # the index pip and uv read
        self.directory = directory  # the packages it serves: copy files in, or upload


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


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
