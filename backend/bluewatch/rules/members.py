"""An alert's members (``alert_member``, migration 0015): the incidents it rests on, each
with the alert version it joined at, so a change writes only the new members and its
event names them.

Rule statements write members in the same statement as the alert: a new alert's id is
taken from the sequence first (``NEW_ALERT_ID``), so its members can be written beside
it without reading it back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Row, TextClause, text
from sqlalchemy.ext.asyncio import AsyncConnection

NEW_ALERT_ID = "nextval('alert_id_seq')"


# SQL: write the members a query that follows gives as (alert, incident, version).
ADD_MEMBERS = "INSERT INTO alert_member (alert_id, incident_id, added_version)"
# ... and after the query, when the alert may already have them: a writer that read the
# members before a concurrent one committed the same incident skips it (having counted
# it: ``short`` tells, ``recount`` puts the count right).
KEEP_MEMBERS = "ON CONFLICT (alert_id, incident_id) DO NOTHING RETURNING alert_id"


def joining(source: str, member: str, grown: str) -> str:
    """SQL: write the members the CTE `source` (``alert_id`` and the column `member`)
    brings to the alerts the CTE `grown` updated (``id``, ``version``), at their new
    version; a member another writer stored first is skipped, and ``short`` over this CTE
    tells."""
    return f"""
        {ADD_MEMBERS}
        SELECT DISTINCT {source}.alert_id, {source}.{member}, {grown}.version
        FROM {source} JOIN {grown} ON {grown}.id = {source}.alert_id
        {KEEP_MEMBERS}"""


def short(stored: str, grown: str) -> str:
    """SQL: the alert `grown` (a CTE row with ``id`` and the members it counted as
    ``added``) stored fewer members (CTE `stored`, from ``KEEP_MEMBERS``) than it counted."""
    return f"(SELECT count(*) FROM {stored} k WHERE k.alert_id = {grown}.id) < {grown}.added"


def recount(headlines: Mapping[str, str] | None = None) -> TextClause:
    """The statement that sets ``member_count`` of the alerts ``:ids`` from their members
    (and, given SQL over ``a`` and the count ``c.members``, the headline and
    ``headline_fr``), run after a rule statement whose alerts came out short.

    Exact because every statement that adds members to an existing alert also updates
    that alert, so it holds the alert's row lock until it commits: once this transaction
    holds the locks of the alerts it grew, every other writer of their members has
    committed (this statement, with a new snapshot, sees them) or waits."""
    words = "".join(f", {column} = {sql}" for column, sql in (headlines or {}).items())
    return text(f"""
        UPDATE alert a SET member_count = c.members{words}
        FROM (SELECT alert_id, count(*) AS members FROM alert_member
              WHERE alert_id = ANY(:ids) GROUP BY alert_id) c
        WHERE a.id = c.alert_id AND a.member_count <> c.members
    """)


async def count_again(
    connection: AsyncConnection,
    rows: Sequence[Row[Any]],
    statement: TextClause,
    values: Mapping[str, object] | None = None,
) -> None:
    """Run `statement` (a ``recount``, with the rule's `values` its headline binds) for
    the alerts a rule statement's `rows` (id, created, short) say came out short: only
    after a race, so the common path pays nothing."""
    ids = [row.id for row in rows if row.short]
    if ids:
        await connection.execute(statement, {**(values or {}), "ids": ids})


def is_member(alert: str, incident: str, *, per_row: bool = False) -> str:
    """SQL: incident `incident` is a member of alert `alert` (expressions).

    `per_row` keeps the test one lookup by the key for each row of a rule statement
    (``OFFSET 0`` makes it a subplan): as a join, the planner, blind to the members an
    earlier statement of the same transaction wrote (a batch after a batch), read every
    member once per row (35 s for a 10,000-incident batch at 1M)."""
    offset = " OFFSET 0" if per_row else ""
    return (
        "EXISTS (SELECT 1 FROM alert_member am"
        f" WHERE am.alert_id = {alert} AND am.incident_id = {incident}{offset})"
    )


def in_an_alert(incident: str, alert_condition: str) -> str:
    """SQL: incident `incident` (an expression) is a member of an alert ``m`` for which
    `alert_condition` (SQL over ``m``) holds.

    Read from the incident's side, one lookup per row of a rule statement: its
    memberships by ``ix_alert_member_incident_id`` (a few), each alert by its key. As a
    join, the planner, seeing a rule's alerts as one row before statistics catch up
    with a batch, read every alert of the rule and target for every incident (a changed
    rule over 8,488 recent pairs: 36 million member lookups, 34 s)."""
    return f"""EXISTS (
        SELECT 1 FROM alert_member am
        WHERE am.incident_id = {incident}
          AND (SELECT {alert_condition} FROM alert m WHERE m.id = am.alert_id)
        OFFSET 0)"""


# SQL over alert ``a``: its members, and those that joined at its current version.
MEMBER_IDS = "ARRAY(SELECT m.incident_id FROM alert_member m WHERE m.alert_id = a.id ORDER BY 1)"
MEMBERS_ADDED = (
    "(SELECT coalesce(json_agg(m.incident_id ORDER BY m.incident_id), '[]') FROM alert_member m"
    " WHERE m.alert_id = a.id AND m.added_version = a.version)"
)
