"""Admin helpers: read-only models; soft-deleted rows stay reachable, and can be deleted/restored by
action."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows only the services write (money records, events, delivery logs): the admin shows them."""

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


class SoftDeleteAdmin(admin.ModelAdmin):
    """Lists every row, deleted ones too (filter on `deleted`); hard delete is not offered."""

    actions = ["soft_delete_selected", "restore_selected"]

    def get_queryset(self, request: Any) -> Any:
        return self.model.objects.all_with_deleted()

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    @admin.action(description="Soft delete selected", permissions=["change"])
    def soft_delete_selected(self, request: Any, queryset: Any) -> None:
        count = queryset.soft_delete()
        self.message_user(request, f"{count} marked deleted.", messages.SUCCESS)

    @admin.action(description="Restore selected", permissions=["change"])
    def restore_selected(self, request: Any, queryset: Any) -> None:
        count = queryset.update(deleted=False, deleted_at=None)
        self.message_user(request, f"{count} restored.", messages.SUCCESS)
