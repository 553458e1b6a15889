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
from collections.abc import Callable
from typing import Any

from kiosk.domain.codes import ALPHABET, LENGTH, code_digest
from kiosk.domain.keyring import Keyring, new_seed
from kiosk.domain.mail import CONFIRMATION_KINDS, MailKind
from kiosk.domain.passwords import (
    MACHINE_ALPHABET,
    MACHINE_LENGTH,
    hash_machine_password,
    verify_password,
)
from store.api import FAILED, QUEUED, Rows, StoreBackend

NAME = "secrets-at-rest"
OUTBOX = "outbox"    # the outbox's table (store/outbox.py), read here as plain rows
_DIGEST = re.compile(r"[0-9a-f]{64}")
_MAIL_TEXT = ("body", "code", "link")


def scrub_once(store: StoreBackend, keyring: Callable[[], Keyring],
               machine_key: Callable[[], bytes], now: str) -> bool:
    """Scrub ``store`` if no kiosk has yet; True when this call did it."""
    done = store.keyed("migrations", "name")
    if done.get(NAME) is not None:
        return False
    # the key is loaded (and its check value recorded) before the transaction: both may
    # write to the store, and transactions do not nest
    legacy = _has_legacy(store)
    ring, key = (keyring(), machine_key()) if legacy else (None, b"")
    with store.transaction():
        if done.get(NAME) is not None:
            return False      # another process was quicker
        if _has_legacy(store):
            if ring is None:
                return False  # none a moment ago (older kiosks write none): next time
            _codes(store, ring)
            logins = store.rows("qr_logins")
            for row, doc in logins.all():
                if _plain(doc):
                    logins.remove(row)
            _mails(store, ring, key)
        done.modify_within(NAME, lambda _old: {"name": NAME, "at": now})
        store.erase_soon()   # the journal still holds what was scrubbed
    return True


def _plain(doc: dict[str, Any]) -> bool:
    return not _DIGEST.fullmatch(str(doc.get("code")))


def _has_legacy(store: StoreBackend) -> bool:
    return (any(_plain(doc) for t in ("codes", "device_codes", "qr_logins")
                for _row, doc in store.rows(t).all())
            or any(_legacy_mail(m) for _row, m in store.rows(OUTBOX).all()))


def _legacy_mail(mail: dict[str, Any]) -> bool:
    params = mail.get("params") or {}
    return ((mail.get("kind") in CONFIRMATION_KINDS and any(k in mail for k in _MAIL_TEXT))
            or (mail.get("kind") == MailKind.BATCH_WELCOME and "password" in params))


def _codes(store: StoreBackend, ring: Keyring) -> None:
    for name, case_sensitive in (("codes", False), ("device_codes", True)):
        table = store.rows(name)
        for row, doc in table.all():
            if _plain(doc):
                digest = code_digest(ring, name, str(doc["code"]), case_sensitive=case_sensitive)
                table.replace(row, {**doc, "code": digest})


def _pending(mail: dict[str, Any]) -> bool:
    return mail.get("status") == QUEUED or (mail.get("status") == FAILED
                                            and not mail.get("final"))


def _mails(store: StoreBackend, ring: Keyring, key: bytes) -> None:
    outbox, codes, accounts = store.rows(OUTBOX), store.rows("codes"), store.rows("accounts")
    for row, mail in outbox.all():
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
        outbox.replace(row, fresh)


def _new_default(accounts: Rows, to: str, old: str, ring: Keyring, key: bytes
                 ) -> dict[str, str]:
    """A derived default password for the holder whose hash the old one still opens."""
    for row, account in accounts.all():
        if account.get("email") != to or not account.get("must_change_password"):
            continue
        if verify_password(old, account.get("password_hash", ""), key):
            seed = new_seed()
            password = ring.derive(seed, MACHINE_ALPHABET, MACHINE_LENGTH)
            accounts.replace(row, {**account,
                                   "password_hash": hash_machine_password(password, key)})
            return {"seed": seed, "holder": ring.digest("holder", account["id_no"])}
    return {}    # the holder chose a password meanwhile: nothing left to send


def _new_code(codes: Rows, mail: dict[str, Any], ring: Keyring) -> dict[str, Any]:
    """The unsent mail's code, replaced by a derived one (the code record follows)."""
    old = code_digest(ring, "codes", str(mail.get("code", "")))
    found = [(row, doc) for row, doc in codes.all() if doc.get("code") == old]
    if not found:
        return {}    # used, voided or never stored: the mail has nothing to carry
    seed = new_seed()
    code = ring.derive(seed, ALPHABET, LENGTH)
    row, doc = found[0]
    codes.replace(row, {**doc, "code": code_digest(ring, "codes", code)})
    return {"seed": seed, "expires_at": doc["expires_at"]}
