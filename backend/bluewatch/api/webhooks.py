"""Webhook subscriptions (admin): the secret is shown at creation and rotation only."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any, Literal, get_args

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, ConfigDict, Field, StrictBool
from starlette.responses import Response

from bluewatch.api.body import json_body, read_model
from bluewatch.api.deps import DatabaseDep, SettingsDep
from bluewatch.api.policy import AdminDep
from bluewatch.api.responses import JSONResponse
from bluewatch.classification import Classification
from bluewatch.errors import InvalidInput
from bluewatch.rules.params import AlertLevel
from bluewatch.security import audit
from bluewatch.security.principal import Actor
from bluewatch.settings import Settings
from bluewatch.text import PlainText
from bluewatch.webhooks import store
from bluewatch.webhooks.ssrf import Guard, Refused

router = APIRouter(prefix="/webhooks", tags=["Webhooks"])
ItemId = Annotated[int, Path(ge=1, le=2**63 - 1)]
EventType = Literal[
    "alert.created",
    "alert.updated",
    "alert.acknowledged",
    "alert.resolved",
    "task.created",
    "task.updated",
]
ALL_EVENTS: list[EventType] = list(get_args(EventType))


class NewWebhook(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(min_length=8, max_length=2000)
    description: PlainText = Field(default="", max_length=1000)
    event_types: list[EventType] = Field(default_factory=lambda: list(ALL_EVENTS), min_length=1)
    min_level: AlertLevel = AlertLevel.WATCH
    camp_ids: list[int] = Field(default_factory=list, max_length=1000)
    route_ids: list[int] = Field(default_factory=list, max_length=1000)
    clearance: Classification = Classification.UNCLASSIFIED
    enabled: StrictBool = True
    # 0: a message per event; N: non-critical alerts in one digest every N minutes.
    digest_minutes: int = Field(default=0, ge=0, le=1440, strict=True)


class WebhookChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str | None = Field(default=None, min_length=8, max_length=2000)
    description: PlainText | None = Field(default=None, max_length=1000)
    event_types: list[EventType] | None = Field(default=None, min_length=1)
    min_level: AlertLevel | None = None
    camp_ids: list[int] | None = None
    route_ids: list[int] | None = None
    clearance: Classification | None = None
    enabled: StrictBool | None = None
    digest_minutes: int | None = Field(default=None, ge=0, le=1440, strict=True)


async def _check_destination(settings: Settings, url: str | None) -> None:
    if url is None:
        return
    try:
        await Guard(settings.webhook_allow_cidrs).check(url)
    except Refused as refused:
        raise InvalidInput(f"The webhook URL is not allowed: {refused}.") from None


def _highest_clearance(*subscriptions: dict[str, Any]) -> Classification:
    return Classification.highest(Classification(s["clearance"]) for s in subscriptions)


def _check_clearance(actor: Actor, clearance: Classification | None) -> None:
    if clearance is not None and not actor.principal.may_see(clearance):
        raise InvalidInput("A webhook's clearance may not exceed your own.")


@router.post(
    "",
    summary="Subscribe; the whsec_ secret is returned once",
    status_code=201,
    openapi_extra=json_body(NewWebhook),
)
async def create_webhook(
    request: Request, database: DatabaseDep, settings: SettingsDep, actor: AdminDep
) -> Response:
    wanted = await read_model(request, NewWebhook)
    _check_clearance(actor, wanted.clearance)
    await _check_destination(settings, wanted.url)
    async with database.transaction() as connection:
        record, secret = await store.create(
            connection, wanted.model_dump(mode="json"), actor.principal.name
        )
        await audit.record(
            connection,
            actor,
            "webhooks.create",
            object_type="webhook",
            object_id=record["id"],
            classification=wanted.clearance,
        )
    return JSONResponse(record | {"secret": secret}, status_code=201)


@router.get("", summary="Subscriptions (never their secrets)")
async def list_webhooks(database: DatabaseDep, actor: AdminDep) -> Response:
    async with database.read() as connection:
        return JSONResponse({"items": await store.listing(connection, actor.principal.clearance)})


@router.get("/{webhook_id}", summary="One subscription")
async def get_webhook(webhook_id: ItemId, database: DatabaseDep, actor: AdminDep) -> Response:
    async with database.read() as connection:
        return JSONResponse(await store.get(connection, webhook_id, actor.principal.clearance))


@router.patch(
    "/{webhook_id}",
    summary="Change a subscription (re-enabling clears failures)",
    openapi_extra=json_body(WebhookChange),
)
async def change_webhook(
    webhook_id: ItemId,
    request: Request,
    database: DatabaseDep,
    settings: SettingsDep,
    actor: AdminDep,
) -> Response:
    wanted = await read_model(request, WebhookChange)
    changes = wanted.model_dump(mode="json", exclude_unset=True)
    if any(value is None for value in changes.values()):
        raise InvalidInput("Fields cannot be set to null.")
    _check_clearance(actor, wanted.clearance)
    await _check_destination(settings, wanted.url)
    async with database.transaction() as connection:
        scope = actor.principal.clearance
        before = await store.get(connection, webhook_id, scope, lock=True)
        record = await store.update(connection, webhook_id, changes, scope)
        await audit.record(
            connection,
            actor,
            "webhooks.update",
            object_type="webhook",
            object_id=webhook_id,
            classification=_highest_clearance(before, record),
            details={"changed": sorted(changes)},
        )
    return JSONResponse(record)


@router.delete("/{webhook_id}", summary="Unsubscribe", status_code=204)
async def delete_webhook(webhook_id: ItemId, database: DatabaseDep, actor: AdminDep) -> Response:
    async with database.transaction() as connection:
        held = await store.delete(connection, webhook_id, actor.principal.clearance)
        await audit.record(
            connection,
            actor,
            "webhooks.delete",
            object_type="webhook",
            object_id=webhook_id,
            classification=held,
        )
    return Response(status_code=204)


@router.post("/{webhook_id}/rotate", summary="New secret; the old one signs too for an overlap")
async def rotate_secret(
    webhook_id: ItemId, database: DatabaseDep, settings: SettingsDep, actor: AdminDep
) -> Response:
    overlap = timedelta(hours=settings.webhook_rotation_overlap_hours)
    async with database.transaction() as connection:
        scope = actor.principal.clearance
        subscription = await store.get(connection, webhook_id, scope, lock=True)
        secret = await store.rotate(connection, webhook_id, overlap, scope)
        await audit.record(
            connection,
            actor,
            "webhooks.rotate",
            object_type="webhook",
            object_id=webhook_id,
            classification=_highest_clearance(subscription),
        )
    return JSONResponse(
        {
            "id": webhook_id,
            "secret": secret,
            "previous_secret_valid_hours": overlap.total_seconds() / 3600,
        }
    )


@router.get("/{webhook_id}/deliveries", summary="The delivery log, newest first")
async def list_deliveries(webhook_id: ItemId, database: DatabaseDep, actor: AdminDep) -> Response:
    async with database.read() as connection:
        items = await store.deliveries(connection, webhook_id, actor.principal.clearance)
        return JSONResponse({"items": items})


@router.post("/{webhook_id}/deliveries/{delivery_id}/retry", summary="Send a delivery again")
async def retry_delivery(
    webhook_id: ItemId, delivery_id: ItemId, database: DatabaseDep, actor: AdminDep
) -> Response:
    async with database.transaction() as connection:
        scope = actor.principal.clearance
        subscription = await store.get(connection, webhook_id, scope)
        record = await store.retry(connection, webhook_id, delivery_id, scope)
        await audit.record(
            connection,
            actor,
            "webhooks.retry",
            object_type="webhook_delivery",
            object_id=delivery_id,
            classification=_highest_clearance(subscription),
        )
    return JSONResponse(record)


@router.post("/{webhook_id}/test", summary="Send a signed ping", status_code=202)
async def test_webhook(webhook_id: ItemId, database: DatabaseDep, actor: AdminDep) -> Response:
    async with database.transaction() as connection:
        scope = actor.principal.clearance
        subscription = await store.get(connection, webhook_id, scope)
        record = await store.ping(connection, webhook_id, scope)
        await audit.record(
            connection,
            actor,
            "webhooks.test",
            object_type="webhook",
            object_id=webhook_id,
            classification=_highest_clearance(subscription),
        )
    return JSONResponse(record, status_code=202)
