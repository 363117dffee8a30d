"""UN classification levels and Standard Webhooks signatures, checked exactly."""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime

import pytest
from standardwebhooks import Webhook

from bluewatch.classification import Classification
from bluewatch.webhooks import signing

U, C, S = (
    Classification.UNCLASSIFIED,
    Classification.CONFIDENTIAL,
    Classification.STRICTLY_CONFIDENTIAL,
)


def test_levels_rank_in_order() -> None:
    assert [level.rank for level in (U, C, S)] == [0, 1, 2]
    assert [level.value for level in Classification] == [
        "unclassified", "confidential", "strictly_confidential",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("levels", "highest"),
    [([], U), ([U], U), ([C, U], C), ([U, S, C], S), ([S, S], S), ([C, C], C)],
)
def test_highest(levels: list[Classification], highest: Classification) -> None:
    assert Classification.highest(levels) is highest
    assert Classification.highest(iter(levels)) is highest


def test_markings_as_printed() -> None:
    assert [level.marking for level in (U, C, S)] == [
        "UNCLASSIFIED", "UN CONFIDENTIAL", "UN STRICTLY CONFIDENTIAL",
    ]  # fmt: skip


SECRET = "whsec_" + base64.b64encode(bytes(range(32))).decode()


def test_a_signature_is_exactly_the_spec_s_hmac() -> None:
    # Computed independently by the standardwebhooks package for the same input.
    expected = Webhook(SECRET).sign(
        "msg_1", datetime.fromtimestamp(1_700_000_000, tz=UTC), '{"a":1}'
    )
    assert signing.signature(SECRET, "msg_1", 1_700_000_000, b'{"a":1}') == expected
    assert signing.signature(SECRET, "msg_1", 1_700_000_001, b'{"a":1}') != expected
    assert signing.signature(SECRET, "msg_2", 1_700_000_000, b'{"a":1}') != expected
    assert signing.signature(SECRET, "msg_1", 1_700_000_000, b'{"a":2}') != expected


def test_headers_sign_with_every_secret_in_use() -> None:
    other = signing.new_secret()
    headers = signing.headers([SECRET, other], "msg_9", 1_700_000_000, b"{}")
    assert set(headers) == {"webhook-id", "webhook-timestamp", "webhook-signature"}
    assert headers["webhook-id"] == "msg_9"
    assert headers["webhook-timestamp"] == "1700000000"
    first, second = headers["webhook-signature"].split(" ")
    assert first == signing.signature(SECRET, "msg_9", 1_700_000_000, b"{}")
    assert second == signing.signature(other, "msg_9", 1_700_000_000, b"{}")
    alone = signing.headers([SECRET], "msg_9", 1_700_000_000, b"{}")["webhook-signature"]
    assert alone == first


def test_new_secrets_are_32_random_bytes_behind_the_prefix() -> None:
    secret = signing.new_secret()
    assert re.fullmatch(r"whsec_[A-Za-z0-9+/]{43}=", secret)
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 32
    assert signing.new_secret() != secret
