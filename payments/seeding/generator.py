"""The generator of realistic histories: orders, payments in every outcome, their provider attempts,
refunds, reviews and captures, in time order, batch by batch."""

from __future__ import annotations

import heapq
import json
import math
import random
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db.models import Count

from merchants.models import User
from paygate.lib.money import CURRENCIES
from payments.cards import TEST_CARDS, Scenario, card_fingerprint, card_network, luhn_check_digit
from payments.models import (
    RETRYABLE_REASONS,
    AttemptResult,
    FailureReason,
    LedgerEntryType,
    Method,
    Order,
    OrderStatus,
    Payment,
    PaymentStatus,
    ProviderAttempt,
    ProviderProfile,
    Refund,
    RefundStatus,
    RiskRule,
)
from payments.providers import ensure_default_profiles, simulate_attempt, simulate_refund
from payments.regions import region_for
from payments.routing import score
from payments.seeding.demo import (
    ABANDONED_ORDER_SHARE,
    CARD_SCENARIOS,
    CROSS_BORDER_COUNTRIES,
    CROSS_BORDER_SHARE,
    CUSTOMERS_PER_COUNTRY,
    FIRST_NAMES,
    FULL_REFUND_SHARE,
    HOME_COUNTRIES,
    LAST_NAMES,
    MANUAL_CANCEL_SHARE,
    MANUAL_CAPTURE_SHARE,
    REFUND_SHARE,
    RETRY_SHARE,
    REVIEW_APPROVE_SHARE,
    SECOND_REFUND_SHARE,
    TYPICAL_AMOUNT,
    DemoShop,
)
from payments.seeding.formats import DAY, HOUR, MINUTE, SECOND, _iso, _iso_or_none, _jstr, _us
from payments.seeding.ids import _Keys, _PublicIds
from payments.services import capture_fee

BATCH_PAYMENTS = 20_000


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
    risk_rule: str = ""
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
            f'"status": "{status}", "receipt": "{p.receipt}", "notes": {{}}, "attempts": {attempts}, "expires_at": null, '
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
            created_iso, _iso(p.updated), p.risk_rule,
        ))  # fmt: skip
        batch.attempts.extend(p.attempts)

    def _abandoned_order(self, shop: _Shop, currency: str, at: int) -> None:
        """A checkout that never got a payment: order_create only."""
        pk, public_id, receipt, amount = self.keys[Order].next(), self.ids["order"].next(), self._receipt(shop), self._amount(currency)  # fmt: skip
        created = _iso(at)
        data = (
            f'{{"id": "{public_id}", "merchant_id": "{shop.merchant_id}", "amount": {amount}, '
            f'"currency": "{currency}", "amount_paid": 0, "amount_due": {amount}, "status": "created", '
            f'"receipt": "{receipt}", "notes": {{}}, "attempts": 0, "expires_at": null, "created_at": "{created}"}}'
        )
        self._event(at, shop, "order.created", "order", public_id, data, None, shop.actor)
        self.batch.orders.append((pk, public_id, shop.merchant_pk, amount, currency, 0, OrderStatus.CREATED, receipt,
                                  "{}", 0, False, None, created, created))  # fmt: skip

    def _process(self, p: _Pay, at: int) -> int:
        """One processing run (payments.services.payment_process): risk rules, then the providers
        in routing order until one succeeds or declines hard. Returns when it finished."""
        if p.scenario == Scenario.FRAUD or p.amount > self.block_above[p.currency]:
            p.risk_rule = RiskRule.BLOCKED_CARD if p.scenario == Scenario.FRAUD else RiskRule.AMOUNT_BLOCK
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
                p.risk_rule = RiskRule.REVIEW_CARD if p.scenario == Scenario.REVIEW else RiskRule.REVIEW_THRESHOLD
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
