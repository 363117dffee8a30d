"""Use cases of administration (keys and users): one function per write, called by both
the API and the ``bluewatch`` command, so both check, scope and audit alike.

Every function takes the acting administrator; what lies above the actor's clearance
does not exist for it (``bluewatch.security.scope``), and nobody grants more than they
hold.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bluewatch.classification import Classification
from bluewatch.db.engine import Database
from bluewatch.security import audit, keys, users
from bluewatch.security.principal import Actor, Role


async def list_keys(database: Database, actor: Actor) -> list[dict[str, Any]]:
    async with database.read() as connection:
        return await keys.listing(connection, actor.principal.clearance)


async def create_key(
    database: Database,
    actor: Actor,
    *,
    name: str,
    role: Role,
    clearance: Classification,
    expires_at: datetime | None,
) -> tuple[dict[str, Any], str]:
    """The key's public record and its token (shown once)."""
    keys.check_grantable(actor.principal, role, clearance)
    async with database.transaction() as connection:
        record, token = await keys.create(
            connection,
            name=name,
            role=role,
            clearance=clearance,
            expires_at=expires_at,
            created_by=actor.principal.name,
        )
        await audit.record(
            connection,
            actor,
            "keys.create",
            object_type="api_key",
            object_id=record["id"],
            classification=clearance,
            details={"prefix": record["prefix"], "role": role.value, "clearance": clearance.value},
        )
    return record, token


async def revoke_key(database: Database, actor: Actor, key: str) -> dict[str, Any]:
    """Revoke by id or prefix, within the actor's scope."""
    async with database.transaction() as connection:
        record = await keys.revoke(connection, key, actor.principal.clearance)
        await audit.record(
            connection,
            actor,
            "keys.revoke",
            object_type="api_key",
            object_id=record["id"],
            classification=Classification(record["clearance"]),
            details={"prefix": record["prefix"]},
        )
    return record


async def list_users(database: Database, actor: Actor) -> list[dict[str, Any]]:
    async with database.read() as connection:
        return await users.listing(connection, actor.principal.clearance)


async def create_user(
    database: Database,
    actor: Actor,
    *,
    username: str,
    password: str,
    role: Role,
    clearance: Classification,
) -> dict[str, Any]:
    keys.check_grantable(actor.principal, role, clearance)
    async with database.transaction() as connection:
        record = await users.create(
            connection, username=username, password=password, role=role, clearance=clearance
        )
        await audit.record(
            connection,
            actor,
            "users.create",
            object_type="app_user",
            object_id=record["id"],
            classification=clearance,
            details={"username": username, "role": role.value, "clearance": clearance.value},
        )
    return record


async def update_user(
    database: Database, actor: Actor, user_id: int, changes: dict[str, Any]
) -> dict[str, Any]:
    """Change role, clearance, password or state of a user within the actor's scope."""
    keys.check_grantable(
        actor.principal,
        Role(changes.get("role", Role.VIEWER)),
        Classification(changes.get("clearance", Classification.UNCLASSIFIED)),
    )
    scope = actor.principal.clearance
    async with database.transaction() as connection:
        before = await users.clearance_of(connection, user_id, scope)
        record = await users.update(connection, user_id, changes, scope)
        after = Classification(record["clearance"])
        await audit.record(
            connection,
            actor,
            "users.update",
            object_type="app_user",
            object_id=user_id,
            classification=Classification.highest([before, after]),
            details={"changed": sorted(changes)},
        )
    return record


async def delete_user(database: Database, actor: Actor, user_id: int) -> None:
    async with database.transaction() as connection:
        held = await users.delete(connection, user_id, actor.principal.clearance)
        await audit.record(
            connection,
            actor,
            "users.delete",
            object_type="app_user",
            object_id=user_id,
            classification=held,
        )
