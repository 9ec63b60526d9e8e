"""Sign-up, log-in, log-out and password change. Sign-up calls the API's registration service and
shows the credentials once, in its own answer: they are never stored in clear, not even in the
session."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator

from merchants import services
from merchants.models import Role
from paygate.lib.api import ApiError
from paygate.lib.ratelimits import rate_limit
from portal.forms import SignupForm


@rate_limit(group="portal-signup", rate="RATELIMIT_REGISTER")
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect(home_for(request.user))
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            merchant, credentials = services.merchant_register(
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password"],
                name=form.cleaned_data["name"],
                business_name=form.cleaned_data["business_name"],
            )
        except ApiError as exc:
            for field, errors in exc.meta.get("fields", {}).items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            login(request, merchant.user, backend="django.contrib.auth.backends.ModelBackend")
            context = {"merchant": merchant, "api_key": credentials.key_id, "api_secret": credentials.secret}
            response = render(request, "portal/signup_done.html", context)
            response["Cache-Control"] = "no-store"  # the secrets must not be kept by the browser
            return response
    return render(request, "portal/signup.html", {"form": form})


def home_for(user: Any) -> str:
    """Where a user lands after logging in: merchants in the portal, operators in the ops console."""
    return reverse("portal:dashboard") if user.role == Role.MERCHANT else reverse("ops:dashboard")


@method_decorator(rate_limit(group="portal-login", rate="RATELIMIT_LOGIN"), name="post")
class LoginView(auth_views.LoginView):
    template_name = "portal/login.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self) -> str:
        return home_for(self.request.user)


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "portal/password_change.html"
    success_url = reverse_lazy("portal:account")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)  # keeps this session logged in
        messages.success(self.request, "Password changed.")
        return response


logout = auth_views.LogoutView.as_view()
