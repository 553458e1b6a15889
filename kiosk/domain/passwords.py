"""Registration passwords: the rules, the strength meter, and slow hashing.

A password a person chose is stored only as scrypt at OWASP's parameters (N=2^17, r=8,
p=1: 128 MiB and about half a second per hash); comparison is constant-time, and the cost
parameters are in the stored string, so a hash made with cheaper ones is still verified and
is replaced at the holder's next successful login (:func:`needs_rehash`). A password the
kiosk generated (batch registration: 12 random letters and digits, 71 bits) cannot be
guessed from a stolen store, so it may be stored with a fast keyed hash (HMAC-SHA256 with a
key kept outside the store) until its holder replaces it at the first login — which keeps
a 100,000-row batch from spending hours in scrypt.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from enum import IntEnum

from kiosk.domain.errors import InvalidInput
from kiosk.domain.keyring import HmacSha256

MIN_LEN, MAX_LEN = 6, 12
FORBIDDEN = frozenset(" <>'\"")
SPECIALS = frozenset("~!@#$%^&*")
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**17, 8, 1


class Strength(IntEnum):
    WEAK = 1
    MEDIUM = 2
    STRONG = 3


def strength(password: str) -> Strength:
    """Strong = upper + lower + digit + one of ~!@#$%^&* and at least 8 characters."""
    classes = sum((
        any(c.isupper() for c in password),
        any(c.islower() for c in password),
        any(c.isdigit() for c in password),
        any(c in SPECIALS for c in password),
    ))
    if classes == 4 and len(password) >= 8:
        return Strength.STRONG
    if classes >= 3 or (classes == 2 and len(password) >= 8):
        return Strength.MEDIUM
    return Strength.WEAK


def check_new_password(password: str, repeat: str, field: str = "password") -> None:
    """Raise InvalidInput with the first rule the new password breaks."""
    if not MIN_LEN <= len(password) <= MAX_LEN:
        raise InvalidInput(field, "err.password.length", min=MIN_LEN, max=MAX_LEN)
    if any(c in FORBIDDEN for c in password):
        raise InvalidInput(field, "err.password.forbidden")
    if not all(c.isascii() and c.isprintable() for c in password):
        raise InvalidInput(field, "err.password.charset")
    if password != repeat:
        raise InvalidInput(f"{field}2", "err.password.repeat")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


#: No stored string may make a check cost more than twice today's parameters (256 MiB,
#: about a second): someone who can edit the store could otherwise make every login
#: exhaust memory. hashlib's own default of 32 MiB is below what N=2^17 needs.
MAX_COST = 2 * SCRYPT_N * SCRYPT_R * SCRYPT_P


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int, dklen: int) -> bytes:
    return hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, dklen=dklen,
                          maxmem=129 * n * r * p + 2**20)


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    n, r, p = SCRYPT_N, SCRYPT_R, SCRYPT_P
    digest = _scrypt(password, salt, n, r, p, 32)
    return f"scrypt${n}${r}${p}${_b64(salt)}${_b64(digest)}"


def needs_rehash(stored: str) -> bool:
    """True for a person's hash made with other parameters than today's."""
    if not stored.startswith("scrypt$"):
        return False      # machine passwords are replaced at the first login anyway
    return stored.split("$")[1:4] != [str(SCRYPT_N), str(SCRYPT_R), str(SCRYPT_P)]


MACHINE_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
MACHINE_LENGTH = MAX_LEN      # 12 × log2(62) ≈ 71.4 bits


def hash_machine_password(password: str, key: bytes | HmacSha256) -> str:
    """Only for default passwords the kiosk made (MACHINE_ALPHABET × MACHINE_LENGTH, see
    kiosk.domain.keyring); people's passwords get scrypt. ``hmac-sha256$`` and the hex
    HMAC-SHA256 of the password under the machine key; a batch passes the key once keyed
    (:class:`~kiosk.domain.keyring.HmacSha256`), which makes the same string faster."""
    mac = key if isinstance(key, HmacSha256) else HmacSha256(key)
    return "hmac-sha256$" + mac(password.encode()).hex()


def verify_password(password: str, stored: str, key: bytes | None = None) -> bool:
    if stored.startswith("hmac-sha256$"):
        if key is None:
            return False
        return hmac.compare_digest(hash_machine_password(password, key), stored)
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        cost = int(n), int(r), int(p)
        if scheme != "scrypt" or min(cost) < 1 or cost[0] * cost[1] * cost[2] > MAX_COST:
            return False
        expected = base64.b64decode(digest)
        actual = _scrypt(password, base64.b64decode(salt), *cost, dklen=len(expected))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)
