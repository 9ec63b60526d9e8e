from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm

from merchants import services
from merchants.models import OPERATOR_ROLES, Merchant, Role, User, normalize_email
from paygate.lib.admin import SoftDeleteAdmin
from paygate.lib.api import ApiError


class UserCreationForm(AdminUserCreationForm):
    """Admins add admin and finance users here (as on the ops console's Users page); merchants sign
    up through the API. The user itself is created by `services.operator_create`."""

    role = forms.ChoiceField(choices=[(role.value, role.label) for role in Role if role in OPERATOR_ROLES])

    class Meta:
        model = User
        fields = ("email", "name", "role")

    def clean_email(self) -> str:
        email = normalize_email(self.cleaned_data["email"])
        if User.objects.all_with_deleted().filter(email=email).exists():
            raise forms.ValidationError("An account with this email already exists.")
        return email


class UserEditForm(UserChangeForm):
    class Meta:
        model = User
        fields = ("email", "name")


# Role and activity change only through the services: `is_active` by the actions below (a
# merchant's user with its merchant: tokens revoked, audited), the role not at all after creation.
STATE_FIELDS = ["role", "is_active"]


@admin.register(User)
class UserAdmin(SoftDeleteAdmin, DjangoUserAdmin):
    date_hierarchy = "created_at"
    form = UserEditForm
    add_form = UserCreationForm
    list_display = ["email", "name", "role", "public_id", "is_active", "deleted", "last_login", "created_at"]
    list_filter = ["role", "is_active", "deleted"]
    search_fields = ["email", "name", "public_id"]
    ordering = ["-created_at"]
    readonly_fields = ["public_id", "last_login", "created_at", "updated_at", "deleted_at"]
    fieldsets = [
        (None, {"fields": ["public_id", "email", "password"]}),
        ("Profile", {"fields": ["name", "role", "is_active"]}),
        ("History", {"fields": ["last_login", "created_at", "updated_at", "deleted", "deleted_at"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "name", "role", "password1", "password2"]})]
    filter_horizontal: list[str] = []
    actions = ["deactivate_selected", "reactivate_selected", "soft_delete_selected", "restore_selected"]

    def get_readonly_fields(self, request: Any, obj: User | None = None) -> list[str]:
        fields = list(super().get_readonly_fields(request, obj))
        return fields if obj is None else [*fields, *STATE_FIELDS, "deleted"]

    def save_model(self, request: Any, obj: User, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        data = form.cleaned_data
        created = services.operator_create(
            email=data["email"],
            password=data["password1"] if data.get("set_usable_password", True) else None,
            name=data.get("name", ""),
            role=data["role"],
        )
        obj.pk = created.pk  # the admin redirects to, and logs, the row the service created
        obj.refresh_from_db()

    def _each(self, request: Any, queryset: Any, act: Any, done_message: str) -> None:
        done = 0
        for user in queryset.filter(deleted=False):
            try:
                act(user)
            except ApiError as exc:
                self.message_user(request, f"{user.email}: {exc.message}", messages.ERROR)
            else:
                done += 1
        self.message_user(request, f"{done} user(s) {done_message}.", messages.SUCCESS)

    # A merchant's user is deactivated with its merchant (API key, sessions and refresh tokens stop;
    # a `merchant.deactivated` event is written), exactly as on the ops console's merchant page.
    @admin.action(description="Deactivate selected users", permissions=["change"])
    def deactivate_selected(self, request: Any, queryset: Any) -> None:
        def act(user: User) -> None:
            if user.role == Role.MERCHANT:
                services.merchant_deactivate(merchant=user.merchant, actor=request.user)
            else:
                services.operator_deactivate(user=user, actor=request.user)

        self._each(request, queryset, act, "deactivated")

    @admin.action(description="Reactivate selected users", permissions=["change"])
    def reactivate_selected(self, request: Any, queryset: Any) -> None:
        def act(user: User) -> None:
            if user.role == Role.MERCHANT:
                services.merchant_reactivate(merchant=user.merchant, actor=request.user)
            else:
                services.operator_reactivate(user=user)

        self._each(request, queryset, act, "reactivated")

    # Through the account services: a merchant's user goes with its whole account (keys revoked,
    # orders and payments hidden, counts taken back); an operator's tokens are revoked.
    @admin.action(description="Soft delete selected", permissions=["change"])
    def soft_delete_selected(self, request: Any, queryset: Any) -> None:
        def act(user: User) -> None:
            if user.role == Role.MERCHANT:
                services.merchant_delete_account(user=user)
            else:
                services.operator_delete(user=user, actor=request.user)

        self._each(request, queryset, act, "marked deleted")

    @admin.action(description="Restore selected", permissions=["change"])
    def restore_selected(self, request: Any, queryset: Any) -> None:
        done = 0
        for user in queryset.filter(deleted=True):
            try:
                services.operator_restore(user=user)
            except ApiError as exc:
                self.message_user(request, f"{user.email}: {exc.message}", messages.ERROR)
            else:
                done += 1
        self.message_user(request, f"{done} user(s) restored.", messages.SUCCESS)


@admin.register(Merchant)
class MerchantAdmin(SoftDeleteAdmin):
    date_hierarchy = "created_at"
    list_display = [
        "business_name",
        "public_id",
        "user",
        "api_key_id",
        "auto_capture",
        "webhook_url",
        "deleted",
        "created_at",
    ]
    list_filter = ["auto_capture", "deleted"]
    search_fields = ["business_name", "public_id", "user__email", "api_key_id"]
    list_select_related = ["user"]
    # Deletion goes through the account service (keys, orders, payments, counts); the webhook URL
    # through the portal or the API, which check it is safe to call.
    actions = ["soft_delete_selected"]
    readonly_fields = [
        "public_id",
        "user",
        "webhook_url",
        "deleted",
        "api_key_id",
        "api_key_created_at",
        "created_at",
        "updated_at",
        "deleted_at",
    ]
    fields = [
        "public_id",
        "user",
        "business_name",
        "auto_capture",
        "webhook_url",
        "api_key_id",
        "api_key_created_at",
        "created_at",
        "updated_at",
        "deleted",
        "deleted_at",
    ]

    def has_add_permission(self, request: Any) -> bool:
        return False  # merchants sign up through the API, which issues their keys

    @admin.action(description="Delete selected merchant accounts", permissions=["change"])
    def soft_delete_selected(self, request: Any, queryset: Any) -> None:
        done = 0
        for merchant in queryset.filter(deleted=False).select_related("user"):
            services.merchant_delete_account(user=merchant.user)
            done += 1
        self.message_user(request, f"{done} merchant account(s) deleted.", messages.SUCCESS)
