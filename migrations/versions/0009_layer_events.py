"""Layer changes in the event log, so the live map follows incidents, camps and routes.

An event is now about an alert (``alert_id``) or about a layer record (``layer`` and
``record_id``), never both. Layer events are thin (which record, what happened): a
reader fetches the record through the API, under its clearance. ``hidden_from`` lets an
event reach only readers cleared *below* a level: when a record is reclassified upward,
readers who can no longer see it are told it is gone, and nobody else is.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26
"""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE event ALTER COLUMN alert_id DROP NOT NULL")
    op.execute("ALTER TABLE event ADD COLUMN layer text, ADD COLUMN record_id bigint")
    op.execute("ALTER TABLE event ADD COLUMN hidden_from classification")
    op.execute(
        "ALTER TABLE event ADD CONSTRAINT ck_event_subject CHECK ("
        "(alert_id IS NOT NULL AND layer IS NULL AND record_id IS NULL) OR "
        "(alert_id IS NULL AND layer IN ('incident', 'camp', 'route')))"
    )


def downgrade() -> None:
    op.execute("DELETE FROM event WHERE alert_id IS NULL")
    op.execute("ALTER TABLE event DROP CONSTRAINT ck_event_subject")
    op.execute(
        "ALTER TABLE event DROP COLUMN hidden_from, DROP COLUMN layer, DROP COLUMN record_id"
    )
    op.execute("ALTER TABLE event ALTER COLUMN alert_id SET NOT NULL")
