"""The demo shops and the shape of their traffic: currencies, amounts, countries, customers' names,
the share of each outcome (test-card scenarios, refunds, retries, reviews, manual captures)."""

from __future__ import annotations

from dataclasses import dataclass

from payments.cards import Scenario

# --- the demo shops -----------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoShop:
    """A demo merchant and the shape of its traffic."""

    email: str
    name: str
    business_name: str
    share: float  # of all seeded payments
    currencies: dict[str, float]  # currency -> weight
    auto_capture: bool = True
    upi_share: float = 0.0  # of its INR payments


DEMO_MERCHANT_PASSWORD = "paygate-merchant-demo"  # noqa: S105 — demo data only, printed by seed_demo
DEMO_SHOPS = [
    DemoShop(
        "merchant@paygate.test", "Mia Merchant", "Demo Store", 0.40,
        {"USD": 30, "EUR": 20, "GBP": 25, "INR": 8, "JPY": 5, "AUD": 5, "CAD": 4, "SGD": 3}, upi_share=0.3,
    ),
    DemoShop("books@paygate.test", "Noah Books", "Northwind Books", 0.20, {"GBP": 50, "EUR": 30, "USD": 20}),
    DemoShop(
        "travel@paygate.test", "Kai Travel", "Kite Travel", 0.15,
        {"USD": 35, "EUR": 25, "SGD": 15, "AUD": 10, "JPY": 10, "CHF": 5}, auto_capture=False,
    ),
    DemoShop("chai@paygate.test", "Anya Chai", "Chai & Co", 0.15, {"INR": 90, "USD": 10}, upi_share=0.45),
    DemoShop("gulf@paygate.test", "Omar Gulf", "Gulf Outfitters", 0.10, {"KWD": 50, "USD": 30, "EUR": 20}),
]  # fmt: skip

# Typical amount (major units) per currency; amounts are log-normal around it.
TYPICAL_AMOUNT = {
    "USD": 45, "EUR": 40, "GBP": 35, "INR": 1500, "JPY": 2500, "AUD": 60, "CAD": 55, "SGD": 60, "CHF": 50, "KWD": 15,
}  # fmt: skip
HOME_COUNTRIES = {
    "USD": {"US": 85, "CA": 3, "MX": 6, "BR": 6},
    "EUR": {"DE": 30, "FR": 25, "NL": 15, "ES": 15, "IT": 15},
    "GBP": {"GB": 95, "IE": 5},
    "INR": {"IN": 1},
    "JPY": {"JP": 1},
    "AUD": {"AU": 85, "NZ": 15},
    "CAD": {"CA": 1},
    "SGD": {"SG": 80, "MY": 20},
    "CHF": {"CH": 1},
    "KWD": {"KW": 70, "AE": 15, "SA": 15},
}
CROSS_BORDER_SHARE = 0.08
CROSS_BORDER_COUNTRIES = ["US", "GB", "DE", "IN", "JP", "BR", "AE", "AU", "NG", "ZA", "MX", "SG"]
# Share of card payments made with one of the documented test cards (payments/cards.py).
CARD_SCENARIOS = {
    Scenario.FIRST_PROVIDER_FAILS: 0.03,
    Scenario.DECLINE: 0.015,
    Scenario.INSUFFICIENT_FUNDS: 0.01,
    Scenario.EXPIRED: 0.005,
    Scenario.PROCESSING_ERROR: 0.01,
    Scenario.FRAUD: 0.007,
    Scenario.REVIEW: 0.01,
}
FIRST_NAMES = [
    "Ava", "Liam", "Mia", "Noah", "Zara", "Omar", "Lena", "Ravi", "Yuki", "Hana", "Leo", "Ines", "Mateo", "Sofia",
    "Arjun", "Priya", "Kenji", "Amara", "Lucas", "Chloe", "Elif", "Jonas", "Nia", "Tomas", "Aisha", "Hugo", "Maya",
    "Felix", "Sara", "Diego",
]  # fmt: skip
LAST_NAMES = [
    "Reed", "Patel", "Kim", "Silva", "Rossi", "Mueller", "Tanaka", "Khan", "Novak", "Dubois", "Garcia", "Haddad",
    "Okafor", "Larsen", "Costa", "Ito", "Singh", "Moreau", "Nguyen", "Fischer", "Santos", "Ali", "Cohen", "Weber",
    "Mendes", "Sato", "Brown", "Lopez", "Mehta", "Young",
]  # fmt: skip

ABANDONED_ORDER_SHARE = 0.03  # orders created at checkout and never paid
REFUND_SHARE = 0.07  # of captured payments
FULL_REFUND_SHARE = 0.55  # of refunded payments; the rest are partial
SECOND_REFUND_SHARE = 0.3  # of partial refunds, a later one refunds the rest
RETRY_SHARE = 0.4  # of soft failures, the merchant retries (each retry again, up to two)
REVIEW_APPROVE_SHARE = 0.75
MANUAL_CAPTURE_SHARE, MANUAL_CANCEL_SHARE = 0.85, 0.08  # of authorized payments of manual-capture shops
PAYOUT_MINIMUM_MAJOR = 100  # a weekly payout happens when the balance holds at least this much
CUSTOMERS_PER_COUNTRY = 400
