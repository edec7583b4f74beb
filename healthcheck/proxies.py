"""Who is asking: the client's address, from the socket peer and the forwarding headers that
trusted proxies write (the rule of uvicorn's ``forwarded_allow_ips`` and werkzeug's ProxyFix).

Behind a reverse proxy on the same host every request arrives from 127.0.0.1, so the peer
alone cannot say who is local. A proxy says who its client was in ``Forwarded``,
``X-Forwarded-For`` or ``X-Real-IP``; those headers are believed only from a trusted peer,
and a request that carries them from any other peer has an unknown client (never local).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from functools import lru_cache
from typing import Protocol, Union

Network = Union[ipaddress.IPv4Network, ipaddress.IPv6Network]
Address = Union[ipaddress.IPv4Address, ipaddress.IPv6Address]

#: Proxies trusted unless told otherwise: one on this machine (nginx or a sidecar).
DEFAULT_TRUSTED = ("127.0.0.1", "::1")
#: The forwarding headers, as the endpoints look them up (lower case).
FORWARDING = ("forwarded", "x-forwarded-for", "x-real-ip")


class Headers(Protocol):
    def get(self, name: str, /) -> str | None: ...


def trusted_networks(proxies: Iterable[str] | str) -> tuple[Network, ...]:
    """``proxies`` (addresses or networks, e.g. ``"10.0.0.0/8"``) checked and parsed; a
    clear ``ValueError`` naming ``trusted_proxies`` for anything else."""
    if isinstance(proxies, str):
        proxies = [proxies]
    if not isinstance(proxies, Iterable):
        raise TypeError(
            f"trusted_proxies: a list of addresses or networks, got {type(proxies).__name__}"
        )
    networks = []
    for entry in proxies:
        try:
            networks.append(ipaddress.ip_network(str(entry).strip(), strict=False))
        except ValueError:
            raise ValueError(
                f"trusted_proxies: {entry!r} is not an IP address or network "
                "(such as '127.0.0.1' or '10.0.0.0/8')"
            ) from None
    return tuple(networks)


def client_address(
    peer: str | None, headers: Headers, trusted: tuple[Network, ...]
) -> Address | None:
    """The address of the client behind ``peer``: the peer itself when no forwarding header
    came; the forwarded client when a trusted proxy sent them (the last address no trusted
    proxy wrote, reading the chain from the right); ``None`` when unknown: headers from an
    untrusted peer, an address that does not parse, or two headers that disagree (a client
    may have sent one that the proxy passed on untouched)."""
    address = _address(peer)
    if address is None:
        return None
    sent = [(name, value) for name in FORWARDING if (value := headers.get(name))]
    if not sent:
        return address
    if not _trusted(address, trusted):
        return None
    found = {_client(_chain(name, value), trusted) for name, value in sent}
    return found.pop() if len(found) == 1 else None


def forwarded_from(peer: str | None, headers: Headers) -> bool:
    """Whether ``peer`` is one of the addresses the forwarding headers name: then a server
    before us (uvicorn's ``--forwarded-allow-ips``, hypercorn's ProxyFix) has put a forwarded
    address where the socket peer was, and who really connected is unknown."""
    address = _address(peer)
    if address is None:
        return False
    for name in FORWARDING:
        value = headers.get(name)
        if value and address in _chain(name, value):
            return True
    return False


def is_local(address: Address | None) -> bool:
    """Whether ``address`` is this machine's (loopback, IPv4-mapped included)."""
    if address is None:
        return False
    mapped = getattr(address, "ipv4_mapped", None)  # ::ffff:127.0.0.1 from a dual-stack socket
    return (mapped or address).is_loopback


def _trusted(address: Address, trusted: tuple[Network, ...]) -> bool:
    mapped = getattr(address, "ipv4_mapped", None)
    return any((mapped or address) in network for network in trusted)


def _client(chain: list[Address | None], trusted: tuple[Network, ...]) -> Address | None:
    """The first address from the right that no trusted proxy wrote; the leftmost when all
    are trusted; ``None`` when one on the way does not parse."""
    for address in reversed(chain):
        if address is None or not _trusted(address, trusted):
            return address
    return chain[0] if chain else None


def _chain(name: str, value: str) -> list[Address | None]:
    if name == "forwarded":  # RFC 7239: for=192.0.2.60;proto=http, for="[2001:db8::1]:4711"
        hops = []
        for element in value.split(","):
            found = [
                part.split("=", 1)[1]
                for part in element.split(";")
                if part.strip().lower().startswith("for=")
            ]
            hops.append(_address(found[0]) if len(found) == 1 else None)
        return hops
    return [_address(hop) for hop in value.split(",")]


@lru_cache(maxsize=1024)  # the same few peers and proxies, request after request
def _address(text: str | None) -> Address | None:
    """An address as peers and proxies write it: bare, quoted, in brackets, with a port or an
    IPv6 zone; ``None`` for anything else ("unknown", obfuscated names, garbage)."""
    if not text:
        return None
    text = text.strip().strip('"')
    if text.startswith("["):  # [2001:db8::1]:4711
        text = text[1 : text.find("]")] if "]" in text else ""
    elif text.count(":") == 1:  # 192.0.2.60:4711
        text = text.split(":", 1)[0]
    try:
        return ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return None
