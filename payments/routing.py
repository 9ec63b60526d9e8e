"""Routing: order the eligible providers by their recent performance for this currency and region.

The score is a smoothed success rate (the profile's rate acts as a prior worth ROUTING_PRIOR
attempts) minus a small latency penalty (100 ms costs one point of success rate). Stats come
from the stored attempts of the last ROUTING_WINDOW_MINUTES and are cached for a few seconds so
the hot path does not aggregate on every payment.

Freshness: a provider's change (`services.provider_update`) drops the cached profiles and stats on
commit, so the process that made it (and, with Redis, every process sharing the cache) reads them
again for its next payment. With the local-memory cache each process holds its own copy, which no
one can drop from outside: there the guarantee is that no copy is used once
ROUTING_STATS_TTL_SECONDS have passed since it was *read from the database*, so every process
routes on a change within that many seconds of it (the same bound covers a read that races the
change and is stored just after it was dropped).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Avg, Count, Q
from django.utils import timezone

from payments.models import AttemptResult, ProviderAttempt, ProviderProfile

ROUTING_PRIOR = 20


def recent_stats(*, currency: str, region: str) -> dict[str, tuple[int, int, float]]:
    """provider -> (attempts, successes, average latency ms) over the routing window."""

    def compute() -> dict[str, tuple[int, int, float]]:
        since = timezone.now() - timedelta(minutes=settings.ROUTING_WINDOW_MINUTES)
        rows = (
            ProviderAttempt.objects.filter(currency=currency, region=region, created_at__gte=since)
            .values("provider")
            .annotate(n=Count("id"), ok=Count("id", filter=Q(result=AttemptResult.SUCCESS)), latency=Avg("latency_ms"))
        )
        return {row["provider"]: (row["n"], row["ok"], float(row["latency"] or 0)) for row in rows}

    return _cached(_key(currency, region), compute)


# Entries are `(read_at, value)` pairs (see `_cached`); the keys differ from those of the earlier
# bare values so that, in a rolling deploy sharing Redis, neither version reads the other's.
PROFILES_KEY = "routing:profiles"


def provider_profiles() -> list[ProviderProfile]:
    """Every provider's profile, cached like the stats (and dropped with them when an admin
    changes a provider's controls), so that a payment does not read them on every attempt."""

    def read() -> list[ProviderProfile]:
        return list(ProviderProfile.objects.all())

    return _cached(PROFILES_KEY, read)


def _cached[T](key: str, read: Callable[[], T]) -> T:
    """`read()`, kept for ROUTING_STATS_TTL_SECONDS counted from the moment the read began (not
    from when it was stored, which a slow read or a busy process would push later): the bound
    `forget_stats` promises for the processes it cannot reach."""
    ttl = settings.ROUTING_STATS_TTL_SECONDS
    if ttl <= 0:
        return read()
    hit: Any = cache.get(key)
    if hit is not None and time.time() - hit[0] < ttl:
        return hit[1]
    read_at = time.time()
    value = read()
    cache.set(key, (read_at, value), ttl)
    return value


def provider_profile(name: str) -> ProviderProfile | None:
    return next((profile for profile in provider_profiles() if profile.name == name), None)


def _key(currency: str, region: str) -> str:
    return f"routing:stats:{currency}:{region}"


def forget_stats(*, currencies: list[str], regions: list[str]) -> None:
    """Drop the cached profiles and stats (after a provider's controls change): the next payment
    reads them again. With a shared cache (Redis) every process sees that at once; with a
    per-process cache the other processes keep theirs, read before the change, for less than
    ROUTING_STATS_TTL_SECONDS (see `_cached`)."""
    cache.delete_many([PROFILES_KEY, *(_key(currency, region) for currency in currencies for region in regions)])


def score(profile: ProviderProfile, stats: tuple[int, int, float] | None) -> float:
    attempts, successes, latency = stats or (0, 0, float(profile.latency_mean_ms))
    rate = (successes + profile.success_rate * ROUTING_PRIOR) / (attempts + ROUTING_PRIOR)
    return rate - (latency if attempts else profile.latency_mean_ms) / 10_000


def rank_providers(*, currency: str, region: str, method: str) -> list[ProviderProfile]:
    eligible = [p for p in provider_profiles() if p.supports(currency=currency, region=region, method=method)]
    stats = recent_stats(currency=currency, region=region)
    return sorted(eligible, key=lambda p: (-score(p, stats.get(p.name)), p.name))
