"""現場領卡: where and when a paid card is picked up.

The places and phone numbers are the NHIA's 領卡地點 table, one office per region.
Its last row reads 「花蓮縣、屏東縣 (09)8332111」; 屏東縣 is already in the 高屏 row
and no Taiwanese area code is (09), so it is taken as the 東區 office, 花蓮縣、臺東縣,
(03)8332111. A slot can be set or changed until one hour before it; then the card is
being made and the slot is fixed: the form still opens, shows the booking, and says why
it cannot change and whom to call (the NHIA's 「倘超過預約時間無法指定，請洽0800-030598
專線」).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from kiosk.domain.clock import TAIPEI
from kiosk.domain.errors import BrokenRecord, KioskError
from kiosk.domain.records import Application
from kiosk.domain.replacement.applications import Applications, Pickup
from kiosk.domain.session import Session

CUTOFF = timedelta(hours=1)
SLOT_TIMES = (time(9), time(10), time(11), time(14), time(15), time(16))
BOOKING_DAYS = 10          # working days offered ahead


@dataclass(frozen=True, slots=True)
class Office:
    code: str
    counties: tuple[str, ...]
    phone: str


OFFICES = (
    Office("taipei", ("臺北市", "新北市", "基隆市", "宜蘭縣", "金門縣", "連江縣"), "(02)21912006"),
    Office("north", ("桃園市", "新竹市", "新竹縣", "苗栗縣"), "(03)4339111"),
    Office("central", ("臺中市", "彰化縣", "南投縣"), "(04)22583988"),
    Office("south", ("雲林縣", "嘉義市", "嘉義縣", "臺南市"), "(06)2245678"),
    Office("kaoping", ("高雄市", "屏東縣", "澎湖縣"), "(07)3233123"),
    Office("east", ("花蓮縣", "臺東縣"), "(03)8332111"),
)
OFFICE_BY_CODE = {o.code: o for o in OFFICES}


def slots(now: datetime, days: int = BOOKING_DAYS) -> list[datetime]:
    """Bookable times: working days from today, each more than an hour away."""
    out: list[datetime] = []
    day: date = now.astimezone(TAIPEI).date()
    while len({s.date() for s in out}) < days:
        if day.weekday() < 5:
            out += [t for t in (datetime.combine(day, s, TAIPEI) for s in SLOT_TIMES)
                    if t - now > CUTOFF]
        day += timedelta(days=1)
    return out


def _fixed(app: Mapping[str, Any], now: datetime) -> bool:
    """Within the hour before its slot the card is being made: the slot cannot move."""
    booked = booking(app)
    return booked is not None and booked[1] - now <= CUTOFF


class PickupBooking:
    def __init__(self, applications: Applications) -> None:
        self.apps = applications

    def book(self, session: Session, atm_no: str, office: str, at: datetime) -> Application:
        """設定領卡時間及地點: paid 現場領卡 applications; changeable until an hour before."""
        if office not in OFFICE_BY_CODE:
            raise KioskError("err.pickup.office")
        now = self.apps.s.clock.now()
        if at not in slots(now):
            raise KioskError("err.pickup.slot")
        self.apps.get(session, atm_no)   # someone else's application is unknown

        def set_slot(app: dict[str, Any]) -> dict[str, Any]:
            if app["pickup"] != Pickup.ONSITE:
                raise KioskError("err.pickup.by_mail")
            if app["payment"] is None:
                raise KioskError("err.pickup.unpaid")
            if _fixed(app, now):
                raise KioskError("err.pickup.fixed")
            return {**app, "slot": {"office": office, "at": at.isoformat()}}

        return self.apps.update(atm_no, set_slot)

    def changeable(self, app: Application) -> bool:
        """May the slot still be set or moved (paid, on site, not within the hour)?"""
        return self.offered(app) and not self.fixed(app)

    def offered(self, app: Application) -> bool:
        """Does the application have a pickup to set or to see (paid, on site)? Within the
        hour the form still opens: it shows the booking and why it can no longer move."""
        return app["pickup"] == Pickup.ONSITE and app["payment"] is not None

    def fixed(self, app: Application) -> bool:
        """Is the booked slot within the hour, or past: the card is being made?"""
        return _fixed(app, self.apps.s.clock.now())

    def current(self, session: Session, atm_no: str) -> Application:
        """The application as stored now, for the form (someone else's is unknown)."""
        return self.apps.get(session, atm_no)


def booking(app: Mapping[str, Any]) -> tuple[str, datetime] | None:
    """The office and time booked, if any. BrokenRecord ("slot") for a booking that is not
    one (an office no longer listed, a time that is not a time: an old or edited store),
    so the form says so instead of failing to draw."""
    slot = app.get("slot")
    if not slot:
        return None
    try:
        office, at = slot["office"], datetime.fromisoformat(slot["at"])
    except (KeyError, TypeError, ValueError):
        raise BrokenRecord("slot") from None
    if office not in OFFICE_BY_CODE:
        raise BrokenRecord("slot")
    return office, at
