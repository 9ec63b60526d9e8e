"""Times as integer microseconds since the epoch, and the text the rows and events carry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

SECOND = 1_000_000  # times are integer microseconds since the epoch
MINUTE, HOUR, DAY = 60 * SECOND, 3600 * SECOND, 86400 * SECOND
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_DAY_PREFIX: dict[int, str] = {}
_SECOND_PREFIX: dict[int, str] = {}


def _us(moment: datetime) -> int:
    delta = moment - EPOCH
    return (delta.days * 86400 + delta.seconds) * SECOND + delta.microseconds


def _iso(us: int) -> str:
    """The API's datetime format (DRF): ISO 8601 in UTC with "Z", microseconds only when non-zero.

    Rows carry these strings too: COPY and Django's DateTimeField both read them exactly.
    """
    seconds, micro = divmod(us, SECOND)
    prefix = _SECOND_PREFIX.get(seconds)
    if prefix is None:
        if len(_SECOND_PREFIX) > 100_000:  # a payment's times share a few seconds: a small cache does
            _SECOND_PREFIX.clear()
        day, rest = divmod(seconds, 86400)
        date = _DAY_PREFIX.get(day)
        if date is None:
            date = _DAY_PREFIX[day] = (EPOCH + timedelta(days=day)).strftime("%Y-%m-%dT")
        hour, rest = divmod(rest, 3600)
        minute, second = divmod(rest, 60)
        prefix = _SECOND_PREFIX[seconds] = f"{date}{hour:02d}:{minute:02d}:{second:02d}"
    return f"{prefix}.{micro:06d}Z" if micro else f"{prefix}Z"


def _iso_or_none(us: int | None) -> str | None:
    return None if us is None else _iso(us)


def _jstr(value: str) -> str:
    """A JSON string, or null for a blank value. Only for our own ids and enum values (no escaping)."""
    return f'"{value}"' if value else "null"
