"""An alert's marking follows what it rests on (issue 14, defects 3 and 7).

An alert is marked with the highest classification of its incidents and its target
*now*: when an incident, camp or route is reclassified, the marking of every alert
resting on it is recomputed, in the same statement, by a trigger, so no write path
(API, import, CLI, SQL) can forget it. The alert's events only ever rise to the new
marking: what was published when a source was more sensitive stays that sensitive
for replay, and what a source becomes more sensitive disappears from replay below it.
Webhook deliveries not yet sent whose event now lies above the subscription's clearance
are withheld (a new delivery status), and the worker checks the marking again when it
claims a delivery.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

LAYERS = ("incident", "camp", "route")


def upgrade() -> None:
    op.execute("ALTER TABLE webhook_delivery DROP CONSTRAINT ck_webhook_delivery_status")
    op.execute(
        "ALTER TABLE webhook_delivery ADD CONSTRAINT ck_webhook_delivery_status "
        "CHECK (status IN ('pending', 'delivering', 'delivered', 'failed', 'withheld'))"
    )
    op.execute("CREATE INDEX ix_alert_incident_id ON alert (incident_id)")
    op.execute("CREATE INDEX ix_alert_target ON alert (target_type, target_id)")
    op.execute("""
        CREATE FUNCTION alert_marking(a alert) RETURNS classification
        LANGUAGE sql STABLE RETURN coalesce(greatest(
            (SELECT max(i.classification) FROM incident i
              WHERE i.id = a.incident_id OR i.id = ANY(a.incident_ids)),
            (SELECT c.classification FROM camp c
              WHERE a.target_type = 'camp' AND c.id = a.target_id),
            (SELECT r.classification FROM route r
              WHERE a.target_type = 'route' AND r.id = a.target_id)
        ), a.classification)
    """)
    op.execute("""
        CREATE FUNCTION remark_alerts(alert_ids bigint[]) RETURNS void
        LANGUAGE sql AS $$
            UPDATE alert a SET classification = alert_marking(a)
            WHERE a.id = ANY(alert_ids) AND a.classification <> alert_marking(a)
        $$
    """)
    # However an alert's marking rises (a source reclassified, or a surge joined by a
    # more sensitive incident), its past events rise with it, and what is still queued
    # for a webhook below the new marking is withheld.
    op.execute("""
        CREATE FUNCTION alert_events_follow_marking() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE event e SET classification = NEW.classification
            WHERE e.alert_id = NEW.id AND e.classification < NEW.classification;
            UPDATE webhook_delivery d
            SET status = 'withheld', next_attempt_at = now(),
                last_error = 'the alert was reclassified above the subscription''s clearance'
            FROM event e, webhook w
            WHERE e.alert_id = NEW.id AND d.event_id = e.id AND w.id = d.webhook_id
              AND d.status = 'pending' AND e.classification > w.clearance;
            RETURN NULL;
        END $$
    """)
    op.execute("""
        CREATE TRIGGER alert_events_marking AFTER UPDATE OF classification ON alert
        FOR EACH ROW WHEN (NEW.classification > OLD.classification)
        EXECUTE FUNCTION alert_events_follow_marking()
    """)
    alerts_on = {
        "incident": """
            SELECT id FROM alert WHERE incident_id = ANY(changed_ids)
            UNION
            SELECT id FROM alert WHERE rule_kind = 'cluster' AND incident_ids && changed_ids
        """,
        "camp": "SELECT id FROM alert WHERE target_type = 'camp' AND target_id = ANY(changed_ids)",
        "route": "SELECT id FROM alert WHERE target_type = 'route' AND target_id = ANY(changed_ids)",
    }
    for layer in LAYERS:
        op.execute(f"""
            CREATE FUNCTION {layer}_marking_changed() RETURNS trigger
            LANGUAGE plpgsql AS $$
            DECLARE changed_ids bigint[];
            BEGIN
                SELECT array_agg(n.id) INTO changed_ids
                FROM changed n JOIN previous o ON o.id = n.id
                WHERE n.classification <> o.classification;
                IF changed_ids IS NOT NULL THEN
                    PERFORM remark_alerts(array({alerts_on[layer]}));
                END IF;
                RETURN NULL;
            END $$
        """)
        op.execute(f"""
            CREATE TRIGGER {layer}_marking AFTER UPDATE ON {layer}
            REFERENCING OLD TABLE AS previous NEW TABLE AS changed
            FOR EACH STATEMENT EXECUTE FUNCTION {layer}_marking_changed()
        """)


def downgrade() -> None:
    for layer in LAYERS:
        op.execute(f"DROP TRIGGER {layer}_marking ON {layer}")
        op.execute(f"DROP FUNCTION {layer}_marking_changed()")
    op.execute("DROP TRIGGER alert_events_marking ON alert")
    op.execute("DROP FUNCTION alert_events_follow_marking()")
    op.execute("DROP FUNCTION remark_alerts(bigint[])")
    op.execute("DROP FUNCTION alert_marking(alert)")
    op.execute("DROP INDEX ix_alert_target")
    op.execute("DROP INDEX ix_alert_incident_id")
    op.execute("UPDATE webhook_delivery SET status = 'failed' WHERE status = 'withheld'")
    op.execute("ALTER TABLE webhook_delivery DROP CONSTRAINT ck_webhook_delivery_status")
    op.execute(
        "ALTER TABLE webhook_delivery ADD CONSTRAINT ck_webhook_delivery_status "
        "CHECK (status IN ('pending', 'delivering', 'delivered', 'failed'))"
    )
