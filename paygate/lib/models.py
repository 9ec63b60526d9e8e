"""Abstract model bases shared by the apps."""

from __future__ import annotations

from django.db import models


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


def set_prefetched(instance: models.Model, name: str, objects: list) -> None:
    """Give `instance.<name>.all()` the related rows already in hand, as `prefetch_related` would,
    without a query (a service that has just written them renders them at once)."""
    queryset = getattr(instance, name).all()
    queryset._result_cache = list(objects)
    queryset._prefetch_done = True
    cache = getattr(instance, "_prefetched_objects_cache", None)
    if cache is None:
        cache = instance._prefetched_objects_cache = {}
    cache[getattr(type(instance), name).rel.cache_name] = queryset
