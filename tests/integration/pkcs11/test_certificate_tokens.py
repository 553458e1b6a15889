"""Signing in with a citizen digital certificate on real PKCS#11 tokens (SoftHSM2), the
whole way: the module's slots, the login with the PIN, the challenge signed by the card's
SIGN key, the certificate read off the card and checked against the kiosk's trusted CAs
and CRL, then the registration. Faults SoftHSM cannot play (a locked PIN, few tries left)
are tested at the PKCS#11 boundary in tests/unit/test_certificate_sign_in.py."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from kiosk.domain.demo_people import DEMO_PASSWORD
from kiosk.domain.moica import Trust
from kiosk.domain.registration.certificate_sign_in import CertificateSignIn
from reader.token import Pkcs11Token
from tests.integration.pkcs11.conftest import CHANG, PIN
from tests.unit.domain_fixtures import (  # noqa: F401  (world: the domain fixture)
    refused,
    store_kind,
    world,
)


def signing_in(world, tokens, crl: bool = True) -> CertificateSignIn:  # noqa: F811
    return CertificateSignIn(world.services, Pkcs11Token(tokens.module),
                             lambda: Trust.load(tokens.trust, tokens.crl if crl else None))


def test_the_card_signs_its_holder_in_and_is_known_by_its_serial(world, tokens):  # noqa: F811
    serial = tokens.serials["valid"]
    assert serial in Pkcs11Token(tokens.module).present()
    signed = Pkcs11Token(tokens.module).sign(PIN, b"challenge", serial)
    assert len(signed.ca_certificates) == 2          # CACert and ROOTCACert, read back
    session = signing_in(world, tokens).login(CHANG.id_no, PIN, serial, DEMO_PASSWORD)
    assert session.by_certificate and session.token == serial
    assert (session.id_no, session.name) == (CHANG.id_no, CHANG.name)
    # logged out and closed: the next login finds the token as it was, the account's now
    assert signing_in(world, tokens).login(CHANG.id_no, PIN, serial).token == serial


def test_a_wrong_pin_is_said_and_the_right_one_still_works(world, tokens, caplog):  # noqa: F811
    serial = tokens.serials["valid"]
    caplog.set_level(logging.DEBUG)
    # SoftHSM sets CKF_USER_PIN_COUNT_LOW once a login has failed (it never locks)
    with refused("err.cert.pin_low"):
        signing_in(world, tokens).login(CHANG.id_no, "999999", serial)
    assert signing_in(world, tokens).login(CHANG.id_no, PIN, serial, DEMO_PASSWORD).token \
        == serial
    assert "999999" not in caplog.text and PIN not in caplog.text


@pytest.mark.parametrize("card, key", [
    ("expired", "err.cert.expired"),
    ("untrusted", "err.cert.untrusted"),
    ("other_id", "err.cert.id_mismatch"),
    ("revoked", "err.cert.revoked"),
])
def test_a_card_that_may_not_sign_in_says_why(world, tokens, card, key):  # noqa: F811
    with refused(key):
        signing_in(world, tokens).login(CHANG.id_no, PIN, tokens.serials[card])


def test_revocation_needs_the_crl_configured(world, tokens):  # noqa: F811
    serial = tokens.serials["revoked"]
    assert signing_in(world, tokens, crl=False).login(
        CHANG.id_no, PIN, serial, DEMO_PASSWORD).token == serial


def test_no_card_and_no_module_are_messages(world, tokens):  # noqa: F811
    with refused("err.cert.no_card"):
        signing_in(world, tokens).login(CHANG.id_no, PIN, "not-in-any-slot")
    missing = CertificateSignIn(world.services, Pkcs11Token(Path("/nonexistent/hicos.so")),
                                lambda: Trust.load(tokens.trust))
    with refused("err.cert.no_module"):
        missing.login(CHANG.id_no, PIN)
