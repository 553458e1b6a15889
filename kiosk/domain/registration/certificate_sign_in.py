"""Signing in with the citizen digital certificate (自然人憑證) and its PIN: the second way
into 個人網路申辦健保卡服務, for a citizen whose NHI card is lost.

The citizen types the ID number and the PIN. The card (its PKCS#11 module,
reader/token.py) signs a fresh random challenge with its ``SIGN`` key; the signature is
verified with the ``SIGN`` certificate, which must pass kiosk.domain.moica's checks at the
kiosk's clock, and carry the ID number's last four characters. Then the registration:
it must exist, be active, and hold the certificate's name. The session lives while that
certificate card (by its serial) stays in the reader.

A certificate names only the holder's name and the ID's last four characters, which two
people can share; the ID number is no secret. So a certificate card signs in to an account
by itself only once it is that account's card: the first time, and for a new card (a lost
one replaced, a renewal), the registration password is asked as well, counted as at the
card login. The card is then kept with the account (``certificate``: the subject's
serialNumber, which is the card number, and the certificate), in one store transaction.

The PIN goes to the module only: it is never stored, logged or put into an error. A
wrong PIN is counted by the card itself (a real card locks; the message says when few
tries are left, and what to do when it is locked).
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Callable
from typing import Any, cast

from kiosk.domain.accounts import Services, State
from kiosk.domain.errors import InvalidInput, KioskError
from kiosk.domain.moica import MoicaCertificate, Trust, der
from kiosk.domain.passwords import MAX_LEN, MIN_LEN
from kiosk.domain.records import Account, BoundCertificate
from kiosk.domain.registration.sign_in import active_account
from kiosk.domain.session import Session
from kiosk.domain.validate import is_valid_id
from reader.token import (
    NoSigningKeyError,
    NoTokenError,
    PinLockedError,
    Token,
    TokenError,
    TokenModuleError,
    WrongPinError,
)

CHALLENGE_BYTES = 32
MAX_PIN = 16


def _token_refusal(error: TokenError) -> KioskError:
    if isinstance(error, WrongPinError):
        key = "err.cert.pin_final" if error.final_try else \
            "err.cert.pin_low" if error.count_low else "err.cert.pin_wrong"
        return KioskError(key)
    if isinstance(error, PinLockedError):
        return KioskError("err.cert.pin_locked")
    if isinstance(error, NoTokenError):
        return KioskError("err.cert.no_card")
    if isinstance(error, NoSigningKeyError):
        return KioskError("err.cert.not_moica")
    if isinstance(error, TokenModuleError):
        return KioskError("err.cert.no_module")
    return KioskError("err.cert.card_failed")


class CertificateSignIn:
    """``token``: the PKCS#11 module's cards; ``trust``: the CA certificates and CRL, read
    when a login needs them (so a CA folder updated on disk is read at the next login)."""

    def __init__(self, services: Services, token: Token, trust: Callable[[], Trust]) -> None:
        self.s = services
        self.token = token
        self.trust = trust

    def login(self, id_no: str, pin: str, serial: str | None = None,
              password: str = "") -> Session:
        """``password``: the registration password, needed only when this certificate
        card is not yet the account's (see the module's rule); else it is not looked at."""
        id_no = id_no.strip().upper()
        if not is_valid_id(id_no):
            raise InvalidInput("id", "err.qr.id")
        if not 0 < len(pin) <= MAX_PIN:
            raise InvalidInput("pin", "err.cert.pin_length", most=MAX_PIN)
        if len(password) > MAX_LEN:
            raise InvalidInput("password", "err.password.length", min=MIN_LEN, max=MAX_LEN)
        trust = self.trust()           # a kiosk without its CA folder refuses before the PIN
        challenge = secrets.token_bytes(CHALLENGE_BYTES)
        try:
            signed = self.token.sign(pin, challenge, serial)
        except TokenError as error:
            raise _token_refusal(error) from None
        moica = MoicaCertificate.parse(signed.certificate)
        _verify(moica, signed.signature, challenge)
        trust.check(moica, self.s.clock.now())
        if not moica.holds_id(id_no):
            raise KioskError("err.cert.id_mismatch")
        account = self._holders_account(moica, id_no)
        card = BoundCertificate(card=moica.serial_number, der=base64.b64encode(
            der(moica.certificate)).decode())
        if _card_of(account) != card["card"]:
            if not password:
                raise InvalidInput("password", "err.cert.needs_password")
            self.s.check_password(account, password)     # counted: 5 wrong ones lock
            account = self.s.modify_account(id_no, lambda stored: self._bind(
                stored, moica, card))
        return Session(account["id_no"], account["card_no"] or "", account["name"],
                       self.s.clock.now(), bool(account.get("must_change_password")),
                       via="certificate", token=signed.serial)

    def _holders_account(self, moica: MoicaCertificate, id_no: str) -> Account:
        """The registration of the certificate's holder. One message for no registration
        and for a registration under another name, so that the ID number of someone
        registered cannot be told from a stranger's; only then its state."""
        account = cast(Account | None, self.s.accounts.get_by_id(id_no))
        if account is None or not moica.holds_name(account["name"]):
            raise KioskError("err.cert.not_registered")
        return active_account(self.s, id_no, missing="err.cert.not_registered")

    @staticmethod
    def _bind(account: Account, moica: MoicaCertificate, card: BoundCertificate
              ) -> dict[str, Any]:
        """In the store's transaction, after the password: this card becomes the
        account's, if the account is still the holder's (staff may have just suspended it)."""
        if not moica.holds_name(account["name"]) or account["state"] != State.ACTIVE:
            raise KioskError("err.cert.not_registered")
        return {"certificate": card}


def _card_of(account: Account) -> str | None:
    bound = account.get("certificate")
    return bound["card"] if bound else None


def _verify(moica: MoicaCertificate, signature: bytes, challenge: bytes) -> None:
    """The card's signature over this login's challenge, by the certificate's own key:
    err.cert.bad_signature otherwise (a certificate copied onto another card)."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    key = moica.certificate.public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        raise KioskError("err.cert.not_moica")
    try:
        key.verify(signature, challenge, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        raise KioskError("err.cert.bad_signature") from None
