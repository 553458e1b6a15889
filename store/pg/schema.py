"""The PostgreSQL store's schema: one table per collection, and the versions that made it.

Every collection the kiosk keeps is a table of its own in the schema ``nhi_kiosk``, never
one JSON blob: a row per document with the id the store gave it (``id``, increasing with
time), its key as a column with a primary-key or unique constraint where the collection has
one (an ID number, a card number, an ATM NO, a code digest), and the document as ``jsonb``.
The constraints are what the TinyDB store's lock and indexes promise, kept by the database
itself across processes and machines.

The schema is versioned: ``schema_version`` holds the version applied, MIGRATIONS the steps
from each version to the next. A store is opened only at this program's version: an older
one is refused with the command that migrates it (``nhi-kiosk db migrate``), a newer one too.
"""

from __future__ import annotations

from dataclasses import dataclass

SCHEMA = "nhi_kiosk"
VERSION = 1
#: the LISTEN/NOTIFY channel on which a commit names each table it changed, of these:
#: what a kiosk waits for another terminal to do (a phone approving a QR login, a device
#: bound from the app, a staff account disabled elsewhere). A NOTIFY costs the commit a
#: lock on the server's notification queue, so the others are not announced.
CHANNEL = "nhi_kiosk_changes"
ANNOUNCED = frozenset({"qr_logins", "devices", "staff"})


@dataclass(frozen=True, slots=True)
class Collection:
    """A table: ``key`` the document field it is unique by (None: rows by id only),
    ``unique`` further fields that are unique where present."""

    name: str
    key: str | None
    unique: tuple[str, ...] = ()

    @property
    def table(self) -> str:
        return f"{SCHEMA}.{self.name.lstrip('_')}"


COLLECTIONS = {c.name: c for c in (
    Collection("accounts", "id_no", ("card_no",)),
    Collection("outbox", None),
    Collection("audit", None),
    Collection("people", "id_no"),
    Collection("staff", "staff_id"),
    Collection("devices", "device_id"),
    Collection("codes", "code"),
    Collection("device_codes", "code"),
    Collection("qr_logins", "code"),
    Collection("card_applications", "atm_no"),
    Collection("bank_accounts", "key"),
    Collection("phone_lines", "phone"),
    Collection("batch_units", "unit"),
    Collection("attempts", "key"),
    Collection("migrations", "name"),
    Collection("_keys", "name"),
)}


def _table_ddl(c: Collection) -> str:
    columns = ["id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY"]
    if c.key is not None:
        columns.append("key text NOT NULL UNIQUE")
    columns += [f"{field} text UNIQUE" for field in c.unique]
    columns.append("doc jsonb NOT NULL CHECK (jsonb_typeof(doc) = 'object')")
    return f"CREATE TABLE IF NOT EXISTS {c.table} ({', '.join(columns)})"


def _version_1() -> list[str]:
    return [
        f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}",
        f"CREATE TABLE IF NOT EXISTS {SCHEMA}.meta (name text PRIMARY KEY, value jsonb NOT NULL)",
        *(_table_ddl(c) for c in COLLECTIONS.values()),
        f"CREATE INDEX IF NOT EXISTS outbox_status ON {SCHEMA}.outbox ((doc->>'status'))",
    ]


#: version -> the statements that make it from the one before (1: from nothing). Each step
#: may be run again over its own result (IF NOT EXISTS): a migration killed half-way is run
#: again whole, in one transaction with the version it records.
MIGRATIONS: dict[int, list[str]] = {1: _version_1()}
