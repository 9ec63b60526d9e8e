"""Rate limits on a shared cache (django-ratelimit), answering 429 with Retry-After.

`rate_limit` behaves like django-ratelimit's `ratelimit(block=True)` but the `Ratelimited` it
raises carries the seconds left in the window, which both the DRF exception handler and the
plain-view `RATELIMIT_VIEW` turn into a `Retry-After` header.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django_ratelimit.core import get_usage
from django_ratelimit.exceptions import Ratelimited


def rate_limit(
    *, group: str, rate: str | Callable[..., str], key: str = "ip", method: str | list[str] = "POST"
) -> Callable:
    """Decorate a view function (use `method_decorator` on class views)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(request: Any, *args: Any, **kwargs: Any) -> Any:
            usage = get_usage(request, group=group, key=key, rate=_resolve(rate), method=method, increment=True)
            if usage is not None and usage["should_limit"]:
                exc = Ratelimited(f"Rate limit {usage['limit']} per window exceeded")
                exc.retry_after = max(1, usage["time_left"])
                raise exc
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def _resolve(rate: str | Callable[..., str]) -> str:
    # Rates are settings names so that tests and deployments can tune them.
    if callable(rate):
        return rate()
    return getattr(settings, rate, rate)
