"""Payments explorer: every merchant's payments with the portal's filters plus a merchant; the
detail with Record provider attempt (payments stuck in processing) and Soft delete / Restore
(admins)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from merchants.models import User
from ops.access import admin_required, is_admin, operator_required
from ops.forms import AttemptForm
from ops.listing import PaymentListForm, filtered
from paygate.lib.api import ApiError
from paygate.lib.money import format_amount
from payments import selectors, services
from payments.filters import PaymentFilter
from payments.models import AttemptResult, Payment, PaymentStatus, ProviderProfile
from ui.paging import paginate


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@operator_required
def payments(request: HttpRequest) -> HttpResponse:
    queryset = selectors.payment_list(user=_user(request))
    form, queryset = filtered(PaymentListForm, PaymentFilter, queryset, request.GET)
    context = {"page": "payments", "form": form, "payments": paginate(queryset, request.GET)}
    if request.htmx and request.htmx.target == "payments-table":
        return render(request, "ops/partials/_payments_table.html", context)
    return render(request, "ops/payments.html", context)


def _payment(request: HttpRequest, payment_id: str) -> Payment:
    payment = selectors.payment_detail_with_deleted(user=_user(request)).filter(public_id=payment_id).first()
    if payment is None:
        raise Http404
    return payment


def _providers() -> list[tuple[str, str]]:
    return list(ProviderProfile.objects.values_list("name", "display_name"))


def _detail(request: HttpRequest, payment: Payment, *, attempt_form: AttemptForm | None = None) -> dict[str, Any]:
    processing = payment.status == PaymentStatus.PROCESSING and not payment.deleted
    if processing and attempt_form is None:
        attempt_form = AttemptForm(providers=_providers(), initial={"result": AttemptResult.SUCCESS, "latency_ms": 0})
    return {
        "page": "payments",
        "payment": payment,
        "attempts": list(payment.attempts.all()),
        "refunds": list(payment.refunds.all()),
        "events": list(payment.events.all()),
        "net": payment.amount_captured - payment.fee - payment.amount_refunded,
        "attempt_form": attempt_form if processing else None,
        "is_admin": is_admin(request),
    }


@operator_required
def payment(request: HttpRequest, payment_id: str) -> HttpResponse:
    return render(request, "ops/payment.html", _detail(request, _payment(request, payment_id)))


def _act(request: HttpRequest, payment: Payment, action: Callable[[], str]) -> HttpResponse:
    try:
        message = action()
    except ApiError as exc:
        messages.error(request, f"Nothing was changed: {exc.message}")
    else:
        messages.success(request, message)
    return redirect("ops:payment", payment_id=payment.public_id)


@require_POST
@operator_required
def payment_record_attempt(request: HttpRequest, payment_id: str) -> HttpResponse:
    found = _payment(request, payment_id)
    form = AttemptForm(request.POST, providers=_providers())
    if not form.is_valid():
        messages.error(request, "Nothing was recorded: check the fields below.")
        return render(request, "ops/payment.html", _detail(request, found, attempt_form=form), status=400)
    data = form.cleaned_data

    def record() -> str:
        done = services.payment_record_attempt(
            payment=found, provider=data["provider"], result=data["result"], latency_ms=data["latency_ms"],
            error_code=data["error_code"], actor=_user(request),
        )  # fmt: skip
        return f"Attempt recorded: the payment is now {done.get_status_display().lower()}."

    return _act(request, found, record)


@require_POST
@admin_required
def payment_soft_delete(request: HttpRequest, payment_id: str) -> HttpResponse:
    found = _payment(request, payment_id)

    def delete() -> str:
        services.payment_soft_delete(payment=found, actor=_user(request))
        return f"Payment {found.public_id} ({format_amount(found.amount, found.currency)}) deleted; restore it here."

    return _act(request, found, delete)


@require_POST
@admin_required
def payment_restore(request: HttpRequest, payment_id: str) -> HttpResponse:
    found = _payment(request, payment_id)

    def restore() -> str:
        services.payment_restore(payment=found, actor=_user(request))
        return f"Payment {found.public_id} restored."

    return _act(request, found, restore)
