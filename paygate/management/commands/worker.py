"""manage.py worker: runs queued tasks like django-tasks-db's `db_worker`, and is woken as soon as
a task is queued (PostgreSQL LISTEN/NOTIFY; a short poll on SQLite) — see paygate/wakeup.py."""

from __future__ import annotations

import logging
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import connections
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Worker

from paygate.wakeup import Waiter


class _EachBatch(logging.Filter):
    """The library logs its start and its end of every batch; here a batch is every wake-up."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(("Starting worker", "No more tasks to run"))


class Command(BaseCommand):
    help = (
        "Run queued tasks (payments, refunds, webhook deliveries) until stopped. Any number of workers may "
        "run on any number of machines: each task is claimed by one. On PostgreSQL a queued task wakes the "
        "workers at once; --interval is then only the fallback poll (and when a deferred retry falls due)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--interval",
            type=float,
            default=None,
            help="Seconds between polls when nothing woke the worker (default: 1 on PostgreSQL, 0.1 on SQLite).",
        )
        parser.add_argument(
            "--queue-name", default="default", help="Queues to run, comma-separated (default: default)."
        )
        parser.add_argument("--worker-id", default=None, help="An id for this worker (default: random).")

    def handle(self, *args: Any, **options: Any) -> None:
        postgres = connections["default"].vendor == "postgresql"
        interval = options["interval"] if options["interval"] is not None else (1.0 if postgres else 0.1)
        # Batch mode: run every task that is due, then return here to wait for the next wake-up.
        worker = Worker(
            queue_names=options["queue_name"].split(","),
            interval=0.05,  # only while SQLite reports the database locked
            batch=True,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id=options["worker_id"] or get_random_string(32),
            excluded_queue_names=[],
        )
        worker.configure_signals()
        logging.getLogger("django_tasks_db").addFilter(_EachBatch())
        waiter = Waiter(interval)
        self.stdout.write(
            f"worker {worker.worker_id}: {'LISTEN/NOTIFY' if postgres else 'polling'}, every {interval} s"
        )
        try:
            while worker.running:
                worker.run()
                if worker.running:
                    waiter.wait()
        finally:
            waiter.close()
