"""Demo data in bulk: the rows the services would write for N payments, without calling them N times.

`payments_seed` generates orders, payments in every outcome, their provider attempts (with
fallbacks and retries), refunds (full, partial, failed), weekly payouts, the ledger and the events,
spread over the past `days` days for several merchants, and writes them in batches: `COPY` on
PostgreSQL, `bulk_create` elsewhere. It replays the same decisions the services take:

- outcomes come from `payments.providers.simulate_attempt` / `simulate_refund` with the providers'
  profiles (and the documented test cards' scenarios), tried in a routing order, with the risk
  rules of `payments.risk` (review and block thresholds, blocked cards) in front;
- fees come from `payments.services.capture_fee`; statuses follow `PAYMENT_TRANSITIONS`;
- every change writes the events the service writes, with `data` shaped exactly like the API
  output at that moment (the last event of an object equals its serializer output);
- ledger entries are written in time order with a running before/after chain per balance, so
  `verify_ledger` holds and each balance equals the sum of its entries.

Everything random comes from one `random.Random(seed)`, so the same seed and the same `now`
give the same data — except the public ids, which stay unguessable (drawn from the OS's CSPRNG,
like `paygate.lib.ids.new_id`, but in batches: `new_id` costs ~13 µs an id, which alone would
take two minutes for the ~10 million ids of a million payments).

All of it runs in one transaction: an interrupted run leaves nothing behind. On PostgreSQL a
writer thread streams the COPYs while the next batch is generated, and a large seed loads the
tables without their secondary indexes and constraints and rebuilds them before committing —
into a fresh database with COPY FREEZE, so that no VACUUM pass follows.
Events get no webhook deliveries (the services make one only for merchants with a webhook URL,
and seeded events are history, not news).
"""

from __future__ import annotations

import heapq
import json
import math
import os
import queue
import random
import threading
import time
from bisect import bisect_right
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import Count

from merchants.models import Merchant, User
from paygate.lib.ids import ALPHABET, RANDOM_LENGTH
from paygate.lib.money import CURRENCIES
from payments import counts
from payments.cards import TEST_CARDS, Scenario, card_fingerprint, card_network, luhn_check_digit
from payments.models import (
    RETRYABLE_REASONS,
    AttemptResult,
    Balance,
    CaptureMethod,
    FailureReason,
    LedgerEntry,
    LedgerEntryType,
    Method,
    Order,
    OrderStatus,
    Payment,
    PaymentStatus,
    Payout,
    PayoutStatus,
    ProviderAttempt,
    ProviderProfile,
    Refund,
    RefundStatus,
)
from payments.providers import ensure_default_profiles, simulate_attempt, simulate_refund
from payments.regions import region_for
from payments.routing import score
from payments.services import capture_fee
from webhooks.models import Event, WebhookAttempt, WebhookDelivery

# --- the demo shops -----------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoShop:
    """A demo merchant and the shape of its traffic."""

    email: str
    name: str
    business_name: str
    share: float  # of all seeded payments
    currencies: dict[str, float]  # currency -> weight
    auto_capture: bool = True
    upi_share: float = 0.0  # of its INR payments


DEMO_MERCHANT_PASSWORD = "paygate-merchant-demo"  # noqa: S105 — demo data only, printed by seed_demo
DEMO_SHOPS = [
    DemoShop(
        "merchant@paygate.test", "Mia Merchant", "Demo Store", 0.40,
        {"USD": 30, "EUR": 20, "GBP": 25, "INR": 8, "JPY": 5, "AUD": 5, "CAD": 4, "SGD": 3}, upi_share=0.3,
    ),
    DemoShop("books@paygate.test", "Noah Books", "Northwind Books", 0.20, {"GBP": 50, "EUR": 30, "USD": 20}),
    DemoShop(
        "travel@paygate.test", "Kai Travel", "Kite Travel", 0.15,
        {"USD": 35, "EUR": 25, "SGD": 15, "AUD": 10, "JPY": 10, "CHF": 5}, auto_capture=False,
    ),
    DemoShop("chai@paygate.test", "Anya Chai", "Chai & Co", 0.15, {"INR": 90, "USD": 10}, upi_share=0.45),
    DemoShop("gulf@paygate.test", "Omar Gulf", "Gulf Outfitters", 0.10, {"KWD": 50, "USD": 30, "EUR": 20}),
]  # fmt: skip

# Typical amount (major units) per currency; amounts are log-normal around it.
TYPICAL_AMOUNT = {
    "USD": 45, "EUR": 40, "GBP": 35, "INR": 1500, "JPY": 2500, "AUD": 60, "CAD": 55, "SGD": 60, "CHF": 50, "KWD": 15,
}  # fmt: skip
HOME_COUNTRIES = {
    "USD": {"US": 85, "CA": 3, "MX": 6, "BR": 6},
    "EUR": {"DE": 30, "FR": 25, "NL": 15, "ES": 15, "IT": 15},
    "GBP": {"GB": 95, "IE": 5},
    "INR": {"IN": 1},
    "JPY": {"JP": 1},
    "AUD": {"AU": 85, "NZ": 15},
    "CAD": {"CA": 1},
    "SGD": {"SG": 80, "MY": 20},
    "CHF": {"CH": 1},
    "KWD": {"KW": 70, "AE": 15, "SA": 15},
}
CROSS_BORDER_SHARE = 0.08
CROSS_BORDER_COUNTRIES = ["US", "GB", "DE", "IN", "JP", "BR", "AE", "AU", "NG", "ZA", "MX", "SG"]
# Share of card payments made with one of the documented test cards (payments/cards.py).
CARD_SCENARIOS = {
    Scenario.FIRST_PROVIDER_FAILS: 0.03,
    Scenario.DECLINE: 0.015,
    Scenario.INSUFFICIENT_FUNDS: 0.01,
    Scenario.EXPIRED: 0.005,
    Scenario.PROCESSING_ERROR: 0.01,
    Scenario.FRAUD: 0.007,
    Scenario.REVIEW: 0.01,
}
FIRST_NAMES = [
    "Ava", "Liam", "Mia", "Noah", "Zara", "Omar", "Lena", "Ravi", "Yuki", "Hana", "Leo", "Ines", "Mateo", "Sofia",
    "Arjun", "Priya", "Kenji", "Amara", "Lucas", "Chloe", "Elif", "Jonas", "Nia", "Tomas", "Aisha", "Hugo", "Maya",
    "Felix", "Sara", "Diego",
]  # fmt: skip
LAST_NAMES = [
    "Reed", "Patel", "Kim", "Silva", "Rossi", "Mueller", "Tanaka", "Khan", "Novak", "Dubois", "Garcia", "Haddad",
    "Okafor", "Larsen", "Costa", "Ito", "Singh", "Moreau", "Nguyen", "Fischer", "Santos", "Ali", "Cohen", "Weber",
    "Mendes", "Sato", "Brown", "Lopez", "Mehta", "Young",
]  # fmt: skip

ABANDONED_ORDER_SHARE = 0.03  # orders created at checkout and never paid
REFUND_SHARE = 0.07  # of captured payments
FULL_REFUND_SHARE = 0.55  # of refunded payments; the rest are partial
SECOND_REFUND_SHARE = 0.3  # of partial refunds, a later one refunds the rest
RETRY_SHARE = 0.4  # of soft failures, the merchant retries (each retry again, up to two)
REVIEW_APPROVE_SHARE = 0.75
MANUAL_CAPTURE_SHARE, MANUAL_CANCEL_SHARE = 0.85, 0.08  # of authorized payments of manual-capture shops
PAYOUT_MINIMUM_MAJOR = 100  # a weekly payout happens when the balance holds at least this much
BATCH_PAYMENTS = 20_000
CUSTOMERS_PER_COUNTRY = 400

# PostgreSQL: a seed this large loads the tables without their secondary indexes and unique and
# foreign-key constraints and rebuilds them at the end, in the same transaction (the PostgreSQL
# manual's advice for bulk loads: one index build is far cheaper than millions of index updates).
BULK_LOAD_THRESHOLD = 50_000

SECOND = 1_000_000  # times are integer microseconds since the epoch
MINUTE, HOUR, DAY = 60 * SECOND, 3600 * SECOND, 86400 * SECOND
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_DAY_PREFIX: dict[int, str] = {}
_SECOND_PREFIX: dict[int, str] = {}


def _us(moment: datetime) -> int:
    delta = moment - EPOCH
    return (delta.days * 86400 + delta.seconds) * SECOND + delta.microseconds


def _iso(us: int) -> str:
    """The API's datetime format (DRF): ISO 8601 in UTC with "Z", microseconds only when non-zero.

    Rows carry these strings too: COPY and Django's DateTimeField both read them exactly.
    """
    seconds, micro = divmod(us, SECOND)
    prefix = _SECOND_PREFIX.get(seconds)
    if prefix is None:
        if len(_SECOND_PREFIX) > 100_000:  # a payment's times share a few seconds: a small cache does
            _SECOND_PREFIX.clear()
        day, rest = divmod(seconds, 86400)
        date = _DAY_PREFIX.get(day)
        if date is None:
            date = _DAY_PREFIX[day] = (EPOCH + timedelta(days=day)).strftime("%Y-%m-%dT")
        hour, rest = divmod(rest, 3600)
        minute, second = divmod(rest, 60)
        prefix = _SECOND_PREFIX[seconds] = f"{date}{hour:02d}:{minute:02d}:{second:02d}"
    return f"{prefix}.{micro:06d}Z" if micro else f"{prefix}Z"


def _iso_or_none(us: int | None) -> str | None:
    return None if us is None else _iso(us)


def _jstr(value: str) -> str:
    """A JSON string, or null for a blank value. Only for our own ids and enum values (no escaping)."""
    return f'"{value}"' if value else "null"


# --- public ids ---------------------------------------------------------------------------------

# bytes 0..247 map uniformly onto the 62 letters (248 = 4 × 62); 248..255 are dropped.
_ID_TABLE = bytes(ord(ALPHABET[i % len(ALPHABET)]) if i < 248 else 0 for i in range(256))
_ID_DROP = bytes(range(248, 256))


def public_ids(prefix: str, count: int) -> list[str]:
    """`count` ids shaped like `new_id(prefix)`: RANDOM_LENGTH base62 characters from os.urandom."""
    need = count * RANDOM_LENGTH
    chunks: list[bytes] = []
    have = 0
    while have < need:
        chunk = os.urandom(int((need - have) * 1.04) + 64).translate(_ID_TABLE, _ID_DROP)
        chunks.append(chunk)
        have += len(chunk)
    letters = b"".join(chunks)[:need].decode()
    head = f"{prefix}_"
    return [head + letters[i : i + RANDOM_LENGTH] for i in range(0, need, RANDOM_LENGTH)]


class _PublicIds:
    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.pool: list[str] = []

    def next(self) -> str:
        if not self.pool:
            self.pool = public_ids(self.prefix, 10_000)
        return self.pool.pop()


# --- primary keys -------------------------------------------------------------------------------


class _Keys:
    """Primary keys handed out before the rows are written, so that rows can point at each other.

    PostgreSQL: reserved from the table's sequence (`nextval`), safe next to other writers.
    SQLite: counted up from MAX(id) read inside the seeding transaction, which holds SQLite's
    write lock (IMMEDIATE) until it commits.
    """

    def __init__(self, model: type[models.Model]) -> None:
        self.table = model._meta.db_table
        self.column = model._meta.pk.column
        self.pool: list[int] = []
        self.position = 0
        self.last: int | None = None
        if connection.vendor != "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f'SELECT COALESCE(MAX("{self.column}"), 0) FROM "{self.table}"')  # noqa: S608
                self.last = cursor.fetchone()[0]

    def take(self, count: int) -> list[int]:
        if count <= 0:
            return []
        if self.last is not None:
            start = self.last + 1
            self.last += count
            return list(range(start, start + count))
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [self.table, self.column, count],
            )
            return sorted(row[0] for row in cursor.fetchall())

    def next(self) -> int:
        if self.position >= len(self.pool):
            self.pool = self.take(5_000)
            self.position = 0
        self.position += 1
        return self.pool[self.position - 1]


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
     "created_at", "updated_at"),
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


# --- simulation inputs ----------------------------------------------------------------------------


@dataclass
class _Shop:
    demo: DemoShop
    merchant_pk: int
    merchant_id: str  # public
    actor: str  # the merchant user's public id: its API calls are made as that user
    currencies: list[str]
    cumulative: list[float]
    capture_method: str


@dataclass(frozen=True)
class _Customer:
    name: str
    email: str
    country: str
    region: str
    last4: str
    network: str
    exp_month: int
    exp_year: int
    fingerprint: str
    vpa: str
    json: str  # the API's "customer" object
    card_json: str  # the API's "card" object


def _card_json(last4: str, network: str, exp_month: int, exp_year: int) -> str:
    return json.dumps({"last4": last4, "network": network, "exp_month": exp_month, "exp_year": exp_year})


def _cumulative(weights: list[float]) -> list[float]:
    total, out = 0.0, []
    for weight in weights:
        total += weight
        out.append(total)
    return [value / total for value in out]


@dataclass(slots=True)
class _Pay:
    """A payment being simulated, with what its API output needs at each event."""

    pk: int
    public_id: str
    order_pk: int
    order_id: str
    shop: _Shop
    amount: int
    currency: str
    method: str
    region: str
    scenario: Scenario | None
    created: int
    receipt: str
    order_created: int
    head: str = ""
    status: str = PaymentStatus.CREATED
    failure_reason: str = ""
    provider: str = ""
    attempts: list[tuple] = field(default_factory=list)  # attempt rows
    attempt_json: list[str] = field(default_factory=list)
    attempts_json: str = "[]"
    amount_captured: int = 0
    amount_refunded: int = 0
    fee: int = 0
    retry_count: int = 0
    updated: int = 0
    processing_started: int = 0
    reviewed_by: int | None = None
    authorized_at: int | None = None
    captured_at: int | None = None
    canceled_at: int | None = None
    failed_at: int | None = None
    order_status: str = OrderStatus.ATTEMPTED
    order_updated: int = 0


@dataclass
class _Batch:
    done: int  # payments generated so far
    orders: list[tuple] = field(default_factory=list)
    payments: list[tuple] = field(default_factory=list)
    attempts: list[tuple] = field(default_factory=list)
    refunds: list[tuple] = field(default_factory=list)
    # Timed items due in this batch, in time order: ("E", event fields…), ("L", ledger posting…), ("P", payout)
    items: list[tuple] = field(default_factory=list)


@dataclass
class SeedResult:
    payments: int
    counts: dict[str, int]
    seconds: float


# --- the generator --------------------------------------------------------------------------------


class _Generator:
    """Simulates each payment's life and yields batches of rows and time-ordered items."""

    def __init__(
        self, *, shops: list[_Shop], reviewer: User | None, payments: int, seed: int, days: int, now: datetime
    ) -> None:
        self.rng = random.Random(seed)  # noqa: S311 — a simulation, not security
        self.random = self.rng.random
        self.seed = seed
        self.total = payments
        self.now = _us(now)
        self.start = self.now - days * DAY
        self.year = now.year
        self.reviewer_pk = reviewer.pk if reviewer else None
        self.reviewer_actor = reviewer.public_id if reviewer else ""
        self.shops = shops
        self.shop_cumulative = _cumulative([shop.demo.share for shop in shops])
        self.homes = {c: (list(h), _cumulative(list(h.values()))) for c, h in HOME_COUNTRIES.items()}
        self.review_above = {c: settings.PAYGATE_RISK_REVIEW_ABOVE * 10**cur.exponent for c, cur in CURRENCIES.items()}
        self.block_above = {c: settings.PAYGATE_RISK_BLOCK_ABOVE * 10**cur.exponent for c, cur in CURRENCIES.items()}
        self.keys = {model: _Keys(model) for model in (Order, Payment, ProviderAttempt, Refund)}
        self.ids = {prefix: _PublicIds(prefix) for prefix in ("order", "pay", "att", "rfnd")}
        self.sequence = 0  # tie-break of timed items: generation order is causal order
        self.pending: list[tuple] = []  # timed items due in the current batch
        self.later: list[tuple] = []  # heap of timed items due after it
        self.horizon = 0  # items at or before this time belong to the current batch
        self.customers: dict[tuple[str, int], _Customer] = {}
        # Receipt numbers continue each merchant's own (an --append batch does not repeat them).
        self.receipts: dict[int, int] = dict(
            Order.objects.all_with_deleted()
            .filter(merchant_id__in=[shop.merchant_pk for shop in shops])
            .values_list("merchant_id")
            .annotate(n=Count("*"))
            .order_by()
        )
        self.batch = _Batch(0)
        self._load_providers()
        self.test_cards = {}
        for scenario in CARD_SCENARIOS:
            number = next(n for n, (s, _) in TEST_CARDS.items() if s == scenario)
            last4, network = number[-4:], card_network(number)
            self.test_cards[scenario] = (last4, network, 12, self.year + 4, card_fingerprint(number),
                                         _card_json(last4, network, 12, self.year + 4))  # fmt: skip

    def _between(self, low: int, high: int) -> int:
        return low + int(self.random() * (high - low))

    # -- providers and routing

    def _load_providers(self) -> None:
        if not ProviderProfile.objects.exists():
            ensure_default_profiles()
        self.profiles = list(ProviderProfile.objects.filter(enabled=True).order_by("name"))
        span = self.now - self.start
        # Outage windows: the provider answers PROVIDER_UNAVAILABLE and the router falls back.
        windows = {"paypal": (0.62, 6 * HOUR), "adyen": (0.21, 3 * HOUR), "stripe": (0.40, 1 * HOUR)}
        self.outages: dict[str, tuple[int, int, ProviderProfile]] = {}
        for profile in self.profiles:
            if profile.name in windows:
                share, length = windows[profile.name]
                begin = self.now - int(span * share)
                down = ProviderProfile(**{f.attname: getattr(profile, f.attname) for f in profile._meta.concrete_fields})  # fmt: skip
                down.outage = True
                self.outages[profile.name] = (begin, begin + length, down)
        self.by_name = {p.name: p for p in self.profiles}
        self.eligible: dict[tuple[str, str, str], list[tuple[float, ProviderProfile]]] = {}

    def _profile_at(self, profile: ProviderProfile, at: int) -> ProviderProfile:
        window = self.outages.get(profile.name)
        if window and window[0] <= at < window[1]:
            return window[2]
        return profile

    def _ranked(self, currency: str, region: str, method: str) -> list[ProviderProfile]:
        """The router's order: its score (payments.routing) plus noise for the recent-stats swings."""
        key = (currency, region, method)
        eligible = self.eligible.get(key)
        if eligible is None:
            eligible = [
                (score(p, None), p)
                for p in self.profiles
                if p.supports(currency=currency, region=region, method=method)
            ]
            self.eligible[key] = eligible
        if len(eligible) < 2:
            return [p for _, p in eligible]
        gauss = self.rng.gauss
        return [p for _, _, p in sorted(((s + gauss(0, 0.03), p.name, p) for s, p in eligible), reverse=True)]

    # -- customers

    def _customer(self, country: str, index: int) -> _Customer:
        key = (country, index)
        customer = self.customers.get(key)
        if customer is None:
            rng = random.Random(f"{self.seed}:{country}:{index}")  # noqa: S311
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            kind = rng.random()
            prefix = "4" if kind < 0.6 else ("5" + str(rng.randint(1, 5)) if kind < 0.9 else rng.choice(["34", "37"]))
            length = 15 if prefix in ("34", "37") else 16
            payload = prefix + "".join(str(rng.randrange(10)) for _ in range(length - len(prefix) - 1))
            number = payload + luhn_check_digit(payload)
            exp_month, exp_year = rng.randint(1, 12), rng.randint(self.year + 1, self.year + 5)
            name, email = f"{first} {last}", f"{first}.{last}{index}@example.com".lower()
            network = card_network(number)
            customer = _Customer(
                name=name, email=email, country=country, region=region_for(country) or "na",
                last4=number[-4:], network=network, exp_month=exp_month, exp_year=exp_year,
                fingerprint=card_fingerprint(number), vpa=f"{first}.{last}{index}@okaxis".lower(),
                json=json.dumps({"name": name, "email": email, "country": country}),
                card_json=_card_json(number[-4:], network, exp_month, exp_year),
            )  # fmt: skip
            self.customers[key] = customer
        return customer

    # -- timed items

    def _at(self, at: int, item: tuple) -> None:
        self.sequence += 1
        if at <= self.horizon:
            self.pending.append((at, self.sequence, item))
        else:
            heapq.heappush(self.later, (at, self.sequence, item))

    def _event(self, at: int, shop: _Shop, type: str, object_type: str, object_id: str, data: str,
               payment_pk: int | None, actor: str = "") -> None:  # fmt: skip
        self._at(at, ("E", shop.merchant_pk, type, object_type, object_id, data, payment_pk, actor))

    def _posting(self, at: int, p: _Pay, type: str, amount: int, reference: str, refund_pk: int | None = None) -> None:
        self._at(at, ("L", p.shop.merchant_pk, p.currency, type, amount, reference, p.pk, refund_pk))

    # -- JSON snapshots, shaped like payments.serializers' outputs

    def _payment_event(self, p: _Pay, at: int, type: str, actor: str = "") -> None:
        p.updated = at
        data = (
            f'{p.head}"status": "{p.status}", "failure_reason": {_jstr(p.failure_reason)}, '
            f'"provider": {_jstr(p.provider)}, "provider_attempts": {p.attempts_json}, '
            f'"amount_captured": {p.amount_captured}, "amount_refunded": {p.amount_refunded}, "fee": {p.fee}, '
            f'"retry_count": {p.retry_count}, "updated_at": "{_iso(at)}"}}'
        )
        self._at(at, ("E", p.shop.merchant_pk, type, "payment", p.public_id, data, p.pk, actor))

    @staticmethod
    def _order_json(p: _Pay, *, amount_paid: int, status: str, attempts: int) -> str:
        return (
            f'{{"id": "{p.order_id}", "merchant_id": "{p.shop.merchant_id}", "amount": {p.amount}, '
            f'"currency": "{p.currency}", "amount_paid": {amount_paid}, "amount_due": {max(p.amount - amount_paid, 0)}, '
            f'"status": "{status}", "receipt": "{p.receipt}", "notes": {{}}, "attempts": {attempts}, '
            f'"created_at": "{_iso(p.order_created)}"}}'
        )

    @staticmethod
    def _refund_json(public_id: str, p: _Pay, amount: int, status: str, failure: str, created: int,
                     processed: int | None) -> str:  # fmt: skip
        return (
            f'{{"id": "{public_id}", "payment_id": "{p.public_id}", "amount": {amount}, "currency": "{p.currency}", '
            f'"status": "{status}", "reason": "requested_by_customer", "failure_reason": {_jstr(failure)}, '
            f'"created_at": "{_iso(created)}", "processed_at": {_jstr(_iso(processed)) if processed else "null"}}}'
        )

    # -- batches

    def batches(self) -> Iterator[_Batch]:
        times = self._creation_times()
        self._schedule_payouts()
        previous = self.start
        for begin in range(0, self.total, BATCH_PAYMENTS):
            chunk = times[begin : begin + BATCH_PAYMENTS]
            # Every later item happens after the last payment of this batch is created.
            self.horizon = chunk[-1]
            for created in chunk:
                self._payment(created, previous)
                previous = created
            yield self._close(begin + len(chunk))
        self.horizon = self.now + 365 * DAY
        yield self._close(self.total)

    def _close(self, done: int) -> _Batch:
        while self.later and self.later[0][0] <= self.horizon:
            self.pending.append(heapq.heappop(self.later))
        self.pending.sort()  # (time, sequence): the sequence is unique, items are never compared
        batch, self.batch = self.batch, _Batch(done)
        batch.done, batch.items, self.pending = done, self.pending, []
        return batch

    def _creation_times(self) -> list[int]:
        """Sorted, strictly increasing creation times; busier in the afternoon and on weekdays."""
        rnd = self.random
        span = self.now - self.start - 5 * MINUTE
        times = []
        while len(times) < self.total:
            at = self.start + int(rnd() * span)
            hour = (at // HOUR) % 24
            weekday = (at // DAY + 3) % 7  # 1970-01-01 was a Thursday
            weight = (0.45 + 0.55 * math.sin(math.pi * ((hour - 6) % 24) / 24)) * (0.7 if weekday >= 5 else 1.0)
            if rnd() < weight:
                times.append(at)
        times.sort()
        for i in range(1, len(times)):
            if times[i] <= times[i - 1]:
                times[i] = times[i - 1] + 1
        return times

    def _schedule_payouts(self) -> None:
        first = (self.start // DAY + 7) * DAY + 9 * HOUR
        for shop in self.shops:
            at = first
            while at < self.now:
                self._at(at, ("P", shop.merchant_pk, shop.merchant_id, shop.actor))
                at += 7 * DAY

    # -- one payment's life

    def _pick(self) -> tuple[_Shop, str, str, _Customer, Scenario | None]:
        rnd = self.random
        shop = self.shops[bisect_right(self.shop_cumulative, rnd())]
        currency = shop.currencies[bisect_right(shop.cumulative, rnd())]
        method = Method.CARD
        if currency == "INR" and rnd() < shop.demo.upi_share:
            method, country = Method.UPI, "IN"
        elif rnd() < CROSS_BORDER_SHARE:
            country = CROSS_BORDER_COUNTRIES[int(rnd() * len(CROSS_BORDER_COUNTRIES))]
        else:
            countries, cumulative = self.homes[currency]
            country = countries[bisect_right(cumulative, rnd())]
        customer = self._customer(country, int(rnd() * CUSTOMERS_PER_COUNTRY))
        scenario = None
        draw = rnd()
        if method == Method.UPI:
            scenario = Scenario.DECLINE if draw < 0.02 else None
        else:
            for candidate, share in CARD_SCENARIOS.items():
                if draw < share:
                    scenario = candidate
                    break
                draw -= share
        return shop, currency, method, customer, scenario

    def _amount(self, currency: str) -> int:
        spec = CURRENCIES[currency]
        major = TYPICAL_AMOUNT[currency] * math.exp(self.rng.gauss(0, 0.9))
        if self.random() < 0.004:
            major *= 60  # the high-value tail that the risk rules hold for review or block
        return min(max(int(major * 10**spec.exponent), spec.min_amount), spec.max_amount)

    def _receipt(self, shop: _Shop) -> str:
        self.receipts[shop.merchant_pk] = number = self.receipts.get(shop.merchant_pk, 0) + 1
        return f"INV-{number:07d}"

    def _payment(self, created: int, previous: int) -> None:
        """payments.services.order_create + payment_create, then processing and what follows."""
        shop, currency, method, customer, scenario = self._pick()
        amount = self._amount(currency)
        if self.random() < ABANDONED_ORDER_SHARE:
            self._abandoned_order(shop, currency, previous + (created - previous) // 3)
        order_created = created - min(self._between(2 * SECOND, 5 * MINUTE), (created - previous) // 2)
        p = _Pay(
            pk=self.keys[Payment].next(), public_id=self.ids["pay"].next(), order_pk=self.keys[Order].next(),
            order_id=self.ids["order"].next(), shop=shop, amount=amount, currency=currency, method=method,
            region=customer.region, scenario=scenario, created=created, receipt=self._receipt(shop),
            order_created=order_created,
        )  # fmt: skip
        vpa = ""
        if method == Method.UPI:
            last4 = network = fingerprint = ""
            exp_month = exp_year = None
            card_json = "null"
            vpa = "failure@paygate" if scenario == Scenario.DECLINE else customer.vpa
        elif scenario is not None:
            last4, network, exp_month, exp_year, fingerprint, card_json = self.test_cards[scenario]
        else:
            c = customer
            last4, network, exp_month, exp_year, fingerprint, card_json = (
                c.last4, c.network, c.exp_month, c.exp_year, c.fingerprint, c.card_json
            )  # fmt: skip
        created_iso = _iso(created)
        p.head = (
            f'{{"id": "{p.public_id}", "order_id": "{p.order_id}", "merchant_id": "{shop.merchant_id}", '
            f'"amount": {amount}, "currency": "{currency}", "method": "{method}", '
            f'"capture_method": "{shop.capture_method}", "card": {card_json}, "vpa": {_jstr(vpa)}, '
            f'"customer": {customer.json}, "region": "{p.region}", "created_at": "{created_iso}", '
        )
        order_json = self._order_json(p, amount_paid=0, status=OrderStatus.CREATED, attempts=0)
        self._event(order_created, shop, "order.created", "order", p.order_id, order_json, None, shop.actor)
        self._payment_event(p, created, "payment.created", shop.actor)
        p.status = PaymentStatus.PROCESSING
        p.processing_started = p.order_updated = created
        self._process(p, created + self._between(5_000, 400_000))
        self._lifecycle(p)

        batch = self.batch
        batch.orders.append((
            p.order_pk, p.order_id, shop.merchant_pk, amount, currency,
            p.amount_captured if p.order_status == OrderStatus.PAID else 0, p.order_status, p.receipt, "{}", 1,
            False, None, _iso(order_created), _iso(p.order_updated),
        ))  # fmt: skip
        batch.payments.append((
            p.pk, p.public_id, shop.merchant_pk, p.order_pk, amount, currency, method, p.status, p.failure_reason,
            shop.capture_method, last4, network, exp_month, exp_year, fingerprint, vpa, customer.name,
            customer.email, customer.country, p.region, p.provider, p.amount_captured, p.amount_refunded, p.fee,
            p.retry_count, "", _iso(p.processing_started), "", p.reviewed_by, _iso_or_none(p.authorized_at),
            _iso_or_none(p.captured_at), _iso_or_none(p.canceled_at), _iso_or_none(p.failed_at), False, None,
            created_iso, _iso(p.updated),
        ))  # fmt: skip
        batch.attempts.extend(p.attempts)

    def _abandoned_order(self, shop: _Shop, currency: str, at: int) -> None:
        """A checkout that never got a payment: order_create only."""
        pk, public_id, receipt, amount = self.keys[Order].next(), self.ids["order"].next(), self._receipt(shop), self._amount(currency)  # fmt: skip
        created = _iso(at)
        data = (
            f'{{"id": "{public_id}", "merchant_id": "{shop.merchant_id}", "amount": {amount}, '
            f'"currency": "{currency}", "amount_paid": 0, "amount_due": {amount}, "status": "created", '
            f'"receipt": "{receipt}", "notes": {{}}, "attempts": 0, "created_at": "{created}"}}'
        )
        self._event(at, shop, "order.created", "order", public_id, data, None, shop.actor)
        self.batch.orders.append((pk, public_id, shop.merchant_pk, amount, currency, 0, OrderStatus.CREATED, receipt,
                                  "{}", 0, False, None, created, created))  # fmt: skip

    def _process(self, p: _Pay, at: int) -> int:
        """One processing run (payments.services.payment_process): risk rules, then the providers
        in routing order until one succeeds or declines hard. Returns when it finished."""
        if p.scenario == Scenario.FRAUD or p.amount > self.block_above[p.currency]:
            self._fail(p, at, FailureReason.FRAUD_SUSPECTED)
            return at
        # (payments.risk's velocity rule never fires here: the customer pool keeps cards far below it.)
        review = p.scenario == Scenario.REVIEW or p.amount > self.review_above[p.currency]
        outcome = None
        for position, profile in enumerate(self._ranked(p.currency, p.region, p.method)):
            outcome = simulate_attempt(
                self._profile_at(profile, at), method=p.method, scenario=p.scenario, position=position, rng=self.rng
            )
            at += outcome.latency_ms * 1000 + self._between(200, 3_000)
            pk, public_id, when = self.keys[ProviderAttempt].next(), self.ids["att"].next(), _iso(at)
            result = AttemptResult.SUCCESS if outcome.success else AttemptResult.FAILURE
            fallback = bool(p.attempts) and outcome.provider != p.attempts[0][5]  # the first attempt's provider
            p.attempts.append((pk, public_id, p.pk, p.shop.merchant_pk, len(p.attempts) + 1, outcome.provider, result,
                               outcome.latency_ms, outcome.error_code, p.currency, p.region, False, None, when,
                               fallback))  # fmt: skip
            p.attempt_json.append(
                f'{{"id": "{public_id}", "provider": "{outcome.provider}", "result": "{result}", '
                f'"latency_ms": {outcome.latency_ms}, "error_code": "{outcome.error_code}", "manual": false, '
                f'"created_at": "{when}"}}'
            )
            if outcome.success or outcome.hard_decline:
                break
        p.attempts_json = "[" + ", ".join(p.attempt_json) + "]"
        at += self._between(500, 5_000)
        if outcome is None:
            self._fail(p, at, FailureReason.PROVIDER_UNAVAILABLE)
        elif not outcome.success:
            self._fail(p, at, outcome.error_code)
        else:
            p.provider = outcome.provider
            if review:
                p.status = PaymentStatus.REVIEW
                self._payment_event(p, at, "payment.review_required")
            else:
                self._authorize(p, at)
        return at

    def _fail(self, p: _Pay, at: int, reason: str, actor: str = "") -> None:
        p.status, p.failure_reason, p.failed_at = PaymentStatus.FAILED, reason, at
        self._payment_event(p, at, "payment.failed", actor)

    def _authorize(self, p: _Pay, at: int, actor: str = "") -> None:
        p.status, p.authorized_at, p.failure_reason = PaymentStatus.AUTHORIZED, at, ""
        self._payment_event(p, at, "payment.authorized", actor)
        if p.shop.demo.auto_capture:
            self._capture(p, at + self._between(1_000, 20_000), actor)

    def _capture(self, p: _Pay, at: int, actor: str = "") -> None:
        p.status, p.amount_captured, p.fee, p.captured_at = PaymentStatus.CAPTURED, p.amount, capture_fee(p.amount), at
        self._posting(at, p, LedgerEntryType.CAPTURE, p.amount, p.public_id)
        if p.fee:
            self._posting(at, p, LedgerEntryType.FEE, -p.fee, p.public_id)
        self._payment_event(p, at, "payment.captured", actor)
        p.order_status, p.order_updated = OrderStatus.PAID, at
        data = self._order_json(p, amount_paid=p.amount_captured, status=OrderStatus.PAID, attempts=1)
        self._event(at, p.shop, "order.paid", "order", p.order_id, data, None, actor)

    def _lifecycle(self, p: _Pay) -> None:
        """What follows the first processing run: retries, review decisions, manual captures and
        cancels, refunds — each only when its time comes before `now`."""
        rnd = self.random
        at = p.updated
        while p.status == PaymentStatus.FAILED and p.failure_reason in RETRYABLE_REASONS and p.retry_count < 2:
            at += self._between(MINUTE, 2 * HOUR)
            if at >= self.now or rnd() >= RETRY_SHARE:
                break
            p.status, p.failure_reason, p.failed_at = PaymentStatus.PROCESSING, "", None
            p.retry_count += 1
            p.processing_started = at
            self._payment_event(p, at, "payment.retried", p.shop.actor)
            at = self._process(p, at + self._between(5_000, 400_000))
        if p.status == PaymentStatus.REVIEW and self.reviewer_pk:
            at = p.updated + self._between(10 * MINUTE, 2 * DAY)
            if at < self.now:
                p.reviewed_by = self.reviewer_pk
                if rnd() < REVIEW_APPROVE_SHARE:
                    self._authorize(p, at, self.reviewer_actor)
                else:
                    self._fail(p, at, FailureReason.REVIEW_REJECTED, self.reviewer_actor)
        if p.status == PaymentStatus.AUTHORIZED and not p.shop.demo.auto_capture:
            at = p.updated + self._between(10 * MINUTE, 2 * DAY)
            draw = rnd()
            if at < self.now and draw < MANUAL_CAPTURE_SHARE:
                self._capture(p, at, p.shop.actor)
            elif at < self.now and draw < MANUAL_CAPTURE_SHARE + MANUAL_CANCEL_SHARE:
                p.status, p.canceled_at = PaymentStatus.CANCELED, at
                self._payment_event(p, at, "payment.canceled", p.shop.actor)
        if p.status == PaymentStatus.CAPTURED and rnd() < REFUND_SHARE:
            self._refunds(p)

    def _refunds(self, p: _Pay) -> None:
        full = self.random() < FULL_REFUND_SHARE
        at = p.updated
        for round_ in range(2):
            at += self._between(2 * HOUR, 14 * DAY)
            remaining = p.amount_captured - p.amount_refunded
            if at >= self.now or remaining < 1:
                return
            amount = remaining if full or round_ == 1 else max(1, int(remaining * (0.1 + 0.8 * self.random())))
            if not self._refund(p, at, amount) or full or self.random() >= SECOND_REFUND_SHARE:
                return
            at = p.updated

    def _refund(self, p: _Pay, at: int, amount: int) -> bool:
        """refund_create, then refund_process: the provider may be down (refund.failed)."""
        pk, public_id = self.keys[Refund].next(), self.ids["rfnd"].next()
        profile = self.by_name.get(p.provider)
        outcome = simulate_refund(self._profile_at(profile, at) if profile else None, self.rng)
        settled = at + outcome.latency_ms * 1000 + self._between(1_000, 30_000)
        pending = self._refund_json(public_id, p, amount, RefundStatus.PENDING, "", at, None)
        self._event(at, p.shop, "refund.created", "refund", public_id, pending, p.pk, p.shop.actor)
        status = RefundStatus.PROCESSED if outcome.success else RefundStatus.FAILED
        failure = "" if outcome.success else outcome.error_code
        data = self._refund_json(public_id, p, amount, status, failure, at, settled)
        self._event(settled, p.shop, f"refund.{status}", "refund", public_id, data, p.pk, "")
        self.batch.refunds.append((pk, public_id, p.shop.merchant_pk, p.pk, amount, p.currency, status,
                                   "requested_by_customer", failure, _iso(settled), _iso(at), _iso(settled)))  # fmt: skip
        if not outcome.success:
            return False
        p.amount_refunded += amount
        p.status = PaymentStatus.REFUNDED if p.amount_refunded >= p.amount_captured else PaymentStatus.PARTIALLY_REFUNDED  # fmt: skip
        self._posting(settled, p, LedgerEntryType.REFUND, -amount, public_id, pk)
        self._payment_event(p, settled, "payment.refunded")
        return True


# --- the sink: ledger chain, payouts, events, writes ------------------------------------------------


class _Sink:
    """Turns a batch's time-ordered items into ledger entries (a running before/after chain per
    balance, payments.ledger.post_entry's rule), payouts and events, and writes everything."""

    def __init__(self, *, freeze: bool = False) -> None:
        self.writer = _Writer(freeze=freeze)
        self.keys = {model: _Keys(model) for model in (Payout, LedgerEntry, Event)}
        self.ids = {prefix: _PublicIds(prefix) for prefix in ("led", "evt", "pout")}
        self.balances: dict[tuple[int, str], list] = {}  # (merchant, currency) -> [pk, available, last change]

    def consume(self, batch: _Batch) -> None:
        events: list[tuple] = []
        ledger: list[tuple] = []
        payouts: list[tuple] = []
        for at, _, item in batch.items:
            kind = item[0]
            if kind == "E":
                events.append((*item[1:], _iso(at)))
            elif kind == "L":
                ledger.append(self._entry(at, *item[1:], None))
            else:
                self._payouts(at, *item[1:], payouts, ledger, events)
        w = self.writer
        w.write(ORDERS, batch.orders)
        w.write(PAYMENTS, batch.payments)
        w.write(ATTEMPTS, batch.attempts)
        w.write(REFUNDS, batch.refunds)
        w.write(PAYOUTS, payouts)
        w.write(LEDGER, self._numbered(LedgerEntry, "led", ledger))
        w.write(EVENTS, self._numbered(Event, "evt", events))

    def _numbered(self, model: type[models.Model], prefix: str, rows: list[tuple]) -> list[tuple]:
        """Prefix rows with a primary key and a public id, in row order (so ids follow time)."""
        pks = self.keys[model].take(len(rows))
        ids = public_ids(prefix, len(rows))
        return [(pk, public_id, *row) for pk, public_id, row in zip(pks, ids, rows, strict=True)]

    def _entry(self, at: int, merchant_pk: int, currency: str, type: str, amount: int, reference: str,
               payment_pk: int | None, refund_pk: int | None, payout_pk: int | None) -> tuple:  # fmt: skip
        balance = self.balances.get((merchant_pk, currency))
        if balance is None:
            row, _ = Balance.objects.get_or_create(merchant_id=merchant_pk, currency=currency)
            balance = self.balances[(merchant_pk, currency)] = [row.pk, row.available, at]
        before = balance[1]
        balance[1] = after = before + amount
        balance[2] = at
        return (merchant_pk, balance[0], currency, type, amount, before, after, reference, payment_pk, refund_pk,
                payout_pk, _iso(at))  # fmt: skip

    def _payouts(self, at: int, merchant_pk: int, merchant_id: str, actor: str, payouts: list[tuple],
                 ledger: list[tuple], events: list[tuple]) -> None:  # fmt: skip
        """payments.services.payout_create: the whole available balance of each currency holding
        at least the minimum (never more than available)."""
        when = _iso(at)
        for (owner, currency), (_, available, _) in sorted(self.balances.items()):
            if owner != merchant_pk or available < PAYOUT_MINIMUM_MAJOR * 10 ** CURRENCIES[currency].exponent:
                continue
            pk, public_id = self.keys[Payout].next(), self.ids["pout"].next()
            payouts.append((pk, public_id, merchant_pk, available, currency, PayoutStatus.PROCESSED, when, when))
            ledger.append(self._entry(at, merchant_pk, currency, LedgerEntryType.PAYOUT, -available, public_id,
                                      None, None, pk))  # fmt: skip
            data = (
                f'{{"id": "{public_id}", "merchant_id": "{merchant_id}", "amount": {available}, '
                f'"currency": "{currency}", "status": "processed", "created_at": "{when}"}}'
            )
            events.append((merchant_pk, "payout.processed", "payout", public_id, data, None, actor, when))

    def finish(self) -> None:
        for pk, available, last in self.balances.values():
            Balance.objects.filter(pk=pk).update(available=available, updated_at=_iso(last))


# --- entry point ----------------------------------------------------------------------------------

_DONE = object()


def payments_seed(
    *,
    shops: list[tuple[Merchant, DemoShop]],
    payments: int,
    seed: int,
    reviewer: User | None = None,
    days: int = 90,
    now: datetime | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> SeedResult:
    """Generate and write `payments` payments, and everything around them, for the given shops.

    `reviewer` (a finance or admin user) decides the payments held for review; without one they
    stay in review. `now` anchors the period (default: the current time). All in one transaction.
    On PostgreSQL, outside a caller's transaction, a second thread writes while the payments are
    generated, and seeds of BULK_LOAD_THRESHOLD payments or more use the bulk-load mode.
    """
    if payments < 0 or days < 1:
        raise ValueError("payments must be >= 0 and days >= 1")
    if not shops:
        raise ValueError("at least one shop is needed")
    began = time.monotonic()
    moment = now or datetime.now(UTC)
    report = progress or (lambda done, total, phase: None)
    shop_rows = [
        _Shop(demo, m.pk, m.public_id, m.user.public_id, list(demo.currencies), _cumulative(list(demo.currencies.values())),
              CaptureMethod.AUTOMATIC if demo.auto_capture else CaptureMethod.MANUAL)
        for m, demo in shops
    ]  # fmt: skip
    postgres = connection.vendor == "postgresql"
    bulk = postgres and payments >= BULK_LOAD_THRESHOLD

    def write(batches: Iterator[_Batch], sink_box: list[_Sink]) -> None:
        with transaction.atomic(), _bulk_load(bulk, lambda phase: report(payments, payments, phase)) as fresh:
            sink = _Sink(freeze=fresh)
            sink_box.append(sink)
            for batch in batches:
                sink.consume(batch)
                report(batch.done, payments, "")
            sink.finish()
            report(payments, payments, "counting")
            counts.rebuild(merchant_ids=[shop.merchant_pk for shop in shop_rows])

    sink_box: list[_Sink] = []
    if payments:
        if postgres and not connection.in_atomic_block:
            generator = _Generator(shops=shop_rows, reviewer=reviewer, payments=payments, seed=seed, days=days, now=moment)  # fmt: skip
            _pipelined(generator.batches(), lambda batches: write(batches, sink_box))
        else:
            with transaction.atomic():
                generator = _Generator(shops=shop_rows, reviewer=reviewer, payments=payments, seed=seed, days=days, now=moment)  # fmt: skip
                write(generator.batches(), sink_box)
    if postgres and payments:
        frozen = bool(sink_box) and sink_box[0].writer.freeze
        report(payments, payments, "analyze" if frozen else "vacuum and analyze")
        # Fresh planner statistics, and (VACUUM) the visibility map that lets the lists and the
        # analytics answer from their indexes alone — autovacuum would get there, later; frozen
        # rows are in it already. Events are only analyzed: nothing aggregates them, and they are
        # most of the bytes. VACUUM cannot run inside a transaction.
        vacuum = not connection.in_atomic_block and not frozen
        with connection.cursor() as cursor:
            for table in TABLES:
                verb = "ANALYZE" if table is EVENTS or not vacuum else "VACUUM (ANALYZE)"
                cursor.execute(f"{verb} {connection.ops.quote_name(table.model._meta.db_table)}")
    written = sink_box[0].writer.counts if sink_box else {}
    return SeedResult(payments=payments, counts=dict(written), seconds=time.monotonic() - began)


def _pipelined(batches: Iterator[_Batch], write: Callable[[Iterator[_Batch]], None]) -> None:
    """Generate in this thread while a writer thread (its own connection and transaction) writes.

    PostgreSQL spends its time on COPY and index work while Python builds the next batch; on two
    cores that overlaps most of one with the other. A failure on either side rolls everything back.
    """
    handoff: queue.Queue = queue.Queue(maxsize=2)
    failure: list[BaseException] = []
    stopped = threading.Event()

    def received() -> Iterator[_Batch]:
        while (batch := handoff.get()) is not _DONE:
            if isinstance(batch, BaseException):
                raise batch  # the generator failed: roll back
            yield batch

    def run() -> None:
        try:
            write(received())
        except BaseException as exc:  # re-raised by the main thread below
            failure.append(exc)
        finally:
            stopped.set()
            connection.close()

    def hand(item: object) -> bool:
        while not stopped.is_set():
            try:
                handoff.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    writer = threading.Thread(target=run, name="seed-writer")
    writer.start()
    try:
        for batch in batches:
            if not hand(batch):
                break
        else:
            hand(_DONE)
    except BaseException as exc:
        hand(exc)
        raise
    finally:
        writer.join()
    if failure:
        raise failure[0]
