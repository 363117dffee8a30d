"""The response-time report: how long alerts waited for a unit, and for help to arrive.

For the alerts raised in ``[start, end)`` that the reader may see: per alert level, per
camp or route (and for surges, which have neither, together), and overall, the count,
how many were tasked and never tasked, and the median and 90th percentile (continuous,
in seconds) from the alert to its first task and to the first unit on scene. A task
counts only when the reader may see it (its unit's marking too), so a hidden unit's
work never shows, not even as a time.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from bluewatch.classification import Classification
from bluewatch.tasking.tasks import FROM, VISIBLE

MEASURES = ("to_tasking", "to_on_scene")
# Alerts never tasked, listed by id (the newest first) up to this many.
UNTASKED_LISTED = 1000

# Each alert raised in the period with its first visible task's times.
TIMED = f"""
    raised AS (
        SELECT a.id, a.level::text AS level, a.target_type, a.target_id, a.target_name,
               a.classification, a.created_at
        FROM alert a
        WHERE a.classification <= CAST(:clearance AS classification)
          AND a.created_at >= :start AND a.created_at < :end
    ), answered AS (
        SELECT t.alert_id, min(t.tasked_at) AS tasked_at, min(t.on_scene_at) AS on_scene_at,
               max(t.classification) AS classification
        FROM {FROM}
        WHERE t.alert_id IN (SELECT id FROM raised) AND {VISIBLE}
        GROUP BY t.alert_id
    ), timed AS (
        SELECT r.*, extract(epoch FROM x.tasked_at - r.created_at) AS to_tasking,
               extract(epoch FROM x.on_scene_at - r.created_at) AS to_on_scene,
               greatest(r.classification, x.classification) AS marking
        FROM raised r LEFT JOIN answered x ON x.alert_id = r.id
    )"""

REPORT = text(f"""
    WITH {TIMED}
    SELECT grouping(level) = 0 AS by_level, grouping(target_type) = 0 AS by_target,
           level, target_type, target_id, max(target_name) AS target_name,
           count(*) AS alerts, count(to_tasking) AS tasked,
           count(*) - count(to_tasking) AS never_tasked, count(to_on_scene) AS on_scene,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY to_tasking) AS to_tasking_median_s,
           percentile_cont(0.9) WITHIN GROUP (ORDER BY to_tasking) AS to_tasking_p90_s,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY to_on_scene) AS to_on_scene_median_s,
           percentile_cont(0.9) WITHIN GROUP (ORDER BY to_on_scene) AS to_on_scene_p90_s,
           max(marking)::text AS marking
    FROM timed
    GROUP BY GROUPING SETS ((), (level), (target_type, target_id))
""")

UNTASKED = text(f"""
    WITH {TIMED}
    SELECT id FROM timed WHERE to_tasking IS NULL ORDER BY id DESC LIMIT {UNTASKED_LISTED}
""")

LEVEL_ORDER = {"critical": 0, "warning": 1, "watch": 2}
CSV_COLUMNS = (
    "group", "level", "target_type", "target_id", "target_name", "alerts", "tasked",
    "never_tasked", "on_scene", "to_tasking_median_s", "to_tasking_p90_s",
    "to_on_scene_median_s", "to_on_scene_p90_s",
)  # fmt: skip


def _seconds(value: float | None) -> float | None:
    return None if value is None else round(float(value), 1)


def _group(row: Any) -> dict[str, Any]:
    group = "level" if row.by_level else "target" if row.by_target else "all"
    target = None
    if row.by_target and row.target_type is not None:
        target = {"type": row.target_type, "id": row.target_id, "name": row.target_name}
    return {
        "group": group,
        "level": row.level if row.by_level else None,
        "target": target,
        "alerts": row.alerts,
        "tasked": row.tasked,
        "never_tasked": row.never_tasked,
        "on_scene": row.on_scene,
        **{
            f"{measure}_{stat}_s": _seconds(getattr(row, f"{measure}_{stat}_s"))
            for measure in MEASURES
            for stat in ("median", "p90")
        },
    }


async def response_times(
    connection: AsyncConnection, clearance: Classification, start: datetime, end: datetime
) -> dict[str, Any]:
    values = {"clearance": clearance.value, "start": start, "end": end}
    rows = (await connection.execute(REPORT, values)).all()
    # The overall group always (a period without alerts says so); the others when held.
    groups = [_group(row) for row in rows if row.alerts or not (row.by_level or row.by_target)]
    groups.sort(key=_report_order)
    markings = [Classification(row.marking) for row in rows if row.marking]
    untasked = list((await connection.execute(UNTASKED, values)).scalars())
    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "classification": Classification.highest(markings).value,
        "groups": groups,
        "never_tasked_alert_ids": untasked,
    }


def _report_order(group: dict[str, Any]) -> tuple[int, int, str, int]:
    kinds = {"all": 0, "level": 1, "target": 2}
    target = group["target"] or {"type": "~", "id": 0}
    return (
        kinds[group["group"]],
        LEVEL_ORDER.get(group["level"] or "", 3),
        target["type"],
        target["id"],
    )


def as_csv(report: dict[str, Any]) -> str:
    """One row per group (the target's type, id and name in their own columns)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for group in report["groups"]:
        target = group["target"] or {}
        flat = {
            **group,
            "target_type": target.get("type"),
            "target_id": target.get("id"),
            "target_name": target.get("name"),
        }
        writer.writerow([_cell(flat[column]) for column in CSV_COLUMNS])
    return out.getvalue()


def _cell(value: object) -> object:
    """A spreadsheet runs a cell starting with = + - @, tab or CR as a formula (CSV
    injection): such text gets a leading apostrophe, as the exports do."""
    if value is None:
        return ""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
