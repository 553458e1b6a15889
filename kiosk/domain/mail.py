"""Mail: compose every message in zh-TW and English, keep it in the outbox, deliver by SMTP.

Every mail goes to the store's outbox first (:class:`store.outbox.Outbox`) and stays there
for good; SMTP delivery, when configured, is an extra that may fail and retry without ever
losing that copy. Like the NHIA's bilingual pages, each mail carries both languages: the
subject is ``"中文 / English"``, the body the Chinese text, a line of dashes, then English.
Texts are the catalog keys ``mail.<kind>.subject`` and ``mail.<kind>.body`` plus
``mail.footer``.

Outbox record fields: ``to``, ``kind`` (a :class:`MailKind` value), ``subject``, ``body``
(or, for a mail composed deferred, ``params``: see :func:`compose_deferred`; readers get
``body`` through :func:`with_text`), ``created_at`` (ISO 8601 with offset), ``status``
(``queued`` | ``sent`` | ``failed``), ``final`` (a failure that will not be retried),
``attempts``, ``last_error``, ``last_attempt_at``, ``next_attempt_at``, ``sent_at``;
confirmation mails (VERIFY, RESET, EMAIL_CHANGE) also keep ``expires_at``; shown with the
keyring (the demo's outbox viewer) they also have ``code`` and ``link``, to "follow" them.

Links (the kiosk's own URL scheme; the screens resolve them, no web server is involved):

* ``nhi-kiosk://confirm/<code>`` confirms a registration (VERIFY) or a new address
  (EMAIL_CHANGE);
* ``nhi-kiosk://reset/<code>`` opens the password reset (RESET);
* ``nhi-kiosk://login`` is the sign-in screen (BATCH_WELCOME).

Delivery: :meth:`Mailer.deliver_pending` tries each due mail once per call. A temporary
failure (4xx answer, network, TLS, authentication) is retried after 1, 2, 4, 8 … minutes
(``next_attempt_at``, from the injected clock) until ``max_attempts``; a hard refusal (5xx
for the sender, recipient or message) is final at once. Authentication failures count as
temporary: they are the kiosk's configuration, not the mail's fault, and still end after
``max_attempts``.

Secrets: a confirmation code or a batch default password is never stored. The record keeps
the ``seed`` it is derived from under the machine key (:mod:`kiosk.domain.keyring`), its body
is rendered only when shown or sent (:func:`with_text` with the keyring; without it the
secret reads as asterisks, which is all ``nhi-kiosk outbox`` ever prints), and delivery
erases the seed, after which the secret cannot be recomputed (once the store's backup,
the version before the last commit, has been replaced too). A batch welcome mail also
loses its seed when the holder first sets a password of their own (``holder``: the keyed
digest of the ID). Secrets never appear in a log line; log lines name the mail id, kind and
masked address only. The
SMTP password comes from ``$NHI_KIOSK_SMTP_PASSWORD`` (see :mod:`kiosk.domain.config`) and
is kept out of every ``repr``.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol, cast

from kiosk.domain import codes
from kiosk.domain.clock import TAIPEI, Clock
from kiosk.domain.dates import roc_date, roc_datetime
from kiosk.domain.i18n import LANGS, Catalog, load_catalog
from kiosk.domain.keyring import Keyring, machine_key
from kiosk.domain.passwords import MACHINE_ALPHABET, MACHINE_LENGTH
from kiosk.domain.records import Mail
from kiosk.domain.validate import is_valid_email

if TYPE_CHECKING:
    from store.outbox import Outbox

log = logging.getLogger(__name__)

CONFIRM_LINK = "nhi-kiosk://confirm/{code}"
RESET_LINK = "nhi-kiosk://reset/{code}"
LOGIN_LINK = "nhi-kiosk://login"
SEPARATOR = "-" * 40
BACKOFF_MINUTES = (1, 2, 4, 8, 16, 32, 60)  # after the 1st, 2nd, ... failed attempt
CLAIM_MINUTES = 10  # how long one process reserves a mail while it talks to the server
_CODE = re.compile(r"[A-Za-z0-9_*-]{4,128}")
HIDDEN = "*"   # a secret shown without the key, or after delivery erased its seed


class MailKind(StrEnum):
    VERIFY = "verify"                       # seed, expires_at (renders code [, link])
    RESET = "reset"                         # seed, expires_at (renders code [, link])
    EMAIL_CHANGE = "email_change"           # seed, expires_at (renders code [, link])
    PASSWORD_CHANGED = "password_changed"   # [at]: defaults to now
    REGISTERED = "registered"               # no parameters
    ACCOUNT_LOCKED = "account_locked"       # until
    BATCH_WELCOME = "batch_welcome"         # unit, seed [, holder] (renders password
                                            # [, login_link])
    CARD_RECEIPT = "card_receipt"           # name, atm_no, amount, receipt_no, paid_at,
                                            # insured_until (a date)


CONFIRMATION_KINDS = frozenset({MailKind.VERIFY, MailKind.RESET, MailKind.EMAIL_CHANGE})

#: kind -> (required parameters, optional parameters)
PARAMS: dict[MailKind, tuple[frozenset[str], frozenset[str]]] = {
    MailKind.VERIFY: (frozenset({"code", "expires_at"}), frozenset({"link"})),
    MailKind.RESET: (frozenset({"code", "expires_at"}), frozenset({"link"})),
    MailKind.EMAIL_CHANGE: (frozenset({"code", "expires_at"}), frozenset({"link"})),
    MailKind.PASSWORD_CHANGED: (frozenset(), frozenset({"at"})),
    MailKind.REGISTERED: (frozenset(), frozenset()),
    MailKind.ACCOUNT_LOCKED: (frozenset({"until"}), frozenset()),
    MailKind.BATCH_WELCOME: (frozenset({"unit", "password"}), frozenset({"login_link"})),
    MailKind.CARD_RECEIPT: (frozenset({"name", "atm_no", "amount", "receipt_no", "paid_at",
                                       "insured_until"}), frozenset()),
}


#: kind -> (the secret parameter, its alphabet, its length): derived from ``seed``
SECRETS: dict[MailKind, tuple[str, str, int]] = {
    **{kind: ("code", codes.ALPHABET, codes.LENGTH) for kind in CONFIRMATION_KINDS},
    MailKind.BATCH_WELCOME: ("password", MACHINE_ALPHABET, MACHINE_LENGTH),
}
#: what a stored secret-bearing mail keeps instead of its secret
SEED_PARAMS = ("seed", "holder")


def reveal_params(kind: MailKind, params: Mapping[str, Any],
            keyring: Keyring | None) -> dict[str, Any]:
    """The template parameters of stored ones: the secret derived from the seed (with the
    keyring and a seed still there), asterisks otherwise."""
    values = {k: v for k, v in params.items() if k not in SEED_PARAMS}
    if kind not in SECRETS:
        return values
    name, alphabet, length = SECRETS[kind]
    seed = params.get("seed")
    secret = (keyring.derive(str(seed), alphabet, length) if keyring and seed
              else HIDDEN * length)
    if name == "code":
        values["code"] = codes.Code(secret, datetime.min).display
        values["link"] = link_for(kind, secret)
    else:
        values[name] = secret
    return values


def link_for(kind: MailKind, code: str) -> str:
    """The link a confirmation mail carries for ``code``."""
    return (RESET_LINK if kind is MailKind.RESET else CONFIRM_LINK).format(code=code)


def parse_link(link: str) -> tuple[str, str] | None:
    """``("confirm" | "reset", code)`` for one of our links, else None (for the demo)."""
    match = re.fullmatch(r"nhi-kiosk://(confirm|reset)/([A-Za-z0-9_-]{4,128})", link.strip())
    return (match.group(1), match.group(2)) if match else None


def mask_email(address: str) -> str:
    """someone@example.com -> s***@example.com (logs and the human outbox listing)."""
    local, at, domain = address.strip().rpartition("@")
    if not at:
        return "***"
    return f"{local[:1]}***@{domain}"


# -- composing ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RenderedMail:
    subject: str
    body: str
    code: str | None = None
    link: str | None = None
    expires_at: str | None = None


def _moment(value: Any, name: str) -> datetime:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError as exc:
            raise ValueError(f"mail parameter {name}: {value!r} is not an ISO time") from exc
    if not isinstance(value, datetime):
        raise TypeError(f"mail parameter {name} must be a datetime, not {type(value).__name__}")
    return value if value.tzinfo else value.replace(tzinfo=TAIPEI)


@dataclass(frozen=True, slots=True)
class _Values:
    """One mail's checked parameters, before they are put into each language."""

    kind: MailKind
    plain: dict[str, Any]
    moments: dict[str, datetime]
    days: dict[str, date]
    code: str | None = None
    link: str | None = None
    expires_at: str | None = None

    def texts(self, part: str) -> list[str]:
        """The template ``mail.<kind>.<part>`` filled in, per language, zh-TW first."""
        out = []
        for lang in LANGS:
            strings = load_catalog(lang)
            localized = self.plain
            if self.moments or self.days:  # only dates need the language's catalog
                catalog = Catalog(lang)
                localized = (localized
                             | {k: roc_datetime(v, catalog) for k, v in self.moments.items()}
                             | {k: roc_date(v, catalog) for k, v in self.days.items()})
            try:
                out.append(strings[f"mail.{self.kind.value}.{part}"].format(**localized))
            except KeyError as exc:  # a catalog bug; tests keep both catalogs complete
                raise ValueError(f"{lang} mail template {self.kind.value} needs {exc}") from exc
        return out


def _values(kind: MailKind | str, now: datetime, params: Mapping[str, Any]) -> _Values:
    kind = MailKind(kind)
    required, optional = PARAMS[kind]
    given = set(params)
    if missing := required - given:
        raise TypeError(f"{kind.value} mail needs {', '.join(sorted(missing))}")
    if unknown := given - required - optional:
        raise TypeError(f"{kind.value} mail takes no {', '.join(sorted(unknown))}")

    values: dict[str, Any] = dict(params)
    moments: dict[str, datetime] = {}
    code = link = expires_at = None
    if kind in CONFIRMATION_KINDS:
        code = str(params["code"])
        if not _CODE.fullmatch(code):
            raise ValueError("a mail code is 4 to 128 letters, digits, '-' or '_'")
        link = str(params.get("link") or link_for(kind, code))
        values |= {"code": code, "link": link}
        moments["expires_at"] = _moment(params["expires_at"], "expires_at")
        expires_at = moments["expires_at"].isoformat(timespec="seconds")
    elif kind is MailKind.PASSWORD_CHANGED:
        moments["at"] = _moment(params.get("at") or now, "at")
    elif kind is MailKind.ACCOUNT_LOCKED:
        moments["until"] = _moment(params["until"], "until")
    elif kind is MailKind.BATCH_WELCOME:
        values.setdefault("login_link", LOGIN_LINK)
    days: dict[str, date] = {}
    if kind is MailKind.CARD_RECEIPT:
        moments["paid_at"] = _moment(params["paid_at"], "paid_at")
        days["insured_until"] = _moment(params["insured_until"], "insured_until").date()
    return _Values(kind, values, moments, days, code, link, expires_at)


def _subject(values: _Values) -> str:
    return " / ".join(s.strip() for s in values.texts("subject"))


def _footer(lang: str) -> str:
    try:
        return load_catalog(lang)["mail.footer"]
    except KeyError as exc:
        raise ValueError(f"{lang} mail template needs {exc}") from exc


def render(kind: MailKind | str, now: datetime, **params: Any) -> RenderedMail:
    """Both languages of one mail; TypeError/ValueError for wrong parameters (a bug)."""
    values = _values(kind, now, params)
    bodies = [f"{body.strip()}\n\n{_footer(lang).strip()}"
              for lang, body in zip(LANGS, values.texts("body"), strict=True)]
    return RenderedMail(
        subject=_subject(values),
        body=f"\n\n{SEPARATOR}\n\n".join(bodies) + "\n",
        code=values.code,
        link=values.link,
        expires_at=values.expires_at,
    )


# -- delivery ---------------------------------------------------------------------------


class MailDeliveryError(Exception):
    """One delivery attempt failed; ``reason`` is readable, ``permanent`` means do not retry."""

    def __init__(self, reason: str, *, permanent: bool = False, code: int | None = None,
                 category: str = "error") -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.code = code
        self.category = category  # short and free of personal data: safe for logs


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


def _address(to: str) -> str:
    to = to.strip()
    if not is_valid_email(to):
        raise ValueError("not a usable e-mail address")  # no address: it is personal data
    return to


def _record(kind: MailKind, to: str, now: datetime, subject: str,
            text: dict[str, Any]) -> dict[str, Any]:
    return {
        "to": to,
        "kind": kind.value,
        "subject": subject,
        **text,
        "created_at": sys.intern(now.isoformat(timespec="seconds")),  # a batch: one string
        "status": "queued",
        "final": False,
        "attempts": 0,
        "last_error": None,
        "next_attempt_at": None,
    }


def compose(kind: MailKind | str, to: str, now: datetime, **params: Any) -> dict[str, Any]:
    """The outbox record of a new mail (not stored), rendered in full: for
    :meth:`Mailer.queue`."""
    kind = MailKind(kind)
    if kind in SECRETS:      # its secret must not be stored: keep the seed instead
        return compose_deferred(kind, to, now, **params)
    to = _address(to)
    mail = render(kind, now, **params)
    return _record(kind, to, now, mail.subject, {"body": mail.body})


def compose_deferred(kind: MailKind | str, to: str, now: datetime,
                     **params: Any) -> dict[str, Any]:
    """Like :func:`compose`, but the record keeps ``params`` instead of the ``body``, which
    :func:`with_text` renders whenever the mail is shown or sent.

    Why: batch registration stores 100,000 welcome mails in one transaction, and a rendered
    bilingual body is ~1.3 KB in memory and ~0.85 KB in the store file, each; the
    parameters are a tenth of that. A mail with a secret is always deferred, and its
    ``params`` hold the secret's ``seed``, never the secret. The parameters are checked now,
    so a wrong one is still a bug at the caller, never at delivery. The subject stays
    stored (one interned string for thousands of equal ones) for readers of the raw
    outbox, such as ``nhi-kiosk outbox``.
    """
    kind = MailKind(kind)
    to = _address(to)
    if kind in SECRETS and not params.get("seed"):
        raise TypeError(f"{kind.value} mail needs the seed of its secret, never the secret")
    values = _values(kind, now, reveal_params(kind, params, None))
    stored = {name: _storable(value) for name, value in params.items()}
    record = _record(kind, to, now, sys.intern(_subject(values)), {"params": stored})
    if kind in CONFIRMATION_KINDS:
        record["expires_at"] = values.expires_at
    return record


def _storable(value: Any) -> Any:
    """A parameter as JSON keeps it; :func:`_moment` reads the ISO text back."""
    return value.isoformat() if isinstance(value, date) else value


def with_text(mail: Mapping[str, Any], keyring: Keyring | None = None) -> Mail:
    """An outbox record with its ``subject`` and ``body``, rendered now if it was composed
    deferred (:func:`compose_deferred`); a record that has its body (every other mail, and
    all stored before deferral existed) comes back as it is. ``params`` is left out, so
    readers see one shape. The secret is in it only with the ``keyring`` (the demo's
    mailbox, a sender); a confirmation mail shown so also has ``code`` and ``link``.
    TypeError/ValueError if the parameters no longer fit the templates (a bug)."""
    params = mail.get("params")
    if params is None or "body" in mail:
        return cast(Mail, {key: value for key, value in mail.items() if key != "params"})
    kind = MailKind(mail["kind"])
    revealed = reveal_params(kind, params, keyring)
    text = render(kind, datetime.fromisoformat(mail["created_at"]), **revealed)
    record: dict[str, Any] = {}
    for key, value in mail.items():
        if key == "params":
            record["body"] = text.body   # where a rendered record has it
        else:
            record[key] = value
    record.setdefault("subject", text.subject)
    if kind in CONFIRMATION_KINDS and keyring and params.get("seed"):
        record |= {"code": text.code, "link": text.link}
    return cast(Mail, record)


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

    def __init__(self, outbox: Outbox, clock: Clock, sender: Sender | None = None) -> None:
        self._outbox = outbox
        self._clock = clock
        self._sender = sender
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
                self._sender.send(_outgoing(mail, self.keyring()))
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


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


# -- SMTP -------------------------------------------------------------------------------
