"""Browser sign-in: password check under a throttle, then a server-side session."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from bluewatch.classification import Classification
from bluewatch.errors import TooManyRequests, Unauthorized
from bluewatch.security import secrets
from bluewatch.security.passwords import verify_password
from bluewatch.security.principal import Principal, Role

FAILURE_WINDOW = timedelta(minutes=15)


@dataclass(frozen=True)
class SignInLimits:
    per_account: int  # failures per account in the window before it is throttled
    per_address: int  # failures per source address in the window


@dataclass(frozen=True)
class Session:
    token: str  # goes into the cookie; stored only as a digest
    csrf_token: str
    expires_at: datetime
    principal: Principal


async def _recent_failures(connection: AsyncConnection, column: str, value: str) -> int:
    # ``column`` is "username" or "address", from this module only.
    result = await connection.execute(
        text(f"""
            SELECT count(*) FROM sign_in_attempt
            WHERE {column} = :value AND NOT succeeded AND at > now() - :window
        """),
        {"value": value, "window": FAILURE_WINDOW},
    )
    return int(result.scalar_one())


async def check_throttle(
    connection: AsyncConnection, username: str, address: str | None, limits: SignInLimits
) -> None:
    """Refuse when the account or address failed too often lately.

    Concurrent attempts on one account or address queue on a transaction lock here, and
    each attempt is noted (as failed, until it succeeds) before the lock is released, so
    40 attempts at once are counted one by one, not all against the same count.
    """
    for key in (f"user:{username}", f"address:{address}"):
        await connection.execute(
            text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"), {"key": key}
        )
    throttled = await _recent_failures(connection, "username", username) >= limits.per_account
    if address is not None and not throttled:
        throttled = await _recent_failures(connection, "address", address) >= limits.per_address
    if throttled:
        raise TooManyRequests(
            "Too many failed sign-ins; wait before trying again.",
            retry_after=int(FAILURE_WINDOW.total_seconds()),
        )


async def note_attempt(connection: AsyncConnection, username: str, address: str | None) -> int:
    """An attempt, counted as failed until ``note_success``; its id."""
    return int(
        (
            await connection.execute(
                text("""
                    INSERT INTO sign_in_attempt (username, address, succeeded)
                    VALUES (:username, :address, false) RETURNING id
                """),
                {"username": username, "address": address},
            )
        ).scalar_one()
    )


async def note_success(connection: AsyncConnection, attempt_id: int) -> None:
    await connection.execute(
        text("UPDATE sign_in_attempt SET succeeded = true WHERE id = :id"), {"id": attempt_id}
    )


async def password_hash_of(connection: AsyncConnection, username: str) -> str | None:
    """The stored hash of an enabled user; None for anyone else (checked against a decoy)."""
    row = (
        await connection.execute(
            text("SELECT password_hash FROM app_user WHERE username = :username AND NOT disabled"),
            {"username": username},
        )
    ).first()
    return None if row is None else str(row.password_hash)


async def password_matches(stored: str | None, password: str) -> bool:
    """argon2 costs tens of milliseconds of CPU: in a worker thread, off the event loop
    (argon2-cffi releases the GIL while it hashes)."""
    return await asyncio.to_thread(verify_password, stored, password)


async def principal_of(connection: AsyncConnection, username: str, stored: str | None) -> Principal:
    """The principal of an enabled user whose hash is still ``stored``."""
    row = (
        await connection.execute(
            text("""
                SELECT username, role, clearance FROM app_user
                WHERE username = :username AND NOT disabled AND password_hash = :stored
            """),
            {"username": username, "stored": stored},
        )
    ).first()
    if row is None:
        raise Unauthorized("Unknown username or wrong password.")
    return Principal(row.username, Role(row.role), Classification(row.clearance))


async def open_session(
    connection: AsyncConnection, principal: Principal, lifetime: timedelta
) -> Session:
    token, csrf = secrets.new_session_token(), secrets.new_csrf_token()
    expires_at = (
        await connection.execute(
            text("""
                INSERT INTO user_session (token_sha256, user_id, csrf_token, expires_at)
                SELECT :digest, id, :csrf, now() + :lifetime FROM app_user
                WHERE username = :username
                RETURNING expires_at
            """),
            {
                "digest": secrets.digest(token),
                "csrf": csrf,
                "lifetime": lifetime,
                "username": principal.name,
            },
        )
    ).scalar_one()
    return Session(token, csrf, expires_at, principal)


async def principal_for(connection: AsyncConnection, token: str) -> Principal | None:
    row = (
        await connection.execute(
            text("""
                SELECT u.username, u.role, u.clearance, s.csrf_token
                FROM user_session s JOIN app_user u ON u.id = s.user_id
                WHERE s.token_sha256 = :digest AND s.expires_at > now() AND NOT u.disabled
            """),
            {"digest": secrets.digest(token)},
        )
    ).first()
    if row is None:
        return None
    return Principal(
        row.username, Role(row.role), Classification(row.clearance), session_csrf=row.csrf_token
    )


async def close_session(connection: AsyncConnection, token: str) -> None:
    await connection.execute(
        text("DELETE FROM user_session WHERE token_sha256 = :digest"),
        {"digest": secrets.digest(token)},
    )
