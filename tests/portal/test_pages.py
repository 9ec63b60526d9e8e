"""What each portal page shows, from the same selectors as the API, with a bounded query count."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from tests.conftest import API
from tests.payments.conftest import create_order, pay

pytestmark = pytest.mark.django_db


def html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


@pytest.fixture
def history(merchant_api: APIClient) -> list[dict[str, Any]]:
    """Payments in three currencies, one declined, one refunded in part."""
    made = [
        pay(merchant_api, create_order(merchant_api, 2599, "GBP", receipt="inv_1")["id"]),
        pay(merchant_api, create_order(merchant_api, 1500, "JPY")["id"]),
        pay(merchant_api, create_order(merchant_api, 1250, "KWD")["id"]),
        pay(merchant_api, create_order(merchant_api, 999, "GBP")["id"], "4000000000000002"),
    ]
    merchant_api.post(f"{API}/refunds/", {"payment_id": made[0]["id"], "amount": 500}, format="json")
    return made


def test_the_dashboard_shows_the_apis_figures(portal: Client, merchant_api: APIClient, history) -> None:
    stats = merchant_api.get(f"{API}/merchants/stats/").json()["data"]

    page = html(portal.get("/portal/?period=30d"))

    assert f"<dd>{stats['payments']}</dd>" in page
    assert f"{stats['successful_payments']} successful · {stats['failed_payments']} failed" in page
    rate = stats["successful_payments"] / (stats["successful_payments"] + stats["failed_payments"])
    assert f"{rate * 100:.1f} %" in page
    assert f"<dt>Refunds</dt><dd>{stats['refunds']}</dd>" in page
    for amount in ("£25.99", "¥1,500", "KD 1.250", "£5.00"):  # captured per currency, and the refund
        assert amount in page
    balance = {row["currency"]: row["available"] for row in merchant_api.get(f"{API}/balance/").json()["data"]}
    assert balance["GBP"] == 2599 - 105 - 500  # amount − fee (2.9 % + 30) − refund
    assert "£19.94" in page


def test_the_dashboard_charts_the_payments_per_currency_as_the_api_counts_them(
    portal: Client, merchant_api: APIClient, history
) -> None:
    rows = merchant_api.get(f"{API}/analytics/payment-volume/").json()["data"]["currencies"]
    assert len(rows) >= 3

    page = html(portal.get("/portal/?period=30d"))

    assert 'aria-label="Payments by currency"' in page
    for row in rows:  # a bar per currency, titled with its count
        assert f"<title>{row['currency']}: {row['payments']}</title>" in page


@pytest.mark.parametrize("period", ["today", "7d", "30d"])
def test_the_dashboard_periods(portal: Client, history, period: str) -> None:
    page = html(portal.get(f"/portal/?period={period}"))

    assert 'aria-current="true"' in page and "Payments per day" in page


def test_a_custom_period_with_reversed_dates_says_so(portal: Client) -> None:
    page = html(portal.get("/portal/?period=custom&since=2026-05-10&until=2026-05-01"))

    assert "The end date is before the start date." in page


def test_the_payments_list_filters_like_the_api(portal: Client, merchant_api: APIClient, history) -> None:
    failed = html(portal.get("/portal/payments/?status=failed"))
    jpy = html(portal.get("/portal/payments/?currency=JPY"))
    by_receipt = html(portal.get("/portal/payments/?q=inv_1"))
    by_amount = html(portal.get("/portal/payments/?currency=GBP&amount_min=20&amount_max=30"))

    assert history[3]["id"] in failed and history[0]["id"] not in failed
    assert history[1]["id"] in jpy and history[0]["id"] not in jpy
    assert history[0]["id"] in by_receipt and history[2]["id"] not in by_receipt
    assert history[0]["id"] in by_amount and history[3]["id"] not in by_amount


def test_a_bad_filter_is_named_and_the_rest_still_apply(portal: Client, history) -> None:
    page = html(portal.get("/portal/payments/?currency=JPY&amount_min=1.5"))

    assert "JPY amounts have at most 0 decimal places" in page
    assert history[1]["id"] in page and history[0]["id"] not in page


def test_the_payments_list_sorts_and_pages(portal: Client, history) -> None:
    page = html(portal.get("/portal/payments/?sort=amount_desc&currency=GBP&limit=20"))
    ids = [history[0]["id"], history[3]["id"]]  # the GBP payments, 2,599 then 999

    assert page.index(ids[0]) < page.index(ids[1])
    assert "1–2 of 2" in page


def test_sorting_by_amount_asks_for_a_currency(portal: Client, history) -> None:
    page = html(portal.get("/portal/payments/?sort=amount_desc"))

    assert "Choose a currency to sort by amount" in page
    assert "1–4 of 4" in page and page.index(history[3]["id"]) < page.index(history[0]["id"])  # newest first


def test_htmx_gets_only_the_table(portal: Client, history) -> None:
    response = portal.get("/portal/payments/?status=failed", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="payments-table")

    page = html(response)
    assert "<html" not in page and history[3]["id"] in page


def test_the_payment_detail_shows_amounts_customer_attempts_refunds_and_timeline(portal: Client, history) -> None:
    page = html(portal.get(f"/portal/payments/{history[0]['id']}/"))

    for text in ("£25.99", "Ava Reed", "ava@example.com", "Visa ···· 4242", "Stripe", "payment.captured",
                 "refund.created", "£20.99 can still be refunded", "Refund payment"):  # fmt: skip
        assert text in page, text
    assert "Capture payment" not in page and "Retry payment" not in page


def test_the_order_pages(portal: Client, history) -> None:
    listing = html(portal.get("/portal/orders/?currency=KWD"))
    detail = html(portal.get(f"/portal/orders/{history[2]['order_id']}/"))

    assert history[2]["order_id"] in listing and "KD 1.250" in listing
    assert history[2]["id"] in detail


def test_the_balance_page_shows_the_ledger_with_before_and_after(portal: Client, history) -> None:
    page = html(portal.get("/portal/balance/?currency=GBP"))

    assert "£24.94" in page and "£19.94" in page  # the capture's after, then the refund's after
    assert "Request payout" in page


def test_the_ledger_currency_filter_has_a_visible_label(portal: Client, history) -> None:
    page = html(portal.get("/portal/balance/?currency=GBP"))

    assert '<label for="ledger-currency">Ledger currency</label>' in page
    assert 'class="visually-hidden"' not in page.split('id="ledger-h"')[1]
    assert '<option value="GBP" selected>GBP</option>' in page
    assert '<button type="submit">Show ledger</button>' in page  # works without JavaScript too


def queries(client: Client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    ("url", "budget"),
    [
        ("/portal/", 30),
        ("/portal/payments/", 8),
        ("/portal/orders/", 8),
        ("/portal/balance/", 10),
        ("/portal/developers/", 10),
        ("/portal/account/", 6),
    ],
)
def test_page_queries_do_not_grow_with_the_rows(portal: Client, merchant_api: APIClient, url: str, budget: int) -> None:
    pay(merchant_api, create_order(merchant_api)["id"])
    few = queries(portal, url)
    for currency in ("GBP", "USD", "EUR", "JPY", "INR"):
        pay(merchant_api, create_order(merchant_api, 5000, currency)["id"])

    many = queries(portal, url)

    assert many == few and many <= budget, (few, many)


def test_a_payment_detail_query_count_is_bounded(portal: Client, paid, django_assert_max_num_queries) -> None:
    with django_assert_max_num_queries(14):
        assert portal.get(f"/portal/payments/{paid['id']}/").status_code == 200


def test_the_detail_opens_as_a_side_panel_from_the_list(portal: Client, paid) -> None:
    listing = html(portal.get("/portal/payments/"))
    panel = html(portal.get(f"/portal/payments/{paid['id']}/", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="payment-panel"))

    assert f'hx-get="/portal/payments/{paid["id"]}/" hx-target="#payment-panel"' in listing
    assert "<html" not in panel and "Open full page" in panel and "Refund payment" in panel
