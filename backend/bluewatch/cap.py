"""CAP 1.2 messages for alerts, and the Atom feed that lists them.

Every change of an alert is a new CAP message: version 1 is an ``Alert``, later
versions ``Update`` and a resolved alert a ``Cancel``, each referencing the earlier
messages. Versions are the alert's events, so a message's ``sent`` never changes.
Coordinates in CAP are "lat,lon" (WGS 84), circles "lat,lon radius_km".
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from bluewatch.classification import Classification
from bluewatch.errors import NotFound
from bluewatch.layers.query import visible_to
from bluewatch.rules.kinds import KINDS
from bluewatch.rules.members import MEMBER_IDS
from bluewatch.rules.params import french_instruction
from bluewatch.rules.wording import Language
from bluewatch.text import xml_safe

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
ATOM_NS = "http://www.w3.org/2005/Atom"
HEADLINE_LENGTH = 140  # Google Public Alerts, and about what a phone notification shows

# level -> (urgency, severity, responseType)
LEVELS = {
    "critical": ("Immediate", "Extreme", "Avoid"),
    "warning": ("Expected", "Severe", "Prepare"),
    "watch": ("Future", "Moderate", "Monitor"),
}


@dataclass(frozen=True)
class Version:
    number: int
    sent: datetime


@dataclass(frozen=True)
class CapMessage:
    alert_id: int
    status: str
    level: str
    headline: str
    headline_fr: str | None
    uncertain: bool
    classification: Classification
    rule_kind: str
    category: str | None
    incident_status: str | None
    incident_ids: list[int]
    target_type: str | None
    target_name: str | None
    distance_m: float | None
    lon: float
    lat: float
    radius_km: float
    perimeter: list[list[float]] | None  # the camp's exterior ring, lon/lat
    versions: list[Version]  # oldest first; the last is this message
    resolved_by: str | None
    resolve_note: str | None
    expires_hours: float
    instruction: str
    instruction_fr: str | None


def cap_time(moment: datetime) -> str:
    """CAP's dateTime: seconds precision and an explicit offset (no 'Z')."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


def identifier(alert_id: int, version: int) -> str:
    return f"bluewatch-alert-{alert_id}-{version}"


MESSAGE_SQL = f"""
    SELECT a.id, a.status, a.level::text AS level, a.headline, a.headline_fr, a.uncertain,
           a.classification::text,
           a.rule_kind, {MEMBER_IDS} AS incident_ids, a.target_type, a.target_name, a.distance_m,
           a.version, a.resolved_by, a.resolve_note,
           ST_X(a.geom) AS lon, ST_Y(a.geom) AS lat,
           i.category, i.status AS incident_status,
           r.params AS rule_params,
           CASE WHEN a.target_type = 'camp' AND a.rule_kind = 'proximity'
                THEN ST_AsGeoJSON(c.geom, 6) END AS perimeter,
           (SELECT array_agg(e.occurred_at ORDER BY e.id) FROM event e
             WHERE e.alert_id = a.id) AS event_times
    FROM alert a
    JOIN rule r ON r.id = a.rule_id
    LEFT JOIN incident i ON i.id = a.incident_id
         AND i.classification <= CAST(:clearance AS classification)
    LEFT JOIN camp c ON a.target_type = 'camp' AND c.id = a.target_id
         AND c.classification <= CAST(:clearance AS classification)
"""
# The alert's marking is at least its sources' (migration 0007), so a reader of the alert
# may read them; the joins are filtered all the same, by the same bound clearance.


def _message(row: Any) -> CapMessage:
    times: list[datetime] = list(row.event_times or [])
    # One event per version; purged early events leave the oldest versions unlisted.
    first = row.version - len(times) + 1
    versions = [Version(first + index, moment) for index, moment in enumerate(times)]
    if not versions:
        versions = [Version(row.version, datetime.now(UTC))]
    kind = KINDS[row.rule_kind]

    def rule_param(name: str) -> Any:
        """The rule's value, or its model's default (params stored before the field)."""
        return row.rule_params.get(name) or kind.params.model_fields[name].default

    radius_km = kind.cap_radius_km(row.distance_m, rule_param)
    perimeter = orjson.loads(row.perimeter)["coordinates"][0] if row.perimeter else None
    return CapMessage(
        alert_id=row.id,
        status=row.status,
        level=row.level,
        headline=row.headline,
        headline_fr=row.headline_fr,
        uncertain=row.uncertain,
        classification=Classification(row.classification),
        rule_kind=row.rule_kind,
        category=row.category,
        incident_status=row.incident_status,
        incident_ids=list(row.incident_ids),
        target_type=row.target_type,
        target_name=row.target_name,
        distance_m=row.distance_m,
        lon=row.lon,
        lat=row.lat,
        radius_km=radius_km,
        perimeter=perimeter,
        versions=versions,
        resolved_by=row.resolved_by,
        resolve_note=row.resolve_note,
        expires_hours=float(rule_param("expires_hours")),
        instruction=str(rule_param("instruction")),
        instruction_fr=french_instruction(
            str(rule_param("instruction")), row.rule_params.get("instruction_fr")
        ),
    )


async def message_for(
    connection: AsyncConnection, alert_id: int, clearance: Classification
) -> CapMessage:
    sql_filter = visible_to("a", clearance)
    row = (
        await connection.execute(
            text(f"{MESSAGE_SQL} WHERE a.id = :id AND {sql_filter.where}"),
            {**sql_filter.params, "id": alert_id},
        )
    ).first()
    if row is None:
        raise NotFound(f"No such alert (id {alert_id}).")
    return _message(row)


async def recent_messages(
    connection: AsyncConnection, clearance: Classification, limit: int
) -> list[CapMessage]:
    sql_filter = visible_to("a", clearance)
    rows = await connection.execute(
        text(f"{MESSAGE_SQL} WHERE {sql_filter.where} ORDER BY a.updated_at DESC LIMIT :limit"),
        {**sql_filter.params, "limit": limit},
    )
    return [_message(row) for row in rows]


def _child(parent: ET.Element, tag: str, value: str | None = None) -> ET.Element:
    element = ET.SubElement(parent, f"{{{CAP_NS}}}{tag}")
    if value is not None:
        element.text = xml_safe(value)
    return element


def _msg_type(message: CapMessage) -> str:
    if message.status == "resolved":
        return "Cancel"
    return "Alert" if len(message.versions) == 1 and message.versions[0].number == 1 else "Update"


def render(
    message: CapMessage, sender: str, *, web: str | None = None, contact: str | None = None
) -> bytes:
    """The CAP 1.2 document; ``web`` links to the alert on the map, ``contact`` says who
    answers for it."""
    current = message.versions[-1]
    alert = ET.Element(f"{{{CAP_NS}}}alert")
    _child(alert, "identifier", identifier(message.alert_id, current.number))
    _child(alert, "sender", sender)
    _child(alert, "sent", cap_time(current.sent))
    _child(alert, "status", "Actual")
    msg_type = _msg_type(message)
    _child(alert, "msgType", msg_type)
    _child(alert, "source", "Bluewatch early warning")
    _child(alert, "scope", "Restricted")
    _child(alert, "restriction", message.classification.marking)
    if msg_type == "Cancel":
        note = f"Resolved by {message.resolved_by or 'an analyst'}"
        if message.resolve_note:
            note += f": {message.resolve_note}"
        _child(alert, "note", note)
    earlier = message.versions[:-1]
    if msg_type != "Alert" and earlier:
        _child(
            alert,
            "references",
            " ".join(
                f"{sender},{identifier(message.alert_id, v.number)},{cap_time(v.sent)}"
                for v in earlier
            ),
        )
    if message.incident_ids:
        _child(
            alert, "incidents", " ".join(f"bluewatch-incident-{i}" for i in message.incident_ids)
        )
    for language in languages(message):
        _info(alert, message, language, current, web, contact)
    ET.register_namespace("", CAP_NS)
    document: bytes = ET.tostring(alert, encoding="utf-8", xml_declaration=True)
    return document


def _headline(text: str) -> str:
    """At most ``HEADLINE_LENGTH`` characters; a cut headline ends in an ellipsis."""
    if len(text) <= HEADLINE_LENGTH:
        return text
    return text[: HEADLINE_LENGTH - 1].rstrip() + "…"


def languages(message: CapMessage) -> list[Language]:
    """English always; French too where the rule has both texts (its instruction in each)
    and the alert its French headline."""
    french = message.instruction_fr is not None and message.headline_fr is not None
    return ["en", "fr"] if french else ["en"]


def _info(
    alert: ET.Element,
    message: CapMessage,
    language: Language,
    current: Version,
    web: str | None,
    contact: str | None,
) -> None:
    """One <info> block: the same alert in one language (CAP 1.2 §3.2.2)."""
    french = language == "fr"
    urgency, severity, response = LEVELS[message.level]
    info = _child(alert, "info")
    _child(info, "language", "fr" if french else "en-US")
    _child(info, "category", "Security")
    kind = KINDS[message.rule_kind]
    _child(info, "event", kind.cap_event(message, language))
    _child(info, "responseType", response)
    _child(info, "urgency", urgency)
    _child(info, "severity", severity)
    _child(info, "certainty", kind.cap_certainty(message))
    expires = current.sent + timedelta(hours=message.expires_hours)
    _child(info, "expires", cap_time(expires))
    _child(info, "senderName", "Bluewatch")
    headline = message.headline_fr if french and message.headline_fr else message.headline
    _child(info, "headline", _headline(headline))
    _child(info, "description", kind.cap_description(message, language))
    instruction = (
        message.instruction_fr if french and message.instruction_fr else message.instruction
    )
    _child(info, "instruction", instruction)
    if web is not None:
        _child(info, "web", web)
    if contact is not None:
        _child(info, "contact", contact)
    parameter = _child(info, "parameter")
    _child(parameter, "valueName", "bluewatch:level")
    _child(parameter, "value", message.level)
    area = _child(info, "area")
    _child(area, "areaDesc", message.target_name or ("Zone du pic" if french else "Surge area"))
    if message.perimeter:
        _child(area, "polygon", " ".join(f"{lat:.6f},{lon:.6f}" for lon, lat in message.perimeter))
    _child(area, "circle", f"{message.lat:.6f},{message.lon:.6f} {message.radius_km:.3f}")


def atom_feed(
    messages: list[CapMessage], sender: str, self_url: str, cap_url: Callable[[int], str]
) -> bytes:
    ET.register_namespace("", ATOM_NS)

    def child(parent: ET.Element, tag: str, value: str | None = None) -> ET.Element:
        element = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}")
        if value is not None:
            element.text = xml_safe(value)
        return element

    feed = ET.Element(f"{{{ATOM_NS}}}feed")
    child(feed, "id", f"urn:bluewatch:cap-feed:{sender}")
    child(feed, "title", "Bluewatch early-warning alerts (CAP 1.2)")
    newest = max((m.versions[-1].sent for m in messages), default=datetime.now(UTC))
    child(feed, "updated", newest.astimezone(UTC).isoformat())
    ET.SubElement(feed, f"{{{ATOM_NS}}}link", rel="self", href=self_url)
    author = child(feed, "author")
    child(author, "name", "Bluewatch")
    for message in messages:
        current = message.versions[-1]
        entry = child(feed, "entry")
        child(entry, "id", f"urn:bluewatch:{identifier(message.alert_id, current.number)}")
        child(entry, "title", message.headline)
        child(entry, "updated", current.sent.astimezone(UTC).isoformat())
        child(entry, "summary", f"{message.level}: {message.headline}")
        ET.SubElement(entry, f"{{{ATOM_NS}}}category", term=message.level)
        ET.SubElement(
            entry,
            f"{{{ATOM_NS}}}link",
            rel="alternate",
            type="application/cap+xml",
            href=cap_url(message.alert_id),
        )
    document: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return document


def rule_violations(document: bytes) -> list[str]:
    """What the CAP 1.2 XSD cannot check: restriction, references, polygon rings."""
    root = ET.fromstring(document)  # noqa: S314 - our own output
    ns = {"cap": CAP_NS}
    problems = []
    scope = root.findtext("cap:scope", namespaces=ns)
    if scope == "Restricted" and not root.findtext("cap:restriction", namespaces=ns):
        problems.append("scope Restricted without a restriction")
    msg_type = root.findtext("cap:msgType", namespaces=ns)
    if msg_type in ("Update", "Cancel") and not root.findtext("cap:references", namespaces=ns):
        problems.append(f"msgType {msg_type} without references")
    for polygon in root.iterfind(".//cap:polygon", ns):
        points = (polygon.text or "").split()
        if len(points) < 4:
            problems.append("polygon with fewer than 4 points")
        elif points[0] != points[-1]:
            problems.append("polygon not closed")
    return problems
