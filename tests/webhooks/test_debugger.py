"""The signature debugger names the check that fails: each case a receiver meets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction

from merchants.keys import new_webhook_secret
from merchants.models import Merchant
from tests.webhooks.conftest import emit
from webhooks import signing
from webhooks.debugger import diagnose, parse_headers

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def signed(merchant: Merchant, *, secret: str | None = None, at: datetime = NOW) -> tuple[dict[str, str], str]:
    with transaction.atomic():
        event = emit(merchant)
    body = signing.body_of(event)
    headers = signing.signed_headers(
        msg_id=event.public_id, timestamp=at, body=body, secrets=[secret or merchant.webhook_secret]
    )
    return headers, body


def test_a_good_signature_verifies(merchant: Merchant) -> None:
    headers, body = signed(merchant)

    result = diagnose(headers=headers, body=body, secret=merchant.webhook_secret, merchant=merchant, now=NOW)

    assert result.verified and result.summary == "The signature verifies."
    assert [c.name for c in result.checks] == ["headers", "timestamp tolerance", "signature"]


def test_headers_pasted_as_text_are_parsed() -> None:
    text = "Webhook-Id: evt_1\nwebhook-timestamp: 1796000000\nwebhook-signature: v1,abc=\nnot a header"

    assert parse_headers(text) == {
        "webhook-id": "evt_1",
        "webhook-timestamp": "1796000000",
        "webhook-signature": "v1,abc=",
    }


def test_a_changed_body_is_named(merchant: Merchant) -> None:
    headers, body = signed(merchant)

    result = diagnose(
        headers=headers, body=body.replace('"', "'", 1), secret=merchant.webhook_secret, merchant=merchant, now=NOW
    )

    assert not result.verified and result.summary.startswith("Body changed")


def test_a_wrong_secret_is_named(merchant: Merchant) -> None:
    headers, body = signed(merchant)

    result = diagnose(headers=headers, body=body, secret=new_webhook_secret(), merchant=merchant, now=NOW)

    assert result.summary.startswith("Wrong secret: this was signed with your current signing secret")


def test_the_old_secret_after_a_rotation_is_named(merchant: Merchant) -> None:
    old = merchant.webhook_secret
    merchant.webhook_previous_secret, merchant.webhook_secret = old, new_webhook_secret()
    merchant.save()
    headers, body = signed(merchant, secret=old)

    result = diagnose(headers=headers, body=body, secret=merchant.webhook_secret, merchant=merchant, now=NOW)

    assert result.summary.startswith("Old secret")


def test_a_timestamp_outside_tolerance_is_named(merchant: Merchant) -> None:
    headers, body = signed(merchant, at=NOW - timedelta(minutes=11))

    result = diagnose(headers=headers, body=body, secret=merchant.webhook_secret, merchant=merchant, now=NOW)

    assert not result.verified
    assert result.summary == (
        "Timestamp outside tolerance: signed 660 s ago; receivers refuse more than 5 minutes either way "
        "(a replay, or a clock that is wrong)."
    )


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"webhook-signature": ""}, "Missing header: webhook-signature."),
        ({"webhook-timestamp": "yesterday"}, "Malformed header: webhook-timestamp"),
        ({"webhook-signature": "v2,abc"}, "Malformed header: webhook-signature"),
        ({"webhook-signature": "v1,not base64!"}, "Malformed header: webhook-signature"),
    ],
)
def test_malformed_headers_are_named(merchant: Merchant, change: dict[str, str], expected: str) -> None:
    headers, body = signed(merchant)

    result = diagnose(headers=headers | change, body=body, secret=merchant.webhook_secret, merchant=merchant, now=NOW)

    assert result.summary.startswith(expected)


def test_without_the_merchant_it_still_says_what_can_be_said(merchant: Merchant) -> None:
    headers, body = signed(merchant)

    result = diagnose(headers=headers, body=body + " ", secret=merchant.webhook_secret, now=NOW)

    assert result.summary.startswith("The signature does not match: either the body was changed")
