"""The tests' MOICA-shaped authorities (kiosk/domain/demo_certificates.py): the trusted one
and a look-alike with the very same names, on keys made once per run (making RSA keys is
the slow part), valid 2020 to 2040 around the suite's clock."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cache

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from kiosk.domain import demo_certificates
from kiosk.domain.demo_certificates import der, id_last4_extension
from reader.card import CardData
from reader.demo import DEMO_BY_KEY
from reader.token import TokenError, TokenSignature, WrongPinError

__all__ = ["LOOKALIKE", "PIN", "SERIAL", "TRUSTED", "UTC", "Authority", "CardToken",
           "card_of", "der", "id_last4_extension", "rsa_key"]

UTC = dt.UTC
CA_FROM = dt.datetime(2020, 1, 1, tzinfo=UTC)


@cache
def rsa_key(label: str) -> rsa.RSAPrivateKey:
    return demo_certificates.new_key()


class Authority(demo_certificates.Authority):
    """An authority named for the run (``trusted``, ``lookalike``), with the tests'
    defaults: cards valid 2025 to 2033, CRLs last updated 2026-01-01."""

    def __init__(self, name: str) -> None:
        super().__init__(CA_FROM, rsa_key(f"{name}-root"), rsa_key(f"{name}-moica"))

    def issue(self, name: str, last4: str, *, serial: int, key: rsa.RSAPrivateKey,
              not_before: dt.datetime = dt.datetime(2025, 1, 1, tzinfo=UTC),
              not_after: dt.datetime = dt.datetime(2033, 1, 1, tzinfo=UTC),
              signing: bool = True, holder_serial: str = "0000000012345678",
              ) -> x509.Certificate:
        return super().issue(name, last4, serial=serial, key=key, not_before=not_before,
                             not_after=not_after, signing=signing, holder_serial=holder_serial)

    def crl(self, revoked: list[int], *, last_update: dt.datetime = dt.datetime(
                2026, 1, 1, tzinfo=UTC),
            next_update: dt.datetime) -> x509.CertificateRevocationList:
        return super().crl(revoked, last_update=last_update, next_update=next_update)


TRUSTED, LOOKALIKE = Authority("trusted"), Authority("lookalike")
PIN = "135792"
SERIAL = "c3075127ca7d7b21"      # the token serial CardToken reports


@dataclass
class CardToken:
    """A certificate card at the PKCS#11 boundary: the SIGN key signs, or ``fault`` is
    raised as a real card's module would (a locked PIN, few tries left: SoftHSM does
    neither). ``pins`` keeps what reached the card."""

    certificate: x509.Certificate
    key: rsa.RSAPrivateKey
    fault: TokenError | None = None
    pins: list[str] = field(default_factory=list)

    def present(self) -> list[str]:
        return [SERIAL]

    def sign(self, pin: str, challenge: bytes, serial: str | None = None) -> TokenSignature:
        self.pins.append(pin)
        if self.fault is not None:
            raise self.fault
        if pin != PIN:
            raise WrongPinError(count_low=False, final_try=False)
        signature = self.key.sign(challenge, padding.PKCS1v15(), hashes.SHA256())
        return TokenSignature(SERIAL, signature, der(self.certificate))


def card_of(person: CardData | None = None, *, authority: Authority = TRUSTED,
            serial: int = 1001, key_label: str = "citizen", **issue: object) -> CardToken:
    """``person``'s card (張志明's, registered, by default), holding a certificate of
    ``authority`` on a key made once."""
    person = person or DEMO_BY_KEY["registered"].card
    assert person is not None
    key = rsa_key(key_label)
    cert = authority.issue(person.name, person.id_no[-4:], serial=serial, key=key,
                           **issue)  # type: ignore[arg-type]
    return CardToken(cert, key)
