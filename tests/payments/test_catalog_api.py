"""Products and payment links: role scoping, the link flow to the checkout, and the stock rule."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from merchants.models import Merchant
from payments import catalog
from payments.models import Order, Product
from tests.conftest import API
from tests.payments.conftest import card_body
from webhooks.models import Event


def create_product(api: APIClient, **extra: object) -> dict:
    body = {"name": "Poster", "price": 1500, "currency": "GBP", "stock": 2, **extra}
    response = api.post(f"{API}/products/", body, format="json")
    assert response.status_code == 201, response.json()
    return response.json()["data"]


def create_link(api: APIClient, **body: object) -> dict:
    response = api.post(f"{API}/payment-links/", body, format="json")
    assert response.status_code == 201, response.json()
    return response.json()["data"]


def test_merchant_creates_lists_updates_and_deletes_a_product(merchant_api: APIClient, merchant: Merchant) -> None:
    product = create_product(merchant_api)
    assert set(product) == {
        "id",
        "merchant_id",
        "name",
        "price",
        "currency",
        "stock",
        "active",
        "created_at",
        "updated_at",
    }
    assert product["id"].startswith("prod_") and product["merchant_id"] == merchant.public_id

    changed = merchant_api.patch(f"{API}/products/{product['id']}/", {"stock": None, "price": 1800}, format="json")
    assert changed.status_code == 200
    assert (changed.json()["data"]["stock"], changed.json()["data"]["price"]) == (None, 1800)
    assert merchant_api.get(f"{API}/products/").json()["data"]["total"] == 1

    assert merchant_api.delete(f"{API}/products/{product['id']}/").status_code == 204
    assert merchant_api.get(f"{API}/products/{product['id']}/").status_code == 404
    assert Product.objects.all_with_deleted().get().deleted


def test_products_are_invisible_to_another_merchant(merchant_api: APIClient, outsider_api: APIClient) -> None:
    product = create_product(merchant_api)

    assert outsider_api.get(f"{API}/products/{product['id']}/").status_code == 404
    assert outsider_api.patch(f"{API}/products/{product['id']}/", {"stock": 9}, format="json").status_code == 404
    assert outsider_api.delete(f"{API}/products/{product['id']}/").status_code == 404
    assert outsider_api.get(f"{API}/products/").json()["data"]["total"] == 0


def test_finance_sees_products_but_may_not_change_them(merchant_api: APIClient, finance_api: APIClient) -> None:
    product = create_product(merchant_api)

    assert finance_api.get(f"{API}/products/{product['id']}/").status_code == 200
    assert finance_api.patch(f"{API}/products/{product['id']}/", {"stock": 9}, format="json").status_code == 403
    body = {"name": "X", "price": 100, "currency": "GBP"}
    assert finance_api.post(f"{API}/products/", body, format="json").status_code == 403
    assert (
        finance_api.post(f"{API}/payment-links/", {"amount": 100, "currency": "GBP"}, format="json").status_code == 403
    )


def test_admin_creates_a_product_for_a_merchant(admin_api: APIClient, merchant: Merchant) -> None:
    product = create_product(admin_api, merchant_id=merchant.public_id)

    assert product["merchant_id"] == merchant.public_id


def test_invalid_product_and_link_input_is_400(merchant_api: APIClient, outsider_api: APIClient) -> None:
    bad_price = {"name": "X", "price": 0, "currency": "GBP"}
    assert merchant_api.post(f"{API}/products/", bad_price, format="json").status_code == 400
    assert merchant_api.post(f"{API}/payment-links/", {}, format="json").status_code == 400
    product = create_product(merchant_api)
    both = {"product_id": product["id"], "amount": 100, "currency": "GBP"}
    assert merchant_api.post(f"{API}/payment-links/", both, format="json").status_code == 400
    past = {"amount": 100, "currency": "GBP", "expires_at": "2020-01-01T00:00:00Z"}
    assert merchant_api.post(f"{API}/payment-links/", past, format="json").status_code == 400
    # another merchant's product cannot be linked
    theirs = {"product_id": product["id"]}
    assert outsider_api.post(f"{API}/payment-links/", theirs, format="json").status_code == 404


def test_payment_link_makes_an_order_for_one_unit_and_opens_the_checkout(
    merchant_api: APIClient, client: Client
) -> None:
    product = create_product(merchant_api)
    link = create_link(merchant_api, product_id=product["id"], description="Spring poster")
    assert link["url"] == f"/pay/{link['id']}/" and (link["amount"], link["currency"]) == (1500, "GBP")

    response = client.get(link["url"])

    order = Order.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/checkout/{order.public_id}/"
    assert (order.amount, order.currency, order.product.public_id) == (1500, "GBP", product["id"])
    page = client.get(response["Location"]).content.decode()
    assert "Poster" in page and "£15.00" in page


def test_fixed_amount_link(merchant_api: APIClient, client: Client) -> None:
    link = create_link(merchant_api, amount=50000, currency="INR")

    client.get(link["url"])

    assert Order.objects.values_list("amount", "currency", "product").get() == (50000, "INR", None)


def test_deactivated_and_expired_links_answer_410(merchant_api: APIClient, client: Client) -> None:
    link = create_link(merchant_api, amount=100, currency="GBP")
    deactivated = merchant_api.post(f"{API}/payment-links/{link['id']}/deactivate/", {}, format="json")
    assert deactivated.json()["data"]["active"] is False

    response = client.get(link["url"])
    assert response.status_code == 410 and "deactivated" in response.content.decode()

    expiring = create_link(
        merchant_api, amount=100, currency="GBP", expires_at=(timezone.now() + timedelta(hours=1)).isoformat()
    )
    catalog.PaymentLink.objects.filter(public_id=expiring["id"]).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert client.get(expiring["url"]).status_code == 410
    assert client.get("/pay/plink_doesnotexist000/").status_code == 404
    assert not Order.objects.exists()


def test_links_are_invisible_to_another_merchant(merchant_api: APIClient, outsider_api: APIClient) -> None:
    link = create_link(merchant_api, amount=100, currency="GBP")

    assert outsider_api.get(f"{API}/payment-links/{link['id']}/").status_code == 404
    assert outsider_api.post(f"{API}/payment-links/{link['id']}/deactivate/", {}, format="json").status_code == 404


def test_stock_is_taken_by_a_payment_given_back_on_failure_and_sold_out_at_zero(
    merchant_api: APIClient, api: APIClient, client: Client
) -> None:
    product = create_product(merchant_api, stock=1)
    link = create_link(merchant_api, product_id=product["id"])
    client.get(link["url"])
    client.get(link["url"])
    first, second = Order.objects.order_by("id")

    # a declined payment takes the unit and gives it back
    declined = api.post(f"{API}/checkout/payments/", card_body(first.public_id, "4000000000000002"), format="json")
    assert declined.json()["data"]["status"] == "failed"
    assert Product.objects.get().stock == 1

    # a captured payment keeps it; the other order is then sold out before any payment exists
    assert api.post(f"{API}/checkout/payments/", card_body(first.public_id), format="json").status_code == 201
    assert Product.objects.get().stock == 0
    refused = api.post(f"{API}/checkout/payments/", card_body(second.public_id), format="json")
    assert refused.status_code == 409 and refused.json()["exception"]["code"] == 1024
    assert second.payments.count() == 0

    # and the link itself now says so
    assert client.get(link["url"]).status_code == 409
    types = list(Event.objects.filter(type__startswith="product.stock").values_list("data__stock", flat=True))
    assert sorted(types) == [0, 0, 1]
    assert Event.objects.filter(type="payment_link.paid", object_id=link["id"]).count() == 1


def test_an_unavailable_link_raises_its_error_code(merchant: Merchant) -> None:
    link = catalog.payment_link_create(merchant=merchant, amount=100, currency="GBP")
    catalog.payment_link_deactivate(link=link)

    try:
        catalog.payment_link_order_create(link=catalog.PaymentLink.objects.get(pk=link.pk))
    except catalog.ApiError as exc:
        assert (exc.error.code, exc.error.status) == (1025, 410)
    else:
        raise AssertionError("a deactivated link made an order")


@pytest.mark.usefixtures("one_rate_window")
def test_payment_link_visits_are_rate_limited_per_ip(merchant_api: APIClient, client: Client, settings) -> None:
    settings.RATELIMIT_CHECKOUT_PAY = "1/m"
    link = create_link(merchant_api, amount=100, currency="GBP")
    assert client.get(link["url"]).status_code == 302

    response = client.get(link["url"])

    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert Order.objects.count() == 1
