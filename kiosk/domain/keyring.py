"""What the machine key keys, so no secret the kiosk makes is ever readable in the store.

The key is 32 random bytes in ``machine.key`` beside the store (0600, never in it, never
in a backup of it). Someone holding the store file — or its ``.bak`` — without the key
learns nothing that logs anybody in:

* **One-time codes at rest** (mail, device and QR-login codes) are kept only as
  :meth:`Keyring.digest` — HMAC-SHA256 under the key, one purpose per code kind — and found
  by the digest of what was typed; an unkeyed hash of a 10-character code could be
  brute-forced from the file, a keyed one cannot.
* **Secrets a mail must carry** (a batch default password, a confirmation code) are
  *derived* from the key and a random per-mail seed (:meth:`Keyring.derive`); the outbox
  record keeps only the seed, and delivery erases it, after which nobody can recompute the
  secret. A derivation costs one HMAC, so 100,000 batch passwords cost well under a
  second, where sealing each with AES-GCM would add ~8 s.

The same key also hashes batch default passwords (kiosk.domain.passwords) and, through
``digest("audit", "key")``, seals the audit log (kiosk.domain.counter.audit).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets

from kiosk.domain.errors import KioskError
from store.core import Store
from store.keyed import KeyedTable
from store.keys import load_or_create_key

SEED_BYTES = 16
KEY_FILE = "machine.key"


def machine_key(store: Store) -> bytes:
    """The store's machine key: ``machine.key`` in the store's directory, made on first
    use; every process on the same store gets the same key.

    The store remembers a check value of its key, so a data directory restored without
    its key (or with another machine's) is refused with a message instead of silently
    getting a new key — which would void every unchanged default password and open code
    and make the whole audit log read as altered. KioskError(err.key.missing|err.key.wrong).
    """
    path = store.path.with_name(KEY_FILE)
    checks = KeyedTable(store, "_keys", "name")
    known = checks.get("machine")
    if known is not None and not os.path.lexists(path):
        raise KioskError("err.key.missing", path=str(path))
    key = load_or_create_key(path)
    mine = hmac.new(key, b"key check", hashlib.sha256).hexdigest()[:16]
    if known is None:
        checks.modify("machine", lambda doc: doc or {"check": mine})
        known = checks.get("machine")
    if known is None or not hmac.compare_digest(str(known.get("check")), mine):
        raise KioskError("err.key.wrong", path=str(path))
    return key


def new_seed() -> str:
    """Random, for one secret; not itself secret without the key."""
    return secrets.token_hex(SEED_BYTES)


class Keyring:
    def __init__(self, key: bytes) -> None:
        self._key = key

    def __repr__(self) -> str:   # never the key
        return "Keyring(<machine key>)"

    def digest(self, purpose: str, text: str) -> str:
        """What is stored instead of a code: its HMAC under the key, hex."""
        return hmac.new(self._key, f"{purpose}\0{text}".encode(), hashlib.sha256).hexdigest()

    def derive(self, seed: str, alphabet: str, length: int) -> str:
        """The secret of ``seed``: ``length`` characters of ``alphabet``, uniformly
        distributed (bytes that would bias the choice are skipped)."""
        size = len(alphabet)
        if not 1 < size <= 256:
            raise ValueError("alphabet must have 2..256 characters")
        usable = 256 - 256 % size
        out: list[str] = []
        block = 0
        while len(out) < length:
            stream = hmac.new(self._key, f"derive\0{seed}\0{block}".encode(),
                              hashlib.sha256).digest()
            out.extend(alphabet[b % size] for b in stream if b < usable)
            block += 1
        return "".join(out[:length])
