"""API credentials and webhook secrets.

The API secret is shown once and stored as HMAC-SHA256(PAYGATE_HMAC_KEY, secret); a request is
matched by its key id and the secret compared in constant time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from django.conf import settings

from paygate.lib.ids import new_id


def new_api_key_id() -> str:
    return new_id("key", 20)


def new_api_secret() -> str:
    return new_id("sk", 32)


def hash_api_secret(secret: str) -> str:
    key = settings.PAYGATE_HMAC_KEY.encode()
    return hmac.new(key, b"api-secret:" + secret.encode(), hashlib.sha256).hexdigest()


def api_secret_matches(secret: str, stored_hash: str) -> bool:
    return bool(stored_hash) and hmac.compare_digest(hash_api_secret(secret), stored_hash)


def new_webhook_secret() -> str:
    """A Standard Webhooks secret: `whsec_` + base64 of 24 random bytes."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def checkout_signing_key(api_secret_hash: str) -> str:
    """The key that signs checkout results (`order_id|payment_id`) for a merchant's server.

    DESIGN §10 asks for the API secret itself, but PayGate keeps only an HMAC of it. The signing
    key is derived from that stored hash instead: the merchant reads it with its API credentials
    (`GET me/checkout/`), and it changes whenever the API key is rotated."""
    if not api_secret_hash:
        return ""
    key = settings.PAYGATE_HMAC_KEY.encode()
    return "csk_" + hmac.new(key, b"checkout-signing:" + api_secret_hash.encode(), hashlib.sha256).hexdigest()
