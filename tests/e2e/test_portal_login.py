from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from merchants.models import Merchant
from tests.factories import DEFAULT_PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_merchant_logs_in_and_out_of_the_portal_in_a_browser(page: Page, live_server, merchant: Merchant) -> None:
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="Log in").first.click()

    page.get_by_label("Email").fill("owner@shop.example")
    page.get_by_label("Password").fill("wrong-password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text("correct email and password")

    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator(".who")).to_contain_text("owner@shop.example")

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("link", name="Log in").first).to_be_visible()


def test_api_docs_render_offline_in_a_browser(page: Page, live_server) -> None:
    failed: list[str] = []
    page.on("requestfailed", lambda request: failed.append(request.url))

    page.goto(f"{live_server.url}/paygate/api/docs/")

    expect(page.locator(".swagger-ui .title")).to_contain_text("PayGate API")
    expect(page.get_by_text("/paygate/api/v1/auth/token/").first).to_be_visible()
    assert failed == []
