"""Signing in and out: throttled password checks, sessions, and their audit entries."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from bluewatch.db.engine import Database
from bluewatch.errors import TooManyRequests, Unauthorized
from bluewatch.security import audit, sessions
from bluewatch.security.principal import ANONYMOUS, Actor


async def sign_in(
    database: Database,
    username: str,
    password: str,
    context: Actor,
    limits: sessions.SignInLimits,
    lifetime: timedelta,
) -> sessions.Session:
    """A new session, or Unauthorized / TooManyRequests. Every outcome is audited.

    The attempt is counted under the throttle's lock before the password is checked, so
    concurrent guesses cannot share one count; the check itself runs outside any
    transaction, in a worker thread.
    """
    # Failures are recorded under the name that was tried; it is not a verified identity.
    claimed = Actor(replace(ANONYMOUS, name=username), context.request_id, context.address)
    try:
        async with database.transaction() as connection:
            await sessions.check_throttle(connection, username, context.address, limits)
            attempt = await sessions.note_attempt(connection, username, context.address)
            stored = await sessions.password_hash_of(connection, username)
    except TooManyRequests:
        await audit.record_alone(
            database, claimed, "session.sign_in", result="denied", details={"reason": "throttled"}
        )
        raise
    if not await sessions.password_matches(stored, password):
        await audit.record_alone(database, claimed, "session.sign_in", result="failed")
        raise Unauthorized("Unknown username or wrong password.")
    async with database.transaction() as connection:
        principal = await sessions.principal_of(connection, username, stored)
        await sessions.note_success(connection, attempt)
        session = await sessions.open_session(connection, principal, lifetime)
        await audit.record(
            connection,
            Actor(principal, context.request_id, context.address),
            "session.sign_in",
            classification=principal.clearance,
        )
    return session


async def sign_out(database: Database, token: str, actor: Actor) -> None:
    async with database.transaction() as connection:
        await sessions.close_session(connection, token)
        await audit.record(connection, actor, "session.sign_out")
