"""API keys, sign-in sessions, CSRF, throttles and the hardening around them."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import psycopg
import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from bluewatch.api.deps import get_limits
from bluewatch.app import create_app
from bluewatch.settings import Settings
from tests.conftest import RoleKeys, bearer, make_key, settings_for
from tests.factories import GEOJSON, incident

PASSWORD = "correct horse battery staple"


@pytest.fixture
def analyst_user(client: TestClient) -> str:
    created = client.post(
        "/api/v1/users",
        json={
            "username": "amina",
            "password": PASSWORD,
            "role": "analyst",
            "clearance": "confidential",
        },
    )
    assert created.status_code == 201, created.text
    assert "password" not in created.text and "hash" not in created.text
    client.headers.pop("Authorization")  # from here on, act as a browser
    return "amina"


def sign_in(client: TestClient, username: str, password: str = PASSWORD) -> dict[str, str]:
    response = client.post("/api/v1/session", json={"username": username, "password": password})
    assert response.status_code == 201, response.text
    body: dict[str, str] = response.json()
    return body


@pytest.mark.parametrize(
    "state", [{"expires_at": datetime.now(UTC) - timedelta(minutes=1)}, {"revoked": True}]
)
def test_expired_and_revoked_keys_get_401(
    client: TestClient, database_url: str, state: dict[str, object]
) -> None:
    token = make_key(database_url, "admin", "strictly_confidential", **state)  # type: ignore[arg-type]
    response = client.get("/api/v1/incidents", headers=bearer(token))
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    "header",
    ["Bearer", "Bearer nonsense", "Basic YWRtaW46YWRtaW4=", "Bearer bwk_00000000_forged"],
)
def test_malformed_or_forged_credentials_get_401(client: TestClient, header: str) -> None:
    assert client.get("/api/v1/incidents", headers={"Authorization": header}).status_code == 401


def test_keys_are_shown_once_stored_hashed_and_revocable(
    client: TestClient, db: psycopg.Connection[tuple[object, ...]]
) -> None:
    created = client.post(
        "/api/v1/keys", json={"name": "acled-sync", "role": "analyst", "clearance": "confidential"}
    )
    assert created.status_code == 201, created.text
    token = created.json()["token"]
    prefix = created.json()["prefix"]
    assert token.startswith(prefix + "_")
    assert len(token) - len(prefix) - 1 >= 43  # 32 random bytes, base64url: 256 bits
    assert client.get("/api/v1/session", headers=bearer(token)).json()["role"] == "analyst"

    listed = client.get("/api/v1/keys").text
    assert token not in listed and "sha256" not in listed
    stored = db.execute("SELECT token_sha256 FROM api_key WHERE name = 'acled-sync'").fetchone()
    assert stored is not None and stored[0] == hashlib.sha256(token.encode()).digest()

    assert client.delete(f"/api/v1/keys/{created.json()['id']}").status_code == 204
    assert client.get("/api/v1/incidents", headers=bearer(token)).status_code == 401


def test_nobody_grants_more_than_they_hold(client: TestClient, database_url: str) -> None:
    confidential_admin = bearer(make_key(database_url, "admin", "confidential"))
    refused = client.post(
        "/api/v1/keys",
        json={"name": "x", "role": "viewer", "clearance": "strictly_confidential"},
        headers=confidential_admin,
    )
    assert refused.status_code == 422


def test_session_cookie_flags_and_sign_out(client: TestClient, analyst_user: str) -> None:
    response = client.post("/api/v1/session", json={"username": analyst_user, "password": PASSWORD})
    assert response.status_code == 201
    cookie = response.headers["set-cookie"]
    assert "bluewatch_session=" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie or "SameSite=Strict" in cookie
    assert "Path=/" in cookie
    assert "Secure" not in cookie  # plain http here
    assert client.get("/api/v1/session").json()["username"] == analyst_user
    csrf = response.json()["csrf_token"]
    signed_out = client.delete("/api/v1/session", headers={"X-CSRF-Token": csrf})
    assert signed_out.status_code == 204
    assert client.get("/api/v1/incidents").status_code == 401


def test_the_page_asks_for_its_session_without_an_error(
    client: TestClient, analyst_user: str, db: psycopg.Connection[tuple[object, ...]]
) -> None:
    assert client.get("/api/v1/session/current").json() == {"session": None}
    signed = sign_in(client, analyst_user)
    current = client.get("/api/v1/session/current")
    assert current.status_code == 200
    assert current.json()["session"] == {
        "username": analyst_user,
        "role": "analyst",
        "clearance": "confidential",
        "csrf_token": signed["csrf_token"],
    }
    db.execute("UPDATE user_session SET expires_at = now() - interval '1 second'")
    assert client.get("/api/v1/session/current").json() == {"session": None}


def test_cookie_is_secure_over_https(settings: Settings, analyst_user: str) -> None:
    with TestClient(create_app(settings), base_url="https://testserver") as browser:
        response = browser.post(
            "/api/v1/session", json={"username": analyst_user, "password": PASSWORD}
        )
    assert "Secure" in response.headers["set-cookie"]


def test_cookie_writes_need_the_csrf_header(client: TestClient, analyst_user: str) -> None:
    csrf = sign_in(client, analyst_user)["csrf_token"]
    without = client.post("/api/v1/incidents", json=incident(), headers=GEOJSON)
    assert without.status_code == 403
    wrong = client.post(
        "/api/v1/incidents", json=incident(), headers=GEOJSON | {"X-CSRF-Token": "guess"}
    )
    assert wrong.status_code == 403
    with_proof = client.post(
        "/api/v1/incidents", json=incident(), headers=GEOJSON | {"X-CSRF-Token": csrf}
    )
    assert with_proof.status_code == 201
    assert client.get("/api/v1/incidents").status_code == 200  # reads need no proof


def test_wrong_passwords_are_throttled_per_account(client: TestClient, analyst_user: str) -> None:
    for _ in range(5):
        wrong = client.post("/api/v1/session", json={"username": analyst_user, "password": "no"})
        assert wrong.status_code == 401
    throttled = client.post(
        "/api/v1/session", json={"username": analyst_user, "password": PASSWORD}
    )
    assert throttled.status_code == 429
    assert int(throttled.headers["retry-after"]) > 0


def test_concurrent_wrong_passwords_are_counted_one_by_one(
    client: TestClient, analyst_user: str, live_server: str
) -> None:
    """40 guesses at once: exactly the per-account limit of them reach the password check."""

    async def guess_all() -> list[int]:
        async with httpx.AsyncClient(base_url=live_server, timeout=60) as browser:
            answers = await asyncio.gather(
                *[
                    browser.post(
                        "/api/v1/session", json={"username": analyst_user, "password": f"no{n}"}
                    )
                    for n in range(40)
                ]
            )
        return [answer.status_code for answer in answers]

    statuses = asyncio.run(guess_all())
    assert sorted(set(statuses)) == [401, 429]
    assert statuses.count(401) == 5, statuses
    right = client.post("/api/v1/session", json={"username": analyst_user, "password": PASSWORD})
    assert right.status_code == 429, "the account stays throttled"


def test_sign_in_is_throttled_per_address(client: TestClient, analyst_user: str) -> None:
    for number in range(20):
        client.post("/api/v1/session", json={"username": f"guess{number}", "password": "x"})
    throttled = client.post(
        "/api/v1/session", json={"username": analyst_user, "password": PASSWORD}
    )
    assert throttled.status_code == 429


def test_unknown_user_and_wrong_password_look_alike(client: TestClient, analyst_user: str) -> None:
    unknown = client.post("/api/v1/session", json={"username": "nobody", "password": PASSWORD})
    wrong = client.post("/api/v1/session", json={"username": analyst_user, "password": "wrong!"})
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.json() == wrong.json()


def test_disabling_a_user_ends_their_session(
    client: TestClient, role_keys: RoleKeys, analyst_user: str
) -> None:
    sign_in(client, analyst_user)
    users = client.get("/api/v1/users", headers=bearer(role_keys.admin)).json()["items"]
    user_id = next(u["id"] for u in users if u["username"] == analyst_user)
    changed = client.patch(
        f"/api/v1/users/{user_id}", json={"disabled": True}, headers=bearer(role_keys.admin)
    )
    assert changed.status_code == 200
    assert client.get("/api/v1/incidents").status_code == 401


@pytest.fixture
def strict_client(database_url: str) -> Iterator[TestClient]:
    app = create_app(settings_for(database_url, rate_limit_per_minute=60, rate_limit_burst=3))
    with TestClient(app, raise_server_exceptions=False) as strict:
        yield strict


def test_per_principal_rate_limit(strict_client: TestClient, role_keys: RoleKeys) -> None:
    statuses = [
        strict_client.get("/api/v1/camps", headers=bearer(role_keys.viewer)).status_code
        for _ in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
    limited = strict_client.get("/api/v1/camps", headers=bearer(role_keys.viewer))
    assert int(limited.headers["retry-after"]) >= 1
    other = strict_client.get("/api/v1/camps", headers=bearer(role_keys.analyst))
    assert other.status_code == 200  # buckets are per principal


def test_security_headers(client: TestClient) -> None:
    response = client.get("/api/v1/incidents")
    csp = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert len(response.headers["x-request-id"]) >= 8
    echoed = client.get("/healthz", headers={"X-Request-ID": "trace-42"})
    assert echoed.headers["x-request-id"] == "trace-42"
    forged = client.get("/healthz", headers={"X-Request-ID": "<script>"})
    assert forged.headers["x-request-id"] != "<script>"


def test_cors_allow_list(database_url: str) -> None:
    app = create_app(settings_for(database_url, cors_origins=["https://ops.mission.example"]))
    with TestClient(app) as browser:
        preflight = {"Access-Control-Request-Method": "POST"}
        allowed = browser.options(
            "/api/v1/incidents", headers={"Origin": "https://ops.mission.example"} | preflight
        )
        assert allowed.headers["access-control-allow-origin"] == "https://ops.mission.example"
        assert allowed.headers["access-control-allow-credentials"] == "true"
        other = browser.options(
            "/api/v1/incidents", headers={"Origin": "https://evil.example"} | preflight
        )
        assert "access-control-allow-origin" not in other.headers
    with pytest.raises(ValidationError):
        Settings(cors_origins=["*"])


def test_docs_need_a_key_unless_settings_allow(client: TestClient, database_url: str) -> None:
    client.headers.pop("Authorization")
    assert client.get("/openapi.json").status_code == 401
    with TestClient(create_app(settings_for(database_url, public_docs=True))) as open_docs:
        assert open_docs.get("/openapi.json").json()["info"]["title"] == "Bluewatch"


def test_unexpected_failures_are_generic_500s(
    strict_client: TestClient, role_keys: RoleKeys
) -> None:
    def broken() -> None:
        raise RuntimeError("connection string postgresql://secret@db")

    strict_client.app.dependency_overrides[get_limits] = broken  # type: ignore[attr-defined]
    response = strict_client.post(
        "/api/v1/incidents", json=incident(), headers=GEOJSON | bearer(role_keys.admin)
    )
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert "secret" not in response.text and "Traceback" not in response.text
