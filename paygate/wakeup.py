"""Waking task workers as soon as work is queued, instead of when they next poll.

django-tasks-db's `db_worker` sleeps `--interval` seconds whenever its queue is empty, so a task
queued just after a poll waits up to that long (a payment took ~1.1 s end to end with the
default of one second). On PostgreSQL every queued task sends `NOTIFY paygate_tasks` in the
transaction that queues it — delivered when that transaction commits, so a worker never wakes
for a task it cannot see yet — and `manage.py worker` LISTENs for it, polling only as a fallback.
SQLite has no notifications: the worker polls often instead (a cheap query on a local file).
"""

from __future__ import annotations

import logging
import time
from typing import Any

import psycopg
from django.db import connections

logger = logging.getLogger("paygate.worker")

CHANNEL = "paygate_tasks"


def notify_workers(sender: Any, task_result: Any, **kwargs: Any) -> None:
    """`task_enqueued` receiver: tell listening workers, on commit, that a task is queued."""
    from django_tasks_db.backend import DatabaseBackend

    if not isinstance(task_result.task.get_backend(), DatabaseBackend):
        return
    connection = connections["default"]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"NOTIFY {CHANNEL}")


class Waiter:
    """Blocks until work may be due: a notification (PostgreSQL) or the poll interval."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self.listener: psycopg.Connection | None = None
        self.postgres = connections["default"].vendor == "postgresql"

    def _listen(self) -> psycopg.Connection:
        if self.listener is None or self.listener.closed:
            params = connections["default"].get_connection_params()
            params.pop("cursor_factory", None)
            params.pop("context", None)
            self.listener = psycopg.connect(**params, autocommit=True)
            self.listener.execute(f"LISTEN {CHANNEL}")
        return self.listener

    def wait(self) -> None:
        if not self.postgres:
            time.sleep(self.interval)
            return
        try:
            listener = self._listen()
            for _ in listener.notifies(timeout=self.interval, stop_after=1):
                pass
            for _ in listener.notifies(timeout=0):  # several tasks queued at once wake us once
                pass
        except psycopg.Error as exc:
            logger.warning(
                "LISTEN %s failed (%s); polling every %s s until it works again", CHANNEL, exc, self.interval
            )
            if self.listener is not None:
                self.listener.close()
            time.sleep(self.interval)

    def close(self) -> None:
        if self.listener is not None:
            self.listener.close()
