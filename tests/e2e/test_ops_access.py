"""Who may do what in the ops console, in a browser: a merchant is refused every page and action,
and finance sees no admin-only control and is refused each one when it sends it anyway."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from merchants.models import Merchant, User
from payments.models import PaymentStatus, ProviderProfile
from tests.e2e.test_ops import _log_in, _payment, _providers  # noqa: F401 — the autouse fixture too
from tests.ops.test_access import ADMIN_ONLY, _urls

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _forged_post(page: Page, url: str) -> int:
    """A POST the page's own controls do not offer, with the session and a valid CSRF token."""
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    response = page.request.post(url, form={"note": "x", "decision": "approve"}, headers={"X-CSRFToken": token})
    return response.status


def test_a_merchant_is_refused_every_ops_page_and_action(
    browser: Browser, live_server, merchant: Merchant, admin_user: User
) -> None:
    payment = _payment(merchant, "4000000000004954", 2599)
    assert payment.status == PaymentStatus.REVIEW
    page = _log_in(browser, live_server, "owner@shop.example")
    expect(page).to_have_url(f"{live_server.url}/portal/")
    urls = _urls(payment, merchant, admin_user)

    for url in urls["get"]:
        response = page.goto(f"{live_server.url}{url}")
        assert response is not None and response.status == 403, url
    for url in urls["post"]:
        assert _forged_post(page, f"{live_server.url}{url}") == 403, url
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.REVIEW and not payment.deleted
    # The same forged request passes CSRF where the merchant may act: the 403s above were the role's.
    assert _forged_post(page, f"{live_server.url}/portal/developers/webhooks/test/") == 200


def test_finance_sees_no_admin_only_control_and_is_refused_each_one(
    browser: Browser, live_server, merchant: Merchant, admin_user: User, finance_user: User
) -> None:
    payment = _payment(merchant, "4242424242424242", 2599)
    page = _log_in(browser, live_server, "finance@ops.example")
    expect(page).to_have_url(f"{live_server.url}/ops/")

    page.goto(f"{live_server.url}/ops/payments/{payment.public_id}/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.get_by_role("button", name="Soft delete payment")).to_have_count(0)
    page.goto(f"{live_server.url}/ops/merchants/{merchant.public_id}/")
    expect(page.get_by_role("button", name="Deactivate merchant")).to_have_count(0)
    page.goto(f"{live_server.url}/ops/providers/")
    expect(page.get_by_text("Only admins change these.")).to_be_visible()
    expect(page.get_by_role("button", name="Save Stripe")).to_have_count(0)
    page.goto(f"{live_server.url}/ops/users/")
    expect(page.get_by_role("button", name="Create user")).to_have_count(0)

    admin_only = [url for url in _urls(payment, merchant, admin_user)["post"] if url.endswith(ADMIN_ONLY)]
    assert len(admin_only) == 7
    for url in admin_only:
        assert _forged_post(page, f"{live_server.url}{url}") == 403, url
    # The same forged request passes CSRF where finance may act: the 403s above were the role's.
    held = _payment(merchant, "4000000000004954", 4100)
    assert _forged_post(page, f"{live_server.url}/ops/review/{held.public_id}/decide/") == 200
    held.refresh_from_db()
    assert held.status != PaymentStatus.REVIEW
    payment.refresh_from_db()
    merchant.user.refresh_from_db()
    assert not payment.deleted and merchant.user.is_active and admin_user.is_active
    assert not ProviderProfile.objects.get(name="stripe").outage
