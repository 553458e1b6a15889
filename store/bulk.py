"""Many accounts at once (batch registration): one transaction, one rewrite of the file.

Each account arrives with the mail that announces it; an account whose ID number is
already stored — registered earlier, or by another process while this one prepared its
rows — is skipped together with its mail, decided under the cross-process lock.

The documents are stored as given, not copied (:meth:`Store.append`): at 100,000 rows a
second copy of every account and mail was the largest part of the import's memory, and
the caller builds them outside the lock, so other kiosks wait only for the store itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from store.core import Store, raw_table
from store.mail_records import new_pairs
from store.outbox import Outbox
from store.repos import Accounts


def add_new_accounts(store: Store, pairs: Iterable[tuple[dict[str, Any], dict[str, Any]]],
                     *, then: Callable[[list[str]], None] | None = None) -> list[str]:
    """Insert each (account, mail) whose ``id_no`` is new; return the ID numbers added.

    ``then`` runs inside the same transaction with those ID numbers (a unit's progress), so
    the accounts, their mails and what ``then`` writes are one commit: a kill between two
    commits can no longer leave the accounts in and the progress unrecorded. The dicts are
    taken over: do not change them afterwards."""
    with store.transaction() as db:
        stored = raw_table(db, Accounts.TABLE)  # raw: no Document copies
        known = {doc["id_no"] for doc in stored.values() if "id_no" in doc}
        new_accounts, new_mails, added = new_pairs(pairs, known)
        store.append(Accounts.TABLE, new_accounts)
        store.append(Outbox.TABLE, new_mails)
        if then is not None:
            then(added)
    return added
