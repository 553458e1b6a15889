"""The citizen digital certificate (自然人憑證) as the kiosk trusts it: what a MOICA
certificate holds, and the checks it must pass before it signs anyone in.

A MOICA end-entity certificate is issued by ``C=TW, O=行政院, OU=內政部憑證管理中心`` (no
CN, every generation) under the government root (GRCA). Its subject is ``C=TW, CN=<name>,
serialNumber=<16 characters>``. It carries only the **last four characters of the ID
number**, in subjectDirectoryAttributes (2.5.29.9), attribute 2.16.886.1.100.2.51: the
citizen types the ID number, and its last four must match, as the name must match the
registered person's.

A certificate signs in only if, at the kiosk's clock: it is within its validity dates;
its key usage allows digitalSignature; it is not a CA; there is a path from it to a
self-signed root (whose own signature verifies) through CA certificates from the trust
folder (``moica_ca_dir``) — each valid, a CA allowed to sign certificates, within its path
length, and verifying the signature below it; every CA of a name is tried, as G2 and G3
share MOICA's. CA certificates the card carries are never trusted, and a critical
extension the kiosk does not apply refuses the certificate. When CRLs are configured
(``moica_crl``, a file or a folder), the issuer's lists that speak for the certificate
(the complete one, or the partition for its distribution point; never a delta) must not
list it, and one must be current. Each failure is a message of its own (``err.cert.*``).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.domain.errors import KioskError
from kiosk.domain.rows import ImportFileError, read_bounded

if TYPE_CHECKING:
    from cryptography import x509

MOICA_ISSUER = (("C", "TW"), ("O", "行政院"), ("OU", "內政部憑證管理中心"))
SUBJECT_DIRECTORY_ATTRIBUTES = "2.5.29.9"
ID_LAST4 = "2.16.886.1.100.2.51"
MAX_CHAIN = 4
MAX_CA_FILES = 64
MAX_CRL_FILES = 4096        # MOICA's partitions, G2's and G3's: a folder over it is refused
MAX_FILE = 1 << 20          # a CA certificate larger than 1 MiB is not one
MAX_CRL = 64 << 20          # MOICA's complete CRL lists every revoked card: tens of MiB
MAX_CRL_TOTAL = 256 << 20   # all the CRLs together, as they are held in memory
_STRING_TAGS = {0x0C, 0x12, 0x13, 0x16, 0x1E}   # UTF8, Numeric, Printable, IA5, BMP


@dataclass(frozen=True, slots=True)
class MoicaCertificate:
    name: str
    id_last4: str
    serial_number: str          # the subject's serialNumber (the card holder's, 16 chars)
    certificate: x509.Certificate

    @classmethod
    def parse(cls, der: bytes) -> MoicaCertificate:
        """The certificate a card's ``SIGN`` key belongs to; err.cert.not_moica when it is
        not shaped like MOICA's (issuer, a name, the ID's last four)."""
        from cryptography import x509
        from cryptography.exceptions import UnsupportedAlgorithm
        from cryptography.x509.oid import NameOID

        try:
            cert = x509.load_der_x509_certificate(der)
            cert.extensions, cert.public_key()   # parsed here: malformed is not MOICA's
        except (ValueError, x509.DuplicateExtension, UnsupportedAlgorithm):
            raise KioskError("err.cert.not_moica") from None
        if not is_moica_issuer(cert.issuer):
            raise KioskError("err.cert.not_moica")
        names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        serials = cert.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)
        last4 = _id_last4(cert)
        if len(names) != 1 or len(serials) != 1 or not serials[0].value or last4 is None:
            raise KioskError("err.cert.not_moica")     # the card number is the binding's
        return cls(name=str(names[0].value), id_last4=last4,
                   serial_number=str(serials[0].value), certificate=cert)

    def holds_id(self, id_no: str) -> bool:
        """Whether ``id_no`` ends in the four characters the certificate carries."""
        return id_no.strip().upper()[-4:] == self.id_last4.upper()

    def holds_name(self, name: str) -> bool:
        return _same_name(self.name) == _same_name(name)


def is_moica_issuer(name: x509.Name) -> bool:
    from cryptography.x509.oid import NameOID

    oids = {"C": NameOID.COUNTRY_NAME, "O": NameOID.ORGANIZATION_NAME,
            "OU": NameOID.ORGANIZATIONAL_UNIT_NAME}
    if name.get_attributes_for_oid(NameOID.COMMON_NAME):
        return False
    return all([a.value for a in name.get_attributes_for_oid(oids[key])] == [value]
               for key, value in MOICA_ISSUER) and len(list(name)) == len(MOICA_ISSUER)


def _same_name(name: str) -> str:
    return unicodedata.normalize("NFC", name).strip()


def _id_last4(cert: x509.Certificate) -> str | None:
    """The attribute 2.16.886.1.100.2.51 of subjectDirectoryAttributes, or None."""
    from cryptography import x509

    try:
        extension = cert.extensions.get_extension_for_oid(
            x509.ObjectIdentifier(SUBJECT_DIRECTORY_ATTRIBUTES))
    except x509.ExtensionNotFound:
        return None
    value = extension.value
    raw = value.value if isinstance(value, x509.UnrecognizedExtension) else None
    if raw is None:
        return None
    try:
        for oid, values in _attributes(raw):
            if oid == ID_LAST4 and values:
                text = values[0]
                if len(text) == 4 and text.isascii() and text.isalnum():
                    return text
    except ValueError:
        return None
    return None


# -- the little DER that subjectDirectoryAttributes needs --------------------------------

def _tlv(data: bytes, at: int) -> tuple[int, bytes, int]:
    """(tag, contents, the offset after it) of the DER element at ``at``; ValueError."""
    if at + 2 > len(data):
        raise ValueError("truncated")
    tag, length = data[at], data[at + 1]
    at += 2
    if length & 0x80:
        count = length & 0x7F
        if not 0 < count <= 3 or at + count > len(data):
            raise ValueError("bad length")
        length = int.from_bytes(data[at:at + count], "big")
        at += count
    if at + length > len(data):
        raise ValueError("truncated")
    return tag, data[at:at + length], at + length


def _items(data: bytes) -> list[tuple[int, bytes]]:
    found, at = [], 0
    while at < len(data):
        tag, contents, at = _tlv(data, at)
        found.append((tag, contents))
    return found


def _oid(contents: bytes) -> str:
    if not contents:
        raise ValueError("empty OID")
    first, parts, value = contents[0], [], 0
    parts += [min(first // 40, 2), first - 40 * min(first // 40, 2)]
    for byte in contents[1:]:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            parts.append(value)
            value = 0
    return ".".join(str(p) for p in parts)


def _attributes(raw: bytes) -> list[tuple[str, list[str]]]:
    """SubjectDirectoryAttributes ::= SEQUENCE OF Attribute { type OID, values SET }."""
    [(tag, body)] = _items(raw) or [(0, b"")]
    if tag != 0x30:
        raise ValueError("not a SEQUENCE")
    found = []
    for tag, attribute in _items(body):
        parts = _items(attribute)
        if tag != 0x30 or len(parts) != 2 or parts[0][0] != 0x06 or parts[1][0] != 0x31:
            raise ValueError("not an Attribute")
        values = []
        for value_tag, value in _items(parts[1][1]):
            if value_tag in _STRING_TAGS:
                values.append(value.decode("utf-16-be" if value_tag == 0x1E else "utf-8",
                                           "replace"))
        found.append((_oid(parts[0][1]), values))
    return found


# -- trust ---------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Trust:
    """The CA certificates a kiosk trusts for MOICA, and the CRLs when they are configured."""

    cas: tuple[x509.Certificate, ...]
    crls: tuple[x509.CertificateRevocationList, ...] | None = None
    # (CRL index, issuer) -> whether the issuer's key signed it: a large CRL's signature
    # is checked once per reading of the files, not at every login
    _signed: dict[tuple[int, bytes], bool] = field(default_factory=dict, compare=False,
                                                   repr=False)

    @classmethod
    def load(cls, ca_dir: Path, crl: Path | None = None) -> Trust:
        """Every certificate (PEM or DER) in ``ca_dir``, and the CRLs in ``crl`` (a file, or
        a folder of them: G2 and G3 each publish their own); err.cert.no_trust when the
        folder holds no certificate, err.cert.crl_unreadable for a CRL that is not one."""
        from cryptography import x509

        cas = []
        for path in _files(ca_dir, KioskError("err.cert.no_trust", folder=str(ca_dir))):
            data = _read(path, MAX_FILE)
            if data is None:
                continue
            for load in (x509.load_pem_x509_certificates, _der_certificates):
                try:
                    cas += load(data)
                    break
                except ValueError:
                    continue
        if not cas:
            raise KioskError("err.cert.no_trust", folder=str(ca_dir))
        if crl is None:
            return cls(tuple(cas))
        unreadable = KioskError("err.cert.crl_unreadable", path=str(crl))
        paths = _files(crl, unreadable, most=MAX_CRL_FILES) if crl.is_dir() else [crl]
        if sum(size for _name, size, _at in _stamp(crl)) > MAX_CRL_TOTAL:
            raise unreadable
        return cls(tuple(cas), tuple(_load_crl(path) for path in paths))

    @classmethod
    def reader(cls, ca_dir: Path, crl: Path | None = None) -> Callable[[], Trust]:
        """What a login calls for the trust: the folder and the CRL read again only when a
        file in them changed (a complete CRL is tens of MiB), else the last reading."""
        last: list[tuple[tuple[tuple[str, int, int], ...], Trust]] = []

        def current() -> Trust:
            stamp = _stamp(ca_dir) + (_stamp(crl) if crl is not None else ())
            if not last or last[0][0] != stamp:
                last[:] = [(stamp, cls.load(ca_dir, crl))]
            return last[0][1]

        return current

    def check(self, moica: MoicaCertificate, now: datetime) -> None:
        """Raise the first reason ``moica`` may not sign in at ``now``."""
        from cryptography import x509

        cert = moica.certificate
        if now < cert.not_valid_before_utc:
            raise KioskError("err.cert.not_yet_valid")
        if now > cert.not_valid_after_utc:
            raise KioskError("err.cert.expired")
        try:
            usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
        except x509.ExtensionNotFound:
            raise KioskError("err.cert.usage") from None
        if not usage.digital_signature or _is_ca(cert) or not _understood(cert):
            raise KioskError("err.cert.usage")
        issuer = self._issuer(cert, now)
        if self.crls is not None:
            self._not_revoked(cert, issuer, now)

    def _issuer(self, cert: x509.Certificate, now: datetime) -> x509.Certificate:
        """The trusted CA that issued ``cert``, on a path of CAs from the trust folder to a
        self-signed root there; err.cert.untrusted when there is no such path."""
        path = self._path(cert, now, [])
        if path is None:
            raise KioskError("err.cert.untrusted")
        return path[0]

    def _path(self, cert: x509.Certificate, now: datetime,
              above: list[x509.Certificate]) -> list[x509.Certificate] | None:
        """CAs from ``cert``'s issuer up to a root, or None. Every CA of the same name is
        tried (G2 and G3 share theirs), so a wrong first guess is not the end."""
        if len(above) >= MAX_CHAIN:
            return None
        for ca in self.cas:
            if ca in above or not _issued(cert, ca, now, below=len(above)):
                continue
            if ca.subject == ca.issuer and _issued(ca, ca, now, below=len(above)):
                return [ca]                       # a trusted root: the path is whole
            rest = self._path(ca, now, [*above, ca])
            if rest is not None:
                return [ca, *rest]
        return None

    def _not_revoked(self, cert: x509.Certificate, issuer: x509.Certificate,
                     now: datetime) -> None:
        """Every CRL of the issuer's that speaks for ``cert`` (its complete list, or the
        partition for ``cert``'s distribution point) is read: a revocation listed in any of
        them stands, and at least one must be current at ``now``. A delta CRL is never
        read, as it is not a list on its own."""
        assert self.crls is not None
        lists = [c for i, c in enumerate(self.crls)
                 if self._signed_by(i, c, issuer) and _covers(c, cert, issuer)]
        if not lists:
            raise KioskError("err.cert.crl_not_issuers")
        if any(c.get_revoked_certificate_by_serial_number(cert.serial_number) is not None
               for c in lists):
            raise KioskError("err.cert.revoked")
        if not any(c.next_update_utc is not None and c.last_update_utc <= now
                   <= c.next_update_utc for c in lists):
            raise KioskError("err.cert.crl_stale")


    def _signed_by(self, index: int, crl: x509.CertificateRevocationList,
                   issuer: x509.Certificate) -> bool:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec, rsa

        if crl.issuer != issuer.subject:
            return False
        known = (index, issuer.fingerprint(hashes.SHA256()))
        if known not in self._signed:
            key = issuer.public_key()
            try:
                self._signed[known] = isinstance(
                    key, rsa.RSAPublicKey | ec.EllipticCurvePublicKey) \
                    and crl.is_signature_valid(key)
            except ValueError:
                self._signed[known] = False
        return self._signed[known]


# CA and end-entity extensions the checks here understand; any other marked critical
# means the certificate asks for a rule the kiosk does not apply, so it is refused.
_UNDERSTOOD = {"2.5.29.15", "2.5.29.19", "2.5.29.14", "2.5.29.35", "2.5.29.32", "2.5.29.17",
               "2.5.29.18", "2.5.29.31", "1.3.6.1.5.5.7.1.1", SUBJECT_DIRECTORY_ATTRIBUTES,
               "2.5.29.37"}


def _understood(cert: x509.Certificate) -> bool:
    return all(e.oid.dotted_string in _UNDERSTOOD for e in cert.extensions if e.critical)


def _is_ca(cert: x509.Certificate) -> bool:
    from cryptography import x509

    try:
        return bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return False


def _issued(cert: x509.Certificate, ca: x509.Certificate, now: datetime, below: int) -> bool:
    """Whether ``ca`` may have issued ``cert`` and did: valid at ``now``, a CA whose path
    length allows the ``below`` CAs under it, allowed to sign certificates, and its key
    verifies ``cert``'s signature."""
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature

    if cert.issuer != ca.subject or not ca.not_valid_before_utc <= now <= ca.not_valid_after_utc:
        return False
    try:
        basic = ca.extensions.get_extension_for_class(x509.BasicConstraints).value
        usage = ca.extensions.get_extension_for_class(x509.KeyUsage).value
        if not basic.ca or not usage.key_cert_sign or not _understood(ca) or (
                basic.path_length is not None and below > basic.path_length):
            return False
        cert.verify_directly_issued_by(ca)
    except (x509.ExtensionNotFound, InvalidSignature, ValueError, TypeError):
        return False
    return True


def _covers(crl: x509.CertificateRevocationList, cert: x509.Certificate,
            issuer: x509.Certificate) -> bool:
    """Whether ``crl``, ``issuer``'s own, speaks for ``cert``: a complete CRL, or a
    partition whose distribution point is one of ``cert``'s. Never a delta CRL."""
    from cryptography import x509

    try:
        critical = {e.oid.dotted_string for e in crl.extensions if e.critical}
        if critical - {"2.5.29.28"} or any(isinstance(e.value, x509.DeltaCRLIndicator)
                                           for e in crl.extensions):
            return False            # a delta CRL, or one with rules the kiosk does not know
        point = crl.extensions.get_extension_for_class(x509.IssuingDistributionPoint).value
    except x509.ExtensionNotFound:
        return True                 # no partition: the issuer's complete list
    except ValueError:
        return False
    if point.only_contains_ca_certs or point.only_contains_attribute_certs or \
            point.indirect_crl or point.only_some_reasons or not point.full_name:
        return False
    try:
        points = cert.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    except x509.ExtensionNotFound:
        return False
    return any(p.full_name and set(p.full_name) & set(point.full_name) for p in points)


def _files(folder: Path, refusal: KioskError, most: int | None = None) -> list[Path]:
    """The files in ``folder``, sorted: the first MAX_CA_FILES, or, with ``most``, all of
    them or ``refusal`` when there are more (a CRL left out would be a card unchecked)."""
    try:
        files = sorted(p for p in folder.iterdir() if p.is_file())
    except OSError:
        raise refusal from None
    if most is not None and len(files) > most:
        raise refusal
    return files if most is not None else files[:MAX_CA_FILES]


def _stamp(path: Path) -> tuple[tuple[str, int, int], ...]:
    """Name, size and change time of ``path`` or of the files in it (empty when gone)."""
    try:
        paths = sorted(path.iterdir()) if path.is_dir() else [path]
        return tuple((str(p), (st := p.stat()).st_size, st.st_mtime_ns) for p in paths)
    except OSError:
        return ()


def _load_crl(path: Path) -> x509.CertificateRevocationList:
    from cryptography import x509

    data = _read(path, MAX_CRL) or b""
    for load_crl in (x509.load_pem_x509_crl, x509.load_der_x509_crl):
        try:
            return load_crl(data)
        except ValueError:
            continue
    raise KioskError("err.cert.crl_unreadable", path=str(path))


def _read(path: Path, most: int) -> bytes | None:
    """The file's bytes, or None when it cannot be read or is over ``most``."""
    try:
        return read_bounded(path, most)
    except ImportFileError:
        return None


def der(cert: x509.Certificate) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return cert.public_bytes(serialization.Encoding.DER)


def _der_certificates(data: bytes) -> list[x509.Certificate]:
    from cryptography import x509

    return [x509.load_der_x509_certificate(data)]
