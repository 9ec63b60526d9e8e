"""Filters, search, sorting and pagination on the lists, without N+1 queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from tests.conftest import API
from tests.payments.conftest import create_order, pay

PAYMENTS = f"{API}/payments/"


@pytest.fixture
def mixed(merchant_api: APIClient, outsider_api: APIClient) -> dict[str, dict]:
    made = {
        "gbp_ok": pay(merchant_api, create_order(merchant_api, 2599, "GBP", receipt="inv_1")["id"]),
        "usd_declined": pay(
            merchant_api,
            create_order(merchant_api, 9000, "USD")["id"],
            "4000000000000002",
            customer={"name": "Bo Chen", "email": "bo@example.com", "country": "US"},
        ),
        "eur_ok": pay(
            merchant_api,
            create_order(merchant_api, 500, "EUR")["id"],
            "5555555555554444",
            customer={"name": "Zoe", "email": "zoe@example.com", "country": "DE"},
        ),
        "inr_upi": merchant_api.post(
            PAYMENTS,
            {
                "order_id": create_order(merchant_api, 10000, "INR")["id"],
                "method": "upi",
                "vpa": "success@paygate",
                "customer": {"country": "IN"},
            },
            format="json",
        ).json()["data"],
    }
    made["theirs"] = pay(outsider_api, create_order(outsider_api)["id"])
    return made


def ids(api: APIClient, query: str) -> list[str]:
    response = api.get(f"{PAYMENTS}?{query}")
    assert response.status_code == 200, response.json()
    return [p["id"] for p in response.json()["data"]["results"]]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=failed", ["usd_declined"]),
        ("currency=EUR", ["eur_ok"]),
        ("region=apac", ["inr_upi"]),
        ("method=upi", ["inr_upi"]),
        ("amount_min=2599&amount_max=9000", ["usd_declined", "gbp_ok"]),
        ("q=bo@example.com", ["usd_declined"]),
        ("q=Zoe", ["eur_ok"]),
        ("q=inv_1", ["gbp_ok"]),
        ("q=4444", ["eur_ok"]),
        ("sort=created", ["gbp_ok", "usd_declined", "eur_ok", "inr_upi"]),
        ("sort=-created&limit=2", ["inr_upi", "eur_ok"]),
        ("sort=-created&limit=2&page=2", ["usd_declined", "gbp_ok"]),
        ("currency=EUR&sort=-amount", ["eur_ok"]),
    ],
)
def test_payment_filters_search_and_sort(merchant_api: APIClient, mixed: dict, query: str, expected: list[str]) -> None:
    assert ids(merchant_api, query) == [mixed[name]["id"] for name in expected]


def test_search_by_payment_and_order_id(merchant_api: APIClient, mixed: dict) -> None:
    payment = mixed["gbp_ok"]

    assert ids(merchant_api, f"q={payment['id']}") == [payment["id"]]
    assert ids(merchant_api, f"q={payment['order_id']}") == [payment["id"]]


def test_provider_filter(merchant_api: APIClient, mixed: dict) -> None:
    provider = mixed["gbp_ok"]["provider"]

    assert mixed["gbp_ok"]["id"] in ids(merchant_api, f"provider={provider}")
    assert ids(merchant_api, "provider=nobody") == []


def test_date_range_filter(merchant_api: APIClient, mixed: dict) -> None:
    assert len(ids(merchant_api, "created_after=2000-01-01T00:00:00Z")) == 4
    assert ids(merchant_api, "created_before=2000-01-01T00:00:00Z") == []


def test_merchant_filter_is_for_operators_and_merchants_stay_scoped(
    merchant_api: APIClient, finance_api: APIClient, mixed: dict, outsider
) -> None:
    assert ids(finance_api, f"merchant_id={outsider.public_id}") == [mixed["theirs"]["id"]]
    assert ids(merchant_api, f"merchant_id={outsider.public_id}") == []
    assert len(ids(finance_api, "limit=100")) == 5


@pytest.mark.parametrize(
    "query",
    [
        "status=teleported",
        "currency=XXX",
        "amount_min=abc",
        "created_after=yesterday",
        "sort=colour",
        "limit=500",
        "page=0",
    ],
)
def test_bad_filters_are_400(merchant_api: APIClient, query: str) -> None:
    response = merchant_api.get(f"{PAYMENTS}?{query}")

    assert response.status_code == 400
    assert response.json()["exception"]["code"] == 1008


def test_payment_list_has_no_n_plus_one(merchant_api: APIClient) -> None:
    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert merchant_api.get(f"{PAYMENTS}?limit=100").status_code == 200
        return len(queries)

    pay(merchant_api, create_order(merchant_api)["id"])
    few = count_queries()
    for _ in range(6):
        pay(merchant_api, create_order(merchant_api)["id"], "4000000000003253")

    assert count_queries() == few


@pytest.mark.parametrize("path", ["orders/", "refunds/", "ledger/", "payouts/", "events/"])
def test_other_lists_have_no_n_plus_one(merchant_api: APIClient, path: str) -> None:
    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert merchant_api.get(f"{API}/{path}?limit=100").status_code == 200
        return len(queries)

    from tests.payments.conftest import paid_payment

    def activity() -> None:
        payment = paid_payment(merchant_api, 5000)
        merchant_api.post(f"{API}/refunds/", {"payment_id": payment["id"], "amount": 100}, format="json")
        merchant_api.post(f"{API}/payouts/", {"amount": 100, "currency": "GBP"}, format="json")

    activity()
    few = count_queries()
    activity()
    activity()

    assert count_queries() == few


def test_events_list_filters_by_type_and_object(merchant_api: APIClient, outsider_api: APIClient, mixed: dict) -> None:
    captured = merchant_api.get(f"{API}/events/?type=payment.captured").json()["data"]
    for_one = merchant_api.get(f"{API}/events/?object_id={mixed['gbp_ok']['id']}").json()["data"]["results"]

    assert captured["total"] == 3
    assert {e["type"] for e in for_one} == {"payment.created", "payment.authorized", "payment.captured"}
    event_id = for_one[0]["id"]
    assert outsider_api.get(f"{API}/events/{event_id}/").status_code == 404
    assert merchant_api.get(f"{API}/events/{event_id}/").json()["data"]["data"]["id"] == mixed["gbp_ok"]["id"]


@pytest.mark.parametrize(
    "query",
    [
        "created_after=0778-11-08T14%3A27%3A10%2B21%3A30",  # an offset no database accepts
        "created_after=0001-01-01T00:00:00%2B01:00",  # before year 1 once in UTC
        "created_before=9999-12-31T23:59:59-05:00",  # after year 9999 once in UTC
    ],
)
@pytest.mark.parametrize("path", ["payments/", "refunds/", "ledger/", "events/", "orders/", "payouts/"])
def test_dates_at_the_edges_of_time_are_400_not_500(merchant_api: APIClient, path: str, query: str) -> None:
    response = merchant_api.get(f"{API}/{path}?{query}")

    assert response.status_code == 400
    assert response.json()["exception"]["code"] == 1008


def test_dates_with_offsets_are_compared_in_utc(merchant_api: APIClient, mixed: dict) -> None:
    assert len(ids(merchant_api, "created_after=2000-01-01T05:00:00%2B05:00")) == 4


def test_events_filter_by_currency_is_not_offered(merchant_api: APIClient) -> None:
    # events span several currencies' objects; an unknown filter is ignored, never a 500
    assert merchant_api.get(f"{API}/events/?currency=AUD").status_code == 200


def walk(api: APIClient, url: str) -> list[str]:
    """Every id of a list, page 1 then its `next` links to the end."""
    body = api.get(url).json()["data"]
    seen = [row["id"] for row in body["results"]]
    while body["next"]:
        response = api.get(body["next"])
        assert response.status_code == 200, response.json()
        body = response.json()["data"]
        assert body["page"] is None
        seen += [row["id"] for row in body["results"]]
    return seen


@pytest.mark.parametrize("sort", ["", "created", "-created", "amount", "-amount"])
def test_following_next_reads_every_payment_once_in_each_sort(merchant_api: APIClient, mixed: dict, sort: str) -> None:
    for amount in (700, 2599, 120):  # GBP beside gbp_ok, one amount twice (ties go by id)
        pay(merchant_api, create_order(merchant_api, amount, "GBP")["id"])
    pay(merchant_api, create_order(merchant_api, 2599, "GBP")["id"])
    everything = ids(merchant_api, f"limit=100&currency=GBP&sort={sort}")

    assert walk(merchant_api, f"{PAYMENTS}?limit=2&currency=GBP&sort={sort}") == everything
    assert len(everything) == 5
    if sort.endswith("amount"):
        amounts = [
            p["amount"] for p in merchant_api.get(f"{PAYMENTS}?currency=GBP&sort={sort}").json()["data"]["results"]
        ]
        assert amounts == sorted(amounts, reverse=sort.startswith("-"))


@pytest.mark.parametrize("path", ["payments/", "orders/", "refunds/", "payouts/"])
def test_sorting_by_amount_without_a_currency_is_refused(merchant_api: APIClient, path: str) -> None:
    refused = merchant_api.get(f"{API}/{path}?sort=-amount")

    assert refused.status_code == 400
    assert refused.json()["exception"]["code"] == 1008
    assert "currency" in refused.json()["exception"]["meta"]["fields"]["sort"][0]
    assert merchant_api.get(f"{API}/{path}?sort=-amount&currency=GBP").status_code == 200


def test_cursor_keeps_the_filters_and_scope(merchant_api: APIClient, finance_api: APIClient, mixed: dict) -> None:
    assert walk(merchant_api, f"{PAYMENTS}?limit=1&status=captured&sort=created") == [
        mixed["gbp_ok"]["id"], mixed["eur_ok"]["id"], mixed["inr_upi"]["id"],
    ]  # fmt: skip
    assert mixed["theirs"]["id"] not in walk(merchant_api, f"{PAYMENTS}?limit=2")
    assert mixed["theirs"]["id"] in walk(finance_api, f"{PAYMENTS}?limit=2")


def test_orders_created_while_paging_are_neither_repeated_nor_skipped(merchant_api: APIClient) -> None:
    made = [create_order(merchant_api, 1000 + n)["id"] for n in range(7)]
    body = merchant_api.get(f"{API}/orders/?limit=3").json()["data"]
    seen = [row["id"] for row in body["results"]]

    while body["next"]:
        create_order(merchant_api, 5000)  # a new order at the top of the newest-first list
        body = merchant_api.get(body["next"]).json()["data"]
        seen += [row["id"] for row in body["results"]]

    assert seen == list(reversed(made))


def test_previous_link_of_a_cursor_page_goes_back(merchant_api: APIClient, mixed: dict) -> None:
    first = merchant_api.get(f"{PAYMENTS}?limit=2").json()["data"]
    second = merchant_api.get(first["next"]).json()["data"]

    back = merchant_api.get(second["previous"]).json()["data"]

    assert [p["id"] for p in back["results"]] == [p["id"] for p in first["results"]]
    assert back["previous"] is None and second["next"] is None


def test_a_cursor_from_another_sort_is_400(merchant_api: APIClient, mixed: dict) -> None:
    following = merchant_api.get(f"{PAYMENTS}?limit=1&sort=created").json()["data"]["next"]

    response = merchant_api.get(following.replace("sort=created", "sort=-created"))

    assert response.status_code == 400
    assert "sort order" in response.json()["exception"]["meta"]["fields"]["cursor"][0]
