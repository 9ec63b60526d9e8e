"""Payments domain: orders, payments and their provider attempts, refunds, balances and the ledger.

Money is always a BigIntegerField of minor units next to a 3-letter currency (paygate.lib.money).
Statuses change only in payments/services.py, which checks `PAYMENT_TRANSITIONS`.

Indexes are chosen, not accumulated: a foreign key gets no index of its own (`db_index=False`)
when a composite index below already leads with it, and public ids are unique by constraint
(paygate.lib.ids). Every index is one more write on each insert of the payment flow.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django.utils import timezone

from merchants.models import Merchant, ScopedManager, ScopedQuerySet
from paygate.lib.ids import PublicIdField, unique_public_id
from paygate.lib.models import TimeStampedModel
from paygate.lib.money import CURRENCY_CHOICES
from paygate.lib.softdelete import SoftDeleteModel


class Region(models.TextChoices):
    NORTH_AMERICA = "na", "North America"
    LATIN_AMERICA = "latam", "Latin America"
    EUROPE = "eu", "Europe"
    ASIA_PACIFIC = "apac", "Asia-Pacific"
    MIDDLE_EAST_AFRICA = "mea", "Middle East & Africa"


class Method(models.TextChoices):
    CARD = "card", "Card"
    UPI = "upi", "UPI"


class OrderStatus(models.TextChoices):
    CREATED = "created", "Created"
    ATTEMPTED = "attempted", "Attempted"
    PAID = "paid", "Paid"
    CANCELED = "canceled", "Canceled"


# An order may be canceled from these states, and only while no payment of it is in progress.
ORDER_CANCELABLE = frozenset({OrderStatus.CREATED, OrderStatus.ATTEMPTED})


class Order(SoftDeleteModel, TimeStampedModel):
    public_id = PublicIdField(prefix="order")
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="orders", db_index=False)
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    amount_paid = models.BigIntegerField(default=0)
    status = models.CharField(max_length=16, choices=OrderStatus.choices, default=OrderStatus.CREATED)
    receipt = models.CharField(max_length=64, blank=True)
    notes = models.JSONField(default=dict, blank=True)
    attempts = models.PositiveIntegerField(default=0, help_text="Payments made against this order.")
    # Past this time an unpaid order can no longer be paid. Nothing sweeps expired orders: their
    # status stays as it was, and `payment_create` compares with now under the order's lock.
    expires_at = models.DateTimeField(null=True, blank=True)
    # Set on orders made by a payment link: the unit of stock its payment takes, and the link.
    product = models.ForeignKey("Product", on_delete=models.PROTECT, null=True, blank=True, related_name="orders")
    payment_link = models.ForeignKey(
        "PaymentLink", on_delete=models.PROTECT, null=True, blank=True, related_name="orders"
    )
    objects = ScopedManager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # A merchant's orders, newest first, and (from the index alone) stats counting its live
            # orders of a period: deleted orders are never listed or counted.
            models.Index(fields=["merchant", "created_at"], condition=Q(deleted=False), name="order_merchant_live_idx"),
            models.Index(fields=["receipt"], name="order_receipt_idx"),
            # A merchant's orders filtered by status and currency (the portal's order filters): the
            # count and the newest page from the index, not from every order of the merchant.
            models.Index(
                fields=["merchant", "status", "currency", "created_at"],
                condition=Q(deleted=False),
                name="order_merchant_status_idx",
            ),
            # Lists sorted by amount within a currency (`currency=…&sort=amount|-amount`), operators'
            # and merchants': the page (and the next, by cursor) read in index order. Migration 0013.
            models.Index(fields=["currency", "amount"], condition=Q(deleted=False), name="order_amount_idx"),
            models.Index(
                fields=["merchant", "currency", "amount"], condition=Q(deleted=False), name="order_merchant_amount_idx"
            ),
        ]
        constraints = [
            unique_public_id(),
            models.CheckConstraint(condition=Q(amount__gt=0), name="order_amount_positive"),
            models.CheckConstraint(condition=Q(amount_paid__gte=0), name="order_amount_paid_not_negative"),
        ]

    def __str__(self) -> str:
        return self.public_id

    @property
    def amount_due(self) -> int:
        return max(self.amount - self.amount_paid, 0)

    def is_expired(self, now: datetime | None = None) -> bool:
        """Whether the order is past its `expires_at` without having been paid."""
        if self.expires_at is None or self.status == OrderStatus.PAID:
            return False
        return (now or timezone.now()) >= self.expires_at


class Product(SoftDeleteModel, TimeStampedModel):
    """Something a merchant sells through payment links. `stock` None means unlimited.

    Stock changes only in the services, under this row's lock (payments/stock.py): a unit is
    taken when a payer's payment starts and given back if that payment fails or is canceled."""

    public_id = PublicIdField(prefix="prod")
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="products", db_index=False)
    name = models.CharField(max_length=200)
    price = models.BigIntegerField(help_text="Minor units of the currency.")
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    stock = models.PositiveIntegerField(null=True, blank=True, help_text="Units left; empty means unlimited.")
    active = models.BooleanField(default=True)
    objects = ScopedManager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["merchant", "created_at"], name="product_merchant_idx")]
        constraints = [
            unique_public_id(),
            models.CheckConstraint(condition=Q(price__gt=0), name="product_price_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.public_id})"


class PaymentLink(SoftDeleteModel, TimeStampedModel):
    """A public URL (`/pay/<id>/`) that makes an order for one unit of a product, or for a fixed
    amount, and sends the payer to the hosted checkout."""

    public_id = PublicIdField(prefix="plink")
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="payment_links", db_index=False)
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="links", null=True, blank=True)
    amount = models.BigIntegerField(null=True, blank=True, help_text="For a link without a product.")
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES, blank=True)
    description = models.CharField(max_length=200, blank=True)
    active = models.BooleanField(default=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    objects = ScopedManager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["merchant", "created_at"], name="plink_merchant_idx")]
        constraints = [
            unique_public_id(),
            models.CheckConstraint(
                condition=Q(product__isnull=False, amount__isnull=True) | Q(product__isnull=True, amount__gt=0),
                name="plink_product_xor_amount",
            ),
        ]

    def __str__(self) -> str:
        return self.public_id


# The columns the analytics read of a period's payments and attempts: their period indexes hold them
# all (after the period and merchant columns), so that the figures come from the index alone.
_PAYMENT_FIGURE_COLUMNS = ("currency", "status", "failure_reason", "amount", "amount_captured", "amount_refunded")
_ATTEMPT_FIGURE_COLUMNS = ("provider", "result", "latency_ms", "region", "currency", "sequence", "payment", "fallback")


class PaymentStatus(models.TextChoices):
    CREATED = "created", "Created"
    PROCESSING = "processing", "Processing"
    REVIEW = "review", "In review"
    AUTHORIZED = "authorized", "Authorized"
    CAPTURED = "captured", "Captured"
    PARTIALLY_REFUNDED = "partially_refunded", "Partially refunded"
    REFUNDED = "refunded", "Refunded"
    FAILED = "failed", "Failed"
    CANCELED = "canceled", "Canceled"


# The payment state machine (DESIGN §5). Anything not listed is refused by the services.
PAYMENT_TRANSITIONS: dict[str, frozenset[str]] = {
    PaymentStatus.CREATED: frozenset({PaymentStatus.PROCESSING, PaymentStatus.CANCELED}),
    PaymentStatus.PROCESSING: frozenset({PaymentStatus.AUTHORIZED, PaymentStatus.REVIEW, PaymentStatus.FAILED}),
    PaymentStatus.REVIEW: frozenset({PaymentStatus.AUTHORIZED, PaymentStatus.FAILED}),
    PaymentStatus.AUTHORIZED: frozenset({PaymentStatus.CAPTURED, PaymentStatus.CANCELED}),
    PaymentStatus.CAPTURED: frozenset({PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED}),
    PaymentStatus.PARTIALLY_REFUNDED: frozenset({PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED}),
    PaymentStatus.FAILED: frozenset({PaymentStatus.PROCESSING}),  # retry, for retryable reasons only
    PaymentStatus.REFUNDED: frozenset(),
    PaymentStatus.CANCELED: frozenset(),
}


class RiskRule(models.TextChoices):
    """The risk rule (payments/risk.py) that failed a payment before any provider, or held it for review."""

    AMOUNT_LIMITS = "amount_limits", "Amount outside the currency's limits"
    BLOCKED_CARD = "blocked_card", "Blocked card"
    AMOUNT_BLOCK = "amount_block_threshold", "Amount above the block threshold"
    CARD_VELOCITY = "card_velocity", "Card used too often (velocity)"
    REVIEW_THRESHOLD = "review_threshold", "Amount above the review threshold"
    REVIEW_CARD = "review_test_card", "Review test card"


class FailureReason(models.TextChoices):
    INVALID_AMOUNT = "INVALID_AMOUNT"
    INVALID_REQUEST = "INVALID_REQUEST"
    CARD_DECLINED = "CARD_DECLINED"
    INSUFFICIENT_FUNDS = "INSUFFICIENT_FUNDS"
    EXPIRED_CARD = "EXPIRED_CARD"
    UPI_DECLINED = "UPI_DECLINED"
    FRAUD_SUSPECTED = "FRAUD_SUSPECTED"
    PROCESSING_ERROR = "PROCESSING_ERROR"
    PROVIDER_UNAVAILABLE = "PROVIDER_UNAVAILABLE"
    REVIEW_REJECTED = "REVIEW_REJECTED"


# Soft failures: another provider may succeed, and the merchant may retry the payment.
RETRYABLE_REASONS = frozenset({FailureReason.PROCESSING_ERROR, FailureReason.PROVIDER_UNAVAILABLE})


class CaptureMethod(models.TextChoices):
    AUTOMATIC = "automatic", "Automatic"
    MANUAL = "manual", "Manual"


class Payment(SoftDeleteModel, TimeStampedModel):
    public_id = PublicIdField(prefix="pay")
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="payments", db_index=False)
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="payments")
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    method = models.CharField(max_length=8, choices=Method.choices)
    status = models.CharField(max_length=24, choices=PaymentStatus.choices, default=PaymentStatus.CREATED)
    failure_reason = models.CharField(max_length=32, choices=FailureReason.choices, blank=True)
    risk_rule = models.CharField(
        max_length=32, choices=RiskRule.choices, blank=True, default="", db_default="",
        help_text="The risk rule that failed it before any provider, or held it for review.",
    )  # fmt: skip
    capture_method = models.CharField(max_length=16, choices=CaptureMethod.choices, default=CaptureMethod.AUTOMATIC)
    # Card data: never the number or the CVC. The fingerprint is HMAC-SHA256(PAYGATE_HMAC_KEY, number).
    card_last4 = models.CharField(max_length=4, blank=True)
    card_network = models.CharField(max_length=16, blank=True)
    card_exp_month = models.PositiveSmallIntegerField(null=True, blank=True)
    card_exp_year = models.PositiveSmallIntegerField(null=True, blank=True)
    card_fingerprint = models.CharField(max_length=64, blank=True)
    vpa = models.CharField(max_length=100, blank=True)
    customer_name = models.CharField(max_length=150, blank=True)
    customer_email = models.EmailField(blank=True)
    customer_country = models.CharField(max_length=2, blank=True)
    region = models.CharField(max_length=8, choices=Region.choices)
    provider = models.CharField(max_length=16, blank=True, help_text="Provider that authorized it.")
    amount_captured = models.BigIntegerField(default=0)
    amount_refunded = models.BigIntegerField(default=0)
    fee = models.BigIntegerField(default=0)
    retry_count = models.PositiveSmallIntegerField(default=0)
    # Processing is claimed by a token: only the task holding the current claim may write the
    # outcome, so a re-queued payment (janitor) is never processed twice.
    processing_claim = models.CharField(max_length=32, blank=True)
    processing_started_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    authorized_at = models.DateTimeField(null=True, blank=True)
    captured_at = models.DateTimeField(null=True, blank=True)
    canceled_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    objects = ScopedManager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["merchant", "-created_at"]),
            models.Index(fields=["status", "-created_at"]),
            models.Index(fields=["card_fingerprint", "created_at"]),
            # Search (payments/filters.py): one indexed look-up per kind of term.
            models.Index(Upper("customer_email"), name="payment_email_search_idx"),
            models.Index(Upper("customer_name"), name="payment_name_search_idx"),
            models.Index(fields=["card_last4"], name="payment_last4_search_idx"),
            models.Index(
                fields=["processing_started_at"], condition=Q(status="processing"), name="payment_processing_idx"
            ),
            # Analytics (analytics/selectors.py) read payments by period, globally or for one merchant,
            # and only these columns: indexes that hold them all answer from the index alone (on
            # PostgreSQL and SQLite; the extra columns are key columns because SQLite has no INCLUDE).
            models.Index(
                fields=["created_at", "merchant", *_PAYMENT_FIGURE_COLUMNS],
                condition=Q(deleted=False),
                name="payment_period_idx",
            ),
            models.Index(
                fields=["merchant", "created_at", *_PAYMENT_FIGURE_COLUMNS],
                condition=Q(deleted=False),
                name="payment_merchant_period_idx",
            ),
            # The list filtered by status and currency: its count and newest page from one index.
            models.Index(
                fields=["status", "currency", "created_at", "merchant"],
                condition=Q(deleted=False),
                name="payment_status_currency_idx",
            ),
            # The list filtered by provider (three values: a plain index on it would not help).
            models.Index(fields=["provider", "created_at"], condition=Q(deleted=False), name="payment_provider_idx"),
            # Lists sorted by amount within a currency (`currency=…&sort=amount|-amount`; the portal's
            # "Largest amount"), operators' and merchants': the page read in index order instead of
            # sorting the rows. (merchant, currency, amount) replaces (merchant, amount): migration 0013.
            models.Index(fields=["currency", "amount"], condition=Q(deleted=False), name="payment_amount_idx"),
            models.Index(
                fields=["merchant", "currency", "amount"],
                condition=Q(deleted=False),
                name="payment_merchant_amount_idx",
            ),
        ]
        constraints = [
            unique_public_id(),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(
                condition=Q(amount_captured__lte=models.F("amount")), name="payment_capture_within_amount"
            ),
            models.CheckConstraint(
                condition=Q(amount_refunded__gte=0) & Q(amount_refunded__lte=models.F("amount_captured")),
                name="payment_refund_within_captured",
            ),
        ]

    def __str__(self) -> str:
        return self.public_id

    @property
    def provider_or_none(self) -> str | None:
        return self.provider or None

    @property
    def failure_reason_or_none(self) -> str | None:
        return self.failure_reason or None

    @property
    def is_retryable(self) -> bool:
        return self.status == PaymentStatus.FAILED and self.failure_reason in RETRYABLE_REASONS


class AttemptResult(models.TextChoices):
    SUCCESS = "success", "Success"
    FAILURE = "failure", "Failure"


class ProviderAttempt(models.Model):
    """One try of one provider for a payment; in `sequence` order they are its routing history."""

    public_id = PublicIdField(prefix="att")
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="attempts", db_index=False)
    # Denormalised from the payment (like currency and region) so that a merchant's provider
    # figures read an index instead of joining every attempt of the period to its payments.
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="+", db_index=False)
    sequence = models.PositiveSmallIntegerField()
    provider = models.CharField(max_length=16)
    result = models.CharField(max_length=8, choices=AttemptResult.choices)
    latency_ms = models.PositiveIntegerField()
    error_code = models.CharField(max_length=32, blank=True)
    # Denormalised from the payment so the router's health query needs no join.
    currency = models.CharField(max_length=3)
    region = models.CharField(max_length=8)
    manual = models.BooleanField(default=False, help_text="Recorded by an operator rather than the router.")
    # Set when written, for the fallback rate: a later attempt at another provider than the first's.
    fallback = models.BooleanField(default=False, help_text="Another provider than the payment's first attempt's.")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["payment_id", "sequence"]
        constraints = [
            unique_public_id(),
            models.UniqueConstraint(fields=["payment", "sequence"], name="attempt_sequence_unique"),
        ]
        indexes = [
            models.Index(fields=["provider", "currency", "region", "-created_at"]),
            # Analytics: latency, success and fallbacks by period, answered from the index alone.
            models.Index(fields=["created_at", *_ATTEMPT_FIGURE_COLUMNS], name="attempt_period_idx"),
            models.Index(
                fields=["merchant", "created_at", *_ATTEMPT_FIGURE_COLUMNS], name="attempt_merchant_period_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.public_id


class RefundStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    PROCESSED = "processed", "Processed"
    FAILED = "failed", "Failed"


class Refund(TimeStampedModel):
    public_id = PublicIdField(prefix="rfnd")
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="refunds", db_index=False)
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    status = models.CharField(max_length=16, choices=RefundStatus.choices, default=RefundStatus.PENDING)
    reason = models.CharField(max_length=255, blank=True)
    failure_reason = models.CharField(max_length=32, choices=FailureReason.choices, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    objects = models.Manager.from_queryset(ScopedQuerySet)()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["merchant", "-created_at"]),
            models.Index(fields=["updated_at"], condition=Q(status="pending"), name="refund_pending_idx"),
            # Lists sorted by amount within a currency, operators' and merchants': migration 0013.
            models.Index(fields=["currency", "amount"], name="refund_amount_idx"),
        ]
        constraints = [
            unique_public_id(),
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive"),
        ]

    def __str__(self) -> str:
        return self.public_id


class Balance(models.Model):
    """A merchant's available balance in one currency: always the sum of its ledger entries."""

    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="balances")
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    available = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    objects = models.Manager.from_queryset(ScopedQuerySet)()

    class Meta:
        ordering = ["currency"]
        constraints = [models.UniqueConstraint(fields=["merchant", "currency"], name="balance_per_currency")]

    def __str__(self) -> str:
        return f"{self.merchant_id} {self.currency} {self.available}"


class LedgerEntryType(models.TextChoices):
    CAPTURE = "capture", "Capture"
    FEE = "fee", "Fee"
    REFUND = "refund", "Refund"
    PAYOUT = "payout", "Payout"


class LedgerEntry(models.Model):
    """An immutable change of one balance, chained: balance_before is the previous balance_after."""

    public_id = PublicIdField(prefix="led")
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="ledger_entries", db_index=False)
    balance = models.ForeignKey(Balance, on_delete=models.PROTECT, related_name="entries", db_index=False)
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    type = models.CharField(max_length=16, choices=LedgerEntryType.choices)
    amount = models.BigIntegerField(help_text="Signed: credits positive, debits negative.")
    balance_before = models.BigIntegerField()
    balance_after = models.BigIntegerField()
    reference = models.CharField(max_length=40, help_text="Public id of the payment, refund or payout.")
    payment = models.ForeignKey(Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="ledger_entries")
    refund = models.ForeignKey(Refund, null=True, blank=True, on_delete=models.PROTECT, related_name="ledger_entries")
    payout = models.ForeignKey("Payout", null=True, blank=True, on_delete=models.PROTECT, related_name="ledger_entries")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = models.Manager.from_queryset(ScopedQuerySet)()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["balance", "id"]),
            models.Index(fields=["merchant", "-created_at"]),
            # `?type=` (a merchant's, or operators' with rare types such as payouts) and
            # `?reference=` (one payment's, refund's or payout's entries): see migration 0013.
            models.Index(fields=["type", "merchant", "-created_at"], name="ledger_type_idx"),
            models.Index(fields=["reference"], name="ledger_reference_idx"),
        ]
        constraints = [
            unique_public_id(),
            models.CheckConstraint(
                condition=Q(balance_after=models.F("balance_before") + models.F("amount")), name="ledger_entry_adds_up"
            ),
        ]

    def __str__(self) -> str:
        return self.public_id


class PayoutStatus(models.TextChoices):
    PROCESSED = "processed", "Processed"


class Payout(TimeStampedModel):
    public_id = PublicIdField(prefix="pout")
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="payouts")
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    status = models.CharField(max_length=16, choices=PayoutStatus.choices, default=PayoutStatus.PROCESSED)

    objects = models.Manager.from_queryset(ScopedQuerySet)()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            unique_public_id(),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payout_amount_positive"),
        ]

    def __str__(self) -> str:
        return self.public_id


class ProviderProfile(models.Model):
    """A simulated acquirer. Data, not code: admins edit rates, latency and the outage switch."""

    name = models.CharField(max_length=16, unique=True)
    display_name = models.CharField(max_length=50)
    enabled = models.BooleanField(default=True)
    outage = models.BooleanField(default=False, help_text="Simulate an outage: every attempt fails softly.")
    success_rate = models.FloatField(help_text="Probability (0–1) that an ordinary attempt succeeds.")
    soft_failure_share = models.FloatField(
        default=0.5, help_text="Share of failures that are soft (processing errors) rather than declines."
    )
    latency_mean_ms = models.PositiveIntegerField()
    latency_jitter_ms = models.PositiveIntegerField()
    added_latency_ms = models.PositiveIntegerField(default=0, help_text="Sandbox: added to every attempt's latency.")
    currencies = models.JSONField(default=list)
    regions = models.JSONField(default=list)
    methods = models.JSONField(default=list)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(success_rate__gte=0) & Q(success_rate__lte=1), name="provider_rate_range"
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    def supports(self, *, currency: str, region: str, method: str) -> bool:
        return self.enabled and currency in self.currencies and region in self.regions and method in self.methods


class ProviderChange(models.Model):
    """The audit of a change to a provider's sandbox controls (`provider.updated`): who, when,
    and the controls before and after. Events belong to a merchant; a provider belongs to none."""

    type = models.CharField(max_length=32, default="provider.updated")
    provider = models.ForeignKey(ProviderProfile, on_delete=models.PROTECT, related_name="changes")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    before = models.JSONField()
    after = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["provider", "-created_at"], name="provider_change_idx")]

    def __str__(self) -> str:
        return f"{self.type} {self.provider_id} {self.created_at:%Y-%m-%d %H:%M}"


class ExportKind(models.TextChoices):
    PAYMENTS = "payments", "Payments"
    REFUNDS = "refunds", "Refunds"


class ExportLog(models.Model):
    """The audit of a CSV export from the ops console: who asked, when, which export and with which
    filters, and how many rows it sent. `rows` stays empty until the stream has ended; an export
    cut short (the download cancelled) keeps it empty."""

    kind = models.CharField(max_length=16, choices=ExportKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    filters = models.JSONField(default=dict, blank=True)
    rows = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["actor", "-created_at"], name="export_log_actor_idx")]

    def __str__(self) -> str:
        return f"export {self.kind} {self.created_at:%Y-%m-%d %H:%M}"


class IdempotencyStatus(models.TextChoices):
    IN_FLIGHT = "in_flight", "In flight"
    COMPLETED = "completed", "Completed"


class IdempotencyKey(models.Model):
    """A claimed `Idempotency-Key`. The unique constraint, not a look-up, decides who owns it."""

    scope = models.CharField(max_length=40, help_text="Public id of the merchant (or operator) that sent it.")
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    status = models.CharField(max_length=16, choices=IdempotencyStatus.choices, default=IdempotencyStatus.IN_FLIGHT)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="idempotency_key_unique")]

    def __str__(self) -> str:
        return f"{self.scope}:{self.key}"


class DailyCount(models.Model):
    """What one merchant's orders, payments and refunds of one UTC day and currency add up to.

    Written by the services in the transaction of each change, as a delta (a payment authorized:
    successful_payments +1; deleted: everything it counted −1): rows are only ever inserted, so no
    two writers wait for each other. Several rows of one key add up; `manage.py janitor` folds the
    keys that got deltas into one row each (`payments.counts.compact`). The day is that of each
    row's own `created_at`, as the stats count rows: a payment created yesterday and reviewed
    today changes yesterday's counts; a refund counts on the day it was asked for.
    """

    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="+", db_index=False)
    day = models.DateField()
    currency = models.CharField(max_length=3)
    orders = models.BigIntegerField(default=0)
    payments = models.BigIntegerField(default=0)
    successful_payments = models.BigIntegerField(default=0)
    failed_payments = models.BigIntegerField(default=0)
    canceled_payments = models.BigIntegerField(default=0)
    captured = models.BigIntegerField(default=0)  # minor units of `currency`
    refunds = models.BigIntegerField(default=0)  # processed refunds
    refunded = models.BigIntegerField(default=0)  # minor units of `currency`
    # False for a delta the services wrote; True for a key's sum written by a fold or a recount.
    folded = models.BooleanField(default=False)

    objects = models.Manager.from_queryset(ScopedQuerySet)()

    class Meta:
        indexes = [
            models.Index(fields=["merchant", "day", "currency"], name="dailycount_merchant_idx"),
            models.Index(fields=["day"], name="dailycount_day_idx"),
            # The janitor's work list: only the deltas written since it last ran.
            models.Index(fields=["id"], condition=models.Q(folded=False), name="dailycount_delta_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.merchant_id} {self.day} {self.currency}"
