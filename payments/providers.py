"""Simulated acquirers. Each attempt's outcome comes from the provider's profile (data) and, for
the documented test cards and UPI ids, from the card's scenario. Randomness is seedable:
with PAYGATE_RANDOM_SEED set, the same payment and attempt always draw the same outcome.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

from django.conf import settings

from payments.cards import Scenario
from payments.models import FailureReason, Method, ProviderProfile

HARD_DECLINES = frozenset(
    {
        FailureReason.CARD_DECLINED,
        FailureReason.INSUFFICIENT_FUNDS,
        FailureReason.EXPIRED_CARD,
        FailureReason.UPI_DECLINED,
    }
)

DEFAULT_PROFILES = [
    {
        "name": "stripe",
        "display_name": "Stripe (simulated)",
        "success_rate": 0.93,
        "soft_failure_share": 0.5,
        "latency_mean_ms": 180,
        "latency_jitter_ms": 60,
        "currencies": ["USD", "EUR", "GBP", "AUD", "CAD", "SGD", "JPY", "CHF", "INR"],
        "regions": ["na", "latam", "eu", "apac"],
        "methods": ["card"],
    },
    {
        "name": "paypal",
        "display_name": "PayPal (simulated)",
        "success_rate": 0.88,
        "soft_failure_share": 0.6,
        "latency_mean_ms": 320,
        "latency_jitter_ms": 120,
        "currencies": ["USD", "EUR", "GBP", "AUD", "CAD", "SGD", "JPY", "CHF"],
        "regions": ["na", "latam", "eu", "apac", "mea"],
        "methods": ["card"],
    },
    {
        "name": "adyen",
        "display_name": "Adyen (simulated)",
        "success_rate": 0.91,
        "soft_failure_share": 0.4,
        "latency_mean_ms": 240,
        "latency_jitter_ms": 80,
        "currencies": ["USD", "EUR", "GBP", "AUD", "CAD", "SGD", "JPY", "CHF", "INR", "KWD"],
        "regions": ["na", "latam", "eu", "apac", "mea"],
        "methods": ["card", "upi"],
    },
]


@dataclass(frozen=True)
class Outcome:
    provider: str
    success: bool
    latency_ms: int
    error_code: str = ""

    @property
    def hard_decline(self) -> bool:
        return not self.success and self.error_code in HARD_DECLINES


def rng_for(payment_pk: int, sequence: int, salt: str = "attempt") -> random.Random:
    seed = settings.PAYGATE_RANDOM_SEED
    if seed is None:
        return random.Random()  # noqa: S311 — a simulation, not security
    return random.Random(f"{seed}:{salt}:{payment_pk}:{sequence}")  # noqa: S311


def simulate_attempt(
    profile: ProviderProfile, *, method: str, scenario: Scenario | None, position: int, rng: random.Random
) -> Outcome:
    latency = max(1, int(rng.gauss(profile.latency_mean_ms, profile.latency_jitter_ms))) + profile.added_latency_ms
    name = profile.name

    def fail(code: str) -> Outcome:
        return Outcome(name, False, latency, code)

    if profile.outage:
        return Outcome(name, False, latency * 3, FailureReason.PROVIDER_UNAVAILABLE)
    decline = FailureReason.UPI_DECLINED if method == Method.UPI else FailureReason.CARD_DECLINED
    match scenario:
        case Scenario.SUCCESS | Scenario.REVIEW | Scenario.VELOCITY:
            return Outcome(name, True, latency)
        case Scenario.DECLINE:
            return fail(decline)
        case Scenario.INSUFFICIENT_FUNDS:
            return fail(FailureReason.INSUFFICIENT_FUNDS)
        case Scenario.EXPIRED:
            return fail(FailureReason.EXPIRED_CARD)
        case Scenario.PROCESSING_ERROR:
            return fail(FailureReason.PROCESSING_ERROR)
        case Scenario.FIRST_PROVIDER_FAILS:
            return fail(FailureReason.PROVIDER_UNAVAILABLE) if position == 0 else Outcome(name, True, latency)
    if rng.random() < profile.success_rate:
        return Outcome(name, True, latency)
    if rng.random() < profile.soft_failure_share:
        return fail(FailureReason.PROCESSING_ERROR)
    if method == Method.UPI:
        return fail(decline)
    return fail(decline if rng.random() < 0.7 else FailureReason.INSUFFICIENT_FUNDS)


def simulate_refund(profile: ProviderProfile | None, rng: random.Random) -> Outcome:
    if profile is None or profile.outage:
        return Outcome(profile.name if profile else "", False, 1, FailureReason.PROVIDER_UNAVAILABLE)
    return Outcome(profile.name, True, max(1, int(rng.gauss(profile.latency_mean_ms, profile.latency_jitter_ms))))


def sleep_latency(latency_ms: int) -> None:
    """Pretend to wait for the acquirer. Called only in workers, never while holding a lock."""
    scale = settings.PAYGATE_LATENCY_SCALE
    if scale > 0:
        time.sleep(latency_ms * scale / 1000)


def ensure_default_profiles() -> None:
    """Create the three simulated providers if missing (used by seed_demo and tests)."""
    for profile in DEFAULT_PROFILES:
        ProviderProfile.objects.get_or_create(name=profile["name"], defaults=profile)
