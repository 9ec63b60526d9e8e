"""List pagination for the API: page numbers for the first pages, cursors beyond, bounded counts.

Every list answers `{"results", "page", "limit", "total", "total_is_estimate", "next", "previous"}`.

- `?page=N&limit=L` (L ≤ 100) reads by OFFSET, which costs the rows it skips; so page numbers reach
  only the first `PAGE_DEPTH_CAP` rows (page × limit ≤ 10,000). A deeper page answers 400
  (error 1035) pointing to the cursor.
- `next` and `previous` are full URLs. `next` carries `?cursor=`: an opaque, signed position (the
  values of the list's sort key and the row id of the last row shown, as Stripe's
  `starting_after`); the page after it is a keyset read — `WHERE (sort key, id) < (…) ORDER BY …
  LIMIT L+1` — served by the same index as page 1, so page 2,000 costs what page 1 does, and
  rows inserted meanwhile neither repeat nor skip rows. `previous` goes back the same way
  (`page=N-1` while reading by page number). A cursor made for another sort order, or altered,
  answers 400 (error 1008, on the `cursor` field).
- `total` never scans a large result: on PostgreSQL, for a table of more than `SMALL_TABLE` rows,
  it is the planner's estimate when that is above `EXACT_COUNT_UP_TO` rows (with
  `total_is_estimate: true`), else an exact count over a LIMIT-ed subquery; small tables, and a
  first page that holds the whole list, are counted exactly. SQLite, which has no row estimates,
  counts exactly.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core import signing
from django.db import connections
from django.db.models import Q, QuerySet
from rest_framework import exceptions as drf_exceptions
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from paygate.lib.api import ApiError, ErrorCode

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20
PAGE_DEPTH_CAP = 10_000  # rows reachable by page number: page × limit
EXACT_COUNT_UP_TO = 1_000
SMALL_TABLE = 10_000  # rows: a table this small is counted exactly, whatever the filters
_SALT = "paygate.pagination.cursor"


def count_rows(queryset: QuerySet, *, exact_up_to: int = EXACT_COUNT_UP_TO) -> tuple[int, bool]:
    """How many rows `queryset` holds, and whether that is an estimate.

    Exact where that is cheap: on a table of at most `SMALL_TABLE` rows (PostgreSQL's own count of
    the table, `pg_class.reltuples`), and for results of at most `exact_up_to` rows. For a larger
    result, on a larger table, the planner's row estimate for the query (an EXPLAIN: planning
    only, no rows read): an exact count of a large filtered result reads every matching row, and
    even a count stopped at `exact_up_to` reads, for a filter no index serves, `exact_up_to` ÷ its
    selectivity rows. When the estimate is at most `exact_up_to` the rows are counted, bounded at
    `exact_up_to + 1` (`SELECT COUNT(*) FROM (SELECT … LIMIT n+1)`), which also corrects a low
    estimate (the answer is then never below n+1, and still flagged). Other databases have no row
    estimates and count exactly.
    """
    rows = queryset.order_by().values("pk")
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return rows.count(), False
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [queryset.model._meta.db_table])
        table_rows = cursor.fetchone()[0]
    if 0 <= table_rows <= SMALL_TABLE:
        return rows.count(), False
    plan = json.loads(rows.explain(format="json"))
    estimate = int(plan[0]["Plan"]["Plan Rows"])
    if estimate > exact_up_to and table_rows >= 0:  # -1: never analysed, so no estimate to trust yet
        return estimate, True
    bounded = rows[: exact_up_to + 1].count()
    if bounded <= exact_up_to:
        return bounded, False
    return max(estimate, exact_up_to + 1), True


@dataclass(frozen=True)
class _Key:
    """One column of the list's ordering."""

    field: str
    descending: bool

    @property
    def term(self) -> str:
        return f"-{self.field}" if self.descending else self.field


def _ordering(queryset: QuerySet) -> list[_Key]:
    """The list's ordering as plain columns, ending with the primary key so that it is total."""
    terms = list(queryset.query.order_by) or list(queryset.model._meta.ordering)
    keys = []
    for term in terms:
        if not isinstance(term, str):
            raise TypeError(f"Cursor pagination needs orderings by column name, not {term!r}.")
        field = term.lstrip("-")
        keys.append(_Key("pk" if field == "id" else field, term.startswith("-")))
    if not keys or keys[-1].field != "pk":
        keys.append(_Key("pk", keys[0].descending if keys else True))
    return keys


def _beyond(keys: list[_Key], values: list[Any], *, forward: bool) -> Q:
    """Rows strictly after (forward) or before the position `values` in the order `keys`.

    Lexicographic: k1 beyond v1, or k1 = v1 and k2 beyond v2, … The first column's bound is also
    stated alone (k1 ≥ v1 in its direction) so that the database reads the index range directly.
    """

    def op(key: _Key, strict: bool) -> str:
        after = key.descending != forward  # ascending + forward, or descending + backward: greater
        return ("gt" if after else "lt") + ("" if strict else "e")

    condition = Q()
    for i, key in enumerate(keys):
        step = Q(**{f"{keys[j].field}": values[j] for j in range(i)}) & Q(
            **{f"{key.field}__{op(key, True)}": values[i]}
        )
        condition |= step
    return Q(**{f"{keys[0].field}__{op(keys[0], False)}": values[0]}) & condition


def _value(row: Any, field: str) -> Any:
    for part in field.split("__"):
        row = getattr(row, part)
    return row


def _encode(keys: list[_Key], row: Any, *, forward: bool) -> str:
    values = []
    for key in keys:
        value = _value(row, key.field)
        values.append(value.isoformat() if isinstance(value, datetime) else value)
    return signing.dumps({"o": [k.term for k in keys], "v": values, "d": "n" if forward else "p"}, salt=_SALT)


def _decode(raw: str, keys: list[_Key], queryset: QuerySet) -> tuple[list[Any], bool]:
    try:
        data = signing.loads(raw, salt=_SALT)
    except signing.BadSignature:
        raise drf_exceptions.ValidationError(
            {"cursor": ["Invalid cursor: use the `next` or `previous` link of a list answer as it is."]}
        ) from None
    if data.get("o") != [k.term for k in keys]:
        raise drf_exceptions.ValidationError(
            {"cursor": ["This cursor belongs to another sort order; start again from the first page."]}
        )
    meta = queryset.model._meta
    values = []
    for key, value in zip(keys, data["v"], strict=True):
        field = meta.pk if key.field == "pk" else meta.get_field(key.field)
        values.append(field.to_python(value))
    return values, data["d"] == "n"


def _whole_number(request: Any, name: str, *, default: int, maximum: int | None = None) -> int:
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise drf_exceptions.ValidationError({name: ["Must be a whole number."]}) from None
    if value < 1:
        raise drf_exceptions.ValidationError({name: ["Must be at least 1."]})
    if maximum is not None and value > maximum:
        raise drf_exceptions.ValidationError({name: [f"Must be at most {maximum}."]})
    return value


class ListPagination(BasePagination):
    """Page numbers for the first pages, signed keyset cursors beyond them (see the module doc)."""

    def paginate_queryset(self, queryset: Any, request: Any, view: Any = None) -> list[Any]:
        self.request = request
        self.limit = _whole_number(request, "limit", default=DEFAULT_PAGE_SIZE, maximum=MAX_PAGE_SIZE)
        keys = _ordering(queryset)
        queryset = queryset.order_by(*(k.term for k in keys))
        self.queryset, self.keys = queryset, keys
        raw_cursor = request.query_params.get("cursor")
        if raw_cursor:
            if request.query_params.get("page") not in (None, ""):
                raise drf_exceptions.ValidationError({"page": ["Send either `cursor` or `page`, not both."]})
            rows = self._read_from_cursor(queryset, raw_cursor)
        else:
            rows = self._read_page(queryset, request)
        self.rows = rows
        return rows

    def _read_page(self, queryset: QuerySet, request: Any) -> list[Any]:
        self.page: int | None = _whole_number(request, "page", default=1)
        if self.page * self.limit > PAGE_DEPTH_CAP:
            raise ApiError(
                f"Page numbers reach the first {PAGE_DEPTH_CAP:,} rows only (page × limit); "
                "to read further, follow the `next` link, which carries a `cursor`.",
                error=ErrorCode.PAGE_TOO_DEEP,
                meta={"max_rows": PAGE_DEPTH_CAP, "max_page": PAGE_DEPTH_CAP // self.limit, "use": "cursor"},
            )
        start = (self.page - 1) * self.limit
        rows = list(queryset[start : start + self.limit + 1])
        self.has_next, self.has_previous = len(rows) > self.limit, self.page > 1
        rows = rows[: self.limit]
        if start == 0 and not self.has_next:
            self.total, self.total_is_estimate = len(rows), False  # the whole list is on page 1
        else:
            self.total, self.total_is_estimate = count_rows(queryset)
        return rows

    def _read_from_cursor(self, queryset: QuerySet, raw: str) -> list[Any]:
        self.page = None
        values, forward = _decode(raw, self.keys, queryset)
        ordered = queryset if forward else queryset.order_by(*(_Key(k.field, not k.descending).term for k in self.keys))
        rows = list(ordered.filter(_beyond(self.keys, values, forward=forward))[: self.limit + 1])
        more = len(rows) > self.limit
        rows = rows[: self.limit]
        if forward:
            self.has_next, self.has_previous = more, bool(rows)
        else:
            rows.reverse()
            self.has_next, self.has_previous = bool(rows), more
        self.total, self.total_is_estimate = count_rows(queryset)
        return rows

    def _link(self, *, forward: bool) -> str | None:
        url = self.request.build_absolute_uri()
        if forward:
            if not self.has_next:
                return None
            return replace_query_param(
                remove_query_param(url, "page"), "cursor", _encode(self.keys, self.rows[-1], forward=True)
            )
        if not self.has_previous:
            return None
        if self.page is not None:  # reading by page number: the page before, by number
            return (
                remove_query_param(url, "page") if self.page == 2 else replace_query_param(url, "page", self.page - 1)
            )
        return replace_query_param(url, "cursor", _encode(self.keys, self.rows[0], forward=False))

    def get_paginated_response(self, data: list[Any]) -> Response:
        return Response(
            {
                "results": data,
                "page": self.page,
                "limit": self.limit,
                "total": self.total,
                "total_is_estimate": self.total_is_estimate,
                "next": self._link(forward=True),
                "previous": self._link(forward=False),
            }
        )

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        link = {"type": "string", "format": "uri", "nullable": True}
        return {
            "type": "object",
            "required": ["results", "page", "limit", "total", "total_is_estimate", "next", "previous"],
            "properties": {
                "results": schema,
                "page": {
                    "type": "integer", "minimum": 1, "nullable": True, "example": 1,
                    "description": "The page number read, or null when the page was read from a cursor.",
                },
                "limit": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE, "example": DEFAULT_PAGE_SIZE},
                "total": {
                    "type": "integer", "minimum": 0, "example": 123,
                    "description": f"Rows matching the filters: exact up to {EXACT_COUNT_UP_TO:,}, "
                    "above that an estimate when `total_is_estimate` is true.",
                },
                "total_is_estimate": {"type": "boolean", "example": False},
                "next": {**link, "description": "The next page (a `cursor` URL), or null on the last page."},
                "previous": {**link, "description": "The page before, or null on the first page."},
            },
        }  # fmt: skip

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            {
                "name": "page",
                "in": "query",
                "required": False,
                "description": f"Page number, from 1; page × limit at most {PAGE_DEPTH_CAP:,} (error 1035 "
                "beyond: follow `next`).",
                "schema": {"type": "integer", "minimum": 1},
            },
            {
                "name": "limit",
                "in": "query",
                "required": False,
                "description": f"Results per page (default {DEFAULT_PAGE_SIZE}, at most {MAX_PAGE_SIZE}).",
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
            },
            {
                "name": "cursor",
                "in": "query",
                "required": False,
                "description": "An opaque position from a `next` or `previous` link; not with `page`.",
                "schema": {"type": "string"},
            },
        ]
