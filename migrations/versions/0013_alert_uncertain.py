"""Alerts say when only an incident's stated uncertainty brought it into a band.

An incident located only to a named place or a district (``geo_precision`` 2 or 3, as
ACLED codes it) may be nearer than where it is drawn. Proximity rules widen their test
by that uncertainty; an alert raised only thanks to it is one level lower and
``uncertain`` (its headline says the position is approximate; CAP certainty Possible).

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-26
"""

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE alert ADD COLUMN uncertain boolean NOT NULL DEFAULT false")


def downgrade() -> None:
    op.execute("ALTER TABLE alert DROP COLUMN uncertain")
