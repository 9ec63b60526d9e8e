"""Which webhook URLs PayGate will call (SSRF protection).

A webhook URL is chosen by a merchant, so without a rule PayGate could be made to POST to its own
database, a cloud metadata service or anything else on its private network. The rule: http(s)
only, no credentials in the URL, and — outside DEBUG, unless PAYGATE_WEBHOOK_ALLOW_PRIVATE_URLS —
every address the host resolves to must be a public one. It is checked when the URL is saved and
again at every send, where the connection is then made to the very address that was checked (so
a DNS answer that changes in between cannot slip a private address in).
"""

from __future__ import annotations

import ipaddress
import socket
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

from django.conf import settings

ALLOWED_SCHEMES = ("http", "https")

# getaddrinfo() has no timeout of its own: it runs here so the caller can stop waiting.
_resolver = ThreadPoolExecutor(max_workers=4, thread_name_prefix="webhook-dns")


class UrlRefused(Exception):
    """The URL may not be called; the message says why (safe to show to the merchant)."""


class DnsFailure(UrlRefused):
    """The host did not resolve (at send time this is retried like any network failure)."""


@dataclass(frozen=True)
class Target:
    """A checked URL: where to connect (`addresses`) and what to ask for."""

    scheme: str
    host: str
    port: int
    path: str
    addresses: tuple[str, ...]

    @property
    def https(self) -> bool:
        return self.scheme == "https"


def private_urls_allowed() -> bool:
    return bool(settings.DEBUG or settings.PAYGATE_WEBHOOK_ALLOW_PRIVATE_URLS)


def is_public_address(address: str) -> bool:
    """True for addresses on the public internet; loopback, private, link-local, shared (CGNAT),
    multicast, reserved and unspecified addresses are not, nor IPv6 forms of them."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        mapped = ip.ipv4_mapped or ip.sixtofour
        if mapped is not None:
            ip = mapped
    return ip.is_global and not ip.is_multicast


def parse_url(url: str) -> SplitResult:
    """Syntax and scheme checks only (no DNS)."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 — raises ValueError for a bad port
    except ValueError:
        raise UrlRefused("The URL is malformed.") from None
    if parts.scheme not in ALLOWED_SCHEMES:
        raise UrlRefused("The URL must start with http:// or https://.")
    if not parts.hostname:
        raise UrlRefused("The URL has no host.")
    if parts.username is not None or parts.password is not None:
        raise UrlRefused("Credentials in the URL are not supported; verify the signature instead.")
    return parts


def resolve(host: str, port: int, *, timeout: float) -> tuple[str, ...]:
    """Every address `host` resolves to, in the resolver's order."""
    try:
        infos = _resolver.submit(socket.getaddrinfo, host, port, 0, socket.SOCK_STREAM).result(timeout=timeout)
    except FutureTimeout:
        raise DnsFailure(f"DNS lookup of {host} timed out.") from None
    except (OSError, UnicodeError, ValueError):
        raise DnsFailure(f"{host} does not resolve.") from None
    addresses = tuple(dict.fromkeys(str(info[4][0]) for info in infos))
    if not addresses:
        raise DnsFailure(f"{host} does not resolve.")
    return addresses


def check_url_for_save(url: str) -> None:
    """The check made when a merchant sets its URL. When private addresses are allowed there is
    nothing to resolve for (a host that does not resolve yet is then the merchant's business)."""
    if private_urls_allowed():
        parse_url(url)
    else:
        check_url(url)


def check_url(url: str, *, timeout: float | None = None) -> Target:
    """Parse, resolve and vet a webhook URL; raises UrlRefused (DnsFailure if it does not resolve)."""
    parts = parse_url(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    addresses = resolve(host, port, timeout=timeout or settings.PAYGATE_WEBHOOK_CONNECT_TIMEOUT)
    if not private_urls_allowed():
        refused = [a for a in addresses if not is_public_address(a)]
        if refused:
            raise UrlRefused(
                f"{host} resolves to a loopback, private or link-local address ({refused[0]}); "
                "webhooks go to public addresses only."
            )
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return Target(scheme=parts.scheme, host=host, port=port, path=path, addresses=addresses)
