"""A mail record's rules, whichever store keeps it (store/outbox.py for TinyDB,
store/pg/ for PostgreSQL): the statuses, what a new record holds, when a mail is still to
deliver and when its claim or retry is not due yet.

Status values: ``queued`` (not tried yet, or claimed by a sender right now), ``sent``, and
``failed`` with ``final`` false (will be retried) or true (given up). Times are ISO 8601
strings with an offset; they are compared as datetimes, never as text.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from store.api import FAILED, QUEUED, SENT

STATUSES = (QUEUED, SENT, FAILED)


def new_record(mail: Mapping[str, Any]) -> dict[str, Any]:
    """A mail as the outbox stores it: ``status`` queued, ``attempts`` 0 unless given."""
    return adopt_record(dict(mail))


def adopt_record(mail: dict[str, Any]) -> dict[str, Any]:
    """:func:`new_record` made of ``mail`` itself, not a copy (for bulk inserts)."""
    mail.pop("id", None)
    for key, default in (("status", QUEUED), ("attempts", 0), ("last_error", None)):
        mail.setdefault(key, default)
    if mail["status"] not in STATUSES:
        raise ValueError(f"unknown mail status {mail['status']!r}")
    return mail


def is_pending(mail: Mapping[str, Any]) -> bool:
    """Still to deliver: queued, or failed but retryable."""
    status = mail.get("status")
    return status == QUEUED or (status == FAILED and not mail.get("final", False))


def later_than(mail: Mapping[str, Any], at: str) -> bool:
    """Is the mail claimed, or its retry set, for later than ``at``?"""
    return any(later and datetime.fromisoformat(later) > datetime.fromisoformat(at)
               for later in (mail.get("claimed_until"), mail.get("next_attempt_at")))


def without_params(doc: Mapping[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    """The change that drops the ``names`` parameters of a deferred mail ({} if none)."""
    params = doc.get("params")
    if not names or not isinstance(params, dict):
        return {}
    return {"params": {k: v for k, v in params.items() if k not in names}}


def sent(doc: Mapping[str, Any], at: str, forget: tuple[str, ...]) -> dict[str, Any]:
    """The change that records a successful delivery at ``at``."""
    return {**without_params(doc, forget), "status": SENT,
            "attempts": int(doc.get("attempts", 0)) + 1, "sent_at": at,
            "last_attempt_at": at, "next_attempt_at": None, "claimed_until": None,
            "final": True}


def failed(doc: Mapping[str, Any], at: str, error: str, final: bool,
           next_attempt_at: str | None) -> dict[str, Any]:
    """The change that records a failed attempt (``final``: given up)."""
    return {"status": FAILED, "attempts": int(doc.get("attempts", 0)) + 1,
            "last_error": str(error), "last_attempt_at": at,
            "next_attempt_at": None if final else next_attempt_at, "claimed_until": None,
            "final": bool(final)}


def new_pairs(pairs: Iterable[tuple[dict[str, Any], dict[str, Any]]], known: set[str]
              ) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[str]]:
    """A batch import's (account, mail) pairs whose ID number is in neither ``known`` nor
    an earlier pair: their accounts, their mails as records (:func:`adopt_record`) and their
    ID numbers. A person already registered is skipped together with the mail that would
    announce the account, and ``known`` grows by the ones taken."""
    accounts, mails, added = [], [], []
    for account, mail in pairs:
        if account["id_no"] in known:
            continue
        known.add(account["id_no"])
        accounts.append(account)
        mails.append(adopt_record(mail))
        added.append(account["id_no"])
    return accounts, mails, added
