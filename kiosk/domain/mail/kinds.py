"""The kinds of mail: what each one's templates need, and which of them carry a secret.

A kind's texts are the catalog keys ``mail.<kind>.subject`` and ``mail.<kind>.body``.
:data:`PARAMS` names the parameters those templates take; composing a mail with one
missing or unknown is a bug at the caller, caught before anything is stored.

A secret (a confirmation code, a batch default password) is never a stored parameter: a
record of a kind in :data:`SECRETS` keeps the ``seed`` the secret is derived from under the
machine key instead (:data:`SEED_PARAMS`), and reads as :data:`HIDDEN` without that key.
"""

from __future__ import annotations

from enum import StrEnum

from kiosk.domain import codes
from kiosk.domain.passwords import MACHINE_ALPHABET, MACHINE_LENGTH

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
