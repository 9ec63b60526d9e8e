"""One webhook POST over the standard library's http.client, with every limit a worker needs.

- the URL is vetted (webhooks.safety) and the connection goes to the address that was vetted;
- a connect timeout, and a total deadline enforced by a watchdog that shuts the socket, so a
  receiver that trickles its answer byte by byte cannot hold a worker;
- redirects are never followed (http.client does not follow them; a 3xx is a failure);
- at most `body_limit` bytes of the answer are read, the rest is never downloaded.

Never raises for a network problem: the outcome, good or bad, is a `SendResult`.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import ssl
import threading
import time
from dataclasses import dataclass

from webhooks.safety import DnsFailure, Target, UrlRefused, check_url

USER_AGENT = "PayGate-Webhooks/1.0"
# One context for every HTTPS POST: certificates verified against the system's CAs and the host name.
_TLS = ssl.create_default_context()


@dataclass(frozen=True)
class SendResult:
    status: int | None
    body: bytes
    error: str
    duration_ms: int

    @property
    def succeeded(self) -> bool:
        return self.status is not None and 200 <= self.status < 300 and not self.error


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to an address chosen (and vetted) beforehand, not to whatever DNS says now."""

    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self.pinned_address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.pinned_address, self.port), self.timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=_TLS)
        self.pinned_address = address

    def connect(self) -> None:
        sock = socket.create_connection((self.pinned_address, self.port), self.timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        # The certificate is checked against the host name, not the address.
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


class _Watchdog:
    """Shuts the socket down at the deadline, interrupting whatever read or write is blocked."""

    def __init__(self, sock: socket.socket, seconds: float) -> None:
        self.fired = False
        self._sock = sock
        self._timer = threading.Timer(max(seconds, 0.0), self._fire)
        self._timer.daemon = True

    def _fire(self) -> None:
        self.fired = True
        # The plain socket's shutdown, also for TLS: the blocked reader sees EOF at once.
        with contextlib.suppress(OSError):
            socket.socket.shutdown(self._sock, socket.SHUT_RDWR)

    def __enter__(self) -> _Watchdog:
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()


def _connect(target: Target, *, connect_timeout: float, deadline: float) -> http.client.HTTPConnection:
    last_error: OSError | None = None
    for address in target.addresses:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        cls = _PinnedHTTPSConnection if target.https else _PinnedHTTPConnection
        conn = cls(target.host, target.port, address=address, timeout=min(connect_timeout, remaining))
        try:
            conn.connect()
        except (ssl.SSLError, ssl.CertificateError):
            conn.close()
            raise  # a TLS problem is not solved by another address
        except OSError as exc:
            conn.close()
            last_error = exc
            continue
        return conn
    raise last_error or TimeoutError("connect timed out")


def _describe(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "timeout"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"TLS certificate not valid: {exc.verify_message}"[:255]
    if isinstance(exc, ssl.SSLError):
        return f"TLS error: {exc.reason or exc}"[:255]
    if isinstance(exc, http.client.HTTPException):
        return f"invalid HTTP answer ({type(exc).__name__})"
    if isinstance(exc, OSError):
        return f"network error: {exc.strerror or type(exc).__name__}"[:255]
    return f"error: {type(exc).__name__}"


def _read_some(response: http.client.HTTPResponse, limit: int) -> bytes:
    """Up to `limit` bytes of the body. The answer is in once the status line is: a receiver that
    then stalls (or the deadline passing) only cuts the logged body short."""
    chunks: list[bytes] = []
    size = 0
    try:
        while size < limit:
            chunk = response.read1(limit - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except (OSError, http.client.HTTPException):
        pass
    return b"".join(chunks)


def post(
    url: str,
    *,
    body: bytes,
    headers: dict[str, str],
    connect_timeout: float,
    total_timeout: float,
    body_limit: int,
) -> SendResult:
    """POST `body` to `url`; vet the URL first (SSRF rule), never follow a redirect."""
    started = time.monotonic()
    deadline = started + total_timeout

    def result(status: int | None = None, data: bytes = b"", error: str = "") -> SendResult:
        return SendResult(status, data, error, int((time.monotonic() - started) * 1000))

    try:
        target = check_url(url, timeout=min(connect_timeout, total_timeout))
    except DnsFailure as exc:
        return result(error=f"DNS failure: {exc}"[:255])
    except UrlRefused as exc:
        return result(error=f"URL refused: {exc}"[:255])

    try:
        conn = _connect(target, connect_timeout=connect_timeout, deadline=deadline)
    except Exception as exc:  # network failures of every kind are an outcome, not a crash
        return result(error=_describe(exc))

    watchdog = _Watchdog(conn.sock, deadline - time.monotonic())
    try:
        with watchdog:
            conn.sock.settimeout(max(deadline - time.monotonic(), 0.001))
            conn.request(
                "POST",
                target.path,
                body=body,
                headers={
                    "Content-Type": "application/json",
                    "User-Agent": USER_AGENT,
                    "Connection": "close",
                    **headers,
                },
            )
            response = conn.getresponse()
            status = response.status
            location = response.getheader("Location", "")
            data = _read_some(response, body_limit)
    except Exception as exc:
        return result(error="timeout" if watchdog.fired else _describe(exc))
    finally:
        conn.close()
    if 300 <= status < 400:
        where = f" to {location}" if location else ""
        return result(status, data, f"redirect{where} not followed"[:255])
    return result(status, data)
