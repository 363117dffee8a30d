"""``bluewatch serve`` in its own process, as deployed; shared by tests and benchmarks."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

# The process id behind each base URL api_process serves, for tests that measure it.
SERVED: dict[str, int] = {}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_until_ready(url: str, process: subprocess.Popen[bytes], seconds: float) -> None:
    """Poll ``url`` until it answers 200; fail if the process dies or time runs out."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            if httpx.get(url, timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline or process.poll() is not None:
            raise RuntimeError(f"{url} did not come up")
        time.sleep(0.2)


@contextmanager
def running(
    command: list[str], ready_url: str, seconds: float, env: dict[str, str] | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    """``command`` in its own process, yielded once ``ready_url`` answers 200, and stopped
    when the block ends."""
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        wait_until_ready(ready_url, process, seconds)
        yield process
    finally:
        process.terminate()
        process.wait(timeout=30)


def status_kb(pid: int, field: str) -> int:
    """A ``/proc/<pid>/status`` figure in kB: VmRSS now, VmHWM the peak since the last reset
    (write "5" to ``/proc/<pid>/clear_refs`` to reset it)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/{pid}/status")


@contextmanager
def api_process(
    database_url: str, settings_env: dict[str, str], log: Path | None = None
) -> Iterator[str]:
    """Serve on a free port with only these ``BLUEWATCH_*`` settings; yields the base URL
    once ``/readyz`` answers, and stops the process afterwards (open streams included).
    The process's log goes to `log` (appended), or nowhere."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("BLUEWATCH_")}
    env |= settings_env | {"BLUEWATCH_DATABASE_URL": database_url}
    with (log or Path(os.devnull)).open("ab") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "bluewatch", "serve", "--no-seed", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=output,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(f"{base}/readyz", process, 60)
        SERVED[base] = process.pid
        yield base
    finally:
        SERVED.pop(base, None)
        process.terminate()
        assert process.wait(timeout=30) is not None
