"""Role permissions (DESIGN §3). Scoping of rows is done by selectors; these gate actions."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission


def role_of(user: Any) -> str | None:
    return getattr(user, "role", None) if user is not None and user.is_authenticated else None


class _RolePermission(BasePermission):
    roles: frozenset[str] = frozenset()
    message = "Your role may not perform this action."

    def has_permission(self, request: Any, view: Any) -> bool:
        return role_of(request.user) in self.roles


class IsMerchant(_RolePermission):
    roles = frozenset({"merchant"})
    message = "Only merchant accounts may do this."


class IsOperator(_RolePermission):
    roles = frozenset({"admin", "finance"})
    message = "Only admin and finance users may do this."


class IsAdmin(_RolePermission):
    roles = frozenset({"admin"})
    message = "Only admin users may do this."


class IsMerchantOrAdmin(_RolePermission):
    roles = frozenset({"merchant", "admin"})
    message = "Only merchants and admins may do this."


class ActionRoles(BasePermission):
    """Roles allowed per viewset action: `action_roles = {"create": {...}}` on the view.

    Actions not listed are open to every authenticated role (their rows are still scoped).
    """

    message = "Your role may not perform this action."

    def has_permission(self, request: Any, view: Any) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        roles = getattr(view, "action_roles", {}).get(getattr(view, "action", None))
        return roles is None or role_of(request.user) in roles
