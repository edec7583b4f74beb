"""Who is asking: the socket peer, and forwarding headers only from trusted proxies."""

from __future__ import annotations

import ipaddress

import pytest

from healthcheck.proxies import DEFAULT_TRUSTED, client_address, is_local, trusted_networks

LOCAL = trusted_networks(DEFAULT_TRUSTED)


def client(peer: str | None, trusted: object = LOCAL, **headers: str) -> str | None:
    sent = {name.replace("_", "-").lower(): value for name, value in headers.items()}
    found = client_address(peer, sent, trusted)  # type: ignore[arg-type]
    return None if found is None else str(found)


def test_without_forwarding_headers_the_peer_is_the_client() -> None:
    assert client("127.0.0.1") == "127.0.0.1"
    assert client("203.0.113.9") == "203.0.113.9"
    assert client(None) is None
    assert client("not an address") is None


def test_a_trusted_proxy_names_the_client() -> None:
    assert client("127.0.0.1", x_forwarded_for="203.0.113.9") == "203.0.113.9"
    assert client("127.0.0.1", x_real_ip="203.0.113.9") == "203.0.113.9"
    assert client("127.0.0.1", forwarded="for=203.0.113.9;proto=https") == "203.0.113.9"
    assert client("::1", forwarded='for="[2001:db8::17]:4711"') == "2001:db8::17"
    assert client("127.0.0.1", x_forwarded_for="203.0.113.9:5123") == "203.0.113.9"


def test_the_chain_is_read_from_the_right_past_trusted_hops_only() -> None:
    # nginx's $proxy_add_x_forwarded_for appends the peer to what the client sent
    assert client("127.0.0.1", x_forwarded_for="127.0.0.1, 203.0.113.9") == "203.0.113.9"
    inner = trusted_networks(["127.0.0.1", "10.0.0.0/8"])
    chain = "198.51.100.7, 203.0.113.9, 10.1.2.3"
    assert client("127.0.0.1", inner, x_forwarded_for=chain) == "203.0.113.9"
    assert client("127.0.0.1", x_forwarded_for="127.0.0.1, ::1") == "127.0.0.1"


def test_forwarding_headers_from_an_untrusted_peer_make_the_client_unknown() -> None:
    assert client("203.0.113.9", x_forwarded_for="127.0.0.1") is None
    assert client("127.0.0.1", (), x_real_ip="127.0.0.1") is None


def test_what_does_not_parse_or_does_not_agree_is_unknown() -> None:
    assert client("127.0.0.1", forwarded="for=unknown") is None
    assert client("127.0.0.1", forwarded="for=_hidden") is None
    assert client("127.0.0.1", x_forwarded_for="127.0.0.1, garbage") is None
    # a client's own X-Forwarded-For passed on untouched by a proxy that sets X-Real-IP
    assert client("127.0.0.1", x_forwarded_for="127.0.0.1", x_real_ip="203.0.113.9") is None


@pytest.mark.parametrize(
    ("address", "local"),
    [("127.0.0.1", True), ("127.8.9.10", True), ("::1", True), ("::ffff:127.0.0.1", True),
     ("203.0.113.9", False), ("::ffff:203.0.113.9", False), ("10.0.0.1", False)],
)  # fmt: skip
def test_local_means_loopback(address: str, local: bool) -> None:
    assert is_local(ipaddress.ip_address(address)) is local
    assert is_local(None) is False


def test_trusted_proxies_are_checked_with_the_setting_named() -> None:
    assert trusted_networks("10.0.0.0/8") == (ipaddress.ip_network("10.0.0.0/8"),)
    assert trusted_networks(["192.168.1.5/24"]) == (ipaddress.ip_network("192.168.1.0/24"),)
    with pytest.raises(ValueError, match="trusted_proxies: 'nginx'"):
        trusted_networks(["nginx"])
    with pytest.raises(TypeError, match="trusted_proxies: a list"):
        trusted_networks(8080)  # type: ignore[arg-type]
