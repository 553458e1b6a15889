"""A document as a row of its PostgreSQL table and back (store/pg/codec.py): exactly the
document it was, whatever it holds; typed values in their columns, the rest in ``extra``.
The rows are made as the database gives them back (times in UTC, jsonb as a dict)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tests.integration.helpers import in_ci

psycopg = __import__("psycopg") if in_ci() else pytest.importorskip("psycopg")

from psycopg.types.json import Jsonb  # noqa: E402

from store.pg.codec import Codec  # noqa: E402  (needs psycopg)

CODEC = Codec((("id_no", "text"), ("card_no", "text"), ("active", "boolean"),
               ("tries", "bigint"), ("born", "date"),
               ("at", "timestamptz"), ("to", "text"), ("detail", "jsonb")),
              frozenset({"id_no", "card_no"}))


def stored(doc: dict) -> tuple[list, dict]:
    """The row's columns as the database returns them, and its extra."""
    *columns, extra = CODEC.row(doc)
    back = [v.astimezone(UTC) if isinstance(v, datetime) else
            v.obj if isinstance(v, Jsonb) else v for v in columns]
    return back, extra.obj


def round_trip(doc: dict) -> dict:
    columns, extra = stored(doc)
    return CODEC.doc([*columns, extra])


def test_a_document_of_the_kiosks_own_values_is_all_columns():
    doc = {"id_no": "A123456789", "card_no": "000011112222", "active": True, "tries": 3,
           "born": "1958-02-28", "at": "2026-12-02T09:15:00.250000+08:00",
           "to": "wang@example.com", "detail": {"n": [1, {"x": None}]}}
    columns, extra = stored(doc)
    assert extra == {}
    assert columns[7] == {"n": [1, {"x": None}]}
    assert columns[4] == date(1958, 2, 28)
    assert columns[5] == datetime(2026, 12, 2, 1, 15, 0, 250000, tzinfo=UTC)
    assert round_trip(doc) == doc


@pytest.mark.parametrize("field, value", [
    ("active", 1), ("active", None), ("tries", True), ("tries", "3"), ("tries", 2**63),
    ("tries", 1.0), ("born", "1958-2-28"), ("born", "19580228"), ("born", "1958-02-30"),
    ("born", "0001-01-01"), ("at", "0001-01-01T00:00:00+08:00"),
    ("at", "2026-12-02T09:15+08:00"), ("at", "2026-12-02T09:15:00"), ("at", "2026-12-02T09:15:00Z"),
    ("at", "2026-12-02T10:15:00+09:00"), ("at", "2026-12-02 09:15:00+08:00"),
    ("at", 1764638100), ("to", ["a", "b"]), ("to", {"name": "x"}), ("to", None),
    ("detail", "text"), ("detail", None), ("detail", 3),
])
def test_a_value_of_another_kind_is_kept_in_extra_and_read_back_as_it_was(field, value):
    doc = {"id_no": "A123456789", field: value}
    _columns, extra = stored(doc)
    assert extra == {field: value}
    assert round_trip(doc) == doc


def test_a_unique_value_that_is_not_text_is_unique_as_text_and_read_back_as_it_was():
    doc = {"id_no": "A123456789", "card_no": 11112222}
    columns, extra = stored(doc)
    assert columns[1] == "11112222" and extra == {"card_no": 11112222}
    assert round_trip(doc) == doc


def test_fields_not_declared_stay_free_form_and_absent_ones_stay_absent():
    doc = {"id_no": "A123456789", "params": {"seed": "s", "n": [1, 2]}, "note": "備註"}
    columns, extra = stored(doc)
    assert columns[1:] == [None] * 7
    assert extra == {"params": {"seed": "s", "n": [1, 2]}, "note": "備註"}
    assert round_trip(doc) == doc
    assert "active" not in round_trip(doc)


def test_an_account_the_kiosk_registers_is_columns_but_for_its_nones():
    """The real schema (store/pg/fields.py) on a document as the registration makes it."""
    from store.pg.schema import COLLECTIONS

    account = {"id_no": "A123456789", "card_no": "000011112222",
               "card_issue_date": "2020-01-01", "name": "王小明", "birth_date": "1958-02-28",
               "state": "pending", "password_hash": "scrypt$16384$8$1$c2FsdA$ZGlnZXN0",
               "email": "wang@example.com", "phone": "0912000111",
               "created_at": "2026-12-02T09:15:00.123456+08:00", "confirmed_at": None,
               "must_change_password": False, "registered_via": "counter",
               "counter_document": {"kind": "passport", "number": "312345678"},
               "counter_staff": "chen01"}
    *_columns, extra = COLLECTIONS["accounts"].codec.row(account)
    assert extra.obj == {"confirmed_at": None}


def test_the_fields_are_those_of_this_schema_version():
    """A changed FIELDS is a new schema: add a version to schema.MIGRATIONS (its step from
    the fields of the version before, written out as V2_FIELDS is), then the new digest."""
    import hashlib

    from store.pg.fields import FIELDS
    from store.pg.schema import FIELDS_DIGEST

    digest = hashlib.sha256(repr(sorted(FIELDS.items())).encode()).hexdigest()[:16]
    assert digest == FIELDS_DIGEST
