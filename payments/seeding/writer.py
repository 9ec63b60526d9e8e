"""The bulk writer: COPY on PostgreSQL (with a bulk-load mode for large seeds), bulk_create elsewhere."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db import connection, models

from payments.models import (
    LedgerEntry,
    Order,
    Payment,
    Payout,
    ProviderAttempt,
    Refund,
)
from webhooks.models import Event, WebhookAttempt, WebhookDelivery

# --- writing ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Table:
    model: type[models.Model]
    label: str
    columns: tuple[str, ...]  # attnames, in the order of the row tuples
    json_columns: frozenset[str] = frozenset()


ORDERS = _Table(
    Order, "orders",
    ("id", "public_id", "merchant_id", "amount", "currency", "amount_paid", "status", "receipt", "notes",
     "attempts", "deleted", "deleted_at", "created_at", "updated_at"),
    frozenset({"notes"}),
)  # fmt: skip
PAYMENTS = _Table(
    Payment, "payments",
    ("id", "public_id", "merchant_id", "order_id", "amount", "currency", "method", "status", "failure_reason",
     "capture_method", "card_last4", "card_network", "card_exp_month", "card_exp_year", "card_fingerprint", "vpa",
     "customer_name", "customer_email", "customer_country", "region", "provider", "amount_captured",
     "amount_refunded", "fee", "retry_count", "processing_claim", "processing_started_at", "review_note",
     "reviewed_by_id", "authorized_at", "captured_at", "canceled_at", "failed_at", "deleted", "deleted_at",
     "created_at", "updated_at", "risk_rule"),
)  # fmt: skip
ATTEMPTS = _Table(
    ProviderAttempt, "provider attempts",
    ("id", "public_id", "payment_id", "merchant_id", "sequence", "provider", "result", "latency_ms", "error_code",
     "currency", "region", "manual", "recorded_by_id", "created_at", "fallback"),
)  # fmt: skip
REFUNDS = _Table(
    Refund, "refunds",
    ("id", "public_id", "merchant_id", "payment_id", "amount", "currency", "status", "reason", "failure_reason",
     "processed_at", "created_at", "updated_at"),
)  # fmt: skip
PAYOUTS = _Table(
    Payout, "payouts", ("id", "public_id", "merchant_id", "amount", "currency", "status", "created_at", "updated_at")
)  # fmt: skip
LEDGER = _Table(
    LedgerEntry, "ledger entries",
    ("id", "public_id", "merchant_id", "balance_id", "currency", "type", "amount", "balance_before",
     "balance_after", "reference", "payment_id", "refund_id", "payout_id", "created_at"),
)  # fmt: skip
EVENTS = _Table(
    Event, "events",
    ("id", "public_id", "merchant_id", "type", "object_type", "object_id", "data", "payment_id", "actor",
     "created_at"),
    frozenset({"data"}),
)  # fmt: skip
TABLES = (ORDERS, PAYMENTS, ATTEMPTS, REFUNDS, PAYOUTS, LEDGER, EVENTS)


@contextmanager
def _explicit_timestamps(model: type[models.Model]) -> Iterator[None]:
    """Let bulk_create keep our created_at/updated_at values.

    Django's `pre_save` overwrites auto_now/auto_now_add fields with the current time, in
    bulk_create too, so they are switched off for the duration of the insert.
    """
    fields = [f for f in model._meta.concrete_fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)]  # fmt: skip
    saved = [(f, f.auto_now, f.auto_now_add) for f in fields]
    for f in fields:
        f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


class _Writer:
    """Writes row tuples: COPY on PostgreSQL, bulk_create in batches elsewhere. Same rows either way.

    `freeze`: COPY with FREEZE — rows are written frozen and all-visible, which PostgreSQL allows
    only into tables created or truncated in the same transaction (see `_bulk_load`)."""

    def __init__(self, *, freeze: bool = False) -> None:
        self.postgres = connection.vendor == "postgresql"
        self.freeze = freeze
        self.counts: dict[str, int] = {}

    def write(self, table: _Table, rows: list[tuple]) -> None:
        if not rows:
            return
        self.counts[table.label] = self.counts.get(table.label, 0) + len(rows)
        extra = self._defaults(table)
        if self.postgres:
            self._copy(table, rows, extra)
        else:
            self._bulk_create(table, rows, extra)

    @staticmethod
    def _defaults(table: _Table) -> dict[str, Any]:
        """Columns added to a model after this module was written get their default."""
        extra: dict[str, Any] = {}
        for f in table.model._meta.concrete_fields:
            if f.attname in table.columns:
                continue
            if not f.has_default() and not f.null:
                raise RuntimeError(f"payments.seeding does not know how to fill {table.model.__name__}.{f.attname}")
            extra[f.attname] = f.get_default()
        return extra

    def _copy(self, table: _Table, rows: list[tuple], extra: dict[str, Any]) -> None:
        fields = {f.attname: f for f in table.model._meta.concrete_fields}
        names = ", ".join(connection.ops.quote_name(fields[name].column) for name in (*table.columns, *extra))
        tail = tuple(fields[name].get_db_prep_save(value, connection) for name, value in extra.items())
        sql = f"COPY {connection.ops.quote_name(table.model._meta.db_table)} ({names}) FROM STDIN"
        if self.freeze:
            sql += " WITH (FREEZE)"
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            write = copy.write_row
            for row in rows:
                write(row + tail if tail else row)

    @staticmethod
    def _bulk_create(table: _Table, rows: list[tuple], extra: dict[str, Any]) -> None:
        model, columns = table.model, table.columns
        objects = []
        for row in rows:
            values = dict(zip(columns, row, strict=True))
            for name in table.json_columns:
                values[name] = json.loads(values[name])
            objects.append(model(**values, **extra))
        with _explicit_timestamps(model):
            model.objects.bulk_create(objects, batch_size=500)


@contextmanager
def _bulk_load(enabled: bool, phase: Callable[[str], None]) -> Iterator[bool]:
    """PostgreSQL bulk load: drop the secondary indexes and the unique and foreign-key constraints
    of the seeded tables, and recreate them from their own definitions once the rows are in.

    Runs inside the seeding transaction (DDL is transactional in PostgreSQL), so the tables are
    never seen without them; other connections wait for these tables until the seed commits.
    Recreating a foreign key checks every row, so integrity is proven, not assumed.

    Yields whether the tables were all empty (a fresh database). Then they are TRUNCATEd here —
    with the webhook tables that point at events, empty too — which lets COPY write FREEZE rows:
    already visible to everyone, so no VACUUM pass is needed before index-only scans work.
    """
    if not enabled:
        yield False
        return
    tables = [t.model._meta.db_table for t in TABLES]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), contype FROM pg_constraint "
            "WHERE conrelid = ANY(%s::regclass[]) AND contype IN ('u', 'f') ORDER BY contype DESC, 1, 2",
            [tables],
        )
        constraints = cursor.fetchall()
        cursor.execute(
            "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index i "
            "WHERE indrelid = ANY(%s::regclass[]) AND NOT indisprimary "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) ORDER BY 1",
            [tables],
        )
        indexes = cursor.fetchall()
        for table, name, _, _ in constraints:
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {quote(name)}")
        for name, _ in indexes:
            cursor.execute(f"DROP INDEX {name}")
        emptied = [t.model for t in TABLES] + [WebhookDelivery, WebhookAttempt]
        fresh = not any(model._base_manager.exists() for model in emptied)
        if fresh:
            cursor.execute("TRUNCATE " + ", ".join(quote(model._meta.db_table) for model in emptied))
    yield fresh
    phase("building indexes")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for _, definition in indexes:
            cursor.execute(definition)
        # Unique constraints first ('u' sorts after 'f'; DESC), then the foreign keys that check rows.
        for table, name, definition, _ in constraints:
            cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {quote(name)} {definition}")
