"""Composing a mail: both languages from the catalog, and the outbox record that keeps it.

Like the NHIA's bilingual pages, each mail carries zh-TW and English: the subject is
``"中文 / English"``, the body the Chinese text and footer, a line of dashes, then the
English. Dates are written as each language writes them (ROC dates in Chinese).

A mail with a secret is composed *deferred*: its record keeps the parameters (with the
secret's seed, never the secret) instead of the body, and :func:`with_text` renders it
whenever it is shown or sent: with the keyring the secret is in it, without it the secret
reads as asterisks. Wrong parameters are a bug at the caller (TypeError/ValueError) and are
caught when the mail is composed, never first at delivery.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from kiosk.domain import codes
from kiosk.domain.clock import TAIPEI
from kiosk.domain.dates import roc_date, roc_datetime
from kiosk.domain.i18n import LANGS, Catalog, load_catalog
from kiosk.domain.keyring import Keyring
from kiosk.domain.mail.addresses import usable_address
from kiosk.domain.mail.kinds import (
    CONFIRMATION_KINDS,
    HIDDEN,
    PARAMS,
    SECRETS,
    SEED_PARAMS,
    MailKind,
)
from kiosk.domain.mail.links import LOGIN_LINK, link_for
from kiosk.domain.records import Mail

SEPARATOR = "-" * 40
_CODE = re.compile(r"[A-Za-z0-9_*-]{4,128}")


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


def _record(kind: MailKind, to: str, now: datetime, subject: str,
            text: dict[str, Any]) -> Mail:
    return cast(Mail, {
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
    })


def compose(kind: MailKind | str, to: str, now: datetime, **params: Any) -> Mail:
    """The outbox record of a new mail (not stored), rendered in full: for
    :meth:`Mailer.queue`."""
    kind = MailKind(kind)
    if kind in SECRETS:      # its secret must not be stored: keep the seed instead
        return compose_deferred(kind, to, now, **params)
    to = usable_address(to)
    mail = render(kind, now, **params)
    return _record(kind, to, now, mail.subject, {"body": mail.body})


def compose_deferred(kind: MailKind | str, to: str, now: datetime,
                     **params: Any) -> Mail:
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
    to = usable_address(to)
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
