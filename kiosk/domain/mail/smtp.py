"""Sending mail over SMTP: STARTTLS, AUTH, and sorting failures into final and retryable.

The transport behind :class:`kiosk.domain.mail.Mailer`; nothing here knows what a mail
says. The password comes from the environment only and never reaches a log or a repr.
"""

from __future__ import annotations

import base64
import email.policy
import logging
import smtplib
import socket
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from typing import TYPE_CHECKING, Any

from kiosk.domain.clock import TAIPEI
from kiosk.domain.config import MAIL_FROM, SMTP_PORT
from kiosk.domain.i18n import LANGS
from kiosk.domain.mail import SECRETS, MailDeliveryError, MailKind, with_text

if TYPE_CHECKING:
    from kiosk.domain.config import Config

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    host: str
    port: int = SMTP_PORT
    starttls: bool = True
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    mail_from: str = MAIL_FROM
    timeout: float = 30.0
    #: None: the system's trusted CAs with host name checks (tests pass their own)
    ssl_context: ssl.SSLContext | None = field(default=None, repr=False, compare=False)

    @classmethod
    def from_config(cls, config: Config) -> SmtpSettings | None:
        """The settings, or None when no SMTP host is configured (outbox only)."""
        if not config.smtp_host:
            return None
        return cls(host=config.smtp_host, port=config.smtp_port, starttls=config.smtp_starttls,
                   user=config.smtp_user, password=config.smtp_password,
                   mail_from=config.mail_from)


class SmtpSender:
    """Delivers outbox records with :mod:`smtplib`: one connection per mail."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings

    def __repr__(self) -> str:
        return f"SmtpSender({self.settings!r})"

    def build_message(self, mail: Mapping[str, Any]) -> EmailMessage:
        """The message of a record the Mailer rendered (with its secret); a record with a
        secret that was not rendered is refused, never sent with asterisks."""
        if "params" in mail and MailKind(mail["kind"]) in SECRETS:
            raise MailDeliveryError("the mail was not rendered with its secret",
                                    permanent=True, category="render")
        mail = with_text(mail)  # a deferred record carries parameters, not its body
        msg = EmailMessage(policy=email.policy.SMTP)
        from_addr = parseaddr(self.settings.mail_from)[1] or self.settings.mail_from
        domain = from_addr.rpartition("@")[2] or "localhost"
        msg["From"] = self.settings.mail_from
        msg["To"] = mail["to"]
        msg["Subject"] = mail["subject"]
        created = mail.get("created_at")
        msg["Date"] = format_datetime(datetime.fromisoformat(created) if created
                                      else datetime.now(TAIPEI))
        msg["Message-ID"] = make_msgid(idstring=f"outbox.{mail.get('id', 0)}", domain=domain)
        msg["Content-Language"] = ", ".join(LANGS)
        msg["Auto-Submitted"] = "auto-generated"
        msg.set_content(mail["body"], charset="utf-8")
        for file in mail.get("attachments", ()):
            maintype, _, subtype = file.mime.partition("/")
            msg.add_attachment(file.data, maintype=maintype, subtype=subtype,
                               filename=file.filename)
        return msg

    def send(self, mail: Mapping[str, Any]) -> None:
        s = self.settings
        try:
            msg = self.build_message(mail)
        except (ValueError, TypeError, KeyError) as exc:
            raise MailDeliveryError(f"the mail cannot be encoded: {exc}", permanent=True,
                                    category="encoding") from exc
        envelope_from = parseaddr(s.mail_from)[1] or s.mail_from
        try:
            with smtplib.SMTP(s.host, s.port, timeout=s.timeout) as smtp:
                smtp.ehlo()
                if s.starttls:
                    smtp.starttls(context=s.ssl_context or ssl.create_default_context())
                    smtp.ehlo()
                if s.user:
                    _login(smtp, s.user, s.password or "")
                refused = smtp.send_message(msg, from_addr=envelope_from, to_addrs=[mail["to"]])
        except Exception as exc:
            error = _classify(exc, s)
            if error is None:  # not a delivery problem but a bug: let it show
                raise
            raise error from exc
        if refused:  # only possible with several recipients; kept for completeness
            code, text = next(iter(refused.values()))
            raise MailDeliveryError(f"recipient refused: {code} {_text(text)}",
                                    permanent=code >= 500, code=code, category="recipient")


def _login(smtp: smtplib.SMTP, user: str, password: str) -> None:
    """``smtp.login``, except that non-ASCII credentials (which smtplib encodes as ASCII
    and so cannot send) go as RFC 4616 AUTH PLAIN in UTF-8."""
    if user.isascii() and password.isascii():
        smtp.login(user, password)
        return
    smtp.ehlo_or_helo_if_needed()
    if not smtp.has_extn("auth"):
        raise smtplib.SMTPNotSupportedError("SMTP AUTH extension not supported by server.")
    if "PLAIN" not in smtp.esmtp_features["auth"].upper().split():
        raise smtplib.SMTPNotSupportedError(
            "the server does not offer AUTH PLAIN, which a non-ASCII user or password needs")
    token = base64.b64encode(b"\0" + user.encode() + b"\0" + password.encode()).decode("ascii")
    code, response = smtp.docmd("AUTH", "PLAIN " + token)
    if code not in (235, 503):  # 503: already authenticated
        raise smtplib.SMTPAuthenticationError(code, response)


def _text(raw: bytes | str) -> str:
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    return " ".join(text.split())


def _classify(exc: Exception, s: SmtpSettings) -> MailDeliveryError | None:
    where = f"{s.host}:{s.port}"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, text = next(iter(exc.recipients.values()), (0, b""))
        return MailDeliveryError(f"recipient refused: {code} {_text(text)}",
                                 permanent=code >= 500, code=code, category="recipient")
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return MailDeliveryError(
            f"authentication failed for user {s.user!r}: {exc.smtp_code} {_text(exc.smtp_error)}",
            code=exc.smtp_code, category="auth")
    if isinstance(exc, smtplib.SMTPResponseException):
        what = {
            smtplib.SMTPSenderRefused: "sender refused",
            smtplib.SMTPDataError: "message refused",
            smtplib.SMTPConnectError: "server refused the connection",
            smtplib.SMTPHeloError: "greeting refused",
        }.get(type(exc), "server answered")
        code = exc.smtp_code
        return MailDeliveryError(f"{what}: {code} {_text(exc.smtp_error)}",
                                 permanent=500 <= code < 600, code=code, category="refused")
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return MailDeliveryError(f"{where}: {exc}", category="unsupported")
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return MailDeliveryError(f"{where} closed the connection: {exc}", category="disconnected")
    if isinstance(exc, smtplib.SMTPException):
        return MailDeliveryError(f"{where}: {exc}", category="smtp")
    if isinstance(exc, ssl.SSLError):
        return MailDeliveryError(f"TLS with {where} failed: {exc.reason or exc}", category="tls")
    if isinstance(exc, TimeoutError | socket.timeout):
        return MailDeliveryError(f"{where} timed out after {s.timeout:g} s", category="timeout")
    if isinstance(exc, ConnectionRefusedError):
        return MailDeliveryError(f"connection refused by {where}", category="refused-connect")
    if isinstance(exc, socket.gaierror):
        return MailDeliveryError(f"host {s.host!r} not found: {exc.strerror or exc}",
                                 category="dns")
    if isinstance(exc, OSError):
        return MailDeliveryError(f"network error with {where}: {exc.strerror or exc}",
                                 category="network")
    return None
