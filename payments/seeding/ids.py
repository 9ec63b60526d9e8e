"""Public ids drawn in batches, and primary keys handed out before the rows are written."""

from __future__ import annotations

import os

from django.db import connection, models

from paygate.lib.ids import ALPHABET, RANDOM_LENGTH

# --- public ids ---------------------------------------------------------------------------------

# bytes 0..247 map uniformly onto the 62 letters (248 = 4 × 62); 248..255 are dropped.
_ID_TABLE = bytes(ord(ALPHABET[i % len(ALPHABET)]) if i < 248 else 0 for i in range(256))
_ID_DROP = bytes(range(248, 256))


def public_ids(prefix: str, count: int) -> list[str]:
    """`count` ids shaped like `new_id(prefix)`: RANDOM_LENGTH base62 characters from os.urandom."""
    need = count * RANDOM_LENGTH
    chunks: list[bytes] = []
    have = 0
    while have < need:
        chunk = os.urandom(int((need - have) * 1.04) + 64).translate(_ID_TABLE, _ID_DROP)
        chunks.append(chunk)
        have += len(chunk)
    letters = b"".join(chunks)[:need].decode()
    head = f"{prefix}_"
    return [head + letters[i : i + RANDOM_LENGTH] for i in range(0, need, RANDOM_LENGTH)]


class _PublicIds:
    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.pool: list[str] = []

    def next(self) -> str:
        if not self.pool:
            self.pool = public_ids(self.prefix, 10_000)
        return self.pool.pop()


# --- primary keys -------------------------------------------------------------------------------


class _Keys:
    """Primary keys handed out before the rows are written, so that rows can point at each other.

    PostgreSQL: reserved from the table's sequence (`nextval`), safe next to other writers.
    SQLite: counted up from MAX(id) read inside the seeding transaction, which holds SQLite's
    write lock (IMMEDIATE) until it commits.
    """

    def __init__(self, model: type[models.Model]) -> None:
        self.table = model._meta.db_table
        self.column = model._meta.pk.column
        self.pool: list[int] = []
        self.position = 0
        self.last: int | None = None
        if connection.vendor != "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f'SELECT COALESCE(MAX("{self.column}"), 0) FROM "{self.table}"')  # noqa: S608
                self.last = cursor.fetchone()[0]

    def take(self, count: int) -> list[int]:
        if count <= 0:
            return []
        if self.last is not None:
            start = self.last + 1
            self.last += count
            return list(range(start, start + count))
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [self.table, self.column, count],
            )
            return sorted(row[0] for row in cursor.fetchall())

    def next(self) -> int:
        if self.position >= len(self.pool):
            self.pool = self.take(5_000)
            self.position = 0
        self.position += 1
        return self.pool[self.position - 1]
