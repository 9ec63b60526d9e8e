"""Admins' sandbox controls on a provider: audited with before/after, seen by the router at once."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from merchants.models import User
from payments import services
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
    assert cache.get("routing-stats:GBP:eu") is not None

    # when
    services.provider_update(
        profile=ProviderProfile.objects.get(name="stripe"), outage=True, success_rate=0.93, added_latency_ms=0
    )

    # then
    assert cache.get("routing-stats:GBP:eu") is None


def test_outage_sends_the_next_payment_to_the_fallback(settings, admin_user: User, merchant_api: APIClient) -> None:
    settings.ROUTING_STATS_TTL_SECONDS = 3600
    first = rank_providers(currency="GBP", region="eu", method="card")[0]

    services.provider_update(profile=first, outage=True, success_rate=first.success_rate, added_latency_ms=0)
    payment = paid_payment(merchant_api)

    attempts = list(ProviderAttempt.objects.filter(payment__public_id=payment["id"]).order_by("sequence"))
    assert (attempts[0].provider, attempts[0].error_code) == (first.name, "PROVIDER_UNAVAILABLE")
    assert attempts[1].fallback and attempts[1].provider != first.name
    assert payment["status"] == "captured"
