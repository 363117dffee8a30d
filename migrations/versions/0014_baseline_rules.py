"""Baseline surges: a third rule kind, and a camp baseline rule to switch on.

The rule is seeded disabled: a mission enables it (map: Rules…) once its incident
history is long enough for the baseline to mean something (by default five weeks).

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-26
"""

import json

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

CAMP_BASELINE = {
    "target": "camp",
    "radius_m": 10000,
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
    op.execute("ALTER TABLE rule DROP CONSTRAINT ck_rule_kind")
    op.execute(
        "ALTER TABLE rule ADD CONSTRAINT ck_rule_kind "
        "CHECK (kind IN ('proximity', 'cluster', 'baseline'))"
    )
    op.execute(
        "INSERT INTO rule (name, kind, enabled, params) VALUES "
        f"('Camp baseline surge', 'baseline', false, '{json.dumps(CAMP_BASELINE)}'::jsonb)"
    )


def downgrade() -> None:
    op.execute("DELETE FROM alert WHERE rule_kind = 'baseline'")
    op.execute("DELETE FROM rule WHERE kind = 'baseline'")
    op.execute("ALTER TABLE rule DROP CONSTRAINT ck_rule_kind")
    op.execute(
        "ALTER TABLE rule ADD CONSTRAINT ck_rule_kind CHECK (kind IN ('proximity', 'cluster'))"
    )
