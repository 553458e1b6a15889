"""The stored documents, typed: what an account, an application (with its payment), a mail,
a staff member and a bound device hold in the store, field by field.

The store itself hands out plain dicts (``store/`` knows no domain); the domain services
name them with these types where they take or return one (``typing.cast`` where a
document comes out of the store), so a screen reading ``app["holder_name"]`` is checked
by mypy. They describe the documents as stored today, old ones included
(``tests/unit/data/store-v1/kiosk.json``): a field only some documents have is
``NotRequired``, a field that may be null says ``| None``. Times are ISO 8601 text with an
offset, days ISO dates, as in the store file. Read-only helpers that also check raw or
broken documents (kiosk.domain.replacement.papers) take ``Mapping[str, Any]`` instead.
"""

from __future__ import annotations

from typing import Any, NotRequired, TypedDict

# -- accounts (table ``accounts``) --------------------------------------------------------

#: why and by whom an account was suspended at the counter; ``from`` is the state to go
#: back to (None for a placeholder, which simply goes)
Suspension = TypedDict("Suspension", {
    "reason": str, "at": str, "by": str, "document": str, "from": str | None,
})


class IdDocumentRecord(TypedDict):
    """The identity document a clerk checked (kiosk.domain.id_documents)."""

    kind: str
    number: str


class Account(TypedDict):
    """A patient account, unique by ``id_no``. ``state`` is a kiosk.domain.accounts.State
    value. A batch registration has no card yet (``card_no`` None, ``name`` empty) and
    a default password (``must_change_password``); a placeholder (``placeholder``) keeps
    online registration shut for a suspended person who never registered."""

    id_no: str
    card_no: str | None
    name: str
    state: str
    password_hash: str | None          # None only for a placeholder
    email: str
    phone: str
    created_at: str
    card_issue_date: NotRequired[str | None]
    birth_date: NotRequired[str | None]
    confirmed_at: NotRequired[str | None]
    must_change_password: NotRequired[bool]
    registered_via: NotRequired[str]    # "counter", "batch:<unit>"; absent: online
    counter_document: NotRequired[IdDocumentRecord]
    counter_staff: NotRequired[str]
    placeholder: NotRequired[bool]
    suspension: NotRequired[Suspension | None]
    certificate: NotRequired[BoundCertificate]


class BoundCertificate(TypedDict):
    """The citizen digital certificate card an account signs in with by itself (its
    subject's serialNumber, and the certificate, base64 DER). Another card needs the
    registration password too, since a certificate names only the holder's name and the
    ID's last four characters, which two people can share."""

    card: str
    der: str


# -- card applications (table ``card_applications``) ---------------------------------------

class MailingAddress(TypedDict):
    """Where a 郵寄 card goes (kiosk.domain.replacement.applications.MailAddress.to_json)."""

    county: str
    district: str
    village: str
    neighborhood: int
    street: str
    postal_code: str


class Payment(TypedDict):
    """How an application was paid; ``method`` a kiosk.domain.replacement.payments.Method value.
    ATM and e-bill payments name the bank and the masked account; a slip does not."""

    method: str
    amount: int
    fee: int
    paid_at: str
    receipt_no: str
    insured_until: str                 # a day
    bank: NotRequired[str]
    account: NotRequired[str]


class Slot(TypedDict):
    """The booked 現場領卡 time and office (kiosk.domain.replacement.pickup)."""

    office: str
    at: str


class Application(TypedDict):
    """A replacement-card application, unique by its ATM NO. ``target`` is "self" or
    "dependant"; ``reason`` and ``pickup`` are Reason and Pickup values."""

    atm_no: str
    applicant_id: str
    target: str
    holder_id: str
    holder_name: str
    holder_birth: str | None
    reason: str
    email: str
    phone: str
    pickup: str
    mail_address: MailingAddress | None
    with_photo: bool
    created_at: str
    payment: Payment | None
    slot: Slot | None


# -- mail (table ``outbox``) ---------------------------------------------------------------

class Mail(TypedDict):
    """A mail in the outbox (store.outbox, kiosk.domain.mail). Stored rendered (``body``)
    or deferred (``params``, rendered when shown or sent); read back it carries its ``id``,
    and shown with its text (kiosk.domain.mail.with_text) it has ``body`` and no
    ``params``, plus ``code`` and ``link`` for a confirmation mail shown with its secret."""

    to: str
    kind: str
    subject: str
    created_at: str
    status: str                        # queued, sent, failed
    final: bool
    attempts: int
    last_error: str | None
    next_attempt_at: str | None
    id: NotRequired[int]
    body: NotRequired[str]
    params: NotRequired[dict[str, Any]]
    expires_at: NotRequired[str | None]
    claimed_until: NotRequired[str | None]
    sent_at: NotRequired[str]
    last_attempt_at: NotRequired[str]
    code: NotRequired[str]
    link: NotRequired[str]
    attach: NotRequired[dict[str, str]]   # what the mail carries besides its text
    attachments: NotRequired[list[Any]]   # the files drawn for sending (mail.Attachment)


# -- staff (table ``staff``) ---------------------------------------------------------------

class StaffMember(TypedDict):
    """A counter clerk, unique by ``staff_id``; a disabled one keeps the record."""

    staff_id: str
    name: str
    password_hash: str
    active: bool
    created_at: str
    disabled_at: NotRequired[str]


# -- bound devices (table ``devices``) -----------------------------------------------------

class Device(TypedDict):
    """A 健保快易通 app bound to a holder; ``phone`` set when bound by phone
    authentication (that phone keeps one entry)."""

    device_id: str
    id_no: str
    name: str
    bound_at: str
    last_used: str
    phone: str | None
    code: NotRequired[str]   # the digest of the device code that bound it (not a phone)

