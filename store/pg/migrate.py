"""The schema steps that change every row (store/pg/schema.py MIGRATIONS ``step:<name>``),
run inside the migration's transaction on its connection.

``columns`` (version 1 -> 2): every table is rebuilt with a column per field, as version 2
declared them (schema.V2_FIELDS). Version 1 kept each document whole as ``doc`` jsonb.
Each one is moved under the id it had, through the codec the tables read and write with
(store/pg/codec.py), so it reads back exactly as it was; new ids go on from where the old
table's got to. The rows go by chunks: a server-side cursor reads them, COPY writes them (COPY
keeps the ids given, as INSERT ... OVERRIDING SYSTEM VALUE would).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import psycopg

from store.pg.schema import COLLECTIONS, INDEXES, SCHEMA, V2_FIELDS, create_table

#: rows read and written at a time
CHUNK = 5000


def columns(conn: psycopg.Connection[Any]) -> None:
    for c in COLLECTIONS.values():
        bare = c.name.lstrip("_")
        old = f"{SCHEMA}.{bare}_v1"
        conn.execute(f"ALTER TABLE {c.table} RENAME TO {bare}_v1")
        # where the old ids got to, deleted rows and rolled-back inserts included: the new
        # table goes on from there (an id is never handed out twice)
        (last,) = conn.execute(
            f"SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM "
            f"{_sequence_of(conn, old)}").fetchone() or (0,)
        # out of the new table's way: the names of the old keys' indexes (a primary key,
        # the unique ones), and its identity's sequence
        for (name,) in conn.execute("SELECT conname FROM pg_constraint WHERE conrelid = "
                                    "%s::regclass AND contype IN ('p', 'u')",
                                    (old,)).fetchall():
            conn.execute(f'ALTER TABLE {old} DROP CONSTRAINT "{name}"')
        conn.execute(f"ALTER TABLE {old} ALTER COLUMN id DROP IDENTITY")
        v2 = replace(c, fields=V2_FIELDS[c.name])
        conn.execute(create_table(v2))
        _move(conn, old, c.table, v2.codec)
        conn.execute(f"DROP TABLE {old}")   # its indexes with it (outbox_status)
        conn.execute(f"SELECT setval(pg_get_serial_sequence('{c.table}', 'id'), "
                     f"greatest(%s, max(id))) FROM {c.table} "
                     "HAVING greatest(%s, max(id)) > 0", (last, last))
    for statement in INDEXES:
        conn.execute(statement)


def _sequence_of(conn: psycopg.Connection[Any], table: str) -> str:
    row = conn.execute("SELECT pg_get_serial_sequence(%s, 'id')", (table,)).fetchone()
    assert row is not None and row[0], f"{table} has no identity"
    return str(row[0])


def _move(conn: psycopg.Connection[Any], old: str, new: str, codec: Any) -> None:
    with conn.cursor(name=f"move_{new.replace('.', '_')}") as rows:
        rows.execute(f"SELECT id, doc FROM {old} ORDER BY id")
        while chunk := rows.fetchmany(CHUNK):
            with conn.cursor() as cur, cur.copy(
                    f"COPY {new} (id, {codec.sql_columns}) FROM STDIN") as copy:
                for row_id, doc in chunk:
                    copy.write_row([row_id, *codec.row(doc)])
