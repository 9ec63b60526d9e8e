"""The console's forms: what an operator types, checked before any service is called."""

from __future__ import annotations

from django import forms

from merchants.models import Role
from payments.models import AttemptResult, FailureReason


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("reject", "Reject")])
    note = forms.CharField(
        label="Note", max_length=500, error_messages={"required": "Write a note: why this decision."}
    )


class AttemptForm(forms.Form):
    provider = forms.ChoiceField(label="Provider")
    result = forms.ChoiceField(label="Result", choices=AttemptResult.choices)
    latency_ms = forms.IntegerField(label="Latency (ms)", min_value=0, max_value=600_000)
    error_code = forms.ChoiceField(
        label="Failure reason (for a failure)",
        required=False,
        choices=[("", "Processing error"), *FailureReason.choices],
    )

    def __init__(self, *args: object, providers: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["provider"].choices = providers  # type: ignore[attr-defined]


class OperatorForm(forms.Form):
    name = forms.CharField(label="Name", max_length=150)
    email = forms.EmailField(label="Email")
    role = forms.ChoiceField(label="Role", choices=[(Role.FINANCE, "Finance"), (Role.ADMIN, "Admin")])
    password = forms.CharField(
        label="Password", min_length=12, widget=forms.PasswordInput(),
        help_text="At least 12 characters; give it to the person in a safe way.",
    )  # fmt: skip


class ProviderForm(forms.Form):
    outage = forms.BooleanField(label="Outage (every attempt fails softly)", required=False)
    success_rate = forms.DecimalField(label="Success rate (%)", min_value=0, max_value=100, decimal_places=1)
    latency_ms = forms.IntegerField(label="Added latency (ms)", min_value=0, max_value=60_000)
