"""People who sign in: username, argon2id password, role and clearance."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from bluewatch.classification import Classification
from bluewatch.errors import Conflict, InvalidInput, NotFound
from bluewatch.security.passwords import MIN_LENGTH, hash_password
from bluewatch.security.principal import Role
from bluewatch.security.scope import CLEARANCE_WITHIN, bound

PUBLIC_COLUMNS = "id, username, role, clearance, disabled, created_at, updated_at"


def check_password(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise InvalidInput(f"A password needs at least {MIN_LENGTH} characters.")


async def create(
    connection: AsyncConnection,
    *,
    username: str,
    password: str,
    role: Role,
    clearance: Classification,
) -> dict[str, Any]:
    check_password(password)
    row = (
        await connection.execute(
            text(f"""
                INSERT INTO app_user (username, password_hash, role, clearance)
                VALUES (:username, :password_hash, :role, CAST(:clearance AS classification))
                ON CONFLICT (username) DO NOTHING
                RETURNING {PUBLIC_COLUMNS}
            """),
            {
                "username": username,
                "password_hash": await asyncio.to_thread(hash_password, password),
                "role": role.value,
                "clearance": clearance.value,
            },
        )
    ).first()
    if row is None:
        raise Conflict("That username is taken.")
    return dict(row._mapping)


async def listing(connection: AsyncConnection, scope: Classification) -> list[dict[str, Any]]:
    rows = await connection.execute(
        text(f"SELECT {PUBLIC_COLUMNS} FROM app_user WHERE {CLEARANCE_WITHIN} ORDER BY id"),
        bound(scope),
    )
    return [dict(row._mapping) for row in rows]


async def clearance_of(
    connection: AsyncConnection, user_id: int, scope: Classification
) -> Classification:
    """The user's clearance, locked for the change to come; NotFound outside ``scope``."""
    row = (
        await connection.execute(
            text(f"""
                SELECT clearance FROM app_user WHERE id = :id AND {CLEARANCE_WITHIN}
                FOR UPDATE
            """),
            {"id": user_id, **bound(scope)},
        )
    ).first()
    if row is None:
        raise NotFound("No such user.")
    return Classification(row.clearance)


async def update(
    connection: AsyncConnection, user_id: int, changes: dict[str, Any], scope: Classification
) -> dict[str, Any]:
    """Change role, clearance, password or disabled; a change ends the user's sessions."""
    values: dict[str, Any] = {"id": user_id, **bound(scope)}
    assignments = []
    if "role" in changes:
        assignments.append("role = :role")
        values["role"] = Role(changes["role"]).value
    if "clearance" in changes:
        assignments.append("clearance = CAST(:clearance AS classification)")
        values["clearance"] = Classification(changes["clearance"]).value
    if "disabled" in changes:
        assignments.append("disabled = :disabled")
        values["disabled"] = bool(changes["disabled"])
    if "password" in changes:
        check_password(changes["password"])
        assignments.append("password_hash = :password_hash")
        values["password_hash"] = await asyncio.to_thread(hash_password, changes["password"])
    if not assignments:
        raise InvalidInput("Nothing to change.")
    row = (
        await connection.execute(
            text(f"""
                UPDATE app_user SET {", ".join(assignments)}, updated_at = now()
                WHERE id = :id AND {CLEARANCE_WITHIN} RETURNING {PUBLIC_COLUMNS}
            """),
            values,
        )
    ).first()
    if row is None:
        raise NotFound("No such user.")
    await connection.execute(text("DELETE FROM user_session WHERE user_id = :id"), {"id": user_id})
    return dict(row._mapping)


async def delete(
    connection: AsyncConnection, user_id: int, scope: Classification
) -> Classification:
    """Delete the user (and so their sessions); the clearance they held."""
    row = (
        await connection.execute(
            text(f"DELETE FROM app_user WHERE id = :id AND {CLEARANCE_WITHIN} RETURNING clearance"),
            {"id": user_id, **bound(scope)},
        )
    ).first()
    if row is None:
        raise NotFound("No such user.")
    return Classification(row.clearance)


async def count(connection: AsyncConnection) -> int:
    return int((await connection.execute(text("SELECT count(*) FROM app_user"))).scalar_one())
