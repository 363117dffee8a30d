"""Past one process: two ``bluewatch serve`` processes and a ``bluewatch worker`` on one
database, behind Debian's nginx running the checked-in ``deploy/nginx.conf``.

The browser's stream goes through nginx to one process while alerts are raised through
the other; that process is killed with SIGKILL and the stream resumes, through nginx,
with Last-Event-ID. Every alert event arrives once, in order; every webhook delivery
arrives once; the sign-in throttle holds across processes.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
import pytest

from bluewatch.events.client import SSEListener
from bluewatch.security.passwords import hash_password
from tests.conftest import RoleKeys, bearer, reset_tables
from tests.factories import GEOJSON, GOMA, camp, incident, square
from tests.processes import free_port, running, wait_until_ready
from tests.receiver import Receiver

ROOT = Path(__file__).resolve().parents[1]
STREAM = "/api/v1/alerts/stream"
SETTINGS = {
    "BLUEWATCH_SSE_HEARTBEAT_SECONDS": "1",
    "BLUEWATCH_EVENT_POLL_SECONDS": "0.2",
    # Deliveries come from the worker alone here: killing an API process must not be
    # able to cut one off mid-flight (docs/scaling.md: at-least-once in general).
    "BLUEWATCH_WEBHOOK_WORKERS_IN_API": "0",
    "BLUEWATCH_WEBHOOK_ALLOW_CIDRS": "127.0.0.0/8",
    "BLUEWATCH_WEBHOOK_RETRY_SCHEDULE": "0,0.5,0.5,0.5,0.5,0.5",
    "BLUEWATCH_RATE_LIMIT_PER_MINUTE": "100000",
    "BLUEWATCH_RATE_LIMIT_BURST": "10000",
}


@dataclass
class Process:
    base: str
    process: subprocess.Popen[bytes]


def _environment(database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BLUEWATCH_")}
    return env | SETTINGS | {"BLUEWATCH_DATABASE_URL": database_url}


@pytest.fixture
def cleared(database_url: str, default_rules: list[tuple[object, ...]]) -> None:
    with psycopg.connect(database_url, autocommit=True) as connection:
        reset_tables(connection, default_rules)


@pytest.fixture
def apis(database_url: str, cleared: None) -> Iterator[list[Process]]:
    started = []
    for _ in range(2):
        port = free_port()
        process = subprocess.Popen(
            [sys.executable, "-m", "bluewatch", "serve", "--no-seed", "--port", str(port)],
            env=_environment(database_url), stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        started.append(Process(f"http://127.0.0.1:{port}", process))
    try:
        for api in started:
            wait_until_ready(f"{api.base}/readyz", api.process, 60)
        yield started
    finally:
        for api in started:
            if api.process.poll() is None:
                api.process.terminate()
            api.process.wait(timeout=30)


def nginx_config(template: str, upstreams: list[str], port: int, home: Path) -> str:
    """deploy/nginx.conf with these upstreams, this port and paths under ``home``."""
    servers = "".join(f"    server {u} max_fails=1 fail_timeout=5s;\n" for u in upstreams)
    config = re.sub(
        r"(    # BEGIN upstreams\n).*?(    # END upstreams\n)",
        lambda m: m[1] + servers + m[2], template, flags=re.S,
    )  # fmt: skip
    assert servers in config and "listen 8080;" in config
    config = config.replace("listen 8080;", f"listen 127.0.0.1:{port};")
    # Its files under ``home``, not Debian's paths; as root, nginx's workers would
    # switch to "nobody", who cannot write there.
    own = "".join(f"  {kind}_temp_path {home}/{kind};\n"
                  for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))  # fmt: skip
    config = config.replace("http {\n", "http {\n" + own, 1)
    return f"pid {home}/nginx.pid;\n" + ("user root;\n" if os.geteuid() == 0 else "") + config


@pytest.fixture
def nginx(apis: list[Process], tmp_path: Path) -> Iterator[str]:
    nginx = "/usr/sbin/nginx"
    if not Path(nginx).exists():
        pytest.fail("nginx is missing: scripts/bootstrap --browser installs it")
    port = free_port()
    template = (ROOT / "deploy" / "nginx.conf").read_text()
    upstreams = [api.base.removeprefix("http://") for api in apis]
    config = tmp_path / "nginx.conf"
    config.write_text(nginx_config(template, upstreams, port, tmp_path))
    checked = subprocess.run([nginx, "-t", "-c", str(config), "-p", str(tmp_path)],
                             capture_output=True, text=True, check=False)  # fmt: skip
    assert checked.returncode == 0, checked.stderr
    base = f"http://127.0.0.1:{port}"
    command = [nginx, "-c", str(config), "-p", str(tmp_path), "-g", "daemon off;"]
    with running(command, f"{base}/healthz", 30):
        yield base


@pytest.fixture
def worker(database_url: str, apis: list[Process]) -> Iterator[subprocess.Popen[bytes]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "bluewatch", "worker", "--workers", "2"],
        env=_environment(database_url), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    yield process
    process.kill()
    process.wait(timeout=10)


def streams_on(api: Process, key: str) -> int:
    text = httpx.get(f"{api.base}/metrics", headers=bearer(key), timeout=5).text
    found = re.search(r"^bluewatch_sse_clients (\S+)$", text, re.M)
    return 0 if found is None else int(float(found[1]))


def alert_events(database_url: str) -> list[int]:
    with psycopg.connect(database_url) as connection:
        rows = connection.execute(
            "SELECT id FROM event WHERE type LIKE 'alert.%' ORDER BY id"
        ).fetchall()
    return [int(row[0]) for row in rows]


def test_a_stream_through_nginx_survives_the_kill_of_its_process_and_misses_nothing(
    apis: list[Process], nginx: str, worker: subprocess.Popen[bytes], role_keys: RoleKeys,
    database_url: str,
) -> None:  # fmt: skip
    admin = bearer(role_keys.admin)
    receiver = Receiver()
    hook = httpx.post(f"{nginx}/api/v1/webhooks", headers=admin,
                      json={"url": receiver.url, "clearance": "strictly_confidential"})  # fmt: skip
    assert hook.status_code == 201, hook.text
    posted = httpx.post(f"{nginx}/api/v1/camps", headers=admin | GEOJSON,
                        json=camp(square(*GOMA), classification="unclassified"))  # fmt: skip
    assert posted.status_code == 201, posted.text

    listener = SSEListener(f"{nginx}{STREAM}", bearer(role_keys.admin))
    assert listener.status_code == 200
    deadline = time.monotonic() + 20
    while not any(streams_on(api, role_keys.admin) for api in apis):  # find its process
        assert time.monotonic() < deadline, "the stream reached no process"
        time.sleep(0.1)
    [connected] = [api for api in apis if streams_on(api, role_keys.admin) == 1]
    [other] = [api for api in apis if api is not connected]

    def raise_alert(step: int, via: str) -> None:
        body = incident(GOMA[0] + step * 0.0004, GOMA[1], classification="unclassified")
        answer = httpx.post(f"{via}/api/v1/incidents", json=body, headers=admin | GEOJSON)
        assert answer.status_code == 201 and answer.json()["alerts"], answer.text

    for step in range(3):  # raised through the other process, seen on this one
        raise_alert(step, other.base)
    received = listener.until(lambda found: len(found) >= len(alert_events(database_url)))
    assert [m.id for m in received] == alert_events(database_url)

    connected.process.send_signal(signal.SIGKILL)
    connected.process.wait(timeout=10)
    assert listener.ended(), "the stream must end with its process"
    for step in range(3, 6):  # raised while no stream is open
        raise_alert(step, nginx)

    resumed = SSEListener(f"{nginx}{STREAM}", bearer(role_keys.admin),
                          last_event_id=received[-1].id)  # fmt: skip
    assert resumed.status_code == 200
    everything = alert_events(database_url)
    rest = resumed.until(lambda found: len(received) + len(found) >= len(everything))
    ids = [m.id for m in received + rest]
    assert ids == everything and len(ids) == len(set(ids))  # once each, in order
    assert len(everything) >= 6
    assert streams_on(other, role_keys.admin) == 1

    def delivered() -> list[str]:
        return [r.headers["webhook-id"] for r in receiver.requests]

    deadline = time.monotonic() + 30
    while len(delivered()) < len(everything):
        assert time.monotonic() < deadline, f"{len(delivered())} of {len(everything)} delivered"
        time.sleep(0.1)
    resumed.settle()  # a heartbeat: nothing else was on its way, on the stream or to hooks
    assert sorted(int(i) for i in delivered()) == everything  # none lost, none twice
    resumed.close()
    listener.close()
    receiver.close()


def test_the_sign_in_throttle_holds_across_processes(
    apis: list[Process], nginx: str, database_url: str
) -> None:
    with psycopg.connect(database_url, autocommit=True) as connection:
        connection.execute(
            "INSERT INTO app_user (username, password_hash, role, clearance) "
            "VALUES ('duty', %s, 'viewer', 'unclassified')",
            (hash_password("correct horse battery"),),
        )
    wrong = {"username": "duty", "password": "wrong password!"}
    # Alternate the processes directly: each failure counts for both.
    for attempt in range(5):
        api = apis[attempt % 2]
        answer = httpx.post(f"{api.base}/api/v1/session", json=wrong)
        assert answer.status_code == 401, (attempt, answer.text)
    for api in apis:
        throttled = httpx.post(
            f"{api.base}/api/v1/session",
            json={"username": "duty", "password": "correct horse battery"},
        )
        assert throttled.status_code == 429, throttled.text
