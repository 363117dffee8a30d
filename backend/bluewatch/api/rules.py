"""Rules as data (admin): list, create, change. Changes re-evaluate recent incidents."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, ConfigDict, Field, StrictBool, ValidationError
from starlette.responses import Response

from bluewatch.api.body import json_body, read_model
from bluewatch.api.deps import DatabaseDep
from bluewatch.api.policy import AdminDep
from bluewatch.api.responses import JSONResponse
from bluewatch.errors import InvalidInput, validation_errors
from bluewatch.rules import engine, store
from bluewatch.rules.kinds import parse_params
from bluewatch.rules.params import RuleParams
from bluewatch.security import audit
from bluewatch.text import PlainText

router = APIRouter(prefix="/rules", tags=["Rules"])
RuleId = Annotated[int, Path(ge=1, le=2**63 - 1)]


class NewRule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: PlainText = Field(min_length=1, max_length=200)
    kind: Literal["proximity", "cluster", "baseline", "coverage"]
    enabled: StrictBool = True
    params: dict[str, Any]


class RuleChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: PlainText | None = Field(default=None, min_length=1, max_length=200)
    enabled: StrictBool | None = None
    params: dict[str, Any] | None = None


def _params(kind: str, raw: dict[str, Any]) -> RuleParams:
    try:
        return parse_params(kind, raw)
    except ValidationError as error:
        raise InvalidInput(
            "The rule's params are not valid.", validation_errors(error, "/params")
        ) from None


@router.get("", summary="Rules")
async def list_rules(database: DatabaseDep, actor: AdminDep) -> Response:
    async with database.read() as connection:
        return JSONResponse({"items": await store.listing(connection)})


@router.post(
    "",
    summary="Create a rule; recent incidents are evaluated against it",
    status_code=201,
    openapi_extra=json_body(NewRule),
)
async def create_rule(request: Request, database: DatabaseDep, actor: AdminDep) -> Response:
    wanted = await read_model(request, NewRule)
    rule_params = _params(wanted.kind, wanted.params)
    async with database.transaction() as connection:
        record = await store.create(connection, wanted.name, rule_params, wanted.enabled)
        changes = await engine.evaluate_rule(connection, await store.get(connection, record["id"]))
        await audit.record(
            connection,
            actor,
            "rules.create",
            object_type="rule",
            object_id=record["id"],
            details={"alerts": len(changes)},
        )
    return JSONResponse(record, status_code=201)


@router.patch(
    "/{rule_id}",
    summary="Change a rule's name, enabled state or params",
    openapi_extra=json_body(RuleChange),
)
async def change_rule(
    rule_id: RuleId, request: Request, database: DatabaseDep, actor: AdminDep
) -> Response:
    wanted = await read_model(request, RuleChange)
    async with database.transaction() as connection:
        current = await store.get(connection, rule_id)
        rule_params = None if wanted.params is None else _params(current.kind, wanted.params)
        record = await store.update(
            connection, rule_id, name=wanted.name, enabled=wanted.enabled, params=rule_params
        )
        changes = await engine.evaluate_rule(connection, await store.get(connection, rule_id))
        await audit.record(
            connection,
            actor,
            "rules.update",
            object_type="rule",
            object_id=rule_id,
            details={"changed": sorted(wanted.model_fields_set), "alerts": len(changes)},
        )
    return JSONResponse(record)
