"""Rules as data: read, create and change them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from bluewatch.errors import NotFound
from bluewatch.rules.kinds import parse_params
from bluewatch.rules.params import RuleParams

COLUMNS = "id, name, kind, enabled, params, created_at, updated_at"


@dataclass(frozen=True)
class Rule:
    id: int
    name: str
    enabled: bool
    params: RuleParams

    @property
    def kind(self) -> str:
        return self.params.kind


def _rule(row: Any) -> Rule:
    return Rule(row.id, row.name, row.enabled, parse_params(row.kind, row.params))


def as_dict(row: Any) -> dict[str, Any]:
    record = dict(row._mapping)
    record["params"] = parse_params(row.kind, row.params).model_dump(mode="json", exclude={"kind"})
    return record


async def enabled_rules(connection: AsyncConnection) -> list[Rule]:
    rows = await connection.execute(text(f"SELECT {COLUMNS} FROM rule WHERE enabled ORDER BY id"))
    return [_rule(row) for row in rows]


async def listing(connection: AsyncConnection) -> list[dict[str, Any]]:
    rows = await connection.execute(text(f"SELECT {COLUMNS} FROM rule ORDER BY id"))
    return [as_dict(row) for row in rows]


async def get(connection: AsyncConnection, rule_id: int) -> Rule:
    row = (
        await connection.execute(
            text(f"SELECT {COLUMNS} FROM rule WHERE id = :id"), {"id": rule_id}
        )
    ).first()
    if row is None:
        raise NotFound(f"No such rule (id {rule_id}).")
    return _rule(row)


async def create(
    connection: AsyncConnection, name: str, params: RuleParams, enabled: bool
) -> dict[str, Any]:
    row = (
        await connection.execute(
            text(f"""
                INSERT INTO rule (name, kind, enabled, params)
                VALUES (:name, :kind, :enabled, CAST(:params AS jsonb))
                RETURNING {COLUMNS}
            """),
            {
                "name": name,
                "kind": params.kind,
                "enabled": enabled,
                "params": orjson.dumps(params.model_dump(mode="json", exclude={"kind"})).decode(),
            },
        )
    ).one()
    return as_dict(row)


async def update(
    connection: AsyncConnection,
    rule_id: int,
    *,
    name: str | None,
    enabled: bool | None,
    params: RuleParams | None,
) -> dict[str, Any]:
    row = (
        await connection.execute(
            text(f"""
                UPDATE rule SET
                    name = coalesce(:name, name),
                    enabled = coalesce(:enabled, enabled),
                    params = coalesce(CAST(:params AS jsonb), params),
                    updated_at = now()
                WHERE id = :id
                RETURNING {COLUMNS}
            """),
            {
                "id": rule_id,
                "name": name,
                "enabled": enabled,
                "params": None
                if params is None
                else orjson.dumps(params.model_dump(mode="json", exclude={"kind"})).decode(),
            },
        )
    ).first()
    if row is None:
        raise NotFound(f"No such rule (id {rule_id}).")
    return as_dict(row)
