"""Developer tools in the portal: the signature debugger and the request bin."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.test import Client

from merchants.models import Merchant
from tests.webhooks.conftest import emit
from webhooks import services, signing
from webhooks.models import BinRequest

pytestmark = pytest.mark.django_db


def signed_request(merchant: Merchant, body_change: str = "") -> tuple[dict[str, str], str]:
    event = emit(merchant)
    body = signing.body_of(event)
    headers = signing.signed_headers(
        msg_id=event.public_id, timestamp=datetime.now(UTC), body=body, secrets=[merchant.webhook_secret]
    )
    return headers, body + body_change


def post_to_bin(client: Client, token: str, headers: dict[str, str], body: str):
    extra = {f"HTTP_{name.upper().replace('-', '_')}": value for name, value in headers.items()}
    return client.post(f"/bin/{token}/", body, content_type="application/json", **extra)


def test_the_debugger_page_flags_a_tampered_body(portal: Client, merchant: Merchant) -> None:
    headers, body = signed_request(merchant, body_change=" ")
    text = "\n".join(f"{name}: {value}" for name, value in headers.items())

    response = portal.post("/portal/developers/debugger/", {"headers": text, "body": body, "secret": ""})

    page = response.content.decode()
    assert "It does not verify." in page and "Body changed" in page


def test_the_debugger_page_says_when_it_verifies(portal: Client, merchant: Merchant) -> None:
    headers, body = signed_request(merchant)
    text = "\n".join(f"{name}: {value}" for name, value in headers.items())

    response = portal.post(
        "/portal/developers/debugger/", {"headers": text, "body": body, "secret": merchant.webhook_secret}
    )

    assert "It verifies." in response.content.decode()


def test_the_request_bin_records_and_verifies_what_it_receives(client: Client, portal: Client, merchant) -> None:
    token = services.request_bin_open(merchant=merchant).token
    headers, body = signed_request(merchant)

    good = post_to_bin(Client(), token, headers | {"cookie": "secret=1"}, body)
    bad = post_to_bin(Client(), token, headers, body + " ")

    assert good.status_code == 200 and good.json() == {"received": True, "verified": True}
    assert bad.json()["verified"] is False
    latest, first = BinRequest.objects.order_by("-id")
    assert first.verified and first.headers["webhook-id"] == headers["webhook-id"] and "cookie" not in first.headers
    assert latest.verification.startswith("Body changed")
    page = portal.get("/portal/developers/request-bin/").content.decode()
    assert "Signature verified" in page and "Not verified" in page and f"/bin/{token}/" in page


def test_the_request_bin_is_bounded_and_drops_the_oldest(merchant: Merchant, monkeypatch) -> None:
    monkeypatch.setattr(services, "REQUEST_BIN_KEEP", 3)
    token = services.request_bin_open(merchant=merchant).token
    for n in range(5):
        services.request_bin_record(token=token, method="POST", headers={}, body=f"{n}".encode())

    assert list(BinRequest.objects.order_by("id").values_list("body", flat=True)) == ["2", "3", "4"]


def test_a_bin_is_never_shown_to_another_merchant(portal: Client, merchant: Merchant, outsider: Merchant) -> None:
    rival_token = services.request_bin_open(merchant=outsider).token
    services.request_bin_record(token=rival_token, method="POST", headers={}, body=b"rival-secret-body")

    page = portal.get("/portal/developers/request-bin/").content.decode()

    assert "rival-secret-body" not in page and rival_token not in page


def test_unknown_bins_and_gets(client: Client, merchant: Merchant) -> None:
    token = services.request_bin_open(merchant=merchant).token

    assert client.post("/bin/nope/", "{}", content_type="application/json").status_code == 404
    assert client.get(f"/bin/{token}/").status_code == 405
    assert not BinRequest.objects.exists()


def test_use_as_webhook_url(portal: Client, merchant: Merchant, settings) -> None:
    settings.PAYGATE_WEBHOOK_ALLOW_PRIVATE_URLS = True
    token = services.request_bin_open(merchant=merchant).token

    portal.post("/portal/developers/request-bin/use/")

    merchant.refresh_from_db()
    assert merchant.webhook_url == f"http://testserver/bin/{token}/"
