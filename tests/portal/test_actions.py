"""Portal mutations: each calls a service, says what it did, and on a refusal shows why beside the
field, keeps what was typed and changes nothing."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from rest_framework.test import APIClient

from merchants.models import Merchant, User
from payments.models import Balance, Order, Payment, Payout, Refund
from tests.conftest import API
from tests.factories import DEFAULT_PASSWORD
from tests.payments.conftest import create_order, pay

pytestmark = pytest.mark.django_db


def notices(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def page(response) -> str:
    return response.content.decode()


@pytest.fixture
def manual(merchant: Merchant, merchant_api: APIClient) -> dict[str, Any]:
    """An authorized, uncaptured £25.99 payment (the merchant captures by hand)."""
    Merchant.objects.filter(pk=merchant.pk).update(auto_capture=False)
    return pay(merchant_api, create_order(merchant_api)["id"])


def test_a_partial_refund_says_so_and_the_detail_follows(portal: Client, paid: dict) -> None:
    response = portal.post(
        f"/portal/payments/{paid['id']}/refund/", {"amount": "5.00", "reason": "damaged"}, follow=True
    )

    assert notices(response) == ["Refund of £5.00 processed."]
    assert "£20.99 can still be refunded" in page(response)
    refund = Refund.objects.get()
    assert (refund.amount, refund.reason, refund.status) == (500, "damaged", "processed")
    assert Payment.objects.get(public_id=paid["id"]).amount_refunded == 500


def test_a_refund_above_what_remains_is_refused_beside_the_field(portal: Client, paid: dict) -> None:
    response = portal.post(f"/portal/payments/{paid['id']}/refund/", {"amount": "30.00", "reason": "too much"})

    assert response.status_code == 400
    assert "At most £25.99 is left to refund." in page(response)
    assert 'value="30.00"' in page(response) and 'value="too much"' in page(response)
    assert not Refund.objects.exists()


def test_a_malformed_amount_is_refused_beside_the_field(portal: Client, paid: dict) -> None:
    response = portal.post(f"/portal/payments/{paid['id']}/refund/", {"amount": "1.999"})

    assert response.status_code == 400
    assert "GBP amounts have at most 2 decimal places" in page(response)
    assert not Refund.objects.exists()


def test_capture_part_of_an_authorized_payment(portal: Client, manual: dict) -> None:
    assert manual["status"] == "authorized"

    response = portal.post(f"/portal/payments/{manual['id']}/capture/", {"amount": "20.00"}, follow=True)

    assert notices(response) == ["Captured £20.00."]
    payment = Payment.objects.get(public_id=manual["id"])
    assert (payment.status, payment.amount_captured) == ("captured", 2000)


def test_capture_more_than_authorized_is_refused(portal: Client, manual: dict) -> None:
    response = portal.post(f"/portal/payments/{manual['id']}/capture/", {"amount": "26.00"})

    assert response.status_code == 400
    assert Payment.objects.get(public_id=manual["id"]).status == "authorized"


def test_cancel_an_authorized_payment_and_not_twice(portal: Client, manual: dict) -> None:
    first = portal.post(f"/portal/payments/{manual['id']}/cancel/", follow=True)
    again = portal.post(f"/portal/payments/{manual['id']}/cancel/", follow=True)

    assert notices(first) == ["Payment canceled."]
    assert Payment.objects.get(public_id=manual["id"]).status == "canceled"
    assert "canceled" in notices(again)[0] and "Cancel payment" not in page(again)


def test_retry_a_retryable_failure(portal: Client, merchant_api: APIClient) -> None:
    failed = pay(merchant_api, create_order(merchant_api)["id"], "4000000000000119")
    assert failed["failure_reason"] == "PROCESSING_ERROR"

    response = portal.post(f"/portal/payments/{failed['id']}/retry/", follow=True)

    assert notices(response)[0].startswith("Payment retried")
    assert Payment.objects.get(public_id=failed["id"]).retry_count == 1


@pytest.mark.parametrize(
    ("amount", "currency", "minor"), [("25.99", "GBP", 2599), ("1500", "JPY", 1500), ("1.250", "KWD", 1250)]
)
def test_create_an_order_in_major_units(portal: Client, amount: str, currency: str, minor: int) -> None:
    response = portal.post(
        "/portal/orders/new/", {"amount": amount, "currency": currency, "receipt": "r1"}, follow=True
    )

    order = Order.objects.get()
    assert (order.amount, order.currency, order.receipt) == (minor, currency, "r1")
    assert notices(response)[0].startswith(f"Order {order.public_id} created")


@pytest.mark.parametrize(
    ("amount", "currency", "error"),
    [("12.5", "JPY", "JPY amounts have at most 0 decimal places"), ("abc", "GBP", "is not an amount"),
     ("0", "GBP", "Enter an amount above zero."), ("0.10", "GBP", "")],
)  # fmt: skip
def test_a_bad_order_amount_is_refused_and_kept(portal: Client, amount: str, currency: str, error: str) -> None:
    response = portal.post("/portal/orders/new/", {"amount": amount, "currency": currency})

    assert response.status_code == 400
    assert error in page(response) and f'value="{amount}"' in page(response)
    assert not Order.objects.exists()


def test_a_payout_within_the_balance_and_one_above(portal: Client, paid: dict) -> None:
    available = Balance.objects.get(currency="GBP").available
    ok = portal.post("/portal/balance/payouts/", {"amount": "10.00", "currency": "GBP"}, follow=True)
    refused = portal.post("/portal/balance/payouts/", {"amount": "100.00", "currency": "GBP"})

    assert notices(ok)[0].startswith("Payout pout_") and Payout.objects.count() == 1
    assert refused.status_code == 400
    assert f"The available balance is £{(available - 1000) / 100:.2f}" in page(refused)
    assert Balance.objects.get(currency="GBP").available == available - 1000


def test_rotating_the_api_key_needs_the_box_ticked_then_shows_the_secret_once(
    portal: Client, merchant: Merchant, api: APIClient
) -> None:
    refused = portal.post("/portal/developers/api-key/rotate/")
    assert refused.status_code == 400 and Merchant.objects.get().api_key_id == merchant.api_key_id

    response = portal.post("/portal/developers/api-key/rotate/", {"confirm": "on"})

    new = Merchant.objects.get(pk=merchant.pk)
    assert new.api_key_id != merchant.api_key_id and new.api_key_id in page(response)
    assert response["Cache-Control"] == "no-store"
    secret = page(response).split('id="new-api-secret"')[1].split(">")[1].split("<")[0]
    api.credentials(HTTP_X_API_KEY=new.api_key_id, HTTP_X_API_SECRET=secret)
    assert api.get(f"{API}/me/").status_code == 200
    api.credentials(HTTP_X_API_KEY=merchant.api_key_id, HTTP_X_API_SECRET=merchant.api_secret)
    assert api.get(f"{API}/me/").status_code == 401
    assert secret not in page(portal.get("/portal/developers/"))


ENABLED_TICKED = re.compile(r'<input type="checkbox" name="enabled"[^>]*\bchecked')


def test_webhook_settings_are_saved_or_refused_beside_the_url(portal: Client, merchant: Merchant, settings) -> None:
    settings.PAYGATE_WEBHOOK_ALLOW_PRIVATE_URLS = False
    refused = portal.post("/portal/developers/webhooks/", {"url": "http://127.0.0.1/hook"})
    assert (
        refused.status_code == 400 and "loopback" in page(refused) and 'value="http://127.0.0.1/hook"' in page(refused)
    )

    settings.PAYGATE_WEBHOOK_ALLOW_PRIVATE_URLS = True
    saved = portal.post(
        "/portal/developers/webhooks/",
        {"url": "http://127.0.0.1:9/hook", "event_types": ["payment.captured", "refund.processed"], "enabled": "on"},
        follow=True,
    )
    assert notices(saved) == ["Webhook settings saved."]
    merchant.refresh_from_db()
    assert merchant.webhook_url == "http://127.0.0.1:9/hook"
    assert merchant.webhook_event_types == ["payment.captured", "refund.processed"]
    assert merchant.webhooks_enabled and ENABLED_TICKED.search(page(saved))


def test_webhooks_paused_in_the_portal_keep_their_url_and_refuse_a_test_event(
    portal: Client, merchant: Merchant, settings
) -> None:
    settings.PAYGATE_WEBHOOK_ALLOW_PRIVATE_URLS = True
    portal.post("/portal/developers/webhooks/", {"url": "http://127.0.0.1:9/hook", "enabled": "on"}, follow=True)

    paused = portal.post("/portal/developers/webhooks/", {"url": "http://127.0.0.1:9/hook"}, follow=True)

    assert notices(paused) == ["Webhook settings saved."]
    merchant.refresh_from_db()
    assert (merchant.webhook_url, merchant.webhooks_enabled) == ("http://127.0.0.1:9/hook", False)
    assert 'value="http://127.0.0.1:9/hook"' in page(paused) and not ENABLED_TICKED.search(page(paused))
    assert 'name="enabled"' in page(paused)
    refused = portal.post("/portal/developers/webhooks/test/", follow=True)
    assert notices(refused) == ["Webhooks are turned off: turn them on to send a test event."]


def test_a_test_event_needs_a_url(portal: Client) -> None:
    response = portal.post("/portal/developers/webhooks/test/", follow=True)

    assert notices(response) == ["Set a webhook URL before sending a test event."]


def test_rotating_the_signing_secret_shows_it_once(portal: Client, merchant: Merchant) -> None:
    response = portal.post("/portal/developers/webhooks/secret/rotate/")

    merchant.refresh_from_db()
    assert merchant.webhook_secret in page(response) and merchant.webhook_previous_secret
    assert merchant.webhook_secret not in page(portal.get("/portal/developers/"))


def test_profile_update(portal: Client, merchant: Merchant) -> None:
    response = portal.post("/portal/account/", {"name": "Ava Reed", "business_name": "Reed Books"}, follow=True)

    assert notices(response) == ["Profile saved."]
    merchant.refresh_from_db()
    assert (merchant.business_name, merchant.user.name) == ("Reed Books", "Ava Reed")


def test_account_deletion_needs_the_email_then_logs_out_for_good(portal: Client, merchant: Merchant, paid) -> None:
    wrong = portal.post("/portal/account/delete/", {"confirm_email": "someone@else.example"})
    assert wrong.status_code == 400 and "not your account" in page(wrong)
    assert User.objects.filter(pk=merchant.user.pk).exists()

    done = portal.post("/portal/account/delete/", {"confirm_email": "Owner@Shop.example"}, follow=True)

    assert "Your account was deleted. Its keys no longer work." in notices(done)
    assert not done.wsgi_request.user.is_authenticated
    assert not User.objects.filter(pk=merchant.user.pk).exists()  # hidden by the soft delete
    assert not Payment.objects.exists()
    login = portal.post("/portal/login/", {"username": "owner@shop.example", "password": DEFAULT_PASSWORD})
    assert not login.wsgi_request.user.is_authenticated


def test_signup_shows_the_keys_once_and_logs_in(client: Client) -> None:
    form = {"name": "Ava Reed", "business_name": "Reed Books", "email": "ava@books.example",
            "password": "a-long-unusual-passphrase"}  # fmt: skip

    response = client.post("/portal/signup/", form)

    merchant = Merchant.objects.get(user__email="ava@books.example")
    text = page(response)
    assert merchant.api_key_id in text and merchant.webhook_secret in text
    secret = text.split('id="api-secret"')[1].split(">")[1].split("<")[0]
    assert secret.startswith("sk_") and response["Cache-Control"] == "no-store"
    assert response.wsgi_request.user == merchant.user
    assert secret not in page(client.get("/portal/developers/"))


def test_signup_errors_stay_beside_their_fields(client: Client, merchant: Merchant) -> None:
    response = client.post(
        "/portal/signup/", {"name": "X", "business_name": "Y", "email": "owner@shop.example", "password": "short"}
    )

    text = page(response)
    assert "An account with this email already exists." in text or "too short" in text
    assert 'value="owner@shop.example"' in text
    assert Merchant.objects.count() == 1
