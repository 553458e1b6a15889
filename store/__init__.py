"""Persistence layer: a TinyDB snapshot and its journal, shared safely by several kiosk
processes (store/core.py, store/journal.py).

Never imports Textual (enforced by import-linter). The domain asks for what it needs
through the interface in :mod:`store.api`; :class:`Store` is for wiring and tests.
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
