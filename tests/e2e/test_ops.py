"""The ops console in a browser: finance decides the review queue, an admin deactivates and
reactivates a merchant (its API key follows), a merchant is refused. Each page is saved as a
screenshot in tests/e2e/screenshots/ for a look."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from merchants.models import Merchant, User
from payments import services
from payments.models import Payment, PaymentStatus, ProviderProfile
from payments.providers import ensure_default_profiles
from tests.e2e.conftest import axe_violations, shoot
from tests.factories import DEFAULT_PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).parent / "screenshots"


@pytest.fixture(autouse=True)
def _providers(settings) -> None:
    settings.ROUTING_STATS_TTL_SECONDS = 0
    ensure_default_profiles()


def _payment(merchant: Merchant, card: str, amount: int) -> Payment:
    order = services.order_create(merchant=merchant, amount=amount, currency="USD")
    details = services.CardDetails(number=card, exp_month=12, exp_year=2030, name="Ava Reed")
    customer = services.Customer(name="Ava Reed", email="ava@example.com", country="US")
    payment = services.payment_create(order=order, method="card", region="na", card=details, customer=customer)
    payment.refresh_from_db()
    return payment


def _log_in(browser: Browser, live_server, email: str, errors: list[str] | None = None) -> Page:
    page = browser.new_context(viewport={"width": 1360, "height": 900}).new_page()
    if errors is not None:  # console errors: a script or style refused by the CSP shows up here
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto(f"{live_server.url}/portal/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    return page


def _shot(page: Page, name: str) -> None:
    """Every page the tests open: no serious accessibility violation, and a screenshot."""
    page.wait_for_load_state("networkidle")
    assert axe_violations(page) == [], name
    shoot(page, f"ops-{name}")


def test_finance_approves_one_review_payment_and_rejects_another(
    browser: Browser, live_server, merchant: Merchant, finance_user: User
) -> None:
    for i in range(4):
        _payment(merchant, "4242424242424242" if i % 2 else "4000000000000002", 1000 + i * 250)
    first = _payment(merchant, "4000000000004954", 2599)
    second = _payment(merchant, "4000000000004954", 4100)
    assert first.status == second.status == PaymentStatus.REVIEW

    errors: list[str] = []
    page = _log_in(browser, live_server, "finance@ops.example", errors)
    expect(page).to_have_url(f"{live_server.url}/ops/")
    expect(page.get_by_role("heading", name="Dashboard", level=1)).to_be_visible()
    _shot(page, "dashboard")

    page.get_by_role("link", name="Review queue").click()
    _shot(page, "review")
    page.get_by_label("Note").first.fill("customer confirmed by phone")
    page.get_by_role("form", name=f"Decide payment {first.public_id}").get_by_role("button", name="Approve").click()
    expect(page.locator(".message.success")).to_contain_text(f"Payment {first.public_id}")
    expect(page.locator(".message.success")).to_contain_text("approved")

    form = page.get_by_role("form", name=f"Decide payment {second.public_id}")
    form.get_by_role("button", name="Reject").click()  # without a note: the browser asks for one
    form.get_by_label("Note").fill("card reported stolen")
    form.get_by_role("button", name="Reject").click()
    expect(page.locator(".message.success")).to_contain_text("rejected")
    expect(page.get_by_text("Nothing to review")).to_be_visible()

    # the list refreshes by itself: a payment held now appears without a reload
    third = _payment(merchant, "4000000000004954", 999)
    expect(page.get_by_role("link", name=third.public_id)).to_be_visible(timeout=10_000)

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.review_note) == (PaymentStatus.CAPTURED, "customer confirmed by phone")
    assert (second.status, second.failure_reason) == (PaymentStatus.FAILED, "REVIEW_REJECTED")
    # the ledger and the events follow the decisions: the approved one is captured and booked
    assert sorted(first.ledger_entries.values_list("type", "amount")) == [("capture", 2599), ("fee", -105)]
    assert not second.ledger_entries.exists()
    assert {"payment.captured"} <= set(first.events.values_list("type", flat=True))
    assert "payment.failed" in set(second.events.values_list("type", flat=True))

    page.get_by_role("link", name="Payments").click()
    _shot(page, "payments")
    page.goto(f"{live_server.url}/ops/payments/{second.public_id}/")
    _shot(page, "payment")
    assert errors == []


def test_admin_deactivates_a_merchant_and_its_api_key_answers_401_then_reactivates(
    browser: Browser, live_server, merchant: Merchant, admin_user: User
) -> None:
    _payment(merchant, "4242424242424242", 2599)
    headers = {"X-Api-Key": merchant.api_key_id or "", "X-Api-Secret": merchant.api_secret}
    me = f"{live_server.url}/paygate/api/v1/me/"
    page = _log_in(browser, live_server, "admin@ops.example")
    assert page.request.get(me, headers=headers).status == 200

    page.get_by_role("link", name="Merchants").click()
    _shot(page, "merchants")
    page.get_by_role("link", name=merchant.business_name).click()
    page.get_by_text("Deactivate merchant…").click()  # it says what will happen first
    expect(page.get_by_text("Its API key, logins and refresh tokens stop working at once.")).to_be_visible()
    page.get_by_role("button", name="Deactivate merchant", exact=True).click()
    expect(page.locator(".message.success")).to_contain_text("deactivated")
    _shot(page, "merchant")
    assert page.request.get(me, headers=headers).status == 401

    page.get_by_role("button", name="Reactivate merchant").click()
    expect(page.locator(".message.success")).to_contain_text("reactivated")
    assert page.request.get(me, headers=headers).status == 200

    page.get_by_role("link", name="Providers").click()
    _shot(page, "providers")
    page.get_by_role("link", name="Users").click()
    _shot(page, "users")


def test_a_merchant_gets_403_on_the_ops_console(browser: Browser, live_server, merchant: Merchant) -> None:
    page = _log_in(browser, live_server, "owner@shop.example")
    expect(page).to_have_url(f"{live_server.url}/portal/")

    response = page.goto(f"{live_server.url}/ops/")

    assert response is not None and response.status == 403


def test_admin_puts_a_provider_in_outage_and_the_next_payment_falls_back(
    browser: Browser, live_server, merchant: Merchant, admin_user: User
) -> None:
    # given: the provider that took the last payment
    first = _payment(merchant, "4242424242424242", 1200)
    profile = ProviderProfile.objects.get(name=first.provider)
    page = _log_in(browser, live_server, admin_user.email)
    page.goto(f"{live_server.url}/ops/providers/")
    controls = page.locator("form").filter(has=page.get_by_role("button", name=f"Save {profile.display_name}"))

    # when: the admin switches it to an outage
    controls.get_by_label("Outage (every attempt fails softly)").check()
    controls.get_by_role("button", name=f"Save {profile.display_name}").click()
    expect(page.locator(".messages .message").first).to_contain_text("in outage")
    after = _payment(merchant, "4242424242424242", 1300)

    # then: it was tried first, failed softly, and another provider took the payment
    attempts = list(after.attempts.order_by("sequence"))
    assert after.status == PaymentStatus.CAPTURED and after.provider != profile.name
    assert (attempts[0].provider, attempts[0].error_code) == (profile.name, "PROVIDER_UNAVAILABLE")
    assert attempts[-1].fallback
    # the payment's page shows the failed try and the fallback that took it
    page.goto(f"{live_server.url}/ops/payments/{after.public_id}/")
    expect(page.get_by_text("PROVIDER_UNAVAILABLE").first).to_be_visible()
    expect(page.locator(".badge.warn", has_text="fallback")).to_have_count(1)
    page.goto(f"{live_server.url}/ops/providers/")
    expect(page.get_by_text("fell back to another provider since the outage began")).to_be_visible()
    _shot(page, "providers-outage")

    # and back up again
    controls = page.locator("form").filter(has=page.get_by_role("button", name=f"Save {profile.display_name}"))
    controls.get_by_label("Outage (every attempt fails softly)").uncheck()
    controls.get_by_role("button", name=f"Save {profile.display_name}").click()
    expect(page.locator(".messages .message").first).to_contain_text("up")
    assert not ProviderProfile.objects.get(pk=profile.pk).outage


def test_finance_exports_the_filtered_payments_as_csv(
    browser: Browser, live_server, merchant: Merchant, finance_user: User
) -> None:
    import csv
    import io

    captured = _payment(merchant, "4242424242424242", 2599)
    declined = _payment(merchant, "4000000000000002", 1000)
    page = _log_in(browser, live_server, finance_user.email)
    page.goto(f"{live_server.url}/ops/payments/?status=failed")

    with page.expect_download() as download:
        page.get_by_role("link", name="Export payments as CSV").click()

    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text())))
    assert [row["payment_id"] for row in rows] == [declined.public_id]
    assert (rows[0]["status"], rows[0]["amount_minor"], rows[0]["amount"], rows[0]["currency"]) == (
        "failed", "1000", "10.00", "USD"
    )  # fmt: skip
    assert captured.public_id not in Path(download.value.path()).read_text()
