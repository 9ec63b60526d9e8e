"""Queries compiled once per process: the ORM builds a hot query's SQL the first time; later calls
only bind their values.

Building SQL is most of what a short request costs in Django: reading a merchant with its user
takes ~0.6 ms to compile and ~0.1 ms to run. A query whose shape never changes (only its values
do) is written as usual, with `Param` where a value goes, and wrapped in `compiled`:

    merchant_by_key = compiled(lambda: Merchant.objects.select_related("user").filter(api_key_id=Param("key")))
    merchant = merchant_by_key.first(key=key_id)

The first call on a database compiles the queryset and keeps its SQL, its constant parameters,
its columns' converters and how a row becomes model instances (`select_related`, `only`,
`select_for_update` and annotations are kept); every later call binds the `Param` values and runs
that SQL. The same SQL text each time also lets PostgreSQL's prepared statements
(`DB_PREPARED_STATEMENTS`) skip parsing and planning.

Values are bound as given, not prepared by a field: pass what the column stores (ints, strs).
Querysets that prefetch, or whose shape depends on the values (`__in` a list), are not compiled.
The reading side of `ModelIterable` (Django's) is repeated in `_Plan.objects`; the tests run
every compiled query against its queryset's own results.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import DatabaseError, connections, models
from django.db.models.expressions import Expression
from django.db.models.query import get_related_populators
from django.db.transaction import TransactionManagementError


class Param(Expression):
    """Where a compiled query's value goes, bound by name on each call."""

    def __init__(self, name: str) -> None:
        super().__init__(output_field=models.Field())
        self.name = name

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        return "%s", [_Slot(self.name)]


@dataclass(frozen=True)
class _Slot:
    name: str


@dataclass(frozen=True)
class _Plan:
    """A compiled queryset: its SQL and how to read its rows."""

    using: str
    sql: str
    params: tuple[Any, ...]  # constants, and a _Slot where each call's value goes
    for_update: bool
    compiler: Any
    converters: dict[int, Any]
    model: type[models.Model]
    fields: slice
    init_list: list[str]
    related_populators: list[Any]
    annotations: dict[str, int]
    fetch_mode: Any

    @classmethod
    def of(cls, queryset: models.QuerySet, using: str) -> _Plan:
        query, fetch_mode = queryset.query, queryset._fetch_mode
        if queryset._prefetch_related_lookups or query.combinator or fetch_mode.track_peers:
            raise TypeError("compiled() takes a plain queryset: no prefetches, unions or peer fetching")
        compiler = query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        select, klass_info = compiler.select, compiler.klass_info
        columns = klass_info["select_fields"]
        fields = slice(columns[0], columns[-1] + 1)
        return cls(
            using=using,
            sql=sql,
            params=tuple(params),
            for_update=bool(query.select_for_update and connections[using].features.has_select_for_update),
            compiler=compiler,
            converters=compiler.get_converters([column[0] for column in select]),
            model=klass_info["model"],
            fields=fields,
            init_list=[column[0].target.attname for column in select[fields]],
            related_populators=get_related_populators(klass_info, select, using, fetch_mode),
            annotations=compiler.annotation_col_map,
            fetch_mode=fetch_mode,
        )

    def objects(self, values: dict[str, Any]) -> list[Any]:
        params = [values[p.name] if isinstance(p, _Slot) else p for p in self.params]
        connection = connections[self.using]
        if self.for_update and connection.get_autocommit():
            raise TransactionManagementError("select_for_update cannot be used outside of a transaction.")
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            rows = cursor.fetchall()
        if self.converters:
            rows = list(self.compiler.apply_converters(rows, self.converters))
        objects = []
        for row in rows:
            obj = self.model.from_db(self.using, self.init_list, row[self.fields], fetch_mode=self.fetch_mode)
            for populator in self.related_populators:
                populator.populate(row, obj)
            for name, position in self.annotations.items():
                setattr(obj, name, row[position])
            objects.append(obj)
        return objects


class compiled[M: models.Model]:  # noqa: N801 — reads as a function wrapping a queryset
    """A queryset (built by `build`, with `Param`s) compiled once per database."""

    def __init__(self, build: Callable[[], models.QuerySet[M]]) -> None:
        self._build = build
        self._plans: dict[str, _Plan] = {}

    def _plan(self, using: str) -> _Plan:
        plan = self._plans.get(using)
        if plan is None:
            plan = self._plans[using] = _Plan.of(self._build(), using)
        return plan

    def all(self, using: str = "default", **values: Any) -> list[M]:
        """Every row, as model instances (with their `select_related` objects and annotations)."""
        return self._plan(using).objects(values)

    def first(self, using: str = "default", **values: Any) -> M | None:
        """The first row (in the queryset's order), or None."""
        rows = self.all(using, **values)
        return rows[0] if rows else None

    def get(self, using: str = "default", **values: Any) -> M:
        """The one row; `DoesNotExist` without one, as `QuerySet.get` (build it to match one row)."""
        plan = self._plan(using)
        rows = plan.objects(values)
        if not rows:
            raise plan.model.DoesNotExist(f"{plan.model._meta.object_name} matching query does not exist.")  # type: ignore[attr-defined]
        return rows[0]


# --- writes -----------------------------------------------------------------------------------------
#
# `insert` and `update` are `bulk_create` and `save(update_fields=…)` for the hot path's rows, with
# each statement's SQL built once per model, columns and row count. Fields' `pre_save` (auto_now …)
# and `get_db_prep_save` prepare the values as the ORM does; Django's save signals are not sent
# (PayGate's models have no receivers), and values must be plain (no expressions).


_sql_cache: dict[tuple[Any, ...], tuple[str, list[Any]]] = {}


def _insert_sql(model: type[models.Model], fields: list[Any], rows: int, using: str) -> tuple[str, list[Any]]:
    key = ("insert", model, rows, using)
    cached = _sql_cache.get(key)
    if cached is None:
        connection = connections[using]
        qn = connection.ops.quote_name
        returning = list(model._meta.db_returning_fields)
        table, columns = qn(model._meta.db_table), ", ".join(qn(f.column) for f in fields)
        row = "(" + ", ".join(["%s"] * len(fields)) + ")"
        values, returned = ", ".join([row] * rows), ", ".join(qn(f.column) for f in returning)
        sql = f"INSERT INTO {table} ({columns}) VALUES {values} RETURNING {returned}"  # noqa: S608 — quoted names
        cached = _sql_cache[key] = (sql, returning)
    return cached


def insert[T: models.Model](objs: list[T], using: str = "default") -> list[T]:
    """INSERT the new rows in one statement and set their primary keys (`bulk_create`, compiled)."""
    if not objs:
        return objs
    model = type(objs[0])
    connection = connections[using]
    if not connection.features.can_return_rows_from_bulk_insert or any(obj.pk is not None for obj in objs):
        return model._default_manager.db_manager(using).bulk_create(objs)
    fields = [f for f in model._meta.concrete_fields if not f.generated and not (f.primary_key and f.auto_created)]
    sql, returning = _insert_sql(model, fields, len(objs), using)
    params = []
    for obj in objs:
        obj._prepare_related_fields_for_save(operation_name="insert")
        params.extend(f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    for obj, row in zip(objs, rows, strict=True):
        for field, value in zip(returning, row, strict=True):
            setattr(obj, field.attname, value)
        obj._state.adding, obj._state.db = False, using
    return objs


def update(obj: models.Model, fields: list[str] | tuple[str, ...], using: str = "default") -> None:
    """UPDATE the row's `fields` (`save(update_fields=fields)`, compiled); the row must exist."""
    model, connection = type(obj), connections[using]
    key = ("update", model, tuple(fields), using)
    cached = _sql_cache.get(key)
    if cached is None:
        qn = connection.ops.quote_name
        targets = [model._meta.get_field(name) for name in fields]
        columns = ", ".join(f"{qn(f.column)} = %s" for f in targets)
        table, pk = qn(model._meta.db_table), qn(model._meta.pk.column)
        sql = f"UPDATE {table} SET {columns} WHERE {pk} = %s"  # noqa: S608 — quoted names
        cached = _sql_cache[key] = (sql, targets)
    sql, targets = cached
    obj._prepare_related_fields_for_save(operation_name="update")
    params = [f.get_db_prep_save(f.pre_save(obj, False), connection) for f in targets]
    params.append(obj.pk)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        if cursor.rowcount != 1:
            raise DatabaseError(f"{model.__name__} {obj.pk}: the update matched {cursor.rowcount} rows, not 1.")
