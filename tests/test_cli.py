"""The command line as an operator runs it: real processes, a real local cluster."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from bluewatch.db.local import LocalCluster
from bluewatch.seed import synthetic
from tests.processes import free_port

BLUEWATCH = [sys.executable, "-m", "bluewatch"]


@pytest.fixture
def local_home() -> Iterator[dict[str, str]]:
    """An environment whose local cluster lives in a scratch directory."""
    home = Path(tempfile.mkdtemp(prefix="bluewatch-cli-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("BLUEWATCH_")}
    env |= {"BLUEWATCH_DATA_DIR": str(home), "BLUEWATCH_LOCAL_DB_PORT": str(free_port())}
    try:
        yield env
    finally:
        LocalCluster(home=home, port=int(env["BLUEWATCH_LOCAL_DB_PORT"])).destroy()


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*BLUEWATCH, *args], env=env, capture_output=True, text=True, timeout=180, check=False
    )


def test_db_up_serve_with_scenario_and_db_down(local_home: dict[str, str]) -> None:
    up = run(local_home, "db", "up")
    assert up.returncode == 0, up.stderr
    url = up.stdout.strip()
    assert url.startswith("postgresql://bluewatch:")
    assert run(local_home, "db", "up").stdout.strip() == url  # idempotent

    port = free_port()
    server = subprocess.Popen(
        [*BLUEWATCH, "serve", "--port", str(port)],
        env=local_home,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for(f"{base}/healthz")
        assert server.stdout is not None
        printed = [server.stdout.readline() for _ in range(4)]
        sign_in = next(line for line in printed if "sign in as" in line)
        username, password = re.findall(r"'([^']+)'", sign_in)
        with httpx.Client(base_url=base) as browser:
            assert browser.get("/api/v1/incidents").status_code == 401
            signed_in = browser.post(
                "/api/v1/session", json={"username": username, "password": password}
            )
            assert signed_in.status_code == 201, signed_in.text
            body = browser.get("/api/v1/incidents?limit=1000").json()
            assert len(body["features"]) >= 300
            assert len({f["properties"]["category"] for f in body["features"]}) == 13
            assert len(browser.get("/api/v1/camps").json()["features"]) >= 5
            routes = browser.get("/api/v1/routes").json()["features"]
            assert {r["properties"]["status"] for r in routes} == {
                "active", "planned", "suspended", "closed"
            }  # fmt: skip
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
    output = "".join(printed) + output
    assert "sample scenario: camps 9 created" in output
    assert url.split(":")[2].split("@")[0] not in output  # the database password is not printed

    down = run(local_home, "db", "down")
    assert down.returncode == 0
    assert "stopped" in down.stdout
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(url, connect_timeout=2)


def _wait_for(url: str) -> dict[str, Any]:
    deadline = time.monotonic() + 120
    while True:
        try:
            response = httpx.get(url, timeout=5)
            if response.status_code == 200:
                body: dict[str, Any] = response.json()
                return body
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(url)
        time.sleep(0.5)


def test_db_commands_refuse_when_a_url_is_configured(local_home: dict[str, str]) -> None:
    env = local_home | {"BLUEWATCH_DATABASE_URL": "postgresql://x@127.0.0.1:1/x"}
    result = run(env, "db", "up")
    assert result.returncode == 2
    assert "BLUEWATCH_DATABASE_URL is set" in result.stderr


def test_synthetic_rows_are_reproducible() -> None:
    now = datetime(2026, 11, 22, tzinfo=UTC)
    assert synthetic.rows(500, 7, now) == synthetic.rows(500, 7, now)
    assert synthetic.rows(500, 7, now) != synthetic.rows(500, 8, now)


def test_seed_synthetic_loads_with_copy(
    database_url: str, db: psycopg.Connection[tuple[object, ...]]
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BLUEWATCH_")}
    env["BLUEWATCH_DATABASE_URL"] = database_url
    result = run(env, "seed", "--synthetic", "5000")
    assert result.returncode == 0, result.stderr
    row = db.execute(
        "SELECT count(*), count(DISTINCT category), min(severity), max(severity) FROM incident"
    ).fetchone()
    assert row == (5000, 13, 1, 5)


def cli_env(database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BLUEWATCH_")}
    return env | {"BLUEWATCH_DATABASE_URL": database_url}


def test_keys_create_prints_the_token_alone_and_revoke_works(
    database_url: str, db: psycopg.Connection[tuple[object, ...]]
) -> None:
    env = cli_env(database_url)
    created = run(
        env, "keys", "create", "--name", "cli-bot", "--role", "viewer",
        "--clearance", "unclassified", "--expires", "2099-01-01T00:00:00Z",
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    token = created.stdout.strip()
    assert created.stdout == token + "\n"
    assert re.fullmatch(r"bwk_[0-9a-f]{8}_[A-Za-z0-9_-]{43}", token)
    listed = run(env, "keys", "list").stdout
    assert "cli-bot" in listed and token not in listed and "2099-01-01" in listed
    prefix = token[: len("bwk_") + 8]  # the secret part may itself hold '_'
    assert run(env, "keys", "revoke", prefix).returncode == 0
    row = db.execute(
        "SELECT revoked_at IS NOT NULL FROM api_key WHERE prefix = %s", (prefix,)
    ).fetchone()
    assert row == (True,)


def test_users_create_reads_the_password_from_stdin(
    database_url: str, db: psycopg.Connection[tuple[object, ...]]
) -> None:
    result = subprocess.run(
        [*BLUEWATCH, "users", "create", "--username", "ops-lead", "--role", "admin",
         "--clearance", "confidential", "--password-stdin"],
        env=cli_env(database_url), input="a long enough passphrase\n", capture_output=True,
        text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    row = db.execute(
        "SELECT role, clearance::text, password_hash LIKE '$argon2id$%%' FROM app_user "
        "WHERE username = 'ops-lead'"
    ).fetchone()
    assert row == ("admin", "confidential", True)
    weak = subprocess.run(
        [*BLUEWATCH, "users", "create", "--username", "weak", "--role", "viewer",
         "--clearance", "unclassified", "--password-stdin"],
        env=cli_env(database_url), input="short\n", capture_output=True, text=True,
        timeout=60, check=False,
    )  # fmt: skip
    assert weak.returncode == 1 and "12 characters" in weak.stderr


def test_import_command_shows_progress_and_reports(
    database_url: str, db: psycopg.Connection[tuple[object, ...]], tmp_path: Path
) -> None:
    from tests.api.test_imports import GOOD_AND_BAD, acled_csv, acled_row

    path = tmp_path / "acled.csv"
    path.write_bytes(acled_csv(GOOD_AND_BAD))
    env = cli_env(database_url) | {"COLUMNS": "120"}
    refused = run(env, "import", str(path), "--layer", "incidents")
    assert refused.returncode == 1
    assert "4 row(s) rejected, so nothing was stored" in refused.stderr
    assert db.execute("SELECT count(*) FROM incident").fetchone() == (0,)
    # Issue 18, defect 12: the progress bar was drawn after the JSON report.
    merged = subprocess.run(
        [*BLUEWATCH, "import", str(path), "--layer", "incidents"], env=env, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=180, check=False,
    ).stdout  # fmt: skip
    bar, report_starts = merged.find("importing acled.csv"), merged.find('"layer"')
    assert 0 <= bar < report_starts, merged

    partial = ("import", str(path), "--layer", "incidents", "--partial", "--source", "acled")
    stored = run(env, *partial)
    assert stored.returncode == 0, stored.stderr
    assert "importing acled.csv into incidents" in stored.stderr  # the progress bar
    report = json.loads(stored.stdout)
    assert (report["created"], report["rejected"], report["stored"]) == (3, 4, True)
    audit = db.execute(
        "SELECT actor, action FROM audit_log WHERE action = 'incidents.import' ORDER BY id"
    ).fetchall()
    assert audit and str(audit[-1][0]).startswith("cli:")
    again = json.loads(run(env, *partial).stdout)
    assert (again["created"], again["unchanged"]) == (0, 3)

    away = tmp_path / "swapped.csv"  # one row with latitude and longitude swapped
    away.write_bytes(acled_csv([acled_row(9, latitude="29.0453", longitude="-1.5736")]))
    db.execute(
        "INSERT INTO camp (name, geom) VALUES ('Sake TS', "
        "ST_Buffer(ST_SetSRID(ST_MakePoint(29.0453, -1.5736), 4326), 0.01))"
    )
    warned = run(env, "import", str(away), "--layer", "incidents", "--source", "acled")
    assert warned.returncode == 0, warned.stderr
    assert "warning: 1 feature(s) outside the mission area" in warned.stderr
    assert json.loads(warned.stdout)["warnings"] == [
        {
            "row": 1,
            "warning": "lies outside the mission area; its longitude and latitude look swapped",
        }
    ]


def test_help_says_what_each_command_takes() -> None:
    """Issue 18, defect 12: the help printed "``bluewatch``", hid the serve defaults and
    listed no import formats."""

    def helped(*command: str) -> str:
        result = subprocess.run([sys.executable, "-m", "bluewatch", *command, "--help"],
                                capture_output=True, text=True, check=True, timeout=60)  # fmt: skip
        return " ".join(result.stdout.split())  # argparse wraps lines

    top = helped()
    assert "The bluewatch command" in top and "``" not in top
    serve = helped("serve")
    for said in ("BLUEWATCH_HOST, default 127.0.0.1", "BLUEWATCH_PORT, default 8000",
                 "BLUEWATCH_WORKERS, default 1"):  # fmt: skip
        assert said in serve, said
    assert "geojson, geojsonseq, csv, gpkg, kml, shp.zip" in helped("import")
