"""Turn a request's credential into a principal: a bearer API key, or the session cookie."""

from __future__ import annotations

from fastapi import Request

from bluewatch.db.engine import Database
from bluewatch.errors import Unauthorized
from bluewatch.security import keys, sessions
from bluewatch.security.principal import Principal

SESSION_COOKIE = "bluewatch_session"


async def authenticate(request: Request) -> Principal:
    database: Database = request.app.state.database
    header = request.headers.get("authorization")
    if header is not None:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("Use 'Authorization: Bearer <API key>'.")
        async with database.transaction() as connection:
            principal = await keys.principal_for(connection, token.strip())
        if principal is None:
            raise Unauthorized("The API key is unknown, expired or revoked.")
        return principal
    if request.cookies.get(SESSION_COOKIE):
        principal = await session_principal(request)
        if principal is None:
            raise Unauthorized("The session has ended; sign in again.")
        return principal
    raise Unauthorized("Sign in, or send an API key as 'Authorization: Bearer <key>'.")


async def session_principal(request: Request) -> Principal | None:
    """Who the browser's session cookie stands for; None without one, or once it ended."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    database: Database = request.app.state.database
    async with database.read() as connection:
        return await sessions.principal_for(connection, cookie)
