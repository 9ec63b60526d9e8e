"""Page-number pagination for server-rendered lists: `?page=&limit=` in the query string, the
same bounds as the API (limit ≤ 100), one slice and one bounded count per page (the API's
`count_rows`: exact up to 1,000 rows, PostgreSQL's estimate above, shown as "about")."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.http import QueryDict

from paygate.lib.pagination import count_rows

PAGE_SIZES = (20, 50, 100)


@dataclass(frozen=True)
class Page:
    rows: Sequence[Any]
    number: int
    limit: int
    total: int
    has_next: bool = False
    total_is_estimate: bool = False

    @property
    def previous(self) -> int | None:
        return self.number - 1 if self.number > 1 else None

    @property
    def next(self) -> int | None:
        return self.number + 1 if self.has_next else None

    def describe(self) -> str:
        if not self.total:
            return "No results"
        first = (self.number - 1) * self.limit + 1
        last = min(self.total, self.number * self.limit)
        if self.total_is_estimate:
            return f"{first:,}–{first + len(self.rows) - 1:,} of about {self.total:,}"
        return f"{first:,}–{last:,} of {self.total:,}"


def _positive(raw: str | None, default: int) -> int:
    try:
        value = int(raw or default)
    except ValueError:
        return default
    return value if value >= 1 else default


def paginate(queryset: QuerySet, params: QueryDict, *, default_limit: int = 20) -> Page:
    limit = _positive(params.get("limit"), default_limit)
    limit = limit if limit in PAGE_SIZES else min(max(limit, 1), max(PAGE_SIZES))
    number = _positive(params.get("page"), 1)
    start = (number - 1) * limit
    rows = list(queryset[start : start + limit + 1])
    has_next = len(rows) > limit
    rows = rows[:limit]
    if start == 0 and not has_next:
        total, estimate = len(rows), False  # the whole list is on the first page
    else:
        total, estimate = count_rows(queryset)
    return Page(rows=rows, number=number, limit=limit, total=total, has_next=has_next, total_is_estimate=estimate)
