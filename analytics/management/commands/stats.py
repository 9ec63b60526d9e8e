"""stats: the stats and analytics figures as tables in the terminal, or as JSON for scripts."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.serializers.json import DjangoJSONEncoder

from analytics import selectors
from analytics.selectors import CommandLineOperator, StatsScope
from analytics.serializers import ScopedQuery
from paygate.lib.api import ApiError
from paygate.lib.money import format_amount


class Command(BaseCommand):
    help = (
        "Print the figures of the stats and analytics API (admin/stats, summary, volume by currency, "
        "statuses, failure reasons, provider latency and success, daily series) for every merchant or "
        "one (--merchant mer_…), over a period (--since/--until, ISO 8601; default: the last 30 days). "
        "Amounts are per currency, never added across currencies. --json prints the same as JSON."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--merchant", help="Only this merchant (its public id, mer_…).")
        parser.add_argument("--since", help="Start, inclusive (ISO 8601 date or date-time).")
        parser.add_argument("--until", help="End, exclusive (ISO 8601; a date includes that day).")
        parser.add_argument("--currency", help="Only this currency.")
        parser.add_argument("--json", action="store_true", help="Print JSON instead of tables.")

    def handle(self, *args: Any, **options: Any) -> None:
        scope = self.scope(options)
        report = self.collect(scope)
        if options["json"]:
            self.stdout.write(json.dumps(report, cls=DjangoJSONEncoder, indent=2))
        else:
            self.render(report)

    def scope(self, options: dict[str, Any]) -> StatsScope:
        raw = {key: options[name] for key, name in
               (("merchant_id", "merchant"), ("since", "since"), ("until", "until"), ("currency", "currency"))
               if options.get(name)}  # fmt: skip
        query = ScopedQuery(data=raw)
        if not query.is_valid():
            problems = "; ".join(f"--{field.replace('merchant_id', 'merchant')}: {' '.join(map(str, errors))}"
                                 for field, errors in query.errors.items())  # fmt: skip
            raise CommandError(problems)
        try:
            return selectors.stats_scope(
                viewer=CommandLineOperator(), default_days=selectors.DEFAULT_ANALYTICS_DAYS, **query.validated_data
            )
        except ApiError as exc:
            raise CommandError(exc.message) from None

    @staticmethod
    def collect(scope: StatsScope) -> dict[str, Any]:
        stats = selectors.merchant_stats(scope=scope) if scope.merchant else selectors.platform_stats(scope=scope)
        days = None
        if scope.until - scope.since <= timedelta(days=selectors.TIMESERIES_MAX_DAYS):
            days = selectors.payment_daily_series(scope=scope)
        return {
            "since": scope.since,
            "until": scope.until,
            "merchant_id": scope.merchant_id,
            "currency": scope.currency,
            "stats": stats,
            "summary": selectors.payment_summary(scope=scope),
            "volume": selectors.payment_volume_by_currency(scope=scope),
            "statuses": selectors.payment_status_distribution(scope=scope)["statuses"],
            "provider_latency": selectors.attempt_latency_by_provider(scope=scope),
            "provider_success": selectors.attempt_success_by_provider(scope=scope),
            "days": days,
        }

    # -- tables

    def render(self, report: dict[str, Any]) -> None:
        who = report["merchant_id"] or "all merchants"
        currency = f", {report['currency']} only" if report["currency"] else ""
        self.section(
            f"PayGate stats — {who}{currency}, {report['since']:%Y-%m-%d %H:%M} → {report['until']:%Y-%m-%d %H:%M} UTC"
        )
        stats = report["stats"]
        keys = [k for k in ("merchants", "admins", "finance_users", "orders", "payments", "successful_payments",
                            "failed_payments", "canceled_payments", "refunds") if k in stats]  # fmt: skip
        self.table(["figure", "value"], [[k.replace("_", " "), f"{stats[k]:,}"] for k in keys])
        money = [[r["currency"], format_amount(r["amount"], r["currency"])] for r in stats["refunded"]]
        if money:
            self.table(["currency", "refunded"], money)
        if "balance" in stats:
            self.table(["currency", "balance"], [[b["currency"], format_amount(b["available"], b["currency"])]
                                                  for b in stats["balance"]])  # fmt: skip

        summary = report["summary"]
        self.section("Processing")
        fallback = summary["fallback"]
        self.table(
            ["total", "successful", "failed", "refunded", "in review", "canceled", "success rate", "fallback rate"],
            [[f"{summary['total']:,}", f"{summary['successful']:,}", f"{summary['failed']:,}",
              f"{summary['refunded']:,}", f"{summary['in_review']:,}", f"{summary['canceled']:,}",
              _percent(summary["success_rate"]), f"{_percent(fallback['rate'])} ({fallback['fallbacks']:,})"]],
        )  # fmt: skip
        self.section("Volume by currency")
        self.table(
            ["currency", "payments", "successful", "amount", "captured", "refunded", "net"],
            [[r["currency"], f"{r['payments']:,}", f"{r['successful']:,}"]
             + [format_amount(r[k], r["currency"]) for k in ("amount", "captured", "refunded", "net")]
             for r in report["volume"]],
        )  # fmt: skip
        self.section("Statuses")
        self.table(["status", "count", "share"],
                   [[r["status"], f"{r['count']:,}", _percent(r["share"])] for r in report["statuses"] if r["count"]])  # fmt: skip
        self.section("Failure reasons")
        self.table(["reason", "count", "share"],
                   [[r["reason"] or "-", f"{r['count']:,}", _percent(r["share"])] for r in summary["failure_reasons"]])  # fmt: skip
        self.section("Provider latency (ms)")
        self.table(["provider", "attempts", "avg", "p50", "p95"],
                   [[r["provider"], f"{r['attempts']:,}", f"{r['avg_ms']:.1f}", f"{r['p50_ms']:.1f}", f"{r['p95_ms']:.1f}"]
                    for r in report["provider_latency"]])  # fmt: skip
        for by in ("region", "currency"):
            self.section(f"Provider success by {by}")
            self.table(["provider", by, "attempts", "successful", "rate"],
                       [[r["provider"], r[by], f"{r['attempts']:,}", f"{r['successful']:,}", _percent(r["success_rate"])]
                        for r in report["provider_success"][f"by_{by}"]])  # fmt: skip
        if report["days"] is not None:
            self.section("Daily")
            self.table(
                ["day", "payments", "success rate", "refunds", "captured"],
                [[str(d["date"]), f"{d['payments']:,}", _percent(d["success_rate"]), f"{d['refunds']:,}",
                  ", ".join(format_amount(v["amount"], v["currency"]) for v in d["volume"]) or "-"]
                 for d in report["days"]],
            )  # fmt: skip
        else:
            self.stdout.write(f"\n(no daily table: the period is longer than {selectors.TIMESERIES_MAX_DAYS} days)")

    def section(self, title: str) -> None:
        self.stdout.write("")
        self.stdout.write(self.style.MIGRATE_HEADING(title))

    def table(self, headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
        if not rows:
            self.stdout.write("  (none)")
            return
        widths = [max(len(str(row[i])) for row in [headers, *rows]) for i in range(len(headers))]

        def line(cells: Sequence[str]) -> str:
            # Text left, figures right: the first column is a label, the rest are numbers.
            return "  " + "  ".join(
                str(c).ljust(w) if i == 0 else str(c).rjust(w)
                for i, (c, w) in enumerate(zip(cells, widths, strict=True))
            )

        self.stdout.write(line(headers))
        self.stdout.write("  " + "  ".join("-" * w for w in widths))
        for row in rows:
            self.stdout.write(line(row))


def _percent(rate: float | None) -> str:
    return "-" if rate is None else f"{rate * 100:.1f}%"
