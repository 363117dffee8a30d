"""The coverage rule kind (issue 20): camps and convoy routes beyond the reach of medical
care by road, and one rule of it for camps and one for routes, off until a mission has
loaded its roads and facilities (an empty network leaves every camp beyond reach).

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-27
"""

import json

from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

STEPS = [
    {"level": "warning", "min_level": 2, "minutes": 60},
    {"level": "critical", "min_level": 2, "minutes": 120},
]


def _params(target: str) -> str:
    return json.dumps({"target": target, "steps": STEPS})


def _kinds(kinds: str) -> None:
    op.execute("ALTER TABLE rule DROP CONSTRAINT ck_rule_kind")
    op.execute(f"ALTER TABLE rule ADD CONSTRAINT ck_rule_kind CHECK (kind IN ({kinds}))")


def upgrade() -> None:
    _kinds("'proximity', 'cluster', 'baseline', 'coverage'")
    op.execute(
        "INSERT INTO rule (name, kind, enabled, params) VALUES "
        f"('Camp medical coverage (10-1-2)', 'coverage', false, '{_params('camp')}'::jsonb), "
        f"('Convoy route medical coverage (10-1-2)', 'coverage', false, '{_params('route')}'::jsonb)"
    )


def downgrade() -> None:
    op.execute(
        "DELETE FROM event WHERE alert_id IN (SELECT id FROM alert WHERE rule_kind = 'coverage')"
    )
    op.execute("DELETE FROM alert WHERE rule_kind = 'coverage'")
    op.execute("DELETE FROM rule WHERE kind = 'coverage'")
    _kinds("'proximity', 'cluster', 'baseline'")
