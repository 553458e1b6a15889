"""A store from before secrets were kept out of it is scrubbed once, the first time a kiosk
with the machine key opens it (see kiosk.domain.keyring for the rules it brings in).

What an older kiosk left in plain text, and what becomes of it:

* codes (mail and device codes) — re-stored under their keyed digest: a code already
  mailed keeps working;
* QR-login requests — dropped (they last three minutes; the kiosk asks again);
* a confirmation mail (verification, reset, e-mail change) that kept its code and body —
  if it was not sent yet, its code is replaced by a new one derived from a seed (nobody has
  seen the old one); once sent, its text is dropped (the holder has it);
* a batch welcome mail that kept its default password — if it was not sent yet, the
  holder's default password is replaced by a derived one (its hash too, while the holder
  has not chosen their own); once sent, the password is dropped.

The scrub runs in one store transaction and records itself (table ``migrations``), so it
runs once per store, and every process agrees.
"""

from __future__ import annotations

import re
from collections.abc import Callable, MutableMapping
from typing import Any

from tinydb import TinyDB

from kiosk.domain.codes import ALPHABET, LENGTH, code_digest
from kiosk.domain.keyring import Keyring, new_seed
from kiosk.domain.mail import CONFIRMATION_KINDS, MailKind
from kiosk.domain.passwords import (
    MACHINE_ALPHABET,
    MACHINE_LENGTH,
    hash_machine_password,
    verify_password,
)
from store.core import Store
from store.keyed import KeyedTable
from store.outbox import FAILED, QUEUED, Outbox

NAME = "secrets-at-rest"
_DIGEST = re.compile(r"[0-9a-f]{64}")
_MAIL_TEXT = ("body", "code", "link")


def scrub_once(store: Store, keyring: Callable[[], Keyring], machine_key: Callable[[], bytes],
               now: str) -> bool:
    """Scrub ``store`` if no kiosk has yet; True when this call did it."""
    done = KeyedTable(store, "migrations", "name")
    if done.get(NAME) is not None:
        return False
    # the key is loaded (and its check value recorded) before the transaction: both may
    # write to the store, and transactions do not nest
    legacy = _has_legacy(store.db())
    ring, key = (keyring(), machine_key()) if legacy else (None, b"")
    with store.transaction() as db:
        if db.table("migrations").search(lambda d: d.get("name") == NAME):
            return False      # another process was quicker
        if _has_legacy(db):
            if ring is None:
                return False  # none a moment ago (older kiosks write none): next time
            _codes(db, ring)
            db.table("qr_logins").remove(lambda d: not _DIGEST.fullmatch(str(d.get("code"))))
            _mails(db, ring, key)
        db.table("migrations").insert({"name": NAME, "at": now})
        store.erase_soon()   # the journal still holds what was scrubbed
    return True


def _has_legacy(db: TinyDB) -> bool:
    plain = lambda d: not _DIGEST.fullmatch(str(d.get("code")))  # noqa: E731
    return (any(db.table(t).search(plain) for t in ("codes", "device_codes", "qr_logins"))
            or any(_legacy_mail(m) for m in db.table(Outbox.TABLE).all()))


def _legacy_mail(mail: dict[str, Any]) -> bool:
    params = mail.get("params") or {}
    return ((mail.get("kind") in CONFIRMATION_KINDS and any(k in mail for k in _MAIL_TEXT))
            or (mail.get("kind") == MailKind.BATCH_WELCOME and "password" in params))


def _codes(db: TinyDB, ring: Keyring) -> None:
    for name, case_sensitive in (("codes", False), ("device_codes", True)):
        table = db.table(name)
        for doc in table.all():
            if not _DIGEST.fullmatch(str(doc.get("code"))):
                digest = code_digest(ring, name, str(doc["code"]), case_sensitive=case_sensitive)
                table.update({"code": digest}, doc_ids=[doc.doc_id])


def _pending(mail: dict[str, Any]) -> bool:
    return mail.get("status") == QUEUED or (mail.get("status") == FAILED
                                            and not mail.get("final"))


def _mails(db: TinyDB, ring: Keyring, key: bytes) -> None:
    outbox, codes = db.table(Outbox.TABLE), db.table("codes")
    accounts = db.table("accounts")
    for mail in outbox.all():
        if not _legacy_mail(mail):
            continue
        fresh = {k: v for k, v in mail.items() if k not in _MAIL_TEXT}
        params = dict(mail.get("params") or {})
        if mail["kind"] == MailKind.BATCH_WELCOME:
            old = params.pop("password")
            if _pending(mail):
                params |= _new_default(accounts, mail["to"], old, ring, key)
        elif _pending(mail):
            params = _new_code(codes, mail, ring)
        else:
            params = {"expires_at": mail.get("expires_at")} if mail.get("expires_at") else {}
        fresh["params"] = params

        def replace(doc: MutableMapping[str, Any], new: dict[str, Any] = fresh) -> None:
            doc.clear()
            doc.update(new)

        outbox.update(replace, doc_ids=[mail.doc_id])


def _new_default(accounts: Any, to: str, old: str, ring: Keyring, key: bytes
                 ) -> dict[str, str]:
    """A derived default password for the holder whose hash the old one still opens."""
    for account in accounts.search(lambda a: a.get("email") == to
                                   and a.get("must_change_password")):
        if verify_password(old, account.get("password_hash", ""), key):
            seed = new_seed()
            password = ring.derive(seed, MACHINE_ALPHABET, MACHINE_LENGTH)
            accounts.update({"password_hash": hash_machine_password(password, key)},
                            doc_ids=[account.doc_id])
            return {"seed": seed, "holder": ring.digest("holder", account["id_no"])}
    return {}    # the holder chose a password meanwhile: nothing left to send


def _new_code(codes: Any, mail: dict[str, Any], ring: Keyring) -> dict[str, Any]:
    """The unsent mail's code, replaced by a derived one (the code record follows)."""
    old = code_digest(ring, "codes", str(mail.get("code", "")))
    found = codes.search(lambda d: d.get("code") == old)
    if not found:
        return {}    # used, voided or never stored: the mail has nothing to carry
    seed = new_seed()
    code = ring.derive(seed, ALPHABET, LENGTH)
    codes.update({"code": code_digest(ring, "codes", code)}, doc_ids=[found[0].doc_id])
    return {"seed": seed, "expires_at": found[0]["expires_at"]}

