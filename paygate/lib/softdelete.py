"""Soft delete: rows are marked, never removed; the default manager hides them."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class SoftDeleteQuerySet(models.QuerySet):
    def alive(self) -> SoftDeleteQuerySet:
        return self.filter(deleted=False)

    def dead(self) -> SoftDeleteQuerySet:
        return self.filter(deleted=True)

    def soft_delete(self) -> int:
        return self.update(deleted=True, deleted_at=timezone.now())


class SoftDeleteManager(models.Manager.from_queryset(SoftDeleteQuerySet)):
    """Default manager: hides deleted rows. `all_with_deleted()` reaches every row."""

    def get_queryset(self) -> SoftDeleteQuerySet:
        return super().get_queryset().filter(deleted=False)

    def all_with_deleted(self) -> SoftDeleteQuerySet:
        return super().get_queryset()


class SoftDeleteModel(models.Model):
    deleted = models.BooleanField(default=False)  # too few distinct values to be worth an index
    deleted_at = models.DateTimeField(null=True, blank=True)

    objects = SoftDeleteManager()

    class Meta:
        abstract = True

    def mark_deleted(self) -> None:
        """Mark this row deleted (the caller saves it, inside its service's transaction)."""
        self.deleted = True
        self.deleted_at = timezone.now()

    def mark_restored(self) -> None:
        self.deleted = False
        self.deleted_at = None
