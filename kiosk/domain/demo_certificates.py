"""A certificate authority shaped like MOICA's, for the demo's certificate card (``nhi-kiosk
demo make-certificate-token``) and the tests: a root like GRCA, the MOICA CA under it
(``C=TW, O=行政院, OU=內政部憑證管理中心``, no CN), end-entity certificates carrying the ID's
last four characters in subjectDirectoryAttributes (2.5.29.9 / 2.16.886.1.100.2.51) as
real cards do, and CRLs. Nothing here is trusted by a real kiosk: its keys are made on
the spot, and a counter's ``moica_ca_dir`` holds MOICA's own certificates.

RSA 2048 keeps it quick; the real G3 cards use 4096."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.domain.moica import der

__all__ = ["Authority", "der", "id_last4_extension", "new_key"]

if TYPE_CHECKING:
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric import rsa

ID_LAST4, SUBJECT_DIRECTORY_ATTRIBUTES = "2.16.886.1.100.2.51", "2.5.29.9"
ROOT_UNIT = "政府憑證管理中心"       # GRCA's unit, under the same 行政院
MOICA_UNIT = "內政部憑證管理中心"


def new_key() -> rsa.RSAPrivateKey:
    from cryptography.hazmat.primitives.asymmetric import rsa

    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _name(unit: str) -> x509.Name:
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "TW"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "行政院"),
                      x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, unit)])


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
    from cryptography import x509

    attribute = _der(0x30, _oid(ID_LAST4) + _der(0x31, _der(0x13, last4.encode())))
    return x509.UnrecognizedExtension(x509.ObjectIdentifier(SUBJECT_DIRECTORY_ATTRIBUTES),
                                      _der(0x30, attribute))


def _key_usage(*, signing: bool, ca: bool) -> x509.KeyUsage:
    from cryptography import x509

    return x509.KeyUsage(digital_signature=signing, content_commitment=signing,
                         key_encipherment=not signing and not ca, data_encipherment=False,
                         key_agreement=False, key_cert_sign=ca, crl_sign=ca,
                         encipher_only=False, decipher_only=False)


class Authority:
    """A root and its MOICA CA, valid from ``valid_from`` for 20 years. Two authorities
    made with other keys have the very same names (a look-alike)."""

    def __init__(self, valid_from: dt.datetime, root_key: rsa.RSAPrivateKey | None = None,
                 moica_key: rsa.RSAPrivateKey | None = None) -> None:
        self.root_key = root_key or new_key()
        self.moica_key = moica_key or new_key()
        until = valid_from + dt.timedelta(days=20 * 365)
        root_name, self.moica_name = _name(ROOT_UNIT), _name(MOICA_UNIT)
        self.root = self._ca(root_name, self.root_key, root_name, self.root_key, 1,
                             valid_from, until)
        self.moica = self._ca(self.moica_name, self.moica_key, root_name, self.root_key, 2,
                              valid_from, until)

    @staticmethod
    def _ca(subject: x509.Name, key: rsa.RSAPrivateKey, issuer: x509.Name,
            issuer_key: rsa.RSAPrivateKey, serial: int, valid_from: dt.datetime,
            until: dt.datetime) -> x509.Certificate:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes

        return (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer)
                .public_key(key.public_key()).serial_number(serial)
                .not_valid_before(valid_from).not_valid_after(until)
                .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                .add_extension(_key_usage(signing=False, ca=True), critical=True)
                .sign(issuer_key, hashes.SHA256()))

    def issue(self, name: str, last4: str, *, serial: int, key: rsa.RSAPrivateKey,
              not_before: dt.datetime, not_after: dt.datetime, signing: bool = True,
              holder_serial: str = "0000000012345678") -> x509.Certificate:
        """A card's certificate: ``signing`` the SIGN one (digitalSignature), else KEYX."""
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes
        from cryptography.x509.oid import NameOID

        subject = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "TW"),
                             x509.NameAttribute(NameOID.COMMON_NAME, name),
                             x509.NameAttribute(NameOID.SERIAL_NUMBER, holder_serial)])
        return (x509.CertificateBuilder().subject_name(subject).issuer_name(self.moica_name)
                .public_key(key.public_key()).serial_number(serial)
                .not_valid_before(not_before).not_valid_after(not_after)
                .add_extension(_key_usage(signing=signing, ca=False), critical=True)
                .add_extension(id_last4_extension(last4), critical=False)
                .sign(self.moica_key, hashes.SHA256()))

    def crl(self, revoked: list[int], *, last_update: dt.datetime,
            next_update: dt.datetime) -> x509.CertificateRevocationList:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes

        builder = (x509.CertificateRevocationListBuilder().issuer_name(self.moica_name)
                   .last_update(last_update).next_update(next_update))
        for serial in revoked:
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder().serial_number(serial)
                .revocation_date(last_update).build())
        return builder.sign(self.moica_key, hashes.SHA256())

    def write_trust(self, folder: Path) -> Path:
        """A kiosk's ``moica_ca_dir``: the root and the MOICA CA, PEM."""
        from cryptography.hazmat.primitives import serialization

        folder.mkdir(parents=True, exist_ok=True)
        for file_name, cert in (("grca.pem", self.root), ("moica.pem", self.moica)):
            (folder / file_name).write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        return folder
