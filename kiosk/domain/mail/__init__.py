"""Mail: every message in zh-TW and English, kept in the outbox for good, delivered by SMTP.

Every mail goes to the store's outbox first (:class:`store.outbox.Outbox`) and stays there
for good; SMTP delivery, when configured, is an extra that may fail and retry without ever
losing that copy. Each mail carries both languages. The names below are the package's
interface; its modules, one job each:

* :mod:`~kiosk.domain.mail.kinds`: the kinds of mail, their parameters, which carry a secret;
* :mod:`~kiosk.domain.mail.links`: the ``nhi-kiosk://`` links a mail carries;
* :mod:`~kiosk.domain.mail.addresses`: the recipient's address, checked and masked;
* :mod:`~kiosk.domain.mail.composition`: both languages rendered, the outbox record built;
* :mod:`~kiosk.domain.mail.delivery`: the :class:`Mailer`, which queues and delivers with
  retries; the SMTP transport itself is :mod:`kiosk.domain.mail.smtp`.

Outbox record fields: ``to``, ``kind`` (a :class:`MailKind` value), ``subject``, ``body``
(or, for a mail composed deferred, ``params``: see :func:`compose_deferred`; readers get
``body`` through :func:`with_text`), ``created_at`` (ISO 8601 with offset), ``status``
(``queued`` | ``sent`` | ``failed``), ``final`` (a failure that will not be retried),
``attempts``, ``last_error``, ``last_attempt_at``, ``next_attempt_at``, ``sent_at``;
confirmation mails (VERIFY, RESET, EMAIL_CHANGE) also keep ``expires_at``; shown with the
keyring (the demo's outbox viewer) they also have ``code`` and ``link``, to "follow" them.

Secrets: a confirmation code or a batch default password is never stored. The record keeps
the ``seed`` it is derived from under the machine key (:mod:`kiosk.domain.keyring`), its body
is rendered only when shown or sent (:func:`with_text` with the keyring; without it the
secret reads as asterisks, which is all ``nhi-kiosk outbox`` ever prints), and delivery
erases the seed, after which the secret cannot be recomputed (once the store has compacted
its journal, which still holds the record as it was: Store.erase_soon asks for that within
a minute). A batch welcome mail also
loses its seed when the holder first sets a password of their own (``holder``: the keyed
digest of the ID). Secrets never appear in a log line; log lines name the mail id, kind and
masked address only. The SMTP password comes from ``$NHI_KIOSK_SMTP_PASSWORD`` (see
:mod:`kiosk.domain.config`) and is kept out of every ``repr``.
"""

from __future__ import annotations

from kiosk.domain.mail.addresses import mask_email, usable_address
from kiosk.domain.mail.composition import (
    SEPARATOR,
    RenderedMail,
    compose,
    compose_deferred,
    render,
    reveal_params,
    with_text,
)
from kiosk.domain.mail.delivery import (
    BACKOFF_MINUTES,
    CLAIM_MINUTES,
    Attachment,
    Attachments,
    DeliveryReport,
    MailDeliveryError,
    Mailer,
    Sender,
    backoff,
)
from kiosk.domain.mail.kinds import (
    CONFIRMATION_KINDS,
    HIDDEN,
    PARAMS,
    SECRETS,
    SEED_PARAMS,
    MailKind,
)
from kiosk.domain.mail.links import CONFIRM_LINK, LOGIN_LINK, RESET_LINK, link_for, parse_link

__all__ = [
    "BACKOFF_MINUTES",
    "CLAIM_MINUTES",
    "CONFIRMATION_KINDS",
    "CONFIRM_LINK",
    "HIDDEN",
    "LOGIN_LINK",
    "PARAMS",
    "RESET_LINK",
    "SECRETS",
    "SEED_PARAMS",
    "SEPARATOR",
    "Attachment",
    "Attachments",
    "DeliveryReport",
    "MailDeliveryError",
    "MailKind",
    "Mailer",
    "RenderedMail",
    "Sender",
    "backoff",
    "compose",
    "compose_deferred",
    "link_for",
    "mask_email",
    "parse_link",
    "render",
    "reveal_params",
    "usable_address",
    "with_text",
]
