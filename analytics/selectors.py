"""Analytics and stats selectors: every figure is computed by the database (aggregates), never by
looping over rows in Python, and every one is scoped.

A `StatsScope` says who is asking (rows are always taken through `visible_to(viewer)`: a merchant
sees its own rows whatever else the scope says), which merchant (None = every merchant the viewer
sees), which period and which currency. Build it with `stats_scope`, which resolves and checks a
`merchant_id` against the viewer's role.

Definitions used throughout:
- payment figures count payments *created* in the period; soft-deleted payments are left out;
- successful = authorized, captured, partially refunded or refunded; failed = failed;
  success rate = successful / (successful + failed) — payments still processing, in review or
  canceled before authorization decide nothing; None when nothing was decided;
- provider figures (latency, success) count provider attempts *made* in the period, every one,
  as the router does (payments.routing);
- amounts are summed per currency only, never across currencies;
- latency percentiles are read off the database's histogram of latencies (one row per distinct
  latency, not per attempt), with percentile_cont's interpolation.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from functools import wraps
from typing import Any

from django.db import connection, transaction
from django.db.models import (
    Count,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import TruncDate, TruncHour

from merchants.models import Merchant, Role, ScopedQuerySet, User
from paygate.lib.api import ApiError, ErrorCode
from payments.counts import (
    AMOUNTS,
    COUNTS,
    FIGURES,
    ORDER_AGGREGATES,
    PAYMENT_AGGREGATES,
    REFUND_AGGREGATES,
    SUCCESSFUL_STATUSES,
)
from payments.models import (
    AttemptResult,
    Balance,
    DailyCount,
    Order,
    Payment,
    PaymentStatus,
    ProviderAttempt,
    Refund,
    RefundStatus,
)

REFUNDED_STATUSES = (PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED)
TIMESERIES_MAX_DAYS = 366
DEFAULT_ANALYTICS_DAYS = 30

# Counts name only indexed columns — COUNT(*), or when filtered a non-null column that the analytics
# indexes hold (status, result) — so that PostgreSQL and SQLite answer from the index alone.
_SUCCESSFUL = Q(status__in=SUCCESSFUL_STATUSES)
_FAILED = Q(status=PaymentStatus.FAILED)


# --- scope ----------------------------------------------------------------------------------------


class CommandLineOperator:
    """The viewer of `manage.py stats`: whoever runs the server's commands sees every merchant."""

    is_authenticated = True
    is_operator = True
    is_merchant = False
    role = Role.ADMIN
    public_id = "cli"


@dataclass(frozen=True)
class StatsScope:
    viewer: Any  # a User (or CommandLineOperator): rows always go through visible_to(viewer)
    merchant: Merchant | None  # one merchant, or None for all the viewer sees
    since: datetime | None  # inclusive
    until: datetime | None  # exclusive
    currency: str | None = None

    @property
    def merchant_id(self) -> str | None:
        return self.merchant.public_id if self.merchant else None


def stats_scope(
    *,
    viewer: Any,
    merchant_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    currency: str | None = None,
    default_days: int | None = None,
    max_days: int | None = None,
) -> StatsScope:
    """Resolve who sees what. A merchant is always scoped to itself; naming another merchant (or
    one that does not exist) answers 404 — the same answer, so ids cannot be probed. Operators see
    every merchant or the one they name.

    `default_days` fills missing bounds (until: now; since: that many days before until);
    `max_days` refuses longer periods.
    """
    if getattr(viewer, "is_operator", False):
        merchant = None
        if merchant_id:
            merchant = Merchant.objects.filter(public_id=merchant_id).first()
            if merchant is None:
                raise ApiError("No such merchant.", error=ErrorCode.NOT_FOUND)
    else:
        merchant = Merchant.objects.get(user=viewer)
        if merchant_id and merchant_id != merchant.public_id:
            raise ApiError("No such merchant.", error=ErrorCode.NOT_FOUND)
    since, until = date_range_check(since=since, until=until, default_days=default_days, max_days=max_days)
    return StatsScope(viewer=viewer, merchant=merchant, since=since, until=until, currency=currency or None)


def date_range_check(
    *, since: datetime | None, until: datetime | None, default_days: int | None = None, max_days: int | None = None
) -> tuple[datetime | None, datetime | None]:
    """Fill missing bounds with the default period and refuse empty, reversed or too long ones."""
    if default_days is not None:
        until = until or datetime.now(UTC)
        since = since or until - timedelta(days=default_days)
    if since is not None and until is not None and since >= until:
        raise ApiError(
            "`since` must be before `until`.",
            error=ErrorCode.INVALID_DATE_RANGE,
            meta={"since": since.isoformat(), "until": until.isoformat()},
        )
    if max_days is not None and (since is None or until is None or until - since > timedelta(days=max_days)):
        raise ApiError(
            f"The date range may be at most {max_days} days.",
            error=ErrorCode.DATE_RANGE_TOO_LONG,
            meta={"max_days": max_days},
        )
    return since, until


def _in_period(queryset: QuerySet, scope: StatsScope, field: str = "created_at") -> QuerySet:
    if scope.since is not None:
        queryset = queryset.filter(**{f"{field}__gte": scope.since})
    if scope.until is not None:
        queryset = queryset.filter(**{f"{field}__lt": scope.until})
    return queryset


def _scoped(queryset: ScopedQuerySet, scope: StatsScope, *, currency: bool = True) -> QuerySet:
    queryset = queryset.visible_to(scope.viewer)
    if scope.merchant is not None:
        queryset = queryset.filter(merchant=scope.merchant)
    if currency and scope.currency:
        queryset = queryset.filter(currency=scope.currency)
    return queryset


def _payments(scope: StatsScope) -> QuerySet:
    return _in_period(_scoped(Payment.objects.all(), scope), scope)


def _orders(scope: StatsScope) -> QuerySet:
    return _in_period(_scoped(Order.objects.all(), scope), scope)


def _processed_refunds(scope: StatsScope) -> QuerySet:
    return _in_period(_scoped(Refund.objects.all(), scope), scope).filter(status=RefundStatus.PROCESSED)


def _attempts(scope: StatsScope) -> QuerySet:
    """Provider attempts of the payments in scope, by their own (denormalised) merchant column:
    no join to payments, and a `(merchant, created_at, …)` index for one merchant's figures."""
    attempts = ProviderAttempt.objects.all()
    if not getattr(scope.viewer, "is_operator", False):
        attempts = attempts.filter(merchant__user=scope.viewer)
    if scope.merchant is not None:
        attempts = attempts.filter(merchant=scope.merchant)
    if scope.currency:
        attempts = attempts.filter(currency=scope.currency)
    return _in_period(attempts, scope)


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


# --- percentiles ------------------------------------------------------------------------------------


def percentile_from_counts(counts: list[tuple[int, int]], fraction: float) -> float | None:
    """percentile_cont over a histogram [(value, count), …] sorted by value: the value at position
    fraction × (n − 1), interpolated linearly — exactly what PostgreSQL's percentile_cont computes
    over the rows themselves, without sorting them."""
    total = sum(count for _, count in counts)
    if not total:
        return None
    position = fraction * (total - 1)
    low_index, high_index = math.floor(position), math.ceil(position)
    low = high = None
    seen = 0
    for value, count in counts:
        if low is None and low_index < seen + count:
            low = value
        if high_index < seen + count:
            high = value
            break
        seen += count
    assert low is not None and high is not None  # both indexes are below the total
    return float(low + (position - low_index) * (high - low))


def _tuned[T](selector: Callable[..., T]) -> Callable[..., T]:
    """Run a selector's queries in one transaction tuned for aggregating a period (PostgreSQL):
    room to sort and hash it in memory (the default 4 MB of work_mem spills a month of payments to
    disk), and no JIT compilation, which costs more than these sub-second queries save
    (100–200 ms on a fallback-rate query of a million payments). SET LOCAL ends with the transaction."""

    @wraps(selector)
    def run(*args: Any, **kwargs: Any) -> T:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL work_mem = '64MB'; SET LOCAL jit = off")
            return selector(*args, **kwargs)

    return run


def _latency_histogram(attempts: QuerySet) -> dict[str, list[tuple[int, int]]]:
    """provider -> [(latency, attempts at that latency), …] sorted: as many rows as distinct
    latencies, not as attempts."""
    histogram: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for provider, latency, count in (
        attempts.values_list("provider", "latency_ms").annotate(n=Count("*")).order_by("provider", "latency_ms")
    ):
        histogram[provider].append((latency, count))
    return histogram


# --- analytics ------------------------------------------------------------------------------------


def _payment_groups(scope: StatsScope) -> list[dict[str, Any]]:
    """The period's payments counted and summed per status × failure reason × currency: the one
    pass (a few dozen rows) that the summary, the status mix and the volume by currency add up."""
    return list(
        _payments(scope)
        .values("status", "failure_reason", "currency")
        .annotate(n=Count("*"), amount=Sum("amount"), captured=Sum("amount_captured"), refunded=Sum("amount_refunded"))
        .order_by()
    )


def _volume_by_currency(groups: list[dict[str, Any]]) -> list[dict[str, Any]]:
    figures = ("payments", "successful", "amount", "captured", "refunded")
    rows: dict[str, dict[str, Any]] = {}
    for group in groups:
        row = rows.setdefault(group["currency"], {"currency": group["currency"], **dict.fromkeys(figures, 0)})
        row["payments"] += group["n"]
        row["successful"] += group["n"] if group["status"] in SUCCESSFUL_STATUSES else 0
        for name in ("amount", "captured", "refunded"):
            row[name] += group[name]
    return [{**row, "net": row["captured"] - row["refunded"]} for _, row in sorted(rows.items())]


def _status_distribution(groups: list[dict[str, Any]]) -> dict[str, Any]:
    counts: Counter[str] = Counter()
    for group in groups:
        counts[group["status"]] += group["n"]
    total = counts.total()
    return {
        "total": total,
        "statuses": [
            {"status": status, "count": counts[status], "share": _rate(counts[status], total) or 0.0}
            for status in PaymentStatus.values
        ],
    }


@_tuned
def payment_volume_by_currency(*, scope: StatsScope) -> list[dict[str, Any]]:
    """Per currency: payments, successful ones, and the amounts asked, captured and refunded."""
    return _volume_by_currency(_payment_groups(scope))


@_tuned
def payment_status_distribution(*, scope: StatsScope) -> dict[str, Any]:
    """Every status with its count and share of the period's payments (zero rows included)."""
    return _status_distribution(_payment_groups(scope))


@_tuned
def payment_overview(*, scope: StatsScope, summary: bool = False) -> dict[str, Any]:
    """What a dashboard shows of the period's payments from one pass over them: `volume`
    (`payment_volume_by_currency`), `statuses` (`payment_status_distribution`) and, with `summary`,
    `payment_summary` too (which adds its pass over the attempts for the fallbacks)."""
    groups = _payment_groups(scope)
    overview = {"volume": _volume_by_currency(groups), "statuses": _status_distribution(groups)}
    if summary:
        overview["summary"] = _summary(groups, scope)
    return overview


@_tuned
def attempt_latency_by_provider(*, scope: StatsScope) -> list[dict[str, Any]]:
    """Per provider: attempts, average, median (p50) and p95 latency in milliseconds.

    All four come from one aggregate, the histogram of latencies per provider (as many rows as
    distinct latencies, ~2,000 for a month of a million payments): on PostgreSQL that is ~3× faster
    than percentile_cont, which sorts every attempt of the period, and gives the same values."""
    rows = []
    for provider, counts in sorted(_latency_histogram(_attempts(scope)).items()):
        attempts = sum(count for _, count in counts)
        total_ms = sum(latency * count for latency, count in counts)
        rows.append(
            {
                "provider": provider,
                "attempts": attempts,
                "avg_ms": round(total_ms / attempts, 1),
                "p50_ms": round(percentile_from_counts(counts, 0.5) or 0.0, 1),  # never None: attempts > 0
                "p95_ms": round(percentile_from_counts(counts, 0.95) or 0.0, 1),
            }
        )
    return rows


@_tuned
def attempt_success_by_provider(*, scope: StatsScope) -> dict[str, list[dict[str, Any]]]:
    """Attempts, successes and success rate per provider × region and per provider × currency.

    One pass groups the period's attempts by provider × region × currency (at most a few hundred
    rows); each breakdown adds those groups up."""
    totals: dict[str, dict[tuple[str, str], list[int]]] = {"region": {}, "currency": {}}
    for row in (
        _attempts(scope)
        .values("provider", "region", "currency")
        .annotate(attempts=Count("*"), successful=Count("result", filter=Q(result=AttemptResult.SUCCESS)))
        .order_by()
    ):
        for by, cells in totals.items():
            cell = cells.setdefault((row["provider"], row[by]), [0, 0])
            cell[0] += row["attempts"]
            cell[1] += row["successful"]
    return {
        f"by_{by}": [
            {"provider": provider, by: key, "attempts": n, "successful": ok, "success_rate": _rate(ok, n)}
            for (provider, key), (n, ok) in sorted(cells.items())
        ]
        for by, cells in totals.items()
    }


@_tuned
def payment_failure_reasons(*, scope: StatsScope) -> dict[str, Any]:
    """Failed payments by reason, most frequent first."""
    return _reasons(
        dict(_payments(scope).filter(_FAILED).values_list("failure_reason").annotate(n=Count("*")).order_by())
    )


def _reasons(counts: dict[str, int]) -> dict[str, Any]:
    """{failure reason: failed payments} as the API shows it: most frequent first, with shares."""
    failed = sum(counts.values())
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return {
        "failed": failed,
        "reasons": [{"reason": reason or None, "count": n, "share": _rate(n, failed)} for reason, n in ranked],
    }


@_tuned
def payment_fallback_rate(*, scope: StatsScope) -> dict[str, Any]:
    """Payments that needed more than one provider, among those that reached a provider.

    Counted from the attempts: each payment that reached a provider has exactly one first attempt;
    a fallback is a later attempt at another provider than the first one's — flagged when written
    (`ProviderAttempt.fallback`), so one pass over the period's index answers both counts.
    """
    counts = _attempts(scope).aggregate(
        reached=Count("sequence", filter=Q(sequence=1)),
        fallbacks=Count("payment_id", distinct=True, filter=Q(fallback=True)),
    )
    reached, fallbacks = counts["reached"], counts["fallbacks"]
    return {"payments": reached, "fallbacks": fallbacks, "rate": _rate(fallbacks, reached)}


@_tuned
def attempt_hourly_series(*, scope: StatsScope) -> list[dict[str, Any]]:
    """One point per UTC hour of the period (empty hours included): provider attempts, successes,
    success rate and fallbacks — the recent trend of the provider health page."""
    if scope.since is None or scope.until is None:
        raise ValueError("an hourly series needs both bounds")
    rows = {
        row["hour"]: row
        for row in _attempts(scope)
        .annotate(hour=TruncHour("created_at", tzinfo=UTC))
        .values("hour")
        .annotate(
            attempts=Count("*"),
            successful=Count("result", filter=Q(result=AttemptResult.SUCCESS)),
            fallbacks=Count("fallback", filter=Q(fallback=True)),
        )
        .order_by("hour")
    }
    first = scope.since.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    series = []
    hour = first
    while hour < scope.until:
        row = rows.get(hour, {"attempts": 0, "successful": 0, "fallbacks": 0})
        series.append(
            {
                "hour": hour,
                "attempts": row["attempts"],
                "successful": row["successful"],
                "fallbacks": row["fallbacks"],
                "success_rate": _rate(row["successful"], row["attempts"]),
            }
        )
        hour += timedelta(hours=1)
    return series


def _days(scope: StatsScope) -> list[date]:
    assert scope.since is not None and scope.until is not None  # the daily series need both ends
    first = scope.since.astimezone(UTC).date()
    last = (scope.until - timedelta(microseconds=1)).astimezone(UTC).date()
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


@_tuned
def payment_daily_series(*, scope: StatsScope) -> list[dict[str, Any]]:
    """One point per UTC day of the period (empty days included): payments, successful, failed,
    success rate, captured volume per currency, and processed refunds (count, amount per currency).

    The period's whole UTC days come from the daily counts (a few rows per merchant and day,
    whatever the number of payments), and only its part days at either end from the rows — the
    same split as the stats, so the two always agree."""
    if scope.since is None or scope.until is None:
        raise ValueError("a daily series needs both bounds")
    counts: dict[date, dict[str, int]] = defaultdict(lambda: {"payments": 0, "successful": 0, "failed": 0})
    volume: dict[date, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    refunds: dict[date, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    refund_counts: dict[date, int] = defaultdict(int)

    def add(row: dict[str, Any]) -> None:
        day = row["day"]
        for key in ("payments", "successful", "failed"):
            counts[day][key] += row[key] or 0
        if row["captured"]:
            volume[day][row["currency"]] += row["captured"]

    def add_refunds(row: dict[str, Any]) -> None:
        refund_counts[row["day"]] += row["refunds"] or 0
        if row["refunded"]:
            refunds[row["day"]][row["currency"]] += row["refunded"]

    edges, days = _split_days(scope)
    if days is not None:
        counted = _scoped(DailyCount.objects.all(), scope).filter(day__gte=days[0], day__lt=days[1])
        for row in (
            counted.values("day", "currency")
            .annotate(
                payments=Sum("payments"),
                successful=Sum("successful_payments"),
                failed=Sum("failed_payments"),
                captured=Sum("captured"),
                refunds=Sum("refunds"),
                refunded=Sum("refunded"),
            )
            .order_by()
        ):
            add(row)
            add_refunds(row)
    day = TruncDate("created_at", tzinfo=UTC)
    for since, until in edges:
        part = replace(scope, since=since, until=until)
        for row in (
            _payments(part)
            .annotate(day=day)
            .values("day", "currency")
            .annotate(
                payments=Count("*"),
                successful=Count("status", filter=_SUCCESSFUL),
                failed=Count("status", filter=_FAILED),
                captured=Sum("amount_captured"),
            )
            .order_by()
        ):
            add(row)
        for row in (
            _processed_refunds(part)
            .annotate(day=day)
            .values("day", "currency")
            .annotate(refunds=Count("*"), refunded=Sum("amount"))
            .order_by()
        ):
            add_refunds(row)

    def amounts(by_currency: dict[str, int]) -> list[dict[str, Any]]:
        return [{"currency": c, "amount": a} for c, a in sorted(by_currency.items()) if a]

    series = []
    for d in _days(scope):
        row = counts[d]
        series.append(
            {
                "date": d,
                "payments": row["payments"],
                "successful": row["successful"],
                "failed": row["failed"],
                "success_rate": _rate(row["successful"], row["successful"] + row["failed"]),
                "volume": amounts(volume.get(d, {})),
                "refunds": refund_counts.get(d, 0),
                "refunded": amounts(refunds.get(d, {})),
            }
        )
    return series


@_tuned
def payment_summary(*, scope: StatsScope) -> dict[str, Any]:
    """The processing engine in one object: totals by outcome, failure reasons and fallbacks.

    Two passes: the period's payments counted by status, failure reason and currency (the totals
    and the reasons both come from those few rows), then its attempts for the fallbacks."""
    return _summary(_payment_groups(scope), scope)


def _summary(groups: list[dict[str, Any]], scope: StatsScope) -> dict[str, Any]:
    by_status: Counter[str] = Counter()
    failed_by_reason: Counter[str] = Counter()
    for group in groups:
        by_status[group["status"]] += group["n"]
        if group["status"] == PaymentStatus.FAILED:
            failed_by_reason[group["failure_reason"]] += group["n"]
    totals = {
        "total": by_status.total(),
        "successful": sum(by_status[status] for status in SUCCESSFUL_STATUSES),
        "failed": by_status[PaymentStatus.FAILED],
        "refunded": sum(by_status[status] for status in REFUNDED_STATUSES),
        "in_review": by_status[PaymentStatus.REVIEW],
        "processing": by_status[PaymentStatus.CREATED] + by_status[PaymentStatus.PROCESSING],
        "canceled": by_status[PaymentStatus.CANCELED],
    }
    return {
        **totals,
        "success_rate": _rate(totals["successful"], totals["successful"] + totals["failed"]),
        "failure_reasons": _reasons(dict(failed_by_reason))["reasons"],
        "fallback": payment_fallback_rate(scope=scope),
    }


# --- stats ------------------------------------------------------------------------------------------
#
# The stats add up the daily counts (`payments.counts`) for the whole UTC days of the period and
# count the rows themselves only for the part days at its ends: an all-time or whole-day period
# reads a few hundred rows whatever the number of payments.


def _utc_midnight(moment: datetime, *, up: bool) -> datetime:
    moment = moment.astimezone(UTC)
    midnight = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight + timedelta(days=1) if up and midnight < moment else midnight


def _split_days(scope: StatsScope) -> tuple[list[tuple[datetime, datetime]], tuple[date | None, date | None] | None]:
    """The period as (its part days at either end, to count from the rows) and (its whole days
    [first, end), None for an open side; None when it holds no whole day)."""
    since, until = scope.since, scope.until
    first = None if since is None else _utc_midnight(since, up=True)
    end = None if until is None else _utc_midnight(until, up=False)
    if since is not None and until is not None and first is not None and end is not None and first >= end:
        return [(since, until)], None
    edges = []
    if since is not None and first is not None and since < first:
        edges.append((since, first))
    if until is not None and end is not None and end < until:
        edges.append((end, until))
    return edges, (None if first is None else first.date(), None if end is None else end.date())


def _new_figures() -> dict[str, Any]:
    return {**dict.fromkeys(COUNTS, 0), **{name: defaultdict(int) for name in AMOUNTS}}


def _add(figures: dict[str, Any], row: dict[str, Any]) -> None:
    for name in COUNTS:
        figures[name] += row.get(name) or 0
    for name in AMOUNTS:
        if row.get(name):
            figures[name][row["currency"]] += row[name]


def _stats_figures(scope: StatsScope, merchant_ids: list[int] | None = None) -> dict[int | None, dict[str, Any]]:
    """The stats' figures in scope, per merchant when `merchant_ids` are given (else under None):
    counts, and amounts per currency (never summed across currencies)."""
    by = ("merchant_id", "currency") if merchant_ids is not None else ("currency",)
    figures: dict[int | None, dict[str, Any]] = defaultdict(_new_figures)

    def add(rows: QuerySet) -> None:
        for row in rows.order_by():
            _add(figures[row.get("merchant_id")], row)

    def narrowed(queryset: QuerySet) -> QuerySet:
        return queryset if merchant_ids is None else queryset.filter(merchant_id__in=merchant_ids)

    edges, days = _split_days(scope)
    if days is not None:
        counted = _scoped(DailyCount.objects.all(), scope)
        if days[0] is not None:
            counted = counted.filter(day__gte=days[0])
        if days[1] is not None:
            counted = counted.filter(day__lt=days[1])
        add(narrowed(counted).values(*by).annotate(**{n: Sum(n) for n in FIGURES}))
    for since, until in edges:
        part = replace(scope, since=since, until=until)
        add(narrowed(_orders(part)).values(*by).annotate(**ORDER_AGGREGATES))
        add(narrowed(_payments(part)).values(*by).annotate(**PAYMENT_AGGREGATES))
        add(narrowed(_processed_refunds(part)).values(*by).annotate(**REFUND_AGGREGATES))
    return figures


def _amounts(by_currency: dict[str, int], name: str) -> list[dict[str, Any]]:
    return [{"currency": currency, name: amount} for currency, amount in sorted(by_currency.items()) if amount]


def _stats_output(figures: dict[str, Any]) -> dict[str, Any]:
    return {**{name: figures[name] for name in COUNTS}, "refunded": _amounts(figures["refunded"], "amount")}


@_tuned
def merchant_stats(*, scope: StatsScope) -> dict[str, Any]:
    """A merchant's own figures: orders, payments by outcome, processed refunds, current balance."""
    if scope.merchant is None:
        raise ValueError("merchant stats need one merchant")
    balances = _scoped(Balance.objects.all(), scope).order_by("currency").values("currency", "available")
    return {**_stats_output(_stats_figures(scope)[None]), "balance": list(balances)}


@_tuned
def platform_stats(*, scope: StatsScope) -> dict[str, Any]:
    """Operators' figures: merchants and operators, then orders, payments and refunds in scope."""
    if not getattr(scope.viewer, "is_operator", False):
        raise ValueError("platform stats are for operators")
    users = dict(User.objects.filter(role__in=[Role.ADMIN, Role.FINANCE]).values_list("role").annotate(n=Count("*")))
    return {
        "merchants": 1 if scope.merchant else Merchant.objects.count(),
        "admins": users.get(Role.ADMIN, 0),
        "finance_users": users.get(Role.FINANCE, 0),
        **_stats_output(_stats_figures(scope)[None]),
    }


def merchant_list(*, viewer: Any) -> QuerySet:
    """The merchants an operator may list, with what the list shows of each."""
    if not getattr(viewer, "is_operator", False):
        return Merchant.objects.none()
    return Merchant.objects.select_related("user").prefetch_related("balances").order_by("-created_at", "-id")


@_tuned
def merchant_page_stats(*, scope: StatsScope, merchants: list[Merchant]) -> dict[int, dict[str, Any]]:
    """Stats of a page of merchants in a fixed number of grouped queries (no query per merchant)."""
    figures = _stats_figures(scope, merchant_ids=[m.pk for m in merchants])
    stats = {}
    for merchant in merchants:
        mine = figures[merchant.pk]
        stats[merchant.pk] = {
            **{name: mine[name] for name in COUNTS},
            "volume": _amounts(mine["captured"], "captured"),
        }
    return stats
