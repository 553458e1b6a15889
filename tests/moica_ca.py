"""A certificate authority shaped like MOICA's, built from nothing for the tests: a root
like GRCA, the MOICA CA under it (``C=TW, O=行政院, OU=內政部憑證管理中心``, no CN), an
untrusted look-alike with the very same names, end-entity certificates carrying the ID's
last four characters in subjectDirectoryAttributes (2.5.29.9 / 2.16.886.1.100.2.51) as
real cards do, and CRLs. RSA 2048 keeps it quick; the real G3 cards use 4096."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

UTC = dt.UTC
MOICA_NAME = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "TW"),
                        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "行政院"),
                        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "內政部憑證管理中心")])
ROOT_NAME = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "TW"),
                       x509.NameAttribute(NameOID.ORGANIZATION_NAME, "行政院"),
                       x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "政府憑證管理中心")])
CA_FROM = dt.datetime(2020, 1, 1, tzinfo=UTC)
CA_UNTIL = dt.datetime(2040, 1, 1, tzinfo=UTC)


def _der(tag: int, body: bytes) -> bytes:
    size = len(body)
    count = (size.bit_length() + 7) // 8
    length = bytes([size]) if size < 0x80 else bytes([0x80 | count]) + size.to_bytes(count, "big")
    return bytes([tag]) + length + body


def _oid(dotted: str) -> bytes:
    arcs = [int(a) for a in dotted.split(".")]
    body = bytearray([40 * arcs[0] + arcs[1]])
    for arc in arcs[2:]:
        chunk = [arc & 0x7F]
        arc >>= 7
        while arc:
            chunk.insert(0, 0x80 | (arc & 0x7F))
            arc >>= 7
        body += bytes(chunk)
    return _der(0x06, bytes(body))


def id_last4_extension(last4: str) -> x509.UnrecognizedExtension:
    """subjectDirectoryAttributes holding 2.16.886.1.100.2.51 = ``last4``, as MOICA's."""
    attribute = _der(0x30, _oid("2.16.886.1.100.2.51") + _der(0x31, _der(0x13, last4.encode())))
    return x509.UnrecognizedExtension(x509.ObjectIdentifier("2.5.29.9"), _der(0x30, attribute))


@cache
def rsa_key(label: str) -> rsa.RSAPrivateKey:
    """One key per label for the whole run: generating RSA keys is the slow part."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _ca(subject: x509.Name, key: rsa.RSAPrivateKey, issuer: x509.Name,
        issuer_key: rsa.RSAPrivateKey, serial: int) -> x509.Certificate:
    return (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer)
            .public_key(key.public_key()).serial_number(serial)
            .not_valid_before(CA_FROM).not_valid_after(CA_UNTIL)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False,
                                         key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, key_cert_sign=True, crl_sign=True,
                                         encipher_only=False, decipher_only=False),
                           critical=True)
            .sign(issuer_key, hashes.SHA256()))


@dataclass
class Authority:
    """A root and its MOICA CA; ``name`` tells the trusted one from the look-alike."""

    name: str
    root: x509.Certificate = field(init=False)
    moica: x509.Certificate = field(init=False)

    def __post_init__(self) -> None:
        root_key, moica_key = rsa_key(f"{self.name}-root"), rsa_key(f"{self.name}-moica")
        self.root = _ca(ROOT_NAME, root_key, ROOT_NAME, root_key, 1)
        self.moica = _ca(MOICA_NAME, moica_key, ROOT_NAME, root_key, 2)

    @property
    def moica_key(self) -> rsa.RSAPrivateKey:
        return rsa_key(f"{self.name}-moica")

    def issue(self, name: str, last4: str, *, serial: int, key: rsa.RSAPrivateKey,
              not_before: dt.datetime = dt.datetime(2025, 1, 1, tzinfo=UTC),
              not_after: dt.datetime = dt.datetime(2033, 1, 1, tzinfo=UTC),
              signing: bool = True, holder_serial: str = "0000000012345678",
              ) -> x509.Certificate:
        subject = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "TW"),
                             x509.NameAttribute(NameOID.COMMON_NAME, name),
                             x509.NameAttribute(NameOID.SERIAL_NUMBER, holder_serial)])
        return (x509.CertificateBuilder().subject_name(subject).issuer_name(MOICA_NAME)
                .public_key(key.public_key()).serial_number(serial)
                .not_valid_before(not_before).not_valid_after(not_after)
                .add_extension(x509.KeyUsage(digital_signature=signing, content_commitment=signing,
                                             key_encipherment=not signing, data_encipherment=False,
                                             key_agreement=False, key_cert_sign=False,
                                             crl_sign=False, encipher_only=False,
                                             decipher_only=False), critical=True)
                .add_extension(id_last4_extension(last4), critical=False)
                .sign(self.moica_key, hashes.SHA256()))

    def crl(self, revoked: list[int], *,
            next_update: dt.datetime) -> x509.CertificateRevocationList:
        builder = (x509.CertificateRevocationListBuilder().issuer_name(MOICA_NAME)
                   .last_update(dt.datetime(2026, 1, 1, tzinfo=UTC)).next_update(next_update))
        for serial in revoked:
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder().serial_number(serial)
                .revocation_date(dt.datetime(2026, 2, 1, tzinfo=UTC)).build())
        return builder.sign(self.moica_key, hashes.SHA256())

    def write_trust(self, folder: Path) -> Path:
        """The kiosk's ``moica_ca_dir``: the root and the MOICA CA, PEM."""
        folder.mkdir(parents=True, exist_ok=True)
        for label, cert in (("grca.pem", self.root), ("moica.pem", self.moica)):
            (folder / label).write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        return folder


def der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)
