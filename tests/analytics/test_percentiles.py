"""Percentiles read off a histogram equal percentile_cont: by definition, and as PostgreSQL computes it."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import Count
from hypothesis import given
from hypothesis import strategies as st

from analytics.selectors import percentile_from_counts
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
def test_histogram_percentile_equals_the_definition(values: list[int], fraction: float) -> None:
    assert percentile_from_counts(histogram(values), fraction) == pytest.approx(percentile_cont(values, fraction))


def test_percentile_of_nothing_is_none() -> None:
    assert percentile_from_counts([], 0.5) is None


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgres_percentile_cont_agrees_with_the_histogram(merchant, settings) -> None:
    settings.PAYGATE_RANDOM_SEED = 11
    api = as_client(merchant.user)
    for amount in range(1000, 1009):
        payment(api, amount, "GBP")
    table = ProviderAttempt._meta.db_table

    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT provider, percentile_cont(0.5) WITHIN GROUP (ORDER BY latency_ms), "  # noqa: S608
            f"percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms) FROM {table} GROUP BY provider"
        )
        rows = cursor.fetchall()

    assert rows
    for provider, p50, p95 in rows:
        counts = list(
            ProviderAttempt.objects.filter(provider=provider)
            .values_list("latency_ms")
            .annotate(n=Count("id"))
            .order_by("latency_ms")
        )
        assert p50 == pytest.approx(percentile_from_counts(counts, 0.5))
        assert p95 == pytest.approx(percentile_from_counts(counts, 0.95))
