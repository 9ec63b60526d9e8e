"""manage.py stats: the same figures as the API, as tables or JSON."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tests.analytics.conftest import Dataset

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("stats", *args, stdout=out)
    return out.getvalue()


def test_tables_show_every_section(dataset: Dataset) -> None:
    text = run()

    for heading in ("PayGate stats — all merchants", "Processing", "Volume by currency", "Statuses",
                    "Failure reasons", "Provider latency (ms)", "Provider success by region",
                    "Provider success by currency", "Daily"):  # fmt: skip
        assert heading in text
    assert "£139.99" in text  # GBP captured by both merchants: 10.00 + 30.00 + 99.99, formatted per currency
    assert "CARD_DECLINED" in text


def test_json_for_one_merchant_matches_the_selectors(dataset: Dataset) -> None:
    report = json.loads(run("--json", "--merchant", dataset.merchant.public_id))

    assert report["merchant_id"] == dataset.merchant.public_id
    assert report["stats"]["payments"] == 7 and report["summary"]["total"] == 7
    assert [row["currency"] for row in report["volume"]] == ["EUR", "GBP", "USD"]
    assert {b["currency"] for b in report["stats"]["balance"]} == {"EUR", "GBP", "USD"}
    assert len(report["days"]) == 31


def test_period_and_currency_options(dataset: Dataset) -> None:
    report = json.loads(run("--json", "--since", "2001-01-01", "--until", "2001-01-02", "--currency", "GBP"))

    assert (report["since"], report["until"], report["currency"]) == (
        "2001-01-01T00:00:00Z", "2001-01-03T00:00:00Z", "GBP",
    )  # fmt: skip
    assert report["summary"]["total"] == 0 and report["volume"] == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--merchant", "mer_doesnotexist0000"], "No such merchant"),
        (["--since", "last week"], "--since"),
        (["--since", "2026-02-01", "--until", "2026-01-01"], "must be before"),
    ],
)
def test_bad_options_fail_with_a_message(args: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        run(*args)


def test_long_periods_leave_out_only_the_daily_table(dataset: Dataset) -> None:
    text = run("--since", "2000-01-01")

    assert "Volume by currency" in text
    assert "no daily table" in text
