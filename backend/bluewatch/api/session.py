"""Browser sign-in: POST signs in and sets the session cookie, DELETE signs out."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from bluewatch.api.authentication import SESSION_COOKIE, session_principal
from bluewatch.api.body import json_body, read_model
from bluewatch.api.contracts import CurrentSession, NewSession, SessionInfo
from bluewatch.api.deps import DatabaseDep, SettingsDep
from bluewatch.api.policy import PUBLIC, ViewerDep, request_actor
from bluewatch.api.responses import JSONResponse
from bluewatch.security import sessions, sign_in
from bluewatch.security.principal import ANONYMOUS, Principal

router = APIRouter(prefix="/session", tags=["Session"])


class SignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=1, max_length=1000)


def describe(principal: Principal) -> dict[str, object]:
    return {
        "username": principal.name,
        "role": principal.role.value,
        "clearance": principal.clearance.value,
        "csrf_token": principal.session_csrf,
    }


@router.post(
    "",
    summary="Sign in; sets an HttpOnly session cookie",
    dependencies=[PUBLIC.depends()],
    openapi_extra=json_body(SignIn),
    status_code=201,
    responses={201: {"model": NewSession}},
)
async def create_session(
    request: Request, database: DatabaseDep, settings: SettingsDep
) -> Response:
    credentials = await read_model(request, SignIn)
    session = await sign_in.sign_in(
        database,
        credentials.username,
        credentials.password,
        request_actor(request, ANONYMOUS),
        sessions.SignInLimits(
            per_account=settings.sign_in_failures_per_account,
            per_address=settings.sign_in_failures_per_address,
        ),
        timedelta(hours=settings.session_hours),
    )
    body = describe(session.principal) | {
        "csrf_token": session.csrf_token,
        "expires_at": session.expires_at.isoformat(),
    }
    response = JSONResponse(body, status_code=201)
    response.set_cookie(
        SESSION_COOKIE,
        session.token,
        max_age=int(settings.session_hours * 3600),
        path="/",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


@router.get(
    "/current",
    summary="The browser's session, or null: lets the page ask without an error",
    dependencies=[PUBLIC.depends()],
    responses={200: {"model": CurrentSession}},
)
async def current_session(request: Request) -> Response:
    principal = await session_principal(request)
    return JSONResponse({"session": describe(principal) if principal else None})


@router.get("", summary="Who is signed in", responses={200: {"model": SessionInfo}})
async def read_session(actor: ViewerDep) -> Response:
    return JSONResponse(describe(actor.principal))


@router.delete("", summary="Sign out", status_code=204)
async def delete_session(request: Request, database: DatabaseDep, actor: ViewerDep) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        await sign_in.sign_out(database, token, actor)
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")
    return response
