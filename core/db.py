"""Bulk writes shared by imports and the audit trail."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection


def rows_insert(*, table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> int:
    """Insert `rows` (values already prepared for the database) into `table`, in the caller's
    transaction. PostgreSQL gets COPY, several times faster than row-by-row INSERTs for
    province-wide files; other databases get one prepared INSERT run with executemany."""
    if not rows:
        return 0
    qn = connection.ops.quote_name
    names = ", ".join(qn(column) for column in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {qn(table)} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            placeholders = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {qn(table)} ({names}) VALUES ({placeholders})", rows)
    return len(rows)
