from __future__ import annotations

import pytest
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from merchants.models import User
from paygate.lib.api import PagePagination
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def page(query: str) -> tuple[PagePagination, list[User]]:
    paginator = PagePagination()
    request = Request(APIRequestFactory().get(f"/x/?{query}"))
    rows = paginator.paginate_queryset(User.objects.order_by("email"), request)
    return paginator, rows


def test_pages_answer_results_page_limit_and_total() -> None:
    UserFactory.create_batch(25)

    paginator, rows = page("page=2&limit=10")

    body = paginator.get_paginated_response([u.email for u in rows]).data
    assert body["page"] == 2 and body["limit"] == 10 and body["total"] == 25
    assert body["results"] == [u.email for u in User.objects.order_by("email")[10:20]]


def test_defaults_and_past_the_end() -> None:
    UserFactory.create_batch(3)

    first, rows = page("")
    beyond, empty = page("page=9")

    assert (first.page, first.limit, len(rows)) == (1, 20, 3)
    assert empty == [] and beyond.total == 3


def test_a_page_far_beyond_any_database_offset_is_just_empty() -> None:
    UserFactory.create_batch(2)

    paginator, rows = page("page=7083669142493545365504&limit=73")

    assert rows == [] and paginator.total == 2 and paginator.page == 7083669142493545365504


@pytest.mark.parametrize("query", ["limit=101", "limit=0", "page=0", "page=abc", "limit=-5"])
def test_bad_page_or_limit_is_a_validation_error(query: str) -> None:
    with pytest.raises(ValidationError):
        page(query)
