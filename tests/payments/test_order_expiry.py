"""`expire_by` on POST orders/: validated, shown as `expires_at`, and an expired order is never paid."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
import time_machine
from rest_framework.test import APIClient

from merchants.models import Merchant
from payments.models import Order, OrderStatus, Payment
from tests.conftest import API
from tests.payments.conftest import card_body, create_order, pay
from webhooks.models import Event

ORDERS = f"{API}/orders/"


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


@pytest.fixture
def key_api(merchant: Merchant) -> APIClient:
    """The merchant's key and secret: a JWT would have expired at the times these tests travel to."""
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=merchant.api_key_id, HTTP_X_API_SECRET=merchant.api_secret)
    return client


def in_(**delta: float) -> datetime:
    return (datetime.now(UTC) + timedelta(**delta)).replace(microsecond=0)


def test_expire_by_is_stored_and_shown_as_expires_at(key_api: APIClient) -> None:
    expire_by = in_(hours=2)

    order = create_order(key_api, expire_by=iso(expire_by))

    assert order["expires_at"] == iso(expire_by)
    assert Order.objects.get(public_id=order["id"]).expires_at == expire_by
    assert key_api.get(f"{ORDERS}{order['id']}/").json()["data"]["expires_at"] == iso(expire_by)


def test_an_order_without_expire_by_never_expires(key_api: APIClient) -> None:
    order = create_order(key_api)

    assert order["expires_at"] is None
    with time_machine.travel(in_(days=400)):
        assert pay(key_api, order["id"])["status"] == "captured"


def test_expire_by_just_under_30_days_ahead_with_an_offset_is_accepted(key_api: APIClient) -> None:
    expire_by = in_(days=29, hours=23)
    india = timezone(timedelta(hours=5, minutes=30))

    order = create_order(key_api, expire_by=expire_by.astimezone(india).isoformat())

    assert order["expires_at"] == iso(expire_by)


@pytest.mark.parametrize(
    "expire_by",
    [
        timedelta(minutes=-1),
        timedelta(days=30, minutes=5),
        timedelta(days=365),
        "tomorrow",
        "2026-13-40T00:00:00Z",
        "",
        1_900_000_000,
    ],
    ids=["past", "30-days-5-minutes", "a-year", "words", "no-such-date", "blank", "a-number"],
)
def test_a_bad_expire_by_is_400_beside_the_field_and_writes_nothing(key_api: APIClient, expire_by: object) -> None:
    if isinstance(expire_by, timedelta):
        expire_by = iso(in_() + expire_by)

    response = key_api.post(ORDERS, {"amount": 2599, "currency": "GBP", "expire_by": expire_by}, format="json")

    assert response.status_code == 400
    error = response.json()["exception"]
    assert error["code"] == 1008
    assert "expire_by" in error["meta"]["fields"]
    assert not Order.objects.exists()


def test_past_and_too_far_say_why(key_api: APIClient) -> None:
    past = key_api.post(ORDERS, {"amount": 2599, "currency": "GBP", "expire_by": iso(in_(hours=-1))}, format="json")
    far = key_api.post(ORDERS, {"amount": 2599, "currency": "GBP", "expire_by": iso(in_(days=31))}, format="json")

    assert past.json()["exception"]["meta"]["fields"]["expire_by"] == ["Must be in the future."]
    assert far.json()["exception"]["meta"]["fields"]["expire_by"] == ["Must be at most 30 days ahead."]


def test_admin_sets_expire_by_on_behalf_of_a_merchant(admin_api: APIClient, merchant: Merchant) -> None:
    expire_by = in_(days=3)

    order = create_order(admin_api, merchant_id=merchant.public_id, expire_by=iso(expire_by))

    assert (order["merchant_id"], order["expires_at"]) == (merchant.public_id, iso(expire_by))


def test_an_order_is_paid_before_it_expires(key_api: APIClient) -> None:
    order = create_order(key_api, expire_by=iso(in_(hours=1)))

    with time_machine.travel(in_(minutes=59)):
        payment = pay(key_api, order["id"])

    assert payment["status"] == "captured"
    assert Order.objects.get(public_id=order["id"]).status == OrderStatus.PAID


def test_paying_an_expired_order_is_409_and_writes_nothing(key_api: APIClient) -> None:
    expire_by = in_(hours=1)
    order = create_order(key_api, expire_by=iso(expire_by))
    events = Event.objects.count()

    with time_machine.travel(expire_by + timedelta(seconds=1)):
        response = key_api.post(f"{API}/payments/", card_body(order["id"]), format="json")

    assert response.status_code == 409
    error = response.json()["exception"]
    assert error["code"] == 1011
    assert error["meta"] == {"order_status": "created", "expired": True, "expires_at": iso(expire_by)}
    assert "expired" in error["message"]
    assert not Payment.objects.exists()
    assert Event.objects.count() == events
    stored = Order.objects.get(public_id=order["id"])
    assert (stored.status, stored.attempts) == (OrderStatus.CREATED, 0)


def test_an_order_whose_payment_failed_cannot_be_retried_with_a_new_payment_once_expired(
    key_api: APIClient,
) -> None:
    expire_by = in_(hours=1)
    order = create_order(key_api, expire_by=iso(expire_by))
    assert pay(key_api, order["id"], "4000000000000002")["status"] == "failed"

    with time_machine.travel(expire_by):
        response = key_api.post(f"{API}/payments/", card_body(order["id"]), format="json")

    assert response.status_code == 409
    assert response.json()["exception"]["meta"]["order_status"] == "attempted"
    assert Payment.objects.count() == 1


def test_a_payment_authorized_before_expiry_is_still_captured_after_it(key_api: APIClient, merchant: Merchant) -> None:
    merchant.auto_capture = False
    merchant.save()
    expire_by = in_(hours=1)
    order = create_order(key_api, expire_by=iso(expire_by))
    payment = pay(key_api, order["id"])

    with time_machine.travel(expire_by + timedelta(hours=1)):
        response = key_api.post(f"{API}/payments/{payment['id']}/capture/", {}, format="json")

    assert response.status_code == 200
    assert Order.objects.get(public_id=order["id"]).status == OrderStatus.PAID


def test_a_paid_order_is_never_expired(key_api: APIClient) -> None:
    expire_by = in_(hours=1)
    order = create_order(key_api, expire_by=iso(expire_by))
    pay(key_api, order["id"])
    stored = Order.objects.get(public_id=order["id"])

    assert not stored.is_expired(expire_by + timedelta(days=1))
    stored.status = OrderStatus.CREATED
    assert stored.is_expired(expire_by)
    assert not stored.is_expired(expire_by - timedelta(microseconds=1))


def test_a_failed_payment_cannot_be_retried_once_its_order_expired(key_api: APIClient) -> None:
    expire_by = in_(hours=1)
    order = create_order(key_api, expire_by=iso(expire_by))
    failed = pay(key_api, order["id"], "4000000000000119")  # a soft failure: retryable

    with time_machine.travel(expire_by):
        response = key_api.post(f"{API}/payments/{failed['id']}/retry/", {}, format="json")

    assert response.status_code == 409
    assert response.json()["exception"]["meta"]["expired"] is True
    assert Payment.objects.get(public_id=failed["id"]).retry_count == 0
