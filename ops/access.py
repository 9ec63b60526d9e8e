"""Who may open an ops page: operators (admin, finance). A logged-out visitor is sent to log in
and back; a merchant gets 403 — the portal is theirs. Admin-only actions refuse finance with 403."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from merchants.models import Role


def operator_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if user.role not in (Role.ADMIN, Role.FINANCE):
            raise PermissionDenied("The ops console is for operators; merchants use the portal.")
        return view(request, *args, **kwargs)

    return wrapper


def admin_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """For the actions only admins may take (DESIGN §3); finance sees the page, not the action."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.role != Role.ADMIN:
            raise PermissionDenied("Only admins may do this.")
        return view(request, *args, **kwargs)

    return operator_required(wrapper)


def is_admin(request: HttpRequest) -> bool:
    return getattr(request.user, "role", None) == Role.ADMIN
