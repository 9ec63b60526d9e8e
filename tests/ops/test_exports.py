"""CSV exports: streamed, with the list's filters, amounts in minor and major units, formula
injection neutralised, each export logged and audited."""

from __future__ import annotations

import csv
import io
import logging
from decimal import Decimal

import pytest
from django.http import StreamingHttpResponse
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from ops.views.exports import safe_cell
from payments.models import ExportLog, Payment
from tests.conftest import API

pytestmark = pytest.mark.django_db


def _rows(response) -> list[dict[str, str]]:
    assert isinstance(response, StreamingHttpResponse)
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_payments_export_follows_the_filters_with_minor_and_major_units(paid, finance: Client) -> None:
    paid(1000, "USD")
    jpy = paid(5000, "JPY")
    paid(2599, "GBP", "4000000000000002")

    response = finance.get("/ops/payments/export.csv", {"status": "captured"})

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="paygate-payments-')
    rows = _rows(response)
    assert {r["currency"] for r in rows} == {"USD", "JPY"}
    row = next(r for r in rows if r["payment_id"] == jpy.public_id)
    assert (row["amount_minor"], row["amount"], row["captured_minor"]) == ("5000", "5000", "5000")
    usd = next(r for r in rows if r["currency"] == "USD")
    assert (usd["amount_minor"], Decimal(usd["amount"])) == ("1000", Decimal("10.00"))


def test_export_has_the_rows_the_api_lists(paid, finance: Client, finance_api: APIClient, merchant) -> None:
    for amount in (1000, 2000, 3000):
        paid(amount, "USD")

    rows = _rows(finance.get("/ops/payments/export.csv", {"merchant_id": merchant.public_id, "amount_min": "15"}))

    api = finance_api.get(f"{API}/payments/", {"merchant_id": merchant.public_id, "amount_min": 1500}).json()
    assert [r["payment_id"] for r in rows] == [p["id"] for p in api["data"]["results"]]


def test_cells_that_would_be_formulas_are_escaped(paid, finance: Client) -> None:
    payment = paid()
    Payment.objects.filter(pk=payment.pk).update(customer_name='=HYPERLINK("http://x")', customer_email="@evil")

    row = _rows(finance.get("/ops/payments/export.csv"))[0]

    assert row["customer_name"] == '\'=HYPERLINK("http://x")'
    assert row["customer_email"] == "'@evil"
    assert [safe_cell(v) for v in ("+1", "-2", "\tx", "ok", 5)] == ["'+1", "'-2", "'\tx", "ok", 5]


def test_refunds_export(paid, finance: Client, merchant_api: APIClient) -> None:
    payment = paid(2599, "GBP")
    merchant_api.post(
        f"{API}/refunds/", {"payment_id": payment.public_id, "amount": 599, "reason": "-returned"}, format="json"
    )

    rows = _rows(finance.get("/ops/refunds/export.csv"))

    assert len(rows) == 1
    assert (rows[0]["payment_id"], rows[0]["amount_minor"], rows[0]["amount"]) == (payment.public_id, "599", "5.99")
    assert rows[0]["reason"] == "'-returned"


def test_each_export_is_logged(paid, finance: Client, caplog) -> None:
    paid()

    with caplog.at_level(logging.INFO, logger="paygate.ops"):
        b"".join(finance.get("/ops/payments/export.csv", {"currency": "GBP"}).streaming_content)

    assert "export payments by finance@ops.example" in caplog.text and "'currency': 'GBP'" in caplog.text


def test_export_reads_in_one_query(paid, finance: Client, django_assert_max_num_queries) -> None:
    for _ in range(5):
        paid()

    with django_assert_max_num_queries(5):  # + the export's audit row, written and then completed
        assert len(_rows(finance.get("/ops/payments/export.csv"))) == 5


@pytest.mark.parametrize("who", ["finance", "admin"])
def test_each_export_writes_one_audit_row_with_actor_filters_and_rows(
    who: str, request: pytest.FixtureRequest, paid, merchant
) -> None:
    paid(1000, "USD")
    paid(2000, "GBP")
    client: Client = request.getfixturevalue(who)
    actor = request.getfixturevalue(f"{who}_user")

    rows = _rows(client.get("/ops/payments/export.csv", {"currency": "GBP", "merchant_id": merchant.public_id}))

    log = ExportLog.objects.get()
    assert (log.actor, log.kind, log.rows) == (actor, "payments", len(rows)) == (actor, "payments", 1)
    assert log.filters == {"sort": "-created", "currency": "GBP", "merchant_id": merchant.public_id}
    assert log.finished_at is not None and log.finished_at >= log.created_at


def test_a_refunds_export_is_audited_as_such(paid, admin: Client, admin_user) -> None:
    _rows(admin.get("/ops/refunds/export.csv", {"status": "processed"}))

    log = ExportLog.objects.get()
    assert (log.actor, log.kind, log.rows, log.filters["status"]) == (admin_user, "refunds", 0, "processed")


def test_an_export_cut_short_is_audited_without_a_row_count(paid, finance: Client, finance_user) -> None:
    paid()
    response = finance.get("/ops/payments/export.csv")

    next(iter(response.streaming_content))  # the header only: the download stops there

    log = ExportLog.objects.get()
    assert (log.actor, log.rows, log.finished_at) == (finance_user, None, None)


def test_a_merchant_cannot_export_and_nothing_is_audited(merchant, login) -> None:
    response = login(merchant.user).get("/ops/payments/export.csv")

    assert response.status_code == 403
    assert not ExportLog.objects.exists()


def test_the_export_log_is_read_only_in_the_django_admin(paid, admin: Client, finance: Client) -> None:
    _rows(finance.get("/ops/payments/export.csv"))
    log = ExportLog.objects.get()

    changelist = admin.get(reverse("admin:payments_exportlog_changelist"))
    change = admin.post(reverse("admin:payments_exportlog_change", args=[log.pk]), {"rows": "99"})

    assert changelist.status_code == 200 and list(changelist.context["cl"].result_list) == [log]
    assert change.status_code == 403 and ExportLog.objects.get().rows == 0
