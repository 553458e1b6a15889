"""Delivering the outbox: each due mail is tried once per call, and none is ever lost.

Every mail is in the store's outbox before any delivery is tried and stays there for good;
SMTP (:mod:`kiosk.domain.mail.smtp`, the :class:`Sender` behind it), when configured, is an
extra that may fail and retry without ever losing that copy.

:meth:`Mailer.deliver_pending` tries each due mail once per call. A temporary failure (4xx
answer, network, TLS, authentication) is retried after 1, 2, 4, 8 … minutes
(``next_attempt_at``, from the injected clock) until ``max_attempts``; a hard refusal (5xx
for the sender, recipient or message) is final at once. Authentication failures count as
temporary: they are the kiosk's configuration, not the mail's fault, and still end after
``max_attempts``. A mail is claimed for :data:`CLAIM_MINUTES` while it is sent, so two
processes never send it twice. Sending erases a secret's seed, after which the secret
cannot be recomputed. Log lines name the mail id, kind and masked address only, never a
secret; they go to the ``kiosk.domain.mail`` logger, the name operators configure.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol, cast

from kiosk.domain.clock import Clock
from kiosk.domain.keyring import Keyring, machine_key
from kiosk.domain.mail.addresses import mask_email
from kiosk.domain.mail.composition import compose, with_text
from kiosk.domain.mail.kinds import SECRETS, SEED_PARAMS, MailKind
from kiosk.domain.records import Mail

if TYPE_CHECKING:
    from store.api import OutboxRepo

log = logging.getLogger("kiosk.domain.mail")  # one logger for all mail, as before the split

BACKOFF_MINUTES = (1, 2, 4, 8, 16, 32, 60)  # after the 1st, 2nd, ... failed attempt
CLAIM_MINUTES = 10  # how long one process reserves a mail while it talks to the server


class MailDeliveryError(Exception):
    """One delivery attempt failed; ``reason`` is readable, ``permanent`` means do not retry."""

    def __init__(self, reason: str, *, permanent: bool = False, code: int | None = None,
                 category: str = "error") -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.code = code
        self.category = category  # short and free of personal data: safe for logs


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file a mail carries: drawn when the mail is sent, never kept in the outbox."""

    filename: str
    data: bytes
    mime: str = "application/pdf"


Attachments = Callable[[Mail], list[Attachment]]
"""Draws the files a mail's ``attach`` names."""


class Sender(Protocol):
    def send(self, mail: Mapping[str, Any]) -> None:
        """Deliver one outbox record or raise MailDeliveryError."""


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    sent: int = 0
    failed: int = 0        # failed for good in this round
    retry: int = 0         # failed, will be retried later
    waiting: int = 0       # pending but not due yet (backoff) or being sent by another process
    configured: bool = True

    @property
    def attempted(self) -> int:
        return self.sent + self.failed + self.retry


def backoff(attempts: int) -> timedelta:
    """Wait after the ``attempts``-th failed attempt: 1, 2, 4, 8 … minutes, at most 60."""
    index = min(max(attempts, 1), len(BACKOFF_MINUTES)) - 1
    return timedelta(minutes=BACKOFF_MINUTES[index])


def _outgoing(mail: Mapping[str, Any], keyring: Keyring) -> Mail:
    """The record a sender gets: rendered with its secret; unrenderable, or a secret whose
    seed is gone, is a final failure, not a crash."""
    params = mail.get("params")
    if (MailKind(mail["kind"]) in SECRETS and isinstance(params, dict)
            and not params.get("seed")):
        raise MailDeliveryError("the mail's secret was erased", permanent=True,
                                category="render")
    try:
        return with_text(mail, keyring)
    except (TypeError, ValueError) as exc:
        raise MailDeliveryError(f"the mail cannot be rendered: {exc}", permanent=True,
                                category="render") from exc


class Mailer:
    """Queues mails in the outbox and delivers them through ``sender`` when there is one."""

    def __init__(self, outbox: OutboxRepo, clock: Clock, sender: Sender | None = None,
                 attachments: Attachments | None = None) -> None:
        """``attachments`` draws what a mail's ``attach`` names (the composition root,
        kiosk/wiring.py, knows the papers; the mail package does not)."""
        self._outbox = outbox
        self._clock = clock
        self._sender = sender
        self._attachments = attachments
        self._keyring: Keyring | None = None

    @property
    def configured(self) -> bool:
        return self._sender is not None

    def keyring(self) -> Keyring:
        """The store's machine key, for the secrets of the mails being sent."""
        if self._keyring is None:
            self._keyring = Keyring(machine_key(self._outbox.store))
        return self._keyring

    def queue(self, kind: MailKind | str, to: str, **params: Any) -> int:
        """Compose and store a mail; return its outbox id. Never touches the network."""
        record = compose(kind, to, self._clock.now(), **params)
        if record["kind"] == MailKind.CARD_RECEIPT:   # 夾寄繳費收據: the receipt rides along
            record["attach"] = {"receipt": str(params["atm_no"])}
        mail_id = self._outbox.add(record)
        log.info("mail %d (%s) to %s queued", mail_id, record["kind"], mask_email(record["to"]))
        return mail_id

    def deliver_pending(self, *, max_attempts: int = 5) -> DeliveryReport:
        """Try every due pending mail once; the records are updated, never removed."""
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        pending = self._outbox.pending()
        if self._sender is None:
            return DeliveryReport(waiting=len(pending), configured=False)
        sent = failed = retry = waiting = 0
        for mail in pending:
            now = self._clock.now()
            due = mail.get("next_attempt_at")
            if due and datetime.fromisoformat(due) > now:
                waiting += 1
                continue
            claim_until = now + timedelta(minutes=CLAIM_MINUTES)
            claimed = self._outbox.claim(mail["id"], _iso(now), _iso(claim_until))
            if claimed is None:  # another process is on it, or it changed meanwhile
                waiting += 1
                continue
            mail = claimed
            try:
                self._sender.send(self._with_attachments(_outgoing(mail, self.keyring())))
            except MailDeliveryError as exc:
                error = exc
            except Exception as exc:  # a bug in a sender must not stop the others
                error = MailDeliveryError(f"unexpected error: {type(exc).__name__}: {exc}",
                                          category=type(exc).__name__)
            else:
                self._outbox.mark_sent(mail["id"], _iso(self._clock.now()),
                                       forget=SEED_PARAMS)
                log.info("mail %d (%s) to %s sent", mail["id"], mail.get("kind"),
                         mask_email(mail.get("to", "")))
                sent += 1
                continue
            at = self._clock.now()
            attempts = int(mail.get("attempts", 0)) + 1
            final = error.permanent or attempts >= max_attempts
            next_at = None if final else _iso(at + backoff(attempts))
            self._outbox.mark_attempt_failed(mail["id"], _iso(at), error.reason, final,
                                             next_attempt_at=next_at)
            log.warning("mail %d (%s) to %s: attempt %d failed (%s%s)%s", mail["id"],
                        mail.get("kind"), mask_email(mail.get("to", "")), attempts,
                        error.category, f" {error.code}" if error.code else "",
                        "; giving up" if final else f"; retry at {next_at}")
            if final:
                failed += 1
            else:
                retry += 1
        return DeliveryReport(sent=sent, failed=failed, retry=retry, waiting=waiting)


    def _with_attachments(self, mail: Mail) -> Mail:
        """The files the mail carries, drawn now (never stored in the outbox). One that
        cannot be drawn (the application gone, the papers' fonts missing) leaves the mail
        without it rather than unsent: its text says where the paper can be had again."""
        if not mail.get("attach") or self._attachments is None:
            return mail
        try:
            files = self._attachments(mail)
        except Exception as exc:   # logged by type only: its text may hold personal data
            log.warning("mail %s (%s): its attachment could not be drawn (%s)",
                        mail.get("id"), mail.get("kind"), type(exc).__name__)
            return mail
        return cast(Mail, {**mail, "attachments": files})


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")
