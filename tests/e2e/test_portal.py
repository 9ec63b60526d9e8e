"""A merchant's whole journey through the portal in Chromium, against a live server.

On PostgreSQL a real `db_worker` process finishes payments, refunds and webhook deliveries (the
page shows them pending, then done); on SQLite the tasks run inside the server. Every page is
screenshotted into tests/e2e/screenshots/ and checked with axe-core."""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.db import connection
from playwright.sync_api import Page, expect

from payments.providers import ensure_default_profiles
from tests.e2e.conftest import axe_violations, shoot
from tests.webhooks.conftest import Receiver, receiver, wait_for  # noqa: F401 — the receiver fixture

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
EMAIL = "ava@reedbooks.example"
PASSWORD = "a-long-unusual-passphrase"
POLLED = 15_000  # ms: how long a page that polls itself may take to show the worker's result
DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


@pytest.fixture
def tasks(settings: Any) -> Iterator[str]:
    """A real worker process on PostgreSQL (shared database); the immediate backend on SQLite."""
    settings.PAYGATE_WEBHOOK_ALLOW_PRIVATE_URLS = True  # the receiver and the bin are on loopback
    settings.PAYGATE_WEBHOOK_RETRY_SCHEDULE = [0, 3600, 3600]
    settings.PAYGATE_LATENCY_SCALE = 0
    settings.ROUTING_STATS_TTL_SECONDS = 0
    ensure_default_profiles()
    if connection.vendor != "postgresql":
        yield "immediate"
        return
    settings.TASKS = DB_TASKS
    db = connection.settings_dict
    keep = {k: os.environ[k] for k in ("PATH", "HOME", "LANG") if k in os.environ}
    env = keep | {
        "DJANGO_SETTINGS_MODULE": "paygate.settings",
        "DEBUG": "true",
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "SECRET_KEY": django_settings.SECRET_KEY,
        "PAYGATE_HMAC_KEY": django_settings.PAYGATE_HMAC_KEY,
        "PAYGATE_LATENCY_SCALE": "0",
        "PAYGATE_WEBHOOK_ALLOW_PRIVATE_URLS": "true",
        "PAYGATE_WEBHOOK_RETRY_SCHEDULE": "0,3600,3600",
    }
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--no-reload", "--interval", "0.1"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        yield "worker"
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=10)
        except subprocess.TimeoutExpired:
            worker.kill()


def api(base: str, key: str, secret: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    auth = base64.b64encode(f"{key}:{secret}".encode()).decode()
    request = urllib.request.Request(
        f"{base}/paygate/api/v1/{path}", json.dumps(body).encode(),
        {"Content-Type": "application/json", "Authorization": f"Basic {auth}"},
    )  # fmt: skip
    with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 — the live server on loopback
        return json.load(answer)["data"]


def visit(page: Page, name: str) -> None:
    """Every page the journey opens: no serious accessibility violation, and a screenshot."""
    page.wait_for_load_state("networkidle")
    assert axe_violations(page) == [], name
    shoot(page, f"portal-{name}")


def reload_until(page: Page, text: str, timeout: float = 15) -> None:
    def shown() -> bool:
        page.reload()
        return text in page.content()

    assert wait_for(shown, timeout=timeout, interval=0.3), text


def nav(page: Page, name: str) -> None:
    """Follow a side-navigation link and wait for the new page, so a reload never races it."""
    with page.expect_navigation():
        page.get_by_role("navigation", name="Portal").get_by_role("link", name=name).click()
    page.wait_for_load_state()


def notification(page: Page) -> Any:
    return page.locator(".messages .message").first


def test_a_merchant_journey_through_the_portal(page: Page, live_server, receiver: Receiver, tasks: str) -> None:  # noqa: F811
    base = live_server.url
    page.goto(f"{base}/portal/signup/")
    visit(page, "signup")

    # sign up: the keys are shown once
    page.get_by_label("Your name").fill("Ava Reed")
    page.get_by_label("Business name").fill("Reed Books")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_text("Store these now.")).to_be_visible()
    key = page.locator("#api-key").inner_text()
    secret = page.locator("#api-secret").inner_text()
    assert key.startswith("key_") and secret.startswith("sk_")
    visit(page, "signup-keys")

    # log out, log in: the dashboard
    page.get_by_role("button", name="Log out").click()
    page.goto(f"{base}/portal/login/")
    visit(page, "login")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    expect(page.locator(".stat", has_text="Payments").locator("dd").first).to_have_text("0")

    # create an order in the portal, pay it (and a declined one) through the API
    nav(page, "Orders")
    page.get_by_role("link", name="Create order").first.click()
    visit(page, "order-create")
    page.get_by_label("Amount").fill("25.99")
    page.get_by_label("Currency").select_option("GBP")
    page.get_by_label("Receipt (your reference)").fill("inv_1001")
    page.get_by_role("button", name="Create order").click()
    expect(notification(page)).to_contain_text("created for £25.99")
    order_id = re.search(r"/orders/(order_\w+)/", page.url).group(1)
    visit(page, "order")
    card = {"number": "4242424242424242", "exp_month": 12, "exp_year": 2030, "cvc": "123"}
    customer = {"name": "Noah Lee", "email": "noah@example.com", "country": "GB"}
    paid = api(
        base, key, secret, "payments/", {"order_id": order_id, "method": "card", "card": card, "customer": customer}
    )
    other = api(base, key, secret, "orders/", {"amount": 1000, "currency": "USD"})
    api(base, key, secret, "payments/", {"order_id": other["id"], "method": "card",
                                         "card": card | {"number": "4000000000000002"}, "customer": customer})  # fmt: skip

    # the dashboard shows them
    nav(page, "Dashboard")
    reload_until(page, "£25.99")
    visit(page, "dashboard")

    # filter the payments by status and currency, open the detail
    nav(page, "Payments")
    reload_until(page, paid["id"])
    page.get_by_label("Status").select_option("captured")
    page.get_by_label("Currency").select_option("GBP")
    page.get_by_role("button", name="Apply filters").click()
    # the query string holds the filters once the last swap is in (a link can be shared)
    expect(page).to_have_url(re.compile(r"status=captured.*currency=GBP"))
    expect(page.locator("#payments-table")).to_contain_text(paid["id"])
    expect(page.locator("#payments-table")).not_to_contain_text("Failed")
    visit(page, "payments")
    page.get_by_role("link", name=paid["id"]).click()
    visit(page, "payment")

    # a partial refund: the notification, then the refunded amount
    page.get_by_label("Amount to refund").fill("5.00")
    page.get_by_label("Reason").fill("damaged cover")
    page.get_by_role("button", name="Refund payment").click()
    expect(notification(page)).to_contain_text("Refund of £5.00")
    # the worker finishes the refund; the page polls itself until it shows it (no reload)
    expect(page.locator(".facts", has_text="Refunded")).to_contain_text("£5.00", timeout=POLLED)
    expect(page.get_by_text("£20.99 can still be refunded")).to_be_visible()
    expect(page.locator("#payment-title")).to_contain_text("Partially refunded")

    # webhooks to a local receiver; a test event arrives in the log
    nav(page, "Developers")
    page.get_by_label("Endpoint URL").fill(receiver.url)
    page.get_by_role("button", name="Save webhook settings").click()
    expect(notification(page)).to_have_text(re.compile("Webhook settings saved."))
    page.get_by_role("button", name="Send test event").click()
    expect(notification(page)).to_contain_text("Test event sent")
    expect(page.locator("#deliveries")).to_contain_text("Succeeded", timeout=POLLED)  # the log polls
    visit(page, "developers")

    # the receiver fails; Retry now succeeds once it is fixed
    receiver.reply(500)
    page.get_by_role("button", name="Send test event").click()
    delivery_id = re.search(r"whd_\w+", notification(page).inner_text()).group(0)
    page.goto(f"{base}/portal/developers/deliveries/{delivery_id}/")
    expect(page.locator("main")).to_contain_text("status 500", timeout=POLLED)  # the detail polls
    expect(page.locator("h1")).to_contain_text("Retrying")
    page.get_by_role("button", name="Retry now").click()
    expect(notification(page)).to_contain_text("being sent again now")
    expect(page.locator("h1")).to_contain_text("Succeeded", timeout=POLLED)
    visit(page, "delivery")

    # the request bin receives a delivery that verifies
    page.goto(f"{base}/portal/developers/request-bin/")
    page.get_by_role("button", name="Use as webhook URL").click()
    expect(notification(page)).to_have_text(re.compile("Webhooks now go to your request bin."))
    nav(page, "Developers")
    page.get_by_role("button", name="Send test event").click()
    page.goto(f"{base}/portal/developers/request-bin/")
    expect(page.get_by_text("Signature verified").first).to_be_visible(timeout=15_000)  # htmx polling
    visit(page, "request-bin")

    # the signature debugger flags a tampered body
    sent = receiver.received[-1]
    page.goto(f"{base}/portal/developers/debugger/")
    headers = "\n".join(
        f"{name}: {sent.headers[name]}" for name in ("webhook-id", "webhook-timestamp", "webhook-signature")
    )
    page.get_by_label("Headers").fill(headers)
    page.get_by_label("Raw body").fill(sent.body.decode().replace("webhook.test", "webhook.fake"))
    page.get_by_role("button", name="Check signature").click()
    expect(page.get_by_role("alert")).to_contain_text("Body changed")
    visit(page, "debugger")

    # a product with stock and its payment link
    nav(page, "Products and links")
    page.get_by_label("Product name").fill("Dot-grid notebook")
    page.get_by_label("Price").fill("12.50")
    page.get_by_label("Stock").first.fill("5")
    page.get_by_role("button", name="Add product").click()
    expect(notification(page)).to_contain_text("Product Dot-grid notebook created.")
    page.get_by_label("Product", exact=True).select_option(label="Dot-grid notebook — £12.50")
    page.get_by_role("button", name="Create payment link").click()
    expect(notification(page)).to_contain_text("Payment link plink_")
    expect(page.locator("table.data").last).to_contain_text("(5 left)")
    visit(page, "products")

    # the lists and pages not seen yet; then delete the account
    nav(page, "Orders")
    visit(page, "orders")
    nav(page, "Balance")
    ledger_currency = page.get_by_label("Ledger currency")
    expect(ledger_currency).to_be_visible()  # every control has a visible label
    assert ledger_currency.bounding_box()["width"] > 40
    ledger_currency.select_option("GBP")
    expect(page).to_have_url(re.compile(r"/portal/balance/\?currency=GBP"))
    expect(page.locator("#ledger")).to_contain_text("£")
    visit(page, "balance")
    page.goto(f"{base}/portal/password/")
    visit(page, "password")
    nav(page, "Account")
    visit(page, "account")
    page.get_by_label("Type your email to confirm").fill(EMAIL)
    page.get_by_role("button", name="Delete account").click()
    expect(notification(page)).to_contain_text("Your account was deleted.")

    # and that account can no longer log in
    page.goto(f"{base}/portal/login/")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text("correct email and password")
