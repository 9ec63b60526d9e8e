"""Compiled queries (paygate.lib.compiled) answer what their querysets answer, SQL built once."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import DatabaseError, connection, transaction
from django.db.models import OuterRef, Subquery
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext

from merchants.models import Merchant, ScopedLookup, User
from paygate.lib.compiled import Param, compiled, insert, update
from payments.models import Order, Payment
from tests.payments.conftest import card_body, create_order

pytestmark = pytest.mark.django_db


def _values(obj: object) -> dict[str, object]:
    return {f.attname: getattr(obj, f.attname) for f in type(obj)._meta.concrete_fields}


def test_rows_and_their_select_related_objects_equal_the_querysets(merchant: Merchant, outsider: Merchant) -> None:
    by_key = compiled(lambda: Merchant.objects.select_related("user").filter(api_key_id=Param("key"))[:1])
    for m in (merchant, outsider):
        got = by_key.first(key=m.api_key_id)
        expected = Merchant.objects.select_related("user").get(api_key_id=m.api_key_id)
        assert _values(got) == _values(expected)
        assert _values(got.user) == _values(expected.user)
        with CaptureQueriesContext(connection) as queries:
            assert got.user.merchant is got  # the reverse one-to-one is cached too, as select_related does
        assert len(queries) == 0
    assert by_key.first(key="key_nope") is None


def test_constant_filters_are_kept_and_only_defers_the_other_columns(merchant: Merchant) -> None:
    alive = compiled(lambda: Merchant.objects.only("id", "business_name").filter(api_key_id=Param("key")))
    found = alive.get(key=merchant.api_key_id)
    assert found.pk == merchant.pk and found.get_deferred_fields() >= {"api_secret_hash", "webhook_url"}
    Merchant.objects.filter(pk=merchant.pk).update(deleted=True)
    assert alive.first(key=merchant.api_key_id) is None  # the default manager's `deleted = false`
    with pytest.raises(Merchant.DoesNotExist):
        alive.get(key=merchant.api_key_id)


def test_annotations_and_converted_columns_are_set(merchant_api, merchant: Merchant) -> None:
    order = create_order(merchant_api)
    merchant_api.post("/paygate/api/v1/payments/", card_body(order["id"]), format="json")
    first_payment = Payment.objects.filter(order=OuterRef("pk")).order_by("id")
    with_payment = compiled(
        lambda: Order.objects.annotate(first_payment=Subquery(first_payment.values("public_id")[:1])).filter(
            public_id=Param("id")
        )
    )
    got = with_payment.get(id=order["id"])
    expected = Order.objects.get(public_id=order["id"])
    assert got.first_payment == Payment.objects.get(order=expected).public_id
    assert got.created_at == expected.created_at and got.created_at.tzinfo is not None  # converted on SQLite
    assert _values(got) == _values(expected)


def test_the_sql_is_built_once_and_the_same_text_runs_with_each_calls_values(
    merchant: Merchant, outsider: Merchant
) -> None:
    by_key = compiled(lambda: Merchant.objects.filter(api_key_id=Param("key")))
    with CaptureQueriesContext(connection) as queries:
        assert by_key.get(key=merchant.api_key_id).pk == merchant.pk
        assert by_key.get(key=outsider.api_key_id).pk == outsider.pk
    plan = by_key._plan("default")
    assert plan is by_key._plan("default")
    sql = [q["sql"] for q in queries.captured_queries]
    assert merchant.api_key_id in sql[0] and outsider.api_key_id in sql[1]
    assert sql[0].replace(merchant.api_key_id, "?") == sql[1].replace(outsider.api_key_id, "?")


def test_querysets_that_prefetch_are_refused() -> None:
    with pytest.raises(TypeError, match="prefetch"):
        compiled(lambda: Payment.objects.prefetch_related("attempts").filter(pk=Param("pk"))).first(pk=1)


@pytest.mark.skipif(not connection.features.has_select_for_update, reason="SQLite has no row locks")
@pytest.mark.django_db(transaction=True)  # outside the test's own transaction
def test_a_compiled_lock_needs_a_transaction(merchant: Merchant) -> None:
    locked = compiled(lambda: Merchant.objects.select_for_update().filter(pk=Param("pk")))
    with pytest.raises(TransactionManagementError):
        locked.get(pk=merchant.pk)
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        assert locked.get(pk=merchant.pk).pk == merchant.pk
    assert "FOR UPDATE" in queries.captured_queries[-1]["sql"]


def test_a_scoped_lookup_shows_operators_everything_and_a_merchant_only_its_own(
    merchant: Merchant, outsider: Merchant, admin_user: User, finance_user: User
) -> None:
    orders = ScopedLookup[Order](lambda: Order.objects.only("id"))
    mine = Order.objects.create(merchant=merchant, amount=100, currency="USD")
    theirs = Order.objects.create(merchant=outsider, amount=100, currency="USD")
    assert orders.first(merchant.user, mine.public_id).pk == mine.pk
    assert orders.first(merchant.user, theirs.public_id) is None
    assert orders.first(outsider.user, theirs.public_id).pk == theirs.pk
    for operator in (admin_user, finance_user):
        assert {orders.first(operator, o.public_id).pk for o in (mine, theirs)} == {mine.pk, theirs.pk}
    assert orders.first(AnonymousUser(), mine.public_id) is None


def test_insert_writes_every_row_in_one_statement_as_bulk_create_would(merchant: Merchant) -> None:
    orders = [
        Order(merchant=merchant, amount=100 * n, currency="USD", receipt=f"r{n}", notes={"n": n}) for n in (1, 2, 3)
    ]
    with CaptureQueriesContext(connection) as queries:
        assert insert(orders) is orders
    assert [q["sql"].split()[0] for q in queries.captured_queries] == ["INSERT"]
    for order in orders:
        assert order.pk is not None and not order._state.adding and order.created_at is not None
        assert _values(Order.objects.get(pk=order.pk)) == _values(order)  # notes (JSON) and dates included
    assert insert([]) == []


def test_update_writes_the_named_columns_only_and_needs_the_row(merchant: Merchant) -> None:
    order = insert([Order(merchant=merchant, amount=100, currency="USD")])[0]
    before = order.updated_at
    order.status, order.attempts, order.amount = "attempted", 2, 999  # amount is not among the fields
    update(order, ["status", "attempts", "updated_at"])
    stored = Order.objects.get(pk=order.pk)
    assert (stored.status, stored.attempts, stored.amount) == ("attempted", 2, 100)
    assert stored.updated_at > before
    Order.objects.filter(pk=order.pk).delete()
    with pytest.raises(DatabaseError, match="matched 0 rows"):
        update(order, ["status"])
