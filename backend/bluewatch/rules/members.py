"""An alert's members (``alert_member``, migration 0015): the incidents it rests on, each
with the alert version it joined at, so a change writes only the new members and its
event names them.

Rule statements write members in the same statement as the alert: a new alert's id is
taken from the sequence first (``NEW_ALERT_ID``), so its members can be written beside
it without reading it back.
"""

from __future__ import annotations

NEW_ALERT_ID = "nextval('alert_id_seq')"


# SQL: write the members a query that follows gives as (alert, incident, version).
ADD_MEMBERS = "INSERT INTO alert_member (alert_id, incident_id, added_version)"


def is_member(alert: str, incident: str) -> str:
    """SQL: incident `incident` is a member of alert `alert` (expressions)."""
    return (
        "EXISTS (SELECT 1 FROM alert_member am"
        f" WHERE am.alert_id = {alert} AND am.incident_id = {incident})"
    )


# SQL over alert ``a``: its members, and those that joined at its current version.
MEMBER_IDS = "ARRAY(SELECT m.incident_id FROM alert_member m WHERE m.alert_id = a.id ORDER BY 1)"
MEMBERS_ADDED = (
    "(SELECT coalesce(json_agg(m.incident_id ORDER BY m.incident_id), '[]') FROM alert_member m"
    " WHERE m.alert_id = a.id AND m.added_version = a.version)"
)
