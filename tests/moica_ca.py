"""The tests' MOICA-shaped authorities (kiosk/domain/demo_certificates.py): the trusted one
and a look-alike with the very same names, on keys made once per run (making RSA keys is
the slow part), valid 2020 to 2040 around the suite's clock."""

from __future__ import annotations

import datetime as dt
from functools import cache

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa

from kiosk.domain import demo_certificates
from kiosk.domain.demo_certificates import der, id_last4_extension

__all__ = ["UTC", "Authority", "der", "id_last4_extension", "rsa_key"]

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
