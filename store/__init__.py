"""Persistence layer: TinyDB in one JSON file shared safely by several kiosk processes.

Never imports Textual (enforced by import-linter). The rest of the code should use the
repositories in :mod:`store.repos`; :class:`Store` is for wiring and tests.
"""

from store.core import Store
from store.errors import (
    DuplicateError,
    StoreCorruptError,
    StoreError,
    StoreLockedError,
    StorePurposeError,
    StoreVersionError,
)
from store.paths import default_db_path
from store.repos import Accounts

__all__ = [
    "Accounts",
    "DuplicateError",
    "Store",
    "StoreCorruptError",
    "StoreError",
    "StoreLockedError",
    "StorePurposeError",
    "StoreVersionError",
    "default_db_path",
]
