"""Who may open a portal page: merchants only. A logged-out visitor is sent to log in and back;
an operator (admin, finance) gets 403 — the ops console is theirs."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from merchants.models import Merchant, Role


class PortalRequest(HttpRequest):
    merchant: Merchant


def merchant_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Sets `request.merchant` for the view; every portal page goes through it."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if user.role != Role.MERCHANT:
            raise PermissionDenied("The merchant portal is for merchants; operators use the ops console.")
        request.merchant = Merchant.objects.get(user=user)  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return wrapper
