"""Percentiles: PostgreSQL's percentile_cont, and the exact fallback used elsewhere."""

from __future__ import annotations

import pytest
from django.db.models import Count
from hypothesis import given
from hypothesis import strategies as st

from analytics.selectors import PercentileCont, percentile_from_counts
from payments.models import ProviderAttempt
from tests.analytics.conftest import as_client, payment


def percentile_cont(values: list[int], fraction: float) -> float:
    """The definition, on the sorted values themselves."""
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (position - low) * (ordered[high] - ordered[low])


def histogram(values: list[int]) -> list[tuple[int, int]]:
    return sorted((v, values.count(v)) for v in set(values))


@given(
    st.lists(st.integers(min_value=1, max_value=2_000), min_size=1, max_size=200), st.sampled_from([0, 0.5, 0.95, 1])
)
def test_fallback_equals_the_definition(values: list[int], fraction: float) -> None:
    assert percentile_from_counts(histogram(values), fraction) == pytest.approx(percentile_cont(values, fraction))


def test_fallback_of_nothing_is_none() -> None:
    assert percentile_from_counts([], 0.5) is None


def test_percentile_must_be_a_fraction() -> None:
    with pytest.raises(ValueError, match="between 0 and 1"):
        PercentileCont("latency_ms", 95)


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgres_percentile_cont_agrees_with_the_fallback(merchant, settings) -> None:
    settings.PAYGATE_RANDOM_SEED = 11
    api = as_client(merchant.user)
    for amount in range(1000, 1009):
        payment(api, amount, "GBP")

    rows = ProviderAttempt.objects.values("provider").annotate(
        p50=PercentileCont("latency_ms", 0.5), p95=PercentileCont("latency_ms", 0.95)
    )

    for row in rows:
        counts = list(
            ProviderAttempt.objects.filter(provider=row["provider"])
            .values_list("latency_ms")
            .annotate(n=Count("id"))
            .order_by("latency_ms")
        )
        assert row["p50"] == pytest.approx(percentile_from_counts(counts, 0.5))
        assert row["p95"] == pytest.approx(percentile_from_counts(counts, 0.95))
