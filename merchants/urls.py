from django.urls import path

from merchants import api

app_name = "merchants"

urlpatterns = [
    path("auth/register/", api.RegisterView.as_view(), name="auth-register"),
    path("auth/register-admin/", api.RegisterOperatorView.as_view(), name="auth-register-admin"),
    path("auth/token/", api.TokenView.as_view(), name="auth-token"),
    path("auth/refresh/", api.RefreshView.as_view(), name="auth-refresh"),
    path("auth/logout/", api.LogoutView.as_view(), name="auth-logout"),
    path("me/", api.MeView.as_view(), name="me"),
    path("me/checkout/", api.CheckoutSettingsView.as_view(), name="me-checkout"),
    path("me/api-keys/rotate/", api.RotateApiKeyView.as_view(), name="me-api-keys-rotate"),
]
