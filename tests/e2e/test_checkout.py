"""The checkout in Chromium: the demo shop with checkout.js, declines and Try again, UPI, and
the browser refusing to frame the checkout on a site the merchant did not allow."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import FrameLocator, Page, expect
from pytest_httpserver import HTTPServer

from merchants import services as merchant_services
from merchants.models import Merchant
from payments import services
from payments.models import Order, Payment, PaymentStatus
from payments.providers import ensure_default_profiles
from tests.e2e.conftest import axe_violations
from tests.payments.test_worker import DB_BACKEND, run_worker_batch

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).parent / "screenshots"


@pytest.fixture
def demo_merchant(merchant: Merchant) -> Merchant:
    """The merchant seed_demo creates: the demo shop sells for it."""
    ensure_default_profiles()
    merchant.api_key_id = "key_DemoMerchant00000001"
    merchant.save()
    return merchant


def shot(page: Page, name: str, *, axe: bool = False) -> None:
    """A screenshot of each state the tests reach; on the hosted pages (not the demo shop, where
    axe's own frame messages would reach checkout.js) an axe-core check first."""
    if axe:
        assert axe_violations(page) == [], name
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"checkout-{name}.png"))


def checkout_frame(page: Page) -> FrameLocator:
    expect(page.get_by_role("dialog", name="PayGate checkout")).to_be_visible()
    frame = page.frame_locator("iframe[title='PayGate checkout']")
    expect(frame.locator("#form-card[data-ready]")).to_be_attached()  # its script is running
    return frame


def pay_by_card(frame: FrameLocator | Page, number: str) -> None:
    frame.get_by_label("Card number").fill(number)
    frame.get_by_label("Expiry (MM / YY)").fill("12 / 30")
    frame.get_by_label("CVC").fill("123")
    frame.locator("#form-card").get_by_role("button", name="Pay").click()


def test_demo_shop_pays_in_the_modal_and_the_server_verifies_the_signature(
    page: Page, live_server, demo_merchant: Merchant
) -> None:
    page.set_viewport_size({"width": 1200, "height": 860})
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="Demo shop").click()
    shot(page, "01-demo-shop")

    page.get_by_role("button", name="Buy dot-grid notebook").click()
    frame = checkout_frame(page)
    frame.get_by_label("Card number").fill("4242 4242 4242 4242")
    expect(frame.locator("[data-network]")).to_have_text("Visa")
    shot(page, "02-modal-card-form")
    pay_by_card(frame, "4242 4242 4242 4242")
    expect(frame.get_by_role("heading", name="Payment successful")).to_be_visible()
    shot(page, "03-modal-success")

    expect(page.locator("[data-demo-result]")).to_have_attribute("data-demo-result", "verified")
    expect(page.get_by_text("Signature verified")).to_be_visible()
    shot(page, "04-demo-verified")
    order = Order.objects.get(merchant=demo_merchant)
    assert order.status == "paid" and order.payments.get().status == PaymentStatus.CAPTURED


def test_a_declined_card_shows_the_failure_and_try_again_succeeds(
    page: Page, live_server, demo_merchant: Merchant
) -> None:
    page.set_viewport_size({"width": 1200, "height": 860})
    page.goto(f"{live_server.url}/demo/shop/")
    page.get_by_role("button", name="Buy studio headphones").click()
    frame = checkout_frame(page)

    frame.get_by_label("Card number").fill("4242 4242 4242 4241")
    frame.get_by_label("Expiry (MM / YY)").click()
    expect(frame.get_by_text("This card number is not valid.")).to_be_visible()
    shot(page, "05-modal-luhn-error")

    pay_by_card(frame, "4000 0000 0000 0002")
    expect(frame.get_by_role("heading", name="Payment failed")).to_be_visible()
    expect(frame.get_by_text("Your card was declined.")).to_be_visible()
    expect(page.locator("[data-shop-status]")).to_contain_text("CARD_DECLINED")
    shot(page, "06-modal-declined")

    frame.get_by_role("link", name="Try again").click()
    pay_by_card(frame, "4242 4242 4242 4242")
    expect(page.locator("[data-demo-result]")).to_have_attribute("data-demo-result", "verified")
    statuses = sorted(Order.objects.get(merchant=demo_merchant).payments.values_list("status", flat=True))
    assert statuses == ["captured", "failed"]


def test_upi_succeeds_on_an_inr_order_and_the_modal_keeps_focus_and_ignores_strangers(
    page: Page, live_server, demo_merchant: Merchant
) -> None:
    page.set_viewport_size({"width": 1200, "height": 860})
    page.goto(f"{live_server.url}/demo/shop/")

    page.get_by_role("button", name="Buy darjeeling first flush").click()
    checkout_frame(page)
    # focus starts on the close button and stays in the dialog
    close = page.get_by_role("button", name="Close checkout")
    expect(close).to_be_focused()
    page.keyboard.press("Shift+Tab")
    expect(page.locator("iframe[title='PayGate checkout']")).to_be_focused()
    # a message that is not from the checkout's own frame is ignored, even from PayGate's origin
    page.evaluate(
        "window.postMessage({type: 'paygate:success', payment_id: 'pay_forged', order_id: 'x', signature: 'y'}, '*')"
    )
    page.wait_for_timeout(1500)
    expect(page.get_by_role("dialog")).to_be_visible()
    expect(page.locator("[data-demo-result]")).to_have_count(0)
    close.click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(page.locator("[data-shop-status]")).to_contain_text("Checkout closed")

    page.get_by_role("button", name="Buy darjeeling first flush").click()
    checkout_frame(page)
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(page.locator("[data-shop-status]")).to_contain_text("Checkout closed")

    page.get_by_role("button", name="Buy darjeeling first flush").click()
    frame = checkout_frame(page)
    frame.get_by_role("tab", name="UPI").click()
    frame.get_by_label("UPI ID").fill("success@paygate")
    shot(page, "07-modal-upi")
    frame.locator("#form-upi").get_by_role("button", name="Pay").click()

    expect(page.locator("[data-demo-result]")).to_have_attribute("data-demo-result", "verified")
    payment = Order.objects.filter(merchant=demo_merchant, status="paid").get().payments.get()
    assert (payment.method, payment.currency, payment.vpa) == ("upi", "INR", "success@paygate")


def test_hosted_page_without_the_modal(page: Page, live_server, merchant: Merchant) -> None:
    ensure_default_profiles()
    order = services.order_create(merchant=merchant, amount=2599, currency="GBP", receipt="inv_42")
    page.set_viewport_size({"width": 1200, "height": 1100})

    page.goto(f"{live_server.url}/checkout/{order.public_id}/")
    expect(page.get_by_role("heading", name="Pay £25.99")).to_be_visible()
    shot(page, "08-hosted-page", axe=True)
    page.get_by_role("button", name="4000 0000 0000 0002").click()  # the test-mode banner fills the form
    page.locator("#form-card").get_by_role("button", name="Pay").click()
    expect(page.get_by_role("heading", name="Payment failed")).to_be_visible()
    shot(page, "09-hosted-failed", axe=True)


def test_the_hosted_page_says_when_the_order_was_canceled_or_has_expired(
    page: Page, live_server, merchant: Merchant
) -> None:
    ensure_default_profiles()
    order = services.order_create(merchant=merchant, amount=2599, currency="GBP", receipt="inv_42")
    page.set_viewport_size({"width": 1200, "height": 1100})
    page.goto(f"{live_server.url}/checkout/{order.public_id}/")
    expect(page.locator("#form-card[data-ready]")).to_be_attached()

    services.order_cancel(order=order)  # the merchant cancels it while the payer types
    pay_by_card(page, "4242 4242 4242 4242")

    expect(page.get_by_role("heading", name="This order was canceled")).to_be_visible()
    expect(page.locator("#form-card")).to_have_count(0)
    shot(page, "10-hosted-canceled", axe=True)

    expired = services.order_create(
        merchant=merchant, amount=2599, currency="GBP", expires_at=timezone.now() - timedelta(minutes=1)
    )
    page.goto(f"{live_server.url}/checkout/{expired.public_id}/")
    expect(page.get_by_role("heading", name="This order has expired")).to_be_visible()
    shot(page, "11-hosted-expired", axe=True)
    assert not Payment.objects.exists()


def test_checkout_framed_by_a_site_the_merchant_did_not_allow_is_refused(
    page: Page, live_server, merchant: Merchant, httpserver: HTTPServer
) -> None:
    # given a page on another origin that frames the checkout
    order = services.order_create(merchant=merchant, amount=2599, currency="GBP")
    src = f"{live_server.url}/checkout/{order.public_id}/"
    httpserver.expect_request("/shop").respond_with_data(
        f'<!doctype html><title>Elsewhere</title><iframe title="checkout" src="{src}" width="600" height="600"></iframe>',
        content_type="text/html",
    )
    refusals: list[str] = []
    page.on("console", lambda message: refusals.append(message.text) if "frame-ancestors" in message.text else None)

    # when the merchant has not allowed that origin, the browser refuses to show it
    page.goto(httpserver.url_for("/shop"))
    page.wait_for_timeout(1500)
    expect(page.frame_locator("iframe").get_by_label("Card number")).to_have_count(0)
    assert refusals, "Chromium should report the frame-ancestors violation"

    # and once it is allowed, the same page shows the checkout
    origin = httpserver.url_for("/").rstrip("/")
    merchant_services.merchant_set_checkout_origins(merchant=merchant, origins=[origin])
    page.reload()
    expect(page.frame_locator("iframe").get_by_label("Card number")).to_be_visible()


@pytest.mark.postgres
@pytest.mark.worker
def test_the_page_polls_while_a_real_worker_processes_the_payment(
    page: Page, live_server, merchant: Merchant, settings
) -> None:
    # given the database task backend: the API answers `processing` and a worker finishes it
    settings.TASKS = DB_BACKEND
    ensure_default_profiles()
    order = services.order_create(merchant=merchant, amount=2599, currency="GBP")
    page.set_viewport_size({"width": 1200, "height": 800})
    page.goto(f"{live_server.url}/checkout/{order.public_id}/")

    # when the payer pays, the page shows the processing state and polls
    pay_by_card(page, "4242 4242 4242 4242")
    expect(page.get_by_role("heading", name="Processing your payment…")).to_be_visible()
    shot(page, "10-hosted-processing", axe=True)
    result = run_worker_batch()
    assert result.returncode == 0, result.stderr

    # then it turns to success by itself once the worker has finished
    expect(page.get_by_role("heading", name="Payment successful")).to_be_visible(timeout=15_000)
    assert order.payments.get().status == PaymentStatus.CAPTURED
