"""HTTPS receivers: the certificate is checked against the URL's host name, though the connection
goes to the address that was vetted. A self-signed certificate made with the openssl CLI."""

from __future__ import annotations

import shutil
import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from merchants.models import Merchant
from tests.webhooks.conftest import Receiver, delivery_of
from webhooks import services, transport
from webhooks.models import DeliveryStatus

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    directory = tmp_path_factory.mktemp("tls")
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return cert, key


@pytest.fixture
def tls_receiver(certificate: tuple[Path, Path]) -> Iterator[Receiver]:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    server = HTTPServer(host="localhost", port=0, ssl_context=context)
    server.start()
    try:
        yield Receiver(server)
    finally:
        server.clear()
        server.stop()


@pytest.fixture
def tls_hooked(merchant: Merchant, tls_receiver: Receiver) -> Merchant:
    assert tls_receiver.url.startswith("https://localhost:")
    merchant = services.webhook_settings_update(merchant=merchant, url=tls_receiver.url, event_types=[])
    tls_receiver.secrets = [merchant.webhook_secret]
    return merchant


def test_an_untrusted_certificate_is_a_failed_attempt(tls_hooked: Merchant, tls_receiver: Receiver, deliver) -> None:
    delivery = delivery_of(deliver(tls_hooked))

    assert delivery.status == DeliveryStatus.RETRYING
    assert delivery.attempts.get().error.startswith("TLS certificate not valid")
    assert tls_receiver.received == []


def test_a_trusted_certificate_for_the_host_name_is_delivered_to(
    tls_hooked: Merchant, tls_receiver: Receiver, deliver, certificate: tuple[Path, Path], monkeypatch
) -> None:
    trusting = ssl.create_default_context(cafile=str(certificate[0]))
    monkeypatch.setattr(transport, "_TLS", trusting)

    delivery = delivery_of(deliver(tls_hooked))

    assert delivery.status == DeliveryStatus.SUCCEEDED
    [request] = tls_receiver.received
    assert request.verified_with == [tls_hooked.webhook_secret]
