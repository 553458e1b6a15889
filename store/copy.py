"""``nhi-kiosk db copy FROM TO``: a store moved to another backend (a counter's file into
the site's PostgreSQL database, or back), whole.

Every collection is copied with its documents' ids (a mail, an audit entry and a row of a
scrub are referred to by them), into a store that holds nothing yet, in one transaction:
a copy that fails leaves the target as empty as it was. Then both stores are counted
again, collection by collection, and a difference is an error. A collection the target
cannot hold (an unknown table in a file) refuses the copy before anything is written:
nothing is left behind silently.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from store.api import StoreBackend
from store.errors import StoreError

Doc = dict[str, Any]
#: tables of the TinyDB store that are its own bookkeeping, not the kiosk's records
_BOOKKEEPING = ("_meta",)
#: the companion store that keeps them, for tables the TinyDB store keeps apart
_APART = {"attempts": "attempts"}


@dataclass(frozen=True)
class Copied:
    counts: dict[str, int]      # collection -> documents, the same on both sides


def collections(store: StoreBackend) -> dict[str, list[tuple[int, Doc]]]:
    """Every collection of ``store`` that holds documents: its rows with their ids."""
    names = _names(store)
    found = {}
    for name in names:
        holder = store.companion(_APART[name]) if name in _APART else store
        rows = holder.rows(name).all()
        if rows:
            found[name] = rows
    return found


def copy(source: StoreBackend, target: StoreBackend) -> Copied:
    """Copy every collection of ``source`` into the empty ``target`` (module docstring);
    StoreError if the target holds documents already, cannot hold a collection, or counts
    otherwise afterwards."""
    wanted = collections(source)
    unknown = sorted(name for name in wanted if not _holds(target, name))
    if unknown:
        raise StoreError(f"the target has no place for {', '.join(unknown)}; nothing copied")
    if collections(target):
        raise StoreError("the target already holds documents; a copy goes into an empty "
                         "store only (nothing was copied)")
    apart = {name: rows for name, rows in wanted.items() if name in _APART}
    with target.transaction():
        for name, rows in wanted.items():
            if name not in apart:
                target.load_rows(name, rows)
    for name, rows in apart.items():
        holder = target.companion(_APART[name])
        with holder.transaction():
            holder.load_rows(name, rows)
    counts = {name: len(rows) for name, rows in wanted.items()}
    again = {name: len(rows) for name, rows in collections(target).items()}
    if again != counts:
        raise StoreError(f"the copy counts otherwise: {counts} copied, {again} found")
    return Copied(counts)


def _holds(store: StoreBackend, name: str) -> bool:
    """Can ``store`` hold the collection ``name``? A file holds any; a PostgreSQL
    store the tables of its schema."""
    from store.core import Store

    return isinstance(store, Store) or name in _names(store)


def _names(store: StoreBackend) -> list[str]:
    """The collections ``store`` can hold (a PostgreSQL schema's), or holds (a file's)."""
    from store.core import Store

    if isinstance(store, Store):   # a companion file not made yet holds nothing: not made
        names = set(store.db().tables()) - set(_BOOKKEEPING)
        names |= {name for name in _APART if store.companion_path(_APART[name]).exists()}
        return sorted(names)
    from store.pg.schema import COLLECTIONS

    return sorted(COLLECTIONS)
