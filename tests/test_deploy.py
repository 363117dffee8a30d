"""The image and the compose file, checked by hadolint and the Compose Specification
schema, and run as far as this machine can run them: no Docker engine is here, so the
image's stages run locally from exactly the files its build context holds, and its
command line runs as it is written in the Dockerfile."""

from __future__ import annotations

import fnmatch
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
import yaml  # type: ignore[import-untyped]

from bluewatch.db.local import LocalCluster
from tests.processes import free_port, wait_until_ready

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent


def _run(*command: str | Path, cwd: Path = ROOT, timeout: float = 300) -> str:
    result = subprocess.run(
        [str(part) for part in command], cwd=cwd, capture_output=True, text=True,
        timeout=timeout, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def _compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return loaded


def _dockerfile_cmd() -> list[str]:
    line = next(
        line for line in (ROOT / "Dockerfile").read_text().splitlines()
        if line.startswith("CMD ")
    )  # fmt: skip
    command: list[str] = json.loads(line.removeprefix("CMD "))
    return command


def test_hadolint_accepts_the_dockerfile() -> None:
    _run(VENV_BIN / "hadolint", "--failure-threshold", "info", "Dockerfile")


def test_compose_file_follows_the_compose_specification() -> None:
    _run(VENV_BIN / "check-jsonschema", "--builtin-schema", "vendor.compose-spec",
         "docker-compose.yml")  # fmt: skip


def test_compose_services_check_their_own_health_and_trust_only_the_proxy() -> None:
    services = _compose()["services"]
    for name, service in services.items():
        test = service.get("healthcheck", {}).get("test") or ["CMD"]
        assert test[0] == "CMD", f"{name}: exec-form health checks only"
    worker = services["worker"]
    port = worker["command"][worker["command"].index("--metrics-port") + 1]
    assert f":{port}/" in " ".join(worker["healthcheck"]["test"]), "the worker's own port"
    trusted = services["api"]["environment"]["BLUEWATCH_FORWARDED_ALLOW_IPS"]
    assert trusted == services["nginx"]["networks"]["front"]["ipv4_address"]
    assert services["api"]["deploy"]["replicas"] >= 2
    assert "./deploy/nginx.conf:/etc/nginx/nginx.conf:ro" in services["nginx"]["volumes"]
    assert "data" in services["postgis"]["networks"] and _compose()["networks"]["data"]["internal"]


def _context_files() -> list[Path]:
    """The files the build context holds, by .dockerignore (ignore all, then allow)."""
    patterns = [
        line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]  # fmt: skip
    assert patterns[0] == "*"
    tracked = _run("git", "ls-files").splitlines()
    kept = []
    for name in tracked:
        included = False
        for pattern in patterns[1:]:
            negated = pattern.startswith("!")
            body = pattern.removeprefix("!").removeprefix("**/")
            if (
                fnmatch.fnmatch(name, body)
                or name.startswith(body.rstrip("/") + "/")
                or (fnmatch.fnmatch(Path(name).name, body))
            ):
                included = negated
        if included:
            kept.append(Path(name))
    return kept


def test_the_build_context_holds_what_the_stages_copy_and_nothing_private() -> None:
    files = {str(path) for path in _context_files()}
    assert "backend/bluewatch/app.py" in files and "migrations/env.py" in files
    assert "frontend/src/main.ts" in files and "frontend/package-lock.json" in files
    assert not any(name.startswith(("tests/", ".ci/", "bench/", ".data")) for name in files)
    copied = re.findall(r"^COPY (?!--from)(.+) \S+$", (ROOT / "Dockerfile").read_text(), re.M)
    for sources in copied:
        for source in sources.split():
            assert any(name == source or name.startswith(source.rstrip("/") + "/")
                       for name in files), source  # fmt: skip


def test_the_image_stages_build_the_map_and_a_wheel_from_the_context_alone(
    tmp_path: Path,
) -> None:
    context = tmp_path / "context"
    for path in _context_files():
        (context / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / path, context / path)
    # The map stage (npm ci replaced by the checkout's installed packages).
    (context / "frontend" / "node_modules").symlink_to(ROOT / "frontend" / "node_modules")
    _run("npm", "run", "--silent", "build", cwd=context / "frontend")
    assert (context / "frontend" / "dist" / "index.html").is_file()
    # The wheel stage: the package, not the tests or the checkout around it.
    _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
         "--wheel-dir", tmp_path / "wheels", context)  # fmt: skip
    [wheel] = (tmp_path / "wheels").glob("bluewatch-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "bluewatch/app.py" in names and "bluewatch/api/ogc.py" in names
    assert not any(name.startswith("tests/") for name in names)


def test_the_images_command_line_serves_the_map_with_several_processes(
    test_cluster: LocalCluster | None,
) -> None:
    """``CMD`` exactly as the Dockerfile writes it, with the image's settings from the
    environment (the port and the home changed only to fit the test machine), on an
    empty database: it migrates, seeds and serves the map from two processes."""
    if test_cluster is None:
        pytest.fail("needs the suite's own cluster to create an empty database")
    command = _dockerfile_cmd()
    assert command == ["bluewatch", "serve"]
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("BLUEWATCH_")}
    env |= {
        "BLUEWATCH_DATABASE_URL": test_cluster.create_database("bluewatch_image"),
        "BLUEWATCH_HOST": "127.0.0.1",
        "BLUEWATCH_PORT": str(port),
        "BLUEWATCH_WORKERS": "2",
        "PATH": f"{VENV_BIN}:{env['PATH']}",
    }
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_ready(f"{base}/readyz", process, 120)
        page = httpx.get(f"{base}/")
        assert page.status_code == 200 and "<html" in page.text.lower()
        children = _run("pgrep", "-P", str(process.pid)).split()
        spawned = [
            pid for pid in children
            if "multiprocessing" in Path(f"/proc/{pid}/cmdline").read_text(errors="replace")
        ]  # fmt: skip
        assert len(spawned) >= 2, children  # uvicorn's API processes (and its tracker)
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_replicas_starting_together_migrate_and_seed_once(
    test_cluster: LocalCluster | None,
) -> None:
    if test_cluster is None:
        pytest.fail("needs the suite's own cluster to create an empty database")
    url = test_cluster.create_database("bluewatch_replicas")
    env = {k: v for k, v in os.environ.items() if not k.startswith("BLUEWATCH_")}
    env |= {"BLUEWATCH_DATABASE_URL": url}
    ports = [free_port(), free_port()]
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "bluewatch", "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for port in ports
    ]
    try:
        for port, process in zip(ports, processes, strict=True):
            wait_until_ready(f"http://127.0.0.1:{port}/readyz", process, 120)
        with psycopg.connect(url) as connection:
            incidents = connection.execute("SELECT count(*) FROM incident").fetchone()
            keys = connection.execute(
                "SELECT count(DISTINCT (external_source, external_id)) FROM incident"
            ).fetchone()
            admins = connection.execute("SELECT count(*) FROM app_user").fetchone()
        assert incidents is not None and keys is not None and admins is not None
        assert incidents[0] > 0 and incidents[0] == keys[0]
        assert admins[0] == 1
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)
