"""Portal forms: they validate what a person typed and hand it to a service; they never save."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from rest_framework.exceptions import ValidationError as DrfValidationError

from merchants.models import User, normalize_email
from merchants.serializers import OriginField
from paygate.lib.api import ApiError, ErrorCode
from paygate.lib.money import CURRENCIES, MoneyError, check_amount, format_amount, to_minor
from webhooks.events import SUBSCRIBABLE_EVENT_TYPE_CHOICES


class SignupForm(forms.Form):
    name = forms.CharField(label="Your name", max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"}))
    business_name = forms.CharField(
        label="Business name", max_length=200, widget=forms.TextInput(attrs={"autocomplete": "organization"})
    )
    email = forms.EmailField(label="Email", max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    password = forms.CharField(
        label="Password",
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 10 characters; not a common password.",
    )

    def clean_email(self) -> str:
        return normalize_email(self.cleaned_data["email"])

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if "password" in data and "email" in data:
            user = User(email=data["email"], name=data.get("name", ""))
            try:
                password_validation.validate_password(data["password"], user=user)
            except ValidationError as exc:
                self.add_error("password", exc)
        return data


class ProfileForm(forms.Form):
    name = forms.CharField(label="Your name", max_length=150)
    business_name = forms.CharField(label="Business name", max_length=200)


class DeleteAccountForm(forms.Form):
    confirm_email = forms.CharField(
        label="Type your email to confirm", max_length=254, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )

    def __init__(self, *args: Any, email: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.email = email

    def clean_confirm_email(self) -> str:
        typed = self.cleaned_data["confirm_email"].strip().lower()
        if typed != self.email.lower():
            raise ValidationError("That is not your account's email.")
        return typed


class RotateKeyForm(forms.Form):
    confirm = forms.BooleanField(label="I understand that the current API key stops working at once", required=True)


class WebhookSettingsForm(forms.Form):
    url = forms.URLField(
        label="Endpoint URL",
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text="Where PayGate POSTs events. Leave empty to remove the endpoint.",
        widget=forms.URLInput(attrs={"placeholder": "https://shop.example.com/paygate-hooks"}),
    )
    enabled = forms.BooleanField(
        label="Send webhooks",
        required=False,
        help_text="Untick to pause them: the URL and the events stay; nothing that happens meanwhile is sent.",
    )
    event_types = forms.MultipleChoiceField(
        label="Events to send",
        required=False,
        choices=SUBSCRIBABLE_EVENT_TYPE_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked means every event.",
    )


def amount_field(label: str = "Amount", *, required: bool = True, help_text: str = "") -> forms.CharField:
    """Amounts are typed in major units ("25.99") and converted with the currency's exponent."""
    return forms.CharField(
        label=label,
        required=required,
        max_length=20,
        help_text=help_text,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )


def parse_amount(form: forms.Form, field: str, currency: str) -> int | None:
    """The typed major-unit amount in minor units, or an error beside the field."""
    raw = form.cleaned_data.get(field)
    if raw in (None, ""):
        return None
    try:
        minor = to_minor(raw, currency)
        if minor <= 0:
            raise MoneyError("Enter an amount above zero.")
    except MoneyError as exc:
        form.add_error(field, str(exc))
        return None
    return minor


CURRENCY_CHOICES = [(code, code) for code in sorted(CURRENCIES)]


class OrderForm(forms.Form):
    amount = amount_field()
    currency = forms.ChoiceField(label="Currency", choices=CURRENCY_CHOICES, initial="GBP")
    receipt = forms.CharField(label="Receipt (your reference)", max_length=64, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        currency = data.get("currency")
        if currency:
            minor = parse_amount(self, "amount", currency)
            if minor is not None:
                try:
                    check_amount(minor, currency)
                except MoneyError as exc:
                    self.add_error("amount", str(exc))
                data["amount_minor"] = minor
        return data


class CaptureForm(forms.Form):
    amount = amount_field("Amount to capture", required=False, help_text="Leave empty to capture it all.")


class RefundForm(forms.Form):
    amount = amount_field("Amount to refund", required=False, help_text="Leave empty to refund what remains.")
    reason = forms.CharField(label="Reason", max_length=255, required=False)


class PayoutForm(forms.Form):
    amount = amount_field()
    currency = forms.ChoiceField(label="Currency", choices=CURRENCY_CHOICES)


def service_error_text(exc: ApiError, currency: str) -> str:
    """A service's refusal for a person: its amounts formatted in the currency, not minor units."""
    meta = exc.meta or {}
    if exc.error == ErrorCode.INSUFFICIENT_BALANCE:
        return f"The available balance is {format_amount(meta['available'], currency)}; a payout cannot exceed it."
    if exc.error == ErrorCode.REFUND_EXCEEDS_CAPTURED:
        return f"At most {format_amount(meta['refundable'], currency)} is left to refund."
    return exc.message


class ProductForm(forms.Form):
    name = forms.CharField(label="Product name", max_length=200)
    price = amount_field("Price")
    currency = forms.ChoiceField(label="Currency", choices=CURRENCY_CHOICES, initial="GBP")
    stock = forms.IntegerField(
        label="Stock", required=False, min_value=0, help_text="Units for sale; leave empty for unlimited."
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("currency"):
            data["price_minor"] = parse_amount(self, "price", data["currency"])
        return data


class ProductEditForm(forms.Form):
    """A product's name, price and whether it is for sale; its currency is fixed once created."""

    name = forms.CharField(label="Product name", max_length=200)
    price = amount_field("Price")
    active = forms.BooleanField(label="For sale", required=False, help_text="Its payment links can be paid.")

    def __init__(self, *args: Any, currency: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.currency = currency
        self.fields["price"].help_text = f"In {currency}."

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        data["price_minor"] = parse_amount(self, "price", self.currency)
        return data


class StockForm(forms.Form):
    stock = forms.IntegerField(label="Stock", required=False, min_value=0, help_text="Empty: unlimited.")


class PaymentLinkForm(forms.Form):
    product = forms.ChoiceField(label="Product", required=False, help_text="Or a fixed amount below.")
    amount = amount_field("Fixed amount", required=False)
    currency = forms.ChoiceField(label="Currency", choices=CURRENCY_CHOICES, initial="GBP")
    description = forms.CharField(label="Description", max_length=200, required=False)
    expires_on = forms.DateField(
        label="Expires on", required=False, widget=forms.DateInput(attrs={"type": "date"}), help_text="Optional."
    )

    def __init__(self, *args: Any, products: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["product"].choices = [("", "A fixed amount"), *products]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("product"):
            if not data.get("amount"):
                self.add_error("amount", "Choose a product or give an amount.")
            elif data.get("currency"):
                data["amount_minor"] = parse_amount(self, "amount", data["currency"])
        return data


class CheckoutOriginsForm(forms.Form):
    origins = forms.CharField(
        label="Sites allowed to embed your checkout",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
        help_text="One origin per line, such as https://shop.example — checkout.js only opens on these sites.",
    )

    def clean_origins(self) -> list[str]:
        origins = []
        for line in self.cleaned_data["origins"].splitlines():
            if line.strip():
                try:  # the API's own rule for an origin
                    origins.append(OriginField(max_length=200).to_internal_value(line))
                except DrfValidationError as exc:
                    raise ValidationError(f"{line.strip()}: {exc.detail[0]}") from None
        if len(origins) > 20:
            raise ValidationError("At most 20 origins.")
        return origins
