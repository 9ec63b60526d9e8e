"""Project middleware."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from paygate import views


class RequestSizeLimitMiddleware:
    """A body over DATA_UPLOAD_MAX_MEMORY_SIZE answers 413 before anything reads it.

    Django itself raises `RequestDataTooBig` only when the body is first read — inside a view
    (a 500 for DRF) or in the CSRF middleware (a 400) — so the limit is checked here, once, for
    every endpoint, from the same Content-Length Django's own check reads. Multipart bodies
    (file uploads) are left to Django's upload handlers, which are not bound by that setting.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and not request.META.get("CONTENT_TYPE", "").startswith("multipart/"):
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if length > limit:
                return views.request_too_large(request)
        return self.get_response(request)
