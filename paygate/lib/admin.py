"""Admin helpers: read-only models; soft-deleted rows stay reachable. Deleting and restoring are
each admin's own actions, through its app's services: this base offers none."""

from __future__ import annotations

from typing import Any

from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows only the services write (money records, events, delivery logs): the admin shows them."""

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


class SoftDeleteAdmin(admin.ModelAdmin):
    """Lists every row, deleted ones too (filter on `deleted`); hard delete is not offered.

    No soft delete / restore action comes with it: a subclass that offers them defines them
    through its app's services (locked, evented, counted), never `queryset.soft_delete()`."""

    def get_queryset(self, request: Any) -> Any:
        return self.model.objects.all_with_deleted()

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False
