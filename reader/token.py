"""The citizen digital certificate card (自然人憑證, MOICA) through its PKCS#11 module:
Chunghwa's HiCOS on a counter, SoftHSM2 in the tests and the demo.

The kiosk does not speak the card's applet itself: the module does, and this file asks
it for one thing — log in with the PIN, sign a challenge with the ``SIGN`` key, hand back
that key's certificate (and any CA certificates on the card) — then logs out and closes
the session on every path, a wrong PIN included. Tokens are told apart by serial number,
never by label: every MOICA card is labelled "HiCOS PKI Smart Card", and slot ids change
between runs. The PIN is passed to the module and nowhere else; no error here holds it.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Protocol

from reader.errors import ReaderError

SIGN_ID = b"SIGN"           # CKA_ID of the signing key and its certificate
CA_IDS = (b"CACert", b"ROOTCACert")
MAX_PIN = 16                # MOICA PINs are 6 to 8 characters; the module gets no more


class TokenError(ReaderError):
    """Base of what talking to a certificate card raises on purpose."""


class NoTokenError(TokenError):
    """No certificate card (no initialised token) is in any slot of the module."""


class TokenModuleError(TokenError):
    """The PKCS#11 module cannot be loaded (``detail`` says why, never a secret)."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class WrongPinError(TokenError):
    """The PIN was refused. ``count_low``: the token says few tries are left;
    ``final_try``: the next wrong PIN locks the card."""

    def __init__(self, *, count_low: bool, final_try: bool) -> None:
        super().__init__("the PIN was refused")
        self.count_low = count_low
        self.final_try = final_try


class PinLockedError(TokenError):
    """The card's PIN is locked (too many wrong PINs): only the household registration
    office or MOICA's online unlock opens it again."""


class NoSigningKeyError(TokenError):
    """The token has no ``SIGN`` key with its certificate: not a MOICA card."""


class TokenFaultError(TokenError):
    """The module failed in another way (the card pulled mid-signature, say)."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


@dataclass(frozen=True, slots=True)
class TokenSignature:
    """What one login gave: the token's serial, the signature over the challenge, the
    ``SIGN`` certificate (DER) and the CA certificates the card carries (DER)."""

    serial: str
    signature: bytes
    certificate: bytes
    ca_certificates: tuple[bytes, ...] = ()


class Token(Protocol):
    """The PKCS#11 boundary the domain talks to (tests put a fault-injecting one here)."""

    def present(self) -> list[str]:
        """The serial numbers of the certificate cards in the module's slots now."""
        ...

    def sign(self, pin: str, challenge: bytes, serial: str | None = None) -> TokenSignature:
        ...


_LOCK = threading.Lock()      # loading the module
# a login's state is the process's, shared by every session: one login at a time; and
# a module loaded without locking arguments need not be thread-safe: one call at a time
_SIGNING = threading.Lock()


@cache
def _library(module: str) -> Any:
    """The module, loaded once per process (C_Initialize is process-wide)."""
    import PyKCS11  # only for a certificate login: start-up imports no PKCS#11

    lib = PyKCS11.PyKCS11Lib()
    lib.load(module)
    return lib


class Pkcs11Token:
    """A PKCS#11 module (``pkcs11_module``), through PyKCS11. python-pkcs11 was tried
    first: its ``Token.open(user_pin=...)`` leaves the session open when the PIN is
    wrong, and it has no call to close it; PyKCS11 maps the C API one to one, so the
    session is opened, logged into, logged out of and closed here, each step on purpose."""

    def __init__(self, module: Path, load: Callable[[str], Any] | None = None) -> None:
        self.module = module
        self._load = load or _library

    def _lib(self) -> Any:
        try:
            with _LOCK:
                return self._load(str(self.module))
        except Exception as exc:   # a missing file, a library that is not PKCS#11
            raise TokenModuleError(type(exc).__name__) from None

    def _cards(self, lib: Any) -> list[tuple[Any, str]]:
        """(slot, serial) of every initialised token present."""
        from PyKCS11 import CKF_TOKEN_INITIALIZED, PyKCS11Error

        found = []
        for slot in lib.getSlotList(tokenPresent=True):
            try:
                info = lib.getTokenInfo(slot)
            except PyKCS11Error:      # a reader that answers badly hides no other card
                continue
            serial = str(info.serialNumber).strip("\0 ")
            if info.flags & CKF_TOKEN_INITIALIZED and serial:
                found.append((slot, serial))
        return found

    def present(self) -> list[str]:
        from PyKCS11 import PyKCS11Error

        lib = self._lib()
        try:
            with _SIGNING:
                return [serial for _slot, serial in self._cards(lib)]
        except PyKCS11Error as exc:
            raise _failure(exc) from None

    def in_reader(self, reader: str) -> str | None:
        """The serial of the certificate card in the PC/SC reader ``reader``, or None: a
        module for smart cards (HiCOS, OpenSC) describes each slot by its reader's name,
        cut to the 64 characters PKCS#11 gives it; when that fits two slots with a card,
        neither is known to be this reader's. For the card monitor, which asks when a
        card is not an NHI card (reader/monitor.py); any failure is "none"."""
        from PyKCS11 import PyKCS11Error

        try:
            lib = self._lib()
            with _SIGNING:
                found = [serial for slot, serial in self._cards(lib)
                         if str(lib.getSlotInfo(slot).slotDescription).strip("\0 ")
                         == reader[:64].strip()]
        except (TokenError, PyKCS11Error):
            return None
        # two readers whose names differ only past 64 characters cannot be told apart
        return found[0] if len(found) == 1 else None

    def sign(self, pin: str, challenge: bytes, serial: str | None = None) -> TokenSignature:

        if not 0 < len(pin) <= MAX_PIN:
            raise WrongPinError(count_low=False, final_try=False)
        lib = self._lib()
        with _SIGNING:
            return self._sign(lib, pin, challenge, serial)

    def _sign(self, lib: Any, pin: str, challenge: bytes, serial: str | None) -> TokenSignature:
        from PyKCS11 import PyKCS11Error

        try:
            cards = [(slot, found) for slot, found in self._cards(lib)
                     if serial is None or found == serial]
            if not cards:
                raise NoTokenError("no certificate card")
            slot, found = cards[0]
            session = lib.openSession(slot)
        except PyKCS11Error as exc:
            raise _failure(exc) from None
        try:
            try:
                session.login(pin)
            except PyKCS11Error as exc:
                raise _pin_failure(exc, lib, slot) from None
            try:
                return _signed(session, found, challenge)
            finally:
                with contextlib.suppress(PyKCS11Error):   # closing the session logs out too
                    session.logout()
        except PyKCS11Error as exc:
            raise _failure(exc) from None
        finally:
            with contextlib.suppress(Exception):   # the card may have left already
                session.closeSession()


def _signed(session: Any, serial: str, challenge: bytes) -> TokenSignature:
    import PyKCS11

    keys = session.findObjects([(PyKCS11.CKA_CLASS, PyKCS11.CKO_PRIVATE_KEY),
                                (PyKCS11.CKA_ID, SIGN_ID)])
    certificate = _certificate(session, SIGN_ID)
    if len(keys) != 1 or certificate is None:
        raise NoSigningKeyError("no SIGN key with its certificate")
    signature = _sha256_rsa(session, keys[0], challenge)
    cas = tuple(der for der in (_certificate(session, i) for i in CA_IDS) if der)
    return TokenSignature(serial, signature, certificate, cas)


# DER of DigestInfo { sha256, NULL } up to the digest, which CKM_RSA_PKCS signs as given
_SHA256_DIGEST_INFO = bytes.fromhex("3031300d060960864801650304020105000420")


def _sha256_rsa(session: Any, key: Any, data: bytes) -> bytes:
    """RSA PKCS#1 v1.5 over SHA-256 of ``data``: by CKM_SHA256_RSA_PKCS, or, on a card
    whose module only offers raw CKM_RSA_PKCS (older HiCOS), by hashing here and having
    the card sign the DigestInfo; either gives the same signature."""
    import hashlib

    import PyKCS11

    try:
        return bytes(session.sign(key, data, PyKCS11.Mechanism(PyKCS11.CKM_SHA256_RSA_PKCS)))
    except PyKCS11.PyKCS11Error as exc:
        if exc.value != PyKCS11.CKR_MECHANISM_INVALID:
            raise
    digest_info = _SHA256_DIGEST_INFO + hashlib.sha256(data).digest()
    return bytes(session.sign(key, digest_info, PyKCS11.Mechanism(PyKCS11.CKM_RSA_PKCS)))


def _certificate(session: Any, object_id: bytes) -> bytes | None:
    import PyKCS11

    for found in session.findObjects([(PyKCS11.CKA_CLASS, PyKCS11.CKO_CERTIFICATE),
                                      (PyKCS11.CKA_ID, object_id)]):
        return bytes(session.getAttributeValue(found, [PyKCS11.CKA_VALUE], True)[0])
    return None


def _pin_failure(exc: Any, lib: Any, slot: Any) -> TokenError:
    import PyKCS11

    if exc.value == PyKCS11.CKR_PIN_INCORRECT:
        try:
            flags = lib.getTokenInfo(slot).flags   # read again: the card counted it
        except PyKCS11.PyKCS11Error:
            flags = 0
        return WrongPinError(count_low=bool(flags & PyKCS11.CKF_USER_PIN_COUNT_LOW),
                             final_try=bool(flags & PyKCS11.CKF_USER_PIN_FINAL_TRY))
    if exc.value == PyKCS11.CKR_PIN_LOCKED:
        return PinLockedError("the PIN is locked")
    if exc.value in (PyKCS11.CKR_PIN_LEN_RANGE, PyKCS11.CKR_PIN_INVALID):
        return WrongPinError(count_low=False, final_try=False)
    return _failure(exc)


def _failure(exc: Any) -> TokenError:
    import PyKCS11

    if exc.value in (PyKCS11.CKR_TOKEN_NOT_PRESENT, PyKCS11.CKR_DEVICE_REMOVED,
                     PyKCS11.CKR_SESSION_HANDLE_INVALID, PyKCS11.CKR_SESSION_CLOSED,
                     PyKCS11.CKR_SLOT_ID_INVALID):
        return NoTokenError("the card left the reader")
    return TokenFaultError(PyKCS11.CKR.get(exc.value, hex(exc.value)))


def write_card(module: str, serial: str, pin: str, key: Any, certificate: Any,
               ca_certificates: tuple[Any, ...] = ()) -> None:
    """Put a certificate card's objects into the token ``serial`` of ``module``, as a
    MOICA card holds them: the RSA private key ``key`` and its certificate under CKA_ID
    "SIGN", the CA certificates under "CACert" and "ROOTCACert" (cryptography's objects).
    For SoftHSM tokens (the demo's card, the tests'); a real card is written by MOICA."""
    import PyKCS11
    from cryptography.hazmat.primitives.serialization import Encoding

    lib = _library(module)
    slots = [s for s in lib.getSlotList(tokenPresent=True)
             if str(lib.getTokenInfo(s).serialNumber).strip("\0 ") == serial]
    if not slots:
        raise NoTokenError("no token with that serial")
    session = lib.openSession(slots[0], PyKCS11.CKF_SERIAL_SESSION | PyKCS11.CKF_RW_SESSION)
    try:
        session.login(pin)
        numbers = key.private_numbers()
        size = (numbers.public_numbers.n.bit_length() + 7) // 8

        def octets(value: int, width: int) -> bytes:
            return value.to_bytes(width, "big")

        session.createObject([
            (PyKCS11.CKA_CLASS, PyKCS11.CKO_PRIVATE_KEY), (PyKCS11.CKA_KEY_TYPE, PyKCS11.CKK_RSA),
            (PyKCS11.CKA_TOKEN, True), (PyKCS11.CKA_PRIVATE, True),
            (PyKCS11.CKA_SENSITIVE, True), (PyKCS11.CKA_EXTRACTABLE, False),
            (PyKCS11.CKA_SIGN, True), (PyKCS11.CKA_ID, SIGN_ID),
            (PyKCS11.CKA_MODULUS, octets(numbers.public_numbers.n, size)),
            (PyKCS11.CKA_PUBLIC_EXPONENT, octets(numbers.public_numbers.e, 3)),
            (PyKCS11.CKA_PRIVATE_EXPONENT, octets(numbers.d, size)),
            (PyKCS11.CKA_PRIME_1, octets(numbers.p, size // 2)),
            (PyKCS11.CKA_PRIME_2, octets(numbers.q, size // 2)),
            (PyKCS11.CKA_EXPONENT_1, octets(numbers.dmp1, size // 2)),
            (PyKCS11.CKA_EXPONENT_2, octets(numbers.dmq1, size // 2)),
            (PyKCS11.CKA_COEFFICIENT, octets(numbers.iqmp, size // 2))])
        for object_id, cert in ((SIGN_ID, certificate),
                                *zip(CA_IDS, ca_certificates, strict=False)):
            session.createObject([
                (PyKCS11.CKA_CLASS, PyKCS11.CKO_CERTIFICATE),
                (PyKCS11.CKA_CERTIFICATE_TYPE, PyKCS11.CKC_X_509), (PyKCS11.CKA_TOKEN, True),
                (PyKCS11.CKA_ID, object_id), (PyKCS11.CKA_VALUE, cert.public_bytes(Encoding.DER)),
                (PyKCS11.CKA_SUBJECT, cert.subject.public_bytes())])
        session.logout()
    finally:
        session.closeSession()
