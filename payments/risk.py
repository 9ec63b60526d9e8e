"""Risk rules, run before any provider is tried.

- the amount must be within the currency's limits (INVALID_AMOUNT);
- above PAYGATE_RISK_BLOCK_ABOVE (major units of the payment's currency) it is refused as fraud;
- more than PAYGATE_VELOCITY_LIMIT payments with one card at one merchant in
  PAYGATE_VELOCITY_WINDOW_MINUTES are refused. Per merchant, so that one merchant's traffic never
  changes another's outcomes; the documented test cards are exempt (they always give their
  documented outcome) except the velocity test card, which exists to show the rule;
- above PAYGATE_RISK_REVIEW_ABOVE the payment, once authorized, is held in review for finance.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from paygate.lib.money import MoneyError, check_amount, get_currency
from payments.cards import Scenario
from payments.models import FailureReason, Payment, RiskRule

# Ordinary cards (no scenario) and the velocity test card; the other test cards are exempt.
VELOCITY_SCENARIOS = (None, Scenario.VELOCITY)


@dataclass(frozen=True)
class RiskDecision:
    block_reason: str = ""  # a FailureReason when the payment must fail now
    review: bool = False
    rule: str = ""


def assess(payment: Payment, scenario: Scenario | None) -> RiskDecision:
    try:
        check_amount(payment.amount, payment.currency)
    except MoneyError:
        return RiskDecision(block_reason=FailureReason.INVALID_AMOUNT, rule=RiskRule.AMOUNT_LIMITS)
    if scenario == Scenario.FRAUD:
        return RiskDecision(block_reason=FailureReason.FRAUD_SUSPECTED, rule=RiskRule.BLOCKED_CARD)
    unit = 10 ** get_currency(payment.currency).exponent
    if payment.amount > settings.PAYGATE_RISK_BLOCK_ABOVE * unit:
        return RiskDecision(block_reason=FailureReason.FRAUD_SUSPECTED, rule=RiskRule.AMOUNT_BLOCK)
    if scenario in VELOCITY_SCENARIOS and payment.card_fingerprint and _velocity_exceeded(payment):
        return RiskDecision(block_reason=FailureReason.FRAUD_SUSPECTED, rule=RiskRule.CARD_VELOCITY)
    if scenario == Scenario.REVIEW:
        return RiskDecision(review=True, rule=RiskRule.REVIEW_CARD)
    if payment.amount > settings.PAYGATE_RISK_REVIEW_ABOVE * unit:
        return RiskDecision(review=True, rule=RiskRule.REVIEW_THRESHOLD)
    return RiskDecision()


def _velocity_exceeded(payment: Payment) -> bool:
    since = timezone.now() - timedelta(minutes=settings.PAYGATE_VELOCITY_WINDOW_MINUTES)
    recent = (
        Payment.objects.all_with_deleted()
        .filter(card_fingerprint=payment.card_fingerprint, merchant_id=payment.merchant_id, created_at__gte=since)
        .exclude(pk=payment.pk)
        .count()
    )
    return recent >= settings.PAYGATE_VELOCITY_LIMIT
