"""List pagination: page numbers up to a cap, signed keyset cursors, bounded counts."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.db.models import QuerySet
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.test import APIClient, APIRequestFactory

from merchants.models import User
from paygate.lib import pagination
from paygate.lib.api import ApiError, ErrorCode
from paygate.lib.pagination import ListPagination, count_rows
from tests.conftest import API
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def page(query: str, queryset: QuerySet | None = None) -> tuple[dict, list[User]]:
    paginator = ListPagination()
    request = Request(APIRequestFactory().get(f"/x/?{query}"))
    rows = paginator.paginate_queryset(User.objects.order_by("email") if queryset is None else queryset, request)
    return paginator.get_paginated_response([u.email for u in rows]).data, rows


def query_of(link: str) -> str:
    return urlsplit(link).query


def walk(queryset: QuerySet, limit: int) -> list[str]:
    """Every row, page 1 then following `next` to the end."""
    body, _ = page(f"limit={limit}", queryset)
    seen = list(body["results"])
    while body["next"]:
        body, _ = page(query_of(body["next"]), queryset)
        seen += body["results"]
    return seen


def test_pages_answer_results_page_limit_total_and_links() -> None:
    UserFactory.create_batch(25)

    body, _ = page("page=2&limit=10")

    assert (body["page"], body["limit"], body["total"], body["total_is_estimate"]) == (2, 10, 25, False)
    assert body["results"] == [u.email for u in User.objects.order_by("email")[10:20]]
    assert "cursor=" in body["next"] and "page" not in parse_qs(query_of(body["next"]))
    assert parse_qs(query_of(body["previous"])) == {"limit": ["10"]}  # page 1, by number


def test_defaults_and_past_the_end() -> None:
    UserFactory.create_batch(3)

    first, rows = page("")
    beyond, empty = page("page=9")

    assert (first["page"], first["limit"], len(rows), first["next"], first["previous"]) == (1, 20, 3, None, None)
    assert empty == [] and beyond["total"] == 3 and beyond["next"] is None


@pytest.mark.parametrize("ordering", ["email", "-email", "-created_at", "created_at", "pk"])
def test_following_next_reads_every_row_once_in_order(ordering: str) -> None:
    UserFactory.create_batch(23)
    queryset = User.objects.order_by(ordering)

    seen = walk(queryset, limit=5)

    assert seen == [u.email for u in queryset.order_by(ordering, "pk")]


def test_previous_goes_back_to_the_same_rows() -> None:
    UserFactory.create_batch(17)
    first, _ = page("limit=5")
    second, _ = page(query_of(first["next"]))
    third, _ = page(query_of(second["next"]))

    back, _ = page(query_of(third["previous"]))
    start, _ = page(query_of(back["previous"]))

    assert back["results"] == second["results"] and back["page"] is None
    assert start["results"] == first["results"] and start["previous"] is None
    assert page(query_of(start["next"]))[0]["results"] == second["results"]


def test_rows_inserted_between_pages_are_neither_repeated_nor_skipped() -> None:
    # given the newest-first list read one page at a time
    UserFactory.create_batch(12)
    newest_first = User.objects.order_by("-created_at")
    expected = [u.email for u in newest_first.order_by("-created_at", "-pk")]
    body, _ = page("limit=5", newest_first)
    seen = list(body["results"])
    # when new rows arrive (at the top) before each next page is read
    while body["next"]:
        UserFactory.create_batch(2)
        body, _ = page(query_of(body["next"]), newest_first)
        seen += body["results"]

    # then the pages hold the rows that were there, once each and in order
    assert seen == expected


def test_a_tampered_or_foreign_cursor_is_a_validation_error() -> None:
    UserFactory.create_batch(4)
    cursor = parse_qs(query_of(page("limit=2")[0]["next"]))["cursor"][0]

    with pytest.raises(ValidationError) as tampered:
        page(f"cursor={cursor[:-2]}xx")
    with pytest.raises(ValidationError) as other_sort:
        page(f"cursor={cursor}", User.objects.order_by("-email"))
    with pytest.raises(ValidationError) as both:
        page(f"cursor={cursor}&page=2")

    assert "cursor" in tampered.value.detail and "cursor" in other_sort.value.detail
    assert "page" in both.value.detail


def test_page_numbers_stop_at_the_cap() -> None:
    UserFactory.create_batch(2)

    page("page=500&limit=20")  # 10,000 rows deep: allowed
    with pytest.raises(ApiError) as deep:
        page("page=501&limit=20")

    assert deep.value.error is ErrorCode.PAGE_TOO_DEEP
    assert deep.value.meta == {"max_rows": 10_000, "max_page": 500, "use": "cursor"}
    assert "cursor" in deep.value.message


@pytest.mark.parametrize("query", ["limit=101", "limit=0", "page=0", "page=abc", "limit=-5"])
def test_bad_page_or_limit_is_a_validation_error(query: str) -> None:
    with pytest.raises(ValidationError):
        page(query)


def test_count_is_exact_up_to_the_bound_and_exact_beyond_it_on_sqlite() -> None:
    if connection.vendor != "sqlite":
        pytest.skip("SQLite counts exactly; PostgreSQL's counts are tested below")
    UserFactory.create_batch(7)

    assert count_rows(User.objects.all(), exact_up_to=10) == (7, False)
    assert count_rows(User.objects.all(), exact_up_to=5) == (7, False)


@pytest.mark.postgres
def test_count_beyond_the_bound_is_the_planners_estimate_on_a_large_postgresql_table(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    UserFactory.create_batch(7)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {User._meta.db_table}")

    small = count_rows(User.objects.all(), exact_up_to=5)
    monkeypatch.setattr(pagination, "SMALL_TABLE", 3)  # as if the table were large
    large = count_rows(User.objects.all(), exact_up_to=5)
    few = count_rows(User.objects.filter(email="user-nobody@example.com"), exact_up_to=5)

    assert small == (7, False)  # a small table is counted
    assert large[1] is True and large[0] >= 6
    assert few == (0, False)  # a small estimate is checked by counting


def test_a_deep_page_answers_400_pointing_to_the_cursor(admin_api: APIClient) -> None:
    response = admin_api.get(f"{API}/payments/?page=2000&limit=20")

    body = response.json()
    assert response.status_code == 400
    assert body["exception"]["code"] == 1035 and "cursor" in body["exception"]["message"]
    assert body["exception"]["meta"]["max_page"] == 500


def test_a_tampered_cursor_answers_the_validation_envelope(admin_api: APIClient) -> None:
    response = admin_api.get(f"{API}/payments/?cursor=not-a-cursor")

    assert response.status_code == 400
    assert response.json()["exception"]["code"] == 1008
    assert "cursor" in response.json()["exception"]["meta"]["fields"]
