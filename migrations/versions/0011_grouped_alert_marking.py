"""Grouped proximity alerts follow every member's marking.

A proximity rule with a cooldown groups incidents into one alert (``incident_ids``), as
surges do. The trigger that raises an alert's marking when an incident is reclassified
looked in ``incident_ids`` for surges only; it now looks there for every alert with more
than one incident, so a grouped alert never shows a member above its marking.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-26
"""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

BODY = """
    CREATE OR REPLACE FUNCTION incident_marking_changed() RETURNS trigger
    LANGUAGE plpgsql AS $$
    DECLARE changed_ids bigint[];
    BEGIN
        SELECT array_agg(n.id) INTO changed_ids
        FROM changed n JOIN previous o ON o.id = n.id
        WHERE n.classification <> o.classification;
        IF changed_ids IS NOT NULL THEN
            PERFORM remark_alerts(array(
                SELECT id FROM alert WHERE incident_id = ANY(changed_ids)
                UNION
                SELECT id FROM alert WHERE {members} AND incident_ids && changed_ids));
        END IF;
        RETURN NULL;
    END $$
"""


def upgrade() -> None:
    op.execute(BODY.format(members="cardinality(incident_ids) > 1"))


def downgrade() -> None:
    op.execute(BODY.format(members="rule_kind = 'cluster'"))
