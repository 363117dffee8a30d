"""An alert's members in a table of their own, not an array on the alert.

A surge (or a grouped proximity alert) kept every member in ``alert.incident_ids``:
each new member rewrote the whole array (a surge reached 3,500 ids), every event
carried it (27 KB), and finding the alerts of one incident scanned every alert. Now
``alert_member`` holds one row per (alert, incident) with the alert version at which
the incident joined, so a change writes only the new rows, events carry the count and
the members added in that version, readers page the members, and the marking trigger
finds an incident's alerts by index. ``alert.member_count`` keeps the count.

No foreign keys: alerts are never deleted by the application (this migration's and
0014's downgrades delete what they own), and a deleted incident stays a member by id,
as it stayed in the array; the insert of a batch's members pays no per-row checks.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-26
"""

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

MARKING = """
    CREATE OR REPLACE FUNCTION alert_marking(a alert) RETURNS classification
    LANGUAGE sql STABLE RETURN coalesce(greatest(
        (SELECT max(i.classification) FROM incident i
          WHERE i.id = a.incident_id OR i.id IN ({members})),
        (SELECT c.classification FROM camp c
          WHERE a.target_type = 'camp' AND c.id = a.target_id),
        (SELECT r.classification FROM route r
          WHERE a.target_type = 'route' AND r.id = a.target_id)
    ), a.classification)
"""

INCIDENT_MARKING = """
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
                {members}));
        END IF;
        RETURN NULL;
    END $$
"""


def upgrade() -> None:
    op.execute("""
        CREATE TABLE alert_member (
            alert_id bigint NOT NULL,
            incident_id bigint NOT NULL,
            added_version integer NOT NULL DEFAULT 1,
            added_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT pk_alert_member PRIMARY KEY (alert_id, incident_id)
        )
    """)
    op.execute("CREATE INDEX ix_alert_member_incident_id ON alert_member (incident_id)")
    op.execute("ALTER TABLE alert ADD COLUMN member_count integer NOT NULL DEFAULT 0")
    op.execute("""
        INSERT INTO alert_member (alert_id, incident_id, added_at)
        SELECT DISTINCT a.id, member, a.created_at FROM alert a, unnest(a.incident_ids) member
    """)
    op.execute(
        "UPDATE alert a SET member_count = "
        "(SELECT count(*) FROM alert_member m WHERE m.alert_id = a.id)"
    )
    op.execute(MARKING.format(members="SELECT m.incident_id FROM alert_member m "
                              "WHERE m.alert_id = a.id"))  # fmt: skip
    op.execute(INCIDENT_MARKING.format(members="SELECT m.alert_id FROM alert_member m "
                                       "WHERE m.incident_id = ANY(changed_ids)"))  # fmt: skip
    op.execute("ALTER TABLE alert DROP COLUMN incident_ids")


def downgrade() -> None:
    op.execute("ALTER TABLE alert ADD COLUMN incident_ids bigint[] NOT NULL DEFAULT '{}'")
    op.execute("""
        UPDATE alert a SET incident_ids = m.ids
        FROM (SELECT alert_id, array_agg(incident_id ORDER BY incident_id) AS ids
              FROM alert_member GROUP BY alert_id) m
        WHERE m.alert_id = a.id
    """)
    op.execute(MARKING.format(members="SELECT unnest(a.incident_ids)"))
    op.execute(INCIDENT_MARKING.format(members="SELECT id FROM alert WHERE "
               "cardinality(incident_ids) > 1 AND incident_ids && changed_ids"))  # fmt: skip
    op.execute("ALTER TABLE alert DROP COLUMN member_count")
    op.execute("DROP TABLE alert_member")
