"""Signing in with the citizen digital certificate (kiosk/domain/registration/
certificate_sign_in.py, kiosk/domain/moica.py): every outcome at the domain level, with a
token that signs with a real key and fails as a real card can (a locked PIN, few tries
left: SoftHSM never locks, so these are injected at the PKCS#11 boundary). The same on
real SoftHSM tokens: tests/integration/pkcs11/."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import NameOID

from kiosk.domain.demo_people import DEMO_PASSWORD
from kiosk.domain.errors import KioskError
from kiosk.domain.moica import MoicaCertificate, Trust
from kiosk.domain.registration.certificate_sign_in import CertificateSignIn
from reader.demo import DEMO_BY_KEY
from reader.token import (
    NoSigningKeyError,
    NoTokenError,
    PinLockedError,
    TokenModuleError,
    WrongPinError,
)
from tests.moica_ca import LOOKALIKE, PIN, TRUSTED, UTC, CardToken, card_of, der, rsa_key
from tests.unit.domain_fixtures import refused

CHANG = DEMO_BY_KEY["registered"].card        # 張志明, J128765432, registered and active
SUSPENDED = DEMO_BY_KEY["suspended"].card


@pytest.fixture
def trust_dir(tmp_path: Path) -> Path:
    return TRUSTED.write_trust(tmp_path / "moica-ca")


def signing_in(world, token, trust_dir: Path, crl: Path | None = None) -> CertificateSignIn:
    return CertificateSignIn(world.services, token, lambda: Trust.load(trust_dir, crl))


def test_a_valid_certificate_signs_its_registered_holder_in(world, trust_dir):
    token = card_of()
    with refused("err.cert.needs_password"):       # this card is not yet the account's
        signing_in(world, token, trust_dir).login(CHANG.id_no, PIN)
    session = signing_in(world, token, trust_dir).login(CHANG.id_no.lower(), PIN,
                                                        password=DEMO_PASSWORD)
    assert (session.id_no, session.name, session.card_no) == (CHANG.id_no, CHANG.name,
                                                               CHANG.card_no)
    assert session.by_certificate and not session.by_card
    assert session.token == "c3075127ca7d7b21"
    assert token.pins == [PIN, PIN]
    signing_in(world, token, trust_dir).login(CHANG.id_no, PIN)   # now the card alone


@pytest.mark.parametrize("fault, key", [
    (WrongPinError(count_low=False, final_try=False), "err.cert.pin_wrong"),
    (WrongPinError(count_low=True, final_try=False), "err.cert.pin_low"),
    (WrongPinError(count_low=True, final_try=True), "err.cert.pin_final"),
    (PinLockedError("locked"), "err.cert.pin_locked"),
    (NoTokenError("none"), "err.cert.no_card"),
    (NoSigningKeyError("no SIGN"), "err.cert.not_moica"),
    (TokenModuleError("OSError"), "err.cert.no_module"),
])
def test_what_the_card_says_is_a_message(world, trust_dir, fault, key):
    token = card_of()
    token.fault = fault
    with refused(key):
        signing_in(world, token, trust_dir).login(CHANG.id_no, PIN)


@pytest.mark.parametrize("issue, key", [
    ({"not_after": dt.datetime(2026, 11, 1, tzinfo=UTC)}, "err.cert.expired"),
    ({"not_before": dt.datetime(2027, 1, 1, tzinfo=UTC)}, "err.cert.not_yet_valid"),
    ({"signing": False}, "err.cert.usage"),
    ({"authority": LOOKALIKE}, "err.cert.untrusted"),
])
def test_a_certificate_that_may_not_sign_in_says_why(world, trust_dir, issue, key):
    with refused(key):
        signing_in(world, card_of(**issue), trust_dir).login(CHANG.id_no, PIN)


def test_a_certificate_not_shaped_like_moicas_is_not_one(world, trust_dir):
    key = rsa_key("citizen")
    other = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Some CA")])
    cert = (x509.CertificateBuilder().subject_name(other).issuer_name(other)
            .public_key(key.public_key()).serial_number(5)
            .not_valid_before(dt.datetime(2025, 1, 1, tzinfo=UTC))
            .not_valid_after(dt.datetime(2030, 1, 1, tzinfo=UTC)).sign(key, hashes.SHA256()))
    with refused("err.cert.not_moica"):
        signing_in(world, CardToken(cert, key), trust_dir).login(CHANG.id_no, PIN)


def test_a_certificate_on_a_card_with_another_key_is_refused(world, trust_dir):
    token = card_of()
    token.key = rsa_key("someone else")     # a copied certificate, another card's key
    with refused("err.cert.bad_signature"):
        signing_in(world, token, trust_dir).login(CHANG.id_no, PIN)


def test_revocation_is_read_from_the_configured_crl(world, trust_dir, tmp_path):
    crl = tmp_path / "moica.crl"
    next_update = dt.datetime(2027, 1, 1, tzinfo=UTC)
    crl.write_bytes(TRUSTED.crl([1001], next_update=next_update).public_bytes(
        serialization.Encoding.DER))
    with refused("err.cert.revoked"):
        signing_in(world, card_of(serial=1001), trust_dir, crl).login(CHANG.id_no, PIN)
    session = signing_in(world, card_of(serial=1002), trust_dir, crl).login(
        CHANG.id_no, PIN, password=DEMO_PASSWORD)
    assert session.id_no == CHANG.id_no

    stale = TRUSTED.crl([], next_update=dt.datetime(2026, 11, 1, tzinfo=UTC))
    crl.write_bytes(stale.public_bytes(serialization.Encoding.PEM))
    with refused("err.cert.crl_stale"):
        signing_in(world, card_of(serial=1002), trust_dir, crl).login(CHANG.id_no, PIN)
    forged = LOOKALIKE.crl([], next_update=next_update)
    crl.write_bytes(forged.public_bytes(serialization.Encoding.PEM))
    with refused("err.cert.crl_not_issuers"):
        signing_in(world, card_of(serial=1002), trust_dir, crl).login(CHANG.id_no, PIN)
    crl.write_bytes(b"not a CRL")
    with refused("err.cert.crl_unreadable"):
        signing_in(world, card_of(serial=1002), trust_dir, crl).login(CHANG.id_no, PIN)


def test_the_id_must_end_as_the_certificate_says(world, trust_dir):
    token = card_of()
    with refused("err.cert.id_mismatch"):
        signing_in(world, token, trust_dir).login("A123456789", PIN)   # valid, another's


def test_the_registered_name_must_be_the_certificates(world, trust_dir):
    """Said as "no registration matches", as for no registration at all: a certificate
    whose last four digits fit someone's ID number must not learn that one is registered,
    or suspended."""
    key = rsa_key("citizen")
    for person in (CHANG, SUSPENDED):
        cert = TRUSTED.issue("張志強", person.id_no[-4:], serial=1003, key=key)
        with refused("err.cert.not_registered"):
            signing_in(world, CardToken(cert, key), trust_dir).login(person.id_no, PIN)


def test_a_person_not_registered_or_suspended_is_told_so(world, trust_dir):
    national = DEMO_BY_KEY["national"].card     # in the registry, no account
    with refused("err.cert.not_registered"):
        signing_in(world, card_of(national), trust_dir).login(national.id_no, PIN)
    with refused("err.login.suspended"):
        signing_in(world, card_of(SUSPENDED), trust_dir).login(SUSPENDED.id_no, PIN)


def test_a_card_becomes_the_accounts_only_with_the_registration_password(world, trust_dir):
    """Two people can share a name and the ID's last four digits, and the ID number is no
    secret; the certificate names no more. So a card that is not yet the account's needs
    the registration password too, counted as at the card login; then it signs in alone."""
    namesake = card_of(serial=1002, key_label="another", holder_serial="TP09999999999999")
    for tries_left in (4, 3):
        with refused("err.login.password") as wrong:
            signing_in(world, namesake, trust_dir).login(CHANG.id_no, PIN, password="Guess@123")
        assert wrong.value.params["tries_left"] == tries_left
    assert "certificate" not in world.services.accounts.get_by_id(CHANG.id_no)

    first = card_of(serial=1001, holder_serial="TP03175817011576")
    signing_in(world, first, trust_dir).login(CHANG.id_no, PIN, password=DEMO_PASSWORD)
    signing_in(world, first, trust_dir).login(CHANG.id_no, PIN)       # the card alone now
    with refused("err.cert.needs_password"):     # another card: not without the password
        signing_in(world, namesake, trust_dir).login(CHANG.id_no, PIN)

    renewed = namesake        # the holder's new card (a renewal, a lost one replaced)
    signing_in(world, renewed, trust_dir).login(CHANG.id_no, PIN, password=DEMO_PASSWORD)
    bound = world.services.accounts.get_by_id(CHANG.id_no)["certificate"]
    assert bound["card"] == "TP09999999999999"
    with refused("err.cert.needs_password"):     # the old card is no longer the account's
        signing_in(world, first, trust_dir).login(CHANG.id_no, PIN)


def test_the_password_is_checked_only_after_the_card_and_its_certificate(world, trust_dir):
    """A wrong PIN, an untrusted card or a stranger's certificate never reaches the
    password, so they cannot use up the holder's five tries."""
    for token in (card_of(authority=LOOKALIKE), card_of(DEMO_BY_KEY["national"].card)):
        with pytest.raises(KioskError):
            signing_in(world, token, trust_dir).login(CHANG.id_no, PIN, password="Guess@123")
    with refused("err.cert.pin_wrong"):
        signing_in(world, card_of(), trust_dir).login(CHANG.id_no, "864213",
                                                       password="Guess@123")
    signing_in(world, card_of(), trust_dir).login(CHANG.id_no, PIN, password=DEMO_PASSWORD)
    # nothing counted: a wrong password now is the first of five
    with refused("err.login.password") as wrong:
        signing_in(world, card_of(serial=1003, holder_serial="TP01111111111111"),
                   trust_dir).login(CHANG.id_no, PIN, password="Guess@123")
    assert wrong.value.params["tries_left"] == 4


@pytest.mark.parametrize("id_no, pin, key", [
    ("A12345678", PIN, "err.qr.id"), ("J128765432", "", "err.cert.pin_length"),
    ("J128765432", "1" * 17, "err.cert.pin_length"),
])
def test_bad_input_is_refused_before_the_card_is_asked(world, trust_dir, id_no, pin, key):
    token = card_of()
    with refused(key):
        signing_in(world, token, trust_dir).login(id_no, pin)
    assert token.pins == []


def test_a_kiosk_without_its_trusted_cas_refuses_before_the_pin(world, tmp_path):
    token = card_of()
    (tmp_path / "empty").mkdir()
    with refused("err.cert.no_trust"):
        signing_in(world, token, tmp_path / "empty").login(CHANG.id_no, PIN)
    assert token.pins == []


def test_the_pin_is_in_no_error_and_nowhere_in_the_store(world, trust_dir, tmp_path):
    secret = "864213"
    token = card_of()
    with refused("err.cert.pin_wrong") as wrong:
        signing_in(world, token, trust_dir).login(CHANG.id_no, secret)
    assert secret not in repr(wrong.value) + str(wrong.value.__dict__)
    signing_in(world, token, trust_dir).login(CHANG.id_no, PIN, password=DEMO_PASSWORD)
    stored = b"".join(p.read_bytes() for p in tmp_path.rglob("*") if p.is_file())
    assert secret.encode() not in stored and PIN.encode() not in stored
    assert DEMO_PASSWORD.encode() not in stored


def test_the_id_digits_are_read_from_subject_directory_attributes():
    cert = TRUSTED.issue(CHANG.name, "5432", serial=7, key=rsa_key("citizen"))
    moica = MoicaCertificate.parse(der(cert))
    assert (moica.name, moica.id_last4, moica.serial_number) == (CHANG.name, "5432",
                                                                 "0000000012345678")
    assert moica.holds_id("J128765432") and not moica.holds_id("J128765431")


def test_a_certificate_the_library_cannot_read_whole_is_not_moicas(world, trust_dir):
    """A card can hold any bytes: a KeyUsage that is not one, say, which cryptography
    refuses when the extensions are read; that is a message, never a traceback."""
    from cryptography.x509.oid import ExtensionOID

    from tests.moica_ca import id_last4_extension

    key = rsa_key("citizen")
    good = TRUSTED.issue(CHANG.name, CHANG.id_no[-4:], serial=1009, key=key)
    broken = (x509.CertificateBuilder().subject_name(good.subject).issuer_name(good.issuer)
              .public_key(key.public_key()).serial_number(1010)
              .not_valid_before(good.not_valid_before_utc)
              .not_valid_after(good.not_valid_after_utc)
              .add_extension(x509.UnrecognizedExtension(ExtensionOID.KEY_USAGE, b"\x01\x02"),
                             critical=True)
              .add_extension(id_last4_extension(CHANG.id_no[-4:]), critical=False)
              .sign(TRUSTED.moica_key, hashes.SHA256()))
    with refused("err.cert.not_moica"):
        signing_in(world, CardToken(broken, key), trust_dir).login(CHANG.id_no, PIN)
