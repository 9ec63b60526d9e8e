"""The one list of event types: everything the services emit is on it; filters use it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from webhooks.events import EVENT_TYPES, SUBSCRIBABLE_EVENT_TYPES, TEST_EVENT_TYPE, wants_event

ROOT = Path(__file__).resolve().parents[2]


def test_every_event_type_the_payments_services_write_is_known() -> None:
    source = (ROOT / "payments" / "services.py").read_text()
    emitted = set(re.findall(r'"((?:order|payment|refund|payout)\.[a-z_]+)"', source))

    assert emitted, "no event types found: has payments/services.py moved?"
    assert emitted <= set(SUBSCRIBABLE_EVENT_TYPES), emitted - set(SUBSCRIBABLE_EVENT_TYPES)


def test_the_test_event_is_known_but_not_subscribable() -> None:
    assert TEST_EVENT_TYPE in EVENT_TYPES
    assert TEST_EVENT_TYPE not in SUBSCRIBABLE_EVENT_TYPES
    assert len(set(EVENT_TYPES)) == len(EVENT_TYPES)


@pytest.mark.parametrize(
    ("chosen", "type", "wanted"),
    [
        ([], "payment.captured", True),
        (["order.paid"], "order.paid", True),
        (["order.paid"], "payment.captured", False),
        (["order.paid"], TEST_EVENT_TYPE, True),
    ],
)
def test_wants_event(chosen: list[str], type: str, wanted: bool) -> None:
    assert wants_event(event_types=chosen, type=type) is wanted
