"""The Django admin's lists (DESIGN §11): every PayGate model with a creation time can be browsed
by date, and each list opens for an admin with its date drill-down."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from merchants.models import User

pytestmark = pytest.mark.django_db

APPS = {"merchants", "payments", "webhooks"}


def _dated_admins() -> list[tuple[type, admin.ModelAdmin]]:
    return [
        (model, model_admin)
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label in APPS and any(f.name == "created_at" for f in model._meta.get_fields())
    ]


def test_every_dated_list_has_a_date_hierarchy() -> None:
    dated = _dated_admins()
    assert len(dated) >= 14
    assert [model.__name__ for model, model_admin in dated if model_admin.date_hierarchy != "created_at"] == []


def test_every_dated_list_opens_with_its_date_drill_down(client: Client, admin_user: User, merchant) -> None:
    client.force_login(admin_user)
    for model, _ in _dated_admins():
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        response = client.get(url)
        assert response.status_code == 200, url
        assert 'class="toplinks"' in response.content.decode(), url
