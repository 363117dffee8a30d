"""The SSRF guard's address rule (issue 14, 16): only globally routable addresses pass,
unless the operator's allow-list names them. Boundaries are tested on both sides."""

from __future__ import annotations

import ipaddress
import ssl
from typing import Any

import pytest

from bluewatch.webhooks.ssrf import (
    Guard,
    GuardedConnector,
    Refused,
    registration_error,
    system_resolver,
)
from tests.aio import run

REFUSED = [
    "0.0.0.0", "10.0.0.1",  # noqa: S104 - refused, never bound "100.64.0.0", "100.127.255.255", "127.0.0.1", "169.254.169.254",
    "172.16.0.1", "172.31.255.255", "192.0.0.8", "192.0.0.255", "192.0.2.1", "192.88.99.1",
    "192.168.1.1", "198.18.0.1", "198.19.255.255", "198.51.100.7", "203.0.113.9",
    "224.0.0.1", "239.255.255.255", "240.0.0.1", "255.255.255.255",
    "::", "::1", "::127.0.0.1", "::ffff:127.0.0.1", "::ffff:0:127.0.0.1", "64:ff9b::7f00:1",
    "64:ff9b::808:808", "64:ff9b:1::1", "100::1", "2001::1", "2001:1ff:ffff::1",
    "2001:db8::1", "2002:7f00:1::1", "3fff::1", "5f00::1", "fc00::1", "fd12::1",
    "fe80::1", "fec0::1", "ff02::1",
]  # fmt: skip
ALLOWED = [
    "1.1.1.1", "8.8.8.8", "9.255.255.255", "11.0.0.0", "100.63.255.255", "100.128.0.0",
    "172.15.255.255", "172.32.0.0", "192.0.1.0", "192.167.255.255", "192.169.0.0",
    "198.17.255.255", "198.20.0.0", "223.255.255.255", "::ffff:8.8.8.8",
    "2001:200::1", "2001:4860:4860::8888", "2606:4700:4700::1111", "2a00:1450::1",
]  # fmt: skip


def _allowed(guard: Guard, address: str) -> bool:
    try:
        run(guard.resolve_checked(address, 443))
    except Refused:
        return False
    return True


@pytest.mark.parametrize("address", REFUSED)
def test_addresses_that_are_not_globally_routable_are_refused(address: str) -> None:
    assert not _allowed(Guard(), address)


@pytest.mark.parametrize("address", ALLOWED)
def test_global_addresses_pass(address: str) -> None:
    assert _allowed(Guard(), address)


@pytest.mark.parametrize("address", ["127.0.0.1", "10.1.2.3", "fd12::1"])
def test_the_operators_allow_list_admits_its_networks_only(address: str) -> None:
    network = ipaddress.ip_network(address)
    guard = Guard([str(network)])
    assert _allowed(guard, address)
    neighbour = str(ipaddress.ip_address(address) + 1)
    assert not _allowed(guard, neighbour)


@pytest.mark.parametrize(
    "url", ["http://[::127.0.0.1]/", "http://[64:ff9b::7f00:1]/", "http://192.0.0.8/"]
)
def test_the_reported_urls_are_refused(url: str) -> None:
    guard = Guard()
    with pytest.raises(Refused):
        run(guard.check(url))
    assert _allowed(guard, "8.8.8.8")  # the guard itself lets a public address through


class RecordingOpener:
    """Stands in for the network: records every connection the guard lets through."""

    def __init__(self) -> None:
        self.calls: list[tuple[object, ...]] = []

    @property
    def connects(self) -> list[object]:
        return [call[0] for call in self.calls]

    async def __call__(self, host: str, port: int, **options: Any) -> Any:
        self.calls.append((host, port, options))
        raise OSError("the test network goes nowhere")


def test_send_time_guard_checks_every_answer_and_the_connected_address() -> None:
    answers = {"rebind.example": ["93.184.216.34", "127.0.0.1"]}
    asked: list[tuple[str, int]] = []

    async def resolver(host: str, port: int) -> list[str]:
        asked.append((host, port))
        return answers[host]

    network = RecordingOpener()
    connector = GuardedConnector(Guard(resolver=resolver), network)
    with pytest.raises(Refused):
        run(connector.open("rebind.example", 443, None))
    answers["rebind.example"] = ["127.0.0.1"]  # DNS rebinding after registration
    with pytest.raises(Refused):
        run(connector.open("rebind.example", 443, None))
    assert network.connects == []
    answers["rebind.example"] = ["93.184.216.34"]
    with pytest.raises(OSError, match="goes nowhere"):
        run(connector.open("rebind.example", 443, None))
    assert network.connects == ["93.184.216.34"]  # the checked address, not the name
    assert asked == [("rebind.example", 443)] * 3
    answers["Xray.example"] = ["93.184.216.34"]
    with pytest.raises(OSError, match="goes nowhere"):
        run(connector.open("Xray.example", 8443, None))
    assert asked[-1] == ("Xray.example", 8443)  # the name as given, with its port


def test_the_connector_checks_tls_against_the_name_not_the_address() -> None:
    async def no_dns(host: str, port: int) -> list[str]:
        raise OSError("literals need no lookup")

    async def one_answer(host: str, port: int) -> list[str]:
        return ["2606:4700::1111"]

    context = ssl.create_default_context()
    network = RecordingOpener()
    with pytest.raises(OSError, match="goes nowhere"):
        run(GuardedConnector(Guard(resolver=no_dns), network).open("[2606:4700::1111]", 8443, None))
    with pytest.raises(OSError, match="goes nowhere"):
        run(
            GuardedConnector(Guard(resolver=one_answer), network).open("hook.example", 443, context)
        )
    assert network.calls == [
        ("2606:4700::1111", 8443, {"ssl": None, "server_hostname": None}),
        ("2606:4700::1111", 443, {"ssl": context, "server_hostname": "hook.example"}),
    ]


def test_names_are_resolved_with_their_port_and_literals_never() -> None:
    asked: list[tuple[str, int]] = []

    async def resolver(host: str, port: int) -> list[str]:
        asked.append((host, port))
        return ["8.8.8.8"]

    guard = Guard(resolver=resolver)
    run(guard.check("https://8.8.8.8:8443/hook"))
    run(guard.check("https://[2606:4700::1111]/hook"))
    assert asked == []
    run(guard.check("https://dns.example:8443/hook"))
    assert asked == [("dns.example", 8443)]


def test_allow_list_entries_may_have_host_bits_set() -> None:
    guard = Guard(["10.1.2.3/8"])
    assert guard.address_allowed(ipaddress.ip_address("10.200.0.1"))
    assert not guard.address_allowed(ipaddress.ip_address("192.168.0.1"))


URL_REFUSALS = [
    ("ftp://example.org/hook", "only http and https URLs are allowed"),
    ("file:///etc/passwd", "only http and https URLs are allowed"),
    ("https://user:secret@example.org/hook", "credentials in the URL are not allowed"),
    ("https://user@example.org/hook", "credentials in the URL are not allowed"),
    ("https:///hook", "the URL has no host"),
    ("https://.:443/hook", "the URL has no host"),
    ("https://example.org:99999/hook", "the URL's port is not valid"),
    ("http://2130706433/hook", "numeric hosts must be plain dotted quads"),
    ("http://0x7f.1/hook", "numeric hosts must be plain dotted quads"),
    ("http://127.1/hook", "numeric hosts must be plain dotted quads"),
    ("http://010.0.0.1/hook", "numeric hosts must be plain dotted quads"),
]


@pytest.mark.parametrize(("url", "reason"), URL_REFUSALS)
def test_url_refusals_say_why(url: str, reason: str) -> None:
    with pytest.raises(Refused) as refused:
        Guard().check_url(url)
    assert str(refused.value) == reason


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://example.org/hook", ("example.org", 80)),
        ("https://example.org/hook", ("example.org", 443)),
        ("https://example.org.:8443/x", ("example.org", 8443)),
        ("https://8.8.8.8/x", ("8.8.8.8", 443)),
        ("https://[2606:4700::1111]/x", ("2606:4700::1111", 443)),
        ("https://0.0.0.9/x", ("0.0.0.9", 443)),
    ],
)
def test_acceptable_urls_give_host_and_port(url: str, expected: tuple[str, int]) -> None:
    assert Guard().check_url(url) == expected


def test_the_system_resolver_answers_each_address_once() -> None:
    addresses = run(system_resolver("localhost", 80))
    assert "127.0.0.1" in addresses
    assert len(addresses) == len(set(addresses))
    assert run(system_resolver("127.0.0.2", 443)) == ["127.0.0.2"]


def test_resolution_is_checked_for_every_answer() -> None:
    answers: dict[str, list[str]] = {
        "good.example": ["8.8.8.8", "2606:4700::1111"],
        "mixed.example": ["8.8.8.8", "10.0.0.1"],
        "scoped.example": ["fe80::1%eth0"],
        "empty.example": [],
    }

    async def resolver(host: str, port: int) -> list[str]:
        if host not in answers:
            raise OSError("no such host")
        return answers[host]

    guard = Guard(resolver=resolver)
    assert run(guard.resolve_checked("good.example", 443)) == answers["good.example"]
    for host, reason in [
        ("mixed.example", "the host resolves to an address that is not public"),
        ("scoped.example", "the host resolves to an address that is not public"),
        ("empty.example", "the host does not resolve"),
        ("missing.example", "the host does not resolve"),
    ]:
        with pytest.raises(Refused) as refused:
            run(guard.resolve_checked(host, 443))
        assert str(refused.value) == reason, host
    run(guard.check("https://good.example/hook"))
    with pytest.raises(Refused):
        run(guard.check("https://mixed.example/hook"))


def test_registration_errors_name_the_reason() -> None:
    error = registration_error(Refused("the URL has no host"))
    assert error.detail == "The webhook URL is not allowed: the URL has no host."
