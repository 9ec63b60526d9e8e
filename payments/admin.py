from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html

from paygate.lib.admin import ReadOnlyAdmin, SoftDeleteAdmin
from payments import services
from payments.models import (
    Balance,
    ExportLog,
    IdempotencyKey,
    LedgerEntry,
    Order,
    Payment,
    PaymentLink,
    Payout,
    Product,
    ProviderAttempt,
    ProviderProfile,
    Refund,
)


def admin_link(obj: Any, label: str | None = None) -> str:
    if obj is None:
        return "—"
    url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
    return format_html('<a href="{}">{}</a>', url, label or str(obj))


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def get_readonly_fields(self, request: Any, obj: Any = None) -> list[str]:
        return list(self.fields)


class AttemptInline(ReadOnlyInline):
    model = ProviderAttempt
    fields = ["public_id", "sequence", "provider", "result", "latency_ms", "error_code", "manual", "created_at"]


class RefundInline(ReadOnlyInline):
    model = Refund
    fields = ["public_id", "amount", "currency", "status", "reason", "created_at", "processed_at"]


class LedgerInline(ReadOnlyInline):
    model = LedgerEntry
    fk_name = "payment"
    fields = ["public_id", "type", "amount", "balance_before", "balance_after", "created_at"]
    show_change_link = False


@admin.register(Order)
class OrderAdmin(SoftDeleteAdmin):
    list_display = [
        "public_id",
        "merchant",
        "amount",
        "currency",
        "amount_paid",
        "status",
        "receipt",
        "attempts",
        "deleted",
        "created_at",
    ]
    list_filter = ["status", "currency", "deleted", "created_at"]
    search_fields = ["public_id", "receipt", "merchant__public_id", "merchant__business_name"]
    list_select_related = ["merchant"]
    readonly_fields = [
        "public_id",
        "merchant",
        "amount",
        "currency",
        "amount_paid",
        "status",
        "attempts",
        "payments_link",
        "created_at",
        "updated_at",
        "deleted_at",
    ]
    fields = [
        "public_id",
        "merchant",
        "amount",
        "currency",
        "amount_paid",
        "status",
        "receipt",
        "notes",
        "attempts",
        "payments_link",
        "created_at",
        "updated_at",
        "deleted",
        "deleted_at",
    ]
    date_hierarchy = "created_at"
    actions = ["soft_delete_selected", "restore_selected"]

    def has_add_permission(self, request: Any) -> bool:
        return False

    @admin.display(description="Payments")
    def payments_link(self, order: Order) -> str:
        url = reverse("admin:payments_payment_changelist") + f"?order__id__exact={order.pk}"
        return format_html('<a href="{}">{} payment(s)</a>', url, order.payments.count())

    # Through the services, so that each change is locked, evented and counted.
    @admin.action(description="Soft delete selected", permissions=["change"])
    def soft_delete_selected(self, request: Any, queryset: Any) -> None:
        for order in queryset:
            services.order_soft_delete(order=order, actor=request.user)
        self.message_user(request, f"{queryset.count()} order(s) marked deleted.", messages.SUCCESS)

    @admin.action(description="Restore selected", permissions=["change"])
    def restore_selected(self, request: Any, queryset: Any) -> None:
        for order in queryset:
            services.order_restore(order=order, actor=request.user)
        self.message_user(request, f"{queryset.count()} order(s) restored.", messages.SUCCESS)


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = [
        "public_id",
        "merchant",
        "order_link",
        "amount",
        "currency",
        "method",
        "status",
        "failure_reason",
        "provider",
        "region",
        "deleted",
        "created_at",
    ]
    list_filter = ["status", "method", "currency", "region", "provider", "failure_reason", "deleted", "created_at"]
    search_fields = ["public_id", "order__public_id", "customer_email", "customer_name", "card_last4", "order__receipt"]
    list_select_related = ["merchant", "order"]
    readonly_fields = [
        f.name for f in Payment._meta.fields if f.name not in {"card_fingerprint", "processing_claim"}
    ] + ["ledger"]
    exclude = ["card_fingerprint", "processing_claim"]
    inlines = [AttemptInline, RefundInline, LedgerInline]
    actions = ["soft_delete_selected", "restore_selected"]
    date_hierarchy = "created_at"

    def get_queryset(self, request: Any) -> Any:
        return Payment.objects.all_with_deleted()

    @admin.display(description="Order")
    def order_link(self, payment: Payment) -> str:
        return admin_link(payment.order)

    @admin.display(description="Ledger entries")
    def ledger(self, payment: Payment) -> str:
        url = reverse("admin:payments_ledgerentry_changelist") + f"?payment__id__exact={payment.pk}"
        return format_html('<a href="{}">ledger entries</a>', url)

    @admin.action(description="Soft delete selected payments (admins)")
    def soft_delete_selected(self, request: Any, queryset: Any) -> None:
        if request.user.role != "admin":
            self.message_user(request, "Only admins may delete payments.", messages.ERROR)
            return
        for payment in queryset:
            services.payment_soft_delete(payment=payment, actor=request.user)
        self.message_user(request, f"{queryset.count()} payment(s) marked deleted.", messages.SUCCESS)

    @admin.action(description="Restore selected payments (admins)")
    def restore_selected(self, request: Any, queryset: Any) -> None:
        if request.user.role != "admin":
            self.message_user(request, "Only admins may restore payments.", messages.ERROR)
            return
        for payment in queryset:
            services.payment_restore(payment=payment, actor=request.user)
        self.message_user(request, f"{queryset.count()} payment(s) restored.", messages.SUCCESS)


@admin.register(ProviderAttempt)
class ProviderAttemptAdmin(ReadOnlyAdmin):
    date_hierarchy = "created_at"
    list_display = [
        "public_id",
        "payment",
        "sequence",
        "provider",
        "result",
        "latency_ms",
        "error_code",
        "currency",
        "region",
        "manual",
        "created_at",
    ]
    list_filter = ["provider", "result", "error_code", "currency", "region", "manual"]
    search_fields = ["public_id", "payment__public_id"]
    list_select_related = ["payment"]


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    date_hierarchy = "created_at"
    list_display = [
        "public_id",
        "payment",
        "merchant",
        "amount",
        "currency",
        "status",
        "failure_reason",
        "created_at",
        "processed_at",
    ]
    list_filter = ["status", "currency", "created_at"]
    search_fields = ["public_id", "payment__public_id", "reason"]
    list_select_related = ["payment", "merchant"]


@admin.register(Balance)
class BalanceAdmin(ReadOnlyAdmin):
    list_display = ["merchant", "currency", "available", "updated_at"]
    list_filter = ["currency"]
    search_fields = ["merchant__public_id", "merchant__business_name"]
    list_select_related = ["merchant"]


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    date_hierarchy = "created_at"
    list_display = [
        "public_id",
        "merchant",
        "currency",
        "type",
        "amount",
        "balance_before",
        "balance_after",
        "reference",
        "created_at",
    ]
    list_filter = ["type", "currency", "created_at"]
    search_fields = ["public_id", "reference", "merchant__public_id"]
    list_select_related = ["merchant"]


@admin.register(Payout)
class PayoutAdmin(ReadOnlyAdmin):
    date_hierarchy = "created_at"
    list_display = ["public_id", "merchant", "amount", "currency", "status", "created_at"]
    list_filter = ["status", "currency"]
    search_fields = ["public_id", "merchant__public_id"]
    list_select_related = ["merchant"]


@admin.register(ProviderProfile)
class ProviderProfileAdmin(admin.ModelAdmin):
    """The sandbox controls (outage, success rate, added latency) are saved through
    `services.provider_update`, as on the ops console: audited (`provider.updated`, before and
    after) and dropped from the router's cache. Every other field is read-only here."""

    list_display = [
        "name", "display_name", "enabled", "outage", "success_rate", "latency_mean_ms", "added_latency_ms", "updated_at",
    ]  # fmt: skip

    def get_readonly_fields(self, request: Any, obj: Any = None) -> list[str]:
        return [f.name for f in ProviderProfile._meta.fields if f.name not in {"id", *services.PROVIDER_CONTROLS}]

    def has_add_permission(self, request: Any) -> bool:
        return False  # the providers are the simulated ones (payments.providers)

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False  # attempts and audited changes refer to them

    def save_model(self, request: Any, obj: ProviderProfile, form: Any, change: bool) -> None:
        data = form.cleaned_data
        services.provider_update(
            profile=obj, outage=data["outage"], success_rate=data["success_rate"],
            added_latency_ms=data["added_latency_ms"], actor=request.user,
        )  # fmt: skip
        obj.refresh_from_db()


@admin.register(ExportLog)
class ExportLogAdmin(ReadOnlyAdmin):
    """The ops console's CSV exports: who, when, which, with which filters, how many rows."""

    date_hierarchy = "created_at"

    list_display = ["created_at", "kind", "actor", "filters", "rows", "finished_at"]
    list_filter = ["kind", "created_at"]
    search_fields = ["actor__email"]
    list_select_related = ["actor"]


@admin.register(IdempotencyKey)
class IdempotencyKeyAdmin(ReadOnlyAdmin):
    date_hierarchy = "created_at"
    list_display = ["scope", "key", "status", "response_status", "created_at"]
    list_filter = ["status"]
    search_fields = ["scope", "key"]


# Products and links change through the API's services (stock under the product's lock): the admin
# shows them, deleted ones too.
@admin.register(Product)
class ProductAdmin(ReadOnlyAdmin):
    date_hierarchy = "created_at"
    list_display = ["public_id", "merchant", "name", "price", "currency", "stock", "active", "deleted", "created_at"]
    list_filter = ["active", "currency", "deleted"]
    search_fields = ["public_id", "name", "merchant__business_name"]
    readonly_fields = ["public_id"]

    def get_queryset(self, request: Any) -> Any:
        return Product.objects.all_with_deleted().select_related("merchant")


@admin.register(PaymentLink)
class PaymentLinkAdmin(ReadOnlyAdmin):
    date_hierarchy = "created_at"
    list_display = ["public_id", "merchant", "product", "amount", "currency", "active", "expires_at", "created_at"]
    list_filter = ["active", "deleted"]
    search_fields = ["public_id", "description", "merchant__business_name"]
    readonly_fields = ["public_id"]

    def get_queryset(self, request: Any) -> Any:
        return PaymentLink.objects.all_with_deleted().select_related("merchant", "product")
