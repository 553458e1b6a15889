"""Many accounts at once (batch registration): one transaction, one rewrite of the file.

Each account arrives with the mail that announces it; an account whose ID number is
already stored — registered earlier, or by another process while this one prepared its
rows — is skipped together with its mail, decided under the cross-process lock.
"""

from __future__ import annotations

from typing import Any

from store.core import Store
from store.outbox import Outbox, new_record
from store.repos import Accounts


def add_new_accounts(store: Store, pairs: list[tuple[dict[str, Any], dict[str, Any]]]
                     ) -> list[str]:
    """Insert each (account, mail) whose ``id_no`` is new; return the ID numbers added."""
    added: list[str] = []
    with store.transaction() as db:
        accounts = db.table(Accounts.TABLE)
        outbox = db.table(Outbox.TABLE)
        known = {doc["id_no"] for doc in accounts.all()}
        new_accounts, new_mails = [], []
        for account, mail in pairs:
            if account["id_no"] in known:
                continue
            known.add(account["id_no"])
            new_accounts.append(account)
            new_mails.append(new_record(mail))
            added.append(account["id_no"])
        if new_accounts:
            accounts.insert_multiple(new_accounts)
            outbox.insert_multiple(new_mails)
    return added
