"""The schema steps that change every row (store/pg/schema.py MIGRATIONS ``step:<name>``),
run inside the migration's transaction on its connection.

``columns`` (version 1 -> 2): every table is rebuilt with a column per field. Version 1
kept each document whole as ``doc`` jsonb. Each one is moved under the id it had, through
the codec the tables read and write with (store/pg/codec.py), so it reads back exactly as
it was. The rows go by chunks: a server-side cursor reads them, COPY writes them (COPY
keeps the ids given, as INSERT ... OVERRIDING SYSTEM VALUE would).
"""

from __future__ import annotations

from typing import Any

import psycopg

from store.pg.schema import COLLECTIONS, INDEXES, SCHEMA, table_ddl

#: rows read and written at a time
CHUNK = 5000


def columns(conn: psycopg.Connection[Any]) -> None:
    for c in COLLECTIONS.values():
        bare = c.name.lstrip("_")
        old = f"{SCHEMA}.{bare}_v1"
        conn.execute(f"ALTER TABLE {c.table} RENAME TO {bare}_v1")
        # out of the new table's way: the old constraints' names, its identity's sequence
        for (name,) in conn.execute("SELECT conname FROM pg_constraint WHERE conrelid = "
                                    "%s::regclass", (old,)).fetchall():
            conn.execute(f'ALTER TABLE {old} DROP CONSTRAINT "{name}"')
        conn.execute(f"ALTER TABLE {old} ALTER COLUMN id DROP IDENTITY")
        conn.execute(table_ddl(c))
        _move(conn, old, c.table, c.codec)
        conn.execute(f"DROP TABLE {old}")
        conn.execute(f"SELECT setval(pg_get_serial_sequence('{c.table}', 'id'), "
                     f"max(id)) FROM {c.table} HAVING count(*) > 0")
    conn.execute(f"DROP INDEX IF EXISTS {SCHEMA}.outbox_status")
    for statement in INDEXES:
        conn.execute(statement)


def _move(conn: psycopg.Connection[Any], old: str, new: str, codec: Any) -> None:
    with conn.cursor(name=f"move_{new.replace('.', '_')}") as rows:
        rows.execute(f"SELECT id, doc FROM {old} ORDER BY id")
        while chunk := rows.fetchmany(CHUNK):
            with conn.cursor() as cur, cur.copy(
                    f"COPY {new} (id, {codec.sql_columns}) FROM STDIN") as copy:
                for row_id, doc in chunk:
                    copy.write_row([row_id, *codec.row(doc)])
