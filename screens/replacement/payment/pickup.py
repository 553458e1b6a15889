"""設定領卡時間及地點 (現場領卡 after payment): one of the NHIA offices and a time it
offers, with its notice read; the booking is the pickup domain's to accept or refuse. The
form opens on the place and time already booked; within the hour before it the booking is
shown, fixed, with the reason and the helpline."""

from __future__ import annotations

from datetime import datetime

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal

from kiosk.domain.dates import roc_short
from kiosk.domain.errors import KioskError
from kiosk.domain.id_documents import HOUSEHOLD_MAX_AGE
from kiosk.domain.records import Application
from kiosk.domain.replacement.pickup import OFFICES, booking, slots
from kiosk.domain.session import Session
from screens.errors import FAILED
from screens.forms import FormScreen
from screens.replacement.apply_form import SavedModal
from screens.widgets.choice import Choice, KioskSelect
from screens.widgets.text import Notice, Tr


class PickupScreen(FormScreen):
    """設定領卡時間及地點: the office, the time, the notice read."""

    BINDINGS = [Binding("escape", "back", "key.back"), Binding("f5", "save", "apply.key_save")]
    title_key = "pickup.title"

    def __init__(self, atm_no: str) -> None:
        super().__init__()
        self.atm_no = atm_no
        self.booked: tuple[str, datetime] | None = None
        self.fixed = False

    def fields(self) -> ComposeResult:
        session = self.host.session
        if session is not None:
            self.booked, self.fixed = self.read(self._stored, session, default=(None, False))
        if self.fixed:      # within the hour: shown as booked, and why it cannot move
            yield Tr("err.pickup.fixed", classes="form-error")
        office, at = self.booked or (KioskSelect.NULL, None)
        with Horizontal(classes="form-row"):
            yield Tr("pickup.office", classes="form-label")
            yield KioskSelect(self._offices(), id="f-office", compact=True, value=office,
                         prompt=self.t("ebill.choose"), disabled=self.fixed)
        slot_options = self._slots(at)
        with Horizontal(classes="form-row"):
            yield Tr("pickup.time", classes="form-label")
            yield KioskSelect(slot_options, id="f-slot", compact=True,
                         value=at.isoformat() if at else KioskSelect.NULL,
                         prompt=self.t("ebill.choose"), disabled=self.fixed)
        yield Tr("pickup.helpline", classes="note")
        yield Tr("pickup.notice", params={"age": HOUSEHOLD_MAX_AGE}, classes="note")
        with Horizontal(classes="form-row"):
            yield Tr("pickup.read", classes="form-label")
            yield Choice([("no", "ebill.no"), ("yes", "ebill.yes")], id="c-read",
                         disabled=self.fixed)
        yield Notice(id="e-read", classes="field-error")

    def refresh_language(self) -> None:
        """F2: the prompts (請選擇) and the offices' names too, the choice kept."""
        super().refresh_language()
        for select in self.query(KioskSelect):
            select.prompt = self.t("ebill.choose")
        offices = self.query_one("#f-office", KioskSelect)
        value = offices.value
        offices.set_options(self._offices())
        if value in {o.code for o in OFFICES}:
            offices.value = value

    def _stored(self, session: Session) -> tuple[tuple[str, datetime] | None, bool]:
        """The booking the form opens on, and whether it is fixed (within the hour)."""
        app = self.host.pickup.current(session, self.atm_no)
        return booking(app), self.host.pickup.fixed(app)

    def _offices(self) -> list[tuple[str, str]]:
        return [(f"{self.t(f'office.{o.code}')} {o.phone}", o.code) for o in OFFICES]

    def _slots(self, booked: datetime | None) -> list[tuple[str, str]]:
        """The times offered now, and the one booked (which may no longer be offered)."""
        times = slots(self.host.clock.now())
        if booked is not None and booked not in times:
            times = [booked, *times]
        return [(roc_short(s), s.isoformat()) for s in times]

    def on_mount(self) -> None:
        self.query_one("#f-office", KioskSelect).focus()

    def action_save(self) -> None:
        self.submit()

    def submit(self) -> None:
        session = self.host.session
        if session is None or self.fixed:    # the reason is on the form already
            return
        if self.query_one("#c-read", Choice).value != "yes":
            self.query_one("#e-read", Notice).say("pickup.must_read")
            return
        office = self.query_one("#f-office", KioskSelect).value
        slot = self.query_one("#f-slot", KioskSelect).value

        def book() -> Application:
            if not isinstance(office, str):
                raise KioskError("err.pickup.office")
            if not isinstance(slot, str):
                raise KioskError("err.pickup.slot")
            return self.host.pickup.book(session, self.atm_no, office,
                                         datetime.fromisoformat(slot))

        if self.attempt(book) is not FAILED:
            self.app.push_screen(SavedModal("pickup.saved_title", "pickup.saved"),
                                 lambda _: self.dismiss())
