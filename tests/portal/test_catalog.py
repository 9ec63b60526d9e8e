"""Products, payment links and the checkout settings in the portal, through the catalog services."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.test import Client

from merchants.models import Merchant
from payments import catalog
from payments.models import PaymentLink, Product
from webhooks.models import Event

pytestmark = pytest.mark.django_db


def notices(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_add_a_product_in_major_units_with_stock(portal: Client) -> None:
    response = portal.post(
        "/portal/products/new/", {"name": "Notebook", "price": "12.50", "currency": "GBP", "stock": "3"}, follow=True
    )

    product = Product.objects.get()
    assert (product.name, product.price, product.currency, product.stock) == ("Notebook", 1250, "GBP", 3)
    assert notices(response) == ["Product Notebook created."]
    assert "£12.50" in response.content.decode()


def test_a_bad_price_is_refused_beside_the_field(portal: Client) -> None:
    response = portal.post("/portal/products/new/", {"name": "Tea", "price": "9.999", "currency": "GBP"})

    assert response.status_code == 400
    assert "GBP amounts have at most 2 decimal places" in response.content.decode()
    assert not Product.objects.exists()


def test_set_stock_and_delete_a_product(portal: Client, merchant: Merchant) -> None:
    product = catalog.product_create(merchant=merchant, name="Mug", price=900, currency="GBP", stock=2)

    portal.post(f"/portal/products/{product.public_id}/stock/", {"stock": "10"})
    assert Product.objects.get().stock == 10
    portal.post(f"/portal/products/{product.public_id}/stock/", {"stock": ""})
    assert Product.objects.get().stock is None
    assert Event.objects.filter(type="product.stock_changed").count() == 2

    portal.post(f"/portal/products/{product.public_id}/delete/")
    assert not Product.objects.exists()


def test_create_and_deactivate_payment_links(portal: Client, merchant: Merchant) -> None:
    product = catalog.product_create(merchant=merchant, name="Mug", price=900, currency="GBP", stock=2)

    portal.post("/portal/payment-links/new/", {"product": product.public_id, "currency": "GBP", "description": "Mugs"})
    portal.post("/portal/payment-links/new/", {"product": "", "amount": "1500", "currency": "JPY"})
    refused = portal.post("/portal/payment-links/new/", {"product": "", "amount": "", "currency": "GBP"})

    by_product, fixed = PaymentLink.objects.order_by("id")
    assert by_product.product == product and (fixed.amount, fixed.currency) == (1500, "JPY")
    assert refused.status_code == 400 and "Choose a product or give an amount." in refused.content.decode()
    page = portal.get("/portal/products/").content.decode()
    assert f"/pay/{by_product.public_id}/" in page and "¥1,500" in page and "(2 left)" in page

    portal.post(f"/portal/payment-links/{fixed.public_id}/deactivate/")
    assert not PaymentLink.objects.get(pk=fixed.pk).active
    assert "This payment link has been deactivated." in portal.get("/portal/products/").content.decode()


def test_another_merchants_products_and_links_answer_404(portal: Client, outsider: Merchant) -> None:
    product = catalog.product_create(merchant=outsider, name="Theirs", price=900, currency="GBP", stock=1)
    link = catalog.payment_link_create(merchant=outsider, product=product)

    for url in (f"/portal/products/{product.public_id}/stock/", f"/portal/products/{product.public_id}/delete/",
                f"/portal/payment-links/{link.public_id}/deactivate/"):  # fmt: skip
        assert portal.post(url, {"stock": "0"}).status_code == 404
    assert "Theirs" not in portal.get("/portal/products/").content.decode()
    assert Product.objects.get().stock == 1 and PaymentLink.objects.get().active


def test_a_link_to_anothers_product_is_refused(portal: Client, outsider: Merchant) -> None:
    product = catalog.product_create(merchant=outsider, name="Theirs", price=900, currency="GBP")

    response = portal.post("/portal/payment-links/new/", {"product": product.public_id, "currency": "GBP"})

    assert response.status_code == 400 and not PaymentLink.objects.exists()


def test_checkout_origins_are_saved_or_refused_beside_the_field(portal: Client, merchant: Merchant) -> None:
    saved = portal.post(
        "/portal/developers/checkout/", {"origins": "https://Shop.example\nhttp://localhost:8080/\n"}, follow=True
    )
    refused = portal.post("/portal/developers/checkout/", {"origins": "https://shop.example/pay"})

    assert notices(saved) == ["Checkout settings saved."]
    merchant.refresh_from_db()
    assert merchant.checkout_allowed_origins == ["http://localhost:8080", "https://shop.example"]
    assert refused.status_code == 400 and "https://shop.example/pay: Give an origin" in refused.content.decode()
    merchant.refresh_from_db()
    assert merchant.checkout_allowed_origins == ["http://localhost:8080", "https://shop.example"]


def test_edit_a_products_name_price_and_sale(portal: Client, merchant: Merchant) -> None:
    product = catalog.product_create(merchant=merchant, name="Mug", price=900, currency="GBP", stock=2)
    form = portal.get(f"/portal/products/{product.public_id}/").content.decode()
    assert 'value="Mug"' in form and 'value="9.00"' in form and "In GBP." in form

    response = portal.post(f"/portal/products/{product.public_id}/", {"name": "Big mug", "price": "12.50"}, follow=True)

    stored = Product.objects.get()
    assert (stored.name, stored.price, stored.active, stored.stock) == ("Big mug", 1250, False, 2)
    assert notices(response) == ["Product Big mug saved."]
    assert Event.objects.filter(type="product.updated", object_id=product.public_id).count() == 1
    assert "Big mug" in response.content.decode() and "£12.50" in response.content.decode()

    portal.post(f"/portal/products/{product.public_id}/", {"name": "Big mug", "price": "12.50", "active": "on"})
    assert Product.objects.get().active


def test_a_bad_edit_is_refused_beside_the_field_and_keeps_what_was_typed(portal: Client, merchant: Merchant) -> None:
    product = catalog.product_create(merchant=merchant, name="Mug", price=900, currency="JPY")

    response = portal.post(f"/portal/products/{product.public_id}/", {"name": "Cup", "price": "9.50", "active": "on"})

    assert response.status_code == 400
    page = response.content.decode()
    assert "JPY amounts have at most 0 decimal places" in page
    assert 'value="Cup"' in page and 'value="9.50"' in page
    assert (Product.objects.get().name, Product.objects.get().price) == ("Mug", 900)
    assert not Event.objects.filter(type="product.updated").exists()


def test_editing_a_product_is_for_its_merchant_only(
    client: Client, portal: Client, merchant: Merchant, outsider: Merchant, admin_user, finance_user
) -> None:
    theirs = catalog.product_create(merchant=outsider, name="Theirs", price=900, currency="GBP")
    mine = catalog.product_create(merchant=merchant, name="Mine", price=900, currency="GBP")
    url = f"/portal/products/{theirs.public_id}/"

    assert portal.get(url).status_code == 404
    assert portal.post(url, {"name": "Taken", "price": "1.00", "active": "on"}).status_code == 404
    assert Product.objects.get(pk=theirs.pk).name == "Theirs"
    portal.logout()
    assert client.get(f"/portal/products/{mine.public_id}/")["Location"].startswith("/portal/login/")
    for operator in (admin_user, finance_user):
        client.force_login(operator)
        assert client.get(f"/portal/products/{mine.public_id}/").status_code == 403
        assert client.post(f"/portal/products/{mine.public_id}/", {"name": "X", "price": "1.00"}).status_code == 403
    assert Product.objects.get(pk=mine.pk).name == "Mine"
