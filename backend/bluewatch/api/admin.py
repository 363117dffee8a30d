"""Administration: API keys, users and the audit log (admin role)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, ConfigDict, Field, StrictBool
from starlette.responses import Response

from bluewatch.api.body import json_body, read_model
from bluewatch.api.deps import DatabaseDep
from bluewatch.api.policy import AdminDep
from bluewatch.api.responses import JSONResponse
from bluewatch.classification import Classification
from bluewatch.errors import InvalidParameter
from bluewatch.instants import Instant
from bluewatch.layers.query import decode_cursor, encode_cursor, parse_datetime
from bluewatch.parsing import whole_number
from bluewatch.security import administration, audit
from bluewatch.security.principal import Role
from bluewatch.text import PlainText

router = APIRouter(tags=["Administration"])
ItemId = Annotated[int, Path(ge=1, le=2**63 - 1)]
USERNAME = r"^[A-Za-z0-9._@-]{1,100}$"


class NewKey(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: PlainText = Field(min_length=1, max_length=100)
    role: Role
    clearance: Classification
    expires_at: Instant | None = None


class NewUser(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(pattern=USERNAME)
    password: str = Field(min_length=12, max_length=1000)
    role: Role
    clearance: Classification


class UserChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Role | None = None
    clearance: Classification | None = None
    password: str | None = Field(default=None, min_length=12, max_length=1000)
    disabled: StrictBool | None = None


@router.get("/keys", summary="API keys within your clearance (never their tokens)")
async def list_keys(database: DatabaseDep, actor: AdminDep) -> Response:
    return JSONResponse({"items": await administration.list_keys(database, actor)})


@router.post(
    "/keys",
    summary="Create an API key; its token is shown once",
    status_code=201,
    openapi_extra=json_body(NewKey),
)
async def create_key(request: Request, database: DatabaseDep, actor: AdminDep) -> Response:
    wanted = await read_model(request, NewKey)
    record, token = await administration.create_key(
        database,
        actor,
        name=wanted.name,
        role=wanted.role,
        clearance=wanted.clearance,
        expires_at=wanted.expires_at,
    )
    return JSONResponse(record | {"token": token}, status_code=201)


@router.delete("/keys/{key_id}", summary="Revoke an API key", status_code=204)
async def revoke_key(key_id: ItemId, database: DatabaseDep, actor: AdminDep) -> Response:
    await administration.revoke_key(database, actor, str(key_id))
    return Response(status_code=204)


@router.get("/users", summary="Users within your clearance")
async def list_users(database: DatabaseDep, actor: AdminDep) -> Response:
    return JSONResponse({"items": await administration.list_users(database, actor)})


@router.post("/users", summary="Create a user", status_code=201, openapi_extra=json_body(NewUser))
async def create_user(request: Request, database: DatabaseDep, actor: AdminDep) -> Response:
    wanted = await read_model(request, NewUser)
    record = await administration.create_user(
        database,
        actor,
        username=wanted.username,
        password=wanted.password,
        role=wanted.role,
        clearance=wanted.clearance,
    )
    return JSONResponse(record, status_code=201)


@router.patch(
    "/users/{user_id}",
    summary="Change a user's role, clearance, password or state",
    openapi_extra=json_body(UserChange),
)
async def change_user(
    user_id: ItemId, request: Request, database: DatabaseDep, actor: AdminDep
) -> Response:
    wanted = await read_model(request, UserChange)
    changes = wanted.model_dump(mode="json", exclude_none=True)
    return JSONResponse(await administration.update_user(database, actor, user_id, changes))


@router.delete("/users/{user_id}", summary="Delete a user and end their sessions", status_code=204)
async def delete_user(user_id: ItemId, database: DatabaseDep, actor: AdminDep) -> Response:
    await administration.delete_user(database, actor, user_id)
    return Response(status_code=204)


@router.get(
    "/audit",
    summary="The audit log within your clearance, newest first",
    openapi_extra={
        "parameters": [
            {"name": name, "in": "query", "required": False, "schema": {"type": "string"}}
            for name in ("since", "action", "actor", "limit", "cursor")
        ]
    },
)
async def read_audit(request: Request, database: DatabaseDep, actor: AdminDep) -> Response:
    params = request.query_params
    unknown = set(params) - {"since", "action", "actor", "limit", "cursor"}
    if unknown:
        raise InvalidParameter("Accepted: since, action, actor, limit, cursor.")
    since = _instant(params.get("since"))
    limit = whole_number(params.get("limit", "100"), upper=1000)
    if limit is None or limit < 1:
        raise InvalidParameter("'limit' must lie between 1 and 1000.")
    before = decode_cursor(params["cursor"]) if "cursor" in params else None
    async with database.read() as connection:
        items = await audit.entries(
            connection,
            since=since,
            action=params.get("action"),
            actor=params.get("actor"),
            before_id=before,
            limit=limit,
            scope=actor.principal.clearance,
        )
    body: dict[str, Any] = {"items": items, "links": []}
    if len(items) == limit:
        next_url = request.url.include_query_params(cursor=encode_cursor(items[-1]["id"]))
        body["links"].append({"rel": "next", "href": str(next_url)})
    return JSONResponse(body)


def _instant(raw: str | None) -> datetime | None:
    return None if raw is None else parse_datetime(raw).start
