"""Alert headlines in French beside English (the map's French page, CAP's French <info>).

Alerts raised before this revision keep only their English headline: readers fall back
to it (``headline_fr`` is null), and the next change of the alert writes both.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-26
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE alert ADD COLUMN headline_fr text")


def downgrade() -> None:
    op.execute("ALTER TABLE alert DROP COLUMN headline_fr")
