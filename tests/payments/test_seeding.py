"""Bulk demo data (payments/seeding/, seed_demo): the rows the services would write."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from importlib import import_module
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.db.models import Count, Max, Min, Sum

from merchants.models import Merchant, User
from paygate.lib.ids import has_prefix, new_id
from payments import counts, seeding
from payments.models import (
    Balance,
    LedgerEntry,
    Order,
    OrderStatus,
    Payment,
    PaymentStatus,
    Payout,
    ProviderAttempt,
    Refund,
)
from payments.serializers import OrderOutput, PaymentOutput, PayoutOutput, RefundOutput
from payments.services import capture_fee
from webhooks.models import Event

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
SEEDED = (Event, LedgerEntry, ProviderAttempt, Refund, Payout, Payment, Order, Balance)


@pytest.fixture
def shops() -> list[tuple[Merchant, seeding.DemoShop]]:
    call_command("seed_demo", "--force", "--payments", "0", stdout=StringIO())
    return [(Merchant.objects.select_related("user").get(user__email=s.email), s) for s in seeding.DEMO_SHOPS]


@pytest.fixture
def reviewer(shops: list) -> User:
    return User.objects.get(email="finance@paygate.test")


def seed(
    shops: list, reviewer: User | None, payments: int = 300, seed: int = 7, **kwargs: object
) -> seeding.SeedResult:
    return seeding.payments_seed(shops=shops, payments=payments, seed=seed, reviewer=reviewer, now=NOW, **kwargs)


def wipe() -> None:
    for model in SEEDED:  # children first: the foreign keys protect
        model.objects.all().delete()


def snapshot() -> dict[str, list]:
    """Everything seeded, without the random public ids and primary keys."""
    return {
        "payments": list(
            Payment.objects.order_by("created_at").values_list(
                "merchant__user__email", "amount", "currency", "method", "status", "failure_reason", "provider",
                "region", "customer_email", "card_last4", "amount_captured", "amount_refunded", "fee",
                "retry_count", "created_at", "updated_at", "authorized_at", "captured_at", "failed_at",
            )
        ),
        "attempts": list(
            ProviderAttempt.objects.order_by("payment__created_at", "sequence").values_list(
                "sequence", "provider", "result", "latency_ms", "error_code", "created_at"
            )
        ),
        "orders": list(Order.objects.order_by("created_at").values_list("amount", "currency", "status", "receipt")),
        "refunds": list(Refund.objects.order_by("created_at").values_list("amount", "currency", "status", "created_at")),
        "payouts": list(Payout.objects.order_by("created_at", "currency").values_list("amount", "currency", "created_at")),
        "ledger": list(
            LedgerEntry.objects.order_by("id").values_list(
                "merchant__user__email", "currency", "type", "amount", "balance_before", "balance_after", "created_at"
            )
        ),
        "events": list(Event.objects.order_by("id").values_list("merchant__user__email", "type", "created_at")),
    }  # fmt: skip


def test_the_same_seed_gives_the_same_data(shops: list, reviewer: User) -> None:
    seed(shops, reviewer)
    first = snapshot()
    wipe()

    seed(shops, reviewer)

    assert snapshot() == first
    assert len(first["payments"]) == 300


def test_another_seed_gives_other_data(shops: list, reviewer: User) -> None:
    seed(shops, reviewer, payments=50, seed=1)
    first = snapshot()
    wipe()

    seed(shops, reviewer, payments=50, seed=2)

    assert snapshot()["payments"] != first["payments"]


def test_the_ledger_verifies_and_balances_are_the_sum_of_their_entries(shops: list, reviewer: User) -> None:
    seed(shops, reviewer, payments=400)

    call_command("verify_ledger", stdout=StringIO())

    sums = dict(LedgerEntry.objects.values_list("balance_id").annotate(total=Sum("amount")))
    assert Balance.objects.count() > 5
    for balance in Balance.objects.all():
        assert balance.available == sums[balance.pk]


def test_ledger_entries_follow_time_with_an_unbroken_chain(shops: list, reviewer: User) -> None:
    seed(shops, reviewer, payments=400)

    chains: dict[int, list] = defaultdict(list)
    for entry in LedgerEntry.objects.order_by("id"):
        chains[entry.balance_id].append(entry)
    for entries in chains.values():
        assert entries[0].balance_before == 0
        for before, after in zip(entries, entries[1:], strict=False):
            assert after.balance_before == before.balance_after
            assert after.created_at >= before.created_at


def test_every_outcome_is_there(shops: list, reviewer: User) -> None:
    seed(shops, reviewer, payments=3000, days=20)

    statuses = set(Payment.objects.values_list("status", flat=True))
    reasons = set(Payment.objects.exclude(failure_reason="").values_list("failure_reason", flat=True))
    assert statuses >= {"captured", "authorized", "failed", "review", "canceled", "refunded", "partially_refunded"}
    assert reasons >= {"CARD_DECLINED", "INSUFFICIENT_FUNDS", "EXPIRED_CARD", "UPI_DECLINED", "FRAUD_SUSPECTED",
                       "PROCESSING_ERROR", "REVIEW_REJECTED"}  # fmt: skip
    assert set(Payment.objects.values_list("method", flat=True)) == {"card", "upi"}
    assert Payment.objects.values("currency").distinct().count() == 10
    assert Payment.objects.values("region").distinct().count() == 5
    assert set(ProviderAttempt.objects.values_list("provider", flat=True)) == {"stripe", "paypal", "adyen"}
    assert Payment.objects.filter(retry_count__gt=0).exists()
    assert Order.objects.filter(status=OrderStatus.CREATED, payments__isnull=True).exists()  # abandoned checkouts
    assert Payout.objects.exists() and Refund.objects.filter(status="processed").exists()
    fallbacks = (
        ProviderAttempt.objects.values("payment").annotate(n=Count("provider", distinct=True)).filter(n__gt=1).count()
    )
    assert fallbacks > 30


def test_times_are_spread_over_the_period_not_now(shops: list, reviewer: User) -> None:
    seed(shops, reviewer, payments=500, days=90)

    span = Payment.objects.aggregate(first=Min("created_at"), last=Max("created_at"))
    assert NOW - timedelta(days=90) <= span["first"] < NOW - timedelta(days=80)
    assert NOW - timedelta(days=2) < span["last"] <= NOW
    assert Event.objects.filter(created_at__gt=NOW).count() == 0
    days = Payment.objects.dates("created_at", "day").count()
    assert days > 80


def test_events_show_each_object_as_the_api_did(shops: list, reviewer: User) -> None:
    seed(shops, reviewer, payments=300)

    def last_event(object_id: str) -> Event:
        return Event.objects.filter(object_id=object_id).order_by("id").last()

    for payment in Payment.objects.prefetch_related("attempts").select_related("order", "merchant"):
        assert last_event(payment.public_id).data == PaymentOutput(payment).data
    for refund in Refund.objects.select_related("payment"):
        assert last_event(refund.public_id).data == RefundOutput(refund).data
    for payout in Payout.objects.select_related("merchant"):
        assert last_event(payout.public_id).data == PayoutOutput(payout).data
    # Orders: order_create and capture write events; payment_create updates the order silently.
    for order in Order.objects.filter(status__in=[OrderStatus.PAID, OrderStatus.CREATED]).select_related("merchant"):
        assert last_event(order.public_id).data == OrderOutput(order).data


def test_each_timeline_starts_with_creation_and_follows_time(shops: list, reviewer: User) -> None:
    seed(shops, reviewer, payments=200)

    timelines: dict[int, list[Event]] = defaultdict(list)
    for event in Event.objects.filter(object_type="payment").order_by("id"):
        timelines[event.payment_id].append(event)
    assert len(timelines) == 200
    for events in timelines.values():
        assert events[0].type == "payment.created"
        assert [e.created_at for e in events] == sorted(e.created_at for e in events)


def test_fees_ids_and_amounts_are_the_services(shops: list, reviewer: User) -> None:
    seed(shops, reviewer, payments=300)

    for payment in Payment.objects.filter(amount_captured__gt=0):
        assert payment.fee == capture_fee(payment.amount_captured)
        assert payment.amount_refunded <= payment.amount_captured
    for model, prefix in ((Payment, "pay"), (Order, "order"), (ProviderAttempt, "att"), (Refund, "rfnd"),
                          (LedgerEntry, "led"), (Event, "evt"), (Payout, "pout")):  # fmt: skip
        ids = list(model.objects.values_list("public_id", flat=True))
        assert ids and all(has_prefix(i, prefix) for i in ids)
        assert {len(i) for i in ids} == {len(new_id(prefix))}


def test_reviews_wait_without_a_reviewer(shops: list) -> None:
    seed(shops, None, payments=600)

    assert Payment.objects.filter(status=PaymentStatus.REVIEW).exists()
    assert not Payment.objects.filter(failure_reason="REVIEW_REJECTED").exists()


def test_public_ids_are_uniform_base62() -> None:
    ids = seeding.public_ids("evt", 20_000)

    letters = "".join(i[4:] for i in ids)
    counts = defaultdict(int)
    for char in letters:
        counts[char] += 1
    assert len(set(ids)) == len(ids)
    assert len(counts) == 62
    expected = len(letters) / 62
    assert all(abs(n - expected) < expected * 0.15 for n in counts.values())


# --- seed_demo ----------------------------------------------------------------------------------


def test_seed_demo_twice_does_not_duplicate_accounts_or_payments() -> None:
    call_command("seed_demo", "--force", "--payments", "120", stdout=StringIO())
    users, payments = User.objects.count(), Payment.objects.count()

    out = StringIO()
    call_command("seed_demo", "--force", "--payments", "120", stdout=out)

    assert (User.objects.count(), Payment.objects.count()) == (users, payments) == (7, 120)
    assert "demo payments exist (120); not seeding more" in out.getvalue()


def test_seed_demo_append_adds_a_batch_and_the_ledger_still_verifies() -> None:
    call_command("seed_demo", "--force", "--payments", "80", stdout=StringIO())

    call_command("seed_demo", "--force", "--payments", "40", "--append", "--seed", "3", stdout=StringIO())

    assert Payment.objects.count() == 120
    call_command("verify_ledger", stdout=StringIO())


def test_seed_demo_creates_several_merchants_one_capturing_by_hand() -> None:
    out = StringIO()
    call_command("seed_demo", "--force", "--payments", "60", stdout=out, stderr=StringIO())

    merchants = Merchant.objects.values_list("user__email", "auto_capture")
    assert dict(merchants) == {shop.email: shop.auto_capture for shop in seeding.DEMO_SHOPS}
    assert Payment.objects.values("merchant").distinct().count() > 1
    assert "seeded 60 payments" in out.getvalue()


def test_seed_demo_shows_progress() -> None:
    err = StringIO()

    call_command("seed_demo", "--force", "--payments", "50", stdout=StringIO(), stderr=err)

    assert "100%" in err.getvalue() and "50/50 payments" in err.getvalue()


# --- PostgreSQL: the bulk-load mode and the writer thread -------------------------------------------


def _index_and_constraint_names() -> set[str]:
    tables = [t.model._meta.db_table for t in seeding.TABLES]
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = ANY(%s)", [tables])
        names = {row[0] for row in cursor.fetchall()}
        cursor.execute("SELECT conname FROM pg_constraint WHERE conrelid = ANY(%s::regclass[])", [tables])
        return names | {row[0] for row in cursor.fetchall()}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_postgres_bulk_load_rebuilds_every_index_and_constraint(monkeypatch: pytest.MonkeyPatch) -> None:
    call_command("seed_demo", "--force", "--payments", "0", stdout=StringIO())
    shops = [(Merchant.objects.select_related("user").get(user__email=s.email), s) for s in seeding.DEMO_SHOPS]
    before = _index_and_constraint_names()
    monkeypatch.setattr(seeding.run, "BULK_LOAD_THRESHOLD", 1)
    monkeypatch.setattr(seeding.generator, "BATCH_PAYMENTS", 100)  # several batches through the writer thread
    phases = []

    result = seeding.payments_seed(
        shops=shops, payments=500, seed=5, reviewer=None, progress=lambda done, total, phase: phases.append(phase)
    )

    assert not connection.in_atomic_block  # the threaded path ran
    assert _index_and_constraint_names() == before
    assert "building indexes" in phases
    assert result.counts["payments"] == Payment.objects.count() == 500
    call_command("verify_ledger", stdout=StringIO())
    assert "counting" in phases
    assert counts.tally_table() == counts.tally_rows(order_model=Order, payment_model=Payment, refund_model=Refund)
    # A fresh database: COPY FREEZE wrote every page all-visible, so no VACUUM was needed.
    assert "analyze" in phases and "vacuum and analyze" not in phases
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relpages, relallvisible FROM pg_class WHERE oid = %s::regclass", [Payment._meta.db_table]
        )
        pages, visible = cursor.fetchone()
    assert pages > 0 and visible == pages


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_postgres_bulk_load_next_to_existing_rows_keeps_them_and_vacuums(monkeypatch: pytest.MonkeyPatch) -> None:
    call_command("seed_demo", "--force", "--payments", "40", stdout=StringIO())
    shops = [(Merchant.objects.select_related("user").get(user__email=s.email), s) for s in seeding.DEMO_SHOPS]
    kept = set(Payment.objects.values_list("public_id", flat=True))
    monkeypatch.setattr(seeding.run, "BULK_LOAD_THRESHOLD", 1)
    phases = []

    seeding.payments_seed(
        shops=shops, payments=200, seed=6, reviewer=None, progress=lambda done, total, phase: phases.append(phase)
    )

    assert kept < set(Payment.objects.values_list("public_id", flat=True))
    assert Payment.objects.count() == 240
    assert "vacuum and analyze" in phases
    call_command("verify_ledger", stdout=StringIO())
    assert counts.tally_table() == counts.tally_rows(order_model=Order, payment_model=Payment, refund_model=Refund)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_postgres_a_failed_write_leaves_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    call_command("seed_demo", "--force", "--payments", "0", stdout=StringIO())
    shops = [(Merchant.objects.select_related("user").get(user__email=s.email), s) for s in seeding.DEMO_SHOPS]
    monkeypatch.setattr(seeding.generator, "BATCH_PAYMENTS", 50)
    original = seeding._Sink.consume
    calls = []

    def failing(self: seeding._Sink, batch: seeding._Batch) -> None:
        calls.append(batch)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        original(self, batch)

    monkeypatch.setattr(seeding._Sink, "consume", failing)

    with pytest.raises(RuntimeError, match="disk full"):
        seeding.payments_seed(shops=shops, payments=300, seed=5)

    assert Payment.objects.count() == Event.objects.filter(object_type="payment").count() == 0


def test_fallback_flags_follow_their_definition_and_the_backfill_agrees(shops: list, reviewer: User) -> None:
    seed(shops, reviewer, payments=400)
    first = dict(ProviderAttempt.objects.filter(sequence=1).values_list("payment_id", "provider"))
    flags = {pk: (payment, sequence, provider, fallback) for pk, payment, sequence, provider, fallback in
             ProviderAttempt.objects.values_list("pk", "payment_id", "sequence", "provider", "fallback")}  # fmt: skip

    assert any(fallback for *_, fallback in flags.values())
    for payment, sequence, provider, fallback in flags.values():
        assert fallback == (sequence > 1 and provider != first[payment])

    ProviderAttempt.objects.update(fallback=False)
    import_module("payments.migrations.0007_attempt_fallback").mark_fallbacks(apps, None)
    assert dict(ProviderAttempt.objects.values_list("pk", "fallback")) == {pk: f[3] for pk, f in flags.items()}
