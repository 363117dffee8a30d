"""The open group of a proximity rule's band at a camp or route, found by an index.

With a cooldown, each incident in a band looks up the alert opened for that band of
the target within the cooldown. The index on (target_type, target_id) read every alert
ever raised at the target and sorted them: 0.5 ms per incident at a camp with a few
hundred alerts, 80 % of a 1,000-incident batch at 1M (bench/RESULTS.md). This index
holds only unresolved proximity alerts, in the order the lookup reads them, so it stops
at the first.

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-27
"""

from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
        CREATE INDEX ix_alert_open_group
        ON alert (rule_id, target_type, target_id, level, created_at DESC, id DESC)
        WHERE rule_kind = 'proximity' AND status <> 'resolved'
    """)


def downgrade() -> None:
    op.execute("DROP INDEX ix_alert_open_group")
