"""Where callbacks may go: http(s) URLs whose host resolves only to public addresses.

A callback URL is chosen by a caller, so without this guard the service would POST to
its own loopback, the cloud metadata endpoint (169.254.169.254) or the private network on
anyone's behalf (SSRF). The check runs when the configuration is loaded, when a request
names a `callback_url`, and again before every delivery, because DNS answers may change.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

TargetKind = Literal["loopback", "private", "link_local", "unique_local", "unspecified", "multicast", "reserved"]
"""The kinds of non-public address a target may resolve to; `webhooks.allow_private_targets` allows some."""

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Sequence[str]]

_PRIVATE_V4 = tuple(ipaddress.IPv4Network(net) for net in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))
_UNIQUE_LOCAL_V6 = ipaddress.IPv6Network("fc00::/7")


class TargetRefused(ValueError):
    """The URL may not receive callbacks; the message says why, for the caller or the operator."""


_NAT64_PREFIXES = (ipaddress.IPv6Network("64:ff9b::/96"), ipaddress.IPv6Network("64:ff9b:1::/48"))
_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")


def embedded_ipv4(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """IPv4 addresses an IPv6 address carries and that a translator or tunnel would reach: mapped
    (::ffff:a.b.c.d), compatible (::a.b.c.d), 6to4 (2002:AABB:CCDD::), Teredo (the client's, and the
    server's) and NAT64 (64:ff9b::a.b.c.d, 64:ff9b:1::/48). `[2002:7f00:1::]` is 127.0.0.1 in disguise."""
    found: list[ipaddress.IPv4Address] = []
    if address.ipv4_mapped is not None:
        found.append(address.ipv4_mapped)
    if address.sixtofour is not None:
        found.append(address.sixtofour)
    if address.teredo is not None:
        found.extend(address.teredo)
    if any(address in prefix for prefix in _NAT64_PREFIXES) or (
        address in _IPV4_COMPATIBLE and int(address) > 1  # :: and ::1 are themselves
    ):
        found.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return found


def classify(address: IpAddress) -> TargetKind | None:
    """The kind of non-public address this is, or None for a public (globally routable) one."""
    if isinstance(address, ipaddress.IPv6Address):
        for inner in embedded_ipv4(address):
            kind = classify(inner)
            if kind is not None:
                return kind
        if any(address in prefix for prefix in _NAT64_PREFIXES):
            return None  # DNS64 answers these for public IPv4 hosts; the embedded one was public
    if address.is_unspecified:
        return "unspecified"
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link_local"
    if address.is_multicast:
        return "multicast"
    if isinstance(address, ipaddress.IPv4Address) and any(address in net for net in _PRIVATE_V4):
        return "private"
    if isinstance(address, ipaddress.IPv6Address) and address in _UNIQUE_LOCAL_V6:
        return "unique_local"
    if address.is_reserved or not address.is_global:
        return "reserved"  # documentation, benchmarking, shared (CGNAT), 0/8, 240/4 …
    return None


@dataclass(frozen=True, slots=True)
class Target:
    """A checked URL: its host and port, and the addresses it resolved to (all allowed)."""

    url: str
    host: str
    port: int
    addresses: tuple[IpAddress, ...]


def _system_resolver(host: str, port: int) -> Sequence[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


class TargetGuard:
    """Refuses callback URLs that are not http(s) or resolve to an address kind not allowed."""

    def __init__(self, allow: Iterable[TargetKind] = (), *, resolver: Resolver = _system_resolver) -> None:
        self._allow = frozenset(allow)
        self._resolver = resolver

    def check(self, url: str) -> Target:
        """Parse, resolve (blocking) and classify; raises TargetRefused."""
        host, port = _split(url)
        return self._judge(url, host, port, self._resolve(host, port))

    def check_form(self, url: str) -> None:
        """Everything `check` refuses without resolving: scheme, host, credentials, and a literal IP's kind."""
        host, port = _split(url)
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return
        self._judge(url, host, port, [address])

    async def acheck(self, url: str) -> Target:
        """`check` with the DNS lookup in a worker thread, for the event loop."""
        host, port = _split(url)
        addresses = await asyncio.to_thread(self._resolve, host, port)
        return self._judge(url, host, port, addresses)

    def _resolve(self, host: str, port: int) -> list[IpAddress]:
        try:
            return [ipaddress.ip_address(host)]
        except ValueError:
            pass
        try:
            found = self._resolver(host, port)
        except (OSError, UnicodeError) as error:
            raise TargetRefused(f"host '{host}' does not resolve: {error}") from error
        # Scoped IPv6 answers (fe80::1%eth0) carry a zone the ipaddress module rejects.
        return [ipaddress.ip_address(text.split("%", 1)[0]) for text in found]

    def _judge(self, url: str, host: str, port: int, addresses: list[IpAddress]) -> Target:
        if not addresses:
            raise TargetRefused(f"host '{host}' does not resolve to any address")
        for address in addresses:
            kind = classify(address)
            if kind is not None and kind not in self._allow:
                shown = host if host == str(address) else f"'{host}' (resolves to {address})"
                raise TargetRefused(
                    f"callback target {shown} is a {kind.replace('_', '-')} address; "
                    "callbacks only go to public addresses"
                )
        return Target(url=url, host=host, port=port, addresses=tuple(dict.fromkeys(addresses)))


def _split(url: str) -> tuple[str, int]:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise TargetRefused(f"'{url}' is not a valid URL: {error}") from error
    if parts.scheme not in ("http", "https"):
        raise TargetRefused(f"callback URLs must use http or https, not '{parts.scheme or 'none'}'")
    if not parts.hostname:
        raise TargetRefused(f"callback URL '{url}' has no host")
    if parts.username or parts.password:
        raise TargetRefused("callback URLs may not carry credentials")
    return parts.hostname, port or (443 if parts.scheme == "https" else 80)


def host_of(url: str) -> str:
    """The lower-cased host of a URL (no port), for allow-list comparisons."""
    return (urlsplit(url).hostname or "").lower()
