"""Real SMTP delivery against a local aiosmtpd server on 127.0.0.1 (an ephemeral port).

Nothing is mocked: the kiosk's :class:`SmtpSender` talks SMTP over TCP to aiosmtpd, with
STARTTLS (a self-signed certificate made by ``openssl req`` for this session, trusted
through the sender's ``ssl_context``) and AUTH. No fixed sleeps: the server's SMTP
transaction is complete when ``send()`` returns, and every wait has a timeout.
"""

from __future__ import annotations

import email
import email.policy
import shutil
import socket
import ssl
import subprocess
import threading
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from kiosk.domain.clock import TAIPEI, FixedClock
from kiosk.domain.codes import ALPHABET, LENGTH
from kiosk.domain.keyring import Keyring, machine_key
from kiosk.domain.mail import Mailer, MailKind
from kiosk.domain.mail.smtp import SmtpSender, SmtpSettings
from store.core import Store
from store.outbox import Outbox

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=TAIPEI)
SEED = "seed-of-the-verification-code"
TO = "someone@example.com"
FROM = "NHI 櫃檯 <kiosk@example.com>"
USER, PASSWORD = "kiosk", "correct horse 電池"   # non-ASCII: smtplib alone cannot send it
ASCII_USER, ASCII_PASSWORD = "relay", "plain-ascii-42"
ACCOUNTS = {USER: PASSWORD, ASCII_USER: ASCII_PASSWORD}
WAIT = 10.0


@pytest.fixture(autouse=True)
def _no_card_left_inserted() -> None:
    """Overrides the PC/SC fixture of tests/integration/conftest.py: no pcscd needed here."""


class Recorder:
    """aiosmtpd handler: keeps what arrives; ``rcpt_reply`` scripts a refusal."""

    def __init__(self) -> None:
        self.rcpt_reply: str | None = None
        self.messages: list[dict[str, Any]] = []
        self.received = threading.Event()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append({
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "raw": envelope.content,
            "tls": session.ssl is not None,
            "auth": session.auth_data,
        })
        self.received.set()
        return "250 Message accepted for delivery"

    def one_message(self) -> dict[str, Any]:
        assert self.received.wait(WAIT), "the server received nothing"
        assert len(self.messages) == 1
        return self.messages[0]


class EphemeralController(Controller):
    """aiosmtpd's Controller on port 0: learns the port the OS picked before its self-test."""

    def _trigger_server(self) -> None:
        assert self.server is not None
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


def _authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and (
        ACCOUNTS.get(auth_data.login.decode()) == auth_data.password.decode())
    if not ok:  # handled=False: aiosmtpd answers 535 itself
        return AuthResult(success=False, handled=False)
    return AuthResult(success=True, auth_data=auth_data.login.decode())


@pytest.fixture
def start_server() -> Iterator[Callable[..., tuple[Recorder, int]]]:
    started: list[EphemeralController] = []

    def start(**smtp_kwargs: Any) -> tuple[Recorder, int]:
        recorder = Recorder()
        controller = EphemeralController(recorder, hostname="127.0.0.1", port=0,
                                         ready_timeout=WAIT, **smtp_kwargs)
        controller.start()
        started.append(controller)
        return recorder, controller.port

    yield start
    for controller in started:
        controller.stop()


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (subjectAltName IP), valid one day."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not installed: cannot make a certificate for STARTTLS")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True, timeout=60,
    )
    return cert, key


@pytest.fixture
def server_tls(certificate) -> ssl.SSLContext:
    cert, key = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


@pytest.fixture
def client_tls(certificate) -> ssl.SSLContext:
    """Trusts only the test certificate; host name checks stay on."""
    return ssl.create_default_context(cafile=str(certificate[0]))


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store.open(tmp_path / "kiosk.json")
    yield s
    s.close()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


def _settings(port: int, **overrides: Any) -> SmtpSettings:
    values: dict[str, Any] = {"host": "127.0.0.1", "port": port, "starttls": False,
                              "mail_from": FROM, "timeout": WAIT}
    return SmtpSettings(**(values | overrides))


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _queue_verify(mailer: Mailer) -> int:
    return mailer.queue(MailKind.VERIFY, TO, seed=SEED,
                        expires_at=datetime(2026, 3, 2, 9, 30, tzinfo=TAIPEI))


def _code(store: Store) -> str:
    """The code the verification mail of :func:`_queue_verify` carries."""
    return Keyring(machine_key(store)).derive(SEED, ALPHABET, LENGTH)


def _assert_intact(outbox: Outbox, mail_id: int, original: dict[str, Any]) -> None:
    record = outbox.get(mail_id)
    assert record is not None
    for key in ("to", "kind", "subject", "params", "created_at"):
        assert record[key] == original[key], key


def test_delivery_keeps_both_languages_intact(start_server, store, clock):
    recorder, port = start_server()
    outbox = Outbox(store)
    mailer = Mailer(outbox, clock, SmtpSender(_settings(port)))
    mail_id = _queue_verify(mailer)

    report = mailer.deliver_pending()
    assert (report.sent, report.failed, report.retry) == (1, 0, 0)
    received = recorder.one_message()
    record = outbox.get(mail_id)
    assert record["status"] == "sent" and record["sent_at"] == NOW.isoformat()

    assert received["rcpt_tos"] == [TO] and received["mail_from"] == "kiosk@example.com"
    message = email.message_from_bytes(received["raw"], policy=email.policy.default)
    assert message["Subject"] == record["subject"]
    assert message["Subject"] == "健保卡服務帳號註冊驗證 / Verify your NHI card service account"
    assert message["To"] == TO and message["From"] == FROM
    body = message.get_content().replace("\r\n", "\n")
    code = _code(store)
    shown = f"{code[:5]}-{code[5:]}"
    assert f"驗證碼：{shown}" in body and f"Verification code: {shown}" in body
    assert f"nhi-kiosk://confirm/{code}" in body
    assert mailer.deliver_pending().attempted == 0   # sent once only
    # delivered: the seed is gone, so nobody can recompute the code from the store
    assert "seed" not in record["params"] and SEED.encode() not in store.at_rest()
    assert code.encode() not in store.at_rest()


def test_refused_recipient_is_final_and_the_outbox_keeps_the_mail(start_server, store, clock):
    recorder, port = start_server()
    recorder.rcpt_reply = "550 5.1.1 <someone@example.com>: no such user"
    outbox = Outbox(store)
    mailer = Mailer(outbox, clock, SmtpSender(_settings(port)))
    mail_id = _queue_verify(mailer)
    original = outbox.get(mail_id)

    report = mailer.deliver_pending()
    assert (report.failed, report.retry, report.sent) == (1, 0, 0)
    record = outbox.get(mail_id)
    assert record["status"] == "failed" and record["final"] and record["attempts"] == 1
    assert "recipient refused: 550" in record["last_error"]
    assert "no such user" in record["last_error"]
    _assert_intact(outbox, mail_id, original)
    assert outbox.pending() == [] and not recorder.messages


def test_temporary_refusal_retries_later_and_then_succeeds(start_server, store, clock):
    recorder, port = start_server()
    recorder.rcpt_reply = "451 4.3.0 Mailbox busy, try again later"
    outbox = Outbox(store)
    mailer = Mailer(outbox, clock, SmtpSender(_settings(port)))
    mail_id = _queue_verify(mailer)
    original = outbox.get(mail_id)

    report = mailer.deliver_pending()
    assert (report.retry, report.failed) == (1, 0)
    record = outbox.get(mail_id)
    assert record["status"] == "failed" and not record["final"]
    assert "451" in record["last_error"]
    assert record["next_attempt_at"] == "2026-03-02T09:01:00+08:00"
    _assert_intact(outbox, mail_id, original)

    recorder.rcpt_reply = None                      # the server recovers
    assert mailer.deliver_pending().waiting == 1    # but the retry is not due yet
    assert not recorder.messages
    clock.advance(minutes=1)
    report = mailer.deliver_pending()
    assert report.sent == 1
    assert recorder.one_message()["rcpt_tos"] == [TO]
    record = outbox.get(mail_id)
    assert record["status"] == "sent" and record["attempts"] == 2


def test_connection_refused_is_retryable(store, clock):
    outbox = Outbox(store)
    mailer = Mailer(outbox, clock, SmtpSender(_settings(_closed_port())))
    mail_id = _queue_verify(mailer)
    original = outbox.get(mail_id)
    report = mailer.deliver_pending()
    assert (report.retry, report.failed) == (1, 0)
    record = outbox.get(mail_id)
    assert not record["final"] and "connection refused" in record["last_error"]
    _assert_intact(outbox, mail_id, original)


def test_a_silent_server_times_out_and_is_retryable(store, clock):
    with socket.socket() as silent:     # accepts TCP (backlog) but never greets
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        port = silent.getsockname()[1]
        outbox = Outbox(store)
        mailer = Mailer(outbox, clock, SmtpSender(_settings(port, timeout=0.5)))
        mail_id = _queue_verify(mailer)
        assert mailer.deliver_pending().retry == 1
    record = outbox.get(mail_id)
    assert not record["final"] and "timed out" in record["last_error"]


def test_starttls_and_auth(start_server, store, clock, server_tls, client_tls):
    recorder, port = start_server(tls_context=server_tls, require_starttls=True,
                                  authenticator=_authenticator, auth_required=True)
    outbox = Outbox(store)
    sender = SmtpSender(_settings(port, starttls=True, user=USER, password=PASSWORD,
                                  ssl_context=client_tls))
    mailer = Mailer(outbox, clock, sender)
    mail_id = _queue_verify(mailer)
    assert mailer.deliver_pending().sent == 1
    received = recorder.one_message()
    assert received["tls"] and received["auth"] == USER
    message = email.message_from_bytes(received["raw"], policy=email.policy.default)
    assert message["Subject"] == outbox.get(mail_id)["subject"]


def test_wrong_password_is_retryable_and_not_recorded(start_server, store, clock, server_tls,
                                                      client_tls):
    recorder, port = start_server(tls_context=server_tls, require_starttls=True,
                                  authenticator=_authenticator, auth_required=True)
    outbox = Outbox(store)
    sender = SmtpSender(_settings(port, starttls=True, user=USER, password="wrong-secret-9",
                                  ssl_context=client_tls))
    mailer = Mailer(outbox, clock, sender)
    mail_id = _queue_verify(mailer)
    assert mailer.deliver_pending().retry == 1
    record = outbox.get(mail_id)
    assert "authentication failed" in record["last_error"] and "535" in record["last_error"]
    assert "wrong-secret-9" not in record["last_error"]
    assert not record["final"] and not recorder.messages


def test_untrusted_certificate_is_refused(start_server, store, clock, server_tls):
    recorder, port = start_server(tls_context=server_tls, require_starttls=True)
    outbox = Outbox(store)
    # The system trust store does not know the self-signed test certificate.
    mailer = Mailer(outbox, clock, SmtpSender(_settings(port, starttls=True)))
    mail_id = _queue_verify(mailer)
    assert mailer.deliver_pending().retry == 1
    record = outbox.get(mail_id)
    assert "TLS" in record["last_error"] and not recorder.messages


def test_starttls_required_but_not_offered(start_server, store, clock):
    recorder, port = start_server()                 # plain server, no STARTTLS
    outbox = Outbox(store)
    mailer = Mailer(outbox, clock, SmtpSender(_settings(port, starttls=True)))
    mail_id = _queue_verify(mailer)
    assert mailer.deliver_pending().retry == 1
    assert "STARTTLS" in outbox.get(mail_id)["last_error"] and not recorder.messages


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_auth_without_tls_when_the_server_allows_it(start_server, store, clock):
    recorder, port = start_server(authenticator=_authenticator, auth_required=True,
                                  auth_require_tls=False)
    outbox = Outbox(store)
    mailer = Mailer(outbox, clock, SmtpSender(_settings(port, user=ASCII_USER,
                                                        password=ASCII_PASSWORD)))
    _queue_verify(mailer)
    assert mailer.deliver_pending().sent == 1
    assert recorder.one_message()["auth"] == ASCII_USER


def test_the_receipt_mail_carries_the_receipt_as_a_pdf(start_server, tmp_path, clock):
    """已受理換發健保卡通知 夾寄繳費收據: the paid application's receipt, drawn when the mail
    is sent (never kept in the outbox), read back from the message as it arrived."""
    import io

    from pypdf import PdfReader

    from kiosk.domain.config import Config
    from kiosk.domain.replacement.payments import Method
    from kiosk.wiring import Domain
    from store.api import DEMO
    from tests.unit.test_applications import WANG, form

    recorder, port = start_server()
    with Store.open(tmp_path / "demo.json", purpose=DEMO) as demo_store:
        domain = Domain(Config(demo=True), demo_store, demo=True, clock=clock)
        made = domain.applications.apply(WANG, form())
        domain.payments.pay(WANG, made["atm_no"], Method.ATM, 0, {})
        assert b"%PDF" not in demo_store.at_rest()      # the outbox keeps no file
        report = domain.mailer(SmtpSender(_settings(port))).deliver_pending()
    assert report.sent == 1
    message = email.message_from_bytes(recorder.one_message()["raw"],
                                       policy=email.policy.default)
    [attached] = list(message.iter_attachments())
    assert attached.get_content_type() == "application/pdf"
    assert attached.get_filename() == f"receipt-{made['atm_no']}.pdf"
    text = "".join(PdfReader(io.BytesIO(attached.get_content())).pages[0].extract_text()
                   .split())
    assert "自行收納款項收據" in text and made["atm_no"] in text and "王大明" in text
    assert made["atm_no"] in message.get_body(("plain",)).get_content()   # and its text
