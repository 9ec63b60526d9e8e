"""In Chromium: a payment detail with a refund still pending polls itself, keeps what is typed in
its refund form across the swaps, shows the processed refund without a reload, then stops polling.
The refund is left pending by the database task queue with no worker; the test then runs what the
worker would."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect
from rest_framework.test import APIClient

from payments import services
from payments.models import Refund
from payments.providers import ensure_default_profiles
from tests.factories import DEFAULT_PASSWORD
from tests.payments.conftest import create_order, pay

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def log_in(page: Page, base: str) -> None:
    page.goto(f"{base}/portal/login/")
    page.get_by_label("Email").fill("owner@shop.example")
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()


def test_a_pending_refund_updates_the_page_by_itself(
    page: Page, live_server: Any, merchant_api: APIClient, settings: Any
) -> None:
    # given a captured payment (immediate tasks), then a refund left pending (database queue)
    settings.PAYGATE_LATENCY_SCALE = 0
    ensure_default_profiles()
    paid = pay(merchant_api, create_order(merchant_api)["id"])
    settings.TASKS = DB_TASKS
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    log_in(page, live_server.url)
    page.goto(f"{live_server.url}/portal/payments/{paid['id']}/")
    page.get_by_label("Amount to refund").fill("5.00")
    page.get_by_label("Reason").fill("damaged cover")
    page.get_by_role("button", name="Refund payment").click()
    expect(page.locator(".messages")).to_contain_text("it is being processed")
    expect(page.get_by_text("this page updates by itself")).to_be_visible()

    # when the merchant types a second refund while the page polls
    page.get_by_label("Amount to refund").fill("1.23")
    with page.expect_response(lambda r: f"/portal/payments/{paid['id']}/" in r.url and r.request.method == "GET"):
        pass  # at least one poll has been answered and swapped in
    page.wait_for_timeout(2500)  # and another
    expect(page.get_by_label("Amount to refund")).to_have_value("1.23")

    # then the worker's result appears without a reload, and polling stops
    refund = Refund.objects.get(payment__public_id=paid["id"])
    services.refund_process(refund_id=refund.pk, simulate_latency=False)
    expect(page.locator("#payment-title")).to_contain_text("Partially refunded", timeout=10_000)
    expect(page.locator(".facts", has_text="Refunded")).to_contain_text("£5.00")
    expect(page.get_by_text("this page updates by itself")).to_have_count(0)
    expect(page.get_by_label("Amount to refund")).to_have_value("1.23")
    polls: list[str] = []
    page.on("request", lambda r: polls.append(r.url) if r.headers.get("hx-request") else None)
    page.wait_for_timeout(4500)
    assert polls == []
    assert errors == []
