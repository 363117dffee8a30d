"""An alert's time (its latest incident's) kept on the alert, not found on every read.

Every copy of an alert (the API, events, the POST's answer, CAP) said when its latest
member occurred by reading every member's incident: 6 ms for a surge or a grouped band
of 1,000 incidents, once per event and once per feature of a page (bench/RESULTS.md).
``alert.occurred_at`` now holds it: the rule statements that write members raise it
(they hold the members' times already; a trigger that updated each alert after its
members were written took 1.1 s of a 10,000-incident batch); an incident's time edited,
or the incident deleted, sets it again from the remaining members (triggers here).

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-27
"""

from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

# SQL: the alerts ``:alerts`` (a query of alert ids) take their latest member's time.
FROM_MEMBERS = """
    UPDATE alert a SET occurred_at = (
        SELECT max(i.occurred_at) FROM alert_member m JOIN incident i ON i.id = m.incident_id
        WHERE m.alert_id = a.id)
    WHERE a.id IN ({alerts})
"""


def upgrade() -> None:
    op.execute("ALTER TABLE alert ADD COLUMN occurred_at timestamptz")
    op.execute(FROM_MEMBERS.format(alerts="SELECT alert_id FROM alert_member"))
    retimed = FROM_MEMBERS.format(
        alerts="SELECT m.alert_id FROM alert_member m WHERE m.incident_id IN (SELECT id FROM moved)"
    )
    op.execute(f"""
        CREATE FUNCTION incident_times_follow() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'UPDATE' THEN
                WITH moved AS (
                    SELECT n.id FROM changed n JOIN previous o ON o.id = n.id
                    WHERE n.occurred_at IS DISTINCT FROM o.occurred_at)
                {retimed};
            ELSE
                WITH moved AS (SELECT id FROM previous)
                {retimed};
            END IF;
            RETURN NULL;
        END $$
    """)
    op.execute("""
        CREATE TRIGGER incident_times_updated AFTER UPDATE ON incident
        REFERENCING OLD TABLE AS previous NEW TABLE AS changed
        FOR EACH STATEMENT EXECUTE FUNCTION incident_times_follow()
    """)
    op.execute("""
        CREATE TRIGGER incident_times_deleted AFTER DELETE ON incident
        REFERENCING OLD TABLE AS previous
        FOR EACH STATEMENT EXECUTE FUNCTION incident_times_follow()
    """)


def downgrade() -> None:
    op.execute("DROP TRIGGER incident_times_deleted ON incident")
    op.execute("DROP TRIGGER incident_times_updated ON incident")
    op.execute("DROP FUNCTION incident_times_follow()")
    op.execute("ALTER TABLE alert DROP COLUMN occurred_at")
