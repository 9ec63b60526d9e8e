"""The review queue: payments held in `review`, oldest first, each with Approve / Reject and a
required note. The list polls with htmx; deciding is a plain form POST, so it works without
JavaScript. Two operators deciding at once: the service locks the payment and the second one's
decision is refused with a transition error, shown as a notification."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from merchants.models import User
from ops.access import operator_required
from ops.forms import ReviewForm
from paygate.lib.api import ApiError
from paygate.lib.money import format_amount
from payments import selectors, services
from payments.models import PaymentStatus
from ui.paging import paginate


def _queue(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    assert isinstance(request.user, User)
    queryset = selectors.payment_list(user=request.user).filter(status=PaymentStatus.REVIEW).order_by("created_at")
    return {"page": "review", "payments": paginate(queryset, request.GET), **extra}


@operator_required
def review(request: HttpRequest) -> HttpResponse:
    context = _queue(request)
    if request.htmx:
        return render(request, "ops/partials/_review_table.html", context)
    return render(request, "ops/review.html", context)


@require_POST
@operator_required
def review_decide(request: HttpRequest, payment_id: str) -> HttpResponse:
    assert isinstance(request.user, User)
    payment = selectors.payment_list(user=request.user).filter(public_id=payment_id).first()
    if payment is None:
        raise Http404
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Nothing was decided: the decision needs a note.")
        context = _queue(request, failed_id=payment.public_id, failed_form=form)
        return render(request, "ops/review.html", context, status=400)
    approve = form.cleaned_data["decision"] == "approve"
    try:
        services.payment_review(payment=payment, approve=approve, note=form.cleaned_data["note"], actor=request.user)
    except ApiError as exc:
        messages.error(request, f"Payment {payment.public_id} was not changed: {exc.message}")
    else:
        amount = format_amount(payment.amount, payment.currency)
        verb = "approved" if approve else "rejected"
        messages.success(request, f"Payment {payment.public_id} ({amount}, {payment.merchant}) {verb}.")
    return redirect("ops:review")
