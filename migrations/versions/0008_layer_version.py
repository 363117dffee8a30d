"""A version per layer that every committed change advances, for caching tiles.

``layer_version`` holds one counter per layer table. A deferred constraint trigger
raises it once per writing transaction, at commit: the row is locked only while the
transaction commits (concurrent writers are not held up during their rules), and the
counter rises in commit order. A reader that reads the version and then renders from a
later snapshot gets a tile at least as new as the version it files it under, so a
cached tile is never older than its key.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

LAYERS = ("incident", "route", "camp")


def upgrade() -> None:
    op.execute("""
        CREATE TABLE layer_version (
            layer text CONSTRAINT pk_layer_version PRIMARY KEY,
            version bigint NOT NULL DEFAULT 0
        )
    """)
    op.execute(
        "INSERT INTO layer_version (layer) VALUES " + ", ".join(f"('{layer}')" for layer in LAYERS)
    )
    op.execute("""
        CREATE FUNCTION advance_layer_version() RETURNS trigger
        LANGUAGE plpgsql AS $$
        DECLARE
            flag text := 'bluewatch.advanced_' || TG_TABLE_NAME;
        BEGIN
            -- Once per transaction, however many rows it wrote.
            IF coalesce(current_setting(flag, true), '') = '1' THEN
                RETURN NULL;
            END IF;
            UPDATE layer_version SET version = version + 1 WHERE layer = TG_TABLE_NAME;
            PERFORM set_config(flag, '1', true);
            RETURN NULL;
        END
        $$
    """)
    for layer in LAYERS:
        op.execute(f"""
            CREATE CONSTRAINT TRIGGER {layer}_version
            AFTER INSERT OR UPDATE OR DELETE ON {layer}
            DEFERRABLE INITIALLY DEFERRED
            FOR EACH ROW EXECUTE FUNCTION advance_layer_version()
        """)
        # TRUNCATE fires no row triggers; it is rare, so it advances at once.
        op.execute(f"""
            CREATE TRIGGER {layer}_version_truncate AFTER TRUNCATE ON {layer}
            FOR EACH STATEMENT EXECUTE FUNCTION advance_layer_version()
        """)


def downgrade() -> None:
    for layer in LAYERS:
        op.execute(f"DROP TRIGGER {layer}_version_truncate ON {layer}")
        op.execute(f"DROP TRIGGER {layer}_version ON {layer}")
    op.execute("DROP FUNCTION advance_layer_version()")
    op.execute("DROP TABLE layer_version")
