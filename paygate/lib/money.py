"""Money: integer minor units everywhere; Decimal only when parsing or formatting at the edges.

The exponent of each currency comes from ISO 4217 (JPY 0, USD 2, KWD 3). `CURRENCIES` is the one
table of supported currencies and their per-payment limits, in minor units.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation


@dataclass(frozen=True)
class Currency:
    code: str
    exponent: int
    symbol: str
    min_amount: int  # smallest chargeable amount, minor units
    max_amount: int  # largest single payment, minor units


CURRENCIES: dict[str, Currency] = {
    c.code: c
    for c in (
        Currency("USD", 2, "$", 50, 99_999_999),
        Currency("EUR", 2, "€", 50, 99_999_999),
        Currency("GBP", 2, "£", 30, 99_999_999),
        Currency("INR", 2, "₹", 100, 99_999_999),
        Currency("AUD", 2, "A$", 50, 99_999_999),
        Currency("CAD", 2, "C$", 50, 99_999_999),
        Currency("SGD", 2, "S$", 50, 99_999_999),
        Currency("CHF", 2, "CHF ", 50, 99_999_999),
        Currency("JPY", 0, "¥", 50, 99_999_999),
        Currency("KWD", 3, "KD ", 100, 99_999_999),
    )
}
CURRENCY_CHOICES = [(code, code) for code in sorted(CURRENCIES)]


class MoneyError(ValueError):
    """An amount or currency that cannot be used."""


def get_currency(code: str) -> Currency:
    try:
        return CURRENCIES[code]
    except KeyError:
        raise MoneyError(f"Unsupported currency {code!r}; supported: {', '.join(sorted(CURRENCIES))}") from None


def to_minor(value: str | Decimal | int, currency: str) -> int:
    """Parse a human amount ("25.99") into minor units (2599), refusing extra precision."""
    exponent = get_currency(currency).exponent
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise MoneyError(f"{value!r} is not an amount") from None
    if not amount.is_finite():
        raise MoneyError(f"{value!r} is not an amount")
    scaled = amount.scaleb(exponent)
    if scaled != scaled.to_integral_value():
        raise MoneyError(f"{currency} amounts have at most {exponent} decimal places")
    return int(scaled)


def to_decimal(minor: int, currency: str) -> Decimal:
    return Decimal(minor).scaleb(-get_currency(currency).exponent)


def format_amount(minor: int, currency: str, *, symbol: bool = True) -> str:
    """Format minor units for people: format_amount(2599, "GBP") == "£25.99"."""
    cur = get_currency(currency)
    number = f"{abs(to_decimal(minor, currency)):,.{cur.exponent}f}"
    sign = "-" if minor < 0 else ""
    if symbol:
        return f"{sign}{cur.symbol}{number}"
    return f"{sign}{number} {cur.code}"


def check_amount(amount: int, currency: str) -> None:
    """Refuse an amount outside the currency's limits (raises MoneyError)."""
    cur = get_currency(currency)
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise MoneyError("Amount must be an integer in the currency's minor unit")
    if amount < cur.min_amount:
        raise MoneyError(f"Amount must be at least {cur.min_amount} ({format_amount(cur.min_amount, currency)})")
    if amount > cur.max_amount:
        raise MoneyError(f"Amount must be at most {cur.max_amount} ({format_amount(cur.max_amount, currency)})")
