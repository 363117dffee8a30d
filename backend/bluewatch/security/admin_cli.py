"""What ``bluewatch keys`` and ``bluewatch users`` do: the administration use cases, acted
by the command line (an administrator with full clearance on the machine itself)."""

from __future__ import annotations

import secrets as random
from datetime import datetime
from pathlib import Path
from typing import Any

from bluewatch.classification import Classification
from bluewatch.db.engine import Database
from bluewatch.security import administration, users
from bluewatch.security.principal import Actor, Principal, Role
from bluewatch.settings import Settings

CLI_ACTOR = Actor(
    Principal("cli", Role.ADMIN, Classification.STRICTLY_CONFIDENTIAL), request_id="cli"
)
FIRST_ADMIN = "admin"


async def create_key(
    database: Database, name: str, role: Role, clearance: Classification, expires: datetime | None
) -> str:
    _, token = await administration.create_key(
        database, CLI_ACTOR, name=name, role=role, clearance=clearance, expires_at=expires
    )
    return token


async def list_keys(database: Database) -> list[dict[str, Any]]:
    return await administration.list_keys(database, CLI_ACTOR)


async def revoke_key(database: Database, key: str) -> dict[str, Any]:
    return await administration.revoke_key(database, CLI_ACTOR, key)


async def create_user(
    database: Database, username: str, password: str, role: Role, clearance: Classification
) -> dict[str, Any]:
    return await administration.create_user(
        database, CLI_ACTOR, username=username, password=password, role=role, clearance=clearance
    )


async def ensure_first_admin(database: Database, settings: Settings, local: bool) -> str | None:
    """A sign-in line for the run command: creates the first admin on an empty user table.

    With the local cluster the password is kept in ``.data/admin-password`` (0600) so
    the run command can print it every time; otherwise it is printed once, at creation.
    """
    password_file = settings.resolved_data_dir / "admin-password"
    async with database.read() as connection:
        existing = await users.count(connection)
    if existing == 0:
        password = random.token_urlsafe(12)
        await create_user(
            database, FIRST_ADMIN, password, Role.ADMIN, Classification.STRICTLY_CONFIDENTIAL
        )
        if local:
            _keep(password_file, password)
        return f"sign in as '{FIRST_ADMIN}' with password '{password}'"
    if local and password_file.exists():
        return f"sign in as '{FIRST_ADMIN}' with password '{password_file.read_text().strip()}'"
    return None


def _keep(path: Path, secret: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.write_text(secret + "\n")
