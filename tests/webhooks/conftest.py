"""A real webhook receiver on loopback, and helpers to emit events and move deliveries along."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.db import transaction
from pytest_httpserver import HTTPServer
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError
from werkzeug import Request, Response

from merchants.models import Merchant
from webhooks import services
from webhooks.models import Event, WebhookDelivery

STANDARD_SCHEDULE = [0, 60, 300, 1800, 7200]


@pytest.fixture(autouse=True)
def webhook_settings(settings: Any) -> None:
    settings.PAYGATE_WEBHOOK_ALLOW_PRIVATE_URLS = True  # the receiver listens on loopback
    settings.PAYGATE_WEBHOOK_RETRY_SCHEDULE = STANDARD_SCHEDULE
    settings.PAYGATE_WEBHOOK_CONNECT_TIMEOUT = 1.0
    settings.PAYGATE_WEBHOOK_TIMEOUT = 2.0
    settings.PAYGATE_WEBHOOK_CLAIM_SECONDS = 30
    settings.PAYGATE_WEBHOOK_REQUEUE_AFTER_SECONDS = 300
    settings.PAYGATE_WEBHOOK_RESPONSE_BODY_LIMIT = 1024


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    # The secrets (of Receiver.secrets) whose signature verified, checked on arrival because
    # Standard Webhooks refuses timestamps more than 5 minutes old and tests travel in time.
    verified_with: list[str]

    @property
    def json(self) -> dict[str, Any]:
        return json.loads(self.body)

    @property
    def signatures(self) -> list[str]:
        return self.headers["webhook-signature"].split(" ")


@dataclass
class Receiver:
    """Answers POST /hook with the programmed replies (then `default`), verifying every request's
    signature on the raw body with the `standardwebhooks` library."""

    server: HTTPServer
    path: str = "/hook"
    secrets: list[str] = field(default_factory=list)
    replies: list[Callable[[], Response]] = field(default_factory=list)
    default: Callable[[], Response] = lambda: Response("ok", status=200)  # noqa: E731
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.server.expect_request(self.path, method="POST").respond_with_handler(self._handle)

    @property
    def url(self) -> str:
        return self.server.url_for(self.path)

    def reply(self, *statuses: int) -> None:
        self.replies.extend(lambda code=code: Response(f"status {code}", status=code) for code in statuses)

    # Answers by request, before `replies` and `default` (None: not used).
    respond: Callable[[Received], Response] | None = None
    in_flight: int = 0
    max_in_flight: int = 0

    def _handle(self, request: Request) -> Response:
        with self.lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            return self._answer(request)
        finally:
            with self.lock:
                self.in_flight -= 1

    def _answer(self, request: Request) -> Response:
        body = request.get_data()
        headers = {k.lower(): v for k, v in request.headers.items()}
        verified = []
        for secret in self.secrets:
            try:
                Webhook(secret).verify(body, headers)
            except WebhookVerificationError:
                continue
            verified.append(secret)
        received = Received(headers=headers, body=body, verified_with=verified)
        with self.lock:
            self.received.append(received)
            reply = self.replies.pop(0) if self.replies else self.default
        return self.respond(received) if self.respond is not None else reply()

    @property
    def ids(self) -> list[str]:
        with self.lock:
            return [r.headers["webhook-id"] for r in self.received]


@pytest.fixture
def receiver(httpserver: HTTPServer) -> Iterator[Receiver]:
    receiver = Receiver(httpserver)
    yield receiver
    # A slow reply (timeout tests) must not spill into the next test's log.
    wait_for(lambda: receiver.in_flight == 0, timeout=5)
    httpserver.clear()


@pytest.fixture
def threaded_server() -> Iterator[HTTPServer]:
    """An HTTP server answering several requests at once (several workers, or one worker's threads)."""
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    try:
        yield server
    finally:
        server.clear()
        server.stop()


@pytest.fixture
def threaded_receiver(threaded_server: HTTPServer) -> Iterator[Receiver]:
    receiver = Receiver(threaded_server)
    yield receiver
    wait_for(lambda: receiver.in_flight == 0, timeout=5)


def hook_to(merchant: Merchant, receiver: Receiver) -> Merchant:
    """Point the merchant's webhooks at the receiver, which then checks their signatures."""
    merchant = services.webhook_settings_update(merchant=merchant, url=receiver.url, event_types=[])
    receiver.secrets = [*receiver.secrets, merchant.webhook_secret]
    return merchant


@pytest.fixture
def hooked(merchant: Merchant, receiver: Receiver) -> Merchant:
    """The merchant, sending its webhooks to the receiver, whose signatures the receiver checks."""
    merchant = services.webhook_settings_update(merchant=merchant, url=receiver.url, event_types=[])
    receiver.secrets = [merchant.webhook_secret]
    return merchant


def emit(merchant: Merchant, type: str = "order.created", object_id: str = "order_TestTestTest0001") -> Event:
    """Record an event as a service does: inside its transaction."""
    with transaction.atomic():
        return services.event_record(
            merchant=merchant,
            type=type,
            object_type=type.partition(".")[0],
            object_id=object_id,
            data={"id": object_id, "amount": 2599, "currency": "GBP"},
        )


@pytest.fixture
def deliver(django_capture_on_commit_callbacks: Any) -> Callable[..., Event]:
    """Emit an event and run what its transaction queues on commit (the immediate task backend
    then makes the first attempt)."""

    def run(merchant: Merchant, type: str = "order.created", **kwargs: Any) -> Event:
        with django_capture_on_commit_callbacks(execute=True):
            return emit(merchant, type, **kwargs)

    return run


@pytest.fixture
def sweep(django_capture_on_commit_callbacks: Any) -> Callable[[], services.SweepResult]:
    """The `retry_webhooks` sweep, with the tasks it queues run at once (immediate backend)."""

    def run() -> services.SweepResult:
        with django_capture_on_commit_callbacks(execute=True):
            return services.deliveries_sweep()

    return run


def delivery_of(event: Event) -> WebhookDelivery:
    return WebhookDelivery.objects.get(event=event)


def free_port() -> int:
    """A loopback port nobody listens on (bound, then closed)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(condition: Callable[[], bool], *, timeout: float, interval: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return condition()
