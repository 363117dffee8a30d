"""The CAP 1.2 renderer and Atom feed, as documents: every element checked, and the
result valid against the OASIS XSD (tests/cap_schema.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest

from bluewatch import cap
from bluewatch.classification import Classification
from bluewatch.rules.params import (
    PROXIMITY_INSTRUCTION,
    PROXIMITY_INSTRUCTION_FR,
    SURGE_INSTRUCTION,
    SURGE_INSTRUCTION_FR,
)
from tests.cap_schema import cap_problems

SENDER = "bluewatch@mission.example"
T1 = datetime(2026, 11, 3, 8, 15, 30, 123456, tzinfo=UTC)
T2 = datetime(2026, 11, 3, 9, 0, tzinfo=UTC)
T3 = datetime(2026, 11, 3, 10, 30, tzinfo=UTC)
PERIMETER = (
    '{"type":"Polygon","coordinates":[[[29.23,-1.67],[29.24,-1.67],[29.24,-1.66],[29.23,-1.67]]]}'
)


def row(**changes: Any) -> SimpleNamespace:
    """A row as MESSAGE_SQL returns it: a critical IED alert on a camp, in version 2."""
    values: dict[str, Any] = {
        "id": 7, "status": "open", "level": "critical", "headline": "IED 0.4 km from Goma HQ",
        "headline_fr": "EEI à 0,4 km du camp Goma HQ", "uncertain": False,
        "classification": "confidential",
        "rule_kind": "proximity", "incident_ids": [],
        "target_type": "camp", "target_name": "Goma HQ", "distance_m": 400.0, "version": 2,
        "resolved_by": None, "resolve_note": None, "lon": 29.2228, "lat": -1.6792,
        "category": "ied", "incident_status": "verified", "rule_params": {},
        "perimeter": PERIMETER, "event_times": [T1, T2],
    }  # fmt: skip
    return SimpleNamespace(**(values | changes))


def render(**changes: Any) -> str:
    document = cap.render(cap._message(row(**changes)), SENDER)
    assert cap_problems(document) == []
    return document.decode()


HEAD = (
    "<?xml version='1.0' encoding='utf-8'?>\n<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\">"
)


def test_an_update_of_a_proximity_alert_is_exactly_this() -> None:
    assert render() == (
        HEAD + "<identifier>bluewatch-alert-7-2</identifier>"
        f"<sender>{SENDER}</sender><sent>2026-11-03T09:00:00+00:00</sent>"
        "<status>Actual</status><msgType>Update</msgType><source>Bluewatch early warning</source>"
        "<scope>Restricted</scope><restriction>UN CONFIDENTIAL</restriction>"
        f"<references>{SENDER},bluewatch-alert-7-1,2026-11-03T08:15:30+00:00</references>"
        "<info><language>en-US</language><category>Security</category>"
        "<event>IED near camp</event><responseType>Avoid</responseType>"
        "<urgency>Immediate</urgency><severity>Extreme</severity><certainty>Observed</certainty>"
        "<expires>2026-11-04T09:00:00+00:00</expires>"
        "<senderName>Bluewatch</senderName><headline>IED 0.4 km from Goma HQ</headline>"
        "<description>IED reported 0.4 km from camp Goma HQ.</description>"
        f"<instruction>{PROXIMITY_INSTRUCTION}</instruction>"
        "<parameter><valueName>bluewatch:level</valueName><value>critical</value></parameter>"
        "<area><areaDesc>Goma HQ</areaDesc>"
        "<polygon>-1.670000,29.230000 -1.670000,29.240000 -1.660000,29.240000 "
        "-1.670000,29.230000</polygon>"
        "<circle>-1.679200,29.222800 0.500</circle></area></info>"
        "<info><language>fr</language><category>Security</category>"
        "<event>EEI près d'un camp</event><responseType>Avoid</responseType>"
        "<urgency>Immediate</urgency><severity>Extreme</severity><certainty>Observed</certainty>"
        "<expires>2026-11-04T09:00:00+00:00</expires>"
        "<senderName>Bluewatch</senderName><headline>EEI à 0,4 km du camp Goma HQ</headline>"
        "<description>EEI signalé à 0,4 km du camp Goma HQ.</description>"
        f"<instruction>{PROXIMITY_INSTRUCTION_FR}</instruction>"
        "<parameter><valueName>bluewatch:level</valueName><value>critical</value></parameter>"
        "<area><areaDesc>Goma HQ</areaDesc>"
        "<polygon>-1.670000,29.230000 -1.670000,29.240000 -1.660000,29.240000 "
        "-1.670000,29.230000</polygon>"
        "<circle>-1.679200,29.222800 0.500</circle></area></info></alert>"
    )  # fmt: skip


def test_french_is_there_only_where_the_rule_and_the_alert_have_both_texts() -> None:
    """Issue 18: CAP <info> in both languages where the rule has both texts."""
    assert render().count("<info>") == 2  # the default instruction has its French default
    rewritten = render(rule_params={"instruction": "Hold all convoys at Sake."})
    assert rewritten.count("<info>") == 1
    assert "<language>fr</language>" not in rewritten
    both = render(
        rule_params={"instruction": "Hold all convoys.", "instruction_fr": "Bloquez les convois."}
    )
    assert both.count("<info>") == 2
    assert "<instruction>Hold all convoys.</instruction>" in both
    assert "<instruction>Bloquez les convois.</instruction>" in both
    # An alert raised before French headlines existed stays in English only.
    assert render(headline_fr=None).count("<info>") == 1


def test_the_first_version_is_an_alert_without_references() -> None:
    document = render(version=1, event_times=[T1])
    assert "<msgType>Alert</msgType>" in document
    assert "<identifier>bluewatch-alert-7-1</identifier>" in document
    assert "<sent>2026-11-03T08:15:30+00:00</sent>" in document
    assert "<references>" not in document


def test_a_resolved_alert_is_a_cancel_with_who_and_why() -> None:
    document = render(
        status="resolved", version=3, event_times=[T1, T2, T3], resolved_by="amina",
        resolve_note="patrol found nothing",
    )  # fmt: skip
    assert "<msgType>Cancel</msgType>" in document
    assert "<note>Resolved by amina: patrol found nothing</note>" in document
    assert (
        f"<references>{SENDER},bluewatch-alert-7-1,2026-11-03T08:15:30+00:00 "
        f"{SENDER},bluewatch-alert-7-2,2026-11-03T09:00:00+00:00</references>"
    ) in document
    anonymous = render(status="resolved", version=3, event_times=[T1, T2, T3])
    assert "<note>Resolved by an analyst</note>" in anonymous


@pytest.mark.parametrize(
    ("level", "urgency", "severity", "response"),
    [
        ("critical", "Immediate", "Extreme", "Avoid"),
        ("warning", "Expected", "Severe", "Prepare"),
        ("watch", "Future", "Moderate", "Monitor"),
    ],
)
def test_levels_map_to_cap(level: str, urgency: str, severity: str, response: str) -> None:
    document = render(level=level)
    assert f"<urgency>{urgency}</urgency><severity>{severity}</severity>" in document
    assert f"<responseType>{response}</responseType>" in document
    assert f"<value>{level}</value>" in document


def test_certainty_is_observed_only_for_a_verified_proximity_incident() -> None:
    assert "<certainty>Likely</certainty>" in render(incident_status="reported")
    assert "<certainty>Observed</certainty>" in render(incident_status="verified")
    # Only the position's uncertainty brought it in: Possible, verified or not.
    assert "<certainty>Possible</certainty>" in render(incident_status="verified", uncertain=True)


def test_a_surge_is_a_circle_of_the_rule_radius_and_lists_its_incidents() -> None:
    document = render(
        rule_kind="cluster", incident_ids=[3, 4, 5], target_type=None, target_name=None,
        distance_m=None, perimeter=None, category=None, headline="Surge: 3 incidents",
        rule_params={"radius_m": 12_500}, incident_status=None,
    )  # fmt: skip
    assert (
        "<incidents>bluewatch-incident-3 bluewatch-incident-4 bluewatch-incident-5</incidents>"
        in document
    )
    assert "<event>Surge of security incidents</event>" in document
    assert (
        "<description>3 incidents reported close together. Surge: 3 incidents.</description>"
        in document
    )
    assert "<areaDesc>Surge area</areaDesc>" in document
    assert "<circle>-1.679200,29.222800 12.500</circle>" in document
    assert "<polygon>" not in document
    assert "<certainty>Likely</certainty>" in document
    default_radius = render(rule_kind="cluster", rule_params={}, perimeter=None, incident_ids=[1])
    assert "<circle>-1.679200,29.222800 10.000</circle>" in default_radius


def test_a_route_alert_is_a_circle_of_its_distance_at_least_half_a_kilometre() -> None:
    far = render(target_type="route", target_name="RN2", distance_m=2_345.0, perimeter=None)
    assert "<circle>-1.679200,29.222800 2.345</circle>" in far
    assert "<event>IED near route</event>" in far
    assert "<description>IED reported 2.3 km from route RN2.</description>" in far
    near = render(target_type="route", target_name="RN2", distance_m=100.0, perimeter=None)
    assert "<circle>-1.679200,29.222800 0.500</circle>" in near
    inside = render(distance_m=0.0)
    assert "<description>IED reported inside the perimeter of camp Goma HQ.</description>" in inside
    unknown = render(category=None, distance_m=None)
    assert "<event>Security incident near camp</event>" in unknown
    assert (
        "<description>Security incident reported inside the perimeter of camp Goma HQ."
        "</description>"
    ) in unknown
    rounded = render(target_type="route", target_name="RN2", distance_m=1_050.0, perimeter=None)
    assert "<description>IED reported 1.1 km from route RN2.</description>" in rounded
    assert "<event>IED near area</event>" in render(target_type=None, perimeter=None)


def test_purged_early_events_leave_the_newest_versions_numbered() -> None:
    document = render(version=5, event_times=[T2, T3])
    assert "<identifier>bluewatch-alert-7-5</identifier>" in document
    assert f"{SENDER},bluewatch-alert-7-4,2026-11-03T09:00:00+00:00</references>" in document
    before = datetime.now(UTC)
    message = cap._message(row(version=5, event_times=[]))
    assert [v.number for v in message.versions] == [5]
    assert message.versions[0].sent >= before
    assert message.versions[0].sent.utcoffset() is not None


def test_a_cancel_with_no_earlier_version_lists_no_references() -> None:
    message = cap._message(row(status="resolved", version=1, event_times=[T1]))
    document = cap.render(message, SENDER).decode()
    assert "<msgType>Cancel</msgType>" in document
    assert "<references" not in document


def test_headlines_are_cut_at_140_characters_and_text_is_made_xml_safe() -> None:
    assert f"<headline>{'A' * 140}</headline>" in render(headline="A" * 140)  # at the limit
    assert f"<headline>{'A' * 139}…</headline>" in render(headline="A" * 141)  # one past
    assert f"<headline>{'A' * 139}…</headline>" in render(headline="A" * 200)
    assert "<headline>AAAA…</headline>" in render(headline="AAAA" + " " * 140 + "B")
    assert "Goma\ufffdHQ" in render(target_name="Goma\x0bHQ")


def test_cap_time_has_seconds_and_an_offset() -> None:
    assert cap.cap_time(T1) == "2026-11-03T08:15:30+00:00"
    assert cap.identifier(3, 9) == "bluewatch-alert-3-9"


def test_the_atom_feed_lists_each_message_with_its_cap_link() -> None:
    first = cap._message(row())
    second = cap._message(row(id=8, level="watch", headline="Surge", event_times=[T3], version=1))
    feed = cap.atom_feed(
        [first, second], SENDER, "https://bw.example/feed", lambda i: f"https://bw.example/{i}"
    ).decode()
    assert feed == (
        "<?xml version='1.0' encoding='utf-8'?>\n"
        '<feed xmlns="http://www.w3.org/2005/Atom">'
        f"<id>urn:bluewatch:cap-feed:{SENDER}</id>"
        "<title>Bluewatch early-warning alerts (CAP 1.2)</title>"
        "<updated>2026-11-03T10:30:00+00:00</updated>"
        '<link rel="self" href="https://bw.example/feed" />'
        "<author><name>Bluewatch</name></author>"
        "<entry><id>urn:bluewatch:bluewatch-alert-7-2</id>"
        "<title>IED 0.4 km from Goma HQ</title><updated>2026-11-03T09:00:00+00:00</updated>"
        "<summary>critical: IED 0.4 km from Goma HQ</summary><category term=\"critical\" />"
        '<link rel="alternate" type="application/cap+xml" href="https://bw.example/7" />'
        "</entry>"
        "<entry><id>urn:bluewatch:bluewatch-alert-8-1</id><title>Surge</title>"
        "<updated>2026-11-03T10:30:00+00:00</updated><summary>watch: Surge</summary>"
        '<category term="watch" />'
        '<link rel="alternate" type="application/cap+xml" href="https://bw.example/8" />'
        "</entry></feed>"
    )  # fmt: skip


def test_an_empty_feed_is_updated_now() -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    feed = cap.atom_feed([], SENDER, "https://bw.example/feed", str).decode()
    updated = datetime.fromisoformat(feed.split("<updated>")[1].split("</updated>")[0])
    assert updated >= before
    assert "<entry>" not in feed


def test_rule_violations_finds_what_the_xsd_cannot() -> None:
    good = render().encode()
    assert cap.rule_violations(good) == []
    no_restriction = good.replace(b"<restriction>UN CONFIDENTIAL</restriction>", b"")
    assert cap.rule_violations(no_restriction) == ["scope Restricted without a restriction"]
    no_references = good.replace(
        good[good.index(b"<references>") : good.index(b"</references>") + 13], b""
    )
    assert cap.rule_violations(no_references) == ["msgType Update without references"]
    cancel = no_references.replace(b"<msgType>Update</msgType>", b"<msgType>Cancel</msgType>")
    assert cap.rule_violations(cancel) == ["msgType Cancel without references"]
    open_ring = good.replace(b" -1.670000,29.230000</polygon>", b" -1.600000,29.230000</polygon>")
    # The same area in both <info> blocks (English and French): found in each.
    assert cap.rule_violations(open_ring) == ["polygon not closed"] * 2
    short = good.replace(b"-1.670000,29.240000 -1.660000,29.240000 ", b"")
    assert cap.rule_violations(short) == ["polygon with fewer than 4 points"] * 2


def test_classification_marks_the_restriction() -> None:
    for level in Classification:
        assert f"<restriction>{level.marking}</restriction>" in render(classification=level.value)


def test_expiry_and_instruction_come_from_the_rule_web_and_contact_from_the_server() -> None:
    """Issue 16: no <expires> (Google Public Alerts requires it), <instruction>, <web> or
    <contact>. Expiry counts from this version's time."""
    params = {"expires_hours": 6, "instruction": "Hold convoys at Sake."}
    message = cap._message(row(rule_params=params))
    document = cap.render(
        message, SENDER, web="https://bw.example/?alert=7", contact="JOC duty officer"
    )
    assert cap_problems(document) == []
    text = document.decode()
    assert "<expires>2026-11-03T15:00:00+00:00</expires>" in text
    assert (
        "<instruction>Hold convoys at Sake.</instruction>"
        "<web>https://bw.example/?alert=7</web><contact>JOC duty officer</contact>"
    ) in text
    surge = render(rule_kind="cluster", rule_params={}, perimeter=None, incident_ids=[1])
    assert f"<instruction>{SURGE_INSTRUCTION}</instruction>" in surge
    assert f"<instruction>{SURGE_INSTRUCTION_FR}</instruction>" in surge
    assert "<web>" not in surge and "<contact>" not in surge


def test_a_grouped_proximity_alert_says_how_many_and_the_closest_in_both_languages() -> None:
    document = render(incident_ids=[3, 4, 5], headline_fr="3 incidents près du camp Goma HQ")
    assert (
        "<description>3 incidents reported near camp Goma HQ, the closest (IED) 0.4 km from it."
        "</description>"
    ) in document
    assert (
        "<description>3 incidents signalés près du camp Goma HQ, le plus proche (EEI) à 0,4 km."
        "</description>"
    ) in document
