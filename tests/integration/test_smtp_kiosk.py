"""The running kiosk delivers what its workflows queue, to a real local SMTP server."""

from __future__ import annotations

import email
import email.policy

import pytest

from kiosk.domain.config import Config
from kiosk.wiring import mail_delivery
from tests.integration.test_smtp import start_server  # noqa: F401  (the aiosmtpd fixture)
from tests.ui.conftest import make_app, make_services, wait_until
from tests.ui.flows import (
    account_step,
    confirm_and_send,
    national_identity,
    on,
    through_terms_and_read,
)


@pytest.fixture(autouse=True)
def _no_card_left_inserted() -> None:
    """No PC/SC here: the simulated reader is enough."""


async def test_registration_mail_reaches_the_smtp_server(start_server, tmp_path):  # noqa: F811
    from screens.card import CardScreen

    recorder, port = start_server()
    config = Config(db=tmp_path / "kiosk.json", smtp_host="127.0.0.1", smtp_port=port,
                    smtp_starttls=False, mail_from="kiosk@example.com", demo=True)
    app = make_app(lang="en", services=make_services(tmp_path),
                   deliver_mail=mail_delivery(config))
    app.mail_interval_s = 0.2
    async with app.run_test(size=(80, 24)) as pilot:
        app.monitor.insert("national")
        await wait_until(pilot, on(app, CardScreen))
        await pilot.press("1")
        await through_terms_and_read(pilot)
        await national_identity(pilot)
        await account_step(pilot, email="wang@example.com")
        await confirm_and_send(pilot)
        await wait_until(pilot, recorder.received.is_set, timeout=15, what="mail at the server")
    message = email.message_from_bytes(recorder.messages[0]["raw"], policy=email.policy.default)
    assert recorder.messages[0]["rcpt_tos"] == ["wang@example.com"]
    body = message.get_body(("plain",)).get_content()
    assert "nhi-kiosk://confirm/" in body and "驗證" in body
    assert app.services.mails()[0]["status"] == "sent"
