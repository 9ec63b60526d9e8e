"""Card and UPI input: Luhn, networks, keyed fingerprints, and the deterministic test values.

Only last4, network, expiry and the fingerprint are ever stored. The test behaviour of a card is
found again from its fingerprint, so a retry or a re-queued payment behaves like the first try
without the number being kept anywhere.
"""

from __future__ import annotations

import hashlib
import hmac
from enum import StrEnum
from functools import cache

from django.conf import settings


class Scenario(StrEnum):
    SUCCESS = "success"
    DECLINE = "decline"
    INSUFFICIENT_FUNDS = "insufficient_funds"
    EXPIRED = "expired"
    PROCESSING_ERROR = "processing_error"
    FRAUD = "fraud"
    REVIEW = "review"
    FIRST_PROVIDER_FAILS = "first_provider_fails"
    VELOCITY = "velocity"


# The table merchants see (README "Test cards"): number -> what happens.
TEST_CARDS: dict[str, tuple[Scenario, str]] = {
    "4242424242424242": (Scenario.SUCCESS, "Succeeds"),
    "4111111111111111": (Scenario.SUCCESS, "Succeeds"),
    "5555555555554444": (Scenario.SUCCESS, "Succeeds (Mastercard)"),
    "4000000000000002": (Scenario.DECLINE, "Declined: CARD_DECLINED (not retried)"),
    "4000000000009995": (Scenario.INSUFFICIENT_FUNDS, "Declined: INSUFFICIENT_FUNDS (not retried)"),
    "4000000000000069": (Scenario.EXPIRED, "Declined: EXPIRED_CARD (not retried)"),
    "4000000000000119": (Scenario.PROCESSING_ERROR, "PROCESSING_ERROR at every provider (retryable)"),
    "4100000000000019": (Scenario.FRAUD, "Blocked by risk rules: FRAUD_SUSPECTED, no provider tried"),
    "4000000000004954": (Scenario.REVIEW, "Authorized, then held in review for finance"),
    "4000000000003253": (Scenario.FIRST_PROVIDER_FAILS, "First provider unavailable, next one succeeds (fallback)"),
    "4000000000006975": (
        Scenario.VELOCITY,
        "Succeeds, but the card-velocity rule applies: FRAUD_SUSPECTED past the limit",
    ),
}
TEST_VPAS: dict[str, tuple[Scenario, str]] = {
    "success@paygate": (Scenario.SUCCESS, "Succeeds"),
    "failure@paygate": (Scenario.DECLINE, "Declined: UPI_DECLINED"),
}


def luhn_check_digit(payload: str) -> str:
    """The Luhn digit that completes `payload` (digits) into a valid card number."""
    total = 0
    for index, char in enumerate(reversed(payload)):
        digit = int(char)
        if index % 2 == 0:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return str((10 - total % 10) % 10)


def luhn_valid(number: str) -> bool:
    return number.isdigit() and luhn_check_digit(number[:-1]) == number[-1]


def card_network(number: str) -> str:
    if number.startswith("4"):
        return "visa"
    if number[:2] in {"34", "37"}:
        return "amex"
    if 51 <= int(number[:2]) <= 55 or 2221 <= int(number[:4]) <= 2720:
        return "mastercard"
    if number.startswith(("6011", "65")) or 644 <= int(number[:3]) <= 649:
        return "discover"
    if 3528 <= int(number[:4]) <= 3589:
        return "jcb"
    if number.startswith(("60", "81", "82", "508")):
        return "rupay"
    return "unknown"


def card_fingerprint(number: str) -> str:
    key = settings.PAYGATE_HMAC_KEY.encode()
    return hmac.new(key, b"card:" + number.encode(), hashlib.sha256).hexdigest()


@cache
def _test_fingerprints(hmac_key: str) -> dict[str, Scenario]:
    return {card_fingerprint(number): scenario for number, (scenario, _) in TEST_CARDS.items()}


def card_scenario(fingerprint: str) -> Scenario | None:
    """The test behaviour of a stored card, or None for an ordinary card (random outcome)."""
    return _test_fingerprints(settings.PAYGATE_HMAC_KEY).get(fingerprint)


def vpa_scenario(vpa: str) -> Scenario | None:
    entry = TEST_VPAS.get(vpa.lower())
    return entry[0] if entry else None
