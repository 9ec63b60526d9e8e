"""Admins' sandbox controls on a provider: audited with before/after, seen by the router at once in
the process that made the change and within ROUTING_STATS_TTL_SECONDS in every other one."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from unittest.mock import patch

import pytest
import time_machine
from django.core.cache import cache
from django.core.cache.backends.locmem import LocMemCache
from rest_framework.test import APIClient

from merchants.models import User
from payments import routing, services
from payments.models import ProviderAttempt, ProviderChange, ProviderProfile
from payments.routing import rank_providers, recent_stats
from tests.payments.conftest import paid_payment

pytestmark = pytest.mark.django_db(transaction=True)


def test_update_is_audited_with_actor_and_before_and_after(admin_user: User) -> None:
    stripe = ProviderProfile.objects.get(name="stripe")

    change = services.provider_update(
        profile=stripe, outage=True, success_rate=0.5, added_latency_ms=250, actor=admin_user
    )

    stripe.refresh_from_db()
    assert (stripe.outage, stripe.success_rate, stripe.added_latency_ms) == (True, 0.5, 250)
    assert change.type == "provider.updated" and change.actor == admin_user
    assert change.before == {"outage": False, "success_rate": 0.93, "added_latency_ms": 0}
    assert change.after == {"outage": True, "success_rate": 0.5, "added_latency_ms": 250}


def test_out_of_range_rate_is_refused_and_nothing_is_written(admin_user: User) -> None:
    with pytest.raises(services.ApiError):
        services.provider_update(
            profile=ProviderProfile.objects.get(name="stripe"), outage=False, success_rate=1.5, added_latency_ms=0
        )
    assert not ProviderChange.objects.exists()


def test_a_change_drops_the_routers_cached_stats(settings, admin_user: User, merchant_api: APIClient) -> None:
    # given: the router has cached its stats for GBP in Europe
    settings.ROUTING_STATS_TTL_SECONDS = 3600
    cache.clear()
    recent_stats(currency="GBP", region="eu")
    assert cache.get("routing:stats:GBP:eu") is not None

    # when
    services.provider_update(
        profile=ProviderProfile.objects.get(name="stripe"), outage=True, success_rate=0.93, added_latency_ms=0
    )

    # then
    assert cache.get("routing:stats:GBP:eu") is None


def test_outage_sends_the_next_payment_to_the_fallback(settings, admin_user: User, merchant_api: APIClient) -> None:
    settings.ROUTING_STATS_TTL_SECONDS = 3600
    first = rank_providers(currency="GBP", region="eu", method="card")[0]

    services.provider_update(profile=first, outage=True, success_rate=first.success_rate, added_latency_ms=0)
    payment = paid_payment(merchant_api)

    attempts = list(ProviderAttempt.objects.filter(payment__public_id=payment["id"]).order_by("sequence"))
    assert (attempts[0].provider, attempts[0].error_code) == (first.name, "PROVIDER_UNAVAILABLE")
    assert attempts[1].fallback and attempts[1].provider != first.name
    assert payment["status"] == "captured"


# --- freshness across processes -------------------------------------------------------------------
# Each process has its own local-memory cache when there is no Redis. Another process is simulated
# by a second LocMemCache (its own storage) in place of the router's cache while it routes.

TTL = 10
OTHER_PROCESS_CACHE = LocMemCache("another-process", {})


@contextmanager
def another_process() -> Iterator[None]:
    with patch.object(routing, "cache", OTHER_PROCESS_CACHE):
        yield


def _stripe_down_elsewhere() -> bool:
    with another_process():
        profile = routing.provider_profile("stripe")
    assert profile is not None
    return profile.outage


@pytest.fixture
def warm(settings) -> Iterator[time_machine.Traveller]:
    """Both processes have routed a payment (and cached the profiles) at a stopped clock."""
    settings.ROUTING_STATS_TTL_SECONDS = TTL
    cache.clear()
    OTHER_PROCESS_CACHE.clear()
    with time_machine.travel(datetime(2026, 3, 2, 12, tzinfo=UTC), tick=False) as traveller:
        assert not routing.provider_profile("stripe").outage and not _stripe_down_elsewhere()
        yield traveller


def _outage(actor: User) -> None:
    stripe = ProviderProfile.objects.get(name="stripe")
    services.provider_update(profile=stripe, outage=True, success_rate=stripe.success_rate, added_latency_ms=0, actor=actor)  # fmt: skip


def test_another_process_routes_on_a_change_within_the_ttl_and_not_before(warm, admin_user: User) -> None:
    # when: this process changes stripe one second after both cached the profiles
    warm.shift(1)
    _outage(admin_user)

    # then: this process at once; the other keeps its copy until TTL seconds after its read
    assert routing.provider_profile("stripe").outage
    warm.shift(TTL - 1.001)
    assert not _stripe_down_elsewhere()
    warm.shift(0.001)
    assert _stripe_down_elsewhere()


def test_a_slow_read_does_not_stretch_the_bound(warm, admin_user: User) -> None:
    # given: the other process's copy has expired and its next read of the profiles takes 3 s,
    # during which stripe is changed: what it stores is already 3 s old
    warm.shift(TTL)
    read = routing.ProviderProfile.objects.all

    def slow_read() -> object:
        rows = list(read())
        _outage(admin_user)
        warm.shift(3)
        return rows

    with patch.object(routing.ProviderProfile.objects, "all", slow_read):
        assert not _stripe_down_elsewhere()

    # then: the copy is dropped TTL seconds after the read began, not after it was stored
    warm.shift(TTL - 3 - 0.001)
    assert not _stripe_down_elsewhere()
    warm.shift(0.001)
    assert _stripe_down_elsewhere()


def test_a_change_made_directly_in_the_database_is_picked_up_after_the_ttl(warm) -> None:
    ProviderProfile.objects.filter(name="stripe").update(outage=True)  # no service: nothing dropped

    warm.shift(TTL - 0.001)
    assert not routing.provider_profile("stripe").outage and not _stripe_down_elsewhere()
    warm.shift(0.001)
    assert routing.provider_profile("stripe").outage and _stripe_down_elsewhere()
