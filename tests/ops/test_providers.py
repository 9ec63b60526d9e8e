"""Provider health (latency p50/p95 and success rate from the analytics selectors) and the
admins' controls: outage, success rate, added latency; audited; the next payment follows."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from rest_framework.test import APIClient

from payments.models import ProviderAttempt, ProviderChange, ProviderProfile
from tests.conftest import API

pytestmark = pytest.mark.django_db(transaction=True)

OUTAGE = {"stripe-outage": "on", "stripe-success_rate": "93", "stripe-latency_ms": "0"}


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_health_equals_the_analytics_api(paid, finance: Client, finance_api: APIClient) -> None:
    for _ in range(3):
        paid()

    context = finance.get("/ops/providers/").context

    latency = finance_api.get(f"{API}/analytics/provider-latency/").json()["data"]["providers"]
    shown = {row["profile"].name: row["latency"] for row in context["rows"] if row["latency"]}
    assert {p["provider"]: (p["p50_ms"], p["p95_ms"]) for p in latency} == {
        name: (row["p50_ms"], row["p95_ms"]) for name, row in shown.items()
    }
    assert sum(row["attempts"] for row in context["rows"]) == ProviderAttempt.objects.count()


def test_admin_switches_outage_on_and_the_next_payment_falls_back(paid, admin: Client, admin_user) -> None:
    response = admin.post("/ops/providers/stripe/", OUTAGE)

    assert response.status_code == 302
    assert _messages(response)[0].startswith("Stripe (simulated) updated: in outage")
    change = ProviderChange.objects.get()
    assert (change.actor, change.before["outage"], change.after["outage"]) == (admin_user, False, True)
    payment = paid()
    attempts = list(payment.attempts.order_by("sequence"))
    assert attempts[0].provider == "stripe" and attempts[0].error_code == "PROVIDER_UNAVAILABLE"
    assert attempts[1].fallback
    html = admin.get("/ops/providers/").content.decode()
    assert "1</strong> payment fell back" in html and payment.public_id in html

    admin.post("/ops/providers/stripe/", {**OUTAGE, "stripe-outage": ""})

    assert not ProviderProfile.objects.get(name="stripe").outage


def test_a_bad_rate_shows_the_error_beside_the_field_and_keeps_the_input(admin: Client) -> None:
    response = admin.post("/ops/providers/stripe/", {**OUTAGE, "stripe-success_rate": "150"})

    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_stripe-success_rate_error"' in html and 'value="150"' in html
    assert not ProviderChange.objects.exists()


def test_finance_sees_the_settings_not_the_controls(finance: Client) -> None:
    html = finance.get("/ops/providers/").content.decode()

    assert "Only admins change these." in html and "Save Stripe" not in html


def test_providers_query_count_is_held(paid, admin: Client, django_assert_max_num_queries) -> None:
    paid()
    with django_assert_max_num_queries(20):  # PostgreSQL: + the selectors' planner settings
        admin.get("/ops/providers/")


def test_the_last_24_hours_trend_counts_every_attempt_by_hour(paid, finance: Client) -> None:
    for _ in range(3):
        paid()

    charts = finance.get("/ops/providers/").context["charts"]

    counts = [int(value) for _, value in charts["attempts"].rows]
    assert len(counts) in (24, 25)  # every hour of the window, empty ones included
    assert sum(counts) == ProviderAttempt.objects.count() == counts[-1]
    assert charts["success"].rows[-1][1] == "100 %"


@pytest.mark.parametrize(
    ("ttl", "promise"),
    [
        (7, "The router uses it within 7 seconds on every process (at once in this one)."),
        (0, "The router uses it from the next payment on every process."),
    ],
)
def test_the_message_and_the_page_give_the_routing_caches_bound(
    ttl: int, promise: str, admin: Client, settings
) -> None:
    settings.ROUTING_STATS_TTL_SECONDS = ttl

    response = admin.post("/ops/providers/stripe/", OUTAGE)

    assert _messages(response)[0].endswith(promise)
    assert promise in admin.get("/ops/providers/").content.decode()
