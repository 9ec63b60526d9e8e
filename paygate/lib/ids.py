"""Public identifiers: `<prefix>_<random base62>`, unguessable and unique by constraint."""

from __future__ import annotations

import secrets
import string
from functools import partial
from typing import Any

from django.db import models

ALPHABET = string.digits + string.ascii_letters
RANDOM_LENGTH = 16
PREFIXES = frozenset(
    {"sk", "order", "pay", "att", "rfnd", "evt", "whd", "pout", "mer", "usr", "key", "led", "idem", "prod", "plink"}
)


def new_id(prefix: str, length: int = RANDOM_LENGTH) -> str:
    """A fresh public id: ~95 bits of randomness from the OS's CSPRNG (one uniform draw below
    62**length, written in base 62 with leading zeros: the same ids as `length` draws of a digit)."""
    number = secrets.randbelow(len(ALPHABET) ** length)
    digits = []
    for _ in range(length):
        number, digit = divmod(number, len(ALPHABET))
        digits.append(ALPHABET[digit])
    return f"{prefix}_{''.join(digits)}"


def has_prefix(value: str, prefix: str) -> bool:
    head, sep, tail = value.partition("_")
    return bool(sep) and head == prefix and len(tail) >= 14 and all(c in ALPHABET for c in tail)


class PublicIdField(models.CharField):
    """A generated `<prefix>_…` id, exposed by the API as `id`; unique through its model's
    `unique_public_id()` constraint.

    A constraint rather than `unique=True`: on PostgreSQL a unique CharField also gets a second,
    `varchar_pattern_ops` index for LIKE queries, which ids never see — on the busiest tables
    that is one more index to update on every insert.
    """

    def __init__(self, *args: Any, prefix: str, **kwargs: Any) -> None:
        if prefix not in PREFIXES:
            raise ValueError(f"unknown id prefix {prefix!r}")
        self.prefix = prefix
        kwargs.setdefault("max_length", 40)
        kwargs["editable"] = False
        kwargs["default"] = partial(new_id, prefix)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> tuple[str, str, list[Any], dict[str, Any]]:
        name, path, args, kwargs = super().deconstruct()
        kwargs.pop("default", None)
        kwargs.pop("editable", None)
        kwargs["prefix"] = self.prefix
        return name, path, args, kwargs


def unique_public_id() -> models.UniqueConstraint:
    """The unique constraint every model with a PublicIdField declares in its Meta.constraints."""
    return models.UniqueConstraint(fields=["public_id"], name="%(app_label)s_%(class)s_public_id_unique")
