"""API keys for machines and scripts: created (token shown once), listed, revoked."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from bluewatch.classification import Classification
from bluewatch.errors import InvalidInput, NotFound
from bluewatch.parsing import whole_number
from bluewatch.security import secrets
from bluewatch.security.principal import Principal, Role
from bluewatch.security.scope import CLEARANCE_WITHIN, bound

PUBLIC_COLUMNS = "id, prefix, name, role, clearance, created_at, created_by, expires_at, " \
    "revoked_at, last_used_at"  # fmt: skip


def check_grantable(grantor: Principal, role: Role, clearance: Classification) -> None:
    """Nobody hands out more than they hold."""
    if not grantor.role.includes(role) or not grantor.may_see(clearance):
        raise InvalidInput("You cannot grant a role or clearance above your own.")


async def create(
    connection: AsyncConnection,
    *,
    name: str,
    role: Role,
    clearance: Classification,
    expires_at: datetime | None,
    created_by: str,
) -> tuple[dict[str, Any], str]:
    """The key's public record and its token (the only time the token exists in clear)."""
    if expires_at is not None and expires_at <= datetime.now(UTC):
        raise InvalidInput("The expiry must lie in the future.")
    prefix, token = secrets.new_api_key()
    row = (
        await connection.execute(
            text(f"""
                INSERT INTO api_key (prefix, token_sha256, name, role, clearance, expires_at,
                                     created_by)
                VALUES (:prefix, :digest, :name, :role, CAST(:clearance AS classification),
                        :expires_at, :created_by)
                RETURNING {PUBLIC_COLUMNS}
            """),
            {
                "prefix": prefix,
                "digest": secrets.digest(token),
                "name": name,
                "role": role.value,
                "clearance": clearance.value,
                "expires_at": expires_at,
                "created_by": created_by,
            },
        )
    ).one()
    return dict(row._mapping), token


async def listing(connection: AsyncConnection, scope: Classification) -> list[dict[str, Any]]:
    rows = await connection.execute(
        text(f"SELECT {PUBLIC_COLUMNS} FROM api_key WHERE {CLEARANCE_WITHIN} ORDER BY id"),
        bound(scope),
    )
    return [dict(row._mapping) for row in rows]


async def revoke(connection: AsyncConnection, key: str, scope: Classification) -> dict[str, Any]:
    """Revoke by id or by prefix; revoking twice keeps the first time."""
    key_id = whole_number(key)
    column = "id" if key_id is not None else "prefix"
    row = (
        await connection.execute(
            text(f"""
                UPDATE api_key SET revoked_at = coalesce(revoked_at, now())
                WHERE {column} = :key AND {CLEARANCE_WITHIN}
                RETURNING {PUBLIC_COLUMNS}
            """),
            {"key": key if key_id is None else key_id, **bound(scope)},
        )
    ).first()
    if row is None:
        raise NotFound("No such API key.")
    return dict(row._mapping)


async def principal_for(connection: AsyncConnection, token: str) -> Principal | None:
    """The key's principal, when the token is genuine, unexpired and unrevoked."""
    prefix = secrets.prefix_of(token)
    if prefix is None:
        return None
    row = (
        await connection.execute(
            text("""
                SELECT name, role, clearance, token_sha256,
                       last_used_at IS NULL OR last_used_at < now() - interval '1 minute'
                           AS stale
                FROM api_key
                WHERE prefix = :prefix AND revoked_at IS NULL
                  AND (expires_at IS NULL OR expires_at > now())
            """),
            {"prefix": prefix},
        )
    ).first()
    if row is None or not secrets.same_digest(token, row.token_sha256):
        return None
    if row.stale:
        # At most one write a minute per key: a write per request would serialise every
        # request of a busy key on this row.
        await connection.execute(
            text("UPDATE api_key SET last_used_at = now() WHERE prefix = :prefix"),
            {"prefix": prefix},
        )
    return Principal(f"key:{row.name}", Role(row.role), Classification(row.clearance))
