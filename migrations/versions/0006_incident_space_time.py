"""Space and time in one N-D GiST for the cluster rule's neighbour search.

The (geography, occurred_at) btree_gist index of 0004 splits its pages on the
geography first, so a probe for "within 10 km and 24 h" walked about 480 index
pages at 1M incidents (EXPLAIN (ANALYZE, BUFFERS), bench W3). An N-D GiST over
(lon, lat, days) splits on all three and answers the same probe from about 25
pages. The exact geodesic distance and time difference are still checked on each
candidate; the box only has to contain them.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Days since 2000 as the third axis (the subtraction keeps it IMMUTABLE).
    op.execute("""
        CREATE FUNCTION space_time(geom geometry, at timestamptz) RETURNS geometry
        LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURN
            ST_MakePoint(ST_X(geom), ST_Y(geom),
                         extract(epoch FROM at - timestamptz '2000-01-01 00:00Z') / 86400.0)
    """)
    # The box around a point holding everything within radius_m (on the spheroid:
    # a degree of latitude is at least 110,574 m, of longitude 111,320 m * cos(lat)
    # at the far edge) and window_s either side in time.
    op.execute("""
        CREATE FUNCTION space_time_box(geom geometry, at timestamptz, radius_m float8,
                                       window_s float8) RETURNS geometry
        LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURN
            ST_Expand(
                space_time(geom, at),
                radius_m / (111320.0 * cos(radians(least(89.0, abs(ST_Y(geom))
                                                              + radius_m / 110574.0)))),
                radius_m / 110574.0,
                window_s / 86400.0)
    """)
    op.execute(
        "CREATE INDEX ix_incident_space_time ON incident "
        "USING gist (space_time(geom, occurred_at) gist_geometry_ops_nd)"
    )
    op.execute("DROP INDEX ix_incident_geog_occurred_at")


def downgrade() -> None:
    op.execute(
        "CREATE INDEX ix_incident_geog_occurred_at ON incident "
        "USING gist ((geom::geography), occurred_at)"
    )
    op.execute("DROP INDEX ix_incident_space_time")
    op.execute("DROP FUNCTION space_time_box(geometry, timestamptz, float8, float8)")
    op.execute("DROP FUNCTION space_time(geometry, timestamptz)")
