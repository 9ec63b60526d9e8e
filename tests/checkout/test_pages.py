"""The hosted checkout as plain pages (no JavaScript), its headers, and the demo shop."""

from __future__ import annotations

import logging

import pytest
from django.db import connection
from django.test import Client

from checkout.signature import checkout_signature
from merchants import services as merchant_services
from merchants.keys import checkout_signing_key
from merchants.models import Merchant
from payments import catalog
from payments.models import Order, Payment, Product
from tests.checkout.conftest import CHECKOUT, card_body, new_order

CARD_FORM = {"method": "card", "number": "4242 4242 4242 4242", "expiry": "12 / 30", "cvc": "123",
             "name": "Ava Reed", "email": "ava@example.com", "country": "GB"}  # fmt: skip


def test_page_shows_the_order_and_the_test_values(client: Client, merchant: Merchant, order: Order) -> None:
    response = client.get(f"/checkout/{order.public_id}/")

    assert response.status_code == 200
    page = response.content.decode()
    assert merchant.business_name in page and "£25.99" in page and "inv_42" in page
    assert "4242 4242 4242 4242" in page and 'id="form-upi"' not in page
    assert response["Referrer-Policy"] == "no-referrer"
    assert "frame-ancestors 'self'" in response["Content-Security-Policy"]
    assert "nonce-" in response["Content-Security-Policy"]


def test_inr_page_has_the_upi_form(client: Client, merchant: Merchant) -> None:
    order = new_order(merchant, amount=50000, currency="INR")

    page = client.get(f"/checkout/{order.public_id}/").content.decode()

    assert 'id="form-upi"' in page and "success@paygate" in page and "₹500.00" in page


def test_frame_ancestors_are_the_merchants_allowed_origins(client: Client, merchant: Merchant, order: Order) -> None:
    merchant_services.merchant_set_checkout_origins(merchant=merchant, origins=["https://shop.example"])

    response = client.get(f"/checkout/{order.public_id}/")

    assert "frame-ancestors 'self' https://shop.example" in response["Content-Security-Policy"]
    assert "X-Frame-Options" not in response


def test_unknown_order_page_is_404(client: Client, db: None) -> None:
    assert client.get("/checkout/order_doesnotexist0000/").status_code == 404


def test_order_of_another_key_is_404(client: Client, order: Order, outsider: Merchant) -> None:
    assert client.get(f"/checkout/{order.public_id}/?key={outsider.api_key_id}").status_code == 404


def test_plain_form_post_pays_and_redirects_to_the_result(client: Client, order: Order) -> None:
    response = client.post(f"/checkout/{order.public_id}/", CARD_FORM)

    payment = Payment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/checkout/{order.public_id}/payments/{payment.public_id}/"
    result = client.get(response["Location"])
    assert "Payment successful" in result.content.decode() and "ending 4242" in result.content.decode()


def test_declined_form_post_shows_the_reason_and_try_again(client: Client, order: Order) -> None:
    response = client.post(f"/checkout/{order.public_id}/", CARD_FORM | {"number": "4000 0000 0000 0002"}, follow=True)

    page = response.content.decode()
    assert "Payment failed" in page and "CARD_DECLINED" in page and "Try again" in page


def test_invalid_form_keeps_what_was_typed_but_never_the_card_number(client: Client, order: Order) -> None:
    response = client.post(f"/checkout/{order.public_id}/", CARD_FORM | {"number": "4242 4242 4242 4241"})

    page = response.content.decode()
    assert response.status_code == 400
    assert "Luhn" in page and "Ava Reed" in page and "4242 4242 4242 4241" not in page
    assert not Payment.objects.exists()


def test_bad_expiry_is_reported_next_to_its_field(client: Client, order: Order) -> None:
    response = client.post(f"/checkout/{order.public_id}/", CARD_FORM | {"expiry": "13"})

    assert response.status_code == 400
    assert "Enter the expiry as MM / YY." in response.content.decode()


def test_paid_order_page_is_409(client: Client, order: Order) -> None:
    client.post(f"/checkout/{order.public_id}/", CARD_FORM)

    response = client.get(f"/checkout/{order.public_id}/")

    assert response.status_code == 409
    assert "already been paid" in response.content.decode()


def test_result_page_of_another_order_is_404(client: Client, merchant: Merchant, order: Order) -> None:
    client.post(f"/checkout/{order.public_id}/", CARD_FORM)
    other = new_order(merchant)

    response = client.get(f"/checkout/{other.public_id}/payments/{Payment.objects.get().public_id}/")

    assert response.status_code == 404


@pytest.mark.django_db(transaction=True)
def test_the_card_number_is_nowhere_after_a_payment(
    client: Client, merchant: Merchant, caplog: pytest.LogCaptureFixture
) -> None:
    # given a merchant with a webhook URL, so that deliveries are written too
    merchant.webhook_url = "https://hooks.example/paygate"
    merchant.save()
    order = new_order(merchant)
    number = "4000000000003253"
    caplog.set_level(logging.DEBUG)

    # when a payer pays through the API and the form, once refused and once accepted
    client.post(
        f"{CHECKOUT}/payments/", card_body(order.public_id, "4000000000003254"), content_type="application/json"
    )
    client.post(f"{CHECKOUT}/payments/", card_body(order.public_id, number), content_type="application/json")
    client.post(f"/checkout/{new_order(merchant).public_id}/", CARD_FORM | {"number": number})

    # then neither number is in any log line nor in any text column of any table
    assert Payment.objects.count() == 2
    logs = "\n".join(record.getMessage() for record in caplog.records) + caplog.text
    for candidate in (number, "4000000000003254", "4000 0000 0000 3253"):
        assert candidate not in logs
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            columns = [c.name for c in connection.introspection.get_table_description(cursor, table)]
            for column in columns:
                cursor.execute(
                    f'SELECT COUNT(*) FROM "{table}" WHERE CAST("{column}" AS TEXT) LIKE %s OR CAST("{column}" AS TEXT) LIKE %s',  # noqa: S608
                    [f"%{number}%", "%4000000000003254%"],
                )
                if cursor.fetchone()[0]:
                    found.append(f"{table}.{column}")
    assert found == []


def test_demo_shop_is_404_without_the_demo_merchant(client: Client, db: None) -> None:
    assert client.get("/demo/shop/").status_code == 404


def test_demo_shop_creates_the_order_and_verifies_the_signature(client: Client, merchant: Merchant) -> None:
    # given the demo merchant (what seed_demo creates)
    merchant.api_key_id = "key_DemoMerchant00000001"
    merchant.save()

    # when the shop creates an order and the payer pays it
    order_id = client.post("/demo/shop/", {"sku": "notebook"}, HTTP_ACCEPT="application/json").json()["order_id"]
    payment_id = client.post(f"{CHECKOUT}/payments/", card_body(order_id), content_type="application/json").json()[
        "data"
    ]["id"]
    signature = checkout_signature(order_id, payment_id, checkout_signing_key(merchant.api_secret_hash))

    # then the shop's server accepts the true signature and refuses a forged one
    good = client.post("/demo/shop/return/", {"order_id": order_id, "payment_id": payment_id, "signature": signature})
    assert good.status_code == 200 and "Signature verified" in good.content.decode()
    bad = client.post("/demo/shop/return/", {"order_id": order_id, "payment_id": payment_id, "signature": "0" * 64})
    assert bad.status_code == 400 and "Signature refused" in bad.content.decode()
    assert Order.objects.get(public_id=order_id).amount == 1250


@pytest.mark.usefixtures("one_rate_window")
def test_page_posts_are_rate_limited_per_ip(client: Client, order: Order, settings) -> None:
    settings.RATELIMIT_CHECKOUT_PAY = "1/m"
    client.post(f"/checkout/{order.public_id}/", CARD_FORM | {"number": "4000 0000 0000 0002"})

    response = client.post(f"/checkout/{order.public_id}/", CARD_FORM)

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert Payment.objects.count() == 1


def test_demo_shop_offers_the_demo_merchants_product_links_until_sold_out(client: Client, merchant: Merchant) -> None:
    merchant.api_key_id = "key_DemoMerchant00000001"
    merchant.save()
    product = catalog.product_create(
        merchant=merchant, name="Limited-edition print", price=4500, currency="GBP", stock=5
    )
    link = catalog.payment_link_create(merchant=merchant, product=product)

    page = client.get("/demo/shop/").content.decode()
    assert "Limited-edition print" in page and f"/pay/{link.public_id}/" in page and "5 left" in page

    Product.objects.update(stock=0)
    sold_out = client.get(f"/pay/{link.public_id}/")
    assert sold_out.status_code == 409 and "sold out" in sold_out.content.decode()
