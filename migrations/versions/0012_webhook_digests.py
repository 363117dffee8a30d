"""Webhook digests: a subscription may ask for one message every N minutes.

``webhook.digest_minutes`` (0: one message per event, as before). A digest
subscription's deliveries of non-critical alerts are queued ``held``; once the oldest
has waited the digest's minutes, the worker folds them into one ``alert.digest``
delivery (``digest_id`` on each, status ``digested``). Critical alerts are never held.

The marking trigger now also withholds held deliveries, and a digest not yet sent that
holds an event now above the subscription's clearance is withheld: that event's message
is withheld too, the others are held again for the next digest.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-26
"""

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

STATUSES = "'pending', 'delivering', 'delivered', 'failed', 'withheld'"

FOLLOW_MARKING = """
    CREATE OR REPLACE FUNCTION alert_events_follow_marking() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE event e SET classification = NEW.classification
        WHERE e.alert_id = NEW.id AND e.classification < NEW.classification;
        UPDATE webhook_delivery d
        SET status = 'withheld', next_attempt_at = now(),
            last_error = 'the alert was reclassified above the subscription''s clearance'
        FROM event e, webhook w
        WHERE e.alert_id = NEW.id AND d.event_id = e.id AND w.id = d.webhook_id
          AND d.status IN ({held}) AND e.classification > w.clearance;
        {digests}
        RETURN NULL;
    END $$
"""
DIGESTS = """
        WITH spoilt AS (
            UPDATE webhook_delivery g
            SET status = 'withheld', next_attempt_at = now(),
                last_error = 'an alert in the digest was reclassified above the '
                             'subscription''s clearance'
            FROM webhook_delivery m, event e, webhook w
            WHERE e.alert_id = NEW.id AND m.event_id = e.id AND m.digest_id = g.id
              AND w.id = g.webhook_id AND g.status = 'pending'
              AND e.classification > w.clearance
            RETURNING g.id
        )
        UPDATE webhook_delivery m
        SET digest_id = NULL,
            status = CASE WHEN e.classification > w.clearance THEN 'withheld' ELSE 'held' END
        FROM spoilt, event e, webhook w
        WHERE m.digest_id = spoilt.id AND m.status = 'digested' AND e.id = m.event_id
          AND w.id = m.webhook_id;
"""


def upgrade() -> None:
    op.execute(
        "ALTER TABLE webhook ADD COLUMN digest_minutes integer NOT NULL DEFAULT 0 "
        "CONSTRAINT ck_webhook_digest_minutes CHECK (digest_minutes BETWEEN 0 AND 1440)"
    )
    op.execute(
        "ALTER TABLE webhook_delivery ADD COLUMN digest_id bigint "
        "CONSTRAINT fk_webhook_delivery_digest REFERENCES webhook_delivery (id) "
        "ON DELETE SET NULL"
    )
    op.execute("ALTER TABLE webhook_delivery DROP CONSTRAINT ck_webhook_delivery_status")
    op.execute(
        "ALTER TABLE webhook_delivery ADD CONSTRAINT ck_webhook_delivery_status "
        f"CHECK (status IN ({STATUSES}, 'held', 'digested'))"
    )
    op.execute(
        "CREATE INDEX ix_webhook_delivery_held ON webhook_delivery (webhook_id, created_at) "
        "WHERE status = 'held'"
    )
    op.execute(
        "CREATE INDEX ix_webhook_delivery_digest_id ON webhook_delivery (digest_id) "
        "WHERE digest_id IS NOT NULL"
    )
    op.execute(FOLLOW_MARKING.format(held="'pending', 'held'", digests=DIGESTS))


def downgrade() -> None:
    op.execute(FOLLOW_MARKING.format(held="'pending'", digests=""))
    op.execute("DELETE FROM webhook_delivery WHERE status IN ('held', 'digested')")
    op.execute("DROP INDEX ix_webhook_delivery_digest_id")
    op.execute("DROP INDEX ix_webhook_delivery_held")
    op.execute("ALTER TABLE webhook_delivery DROP CONSTRAINT ck_webhook_delivery_status")
    op.execute(
        "ALTER TABLE webhook_delivery ADD CONSTRAINT ck_webhook_delivery_status "
        f"CHECK (status IN ({STATUSES}))"
    )
    op.execute("ALTER TABLE webhook_delivery DROP COLUMN digest_id")
    op.execute("ALTER TABLE webhook DROP COLUMN digest_minutes")
