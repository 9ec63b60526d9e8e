"""Serializer bases: inputs refuse unknown fields instead of silently ignoring them; outputs render
from one shared instance per class."""

from __future__ import annotations

from functools import cache
from typing import Any

from rest_framework import serializers


class StrictSerializer(serializers.Serializer):
    """An input serializer that answers 400 for fields it does not know (a typo is not ignored)."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({name: ["Unknown field."] for name in unknown})
        return super().to_internal_value(data)


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer and nothing else: refuses floats (even 10.0), numeric strings and booleans."""

    default_error_messages = {"strict": "Must be an integer (minor units), not {kind}."}

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("strict", kind=type(data).__name__)
        return super().to_internal_value(data)


@cache
def _shared(serializer_class: type[serializers.BaseSerializer]) -> serializers.BaseSerializer:
    return serializer_class()


def render(serializer_class: type[serializers.BaseSerializer], instance: Any) -> dict[str, Any]:
    """What `serializer_class(instance).data` answers, rendered by one shared instance per class.

    A ModelSerializer builds its fields on every instantiation (~0.5 ms for a payment, ten times
    what rendering then costs), and the payment services write several snapshots per request.
    An output serializer keeps no per-call state, so one instance renders every object — but only
    one that reads no `context` (none of the payment outputs does).
    """
    return _shared(serializer_class).to_representation(instance)
