"""An alert's lookups by its target, whatever the statistics say.

A rule looks up, per incident and target, the open alert of its band (proximity with a
cooldown), of its window (baseline) or of its target (coverage). Three indexes could
answer: ``uq_alert_proximity`` (rule first), ``ix_alert_target`` (target_type,
target_id) and ``ix_alert_open_group`` (migration 0021, in the lookup's order). Planned
from statistics taken before a burst's alerts existed, every one of them looks like one
row, and the planner took the first two, reading every alert of the rule or the target
for each incident: a 1,000-incident batch with a cooldown took 3.8 s instead of 0.6
(the 10,000-incident set after ten 1,000-incident batches, bench W1 at 10k).

Now only one index leads with the target, in the lookup's order: ``ix_alert_target``
(target_type, target_id, rule_id, level, created_at DESC, id DESC), which also serves
what the old one did (alerts at a camp or route; the marking triggers), so the partial
index of 0021 goes. ``uq_alert_proximity`` keeps the same columns with the incident
first: the same key for ``ON CONFLICT``, no longer a way to a rule's alerts at a target.

Revision ID: 0023
Revises: 0022
Create Date: 2026-11-27
"""

from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("DROP INDEX ix_alert_open_group")
    op.execute("DROP INDEX ix_alert_target")
    op.execute("""
        CREATE INDEX ix_alert_target
        ON alert (target_type, target_id, rule_id, level, created_at DESC, id DESC)
    """)
    op.execute("DROP INDEX uq_alert_proximity")
    op.execute("""
        CREATE UNIQUE INDEX uq_alert_proximity
        ON alert (incident_id, rule_id, target_type, target_id)
        WHERE rule_kind = 'proximity'
    """)


def downgrade() -> None:
    op.execute("DROP INDEX uq_alert_proximity")
    op.execute("""
        CREATE UNIQUE INDEX uq_alert_proximity
        ON alert (rule_id, incident_id, target_type, target_id)
        WHERE rule_kind = 'proximity'
    """)
    op.execute("DROP INDEX ix_alert_target")
    op.execute("CREATE INDEX ix_alert_target ON alert (target_type, target_id)")
    op.execute("""
        CREATE INDEX ix_alert_open_group
        ON alert (rule_id, target_type, target_id, level, created_at DESC, id DESC)
        WHERE rule_kind = 'proximity' AND status <> 'resolved'
    """)
