"""The entry point `payments_seed` (called by `seed_demo`): one transaction, and on PostgreSQL a
writer thread that writes while the next batch is generated."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import connection, transaction

from merchants.models import Merchant, User
from payments import counts
from payments.models import (
    CaptureMethod,
)
from payments.seeding.demo import DemoShop
from payments.seeding.generator import _Batch, _cumulative, _Generator, _Shop
from payments.seeding.sink import _Sink
from payments.seeding.writer import EVENTS, TABLES, _bulk_load

# PostgreSQL: a seed this large loads the tables without their secondary indexes and unique and
# foreign-key constraints and rebuilds them at the end, in the same transaction (the PostgreSQL
# manual's advice for bulk loads: one index build is far cheaper than millions of index updates).
BULK_LOAD_THRESHOLD = 50_000


@dataclass
class SeedResult:
    payments: int
    counts: dict[str, int]
    seconds: float


# --- entry point ----------------------------------------------------------------------------------

_DONE = object()


def payments_seed(
    *,
    shops: list[tuple[Merchant, DemoShop]],
    payments: int,
    seed: int,
    reviewer: User | None = None,
    days: int = 90,
    now: datetime | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> SeedResult:
    """Generate and write `payments` payments, and everything around them, for the given shops.

    `reviewer` (a finance or admin user) decides the payments held for review; without one they
    stay in review. `now` anchors the period (default: the current time). All in one transaction.
    On PostgreSQL, outside a caller's transaction, a second thread writes while the payments are
    generated, and seeds of BULK_LOAD_THRESHOLD payments or more use the bulk-load mode.
    """
    if payments < 0 or days < 1:
        raise ValueError("payments must be >= 0 and days >= 1")
    if not shops:
        raise ValueError("at least one shop is needed")
    began = time.monotonic()
    moment = now or datetime.now(UTC)
    report = progress or (lambda done, total, phase: None)
    shop_rows = [
        _Shop(demo, m.pk, m.public_id, m.user.public_id, list(demo.currencies), _cumulative(list(demo.currencies.values())),
              CaptureMethod.AUTOMATIC if demo.auto_capture else CaptureMethod.MANUAL)
        for m, demo in shops
    ]  # fmt: skip
    postgres = connection.vendor == "postgresql"
    bulk = postgres and payments >= BULK_LOAD_THRESHOLD

    def write(batches: Iterator[_Batch], sink_box: list[_Sink]) -> None:
        with transaction.atomic(), _bulk_load(bulk, lambda phase: report(payments, payments, phase)) as fresh:
            sink = _Sink(freeze=fresh)
            sink_box.append(sink)
            for batch in batches:
                sink.consume(batch)
                report(batch.done, payments, "")
            sink.finish()
            report(payments, payments, "counting")
            counts.rebuild(merchant_ids=[shop.merchant_pk for shop in shop_rows])

    sink_box: list[_Sink] = []
    if payments:
        if postgres and not connection.in_atomic_block:
            generator = _Generator(shops=shop_rows, reviewer=reviewer, payments=payments, seed=seed, days=days, now=moment)  # fmt: skip
            _pipelined(generator.batches(), lambda batches: write(batches, sink_box))
        else:
            with transaction.atomic():
                generator = _Generator(shops=shop_rows, reviewer=reviewer, payments=payments, seed=seed, days=days, now=moment)  # fmt: skip
                write(generator.batches(), sink_box)
    if postgres and payments:
        frozen = bool(sink_box) and sink_box[0].writer.freeze
        report(payments, payments, "analyze" if frozen else "vacuum and analyze")
        # Fresh planner statistics, and (VACUUM) the visibility map that lets the lists and the
        # analytics answer from their indexes alone — autovacuum would get there, later; frozen
        # rows are in it already. Events are only analyzed: nothing aggregates them, and they are
        # most of the bytes. VACUUM cannot run inside a transaction.
        vacuum = not connection.in_atomic_block and not frozen
        with connection.cursor() as cursor:
            for table in TABLES:
                verb = "ANALYZE" if table is EVENTS or not vacuum else "VACUUM (ANALYZE)"
                cursor.execute(f"{verb} {connection.ops.quote_name(table.model._meta.db_table)}")
    written = sink_box[0].writer.counts if sink_box else {}
    return SeedResult(payments=payments, counts=dict(written), seconds=time.monotonic() - began)


def _pipelined(batches: Iterator[_Batch], write: Callable[[Iterator[_Batch]], None]) -> None:
    """Generate in this thread while a writer thread (its own connection and transaction) writes.

    PostgreSQL spends its time on COPY and index work while Python builds the next batch; on two
    cores that overlaps most of one with the other. A failure on either side rolls everything back.
    """
    handoff: queue.Queue = queue.Queue(maxsize=2)
    failure: list[BaseException] = []
    stopped = threading.Event()

    def received() -> Iterator[_Batch]:
        while (batch := handoff.get()) is not _DONE:
            if isinstance(batch, BaseException):
                raise batch  # the generator failed: roll back
            yield batch

    def run() -> None:
        try:
            write(received())
        except BaseException as exc:  # re-raised by the main thread below
            failure.append(exc)
        finally:
            stopped.set()
            connection.close()

    def hand(item: object) -> bool:
        while not stopped.is_set():
            try:
                handoff.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    writer = threading.Thread(target=run, name="seed-writer")
    writer.start()
    try:
        for batch in batches:
            if not hand(batch):
                break
        else:
            hand(_DONE)
    except BaseException as exc:
        hand(exc)
        raise
    finally:
        writer.join()
    if failure:
        raise failure[0]
