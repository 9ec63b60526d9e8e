"""CSV exports of payments and refunds with the list's current filters (finance and admin).

Streamed: rows are read with `.iterator(chunk_size=2000)` as plain tuples and written as they
come, so memory stays flat whatever the number of rows and the first byte leaves at once.
Amounts are given twice: minor units (exact) and decimal major units, with the currency. A
cell a spreadsheet would read as a formula (=, +, -, @, tab, CR) is prefixed with a quote.
Each export is audited (payments.ExportLog, through the services): who asked, which export and
its filters before the first row leaves, and how many rows were sent once the stream ends."""

from __future__ import annotations

import csv
import logging
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, StreamingHttpResponse
from django.utils import timezone

from merchants.models import User
from ops.access import operator_required
from ops.listing import ListForm, PaymentListForm, RefundListForm, filtered
from paygate.lib.money import to_decimal
from payments import services
from payments.filters import PaymentFilter, RefundFilter
from payments.models import ExportKind, ExportLog, Payment, Refund

logger = logging.getLogger("paygate.ops")

CHUNK = 2000
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

PAYMENT_FIELDS = (
    "public_id", "created_at", "merchant__public_id", "merchant__business_name", "order__public_id", "status",
    "method", "currency", "amount", "amount_captured", "amount_refunded", "fee", "provider", "region",
    "customer_name", "customer_email", "failure_reason",
)  # fmt: skip
PAYMENT_HEADER = (
    "payment_id", "created_at", "merchant_id", "merchant", "order_id", "status", "method", "currency",
    "amount_minor", "amount", "captured_minor", "captured", "refunded_minor", "refunded", "fee_minor", "fee",
    "provider", "region", "customer_name", "customer_email", "failure_reason",
)  # fmt: skip
REFUND_FIELDS = (
    "public_id", "created_at", "merchant__public_id", "payment__public_id", "status", "currency", "amount",
    "reason", "failure_reason", "processed_at",
)  # fmt: skip
REFUND_HEADER = (
    "refund_id", "created_at", "merchant_id", "payment_id", "status", "currency", "amount_minor", "amount",
    "reason", "failure_reason", "processed_at",
)  # fmt: skip


def safe_cell(value: Any) -> Any:
    """A text cell that would start a formula in a spreadsheet is prefixed with a quote."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _when(moment: datetime | None) -> str:
    return moment.astimezone(UTC).isoformat() if moment else ""


def _payment_row(row: Sequence[Any]) -> list[Any]:
    (pid, created, merchant_id, merchant, order_id, status, method, currency, amount, captured, refunded, fee,
     provider, region, name, email, reason) = row  # fmt: skip
    money: list[Any] = []
    for minor in (amount, captured, refunded, fee):
        money += [minor, to_decimal(minor, currency)]
    return [pid, _when(created), merchant_id, merchant, order_id, status, method, currency, *money,
            provider, region, name, email, reason]  # fmt: skip


def _refund_row(row: Sequence[Any]) -> list[Any]:
    rid, created, merchant_id, payment_id, status, currency, amount, reason, failure, processed = row
    return [rid, _when(created), merchant_id, payment_id, status, currency, amount, to_decimal(amount, currency),
            reason, failure, _when(processed)]  # fmt: skip


class _Echo:
    """csv.writer writes to this; each row comes back as the string to stream."""

    def write(self, value: str) -> str:
        return value


def _stream(header: Sequence[str], rows: Iterable[Sequence[Any]], export: ExportLog) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(header)
    sent = 0
    for row in rows:
        yield writer.writerow([safe_cell(cell) for cell in row])
        sent += 1
    # Only reached when every row has gone out: a download cancelled half-way leaves `rows` empty.
    services.export_log_finish(export=export, rows=sent)


def _export(
    request: HttpRequest,
    *,
    kind: str,
    form_class: type[ListForm],
    filterset: Any,
    queryset: QuerySet,
    fields: Sequence[str],
    header: Sequence[str],
    shape: Any,
) -> StreamingHttpResponse:
    form, queryset = filtered(form_class, filterset, queryset, request.GET)
    params = form.api_params()
    assert isinstance(request.user, User)
    logger.info("export %s by %s (%s) with %s", kind, request.user.email, request.user.public_id, params)
    export = services.export_log_start(actor=request.user, kind=kind, filters=params)
    rows = (shape(row) for row in queryset.values_list(*fields).iterator(chunk_size=CHUNK))
    response = StreamingHttpResponse(_stream(header, rows, export), content_type="text/csv; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="paygate-{kind}-{stamp}.csv"'
    response["Cache-Control"] = "no-store"
    return response


@operator_required
def payments_csv(request: HttpRequest) -> StreamingHttpResponse:
    return _export(
        request, kind=ExportKind.PAYMENTS, form_class=PaymentListForm, filterset=PaymentFilter,
        queryset=Payment.objects.visible_to(request.user), fields=PAYMENT_FIELDS, header=PAYMENT_HEADER,
        shape=_payment_row,
    )  # fmt: skip


@operator_required
def refunds_csv(request: HttpRequest) -> StreamingHttpResponse:
    return _export(
        request, kind=ExportKind.REFUNDS, form_class=RefundListForm, filterset=RefundFilter,
        queryset=Refund.objects.visible_to(request.user), fields=REFUND_FIELDS, header=REFUND_HEADER,
        shape=_refund_row,
    )  # fmt: skip
