"""The base of the API's list and detail endpoints over merchant-owned rows."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework import viewsets
from rest_framework.permissions import IsAuthenticated

from paygate.lib.permissions import ActionRoles


class ScopedViewSet(viewsets.GenericViewSet):
    """Lists and look-ups go through `visible_to`: another merchant's id answers 404."""

    permission_classes = [IsAuthenticated, ActionRoles]
    lookup_field = "public_id"
    lookup_url_kwarg = "id"
    lookup_value_regex = r"[A-Za-z0-9_]+"
    model: Any = None

    def scoped_queryset(self, user: Any) -> QuerySet:
        """The rows `user` may see: each viewset answers with its app's selector."""
        return self.model.objects.all().visible_to(user)

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):
            return self.model.objects.none()
        return self.scoped_queryset(self.request.user)

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        # Query filters narrow lists; a look-up by id is scoped (get_queryset) but not filtered,
        # which also spares every detail request building the list's FilterSet.
        return super().filter_queryset(queryset) if self.action == "list" else queryset
