from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from payments.models import AttemptResult, Payment, ProviderAttempt, ProviderProfile
from payments.routing import rank_providers
from tests.factories import MerchantFactory
from tests.payments.conftest import create_order, pay


def names(**kwargs: str) -> list[str]:
    return [p.name for p in rank_providers(**kwargs)]


def record_history(
    provider: str, successes: int, failures: int, latency: int = 200, currency: str = "USD", region: str = "na"
) -> None:
    payment = ensure_payment()
    start = ProviderAttempt.objects.filter(payment=payment).count()
    ProviderAttempt.objects.bulk_create(
        ProviderAttempt(
            payment=payment, merchant=payment.merchant, sequence=start + i + 1, provider=provider,
            result=AttemptResult.SUCCESS if i < successes else AttemptResult.FAILURE,
            latency_ms=latency, currency=currency, region=region,
        )
        for i in range(successes + failures)
    )  # fmt: skip


def ensure_payment() -> Payment:
    payment = Payment.objects.first()
    if payment is None:
        merchant = MerchantFactory()
        from payments.models import Order

        order = Order.objects.create(merchant=merchant, amount=1000, currency="USD")
        payment = Payment.objects.create(
            merchant=merchant, order=order, amount=1000, currency="USD", method="card", region="na"
        )
    return payment


def test_without_history_the_profiles_decide() -> None:
    assert names(currency="USD", region="na", method="card") == ["stripe", "adyen", "paypal"]


def test_recent_failures_push_a_provider_down_the_ranking() -> None:
    record_history("stripe", successes=10, failures=90)

    assert names(currency="USD", region="na", method="card")[-1] == "stripe"
    # other currency/region pairs are not affected
    assert names(currency="EUR", region="eu", method="card")[0] == "stripe"


def test_latency_breaks_ties() -> None:
    record_history("stripe", successes=100, failures=0, latency=900)
    record_history("adyen", successes=100, failures=0, latency=100)

    assert names(currency="USD", region="na", method="card")[0] == "adyen"


def test_only_eligible_providers_are_ranked() -> None:
    assert names(currency="KWD", region="mea", method="card") == ["adyen"]
    assert names(currency="INR", region="apac", method="upi") == ["adyen"]
    assert names(currency="INR", region="apac", method="card") == ["stripe", "adyen"]
    ProviderProfile.objects.filter(name="adyen").update(enabled=False)
    assert names(currency="KWD", region="mea", method="card") == []


def test_outage_makes_the_router_fall_back_and_learn(merchant_api: APIClient) -> None:
    ProviderProfile.objects.filter(name="stripe").update(outage=True)

    first = pay(merchant_api, create_order(merchant_api, 1000, "USD")["id"], customer={"country": "US"})

    assert [(a["provider"], a["error_code"]) for a in first["provider_attempts"]] == [
        ("stripe", "PROVIDER_UNAVAILABLE"),
        ("adyen", ""),
    ]
    assert first["status"] == "captured"
    for _ in range(12):
        pay(merchant_api, create_order(merchant_api, 1000, "USD")["id"], customer={"country": "US"})
    # after enough failures stripe is no longer tried first
    assert names(currency="USD", region="na", method="card")[0] != "stripe"


def test_random_outcomes_follow_the_profile_rates(merchant_api: APIClient) -> None:
    ProviderProfile.objects.update(success_rate=0.0, soft_failure_share=0.0)
    declined = pay(merchant_api, create_order(merchant_api)["id"], "4000056655665556")
    ProviderProfile.objects.update(success_rate=1.0)
    approved = pay(merchant_api, create_order(merchant_api)["id"], "4000056655665556")

    assert declined["status"] == "failed" and declined["failure_reason"] in {"CARD_DECLINED", "INSUFFICIENT_FUNDS"}
    assert approved["status"] == "captured"


def test_seeded_random_outcomes_are_reproducible(merchant_api: APIClient) -> None:
    from payments.providers import rng_for, simulate_attempt

    profile = ProviderProfile.objects.get(name="paypal")
    draws = [simulate_attempt(profile, method="card", scenario=None, position=0, rng=rng_for(42, 1)) for _ in range(3)]

    assert draws[0] == draws[1] == draws[2]


# --- risk ------------------------------------------------------------------------------------


def test_amount_above_block_threshold_is_refused_as_fraud(merchant_api: APIClient, settings) -> None:
    settings.PAYGATE_RISK_BLOCK_ABOVE = 50

    payment = pay(merchant_api, create_order(merchant_api, 5001, "USD")["id"])

    assert (payment["status"], payment["failure_reason"], payment["provider_attempts"]) == (
        "failed",
        "FRAUD_SUSPECTED",
        [],
    )


def test_thresholds_follow_the_currency_exponent(merchant_api: APIClient, settings) -> None:
    settings.PAYGATE_RISK_REVIEW_ABOVE = 100  # 100 units: ¥100, or 100.000 KWD

    jpy = pay(merchant_api, create_order(merchant_api, 101, "JPY")["id"], customer={"country": "JP"})
    kwd = pay(merchant_api, create_order(merchant_api, 100_000, "KWD")["id"], customer={"country": "KW"})

    assert jpy["status"] == "review"
    assert kwd["status"] == "captured"


VELOCITY_CARD = "4000000000006975"
ORDINARY_CARD = "4012888888881881"  # Luhn-valid, not in the test table: its outcome is drawn


def test_the_velocity_test_card_shows_the_rule(merchant_api: APIClient, settings) -> None:
    settings.PAYGATE_VELOCITY_LIMIT = 3
    results = [pay(merchant_api, create_order(merchant_api)["id"], VELOCITY_CARD)["status"] for _ in range(4)]

    assert results == ["captured", "captured", "captured", "failed"]
    last = Payment.objects.order_by("-pk").first()
    assert last.failure_reason == "FRAUD_SUSPECTED" and not last.attempts.exists()
    # another card is not affected
    assert pay(merchant_api, create_order(merchant_api)["id"], "4111111111111111")["status"] == "captured"


def test_the_velocity_rule_holds_an_ordinary_card_too(merchant_api: APIClient, settings) -> None:
    settings.PAYGATE_VELOCITY_LIMIT = 3
    payments = [pay(merchant_api, create_order(merchant_api)["id"], ORDINARY_CARD) for _ in range(4)]

    assert [p["failure_reason"] == "FRAUD_SUSPECTED" for p in payments] == [False, False, False, True]
    assert payments[-1]["provider_attempts"] == []


@pytest.mark.parametrize("number", ["4242424242424242", "4111111111111111", "5555555555554444"])
def test_the_success_test_cards_always_succeed(merchant_api: APIClient, settings, number: str) -> None:
    settings.PAYGATE_VELOCITY_LIMIT = 2
    results = {pay(merchant_api, create_order(merchant_api)["id"], number)["status"] for _ in range(5)}

    assert results == {"captured"}


@pytest.mark.parametrize("number", [VELOCITY_CARD, ORDINARY_CARD])
def test_one_merchants_traffic_never_changes_anothers_outcome(
    merchant_api: APIClient, outsider_api: APIClient, settings, number: str
) -> None:
    # given: one merchant used the card up to its velocity limit, and past it
    settings.PAYGATE_VELOCITY_LIMIT = 2
    for _ in range(3):
        pay(merchant_api, create_order(merchant_api)["id"], number)
    assert Payment.objects.filter(failure_reason="FRAUD_SUSPECTED").count() == 1

    # when: another merchant's customer pays with the same card
    first, second, third = (pay(outsider_api, create_order(outsider_api)["id"], number) for _ in range(3))

    # then: that merchant counts only its own payments
    assert first["failure_reason"] != "FRAUD_SUSPECTED" and second["failure_reason"] != "FRAUD_SUSPECTED"
    assert third["failure_reason"] == "FRAUD_SUSPECTED"


def test_the_test_card_table_is_documented_for_merchants() -> None:
    from pathlib import Path

    from payments.cards import TEST_CARDS, TEST_VPAS

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    for number in TEST_CARDS:
        assert " ".join(number[i : i + 4] for i in range(0, 16, 4)) in readme, number
    for vpa in TEST_VPAS:
        assert vpa in readme


@pytest.mark.parametrize("country", ["US", "GB", "IN", "BR", "AE"])
def test_every_region_has_a_card_provider(country: str) -> None:
    from payments.regions import region_for

    for currency in ("USD", "EUR", "GBP"):
        assert names(currency=currency, region=region_for(country), method="card")
