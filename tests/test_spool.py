"""An upload cut off by kill -9 does not stay for ever (issue 14, 17): the next API
process to start removes the folders of processes that are gone, and only those."""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import RoleKeys, bearer
from tests.processes import SERVED, api_process

pytestmark = pytest.mark.slow


def _folders(root: Path) -> list[Path]:
    return sorted(root.iterdir()) if root.is_dir() else []


def test_a_killed_import_leaves_nothing_once_a_process_starts_again(
    database_url: str, role_keys: RoleKeys, tmp_path: Path
) -> None:
    spool = tmp_path / "spool"
    env = {"BLUEWATCH_SPOOL_DIR": str(spool)}
    release = threading.Event()

    def slow_upload() -> Iterator[bytes]:
        yield b'{"type": "FeatureCollection", "features": ['
        release.wait(timeout=60)  # the server is killed meanwhile

    with api_process(database_url, env) as base:
        pid = SERVED[base]

        def send() -> None:
            # The server dies under the request, as intended.
            with contextlib.suppress(httpx.TransportError):
                httpx.post(
                    f"{base}/api/v1/import/incidents",
                    content=slow_upload(),
                    headers=bearer(role_keys.analyst) | {"Content-Type": "application/geo+json"},
                    timeout=60,
                )

        sender = threading.Thread(target=send, daemon=True)
        sender.start()
        # The folder is made before the file in it: wait for both (bounded).
        for _ in range(400):
            if any(any(folder.iterdir()) for folder in _folders(spool)):
                break
            time.sleep(0.05)
        [left] = _folders(spool)
        assert left.name.startswith(f"{pid}-import-")
        assert any(left.iterdir()), "the upload is being written"
        os.kill(pid, signal.SIGKILL)
        release.set()
        sender.join(timeout=30)
    assert _folders(spool) == [left], "kill -9 left the upload behind"

    alive = spool / f"{os.getpid()}-export-kept"
    alive.mkdir()
    with api_process(database_url, env):
        assert _folders(spool) == [alive], "a running process's folder is not touched"
