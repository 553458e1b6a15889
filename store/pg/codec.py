"""A document as a row of its table (store/pg/schema.py) and back, exactly.

Each field the table declares is a column of its SQL type, holding the field's value when
the value has that type and comes back unchanged; a ``jsonb`` column holds a field whose
value is a record or a list. Everything else of the document (fields not declared, a
declared field that is None or has another type) is kept in the row's ``extra`` jsonb.
Reading a row gives the document it was made from: the columns that are not NULL, then
``extra`` over them. So a column never changes what a document says, and a document the
kiosk did not foresee is still kept whole.

The key and unique fields are text columns the database keeps unique: they always hold
the value as text (a value of another type is also kept in ``extra``, which wins).

Times: the kiosk writes ISO-8601 strings from its clock, at +08:00 (Taipei keeps no
daylight saving). Such a string is a ``timestamptz`` and is read back at +08:00, to the
same string; a time at another offset, or written differently, stays text in ``extra``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from typing import Any

from psycopg.types.json import Jsonb

#: the offset of the kiosk's clock (kiosk/domain/clock.py TAIPEI)
KIOSK_OFFSET = timezone(timedelta(hours=8))
_INT8 = range(-(2**63), 2**63)
#: years a date or time column holds: the rest (year 1 at +08:00 is year 0 in UTC, which
#: Python cannot read back) stays text in extra
_YEARS = range(1000, 9999)

Doc = dict[str, Any]


def _text(value: Any) -> Any:
    return value if isinstance(value, str) else None


def _boolean(value: Any) -> Any:
    return value if isinstance(value, bool) else None


def _bigint(value: Any) -> Any:
    return value if type(value) is int and value in _INT8 else None


def _jsonb(value: Any) -> Any:
    return Jsonb(value) if isinstance(value, dict | list) else None


def _date(value: Any) -> Any:
    if not isinstance(value, str) or len(value) != 10:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return None
    return day if day.isoformat() == value and day.year in _YEARS else None


def _timestamptz(value: Any) -> Any:
    if not isinstance(value, str) or not 19 <= len(value) <= 32:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.utcoffset() != KIOSK_OFFSET.utcoffset(None) or moment.year not in _YEARS:
        return None
    return moment if moment.isoformat() == value else None


def _from_date(value: Any) -> Any:
    return value.isoformat()


def _from_timestamptz(value: Any) -> Any:
    return value.astimezone(KIOSK_OFFSET).isoformat()


#: SQL type -> (the column's value for a document's value, or None: it goes to extra;
#: the document's value for a column's value)
TYPES: dict[str, tuple[Callable[[Any], Any], Callable[[Any], Any] | None]] = {
    "text": (_text, None),
    "boolean": (_boolean, None),
    "bigint": (_bigint, None),
    "jsonb": (_jsonb, None),
    "date": (_date, _from_date),
    "timestamptz": (_timestamptz, _from_timestamptz),
}


class Codec:
    """The rows of one table: ``columns`` (name, SQL type) in order, then ``extra``;
    ``always`` the key and unique columns, which hold every value present, as text."""

    def __init__(self, columns: tuple[tuple[str, str], ...], always: frozenset[str]) -> None:
        self.names = tuple(name for name, _type in columns)
        self._to = [TYPES[sql][0] for _name, sql in columns]
        self._from = [TYPES[sql][1] for _name, sql in columns]
        self._always = [name in always for name in self.names]
        self.sql_columns = ", ".join([*(quoted(n) for n in self.names), "extra"])

    def row(self, doc: Doc) -> list[Any]:
        """The values of the columns and then ``extra`` (as Jsonb) for ``doc``."""
        extra = dict(doc)
        values: list[Any] = []
        for name, to, always in zip(self.names, self._to, self._always, strict=True):
            if name not in doc:
                values.append(None)
                continue
            value = doc[name]
            kept = to(value)
            if kept is not None:
                del extra[name]
            elif always and value is not None:
                kept = str(value)   # unique as text; the value itself stays in extra
            values.append(kept)
        values.append(Jsonb(extra))
        return values

    def doc(self, row: tuple[Any, ...] | list[Any]) -> Doc:
        """The document of a row read as ``SELECT <sql_columns>`` (a fresh dict)."""
        doc: Doc = {}
        for name, back, value in zip(self.names, self._from, row[:-1], strict=True):
            if value is not None:
                doc[name] = value if back is None else back(value)
        extra = row[-1]
        if extra:
            doc.update(extra)
        return doc


def quoted(name: str) -> str:
    """A column name as SQL: quoted, as a field may be a reserved word ("to", "key")."""
    if not name.replace("_", "").isalnum() or not name.isascii():
        raise ValueError(f"not a column name: {name!r}")
    return f'"{name}"'
