"""The SSRF guard's address rule (issue 14, 16): only globally routable addresses pass,
unless the operator's allow-list names them. Boundaries are tested on both sides."""

from __future__ import annotations

import ipaddress

import pytest

from bluewatch.webhooks.ssrf import Guard, Refused
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
