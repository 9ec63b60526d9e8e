"""Input and output shapes of the accounts API."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from merchants.models import Merchant, Role, User, normalize_email
from paygate.lib.serializers import StrictSerializer


def _check_password(password: str, *, email: str, name: str) -> None:
    try:
        password_validation.validate_password(password, user=User(email=email, name=name))
    except DjangoValidationError as exc:
        raise serializers.ValidationError({"password": list(exc.messages)}) from None


class RegisterInput(StrictSerializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(write_only=True, max_length=128, trim_whitespace=False)
    name = serializers.CharField(max_length=150)
    business_name = serializers.CharField(max_length=200)

    def validate_email(self, value: str) -> str:
        return normalize_email(value)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        _check_password(attrs["password"], email=attrs["email"], name=attrs["name"])
        return attrs


class RegisterOperatorInput(StrictSerializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(write_only=True, max_length=128, trim_whitespace=False)
    name = serializers.CharField(max_length=150)
    role = serializers.ChoiceField(choices=[Role.ADMIN, Role.FINANCE])

    def validate_email(self, value: str) -> str:
        return normalize_email(value)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        _check_password(attrs["password"], email=attrs["email"], name=attrs["name"])
        return attrs


class LoginInput(StrictSerializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(write_only=True, max_length=128, trim_whitespace=False)


class MerchantOutput(serializers.ModelSerializer):
    id = serializers.CharField(source="public_id", read_only=True)
    api_key = serializers.CharField(source="api_key_id", read_only=True, allow_null=True)
    webhook_url = serializers.CharField(read_only=True, help_text="Where webhooks are sent; empty when not set.")

    class Meta:
        model = Merchant
        fields = ["id", "business_name", "api_key", "api_key_created_at", "auto_capture", "webhook_url", "created_at"]
        read_only_fields = fields


class UserOutput(serializers.ModelSerializer):
    id = serializers.CharField(source="public_id", read_only=True)
    merchant = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "email", "name", "role", "created_at", "last_login", "merchant"]
        read_only_fields = fields

    @extend_schema_field(MerchantOutput(allow_null=True))
    def get_merchant(self, user: User) -> dict[str, Any] | None:
        merchant = getattr(user, "merchant", None) if user.role == Role.MERCHANT else None
        return MerchantOutput(merchant).data if merchant is not None else None


class AccessTokenOutput(serializers.Serializer):
    access = serializers.CharField(help_text="JWT access token; send as `Authorization: Bearer …`.")
    token_type = serializers.CharField(default="Bearer")
    expires_in = serializers.IntegerField(help_text="Seconds until the access token expires.")
    role = serializers.ChoiceField(choices=Role.choices)
    user = UserOutput()


class RegisterOutput(AccessTokenOutput):
    api_key = serializers.CharField(help_text="API key id (key_…).")
    api_secret = serializers.CharField(help_text="API secret (sk_…), shown only this once.")
    webhook_secret = serializers.CharField(
        help_text="Webhook signing secret (whsec_…), shown only this once; rotate it to get a new one."
    )


class ApiKeyOutput(serializers.Serializer):
    api_key = serializers.CharField()
    api_secret = serializers.CharField(help_text="Shown only this once.")


class OriginField(serializers.CharField):
    """A web origin: scheme, host and optional port, nothing else (`https://shop.example:8443`)."""

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data).strip().rstrip("/").lower()
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.path or parts.query or parts.fragment:
            raise serializers.ValidationError("Give an origin such as https://shop.example (no path).")
        if parts.username or parts.password or any(c in value for c in " ;,'\""):
            raise serializers.ValidationError("Give an origin such as https://shop.example (no path).")
        return value


class CheckoutSettingsInput(StrictSerializer):
    checkout_allowed_origins = serializers.ListField(
        child=OriginField(max_length=200),
        max_length=20,
        help_text="Origins allowed to embed the hosted checkout in an iframe (CSP frame-ancestors).",
    )


class CheckoutSettingsOutput(serializers.Serializer):
    checkout_allowed_origins = serializers.ListField(child=serializers.CharField())
    checkout_signing_key = serializers.CharField(
        help_text="Verifies the `signature` checkout.js hands to onSuccess (HMAC-SHA256 of "
        "`order_id|payment_id`). Derived from the API secret: it changes when the API key is rotated."
    )
