"""Alert webhooks over real HTTP, verified by the independent ``standardwebhooks`` package."""

from __future__ import annotations

import itertools
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import psycopg
import pytest
from fastapi.testclient import TestClient
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from bluewatch.app import create_app
from bluewatch.webhooks import signing
from tests.conftest import RoleKeys, bearer, fold_digests, post_goma_camp, settings_for
from tests.factories import GEOJSON, incident
from tests.processes import free_port
from tests.promtool import check_metrics
from tests.receiver import Answer, Receiver

GOMA = (29.2228, -1.6792)
WORKER_ENV = {
    "BLUEWATCH_WEBHOOK_RETRY_SCHEDULE": "0,0.5,0.5,0.5,0.5,0.5",
    "BLUEWATCH_WEBHOOK_ALLOW_CIDRS": "127.0.0.0/8",
    "BLUEWATCH_WEBHOOK_LEASE_SECONDS": "2",
    "BLUEWATCH_WEBHOOK_POLL_SECONDS": "0.2",
    "BLUEWATCH_WEBHOOK_JITTER": "0.1",
}


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    started = Receiver()
    yield started
    started.close()


@pytest.fixture
def start_worker(database_url: str) -> Iterator[Callable[..., subprocess.Popen[bytes]]]:
    """``bluewatch worker`` processes, as operators run them; all stopped afterwards."""
    started: list[subprocess.Popen[bytes]] = []

    def start(*arguments: str, **settings_env: str) -> subprocess.Popen[bytes]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("BLUEWATCH_")}
        env |= WORKER_ENV | settings_env | {"BLUEWATCH_DATABASE_URL": database_url}
        process = subprocess.Popen(
            [sys.executable, "-m", "bluewatch", "worker", "--workers", "2", *arguments],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        started.append(process)
        return process

    yield start
    for process in started:
        process.kill()
        process.wait(timeout=10)


def subscribe(client: TestClient, url: str, **fields: Any) -> dict[str, Any]:
    response = client.post("/api/v1/webhooks", json={"url": url, **fields})
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    assert created["secret"].startswith("whsec_")
    return created


def threaten(
    client: TestClient, step: int = 0, classification: str = "unclassified"
) -> list[dict[str, Any]]:
    body = incident(GOMA[0] + step * 0.001, GOMA[1], classification=classification)
    alerts: list[dict[str, Any]] = client.post(
        "/api/v1/incidents", json=body, headers=GEOJSON
    ).json()["alerts"]
    return alerts


def deliveries(client: TestClient, webhook_id: int) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = client.get(f"/api/v1/webhooks/{webhook_id}/deliveries").json()[
        "items"
    ]
    return found


def wait_until(check: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.1)


def test_deliveries_verify_with_standard_webhooks(
    client: TestClient, goma_camp: int, receiver: Receiver, start_worker: Any,
    db: psycopg.Connection[tuple[object, ...]],
) -> None:  # fmt: skip
    hook = subscribe(client, receiver.url, clearance="confidential")
    assert "secret" not in json.dumps(client.get("/api/v1/webhooks").json())
    start_worker()
    [critical] = [a for a in threaten(client) if a["properties"]["level"] == "critical"]
    request = receiver.wait_for(1)[0]
    payload = Webhook(hook["secret"]).verify(request.body, request.headers)
    assert set(payload) == {"id", "type", "timestamp", "data"}
    assert payload["type"] == "alert.created"
    assert request.headers["webhook-id"] == str(payload["id"])
    event = db.execute("SELECT id FROM event WHERE alert_id = %s", (critical["id"],)).fetchone()
    assert event is not None and payload["id"] == event[0]

    tampered = request.body.replace(b"critical", b"watch")
    with pytest.raises(WebhookVerificationError):
        Webhook(hook["secret"]).verify(tampered, request.headers)
    stale = signing.headers([hook["secret"]], request.headers["webhook-id"],
                            int(time.time()) - 3600, request.body)  # fmt: skip
    with pytest.raises(WebhookVerificationError):
        Webhook(hook["secret"]).verify(request.body, stale)
    wait_until(lambda: deliveries(client, hook["id"])[0]["status"] == "delivered")


def test_outage_then_recovery_delivers_everything_with_the_same_id(
    client: TestClient, goma_camp: int, start_worker: Any,
    db: psycopg.Connection[tuple[object, ...]],
) -> None:  # fmt: skip
    port = free_port()  # nothing listens yet: connection refused
    hook = subscribe(client, f"http://127.0.0.1:{port}/hook", min_level="critical")
    start_worker()
    threaten(client)
    wait_until(lambda: deliveries(client, hook["id"])[0]["attempts"] >= 2)
    failing = db.execute("SELECT failing_since IS NOT NULL FROM webhook WHERE id = %s",
                         (hook["id"],)).fetchone()  # fmt: skip
    assert failing == (True,), "the outage started a failing period"
    receiver = Receiver(port, script=[Answer(500), Answer(503)])
    try:
        received = receiver.wait_for(3)
        wait_until(lambda: deliveries(client, hook["id"])[0]["status"] == "delivered")
    finally:
        receiver.close()
    assert len({r.headers["webhook-id"] for r in received}) == 1
    assert len({r.headers["webhook-timestamp"] for r in received}) >= 2  # new per attempt
    [delivery] = deliveries(client, hook["id"])
    assert delivery["attempts"] >= 4 and delivery["last_status_code"] == 204
    assert delivery["last_error"] is None
    row = db.execute(
        "SELECT failing_since IS NULL, (SELECT delivered_at IS NOT NULL FROM webhook_delivery"
        " WHERE id = %s) FROM webhook WHERE id = %s",
        (delivery["id"], hook["id"]),
    ).fetchone()
    assert row == (True, True), "the success ended the failing period"
    times = [
        row[0]
        for row in db.execute(
            "SELECT extract(epoch FROM at) FROM webhook_attempt WHERE delivery_id = %s ORDER BY at",
            (delivery["id"],),
        ).fetchall()
    ]
    gaps = [float(str(b)) - float(str(a)) for a, b in itertools.pairwise(times)]
    assert gaps, "several attempts were timed"
    # The fast schedule, 0.5 s ± 10 %, plus at most one 0.2 s poll of the worker and the
    # attempt itself on a loaded machine: the default schedule's 5 s would fail this.
    assert all(0.45 <= gap <= 2.0 for gap in gaps), gaps


def test_a_worker_killed_mid_delivery_is_replaced_without_loss(
    client: TestClient, goma_camp: int, start_worker: Any
) -> None:
    receiver = Receiver(script=[Answer(204, delay=3.0)])  # holds the first request open
    try:
        hook = subscribe(client, receiver.url, min_level="critical")
        doomed = start_worker()
        threaten(client)
        first = receiver.wait_for(1)[0]
        doomed.send_signal(signal.SIGKILL)  # sent, answer pending, nothing recorded
        doomed.wait(timeout=10)
        start_worker()
        again = receiver.wait_for(2, timeout=30)[1]
        assert again.headers["webhook-id"] == first.headers["webhook-id"]
        wait_until(lambda: deliveries(client, hook["id"])[0]["status"] == "delivered")
    finally:
        receiver.close()


def test_gone_disables_the_subscription(
    client: TestClient, goma_camp: int, start_worker: Any
) -> None:
    receiver = Receiver(script=[Answer(410)])
    try:
        hook = subscribe(client, receiver.url, min_level="critical")
        start_worker()
        threaten(client)
        wait_until(lambda: not client.get(f"/api/v1/webhooks/{hook['id']}").json()["enabled"])
        state = client.get(f"/api/v1/webhooks/{hook['id']}").json()
        assert "410" in state["disabled_reason"]
        assert deliveries(client, hook["id"])[0]["status"] == "failed"
    finally:
        receiver.close()


def test_redirects_are_failures_and_never_followed(
    client: TestClient, goma_camp: int, start_worker: Any
) -> None:
    elsewhere = Receiver()
    receiver = Receiver(script=[Answer(302, {"Location": elsewhere.url})])
    try:
        hook = subscribe(client, receiver.url, min_level="critical")
        start_worker()
        threaten(client)
        receiver.wait_for(2)  # retried after the 302
        assert elsewhere.requests == []
        first_attempt = deliveries(client, hook["id"])[0]
        assert first_attempt["attempts"] >= 1
    finally:
        receiver.close()
        elsewhere.close()


def test_retry_after_is_honoured(client: TestClient, goma_camp: int, start_worker: Any) -> None:
    receiver = Receiver(script=[Answer(429, {"Retry-After": "2"})])
    try:
        subscribe(client, receiver.url, min_level="critical")
        start_worker()
        threaten(client)
        first, second = receiver.wait_for(2, timeout=30)[:2]
        assert second.at - first.at >= 1.9  # not the schedule's 0.5 s
    finally:
        receiver.close()


def test_filters_by_level_camp_and_clearance(
    client: TestClient, goma_camp: int, start_worker: Any, receiver: Receiver
) -> None:
    critical_only = subscribe(client, receiver.url + "?critical", min_level="critical",
                              clearance="strictly_confidential")  # fmt: skip
    other_camp = subscribe(client, receiver.url + "?other", camp_ids=[goma_camp + 1000])
    unclassified = subscribe(client, receiver.url + "?unclassified", clearance="unclassified")
    threaten(client, 0, classification="confidential")
    threaten(client, 1, classification="unclassified")
    queued = {
        hook["id"]: deliveries(client, hook["id"])
        for hook in (critical_only, other_camp, unclassified)
    }
    assert queued[other_camp["id"]] == []
    start_worker()
    wait_until(lambda: len(receiver.requests) >= len(queued[critical_only["id"]])
               + len(queued[unclassified["id"]]))  # fmt: skip
    for request in receiver.requests:
        alert = json.loads(request.body)["data"]
        if request.path.endswith("?critical"):
            assert alert["properties"]["level"] == "critical"
        if request.path.endswith("?unclassified"):
            assert alert["properties"]["classification"] == "unclassified"
    assert queued[critical_only["id"]] and queued[unclassified["id"]]


def test_rotation_signs_with_both_secrets_for_the_overlap(
    client: TestClient, goma_camp: int, start_worker: Any, receiver: Receiver
) -> None:
    hook = subscribe(client, receiver.url, min_level="critical")
    rotated = client.post(f"/api/v1/webhooks/{hook['id']}/rotate").json()
    assert rotated["secret"] != hook["secret"]
    start_worker()
    threaten(client)
    request = receiver.wait_for(1)[0]
    assert len(request.headers["webhook-signature"].split()) == 2
    for secret in (hook["secret"], rotated["secret"]):
        Webhook(secret).verify(request.body, request.headers)


def test_ping_manual_retry_and_metrics(
    client: TestClient, start_worker: Any, receiver: Receiver
) -> None:
    hook = subscribe(client, receiver.url)
    ping = client.post(f"/api/v1/webhooks/{hook['id']}/test")
    assert ping.status_code == 202
    start_worker()
    request = receiver.wait_for(1)[0]
    assert Webhook(hook["secret"]).verify(request.body, request.headers)["type"] == "webhook.test"
    wait_until(lambda: deliveries(client, hook["id"])[0]["status"] == "delivered")
    again = client.post(f"/api/v1/webhooks/{hook['id']}/deliveries/{ping.json()['id']}/retry")
    assert again.status_code == 200
    receiver.wait_for(2)
    metrics = client.get("/metrics").text
    assert "bluewatch_webhook_queue_depth" in metrics
    assert "bluewatch_webhook_oldest_pending_seconds" in metrics


FORBIDDEN = [
    "ftp://example.org/hook",
    "http://user:pw@example.org/hook",
    "http://127.0.0.1/hook",
    "http://localhost/hook",
    "http://10.0.0.7/hook",
    "http://192.168.1.1/hook",
    "http://169.254.169.254/latest/meta-data",
    "http://100.64.0.1/hook",
    "http://[::1]/hook",
    "http://[fc00::1]/hook",
    "http://[fe80::1]/hook",
    "http://[::ffff:127.0.0.1]/hook",
    "http://2130706433/hook",
    "http://0x7f000001/hook",
    "http://0177.0.0.1/hook",
    "http://127.1/hook",
]


@pytest.mark.parametrize("url", FORBIDDEN)
def test_forbidden_destinations_are_refused_at_registration(
    database_url: str, role_keys: RoleKeys, url: str
) -> None:
    app = create_app(settings_for(database_url, webhook_allow_cidrs=[]))
    with TestClient(app) as strict:
        response = strict.post(
            "/api/v1/webhooks", json={"url": url}, headers=bearer(role_keys.admin)
        )
    assert response.status_code == 422, url
    assert response.headers["content-type"] == "application/problem+json"


def test_a_subscription_failing_too_long_is_disabled_and_audited(
    client: TestClient, goma_camp: int, start_worker: Any,
    db: psycopg.Connection[tuple[object, ...]],
) -> None:  # fmt: skip
    receiver = Receiver()
    receiver.default = Answer(500)
    count_disablings = "SELECT count(*) FROM audit_log WHERE action = 'webhooks.disable'"
    before = db.execute(count_disablings).fetchone()  # the log is append-only: count anew
    assert before is not None
    try:
        hook = subscribe(client, receiver.url, min_level="critical")
        # About 1.5 s of failures is "too long" here; the schedule keeps retrying meanwhile.
        start_worker(BLUEWATCH_WEBHOOK_DISABLE_AFTER_HOURS="0.0004")
        threaten(client)
        wait_until(lambda: not client.get(f"/api/v1/webhooks/{hook['id']}").json()["enabled"])
        state = client.get(f"/api/v1/webhooks/{hook['id']}").json()
        assert "failing for more than" in state["disabled_reason"]
        assert len(receiver.requests) >= 2
        # Both delivery loops have let go of the delivery: neither can disable it again.
        wait_until(lambda: all(d["status"] != "delivering" for d in deliveries(client, hook["id"])))
        after = db.execute(count_disablings).fetchone()
        assert after is not None and int(str(after[0])) - int(str(before[0])) == 1
        enabled = client.patch(f"/api/v1/webhooks/{hook['id']}", json={"enabled": True}).json()
        assert (enabled["enabled"], enabled["disabled_reason"]) == (True, None)
    finally:
        receiver.close()


def test_a_worker_serves_its_own_metrics(
    client: TestClient, goma_camp: int, receiver: Receiver, start_worker: Any
) -> None:
    """``bluewatch worker --metrics-port``: its deliveries, the queue and the process, in
    an exposition promtool accepts."""
    subscribe(client, receiver.url, clearance="confidential")
    port = free_port()
    start_worker("--metrics-port", str(port))
    threaten(client)
    receiver.wait_for(1)

    def scrape() -> str:
        try:
            return httpx.get(f"http://127.0.0.1:{port}/", timeout=5).text
        except httpx.TransportError:
            return ""

    def delivered() -> bool:
        found = re.search(r'^bluewatch_webhook_deliveries_total\{result="success"\} (\S+)$',
                          scrape(), re.MULTILINE)  # fmt: skip
        return found is not None and float(found.group(1)) >= 1

    wait_until(delivered)
    exposition = scrape()
    check_metrics(exposition)
    for family in ("bluewatch_webhook_queue_depth", "bluewatch_webhook_attempt_seconds_count",
                   "process_resident_memory_bytes"):  # fmt: skip
        assert re.search(rf"^{family} \d", exposition, re.MULTILINE), family


def test_an_api_process_delivers_with_its_own_loops_without_a_worker(
    database_url: str, db: psycopg.Connection[tuple[object, ...]], role_keys: RoleKeys,
    receiver: Receiver,
) -> None:  # fmt: skip
    """``WEBHOOK_WORKERS_IN_API`` loops run in each API process (the tests' other apps
    have none, so that workers alone deliver there)."""
    settings = settings_for(
        database_url, webhook_workers_in_api=2, webhook_allow_cidrs=["127.0.0.0/8"]
    )
    with TestClient(create_app(settings), headers=bearer(role_keys.admin)) as own:
        post_goma_camp(own)
        subscribe(own, receiver.url)
        alerts = threaten(own)
        [first] = receiver.wait_for(1)
    assert json.loads(first.body)["data"]["id"] in {a["id"] for a in alerts}
    assert db.execute(
        "SELECT count(*) FROM webhook_delivery WHERE status = 'pending'"
    ).fetchone() == (0,)


def test_a_notification_wakes_one_delivery_loop_not_every_loop(
    client: TestClient, goma_camp: int, receiver: Receiver, start_worker: Any
) -> None:
    """Every loop woken claims, and all but one find nothing: a worker of four loops woken
    all at once made three or four empty claims a notification. One loop is woken, and it
    stops at a batch that is not full."""
    hook = subscribe(client, receiver.url)
    port = free_port()
    # No poll within the test: every claim counted follows a notification (or the start).
    start_worker("--workers", "4", "--metrics-port", str(port), BLUEWATCH_WEBHOOK_POLL_SECONDS="60")

    def claims() -> dict[str, float]:
        try:
            exposition = httpx.get(f"http://127.0.0.1:{port}/", timeout=5).text
        except httpx.TransportError:
            return {}
        found = re.findall(r'^bluewatch_webhook_claims_total\{found="(\w+)"\} (\S+)$',
                           exposition, re.MULTILINE)  # fmt: skip
        return {label: float(value) for label, value in found}

    wait_until(lambda: claims().get("none", 0) >= 1)  # the first look, at the start
    notified = 6  # commits, each queueing its deliveries and notifying once
    for step in range(notified):
        threaten(client, step)
        receiver.wait_for(step + 1)
        wait_until(lambda: {d["status"] for d in deliveries(client, hook["id"])} == {"delivered"})
    assert len(receiver.requests) >= notified
    counted = claims()
    assert counted["some"] == notified
    assert counted["none"] <= 2  # four loops woken each time made at least 3 a notification


def test_a_digest_subscription_gets_one_signed_message_and_critical_alerts_at_once(
    client: TestClient, goma_camp: int, receiver: Receiver, start_worker: Any,
    db: psycopg.Connection[tuple[object, ...]],
) -> None:  # fmt: skip
    """Issue 19: a subscription may ask for a digest every N minutes instead of one
    message per alert; critical alerts bypass it. Held messages live in the database
    (they survive restarts) until the digest is due."""
    hook = subscribe(client, receiver.url, digest_minutes=5)
    start_worker()
    lesser = threaten(client, 30) + threaten(client, 35)  # about 3 km out: warnings
    assert lesser and all(a["properties"]["level"] != "critical" for a in lesser)
    [critical] = [a for a in threaten(client) if a["properties"]["level"] == "critical"]
    [first] = receiver.wait_for(1)
    payload = Webhook(hook["secret"]).verify(first.body, first.headers)
    assert (payload["type"], payload["data"]["id"]) == ("alert.created", critical["id"])
    held = [d for d in deliveries(client, hook["id"]) if d["status"] == "held"]
    assert len(held) >= 2
    time.sleep(1.0)  # five worker polls: a held message is not sent before its digest
    assert len(receiver.requests) == 1

    db.execute(
        "UPDATE webhook_delivery SET created_at = now() - interval '5 minutes' "
        "WHERE status = 'held'"
    )
    second = receiver.wait_for(2)[1]
    digest = Webhook(hook["secret"]).verify(second.body, second.headers)
    assert digest["type"] == "alert.digest"
    assert second.headers["webhook-id"] == digest["id"]
    events = digest["data"]["events"]
    assert digest["data"]["count"] == len(events) == len(held)
    assert [e["id"] for e in events] == sorted(d["event_id"] for d in held)
    assert all(e["data"]["properties"]["level"] != "critical" for e in events)
    wait_until(
        lambda: {d["status"] for d in deliveries(client, hook["id"])} == {"delivered", "digested"}
    )
    listed = deliveries(client, hook["id"])
    [made] = [d for d in listed if d["event_type"] == "alert.digest"]
    assert {d["digest_id"] for d in listed if d["status"] == "digested"} == {made["id"]}
    # A message folded into a digest is not sent again on its own.
    again = client.post(f"/api/v1/webhooks/{hook['id']}/deliveries/{held[0]['id']}/retry")
    assert again.status_code == 404


def test_messages_another_worker_folded_meanwhile_are_not_folded_again(
    client: TestClient, goma_camp: int, db: psycopg.Connection[tuple[object, ...]],
    database_url: str,
) -> None:  # fmt: skip
    """Two workers may look at the same due digest at once (CI once sent two digests of
    the same messages). The one whose snapshot still shows the messages held must find
    them folded when it comes to them, and make no digest of its own."""
    hook = subscribe(client, "http://127.0.0.1:9/hook", digest_minutes=5)
    assert len(threaten(client, 30) + threaten(client, 35)) >= 2
    db.execute(
        "UPDATE webhook_delivery SET created_at = now() - interval '5 minutes'"
        " WHERE status = 'held'"
    )
    # The other worker's digest (made first, so that folding into it locks no subscription).
    made = db.execute(
        "INSERT INTO webhook_delivery (webhook_id, message_id, event_type, payload)"
        " VALUES (%s, 'digest-by-the-other', 'alert.digest', '{}') RETURNING id",
        (hook["id"],),
    ).fetchone()
    assert made is not None
    with psycopg.connect(database_url) as other:
        held = other.execute(
            "SELECT id FROM webhook_delivery WHERE status = 'held' ORDER BY id FOR UPDATE"
        ).fetchall()
        assert len(held) >= 2  # the other worker holds every message due
        with ThreadPoolExecutor(max_workers=1) as pool:
            folding = pool.submit(fold_digests, database_url)

            def waiting() -> bool:  # this worker has come to the messages the other holds
                return db.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                    " AND datname = current_database() AND query LIKE %s",
                    ("%WITH due AS%",),  # the fold statement (its start: the text is cut)
                ).fetchone() == (1,)

            try:
                wait_until(waiting)
                other.execute(
                    "UPDATE webhook_delivery SET status = 'digested', digest_id = %s"
                    " WHERE id = ANY(%s)",
                    (made[0], [h[0] for h in held]),
                )
            finally:
                other.commit()  # the rows go free either way: the fold ends, nothing hangs
            folding.result(timeout=30)
    digests = [d for d in deliveries(client, hook["id"]) if d["event_type"] == "alert.digest"]
    assert [d["id"] for d in digests] == [made[0]]
    folded = {d["digest_id"] for d in deliveries(client, hook["id"]) if d["status"] == "digested"}
    assert folded == {made[0]}


@pytest.mark.parametrize(("minutes", "status"), [(0, 201), (1440, 201), (1441, 422), (-1, 422)])
def test_the_digest_interval_is_bounded(
    client: TestClient, receiver: Receiver, minutes: int, status: int
) -> None:
    response = client.post(
        "/api/v1/webhooks", json={"url": receiver.url, "digest_minutes": minutes}
    )
    assert response.status_code == status, response.text


def test_a_digest_not_yet_sent_is_withheld_when_an_alert_in_it_is_reclassified_above(
    client: TestClient, goma_camp: int, db: psycopg.Connection[tuple[object, ...]],
    database_url: str,
) -> None:  # fmt: skip
    """Every output path is a leak path: the digest is rebuilt without the alert its
    subscriber may no longer see; the other messages wait for the next digest."""
    hook = subscribe(client, "http://127.0.0.1:9/hook", digest_minutes=5)
    lesser = threaten(client, 30) + threaten(client, 35)
    assert len({a["id"] for a in lesser}) >= 2
    age = (
        "UPDATE webhook_delivery SET created_at = now() - interval '5 minutes'"
        " WHERE status = 'held'"
    )
    db.execute(age)
    fold_digests(database_url)
    [made] = [d for d in deliveries(client, hook["id"]) if d["event_type"] == "alert.digest"]
    assert made["status"] == "pending"  # the setup made a digest waiting to be sent
    members = [d for d in deliveries(client, hook["id"]) if d["digest_id"] == made["id"]]
    assert len(members) >= 2
    secret = db.execute(
        "SELECT incident_id FROM alert WHERE id = %s", (lesser[0]["id"],)
    ).fetchone()
    assert secret is not None
    raised = client.patch(
        f"/api/v1/incidents/{secret[0]}", json={"properties": {"classification": "confidential"}}
    )
    assert raised.status_code == 200, raised.text
    listed = {d["id"]: d for d in deliveries(client, hook["id"])}
    assert listed[made["id"]]["status"] == "withheld"
    assert {listed[m["id"]]["status"] for m in members} >= {"held"}
    db.execute(age)
    fold_digests(database_url)
    [remade] = [
        d for d in deliveries(client, hook["id"])
        if d["event_type"] == "alert.digest" and d["status"] == "pending"
    ]  # fmt: skip
    payload = db.execute(
        "SELECT payload FROM webhook_delivery WHERE id = %s", (remade["id"],)
    ).fetchone()
    assert payload is not None
    events = json.loads(str(payload[0]))["data"]["events"]
    assert events and all(e["data"]["id"] != lesser[0]["id"] for e in events)
    assert all(e["data"]["properties"]["classification"] == "unclassified" for e in events)
