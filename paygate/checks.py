"""System checks for deployment rules that Django cannot know."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, register

SHARED_CACHES = ("django.core.cache.backends.redis.RedisCache", "django_redis.cache.RedisCache")


@register()
def shared_rate_limit_cache(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """Rate limits only hold across processes on a shared cache: refuse to start without one."""
    backend = settings.CACHES["default"]["BACKEND"]
    if settings.DEBUG or settings.PAYGATE_SINGLE_PROCESS or backend in SHARED_CACHES:
        return []
    return [
        Error(
            "Rate limits need a cache shared by every server process.",
            hint="Set REDIS_URL, or PAYGATE_SINGLE_PROCESS=true if exactly one server process serves requests.",
            id="paygate.E001",
        )
    ]
