"""Canceled (409) and expired (410) orders at the checkout: the public API and the hosted page."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from merchants.models import Merchant
from payments import services
from payments.models import Order, OrderStatus, Payment
from tests.checkout.conftest import CHECKOUT, card_body, new_order
from tests.checkout.test_pages import CARD_FORM


@pytest.fixture
def canceled(order: Order) -> Order:
    return services.order_cancel(order=order)


@pytest.fixture
def expiring(merchant: Merchant) -> Order:
    order = new_order(merchant)
    order.expires_at = timezone.now().replace(microsecond=0) + timedelta(hours=1)
    order.save(update_fields=["expires_at"])
    return order


def past(order: Order) -> time_machine.travel:
    return time_machine.travel(order.expires_at + timedelta(seconds=1))  # type: ignore[operator]


def test_canceled_order_is_409(api: APIClient, canceled: Order) -> None:
    response = api.get(f"{CHECKOUT}/orders/{canceled.public_id}/")

    assert response.status_code == 409
    error = response.json()["exception"]
    assert (error["code"], error["meta"]) == (1011, {"order_status": "canceled"})
    assert "canceled" in error["message"]


def test_paying_a_canceled_order_is_409_and_writes_nothing(api: APIClient, canceled: Order) -> None:
    response = api.post(f"{CHECKOUT}/payments/", card_body(canceled.public_id), format="json")

    assert response.status_code == 409
    assert response.json()["exception"]["meta"]["order_status"] == "canceled"
    assert not Payment.objects.exists()


def test_expired_order_is_410(api: APIClient, expiring: Order) -> None:
    with past(expiring):
        response = api.get(f"{CHECKOUT}/orders/{expiring.public_id}/")

    assert response.status_code == 410
    error = response.json()["exception"]
    assert error["code"] == 1018
    assert error["meta"] | {"expires_at": None} == {"order_status": "created", "expired": True, "expires_at": None}
    assert error["meta"]["expires_at"].startswith(expiring.expires_at.date().isoformat())  # type: ignore[union-attr]
    assert "expired" in error["message"]


def test_an_order_shows_when_it_expires_until_then(api: APIClient, expiring: Order) -> None:
    response = api.get(f"{CHECKOUT}/orders/{expiring.public_id}/")

    assert response.status_code == 200
    expected = expiring.expires_at.isoformat().replace("+00:00", "Z")  # type: ignore[union-attr]
    assert response.json()["data"]["expires_at"] == expected


def test_paying_an_expired_order_is_410_and_writes_nothing(api: APIClient, expiring: Order) -> None:
    with past(expiring):
        response = api.post(f"{CHECKOUT}/payments/", card_body(expiring.public_id), format="json")

    assert response.status_code == 410
    assert response.json()["exception"]["code"] == 1018
    assert not Payment.objects.exists()
    assert Order.objects.get(pk=expiring.pk).status == OrderStatus.CREATED


def test_an_order_that_expires_after_the_check_is_still_410(
    api: APIClient, expiring: Order, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a payer whose order looked payable when the request began (the check let it through)
    from checkout import payer

    monkeypatch.setattr(payer, "payable_or_conflict", lambda order: None)

    # when the service, under the order's lock, finds it expired
    with past(expiring):
        response = api.post(f"{CHECKOUT}/payments/", card_body(expiring.public_id), format="json")

    # then the payer's answer is the 410 of an expired order, and nothing was written
    assert response.status_code == 410
    assert response.json()["exception"]["meta"]["expired"] is True
    assert not Payment.objects.exists()


def test_canceled_order_page_is_409(client: Client, canceled: Order) -> None:
    response = client.get(f"/checkout/{canceled.public_id}/")

    assert response.status_code == 409
    page = response.content.decode()
    assert "This order was canceled" in page and "canceled by the merchant" in page
    assert 'data-closed="canceled"' in page and 'name="number"' not in page


def test_expired_order_page_is_410(client: Client, expiring: Order) -> None:
    with past(expiring):
        response = client.get(f"/checkout/{expiring.public_id}/")

    assert response.status_code == 410
    page = response.content.decode()
    assert "This order has expired" in page and "Ask the merchant for a new one" in page
    assert 'data-closed="expired"' in page and 'name="number"' not in page


def test_posting_the_form_of_an_expired_order_is_410_and_writes_nothing(client: Client, expiring: Order) -> None:
    with past(expiring):
        response = client.post(f"/checkout/{expiring.public_id}/", CARD_FORM)

    assert response.status_code == 410
    assert "This order has expired" in response.content.decode()
    assert not Payment.objects.exists()


def test_posting_the_form_of_a_canceled_order_is_409_and_writes_nothing(client: Client, canceled: Order) -> None:
    response = client.post(f"/checkout/{canceled.public_id}/", CARD_FORM)

    assert response.status_code == 409
    assert "This order was canceled" in response.content.decode()
    assert not Payment.objects.exists()


def test_an_order_canceled_while_the_payer_filled_the_form_shows_the_canceled_page(
    client: Client, order: Order, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a form posted for an order that was payable at the page's check, canceled just after it
    from checkout import payer

    real_closed, seen = payer.closed, []

    def payable_at_first(o: Order) -> payer.Closed | None:
        seen.append(o)
        return None if len(seen) == 1 else real_closed(o)

    monkeypatch.setattr(payer, "closed", payable_at_first)
    monkeypatch.setattr(payer, "payable_or_conflict", lambda o: None)
    services.order_cancel(order=order)

    # when the service refuses the payment under the order's lock
    response = client.post(f"/checkout/{order.public_id}/", CARD_FORM)

    # then the page says why, from the order as it is now
    assert response.status_code == 409
    assert "This order was canceled" in response.content.decode()
    assert len(seen) == 2
    assert not Payment.objects.exists()
