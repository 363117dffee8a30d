"""Incidents keep how precisely their date is known; a baseline rule for routes.

ACLED codes ``time_precision`` beside ``geo_precision``: 1 the day is known, 2 only the
week, 3 only the month. It was read from ACLED files and dropped (and exported as 1).
Now it is stored, validated (1 to 3, default 1), imported and exported, and the rules
that count incidents in a time window (surges, baseline surges) count only those whose
date is known at least as finely as their window (docs/decisions.md).

Route baseline surges were supported but not seeded: "Route baseline surge" is added,
disabled like the camp one.

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-26
"""

import json

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

ROUTE_BASELINE = {
    "target": "route",
    "radius_m": 5000,
    "window_days": 7,
    "baseline_windows": 4,
    "min_count": 5,
    "min_ratio": 2.0,
    "level": "warning",
    "categories": [],
    "severity_min": 1,
    "max_age_hours": 72,
}


def upgrade() -> None:
    op.execute(
        "ALTER TABLE incident ADD COLUMN time_precision smallint NOT NULL DEFAULT 1 "
        "CONSTRAINT ck_incident_time_precision CHECK (time_precision BETWEEN 1 AND 3)"
    )
    op.execute(
        "INSERT INTO rule (name, kind, enabled, params) VALUES "
        f"('Route baseline surge', 'baseline', false, '{json.dumps(ROUTE_BASELINE)}'::jsonb)"
    )


def downgrade() -> None:
    op.execute(
        "DELETE FROM alert_member m USING alert a, rule r WHERE m.alert_id = a.id "
        "AND a.rule_id = r.id AND r.name = 'Route baseline surge' AND r.kind = 'baseline'"
    )
    op.execute(
        "DELETE FROM alert a USING rule r WHERE a.rule_id = r.id "
        "AND r.name = 'Route baseline surge' AND r.kind = 'baseline'"
    )
    op.execute("DELETE FROM rule WHERE name = 'Route baseline surge' AND kind = 'baseline'")
    op.execute("ALTER TABLE incident DROP COLUMN time_precision")
