from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from merchants.models import Merchant
from payments import catalog
from payments.models import Product
from tests.e2e.conftest import axe_violations, shoot
from tests.factories import DEFAULT_PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_merchant_edits_a_product_in_a_browser(page: Page, live_server, merchant: Merchant) -> None:
    catalog.product_create(merchant=merchant, name="Mug", price=900, currency="GBP", stock=5)
    page.goto(f"{live_server.url}/portal/login/")
    page.get_by_label("Email").fill("owner@shop.example")
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator(".who")).to_contain_text("owner@shop.example")

    page.goto(f"{live_server.url}/portal/products/")
    page.get_by_role("link", name="Edit product Mug").click()
    expect(page.get_by_role("heading", name="Edit product")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_label("Price").fill("9.999")
    page.get_by_role("button", name="Save product").click()
    expect(page.get_by_text("GBP amounts have at most 2 decimal places")).to_be_visible()
    shoot(page, "portal-product-edit")

    page.get_by_label("Product name").fill("Big mug")
    page.get_by_label("Price").fill("12.50")
    page.get_by_label("For sale").check()
    page.get_by_role("button", name="Save product").click()
    expect(page.get_by_role("status").or_(page.locator(".notice"))).to_contain_text("Product Big mug saved.")
    expect(page.get_by_role("cell", name="£12.50")).to_be_visible()
    shoot(page, "portal-products-edited")
    assert (Product.objects.get().name, Product.objects.get().price) == ("Big mug", 1250)
