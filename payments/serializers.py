"""Input and output shapes of the payments API (DESIGN §8.1). Money is integer minor units."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from paygate.lib.money import CURRENCIES, MoneyError, check_amount
from paygate.lib.serializers import StrictIntegerField, StrictSerializer
from payments.cards import luhn_valid
from payments.models import (
    AttemptResult,
    FailureReason,
    LedgerEntry,
    Method,
    Order,
    Payment,
    PaymentLink,
    Payout,
    Product,
    ProviderAttempt,
    Refund,
    Region,
)
from payments.regions import region_for
from webhooks.models import Event

# --- inputs -----------------------------------------------------------------------------------


class CurrencyField(serializers.CharField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", f"ISO 4217 code: {', '.join(sorted(CURRENCIES))}.")
        super().__init__(max_length=3, min_length=3, **kwargs)

    def to_internal_value(self, data: Any) -> str:
        code = super().to_internal_value(data).upper()
        if code not in CURRENCIES:
            raise serializers.ValidationError(f"Unsupported currency {code!r}.")
        return code


def validate_amount(amount: int, currency: str, field: str = "amount") -> None:
    try:
        check_amount(amount, currency)
    except MoneyError as exc:
        raise serializers.ValidationError({field: [str(exc)]}) from None


ORDER_MAX_EXPIRY_DAYS = 30


class OrderCreateInput(StrictSerializer):
    amount = StrictIntegerField(help_text="Minor units of the currency (2599 = 25.99).")
    currency = CurrencyField()
    receipt = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    notes = serializers.DictField(required=False, default=dict, help_text="Up to 15 keys of your own data.")
    merchant_id = serializers.CharField(required=False, help_text="Admins only: the merchant to create it for.")
    expire_by = serializers.DateTimeField(
        required=False,
        help_text=f"ISO 8601, in the future and at most {ORDER_MAX_EXPIRY_DAYS} days ahead: after it the order "
        "can no longer be paid. Default: never.",
    )

    def validate_expire_by(self, expire_by: datetime) -> datetime:
        now = timezone.now()
        if expire_by <= now:
            raise serializers.ValidationError("Must be in the future.")
        if expire_by > now + timedelta(days=ORDER_MAX_EXPIRY_DAYS):
            raise serializers.ValidationError(f"Must be at most {ORDER_MAX_EXPIRY_DAYS} days ahead.")
        return expire_by

    def validate_notes(self, notes: dict[str, Any]) -> dict[str, Any]:
        if len(notes) > 15:
            raise serializers.ValidationError("At most 15 keys.")
        if any(len(str(k)) > 40 or len(str(v)) > 256 for k, v in notes.items()):
            raise serializers.ValidationError("Keys are at most 40 characters and values at most 256.")
        return notes

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        validate_amount(attrs["amount"], attrs["currency"])
        return attrs


class CardInput(StrictSerializer):
    number = serializers.CharField(max_length=23, write_only=True, help_text="Digits; spaces allowed.")
    exp_month = StrictIntegerField(min_value=1, max_value=12)
    exp_year = StrictIntegerField(min_value=2000, max_value=2100)
    cvc = serializers.RegexField(r"^\d{3,4}$", write_only=True)
    name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")

    def validate_number(self, value: str) -> str:
        number = value.replace(" ", "").replace("-", "")
        # Never echo the number back: error messages stay generic.
        if not number.isdigit() or not 12 <= len(number) <= 19:
            raise serializers.ValidationError("Card number must be 12 to 19 digits.")
        if not luhn_valid(number):
            raise serializers.ValidationError("Card number is invalid (failed the Luhn check).")
        return number

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        now = timezone.now()
        if (attrs["exp_year"], attrs["exp_month"]) < (now.year, now.month):
            raise serializers.ValidationError({"exp_year": ["The card has expired."]})
        return attrs


class CustomerInput(StrictSerializer):
    name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    country = serializers.CharField(min_length=2, max_length=2, required=False, allow_blank=True, default="")

    def validate_country(self, value: str) -> str:
        value = value.upper()
        if value and region_for(value) is None:
            raise serializers.ValidationError(f"Unsupported country {value!r}.")
        return value


class PaymentCreateInput(StrictSerializer):
    order_id = serializers.CharField(max_length=40)
    method = serializers.ChoiceField(choices=Method.choices)
    card = CardInput(required=False)
    vpa = serializers.RegexField(r"^[\w.\-]{2,64}@[A-Za-z][A-Za-z0-9]{1,32}$", required=False, max_length=100)
    customer = CustomerInput(required=False)
    region = serializers.ChoiceField(
        choices=Region.choices, required=False, help_text="Default: from customer.country."
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        method = attrs["method"]
        if method == Method.CARD and "card" not in attrs:
            raise serializers.ValidationError({"card": ["Required for card payments."]})
        if method == Method.UPI and "vpa" not in attrs:
            raise serializers.ValidationError({"vpa": ["Required for UPI payments."]})
        if method == Method.CARD and "vpa" in attrs:
            raise serializers.ValidationError({"vpa": ["Only for UPI payments."]})
        if method == Method.UPI and "card" in attrs:
            raise serializers.ValidationError({"card": ["Only for card payments."]})
        customer = attrs.get("customer") or {}
        if "region" not in attrs:
            if not customer.get("country"):
                raise serializers.ValidationError({"region": ["Give a region or the customer's country."]})
            attrs["region"] = region_for(customer["country"])
        return attrs


class CaptureInput(StrictSerializer):
    amount = StrictIntegerField(required=False, min_value=1, help_text="Default: the whole authorized amount.")


class EmptyInput(StrictSerializer):
    pass


class ReviewInput(StrictSerializer):
    decision = serializers.ChoiceField(choices=["approve", "reject"])
    note = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class AttemptInput(StrictSerializer):
    provider = serializers.CharField(max_length=16)
    result = serializers.ChoiceField(choices=AttemptResult.choices)
    latency_ms = StrictIntegerField(min_value=0, max_value=600_000)
    error_code = serializers.ChoiceField(choices=FailureReason.choices, required=False, allow_blank=True, default="")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["result"] == AttemptResult.SUCCESS and attrs["error_code"]:
            raise serializers.ValidationError({"error_code": ["Only for failed attempts."]})
        return attrs


class RefundCreateInput(StrictSerializer):
    payment_id = serializers.CharField(max_length=40)
    amount = StrictIntegerField(required=False, min_value=1, help_text="Default: everything left to refund.")
    reason = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")


class PayoutCreateInput(StrictSerializer):
    amount = StrictIntegerField(min_value=1)
    currency = CurrencyField()


# --- outputs ----------------------------------------------------------------------------------


class AttemptOutput(serializers.ModelSerializer):
    id = serializers.CharField(source="public_id")

    class Meta:
        model = ProviderAttempt
        fields = ["id", "provider", "result", "latency_ms", "error_code", "manual", "created_at"]
        read_only_fields = fields


class OrderOutput(serializers.ModelSerializer):
    id = serializers.CharField(source="public_id")
    merchant_id = serializers.CharField(source="merchant.public_id")
    amount_due = serializers.IntegerField()

    class Meta:
        model = Order
        fields = [
            "id", "merchant_id", "amount", "currency", "amount_paid", "amount_due", "status",
            "receipt", "notes", "attempts", "expires_at", "created_at",
        ]  # fmt: skip
        read_only_fields = fields


class CardOutput(serializers.Serializer):
    last4 = serializers.CharField()
    network = serializers.CharField()
    exp_month = serializers.IntegerField()
    exp_year = serializers.IntegerField()


class CustomerOutput(serializers.Serializer):
    name = serializers.CharField()
    email = serializers.CharField()
    country = serializers.CharField()


class PaymentOutput(serializers.ModelSerializer):
    id = serializers.CharField(source="public_id")
    order_id = serializers.CharField(source="order.public_id")
    merchant_id = serializers.CharField(source="merchant.public_id")
    card = serializers.SerializerMethodField()
    vpa = serializers.SerializerMethodField()
    customer = serializers.SerializerMethodField()
    provider = serializers.CharField(allow_null=True, source="provider_or_none")
    provider_attempts = AttemptOutput(many=True, source="attempts")
    failure_reason = serializers.CharField(allow_null=True, source="failure_reason_or_none")

    class Meta:
        model = Payment
        fields = [
            "id", "order_id", "merchant_id", "amount", "currency", "method", "status", "failure_reason",
            "capture_method", "card", "vpa", "customer", "region", "provider", "provider_attempts",
            "amount_captured", "amount_refunded", "fee", "retry_count", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(CardOutput(allow_null=True))
    def get_card(self, payment: Payment) -> dict[str, Any] | None:
        if payment.method != Method.CARD:
            return None
        return {
            "last4": payment.card_last4,
            "network": payment.card_network,
            "exp_month": payment.card_exp_month,
            "exp_year": payment.card_exp_year,
        }

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_vpa(self, payment: Payment) -> str | None:
        return payment.vpa or None

    @extend_schema_field(CustomerOutput)
    def get_customer(self, payment: Payment) -> dict[str, str]:
        return {"name": payment.customer_name, "email": payment.customer_email, "country": payment.customer_country}


class RefundOutput(serializers.ModelSerializer):
    id = serializers.CharField(source="public_id")
    payment_id = serializers.CharField(source="payment.public_id")
    failure_reason = serializers.SerializerMethodField()

    class Meta:
        model = Refund
        fields = [
            "id",
            "payment_id",
            "amount",
            "currency",
            "status",
            "reason",
            "failure_reason",
            "created_at",
            "processed_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_failure_reason(self, refund: Refund) -> str | None:
        return refund.failure_reason or None


class TimelineEntryOutput(serializers.ModelSerializer):
    id = serializers.CharField(source="public_id")

    class Meta:
        model = Event
        fields = ["id", "type", "actor", "created_at"]
        read_only_fields = fields


class PaymentDetailOutput(PaymentOutput):
    refunds = RefundOutput(many=True)
    timeline = TimelineEntryOutput(many=True, source="events")
    review_note = serializers.CharField()

    class Meta(PaymentOutput.Meta):
        fields = [*PaymentOutput.Meta.fields, "review_note", "refunds", "timeline"]
        read_only_fields = fields


class BalanceOutput(serializers.Serializer):
    currency = serializers.CharField()
    available = serializers.IntegerField(help_text="Captured funds net of fees, refunds and payouts.")
    pending = serializers.IntegerField(help_text="Authorized but not yet captured.")


class LedgerEntryOutput(serializers.ModelSerializer):
    id = serializers.CharField(source="public_id")

    class Meta:
        model = LedgerEntry
        fields = ["id", "currency", "type", "amount", "balance_before", "balance_after", "reference", "created_at"]
        read_only_fields = fields


class PayoutOutput(serializers.ModelSerializer):
    id = serializers.CharField(source="public_id")
    merchant_id = serializers.CharField(source="merchant.public_id")

    class Meta:
        model = Payout
        fields = ["id", "merchant_id", "amount", "currency", "status", "created_at"]
        read_only_fields = fields


# --- products and payment links -----------------------------------------------------------------


class ProductCreateInput(StrictSerializer):
    name = serializers.CharField(max_length=200)
    price = StrictIntegerField(help_text="Minor units of the currency.")
    currency = CurrencyField()
    stock = StrictIntegerField(
        required=False, allow_null=True, default=None, min_value=0, help_text="Units for sale; null is unlimited."
    )
    active = serializers.BooleanField(required=False, default=True)
    merchant_id = serializers.CharField(required=False, help_text="Admins only: the merchant to create it for.")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        validate_amount(attrs["price"], attrs["currency"], field="price")
        return attrs


class ProductUpdateInput(StrictSerializer):
    name = serializers.CharField(max_length=200, required=False)
    price = StrictIntegerField(required=False)
    stock = StrictIntegerField(required=False, allow_null=True, min_value=0, help_text="null is unlimited.")
    active = serializers.BooleanField(required=False)


class ProductOutput(serializers.ModelSerializer):
    id = serializers.CharField(source="public_id")
    merchant_id = serializers.CharField(source="merchant.public_id")

    class Meta:
        model = Product
        fields = ["id", "merchant_id", "name", "price", "currency", "stock", "active", "created_at", "updated_at"]
        read_only_fields = fields


class PaymentLinkCreateInput(StrictSerializer):
    product_id = serializers.CharField(max_length=40, required=False, help_text="Sell one unit of this product…")
    amount = StrictIntegerField(required=False, help_text="…or a fixed amount (minor units) in `currency`.")
    currency = CurrencyField(required=False)
    description = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    expires_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    merchant_id = serializers.CharField(required=False, help_text="Admins only: the merchant to create it for.")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("product_id" in attrs) == ("amount" in attrs):
            raise serializers.ValidationError({"product_id": ["Give either product_id or amount and currency."]})
        if "amount" in attrs:
            if "currency" not in attrs:
                raise serializers.ValidationError({"currency": ["Required with amount."]})
            validate_amount(attrs["amount"], attrs["currency"])
        elif "currency" in attrs:
            raise serializers.ValidationError({"currency": ["The product's currency is used."]})
        if attrs["expires_at"] is not None and attrs["expires_at"] <= timezone.now():
            raise serializers.ValidationError({"expires_at": ["Must be in the future."]})
        return attrs


class PaymentLinkOutput(serializers.ModelSerializer):
    id = serializers.CharField(source="public_id")
    merchant_id = serializers.CharField(source="merchant.public_id")
    product_id = serializers.SerializerMethodField()
    amount = serializers.SerializerMethodField(help_text="What one order of the link costs (the product's price).")
    currency = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField(help_text="The public link to share: it opens the hosted checkout.")

    class Meta:
        model = PaymentLink
        fields = [
            "id", "merchant_id", "product_id", "amount", "currency", "description", "active", "expires_at", "url",
            "created_at",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_product_id(self, link: PaymentLink) -> str | None:
        return link.product.public_id if link.product_id else None

    def get_amount(self, link: PaymentLink) -> int:
        return link.product.price if link.product_id else int(link.amount or 0)

    def get_currency(self, link: PaymentLink) -> str:
        return link.product.currency if link.product_id else link.currency

    def get_url(self, link: PaymentLink) -> str:
        return f"/pay/{link.public_id}/"
