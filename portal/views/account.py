"""Account: the merchant's names, password change, and account deletion."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from merchants import services
from portal.access import PortalRequest, merchant_required
from portal.forms import DeleteAccountForm, ProfileForm


@merchant_required
def account(request: PortalRequest) -> HttpResponse:
    merchant = request.merchant
    initial = {"name": request.user.name, "business_name": merchant.business_name}
    form = ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.merchant_update_profile(merchant=merchant, **form.cleaned_data)
        messages.success(request, "Profile saved.")
        return redirect("portal:account")
    return render(
        request,
        "portal/account.html",
        {"page": "account", "form": form, "delete_form": DeleteAccountForm(email=request.user.email)},
    )


@require_POST
@merchant_required
def account_delete(request: PortalRequest) -> HttpResponse:
    form = DeleteAccountForm(request.POST, email=request.user.email)
    if not form.is_valid():
        profile = ProfileForm(initial={"name": request.user.name, "business_name": request.merchant.business_name})
        messages.error(request, "Your account was not deleted.")
        return render(
            request, "portal/account.html", {"page": "account", "form": profile, "delete_form": form}, status=400
        )
    services.merchant_delete_account(user=request.user)
    logout(request)
    messages.success(request, "Your account was deleted. Its keys no longer work.")
    return redirect("home")
