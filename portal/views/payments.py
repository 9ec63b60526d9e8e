"""Payments: the filtered list (htmx swaps the table; works without JavaScript), the detail with
its attempts, refunds, timeline and deliveries, and the actions its state allows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from paygate.lib.api import ApiError, ErrorCode
from paygate.lib.money import format_amount, to_decimal
from payments import selectors, services
from payments.filters import PaymentFilter
from payments.models import Payment, PaymentStatus, RefundStatus
from portal.access import PortalRequest, merchant_required
from portal.forms import CaptureForm, RefundForm, parse_amount, service_error_text
from ui.listing import PaymentListForm, filtered
from ui.paging import paginate
from webhooks.models import OPEN_STATUSES, WebhookDelivery


@merchant_required
def payments(request: PortalRequest) -> HttpResponse:
    form, queryset = filtered(PaymentListForm, PaymentFilter, selectors.payment_list(user=request.user), request.GET)
    context = {"page": "payments", "form": form, "payments": paginate(queryset, request.GET)}
    if request.htmx and request.htmx.target == "payments-table":
        return render(request, "portal/partials/_payments_table.html", context)
    return render(request, "portal/payments.html", context)


def _payment(request: PortalRequest, payment_id: str) -> Payment:
    payment = selectors.payment_detail(user=request.user).filter(public_id=payment_id).first()
    if payment is None:
        raise Http404
    return payment


@merchant_required
def payment(request: PortalRequest, payment_id: str) -> HttpResponse:
    """The full page, or for htmx the panel alone: opened beside the list (`?panel=1` keeps it
    marked as such when it polls itself) or polled on the full page while work is in flight."""
    found = _payment(request, payment_id)
    context = _detail_context(found)
    if not request.htmx:
        return render(request, "portal/payment.html", {"page": "payments", **context})
    embedded = request.htmx.target == "payment-panel" or request.GET.get("panel") == "1"
    return render(request, "portal/partials/_payment_panel.html", {"page": "payments", "embedded": embedded, **context})


def _detail_context(payment: Payment, **forms: Any) -> dict[str, Any]:
    refundable = services.refundable_amount(payment) if payment.status in _REFUNDABLE else 0
    events = list(payment.events.all())
    deliveries = (
        list(WebhookDelivery.objects.filter(event__in=events).select_related("event").order_by("-created_at"))
        if events
        else []
    )
    refunds = list(payment.refunds.all())
    # The worker still has something to finish: the panel polls itself until it is final.
    in_flight = (
        payment.status == PaymentStatus.PROCESSING
        or any(r.status == RefundStatus.PENDING for r in refunds)
        or any(d.status in OPEN_STATUSES for d in deliveries)
    )
    capture_form = forms.get("capture_form") or CaptureForm()
    refund_form = forms.get("refund_form") or RefundForm(
        initial={"amount": str(to_decimal(refundable, payment.currency))}
    )
    return {
        "payment": payment,
        "attempts": list(payment.attempts.all()),
        "refunds": refunds,
        "events": events,
        "deliveries": deliveries,
        "in_flight": in_flight,
        "refundable": refundable,
        "net": payment.amount_captured - payment.fee - payment.amount_refunded,
        "can_capture": payment.status == PaymentStatus.AUTHORIZED,
        "can_cancel": payment.status in (PaymentStatus.CREATED, PaymentStatus.AUTHORIZED),
        "can_refund": refundable > 0,
        "can_retry": payment.is_retryable,
        "capture_form": capture_form,
        "refund_form": refund_form,
    }


_REFUNDABLE = (PaymentStatus.CAPTURED, PaymentStatus.PARTIALLY_REFUNDED)
_AMOUNT_ERRORS = (ErrorCode.REFUND_EXCEEDS_CAPTURED, ErrorCode.CAPTURE_EXCEEDS_AUTHORIZED, ErrorCode.VALIDATION_ERROR)


def _act(
    request: PortalRequest, payment_id: str, action: Callable[[Payment], str], *, form_name: str = "", form: Any = None
) -> HttpResponse:
    """Run one service call; on success a notification and the detail again, on a refusal the
    message beside the form (or as a notification) and nothing changed."""
    found = _payment(request, payment_id)
    try:
        message = action(found)
    except ApiError as exc:
        if form is not None:
            form.add_error("amount" if exc.error in _AMOUNT_ERRORS else None, service_error_text(exc, found.currency))
            messages.error(request, "Nothing was changed.")
            context = _detail_context(_payment(request, payment_id), **{form_name: form})
            return render(request, "portal/payment.html", {"page": "payments", **context}, status=400)
        messages.error(request, exc.message)
    else:
        messages.success(request, message)
    return redirect("portal:payment", payment_id=found.public_id)


def _invalid(request: PortalRequest, payment_id: str, form_name: str, form: Any) -> HttpResponse:
    messages.error(request, "Nothing was changed.")
    context = _detail_context(_payment(request, payment_id), **{form_name: form})
    return render(request, "portal/payment.html", {"page": "payments", **context}, status=400)


@require_POST
@merchant_required
def payment_capture(request: PortalRequest, payment_id: str) -> HttpResponse:
    found = _payment(request, payment_id)
    form = CaptureForm(request.POST)
    amount = parse_amount(form, "amount", found.currency) if form.is_valid() else None
    if form.errors:
        return _invalid(request, payment_id, "capture_form", form)

    def capture(payment: Payment) -> str:
        done = services.payment_capture(payment=payment, amount=amount, actor=request.user)
        return f"Captured {format_amount(done.amount_captured, done.currency)}."

    return _act(request, payment_id, capture, form_name="capture_form", form=form)


@require_POST
@merchant_required
def payment_cancel(request: PortalRequest, payment_id: str) -> HttpResponse:
    def cancel(payment: Payment) -> str:
        services.payment_cancel(payment=payment, actor=request.user)
        return "Payment canceled."

    return _act(request, payment_id, cancel)


@require_POST
@merchant_required
def payment_retry(request: PortalRequest, payment_id: str) -> HttpResponse:
    def retry(payment: Payment) -> str:
        done = services.payment_retry(payment=payment, actor=request.user)
        return f"Payment retried: it is now {done.get_status_display().lower()}."

    return _act(request, payment_id, retry)


@require_POST
@merchant_required
def payment_refund(request: PortalRequest, payment_id: str) -> HttpResponse:
    found = _payment(request, payment_id)
    form = RefundForm(request.POST)
    amount = parse_amount(form, "amount", found.currency) if form.is_valid() else None
    if form.errors:
        return _invalid(request, payment_id, "refund_form", form)

    def refund(payment: Payment) -> str:
        created = services.refund_create(
            payment=payment, amount=amount, reason=form.cleaned_data["reason"], actor=request.user
        )
        created.refresh_from_db()  # processing may have finished already (immediate task backend)
        refunded = format_amount(created.amount, created.currency)
        if created.status == RefundStatus.PENDING:
            return f"Refund of {refunded} requested; it is being processed."
        return f"Refund of {refunded} {created.get_status_display().lower()}."

    return _act(request, payment_id, refund, form_name="refund_form", form=form)
