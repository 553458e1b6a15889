"""The certificate login screen on real SoftHSM tokens, in both languages: the card the
tray puts in stands for one token; the screen signs through the PKCS#11 module, and each
card of the fixture ends as a citizen would see it."""

from __future__ import annotations

import pytest

from kiosk.domain.moica import Trust
from kiosk.domain.registration.certificate_sign_in import CertificateSignIn
from reader.simulated import SimulatedMonitor
from reader.token import Pkcs11Token
from screens.registration.certificate_login import CertificateLoginScreen
from screens.services import ServicesScreen
from tests.integration.pkcs11.conftest import CHANG, PIN
from tests.ui.conftest import NOW, make_app, wait_until
from tests.ui.flows import on
from tests.ui.test_certificate_login import insert_certificate, says, sign_in

OUTCOMES = [("valid", None), ("expired", "err.cert.expired"),
            ("untrusted", "err.cert.untrusted"), ("other_id", "err.cert.id_mismatch"),
            ("revoked", "err.cert.revoked")]


def kiosk_on(tokens, what: str, lang: str):
    serial = tokens.serials[what]
    app = make_app(lang=lang, monitor=SimulatedMonitor(clock=lambda: NOW,
                                                       certificates=lambda reader: serial))
    app.domain.certificate_sign_in = CertificateSignIn(
        app.services, Pkcs11Token(tokens.module), lambda: Trust.load(tokens.trust, tokens.crl))
    return app


@pytest.mark.parametrize("lang", ["zh-TW", "en"])
@pytest.mark.parametrize("what, refusal", OUTCOMES, ids=[w for w, _ in OUTCOMES])
async def test_each_card_ends_as_the_citizen_sees_it(tokens, lang, what, refusal):
    app = kiosk_on(tokens, what, lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await insert_certificate(pilot)
        await sign_in(pilot, CHANG.id_no, PIN)
        if refusal is None:
            await wait_until(pilot, on(app, ServicesScreen), what="services", timeout=15)
            assert app.session is not None and app.session.token == tokens.serials[what]
        else:
            await says(pilot, app.catalog.t(refusal), what=refusal)
            assert isinstance(app.screen, CertificateLoginScreen) and app.session is None


async def test_a_wrong_pin_on_the_token_is_said_with_few_tries_left(tokens):
    app = kiosk_on(tokens, "valid", "en")
    async with app.run_test(size=(80, 24)) as pilot:
        await insert_certificate(pilot)
        await sign_in(pilot, CHANG.id_no, "864213")
        # SoftHSM says "count low" after one wrong PIN; a real card counts down
        await says(pilot, app.catalog.t("err.cert.pin_low"))
        assert app.session is None
