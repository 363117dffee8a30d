"""A local PostGIS cluster run with the machine's PostgreSQL binaries, like an embedded DB.

``bluewatch db up`` and the test suite use it when no database URL is configured.
PostgreSQL refuses to run as root, so when invoked as root the cluster belongs to
the ``postgres`` OS user. Access is by password over 127.0.0.1 only.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

CLUSTER_USER = "bluewatch"
CLUSTER_DB = "bluewatch"
SERVICE_ACCOUNT = "postgres"


class LocalClusterError(RuntimeError):
    """The local cluster could not be prepared; the message says what to do."""


def find_bindir() -> Path:
    """The newest PostgreSQL server binaries on this machine."""
    on_path = shutil.which("pg_ctl")
    if on_path:
        return Path(on_path).resolve().parent
    candidates = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    if not candidates:
        raise LocalClusterError(
            "No PostgreSQL server binaries found (pg_ctl). Install postgresql-15 or set "
            "BLUEWATCH_DATABASE_URL to an existing PostgreSQL with PostGIS."
        )
    return candidates[-1].parent


def _major_version(bindir: Path) -> str:
    output = subprocess.run(
        [str(bindir / "pg_ctl"), "--version"], capture_output=True, text=True, check=True
    ).stdout
    return output.strip().split()[-1].split(".")[0]


def _sharedir(bindir: Path) -> Path:
    pg_config = bindir / "pg_config"
    if pg_config.exists():
        output = subprocess.run(
            [str(pg_config), "--sharedir"], capture_output=True, text=True, check=True
        )
        return Path(output.stdout.strip())
    return Path("/usr/share/postgresql") / _major_version(bindir)


# The extensions the migrations create, and the Debian package of each (for the major
# version): PostGIS, and pgRouting for travel by road (issue 20).
EXTENSION_PACKAGES = {
    "postgis": "postgresql-{major}-postgis-3",
    "pgrouting": "postgresql-{major}-pgrouting",
}


def extension_installed(bindir: Path, extension: str) -> bool:
    return (_sharedir(bindir) / "extension" / f"{extension}.control").exists()


def ensure_extensions(bindir: Path, *, may_install: bool) -> None:
    """Install Debian's PostGIS and pgRouting packages for this server when missing and
    allowed."""
    missing = [e for e in EXTENSION_PACKAGES if not extension_installed(bindir, e)]
    if not missing:
        return
    major = _major_version(bindir)
    packages = [EXTENSION_PACKAGES[e].format(major=major) for e in missing]
    if not (may_install and os.geteuid() == 0 and shutil.which("apt-get")):
        raise LocalClusterError(
            f"{', '.join(missing)} not installed for this PostgreSQL. Install with "
            f"'apt-get install {' '.join(packages)}' (as root), or point "
            f"BLUEWATCH_DATABASE_URL at a PostgreSQL with PostGIS and pgRouting."
        )
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-q", *packages]
    if subprocess.run(install, env=env, capture_output=True, check=False).returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], env=env, capture_output=True, check=False)
        result = subprocess.run(install, env=env, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise LocalClusterError(
                f"Installing {' '.join(packages)} failed: {result.stderr[-500:]}"
            )
    still = [e for e in missing if not extension_installed(bindir, e)]
    if still:
        raise LocalClusterError(f"{' '.join(packages)} installed but {', '.join(still)} missing.")


@dataclass
class LocalCluster:
    """A cluster under ``home``: ``home/pgdata`` (the data) and ``home/password``."""

    home: Path
    port: int
    install_postgis: bool = True

    @property
    def pgdata(self) -> Path:
        return self.home / "pgdata"

    @property
    def password_file(self) -> Path:
        return self.home / "password"

    @property
    def log_file(self) -> Path:
        return self.pgdata / "server.log"

    def url(self, database: str = CLUSTER_DB) -> str:
        password = self.password_file.read_text().strip()
        return f"postgresql://{CLUSTER_USER}:{password}@127.0.0.1:{self.port}/{database}"

    def up(self) -> str:
        """Create (once), start (when stopped) and return the URL of the application DB."""
        bindir = find_bindir()
        ensure_extensions(bindir, may_install=self.install_postgis)
        if not (self.pgdata / "PG_VERSION").exists():
            self._init(bindir)
        if not self.running():
            self._start(bindir)
        self._ensure_database(CLUSTER_DB)
        return self.url()

    def down(self) -> bool:
        """Stop the cluster; False when it was not running."""
        if not (self.pgdata / "PG_VERSION").exists() or not self.running():
            return False
        self._as_owner(
            [str(find_bindir() / "pg_ctl"), "-D", str(self.pgdata), "-m", "fast", "-w", "stop"]
        )
        return True

    def running(self) -> bool:
        status = subprocess.run(
            [
                *self._owner_prefix(),
                str(find_bindir() / "pg_ctl"),
                "-D",
                str(self.pgdata),
                "status",
            ],
            capture_output=True,
            check=False,
        )
        return status.returncode == 0

    def create_database(self, name: str) -> str:
        """A fresh, empty database in this cluster (dropped first if it exists)."""
        with self._admin() as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.url(name)

    def _ensure_database(self, name: str) -> None:
        with self._admin() as admin:
            found = admin.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (name,)
            ).fetchone()
            if found is None:
                admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))

    def _admin(self) -> psycopg.Connection[tuple[object, ...]]:
        return psycopg.connect(self.url("postgres"), autocommit=True)

    def _owner_prefix(self) -> list[str]:
        if os.geteuid() != 0:
            return []
        runuser = shutil.which("runuser")
        if runuser is None:
            raise LocalClusterError("Running as root needs 'runuser' to start PostgreSQL.")
        return [runuser, "-u", SERVICE_ACCOUNT, "--"]

    def _as_owner(self, command: list[str]) -> None:
        result = subprocess.run(
            self._owner_prefix() + command, capture_output=True, text=True, check=False
        )
        if result.returncode != 0:
            raise LocalClusterError(
                f"{Path(command[0]).name} failed (exit {result.returncode}): "
                f"{(result.stderr or result.stdout)[-800:]}"
            )

    def _init(self, bindir: Path) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            self.home.chmod(0o755)  # the service account must pass through it
        self.pgdata.mkdir(mode=0o700, exist_ok=True)
        if not self.password_file.exists():
            self.password_file.touch(mode=0o600)
            self.password_file.write_text(secrets.token_urlsafe(24))
        pwfile = self.home / ".initdb-pw"
        pwfile.write_text(self.password_file.read_text())
        if os.geteuid() == 0:
            shutil.chown(self.pgdata, SERVICE_ACCOUNT, SERVICE_ACCOUNT)
            shutil.chown(pwfile, SERVICE_ACCOUNT, SERVICE_ACCOUNT)
            self._check_reachable()
        try:
            self._as_owner(
                [
                    str(bindir / "initdb"),
                    "-D",
                    str(self.pgdata),
                    "-U",
                    CLUSTER_USER,
                    "--auth=scram-sha-256",
                    f"--pwfile={pwfile}",
                    "--encoding=UTF8",
                    "--locale=C.UTF-8",
                ]
            )
        finally:
            pwfile.unlink(missing_ok=True)
        with (self.pgdata / "postgresql.conf").open("a") as conf:
            conf.write(
                "\n# bluewatch local cluster\n"
                "listen_addresses = '127.0.0.1'\n"
                f"port = {self.port}\n"
                f"unix_socket_directories = '{self.pgdata}'\n"
                "max_connections = 200\n"
                "shared_buffers = 512MB\n"
                "work_mem = 32MB\n"
                "maintenance_work_mem = 512MB\n"
                "synchronous_commit = on\n"
                "fsync = on\n"
                "timezone = 'UTC'\n"
                "logging_collector = off\n"
            )

    def _check_reachable(self) -> None:
        """The service account must be able to reach the data directory through its parents."""
        probe = subprocess.run([*self._owner_prefix(), "test", "-w", str(self.pgdata)], check=False)
        if probe.returncode != 0:
            raise LocalClusterError(
                f"The '{SERVICE_ACCOUNT}' user cannot reach {self.pgdata}; a parent directory "
                f"is not searchable. Set BLUEWATCH_DATA_DIR to a directory it can reach."
            )

    def _start(self, bindir: Path) -> None:
        self._as_owner(
            [
                str(bindir / "pg_ctl"),
                "-D",
                str(self.pgdata),
                "-l",
                str(self.log_file),
                "-w",
                "-t",
                "60",
                "start",
            ]
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                with self._admin():
                    return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def standby(self, home: Path, port: int) -> LocalCluster:
        """A streaming standby of this running cluster under ``home``, started: a base
        backup with its replication settings (``pg_basebackup -R``), on ``port``. For
        trying read replicas locally and for the tests."""
        bindir = find_bindir()
        replica = LocalCluster(home, port, self.install_postgis)
        home.mkdir(parents=True, exist_ok=True)
        shutil.copy2(self.password_file, replica.password_file)
        replica.pgdata.mkdir(mode=0o700)
        if os.geteuid() == 0:
            home.chmod(0o755)
            shutil.chown(replica.pgdata, SERVICE_ACCOUNT, SERVICE_ACCOUNT)
        source = self.url("postgres").rsplit("/", 1)[0] + "/"
        self._as_owner(
            [str(bindir / "pg_basebackup"), "-D", str(replica.pgdata), "-d", source,
             "-R", "-X", "stream", "-c", "fast"]
        )  # fmt: skip
        with (replica.pgdata / "postgresql.conf").open("a") as conf:
            conf.write(
                "\n# bluewatch local standby\n"
                f"port = {port}\n"
                f"unix_socket_directories = '{replica.pgdata}'\n"
                "hot_standby = on\n"
            )
        replica._start(bindir)
        return replica

    def destroy(self) -> None:
        """Stop and delete the cluster (for throwaway test clusters)."""
        with contextlib.suppress(LocalClusterError):
            self.down()
        shutil.rmtree(self.home, ignore_errors=True)
