"""健保卡申請作業: applying online for a replacement
card for oneself or a dependant, and the list of one's applications.

An application is keyed by its ATM NO (the 16-digit 銷帳編號 every payment method quotes),
so two applications can never share one. Unpaid applications disappear 14 days after they
were made; the list shows the last 14 days.
"""

from __future__ import annotations

import functools
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any, cast

from kiosk.domain.accounts import Services
from kiosk.domain.address import Address
from kiosk.domain.clock import TAIPEI
from kiosk.domain.errors import InvalidInput, KioskError
from kiosk.domain.forms import parse_date
from kiosk.domain.records import Application, MailingAddress, Payment
from kiosk.domain.session import Session
from kiosk.domain.validate import is_valid_email, is_valid_id, is_valid_phone

FEE = 200                          # 健保卡工本費, NT$
UNPAID_LIFETIME = timedelta(days=14)
QUERY_WINDOW = timedelta(days=14)
# What the screens say of these rules (the catalog's {days} and {fee}) comes from here.
MAX_STREET = 60
ATM_PREFIX = "95"


class Reason(StrEnum):
    LOST = "lost"          # 遺失
    DAMAGED = "damaged"    # 毀損
    PHOTO = "photo"        # 更換照片


class Pickup(StrEnum):
    MAIL = "mail"          # 郵寄
    ONSITE = "onsite"      # 現場領卡


@dataclass(frozen=True, slots=True)
class Dependant:
    id_no: str
    name: str
    birth: str             # as typed: ROC 070/01/02 or 1981-01-02


@dataclass(frozen=True, slots=True)
class MailAddress:
    address: Address       # county, district, village, 鄰 from the picker
    street: str            # 街路門號

    def to_json(self) -> MailingAddress:
        a = self.address
        return {"county": a.county.name, "district": a.district.name, "village": a.village.name,
                "neighborhood": a.neighborhood, "street": self.street,
                "postal_code": a.postal_code}


@dataclass(frozen=True, slots=True)
class Form:
    """The application form: 製卡對象, 申請原因, mail, phone, 領卡方式 and 申請種類;
    ``dependant`` None means 本人."""

    reason: str
    email: str
    phone_area: str
    phone_number: str
    phone_ext: str
    pickup: str
    with_photo: bool
    dependant: Dependant | None = None
    mail_address: MailAddress | None = None
    photo: bytes | None = None


def check_digit(digits: str) -> str:
    """Luhn, so a mistyped ATM NO is caught before it reaches a bank."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return str((10 - total % 10) % 10)


def new_atm_no() -> str:
    body = ATM_PREFIX + "".join(secrets.choice("0123456789") for _ in range(13))
    return body + check_digit(body)


def mailing_line(app: Mapping[str, Any]) -> str:
    """郵寄地址 as the list and the slip print it: (100)臺北市中正區水源里12鄰 street."""
    a = app.get("mail_address")
    if not a:
        return ""
    return (f"({a['postal_code']}){a['county']}{a['district']}{a['village']}"
            f"{a['neighborhood']}鄰{a['street']}")


def expired() -> KioskError:
    """Too late to pay: the message says how many days there were (UNPAID_LIFETIME)."""
    return KioskError("err.pay.expired", days=UNPAID_LIFETIME.days)


def payment_of(app: Application) -> Payment:
    """The payment of an application known to be paid (as a payment returns it)."""
    payment = app["payment"]
    if payment is None:
        raise KioskError("err.receipt.unpaid")
    return payment


class Applications:
    def __init__(self, services: Services, photos: Any = None) -> None:
        self.s = services
        self.photos = photos          # a replacement.photos.PhotoStore, or None: no photos
        self._apps = services.store.keyed("card_applications", "atm_no")

    # -- making one ----------------------------------------------------------------------
    def apply(self, session: Session, form: Form) -> Application:
        """新增 → 儲存. Every field is checked before anything is stored."""
        holder = self._holder(session, form.dependant)
        if form.reason not in tuple(Reason):
            raise InvalidInput("reason", "err.apply.reason")
        if form.reason == Reason.PHOTO and not form.with_photo:
            raise InvalidInput("kind", "err.apply.photo_reason")
        email = form.email.strip()
        if not is_valid_email(email):
            raise InvalidInput("email", "err.contact.email")
        phone = _phone(form.phone_area, form.phone_number, form.phone_ext)
        if form.pickup not in tuple(Pickup):
            raise InvalidInput("pickup", "err.apply.pickup")
        address = None
        if form.pickup == Pickup.MAIL:
            address = _mail_address(form.mail_address)
        photo = None
        if form.with_photo:
            if form.photo is None:
                raise InvalidInput("photo", "err.photo.missing")
            if self.photos is None:
                raise KioskError("err.photo.unavailable")
            photo = self.photos.check(form.photo)
        now = self.s.clock.now()
        app = {
            "applicant_id": session.id_no, "target": "dependant" if form.dependant else "self",
            **holder, "reason": form.reason, "email": email, "phone": phone,
            "pickup": form.pickup, "mail_address": address, "with_photo": form.with_photo,
            "created_at": now.isoformat(), "payment": None, "slot": None,
        }
        def claim(old: dict[str, Any] | None) -> dict[str, Any]:
            return old or app     # a number already taken keeps its application

        for _ in range(5):   # 10^13 numbers: a collision is rare, never silent
            atm_no = new_atm_no()
            if self._apps.modify(atm_no, claim):
                break
        else:
            raise KioskError("err.busy")
        if photo is not None:
            try:
                self.photos.save(atm_no, photo)
            except OSError:               # no application "with photo" but without one
                self._apps.modify(atm_no, lambda _doc: None)
                raise KioskError("err.photo.unavailable") from None
        return cast(Application, {**app, "atm_no": atm_no})

    def _holder(self, session: Session, dependant: Dependant | None) -> dict[str, Any]:
        if dependant is None:
            person = self.s.registry.person(session.id_no) or {}
            account = self.s.accounts.get_by_id(session.id_no) or {}
            return {"holder_id": session.id_no, "holder_name": session.name,
                    "holder_birth": account.get("birth_date") or person.get("birth_date")}
        id_no = dependant.id_no.strip().upper()
        if not is_valid_id(id_no):
            raise InvalidInput("dep_id", "err.apply.dep_id")
        name = "".join(dependant.name.split())
        if not name:
            raise InvalidInput("dep_name", "err.required")
        born = parse_date(dependant.birth, "dep_birth").isoformat()
        known = {p["id_no"]: p for p in self.s.registry.dependants_of(session.id_no)}
        relative = known.get(id_no)
        if relative is None or "".join(relative["name"].split()) != name \
                or relative.get("birth_date") != born:
            raise InvalidInput("dep_id", "err.apply.not_dependant")
        return {"holder_id": id_no, "holder_name": relative["name"], "holder_birth": born}

    # -- reading them -------------------------------------------------------------------
    def purge(self) -> int:
        """Delete unpaid applications past their due day (and their photos)."""
        now = self.s.clock.now()
        gone = 0
        for app in self._apps.all():
            if app["payment"] is not None or self.due(app) > now:
                continue
            dropped: list[dict[str, Any] | None] = []
            self._apps.modify(app["atm_no"], functools.partial(_drop_unpaid, dropped=dropped))
            if dropped and self.photos is not None:
                self.photos.remove(app["atm_no"])
            gone += bool(dropped)
        return gone

    def mine(self, session: Session) -> list[Application]:
        """The applicant's applications, newest first (unpaid ones for 14 days only)."""
        self.purge()
        mine = [cast(Application, a) for a in self._apps.all()
                if a["applicant_id"] == session.id_no]
        return sorted(mine, key=lambda a: a["created_at"], reverse=True)

    def recent(self, session: Session) -> list[Application]:
        """查詢: those made in the last 14 days."""
        since = self.s.clock.now() - QUERY_WINDOW
        return [a for a in self.mine(session)
                if datetime.fromisoformat(a["created_at"]) > since]

    def get(self, session: Session, atm_no: str) -> Application:
        app = cast(Application | None, self._apps.get(atm_no))
        if app is None or app["applicant_id"] != session.id_no:
            raise KioskError("err.apply.unknown")
        return app

    def paid(self, atm_no: str) -> Application | None:
        """A paid application, for its receipt in the receipt mail: the mail worker acts for
        the mail the holder was already sent, so no session; unpaid or gone is None."""
        app = cast(Application | None, self._apps.get(atm_no))
        return app if app is not None and app.get("payment") else None

    def payable(self, session: Session, atm_no: str) -> Application:
        """The application, if it may still be paid: refused when paid or past 14 days."""
        app = self.get(session, atm_no)
        if app["payment"] is not None:
            raise KioskError("err.pay.already")
        if self.due(app) <= self.s.clock.now():
            raise expired()
        return app

    @staticmethod
    def due(app: Mapping[str, Any]) -> datetime:
        """The end of the 14th day after applying, in Taipei: the slip's 繳費期限."""
        made = datetime.fromisoformat(app["created_at"]).astimezone(TAIPEI)
        return datetime.combine(made.date() + UNPAID_LIFETIME, time.max, TAIPEI)

    def record_payment(self, atm_no: str, payment: Payment,
                       at: datetime | None = None) -> Application:
        """Mark paid once, under the store lock: two payments never both land. ``at`` is
        when the money moved (a store's report may come later)."""
        outcome: dict[str, Any] = {}
        now = at or self.s.clock.now()

        def pay(doc: dict[str, Any] | None) -> dict[str, Any] | None:
            if doc is None:
                outcome["error"] = KioskError("err.apply.unknown")
            elif doc["payment"] is not None:
                outcome["error"] = KioskError("err.pay.already")
            elif self.due(doc) <= now:
                outcome["error"] = expired()
            else:
                outcome["app"] = {**doc, "payment": payment}
                return outcome["app"]
            return doc

        self._apps.modify(atm_no, pay)
        if "error" in outcome:
            raise outcome["error"]
        return cast(Application, outcome["app"])

    def update(self, atm_no: str, change: Any) -> Application:
        """Atomically change an application; ``change`` may raise KioskError to refuse."""
        result: dict[str, Any] = {}

        def apply(doc: dict[str, Any] | None) -> dict[str, Any] | None:
            if doc is None:
                raise KioskError("err.apply.unknown")
            result.update(change(doc))
            return result

        self._apps.modify(atm_no, apply)
        return cast(Application, result)


def _drop_unpaid(doc: dict[str, Any] | None,
                 dropped: list[dict[str, Any] | None]) -> dict[str, Any] | None:
    if doc is not None and doc["payment"] is not None:
        return doc            # paid meanwhile elsewhere: it stays
    dropped.append(doc)
    return None


def _phone(area: str, number: str, ext: str) -> str:
    """電話 ( ) - #: area code, number and extension, as 02-23456789#123."""
    area, number, ext = area.strip(), number.strip().replace("-", ""), ext.strip()
    if not number:
        raise InvalidInput("phone_number", "err.required")
    text = f"{area}-{number}" if area else number
    if ext:
        text += f"#{ext}"
    if not is_valid_phone(text) or (area and not area.startswith("0")):
        raise InvalidInput("phone_number", "err.contact.phone")
    return text


def _mail_address(mail: MailAddress | None) -> MailingAddress:
    if mail is None:
        raise InvalidInput("address", "err.address_incomplete")
    street = " ".join(mail.street.split())
    if not street:
        raise InvalidInput("street", "err.apply.street")
    if len(street) > MAX_STREET:
        raise InvalidInput("street", "err.apply.street")
    return MailAddress(mail.address, street).to_json()


def insured_until(paid_on: date) -> date:
    """The receipt lets the holder be treated as insured until 14 days after payment."""
    return paid_on + timedelta(days=14)
