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

A :class:`Keyring` computes its HMACs with :class:`HmacSha256`, which hashes the key's two
padded blocks once: with OpenSSL 3 a one-shot ``hmac.digest`` costs ~3.4 µs, mostly setting
the key up again, a pre-keyed one ~1.5 µs, and a batch import makes three per row.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
import secrets
from collections.abc import Callable

from kiosk.domain.errors import KioskError
from store.api import StoreBackend
from store.keys import load_or_create_key

SEED_BYTES = 16
KEY_FILE = "machine.key"


def machine_key(store: StoreBackend) -> bytes:
    """The store's machine key: ``machine.key`` in the store's directory, made on first
    use; every process on the same store gets the same key.

    The store remembers a check value of its key, so a data directory restored without
    its key (or with another machine's) is refused with a message instead of silently
    getting a new key — which would void every unchanged default password and open code
    and make the whole audit log read as altered. KioskError(err.key.missing|err.key.wrong).
    """
    path = store.path.with_name(KEY_FILE)
    checks = store.keyed("_keys", "name")
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


_IPAD = bytes(b ^ 0x36 for b in range(256))   # bytes.translate tables (RFC 2104)
_OPAD = bytes(b ^ 0x5C for b in range(256))
_BLOCK = 64                                      # SHA-256's block size


class HmacSha256:
    """HMAC-SHA256 under one key (RFC 2104), the same bytes as ``hmac.digest(key, msg,
    "sha256")``: the inner and outer padded key blocks are hashed once, here, and each
    message costs copies of those two states instead of a new HMAC."""

    __slots__ = ("_inner", "_outer")

    def __init__(self, key: bytes) -> None:
        if len(key) > _BLOCK:
            key = hashlib.sha256(key).digest()
        key = key.ljust(_BLOCK, b"\0")
        self._inner = hashlib.sha256(key.translate(_IPAD))
        self._outer = hashlib.sha256(key.translate(_OPAD))

    def __repr__(self) -> str:   # never the key
        return "HmacSha256(<key>)"

    def __call__(self, message: bytes) -> bytes:
        inner = self._inner.copy()
        inner.update(message)
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.digest()


def new_seed() -> str:
    """Random, for one secret; not itself secret without the key."""
    return secrets.token_hex(SEED_BYTES)


def new_seeds(count: int) -> list[str]:
    """``count`` seeds of :func:`new_seed`, from one draw of the system's randomness."""
    pool = secrets.token_bytes(SEED_BYTES * count).hex()
    width = 2 * SEED_BYTES
    return [pool[at:at + width] for at in range(0, len(pool), width)]


class Keyring:
    def __init__(self, key: bytes) -> None:
        self._mac = HmacSha256(key)

    def __repr__(self) -> str:   # never the key
        return "Keyring(<machine key>)"

    def digest(self, purpose: str, text: str) -> str:
        """What is stored instead of a code: its HMAC under the key, hex."""
        return self._mac(f"{purpose}\0{text}".encode()).hex()

    def derive(self, seed: str, alphabet: str, length: int) -> str:
        """The secret of ``seed``: ``length`` characters of ``alphabet``, uniformly
        distributed (bytes that would bias the choice are skipped).

        The rule: HMAC-SHA256(key, ``"derive\\0<seed>\\0<block>"``) for blocks 0, 1, 2 …;
        each byte below the largest multiple of the alphabet's size picks
        ``alphabet[byte % size]``, the others are skipped. A mail keeps only the seed, so the
        rule is fixed for good. A block costs one HMAC and one ``translate``: 12 characters
        of 62 need a second one less than once in 10^23 seeds."""
        return self.deriver(alphabet, length)(seed)

    def deriver(self, alphabet: str, length: int) -> Callable[[str], str]:
        """:meth:`derive` with ``alphabet`` and ``length`` fixed, for many seeds (a batch
        import derives 100,000 passwords)."""
        mapping = _mapping(alphabet)
        mac = self._mac

        def block(seed: str, number: int) -> str:
            stream = mac(f"derive\0{seed}\0{number}".encode())
            if isinstance(mapping, dict):   # an alphabet beyond Latin-1
                return stream.decode("latin-1").translate(mapping)
            return stream.translate(*mapping).decode("latin-1")

        def derive(seed: str) -> str:
            out = block(seed, 0)
            number = 1
            while len(out) < length:
                out += block(seed, number)
                number += 1
            return out[:length]

        return derive


@functools.lru_cache(maxsize=16)
def _mapping(alphabet: str) -> tuple[bytes, bytes] | dict[int, str | None]:
    """How :meth:`Keyring.derive` maps the bytes of a block onto ``alphabet``: byte b is
    ``alphabet[b % size]`` below the largest multiple of size, dropped above. For an
    alphabet within Latin-1 (every one the kiosk uses) the table and the bytes to delete of
    ``bytes.translate``, else a ``str.translate`` table (None deletes)."""
    size = len(alphabet)
    if not 1 < size <= 256:
        raise ValueError("alphabet must have 2..256 characters")
    usable = 256 - 256 % size
    if max(map(ord, alphabet)) < 256:
        table = bytes(ord(alphabet[b % size]) for b in range(usable)) + bytes(256 - usable)
        return table, bytes(range(usable, 256))
    return {b: alphabet[b % size] if b < usable else None for b in range(256)}
