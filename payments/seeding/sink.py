"""The sink: turns a batch's time-ordered items into the ledger chain, payouts and events, and
writes every row."""

from __future__ import annotations

from django.db import models

from paygate.lib.money import CURRENCIES
from payments.models import (
    Balance,
    LedgerEntry,
    LedgerEntryType,
    Payout,
    PayoutStatus,
)
from payments.seeding.demo import PAYOUT_MINIMUM_MAJOR
from payments.seeding.formats import _iso
from payments.seeding.generator import _Batch
from payments.seeding.ids import _Keys, _PublicIds, public_ids
from payments.seeding.writer import ATTEMPTS, EVENTS, LEDGER, ORDERS, PAYMENTS, PAYOUTS, REFUNDS, _Writer
from webhooks.models import Event

# --- the sink: ledger chain, payouts, events, writes ------------------------------------------------


class _Sink:
    """Turns a batch's time-ordered items into ledger entries (a running before/after chain per
    balance, payments.ledger.post_entries' rule), payouts and events, and writes everything."""

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
