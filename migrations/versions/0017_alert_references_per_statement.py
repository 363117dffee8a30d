"""An alert's rule and incident checked once per statement, not once per row.

The rules write alerts in batches (a 10,000-incident batch raised 46,000 proximity
alerts); the foreign keys to ``rule`` and ``incident`` checked each row on its own, a
query each, which EXPLAIN (ANALYZE) put at 23 % of the statement (bench/RESULTS.md).
A statement-level trigger now checks the whole batch in one anti-join and refuses it
as a foreign key would (SQLSTATE 23503; no statement changes an alert's rule or
incident afterwards, so updates are not checked); deleting incidents clears ``incident_id`` of
their alerts in one statement, as ON DELETE SET NULL did. Rules are never deleted
while alerts name them (a trigger refuses it, as the key did).

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-26
"""

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE alert DROP CONSTRAINT fk_alert_rule")
    op.execute("ALTER TABLE alert DROP CONSTRAINT fk_alert_incident")
    op.execute("""
        CREATE FUNCTION alert_references_exist() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            IF EXISTS (SELECT 1 FROM written n
                       WHERE NOT EXISTS (SELECT 1 FROM rule r WHERE r.id = n.rule_id)) THEN
                RAISE foreign_key_violation USING
                    MESSAGE = 'an alert names a rule that does not exist',
                    CONSTRAINT = 'fk_alert_rule';
            END IF;
            IF EXISTS (SELECT 1 FROM written n
                       WHERE n.incident_id IS NOT NULL
                         AND NOT EXISTS (SELECT 1 FROM incident i WHERE i.id = n.incident_id))
            THEN
                RAISE foreign_key_violation USING
                    MESSAGE = 'an alert names an incident that does not exist',
                    CONSTRAINT = 'fk_alert_incident';
            END IF;
            RETURN NULL;
        END $$
    """)
    # Written rows only: no statement changes an alert's rule or sets its incident later
    # (deleting an incident clears it, below).
    op.execute("""
        CREATE TRIGGER alert_references AFTER INSERT ON alert
        REFERENCING NEW TABLE AS written
        FOR EACH STATEMENT EXECUTE FUNCTION alert_references_exist()
    """)
    op.execute("""
        CREATE FUNCTION incidents_deleted_leave_alerts() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE alert a SET incident_id = NULL
            WHERE a.incident_id IN (SELECT id FROM removed);
            RETURN NULL;
        END $$
    """)
    op.execute("""
        CREATE TRIGGER incident_deleted_alerts AFTER DELETE ON incident
        REFERENCING OLD TABLE AS removed
        FOR EACH STATEMENT EXECUTE FUNCTION incidents_deleted_leave_alerts()
    """)
    op.execute("""
        CREATE FUNCTION rule_kept_while_alerted() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            IF EXISTS (SELECT 1 FROM alert a WHERE a.rule_id IN (SELECT id FROM removed)) THEN
                RAISE foreign_key_violation USING
                    MESSAGE = 'alerts name this rule: it cannot be deleted',
                    CONSTRAINT = 'fk_alert_rule';
            END IF;
            RETURN NULL;
        END $$
    """)
    op.execute("""
        CREATE TRIGGER rule_deleted_alerts AFTER DELETE ON rule
        REFERENCING OLD TABLE AS removed
        FOR EACH STATEMENT EXECUTE FUNCTION rule_kept_while_alerted()
    """)


def downgrade() -> None:
    op.execute("DROP TRIGGER rule_deleted_alerts ON rule")
    op.execute("DROP FUNCTION rule_kept_while_alerted()")
    op.execute("DROP TRIGGER incident_deleted_alerts ON incident")
    op.execute("DROP FUNCTION incidents_deleted_leave_alerts()")
    op.execute("DROP TRIGGER alert_references ON alert")
    op.execute("DROP FUNCTION alert_references_exist()")
    op.execute(
        "ALTER TABLE alert ADD CONSTRAINT fk_alert_incident FOREIGN KEY (incident_id) "
        "REFERENCES incident (id) ON DELETE SET NULL"
    )
    op.execute(
        "ALTER TABLE alert ADD CONSTRAINT fk_alert_rule FOREIGN KEY (rule_id) REFERENCES rule (id)"
    )
