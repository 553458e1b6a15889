"""The PostgreSQL store's schema: one table per collection, and the versions that made it.

Every collection the kiosk keeps is a table of its own in the schema ``nhi_kiosk``, never
one JSON blob: a row per document with the id the store gave it (``id``, increasing with
time), its key as a column with a unique constraint where the collection has one (an ID
number, a card number, an ATM NO, a code digest), and a column of its SQL type for every
field the kiosk writes (store/pg/fields.py; jsonb for a record or a list, such as a mail's
parameters or an audit entry's detail). The row's ``extra`` (jsonb) holds the rest: a
field no version declared, a value of another type than its column's
(store/pg/codec.py). The constraints are what the TinyDB store's lock and indexes
promise, kept by the database itself across processes and machines.

The schema is versioned: the ``meta`` row ``schema`` holds the version applied,
MIGRATIONS the steps from each version to the next. A store is opened only at this
program's version: an older one is refused with the command that migrates it
(``nhi-kiosk db migrate``), a newer one too.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from store.pg.codec import Codec, quoted
from store.pg.fields import FIELDS

SCHEMA = "nhi_kiosk"
VERSION = 2
#: the LISTEN/NOTIFY channel on which a commit names each table it changed, of these:
#: what a kiosk waits for another terminal to do (a phone approving a QR login, a device
#: bound from the app, a staff account disabled elsewhere). A NOTIFY costs the commit a
#: lock on the server's notification queue, so the others are not announced.
CHANNEL = "nhi_kiosk_changes"
ANNOUNCED = frozenset({"qr_logins", "devices", "staff"})


@dataclass(frozen=True)
class Collection:
    """A table: ``key`` the document field it is unique by (None: rows by id only),
    ``unique`` further fields that are unique where present, ``fields`` the others that
    are columns of their own (name, SQL type: store/pg/codec.py TYPES); the rest of a
    document is the row's ``extra``."""

    name: str
    key: str | None
    unique: tuple[str, ...] = ()
    fields: tuple[tuple[str, str], ...] = ()

    @property
    def table(self) -> str:
        return f"{SCHEMA}.{self.name.lstrip('_')}"

    @cached_property
    def codec(self) -> Codec:
        keyed = tuple((name, "text") for name in (self.key, *self.unique) if name)
        return Codec(keyed + self.fields, frozenset(name for name, _t in keyed))


#: the collections: (name, key, unique fields) each, its fields from store/pg/fields.py
_KEYS: tuple[tuple[str, str | None, tuple[str, ...]], ...] = (
    ("accounts", "id_no", ("card_no",)), ("outbox", None, ()), ("audit", None, ()),
    ("people", "id_no", ()), ("staff", "staff_id", ()), ("devices", "device_id", ()),
    ("codes", "code", ()), ("device_codes", "code", ()), ("qr_logins", "code", ()),
    ("card_applications", "atm_no", ()), ("bank_accounts", "key", ()),
    ("phone_lines", "phone", ()), ("batch_units", "unit", ()), ("attempts", "key", ()),
    ("migrations", "name", ()), ("_keys", "name", ()))
COLLECTIONS = {name: Collection(name, key, unique, FIELDS[name])
               for name, key, unique in _KEYS}


def create_table(c: Collection) -> str:
    """The table of ``c``, with the fields it has."""
    columns = ["id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY"]
    if c.key is not None:
        columns.append(f"{quoted(c.key)} text NOT NULL UNIQUE")
    columns += [f"{quoted(field)} text UNIQUE" for field in c.unique]
    columns += [f"{quoted(name)} {sql}" for name, sql in c.fields]
    columns.append("extra jsonb NOT NULL CHECK (jsonb_typeof(extra) = 'object')")
    return f"CREATE TABLE {c.table} ({', '.join(columns)})"


#: the indexes of version 2 on: what the kiosk's SQL looks rows up by, besides the keys
INDEXES = [f"CREATE INDEX outbox_status ON {SCHEMA}.outbox (status)"]
_META = f"CREATE TABLE {SCHEMA}.meta (name text PRIMARY KEY, value jsonb NOT NULL)"


def create_statements() -> list[str]:
    """An empty database made at this version at once (not through the older ones)."""
    return [f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}", _META,
            *(create_table(c) for c in COLLECTIONS.values()), *INDEXES]


# -- the versions --------------------------------------------------------------------------

#: version 1's tables, as they were made: (name, key, unique fields); each a key column,
#: those unique columns and the whole document as ``doc`` jsonb. Written out, not _KEYS:
#: version 1 stays as it was made, whatever the collections become
V1_TABLES = (
    ("accounts", "id_no", ("card_no",)), ("outbox", None, ()), ("audit", None, ()),
    ("people", "id_no", ()), ("staff", "staff_id", ()), ("devices", "device_id", ()),
    ("codes", "code", ()), ("device_codes", "code", ()), ("qr_logins", "code", ()),
    ("card_applications", "atm_no", ()), ("bank_accounts", "key", ()),
    ("phone_lines", "phone", ()), ("batch_units", "unit", ()), ("attempts", "key", ()),
    ("migrations", "name", ()), ("_keys", "name", ()))

#: version 2's fields, which its step builds the tables with. While 2 is the newest
#: version they are FIELDS itself; FIELDS_DIGEST says when FIELDS moves on (a test
#: compares): then the step needs them as they were, written out here.
V2_FIELDS = FIELDS
#: a digest of store/pg/fields.py FIELDS at this VERSION (tests/unit/test_pg_codec.py)
FIELDS_DIGEST = "02d35f56b9480107"


def _version_1() -> list[str]:
    statements = [
        f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}",
        f"CREATE TABLE IF NOT EXISTS {SCHEMA}.meta (name text PRIMARY KEY, value jsonb NOT NULL)",
    ]
    for name, key, unique in V1_TABLES:
        columns = ["id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY"]
        if key is not None:
            columns.append("key text NOT NULL UNIQUE")
        columns += [f"{field} text UNIQUE" for field in unique]
        columns.append("doc jsonb NOT NULL CHECK (jsonb_typeof(doc) = 'object')")
        statements.append(f"CREATE TABLE IF NOT EXISTS {SCHEMA}.{name.lstrip('_')} "
                          f"({', '.join(columns)})")
    statements.append(
        f"CREATE INDEX IF NOT EXISTS outbox_status ON {SCHEMA}.outbox ((doc->>'status'))")
    return statements


#: version -> the steps that make it from the one before (1: from nothing): SQL, or the
#: name of a step of store/pg/migrate.py (a change of every row). All the steps of a
#: migration run in one transaction with the version it records: a migration killed
#: half-way leaves the version before, whole. An empty database is made at VERSION at
#: once (create_statements).
MIGRATIONS: dict[int, list[str]] = {1: _version_1(), 2: ["step:columns"]}
