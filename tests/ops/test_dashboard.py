"""The ops dashboard shows, for its period, the figures the analytics API answers for it."""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.test import APIClient

from tests.conftest import API
from ui.periods import PeriodForm, period_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def payments(paid, in_review, outsider_api) -> None:
    paid(2599, "GBP")
    paid(1000, "USD")
    paid(5000, "USD", "4000000000000002")  # declined
    in_review()


def _api(api: APIClient, path: str, period) -> dict:
    response = api.get(f"{API}/{path}", {"since": period.since.isoformat(), "until": period.until.isoformat()})
    assert response.status_code == 200, response.json()
    return response.json()["data"]


@pytest.mark.parametrize("choice", ["today", "7d", "30d"])
def test_every_figure_equals_the_analytics_api(choice: str, payments, finance: Client, finance_api: APIClient) -> None:
    # given
    form = PeriodForm({"period": choice})
    period = period_of(form, default="7d")

    # when
    context = finance.get("/ops/", {"period": choice}).context

    # then
    stats = _api(finance_api, "admin/stats/", period)
    summary = _api(finance_api, "analytics/summary/", period)
    volume = _api(finance_api, "analytics/payment-volume/", period)["currencies"]
    days = _api(finance_api, "analytics/timeseries/", period)["days"]
    statuses = _api(finance_api, "analytics/payment-status/", period)["statuses"]
    for name in ("merchants", "payments", "successful_payments", "failed_payments", "refunds", "orders"):
        assert context["stats"][name] == stats[name], name
    assert context["stats"]["payments"] == 4
    assert context["summary"]["success_rate"] == summary["success_rate"]
    assert context["summary"]["fallback"] == summary["fallback"]
    assert context["reasons"] == summary["failure_reasons"]
    assert sorted((r["currency"], r["payments"], r["captured"], r["net"]) for r in context["volume"]) == sorted(
        (r["currency"], r["payments"], r["captured"], r["net"]) for r in volume
    )
    assert [row[1] for row in context["charts"]["payments"].rows] == [str(d["payments"]) for d in days]
    assert [(s, str(c)) for s, c in context["charts"]["statuses"].rows] == [
        (s["status"].replace("_", " "), str(s["count"])) for s in statuses if s["count"]
    ]


def test_dashboard_shows_the_figures(payments, admin: Client) -> None:
    html = admin.get("/ops/").content.decode()

    assert "Fallback rate" in html and "Top failure reasons" in html and "CARD_DECLINED" in html


def test_a_custom_period_with_reversed_dates_shows_the_error_beside_the_field(admin: Client) -> None:
    response = admin.get("/ops/", {"period": "custom", "since": "2026-03-10", "until": "2026-03-01"})

    assert response.status_code == 200
    assert response.context["period"].key == "7d"  # the default
    assert "The end date is before the start date." in response.content.decode()
    assert 'value="2026-03-10"' in response.content.decode()


def test_dashboard_query_count_is_held(payments, admin: Client, django_assert_max_num_queries) -> None:
    # session, user, then 9 reads; the rest are the savepoints (and on PostgreSQL the planner
    # settings) the analytics selectors wrap their reads in
    with django_assert_max_num_queries(29):
        admin.get("/ops/")
