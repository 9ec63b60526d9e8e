"""Output shapes of the public checkout endpoints: each lists every field a payer sees."""

from __future__ import annotations

from rest_framework import serializers

from payments.models import Method


class CheckoutMerchantOutput(serializers.Serializer):
    name = serializers.CharField(help_text="The merchant's business name.")


class CheckoutOrderOutput(serializers.Serializer):
    id = serializers.CharField()
    merchant = CheckoutMerchantOutput()
    amount = serializers.IntegerField(help_text="Minor units of the currency.")
    amount_due = serializers.IntegerField()
    currency = serializers.CharField()
    receipt = serializers.CharField()
    status = serializers.CharField()
    expires_at = serializers.DateTimeField(allow_null=True, help_text="After it the order cannot be paid; null: never.")
    methods = serializers.ListField(child=serializers.ChoiceField(choices=Method.choices))
    test_mode = serializers.BooleanField(help_text="Always true: payments go to simulated providers.")


class CheckoutCardOutput(serializers.Serializer):
    last4 = serializers.CharField()
    network = serializers.CharField()


class CheckoutPaymentOutput(serializers.Serializer):
    id = serializers.CharField()
    order_id = serializers.CharField()
    amount = serializers.IntegerField()
    currency = serializers.CharField()
    method = serializers.ChoiceField(choices=Method.choices)
    status = serializers.CharField()
    outcome = serializers.ChoiceField(
        choices=["processing", "succeeded", "review", "failed"],
        help_text="What the payer is shown; poll while processing.",
    )
    message = serializers.CharField()
    failure_reason = serializers.CharField(allow_null=True)
    card = CheckoutCardOutput(allow_null=True)
    retryable = serializers.BooleanField(help_text="The payment failed and the order may still be paid: try again.")
    signature = serializers.CharField(
        allow_null=True,
        help_text="On success: hex HMAC-SHA256 of `order_id|payment_id` under the merchant's checkout signing key.",
    )
