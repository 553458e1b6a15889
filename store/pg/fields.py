"""The fields the kiosk writes, table by table, each a column of its SQL type (besides the
key and unique fields, store/pg/schema.py). A field that holds a record or a list of its
own (a payment, an address, a mail's parameters, an audit entry's detail) is a ``jsonb``
column: the genuinely free-form parts. What a document holds beyond these, or a value of
another type than its column's, is kept in the row's ``extra`` (store/pg/codec.py), so a
field added to the kiosk later is stored whole before a version makes it a column.

Changing this mapping changes the schema: it takes a new version in schema.MIGRATIONS.
"""

from __future__ import annotations

Fields = tuple[tuple[str, str], ...]


def _of(sql: str, *names: str) -> Fields:
    return tuple((name, sql) for name in names)


FIELDS: dict[str, Fields] = {
    "accounts": (
        *_of("text", "name", "state", "password_hash", "email", "phone", "registered_via",
             "counter_staff"),
        *_of("date", "card_issue_date", "birth_date"),
        *_of("timestamptz", "created_at", "confirmed_at"),
        *_of("boolean", "must_change_password", "placeholder"),
        *_of("jsonb", "counter_document", "suspension"),
    ),
    "outbox": (
        *_of("text", "to", "kind", "subject", "body", "status", "last_error"),
        *_of("boolean", "final"),
        *_of("bigint", "attempts"),
        *_of("timestamptz", "created_at", "next_attempt_at", "expires_at", "claimed_until",
             "sent_at", "last_attempt_at"),
        *_of("jsonb", "params", "attach"),
    ),
    "audit": (
        *_of("bigint", "seq"),
        *_of("timestamptz", "at"),
        *_of("text", "staff_id", "action", "person", "prev", "mac", "hash"),
        *_of("jsonb", "detail"),
    ),
    "people": (
        *_of("text", "name", "household_no", "card_no"),
        *_of("date", "birth_date", "card_issue_date"),
        *_of("jsonb", "address", "permit", "dependants"),
    ),
    "staff": (
        *_of("text", "name", "password_hash"),
        *_of("boolean", "active"),
        *_of("timestamptz", "created_at", "disabled_at"),
    ),
    "devices": (
        *_of("text", "id_no", "name", "phone", "code"),
        *_of("timestamptz", "bound_at", "last_used"),
    ),
    "codes": (
        *_of("text", "purpose", "id_no"),
        *_of("timestamptz", "expires_at", "used_at"),
        *_of("jsonb", "data"),
    ),
    "qr_logins": (
        *_of("text", "id_no", "state", "device_id"),
        *_of("timestamptz", "expires_at"),
    ),
    "card_applications": (
        *_of("text", "applicant_id", "target", "holder_id", "holder_name", "reason", "email",
             "phone", "pickup"),
        *_of("date", "holder_birth"),
        *_of("boolean", "with_photo"),
        *_of("timestamptz", "created_at"),
        *_of("jsonb", "mail_address", "payment", "slot"),
    ),
    "bank_accounts": _of("text", "bank", "account", "holder_id"),
    "phone_lines": (
        *_of("text", "carrier", "plan", "holder_id", "status"),
        *_of("boolean", "mvno"),
    ),
    "batch_units": _of("jsonb", "submitted", "unidentified"),
    "attempts": (
        *_of("bigint", "failures"),
        *_of("timestamptz", "first_at", "locked_until"),
        *_of("text", "epoch"),
    ),
    "migrations": _of("timestamptz", "at"),
    "_keys": _of("text", "check"),
}
FIELDS["device_codes"] = FIELDS["codes"]
