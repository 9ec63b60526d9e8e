"""Standard Webhooks signing (https://www.standardwebhooks.com), with the `standardwebhooks` package.

`webhook-signature` is `v1,<base64 HMAC-SHA256 of "{webhook-id}.{webhook-timestamp}.{body}">`, one
per secret that is currently valid: during a rotation window the new and the old secret both
sign, space-separated, so a receiver still holding the old secret keeps verifying.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from standardwebhooks import Webhook

from merchants.models import Merchant
from webhooks.models import Event


def iso8601(value: datetime) -> str:
    """UTC with a Z, as the API writes times."""
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def payload(event: Event) -> dict[str, Any]:
    """What is POSTed: `{"id", "type", "created_at", "data": {"object": …}}`."""
    return {
        "id": event.public_id,
        "type": event.type,
        "created_at": iso8601(event.created_at),
        "data": {"object": event.data},
    }


def body_of(event: Event) -> str:
    """The JSON body. Deterministic, so every retry sends the same bytes."""
    return json.dumps(payload(event), separators=(",", ":"), sort_keys=True, ensure_ascii=False)


def signing_secrets(merchant: Merchant, *, now: datetime) -> list[str]:
    """The secrets that sign right now: the current one, and the previous one during its window."""
    secrets = [merchant.webhook_secret] if merchant.webhook_secret else []
    expires = merchant.webhook_previous_secret_expires_at
    if merchant.webhook_previous_secret and expires is not None and expires > now:
        secrets.append(merchant.webhook_previous_secret)
    return secrets


def signature(*, msg_id: str, timestamp: datetime, body: str, secrets: Sequence[str]) -> str:
    return " ".join(Webhook(secret).sign(msg_id, timestamp, body) for secret in secrets)


def signed_headers(*, msg_id: str, timestamp: datetime, body: str, secrets: Sequence[str]) -> dict[str, str]:
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(timestamp.timestamp())),
        "webhook-signature": signature(msg_id=msg_id, timestamp=timestamp, body=body, secrets=secrets),
    }
