"""Alerts: list, read, acknowledge, resolve; the live stream; CAP 1.2 and its Atom feed."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.background import BackgroundTask
from starlette.responses import Response, StreamingResponse

from bluewatch import cap
from bluewatch.api.authentication import authenticate
from bluewatch.api.body import read_model
from bluewatch.api.contracts import Alert, AlertPage
from bluewatch.api.deps import DatabaseDep, SettingsDep
from bluewatch.api.layers import collection_schema, feature_collection, geojson_response
from bluewatch.api.policy import AnalystDep, ViewerDep
from bluewatch.api.responses import GeoJSONResponse
from bluewatch.classification import Classification
from bluewatch.errors import InvalidParameter, Unauthorized
from bluewatch.events import log, sse
from bluewatch.layers.incidents import INCIDENTS
from bluewatch.layers.query import decode_cursor, encode_cursor
from bluewatch.layers.store import features_by_id
from bluewatch.parsing import whole_number
from bluewatch.rules import alerts
from bluewatch.security import audit
from bluewatch.text import PlainText

router = APIRouter(prefix="/alerts", tags=["Alerts"])
AlertId = Annotated[int, Path(ge=1, le=2**63 - 1)]


class Note(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: PlainText | None = Field(default=None, max_length=2000)


@router.get(
    "",
    summary="Alerts as a GeoJSON FeatureCollection, newest first",
    response_class=GeoJSONResponse,
    responses={200: {"model": AlertPage}},
)
async def list_alerts(request: Request, database: DatabaseDep, actor: ViewerDep) -> Response:
    query = alerts.parse_alert_query(request.query_params, actor.principal.clearance)
    async with database.read() as connection:
        page = await alerts.list_page(connection, query)
    next_cursor = None if page.next_before_id is None else encode_cursor(page.next_before_id)
    return GeoJSONResponse(
        feature_collection(request, page.features_json, page.number_returned, next_cursor)
    )


@router.get(
    "/stream",
    summary="Server-Sent Events: alert.created, .updated, .acknowledged, .resolved",
    description=(
        "Also each alert's tasks: `task.created`, `task.updated` (data: the task as "
        "`GET /tasks/{id}` shows it). "
        "With `layers=true`, also the changes of incidents, camps and routes the reader "
        "may see: `incident.created`, `.updated`, `.deleted` (also: reclassified above "
        "the reader), `.batch` (many at once: reload the layer), likewise `camp.*` and "
        "`route.*`. Their data names the record (`layer`, `id`); read it from the API. "
        "Resume with Last-Event-ID (or `last_event_id`) either way."
    ),
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def stream_alerts(
    request: Request,
    database: DatabaseDep,
    settings: SettingsDep,
    actor: ViewerDep,
    layers: Annotated[bool, Query(description="also stream layer changes")] = False,
) -> Response:
    raw = request.headers.get("last-event-id") or request.query_params.get("last_event_id")
    last_event_id = None if raw is None else _event_id(raw)
    hub = request.app.state.event_hub

    async def current_clearance() -> Classification | None:
        try:
            return (await authenticate(request)).clearance
        except Unauthorized:
            return None

    subscription = hub.subscribe(actor.principal.clearance, layers=layers)
    events = sse.stream(
        hub,
        subscription,
        database,
        last_event_id,
        settings.sse_heartbeat_seconds,
        current_clearance,
    )
    return StreamingResponse(
        events,
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        # Also when the body never runs (the client left at once).
        background=BackgroundTask(hub.unsubscribe, subscription),
    )


def _event_id(raw: str) -> int:
    event_id = whole_number(raw)
    if event_id is None:
        raise InvalidParameter("Last-Event-ID must be an event id.")
    return event_id


@router.get(
    "/cap.atom",
    summary="Atom feed of recent alerts, each linking to its CAP message",
    responses={200: {"content": {"application/atom+xml": {}}}},
)
async def cap_feed(
    request: Request, database: DatabaseDep, settings: SettingsDep, actor: ViewerDep
) -> Response:
    async with database.read() as connection:
        messages = await cap.recent_messages(connection, actor.principal.clearance, 50)
    feed = cap.atom_feed(
        messages,
        settings.cap_sender,
        str(request.url_for("cap_feed")),
        lambda alert_id: str(request.url_for("alert_cap", alert_id=alert_id)),
    )
    return Response(feed, media_type="application/atom+xml")


@router.get(
    "/{alert_id}/members",
    summary="The incidents an alert rests on (a surge's or a group's members), by id",
    description=(
        "A GeoJSON FeatureCollection of incidents, in pages of `limit` (1 to 1000, default "
        "100); follow the `next` link for the rest. Events carry `member_count` and "
        "`members_added` (the members that joined in that change), not the whole list."
    ),
    response_class=GeoJSONResponse,
    responses={200: geojson_response("a page of incidents", collection_schema(INCIDENTS))},
)
async def alert_members(
    request: Request,
    alert_id: AlertId,
    database: DatabaseDep,
    actor: ViewerDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    cursor: Annotated[str | None, Query(max_length=100)] = None,
) -> Response:
    after = 0 if cursor is None else decode_cursor(cursor)
    clearance = actor.principal.clearance
    async with database.read() as connection:
        page = await alerts.member_page(connection, alert_id, clearance, after, limit)
        found = await features_by_id(connection, INCIDENTS, page.incident_ids, clearance)
    next_cursor = None if page.next_after_id is None else encode_cursor(page.next_after_id)
    features_json = b"[" + b",".join(found) + b"]"
    return GeoJSONResponse(feature_collection(request, features_json, len(found), next_cursor))


@router.get(
    "/{alert_id}",
    summary="One alert as a GeoJSON Feature",
    response_class=GeoJSONResponse,
    responses={200: {"model": Alert}},
)
async def get_alert(alert_id: AlertId, database: DatabaseDep, actor: ViewerDep) -> Response:
    async with database.read() as connection:
        feature = await alerts.get_feature(connection, alert_id, actor.principal.clearance)
    return GeoJSONResponse(feature)


@router.get(
    "/{alert_id}/cap",
    summary="The alert as a CAP 1.2 message",
    name="alert_cap",
    responses={200: {"content": {"application/cap+xml": {}}}},
)
async def alert_cap(
    alert_id: AlertId,
    request: Request,
    database: DatabaseDep,
    settings: SettingsDep,
    actor: ViewerDep,
) -> Response:
    async with database.read() as connection:
        message = await cap.message_for(connection, alert_id, actor.principal.clearance)
    document = cap.render(
        message,
        settings.cap_sender,
        web=str(request.base_url).rstrip("/") + f"/?alert={alert_id}",
        contact=settings.cap_contact,
    )
    return Response(document, media_type="application/cap+xml")


async def _transition(
    request: Request,
    database: DatabaseDep,
    alert_id: int,
    change: alerts.Transition,
    actor: ViewerDep,
) -> Response:
    note = (await read_model(request, Note)).note if await request.body() else None
    clearance = actor.principal.clearance
    async with database.transaction() as connection:
        level = await alerts.transition(
            connection, alert_id, change, actor.principal.name, note, clearance
        )
        await log.append(connection, [log.AlertChange(alert_id, change.event)])
        await audit.record(
            connection,
            actor,
            change.event,
            object_type="alert",
            object_id=alert_id,
            classification=level,
        )
        feature = await alerts.get_feature(connection, alert_id, clearance)
    return GeoJSONResponse(feature)


@router.post(
    "/{alert_id}/ack",
    summary="Acknowledge (optional note)",
    response_class=GeoJSONResponse,
    responses={200: {"model": Alert}},
)
async def acknowledge(
    alert_id: AlertId, request: Request, database: DatabaseDep, actor: AnalystDep
) -> Response:
    return await _transition(request, database, alert_id, alerts.ACKNOWLEDGE, actor)


@router.post(
    "/{alert_id}/resolve",
    summary="Resolve (optional note)",
    response_class=GeoJSONResponse,
    responses={200: {"model": Alert}},
)
async def resolve(
    alert_id: AlertId, request: Request, database: DatabaseDep, actor: AnalystDep
) -> Response:
    return await _transition(request, database, alert_id, alerts.RESOLVE, actor)
