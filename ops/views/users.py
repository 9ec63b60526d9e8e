"""Operators: the list of admin and finance users; admins create them (the register-admin
service) and deactivate them; finance sees the list only."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from merchants import services
from merchants.models import OPERATOR_ROLES, User
from ops.access import admin_required, is_admin, operator_required
from ops.forms import OperatorForm
from paygate.lib.api import ApiError
from ui.paging import paginate


def _operators(request: HttpRequest) -> dict:
    queryset = User.objects.filter(role__in=OPERATOR_ROLES).order_by("email")
    return {"page": "users", "users": paginate(queryset, request.GET), "is_admin": is_admin(request)}


@operator_required
def users(request: HttpRequest) -> HttpResponse:
    context = _operators(request)
    if is_admin(request):
        context["form"] = OperatorForm()
    return render(request, "ops/users.html", context)


@require_POST
@admin_required
def user_create(request: HttpRequest) -> HttpResponse:
    form = OperatorForm(request.POST)
    if form.is_valid():
        try:
            created = services.operator_create(**form.cleaned_data)
        except ApiError as exc:
            for field, errors in exc.meta.get("fields", {}).items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            messages.success(request, f"{created.get_role_display()} user {created.email} created.")
            return redirect("ops:users")
    messages.error(request, "No user was created: check the fields below.")
    return render(request, "ops/users.html", {**_operators(request), "form": form}, status=400)


@require_POST
@admin_required
def user_deactivate(request: HttpRequest, user_id: str) -> HttpResponse:
    found = User.objects.filter(role__in=OPERATOR_ROLES, public_id=user_id).first()
    if found is None:
        raise Http404
    assert isinstance(request.user, User)
    try:
        services.operator_deactivate(user=found, actor=request.user)
    except ApiError as exc:
        messages.error(request, f"Nothing was changed: {exc.message}")
    else:
        messages.success(request, f"{found.email} deactivated: their sessions and tokens no longer work.")
    return redirect("ops:users")
