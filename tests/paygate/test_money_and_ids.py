from __future__ import annotations

from decimal import Decimal

import pytest
from django.apps import apps
from django.db import IntegrityError, models
from hypothesis import given
from hypothesis import strategies as st

from paygate.lib.ids import ALPHABET, PublicIdField, has_prefix, new_id
from paygate.lib.money import CURRENCIES, MoneyError, check_amount, format_amount, to_decimal, to_minor
from tests.factories import UserFactory


@pytest.mark.parametrize(
    ("value", "currency", "minor"),
    [
        ("25.99", "GBP", 2599),
        ("1000", "JPY", 1000),
        ("1.234", "KWD", 1234),
        ("0.5", "USD", 50),
        (Decimal("10"), "EUR", 1000),
    ],
)
def test_to_minor_uses_the_iso_exponent(value: str, currency: str, minor: int) -> None:
    assert to_minor(value, currency) == minor


@pytest.mark.parametrize(
    ("value", "currency"), [("25.999", "GBP"), ("1.5", "JPY"), ("abc", "USD"), ("NaN", "USD"), ("1", "XXX")]
)
def test_to_minor_refuses_extra_precision_garbage_and_unknown_currency(value: str, currency: str) -> None:
    with pytest.raises(MoneyError):
        to_minor(value, currency)


def test_format_amount_for_people() -> None:
    assert format_amount(2599, "GBP") == "£25.99"
    assert format_amount(123456789, "USD") == "$1,234,567.89"
    assert format_amount(1000, "JPY") == "¥1,000"
    assert format_amount(1234, "KWD", symbol=False) == "1.234 KWD"
    assert format_amount(-550, "EUR") == "-€5.50"


@pytest.mark.parametrize("amount", [0, -1, 10**12, 1.5, True, "100"])
def test_check_amount_refuses_out_of_range_and_non_integers(amount: object) -> None:
    with pytest.raises(MoneyError):
        check_amount(amount, "USD")  # type: ignore[arg-type]


@given(st.sampled_from(sorted(CURRENCIES)), st.integers(min_value=-(10**12), max_value=10**12))
def test_minor_units_round_trip_exactly(currency: str, minor: int) -> None:
    assert to_minor(to_decimal(minor, currency), currency) == minor


def test_ids_are_prefixed_random_base62() -> None:
    ids = {new_id("pay") for _ in range(1000)}

    assert len(ids) == 1000
    for value in ids:
        prefix, _, tail = value.partition("_")
        assert prefix == "pay" and len(tail) >= 14 and set(tail) <= set(ALPHABET)
        assert has_prefix(value, "pay") and not has_prefix(value, "order")


def public_id_models() -> list[type[models.Model]]:
    return [m for m in apps.get_models() if any(isinstance(f, PublicIdField) for f in m._meta.concrete_fields)]


@pytest.mark.parametrize("model", public_id_models(), ids=lambda m: m._meta.label)
def test_every_public_id_is_unique_by_constraint(model: type[models.Model]) -> None:
    constraints = [c for c in model._meta.total_unique_constraints if c.fields == ("public_id",)]
    assert constraints, f"{model._meta.label} lacks unique_public_id() in Meta.constraints"


@pytest.mark.django_db(transaction=True)
def test_a_duplicate_public_id_is_refused_by_the_database() -> None:
    first = UserFactory()

    with pytest.raises(IntegrityError):
        UserFactory(public_id=first.public_id)
