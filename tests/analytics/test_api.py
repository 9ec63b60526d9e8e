"""The stats and analytics API: envelope, role matrix, scoping (404 for other merchants), errors."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from merchants.models import User
from tests.analytics.conftest import Dataset, as_client, payment
from tests.conftest import API
from tests.factories import MerchantFactory

pytestmark = pytest.mark.django_db

ANALYTICS = [
    "analytics/payment-volume/",
    "analytics/provider-latency/",
    "analytics/payment-status/",
    "analytics/provider-success/",
    "analytics/failure-reasons/",
    "analytics/timeseries/",
    "analytics/summary/",
]
OPERATOR_ONLY = ["admin/stats/", "admin/merchants/"]
MERCHANT_ONLY = ["merchants/stats/"]


def get(client: APIClient, path: str, **params: str) -> tuple[int, dict]:
    response = client.get(f"{API}/{path}", params)
    return response.status_code, response.json()


@pytest.mark.parametrize("path", ANALYTICS + OPERATOR_ONLY + MERCHANT_ONLY)
def test_anonymous_callers_are_refused(api: APIClient, path: str) -> None:
    status, body = get(api, path)

    assert status == 401
    assert body["exception"]["code"] == 1001


@pytest.mark.parametrize("path", ANALYTICS + MERCHANT_ONLY)
def test_merchants_reach_analytics_and_their_stats(merchant_api: APIClient, path: str) -> None:
    status, body = get(merchant_api, path)

    assert status == 200 and body["success"] is True


@pytest.mark.parametrize("path", OPERATOR_ONLY)
def test_merchants_are_forbidden_the_operator_stats(merchant_api: APIClient, path: str) -> None:
    status, body = get(merchant_api, path)

    assert status == 403
    assert body["exception"]["code"] == 1004


@pytest.mark.parametrize("role", ["admin", "finance"])
@pytest.mark.parametrize("path", ANALYTICS + OPERATOR_ONLY)
def test_operators_reach_analytics_and_operator_stats(
    role: str, path: str, admin_api: APIClient, finance_api: APIClient
) -> None:
    status, body = get(admin_api if role == "admin" else finance_api, path)

    assert status == 200 and body["success"] is True


@pytest.mark.parametrize("path", MERCHANT_ONLY)
def test_operators_are_forbidden_the_merchant_stats(admin_api: APIClient, finance_api: APIClient, path: str) -> None:
    assert get(admin_api, path)[0] == get(finance_api, path)[0] == 403


def test_api_key_callers_get_their_own_stats(merchant, dataset: Dataset) -> None:
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=merchant.api_key_id, HTTP_X_API_SECRET=merchant.api_secret)

    status, body = get(client, "merchants/stats/")

    assert status == 200
    assert body["data"]["merchant_id"] == merchant.public_id
    assert body["data"]["payments"] == 7


@pytest.mark.parametrize("path", ANALYTICS)
def test_a_merchant_naming_another_merchant_sees_nothing(dataset: Dataset, merchant_api: APIClient, path: str) -> None:
    other = get(merchant_api, path, merchant_id=dataset.outsider.public_id)
    unknown = get(merchant_api, path, merchant_id="mer_doesnotexist0000")

    assert other[0] == unknown[0] == 404
    assert other[1]["exception"]["code"] == unknown[1]["exception"]["code"] == 1009
    assert dataset.outsider.public_id not in str(other[1])


def test_a_merchant_naming_itself_gets_its_figures(dataset: Dataset, merchant_api: APIClient) -> None:
    status, body = get(merchant_api, "analytics/summary/", merchant_id=dataset.merchant.public_id)

    assert status == 200
    assert body["data"]["merchant_id"] == dataset.merchant.public_id
    assert body["data"]["total"] == 7


def test_the_outsider_sees_only_its_own_volume(dataset: Dataset, outsider_api: APIClient) -> None:
    _, body = get(outsider_api, "analytics/payment-volume/")

    assert body["data"]["merchant_id"] == dataset.outsider.public_id
    assert [(r["currency"], r["payments"], r["captured"]) for r in body["data"]["currencies"]] == [
        ("GBP", 1, 9999),
        ("USD", 1, 0),
    ]


def test_operators_see_everyone_or_the_merchant_they_name(dataset: Dataset, admin_api: APIClient) -> None:
    everyone = get(admin_api, "analytics/summary/")[1]["data"]
    one = get(admin_api, "analytics/summary/", merchant_id=dataset.outsider.public_id)[1]["data"]
    unknown = get(admin_api, "admin/stats/", merchant_id="mer_doesnotexist0000")

    assert (everyone["merchant_id"], everyone["total"]) == (None, 9)
    assert (one["merchant_id"], one["total"]) == (dataset.outsider.public_id, 2)
    assert unknown[0] == 404


def test_admin_stats_global_and_for_one_merchant(dataset: Dataset, finance_api: APIClient) -> None:
    everyone = get(finance_api, "admin/stats/")[1]["data"]
    one = get(finance_api, "admin/stats/", merchant_id=dataset.merchant.public_id)[1]["data"]

    assert {k: everyone[k] for k in ("merchants", "admins", "orders", "payments", "refunds", "failed_payments")} == {
        "merchants": 2, "admins": 0, "orders": 9, "payments": 9, "refunds": 2, "failed_payments": 3,
    }  # fmt: skip
    assert (one["merchants"], one["payments"], one["refunds"]) == (1, 7, 2)
    assert everyone["since"] is None and everyone["until"] is None  # stats are all-time by default


def test_merchant_stats_shape(dataset: Dataset, merchant_api: APIClient) -> None:
    data = get(merchant_api, "merchants/stats/")[1]["data"]

    assert {k: data[k] for k in ("orders", "payments", "successful_payments", "failed_payments", "refunds")} == {
        "orders": 7, "payments": 7, "successful_payments": 4, "failed_payments": 2, "refunds": 2,
    }  # fmt: skip
    assert [b["currency"] for b in data["balance"]] == ["EUR", "GBP", "USD"]
    assert all(isinstance(b["available"], int) for b in data["balance"])


def test_analytics_default_to_the_last_thirty_days(merchant_api: APIClient) -> None:
    data = get(merchant_api, "analytics/timeseries/")[1]["data"]

    assert len(data["days"]) == 31  # 30 × 24 h ending now touch 31 calendar days
    assert data["since"] < data["until"]


def test_dates_are_iso_8601_and_a_date_until_includes_its_day(dataset: Dataset, merchant_api: APIClient) -> None:
    data = get(merchant_api, "analytics/timeseries/", since="2026-01-01", until="2026-01-31")[1]["data"]

    assert data["since"] == "2026-01-01T00:00:00Z" and data["until"] == "2026-02-01T00:00:00Z"
    assert len(data["days"]) == 31


def test_a_reversed_range_is_refused_with_1019(merchant_api: APIClient, admin_api: APIClient) -> None:
    analytics = get(merchant_api, "analytics/summary/", since="2026-02-01T00:00:00Z", until="2026-01-01T00:00:00Z")
    stats = get(admin_api, "admin/stats/", since="2026-01-02", until="2026-01-01")

    assert analytics[0] == stats[0] == 400
    assert analytics[1]["exception"]["code"] == stats[1]["exception"]["code"] == 1019


def test_a_timeseries_longer_than_a_year_is_refused_with_1020(merchant_api: APIClient) -> None:
    status, body = get(merchant_api, "analytics/timeseries/", since="2024-01-01", until="2026-01-01")

    assert status == 400
    assert body["exception"]["code"] == 1020
    assert body["exception"]["meta"] == {"max_days": 366}


@pytest.mark.parametrize("params", [{"since": "yesterday"}, {"until": "2026-13-01"}, {"currency": "XXX"}])
def test_malformed_parameters_are_validation_errors(merchant_api: APIClient, params: dict[str, str]) -> None:
    status, body = get(merchant_api, "analytics/payment-volume/", **params)

    assert status == 400
    assert body["exception"]["code"] == 1008
    assert set(body["exception"]["meta"]["fields"]) == set(params)


def test_currency_filter(dataset: Dataset, merchant_api: APIClient) -> None:
    data = get(merchant_api, "analytics/provider-success/", currency="eur")[1]["data"]

    assert data["currency"] == "EUR"
    assert {r["currency"] for r in data["by_currency"]} == {"EUR"}
    assert sum(r["attempts"] for r in data["by_region"]) == 3  # the insufficient-funds try + the fallback's two


def test_admin_merchants_lists_merchants_with_their_stats(dataset: Dataset, admin_api: APIClient) -> None:
    status, body = get(admin_api, "admin/merchants/", limit="1")

    assert status == 200
    page = body["data"]
    assert (page["page"], page["limit"], page["total"]) == (1, 1, 2)
    (row,) = page["results"]
    assert row["id"] == dataset.outsider.public_id  # newest first
    assert (row["payments"], row["successful_payments"], row["failed_payments"]) == (2, 1, 1)
    assert row["volume"] == [{"currency": "GBP", "captured": 9999}]
    assert row["balance"] == [{"currency": "GBP", "available": 9999 - 320}]


def test_admin_merchants_makes_the_same_queries_for_any_page_size(
    dataset: Dataset, admin_user: User, client_for: Callable[[User], APIClient]
) -> None:
    for _ in range(3):
        merchant = MerchantFactory()
        payment(as_client(merchant.user), 1000, "GBP")
    admin = client_for(admin_user)

    def queries(limit: int) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert admin.get(f"{API}/admin/merchants/", {"limit": limit}).status_code == 200
        return len(captured)

    # (a page that holds the whole list skips the count: both sizes here leave rows for a next page)
    assert queries(1) == queries(3)


def test_analytics_responses_are_envelopes(merchant_api: APIClient) -> None:
    response = merchant_api.get(f"{API}/analytics/payment-status/")

    assert response["Content-Type"] == "application/json"
    assert set(response.json()) == {"success", "data"}
    assert len(response.json()["data"]["statuses"]) == 9


def test_schema_documents_the_stats_endpoints(api: APIClient) -> None:
    schema = api.get("/paygate/api/schema/", HTTP_ACCEPT="application/json").json()

    for path in ANALYTICS + OPERATOR_ONLY + MERCHANT_ONLY:
        operation = schema["paths"][f"/paygate/api/v1/{path}"]["get"]
        assert {"200", "400", "401", "403"} <= set(operation["responses"]), path
        assert {"since", "until", "currency"} <= {p["name"] for p in operation["parameters"]}, path
