"""Why a webhook does or does not verify: the checks a Standard Webhooks receiver makes, one by
one, each with a sentence a developer can act on. Used by the portal's signature debugger and by
the request bin (which runs it on every request it records)."""

from __future__ import annotations

import base64
import binascii
import hmac
from dataclasses import dataclass, field
from datetime import UTC, datetime

from standardwebhooks import Webhook

from merchants.models import Merchant
from webhooks import signing
from webhooks.models import Event

TOLERANCE_SECONDS = 5 * 60  # what the standardwebhooks library accepts either side of now


@dataclass(frozen=True)
class Check:
    name: str
    passed: bool
    detail: str


@dataclass
class Diagnosis:
    checks: list[Check] = field(default_factory=list)

    @property
    def verified(self) -> bool:
        return bool(self.checks) and all(check.passed for check in self.checks)

    @property
    def summary(self) -> str:
        if self.verified:
            return "The signature verifies."
        return next(check.detail for check in self.checks if not check.passed)

    def add(self, name: str, passed: bool, detail: str) -> bool:
        self.checks.append(Check(name, passed, detail))
        return passed


def parse_headers(text: str) -> dict[str, str]:
    """`Name: value` lines (as copied from a log or a browser), names lower-cased."""
    headers = {}
    for line in text.splitlines():
        name, sep, value = line.partition(":")
        if sep and name.strip():
            headers[name.strip().lower()] = value.strip()
    return headers


def _signatures(header: str) -> list[bytes] | None:
    found = []
    for part in header.split():
        version, sep, encoded = part.partition(",")
        if not sep or version != "v1":
            return None
        try:
            found.append(base64.b64decode(encoded, validate=True))
        except (binascii.Error, ValueError):
            return None
    return found or None


def _matches(secret: str, msg_id: str, timestamp: datetime, body: str, signatures: list[bytes]) -> bool:
    try:
        expected = Webhook(secret).sign(msg_id, timestamp, body)
    except Exception:  # noqa: BLE001 — a malformed secret simply does not match
        return False
    digest = base64.b64decode(expected.partition(",")[2])
    return any(hmac.compare_digest(digest, given) for given in signatures)


def diagnose(
    *, headers: dict[str, str], body: str, secret: str, merchant: Merchant | None = None, now: datetime | None = None
) -> Diagnosis:
    """Run the receiver's checks in order and say which one fails and why.

    With the merchant, a signature that fails with the given secret is tried with the merchant's
    current and previous secrets, and a known `webhook-id` lets the body be compared with what
    PayGate sent, so "wrong secret", "old secret" and "body changed" can be told apart.
    """
    now = now or datetime.now(UTC)
    result = Diagnosis()
    msg_id = headers.get("webhook-id", "")
    raw_timestamp = headers.get("webhook-timestamp", "")
    raw_signature = headers.get("webhook-signature", "")
    names = {"webhook-id": msg_id, "webhook-timestamp": raw_timestamp, "webhook-signature": raw_signature}
    missing = [name for name, value in names.items() if not value]
    if missing:
        result.add("headers", False, f"Missing header: {', '.join(missing)}.")
        return result
    result.add("headers", True, "All three headers are present.")
    if not raw_timestamp.isdigit() or len(raw_timestamp) > 11:
        result.add(
            "timestamp", False, f"Malformed header: webhook-timestamp must be unix seconds, got {raw_timestamp!r}."
        )
        return result
    timestamp = datetime.fromtimestamp(int(raw_timestamp), UTC)
    skew = int((now - timestamp).total_seconds())
    in_window = abs(skew) <= TOLERANCE_SECONDS
    when = f"{abs(skew)} s {'ago' if skew >= 0 else 'in the future'}"
    result.add(
        "timestamp tolerance",
        in_window,
        f"Timestamp {when}, within the {TOLERANCE_SECONDS // 60} minutes allowed."
        if in_window
        else f"Timestamp outside tolerance: signed {when}; receivers refuse more than {TOLERANCE_SECONDS // 60} "
        "minutes either way (a replay, or a clock that is wrong).",
    )
    signatures = _signatures(raw_signature)
    if signatures is None:
        result.add("signature format", False, "Malformed header: webhook-signature must be `v1,<base64>` signatures.")
        return result
    if not secret.startswith("whsec_"):
        result.add("secret format", False, "Wrong secret format: PayGate signing secrets start with whsec_.")
        return result
    if _matches(secret, msg_id, timestamp, body, signatures):
        result.add("signature", True, "The signature matches the body with this secret.")
        return result
    result.add("signature", False, _why_not(msg_id, timestamp, body, secret, signatures, merchant))
    return result


def _why_not(
    msg_id: str, timestamp: datetime, body: str, secret: str, signatures: list[bytes], merchant: Merchant | None
) -> str:
    if merchant is not None:
        current = merchant.webhook_secret
        if current and secret != current and _matches(current, msg_id, timestamp, body, signatures):
            return "Wrong secret: this was signed with your current signing secret, not the one given."
        previous = merchant.webhook_previous_secret
        if previous and secret != previous and _matches(previous, msg_id, timestamp, body, signatures):
            return "Old secret: this was signed with your previous signing secret, from before the last rotation."
        event = Event.objects.filter(merchant=merchant, public_id=msg_id).first()
        if event is not None:
            sent = signing.body_of(event)
            if sent != body:
                at = next(
                    (i for i, (a, b) in enumerate(zip(sent, body, strict=False)) if a != b), min(len(sent), len(body))
                )
                return (
                    f"Body changed: it differs from what PayGate sent for {msg_id} at character {at}. Verify the raw "
                    "bytes as received, before any JSON parsing or re-encoding."
                )
            return "Wrong secret: the body is exactly what PayGate sent, so the secret is not the one that signed it."
    return (
        "The signature does not match: either the body was changed (even whitespace counts: verify the raw bytes) "
        "or the secret is not the one that signed it."
    )
