from __future__ import annotations

import pytest

from merchants.models import Merchant, User
from tests.factories import MerchantFactory

pytestmark = pytest.mark.django_db


def test_default_manager_hides_deleted_rows_and_all_with_deleted_reaches_them() -> None:
    kept, gone = MerchantFactory(), MerchantFactory()

    gone.mark_deleted()
    gone.save()

    assert list(Merchant.objects.all()) == [kept]
    assert set(Merchant.objects.all_with_deleted()) == {kept, gone}
    assert list(Merchant.objects.all_with_deleted().dead()) == [gone]


def test_queryset_soft_delete_marks_rows_without_removing_them() -> None:
    MerchantFactory.create_batch(3)

    assert User.objects.filter(role="merchant").soft_delete() == 3

    assert User.objects.count() == 0
    assert User.objects.all_with_deleted().filter(deleted_at__isnull=False).count() == 3


def test_deleted_user_cannot_be_found_by_natural_key() -> None:
    merchant = MerchantFactory(user__email="gone@example.com")
    merchant.user.mark_deleted()
    merchant.user.save()

    with pytest.raises(User.DoesNotExist):
        User.objects.get_by_natural_key("GONE@example.com")
