"""Page-number pagination of the server-rendered lists."""

from __future__ import annotations

import pytest
from django.http import QueryDict

from merchants.models import User
from tests.factories import UserFactory
from ui.paging import Page, paginate

pytestmark = pytest.mark.django_db


def test_pages_know_their_neighbours_without_trusting_the_total() -> None:
    UserFactory.create_batch(5)

    first = paginate(User.objects.order_by("email"), QueryDict("limit=20"))
    middle = paginate(User.objects.order_by("email"), QueryDict("limit=2&page=2"))
    last = paginate(User.objects.order_by("email"), QueryDict("limit=2&page=3"))

    assert (first.total, first.next, first.previous, first.describe()) == (5, None, None, "1–5 of 5")
    assert (middle.next, middle.previous, middle.describe()) == (3, 1, "3–4 of 5")
    assert (len(last.rows), last.next, last.describe()) == (1, None, "5–5 of 5")


def test_an_estimated_total_says_about() -> None:
    page = Page(rows=[1] * 20, number=3, limit=20, total=123_456, has_next=True, total_is_estimate=True)

    assert page.describe() == "41–60 of about 123,456"
    assert page.next == 4
