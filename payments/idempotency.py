"""`Idempotency-Key` on create endpoints (DESIGN §8).

The key is claimed *before* the work by inserting a row under a unique constraint — never by a
look-up — so two concurrent requests with one key cannot both run. Then:
- same key, same method + path + body, finished: the stored status and body are replayed with
  `Idempotent-Replayed: true`;
- same key, anything else different: 422;
- same key still in flight: 409;
- the work failed (any error response or exception): the claim is dropped, nothing is stored,
  and the client may correct the request and send it again with the same key.
Keys expire after IDEMPOTENCY_TTL_HOURS.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from paygate.lib.api import ApiError, ErrorCode
from payments.models import IdempotencyKey, IdempotencyStatus

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255


def _request_hash(request: Request) -> str:
    body = json.dumps(request.data, sort_keys=True, separators=(",", ":"), cls=JSONEncoder)
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


def _scope(request: Request) -> str:
    merchant = getattr(request.user, "merchant", None) if request.user.is_merchant else None
    return merchant.public_id if merchant is not None else request.user.public_id


def _claim(scope: str, key: str, request_hash: str) -> IdempotencyKey | None:
    """Insert the claim; None when we own it, else the row that someone else holds."""
    for _ in range(2):
        try:
            with transaction.atomic():
                IdempotencyKey.objects.create(scope=scope, key=key, request_hash=request_hash)
            return None
        except IntegrityError:
            existing = IdempotencyKey.objects.filter(scope=scope, key=key).first()
            if existing is None:
                continue  # released between our insert and our read: try once more
            if existing.created_at < timezone.now() - timedelta(hours=settings.IDEMPOTENCY_TTL_HOURS):
                IdempotencyKey.objects.filter(pk=existing.pk).delete()
                continue
            return existing
    raise ApiError("This Idempotency-Key is being used by another request.", error=ErrorCode.IDEMPOTENCY_IN_FLIGHT)


def idempotent(request: Request, handler: Callable[[], Response]) -> Response:
    key = request.headers.get(HEADER)
    if key is None:
        return handler()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise ApiError(
            f"{HEADER} must be 1 to {MAX_KEY_LENGTH} characters.",
            error=ErrorCode.VALIDATION_ERROR,
            meta={"fields": {HEADER: [f"Must be 1 to {MAX_KEY_LENGTH} characters."]}},
        )
    scope, request_hash = _scope(request), _request_hash(request)
    existing = _claim(scope, key, request_hash)
    if existing is not None:
        if existing.request_hash != request_hash:
            raise ApiError(
                f"This {HEADER} was already used with a different request.", error=ErrorCode.IDEMPOTENCY_KEY_REUSED
            )
        if existing.status == IdempotencyStatus.IN_FLIGHT:
            raise ApiError(f"A request with this {HEADER} is still in flight.", error=ErrorCode.IDEMPOTENCY_IN_FLIGHT)
        response = Response(existing.response_body, status=existing.response_status)
        response["Idempotent-Replayed"] = "true"
        return response
    try:
        response = handler()
    except BaseException:
        IdempotencyKey.objects.filter(scope=scope, key=key).delete()
        raise
    if response.status_code >= 400:
        IdempotencyKey.objects.filter(scope=scope, key=key).delete()
        return response
    body = json.loads(json.dumps(response.data, cls=JSONEncoder))
    IdempotencyKey.objects.filter(scope=scope, key=key).update(
        status=IdempotencyStatus.COMPLETED, response_status=response.status_code, response_body=body
    )
    return response
