"""The trust rules of kiosk/domain/moica.py one by one, on certificates built to break
exactly one of them: what a CA may be, the path to a root, and which CRL speaks for a
card. A forged or mis-issued certificate that passed any of these would sign someone in."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from kiosk.domain.demo_certificates import ROOT_UNIT
from kiosk.domain.moica import MoicaCertificate, Trust
from tests.moica_ca import TRUSTED, UTC, der, id_last4_extension, rsa_key
from tests.unit.domain_fixtures import refused

NOW = dt.datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
FROM, UNTIL = dt.datetime(2020, 1, 1, tzinfo=UTC), dt.datetime(2040, 1, 1, tzinfo=UTC)
POINT = "http://moica.example/crl/CRL_0012.crl"


def name(unit: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "TW"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "行政院"),
                      x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, unit)])


def usage(*, sign_certs: bool, digital: bool = False) -> x509.KeyUsage:
    return x509.KeyUsage(digital_signature=digital, content_commitment=False,
                         key_encipherment=False, data_encipherment=False, key_agreement=False,
                         key_cert_sign=sign_certs, crl_sign=sign_certs, encipher_only=False,
                         decipher_only=False)


def certificate(subject: x509.Name, key: rsa.RSAPrivateKey, issuer: x509.Name,
                issuer_key: rsa.RSAPrivateKey, *, serial: int, ca: bool = True,
                path_length: int | None = None, sign_certs: bool = True,
                digital: bool | None = None,
                extensions: tuple[tuple[x509.ExtensionType, bool], ...] = (),
                ) -> x509.Certificate:
    builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer)
               .public_key(key.public_key()).serial_number(serial)
               .not_valid_before(FROM).not_valid_after(UNTIL)
               .add_extension(usage(sign_certs=sign_certs,
                                    digital=not ca if digital is None else digital),
                              critical=True))
    if ca:
        builder = builder.add_extension(x509.BasicConstraints(ca=True, path_length=path_length),
                                        critical=True)
    for extension, critical in extensions:
        builder = builder.add_extension(extension, critical=critical)
    return builder.sign(issuer_key, hashes.SHA256())


def card(issuer: x509.Name = TRUSTED.moica_name, issuer_key: rsa.RSAPrivateKey | None = None,
         *, serial: int = 3001, extensions: tuple[tuple[x509.ExtensionType, bool], ...] = ()
         ) -> MoicaCertificate:
    """A citizen's SIGN certificate under ``issuer`` (by default the trusted MOICA CA)."""
    subject = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "TW"),
                         x509.NameAttribute(NameOID.COMMON_NAME, "張志明"),
                         x509.NameAttribute(NameOID.SERIAL_NUMBER, "TP03175817011576")])
    cert = certificate(subject, rsa_key("citizen"), issuer, issuer_key or TRUSTED.moica_key,
                       serial=serial, ca=False,
                       extensions=((id_last4_extension("5432"), False), *extensions))
    return MoicaCertificate.parse(der(cert))


def trust(*cas: x509.Certificate, crls: tuple[x509.CertificateRevocationList, ...] | None = None
          ) -> Trust:
    return Trust(cas, crls)


def test_a_card_issued_on_the_trusted_path_passes():
    trust(TRUSTED.root, TRUSTED.moica).check(card(), NOW)


def test_a_ca_certificate_is_not_a_card():
    """Even one whose key may sign (digitalSignature) and that MOICA's CA did issue."""
    leaf = certificate(TRUSTED.moica_name, rsa_key("citizen"), TRUSTED.moica_name,
                       TRUSTED.moica_key, serial=3002, digital=True)
    as_card = MoicaCertificate(name="張志明", id_last4="5432", serial_number="",
                               certificate=leaf)
    with refused("err.cert.usage"):
        trust(TRUSTED.root, TRUSTED.moica).check(as_card, NOW)


def test_a_ca_that_may_not_sign_certificates_issues_none():
    moica = certificate(TRUSTED.moica_name, TRUSTED.moica_key, name(ROOT_UNIT),
                        TRUSTED.root_key, serial=2, sign_certs=False)
    with refused("err.cert.untrusted"):
        trust(TRUSTED.root, moica).check(card(), NOW)


def test_a_root_whose_path_length_is_used_up_ends_the_path():
    root = certificate(name(ROOT_UNIT), TRUSTED.root_key, name(ROOT_UNIT), TRUSTED.root_key,
                       serial=1, path_length=0)
    with refused("err.cert.untrusted"):
        trust(root, TRUSTED.moica).check(card(), NOW)


def test_a_path_within_every_path_length_is_whole():
    """The root allows one CA below it, and MOICA's CA allows none: the card's path fits."""
    root = certificate(name(ROOT_UNIT), TRUSTED.root_key, name(ROOT_UNIT), TRUSTED.root_key,
                       serial=1, path_length=1)
    moica = certificate(TRUSTED.moica_name, TRUSTED.moica_key, name(ROOT_UNIT),
                        TRUSTED.root_key, serial=2, path_length=0)
    trust(root, moica).check(card(), NOW)


def test_a_root_that_did_not_sign_itself_is_no_root():
    """Named as its own issuer, but another key signed it: nothing vouches for it."""
    root = certificate(name(ROOT_UNIT), TRUSTED.root_key, name(ROOT_UNIT), rsa_key("forger"),
                       serial=1)
    with refused("err.cert.untrusted"):
        trust(root, TRUSTED.moica).check(card(), NOW)


def test_every_ca_of_the_same_name_is_tried():
    """G2 and G3 share the MOICA name; the card's issuer may be the second one found."""
    g3_key = rsa_key("moica-g3")
    g3 = certificate(TRUSTED.moica_name, g3_key, name(ROOT_UNIT), TRUSTED.root_key, serial=3)
    trusted = trust(TRUSTED.root, TRUSTED.moica, g3)
    trusted.check(card(), NOW)
    trusted.check(card(issuer_key=g3_key), NOW)
    with refused("err.cert.untrusted"):
        trusted.check(card(issuer_key=rsa_key("forger")), NOW)


def test_a_rule_the_kiosk_does_not_know_is_not_waved_through():
    unknown = x509.UnrecognizedExtension(x509.ObjectIdentifier("1.2.3.4.5"), b"\x05\x00")
    with refused("err.cert.usage"):
        trust(TRUSTED.root, TRUSTED.moica).check(card(extensions=((unknown, True),)), NOW)
    moica = certificate(TRUSTED.moica_name, TRUSTED.moica_key, name(ROOT_UNIT),
                        TRUSTED.root_key, serial=2, extensions=((unknown, True),))
    with refused("err.cert.untrusted"):
        trust(TRUSTED.root, moica).check(card(), NOW)
    trust(TRUSTED.root, TRUSTED.moica).check(card(extensions=((unknown, False),)), NOW)


def crl(revoked: list[int], *, key: rsa.RSAPrivateKey | None = None,
        last_update: dt.datetime = dt.datetime(2026, 11, 1, tzinfo=UTC),
        next_update: dt.datetime = dt.datetime(2026, 12, 1, tzinfo=UTC),
        extensions: tuple[tuple[x509.ExtensionType, bool], ...] = ()
        ) -> x509.CertificateRevocationList:
    builder = (x509.CertificateRevocationListBuilder().issuer_name(TRUSTED.moica_name)
               .last_update(last_update).next_update(next_update))
    for serial in revoked:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(serial)
            .revocation_date(last_update).build())
    for extension, critical in extensions:
        builder = builder.add_extension(extension, critical=critical)
    return builder.sign(key or TRUSTED.moica_key, hashes.SHA256())


def partition(uri: str) -> x509.IssuingDistributionPoint:
    return x509.IssuingDistributionPoint(
        full_name=[x509.UniformResourceIdentifier(uri)], relative_name=None,
        only_contains_user_certs=True, only_contains_ca_certs=False, only_some_reasons=None,
        indirect_crl=False, only_contains_attribute_certs=False)


def pointed(uri: str = POINT) -> tuple[tuple[x509.ExtensionType, bool], ...]:
    return ((x509.CRLDistributionPoints([x509.DistributionPoint(
        full_name=[x509.UniformResourceIdentifier(uri)], relative_name=None, reasons=None,
        crl_issuer=None)]), False),)


def checked(*crls: x509.CertificateRevocationList, cert: MoicaCertificate | None = None,
            cas: tuple[x509.Certificate, ...] = ()) -> None:
    trust(TRUSTED.root, TRUSTED.moica, *cas, crls=crls).check(cert or card(), NOW)


def test_the_partition_that_names_the_cards_distribution_point_is_the_one_read():
    listed = card(serial=3001, extensions=pointed())
    with refused("err.cert.revoked"):
        checked(crl([3001], extensions=((partition(POINT), True),)), cert=listed)
    with refused("err.cert.crl_not_issuers"):      # another partition says nothing of it
        checked(crl([], extensions=((partition(POINT + ".other"), True),)), cert=listed)
    with refused("err.cert.crl_not_issuers"):      # a card without a point is in no part
        checked(crl([], extensions=((partition(POINT), True),)), cert=card(serial=3001))
    checked(crl([]), cert=listed)                   # the complete list speaks for all


def test_a_delta_crl_is_not_the_list():
    """Marked critical or not (RFC 5280 wants it critical; the kiosk takes neither)."""
    for critical in (True, False):
        with refused("err.cert.crl_not_issuers"):
            checked(crl([], extensions=((x509.DeltaCRLIndicator(7), critical),)))


@pytest.mark.parametrize("when", [
    {"next_update": dt.datetime(2026, 11, 20, tzinfo=UTC)},
    {"last_update": dt.datetime(2026, 11, 24, tzinfo=UTC),
     "next_update": dt.datetime(2026, 12, 24, tzinfo=UTC)},
])
def test_a_list_not_current_at_the_kiosks_clock_checks_nothing(when):
    with refused("err.cert.crl_stale"):
        checked(crl([], **when))


def test_of_several_lists_the_cards_own_issuers_is_read():
    """G2 and G3 publish lists under the same name; only the issuer's key tells them apart."""
    g3_key = rsa_key("moica-g3")
    g3 = certificate(TRUSTED.moica_name, g3_key, name(ROOT_UNIT), TRUSTED.root_key, serial=3)
    lists = (crl([], key=g3_key), crl([3001]))
    with refused("err.cert.revoked"):
        checked(*lists, cas=(g3,))
    checked(*lists, cert=card(issuer_key=g3_key), cas=(g3,))


def test_a_crl_folder_is_read_whole(tmp_path: Path):
    trust_dir = TRUSTED.write_trust(tmp_path / "ca")
    lists = tmp_path / "crl"
    lists.mkdir()
    (lists / "a.crl").write_bytes(crl([]).public_bytes(serialization.Encoding.DER))
    part = crl([3001], extensions=((partition(POINT), True),))
    (lists / "b.crl").write_bytes(part.public_bytes(serialization.Encoding.PEM))
    loaded = Trust.load(trust_dir, lists)
    with refused("err.cert.revoked"):
        loaded.check(card(extensions=pointed()), NOW)
    (lists / "c.crl").write_bytes(b"not a CRL")
    with refused("err.cert.crl_unreadable"):
        Trust.load(trust_dir, lists)
