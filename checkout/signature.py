"""The checkout result signature, with nothing but the standard library.

A merchant's server may copy this file as it is. After checkout.js calls `onSuccess` with
`{payment_id, order_id, signature}`, the server checks

    verify_checkout_signature(order_id, payment_id, signature, checkout_signing_key)

where `checkout_signing_key` (`csk_…`) comes from `GET /paygate/api/v1/me/checkout/`.
The signature is the hex HMAC-SHA256 of `order_id|payment_id` under that key.
"""

from __future__ import annotations

import hashlib
import hmac


def checkout_signature(order_id: str, payment_id: str, secret: str) -> str:
    message = f"{order_id}|{payment_id}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def verify_checkout_signature(order_id: str, payment_id: str, signature: str, secret: str) -> bool:
    """True when `signature` was made by PayGate for this order and payment (constant time)."""
    if not (order_id and payment_id and signature and secret):
        return False
    return hmac.compare_digest(checkout_signature(order_id, payment_id, secret), signature.lower())
