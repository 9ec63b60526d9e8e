from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm

from merchants import services
from merchants.models import Merchant, Role, User
from paygate.lib.admin import SoftDeleteAdmin
from paygate.lib.api import ApiError


class UserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "name", "role")


class UserEditForm(UserChangeForm):
    class Meta:
        model = User
        fields = ("email", "name", "role", "is_active")


@admin.register(User)
class UserAdmin(SoftDeleteAdmin, DjangoUserAdmin):
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

    def save_model(self, request: Any, obj: User, form: Any, change: bool) -> None:
        obj.apply_role()
        super().save_model(request, obj, form, change)

    # Through the account services: a merchant's user goes with its whole account (keys revoked,
    # orders and payments hidden, counts taken back); an operator's tokens are revoked.
    @admin.action(description="Soft delete selected", permissions=["change"])
    def soft_delete_selected(self, request: Any, queryset: Any) -> None:
        done = 0
        for user in queryset.filter(deleted=False):
            try:
                if user.role == Role.MERCHANT:
                    services.merchant_delete_account(user=user)
                else:
                    services.operator_delete(user=user, actor=request.user)
            except ApiError as exc:
                self.message_user(request, f"{user.email}: {exc.message}", messages.ERROR)
            else:
                done += 1
        self.message_user(request, f"{done} user(s) marked deleted.", messages.SUCCESS)

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
