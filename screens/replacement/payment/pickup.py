"""設定領卡時間及地點 (現場領卡 after payment): one of the NHIA offices and a time it
offers, with its notice read; the booking is the pickup domain's to accept or refuse."""

from __future__ import annotations

from datetime import datetime

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Select

from kiosk.domain.dates import roc_short
from kiosk.domain.errors import KioskError
from kiosk.domain.id_documents import HOUSEHOLD_MAX_AGE
from kiosk.domain.records import Application
from kiosk.domain.replacement.pickup import OFFICES, slots
from screens.errors import FAILED
from screens.forms import FormScreen
from screens.replacement.apply_form import SavedModal
from screens.widgets.choice import Choice
from screens.widgets.text import Notice, Tr


class PickupScreen(FormScreen):
    """設定領卡時間及地點: the office, the time, the notice read."""

    BINDINGS = [Binding("escape", "back", "key.back"), Binding("f5", "save", "apply.key_save")]
    title_key = "pickup.title"

    def __init__(self, atm_no: str) -> None:
        super().__init__()
        self.atm_no = atm_no

    def fields(self) -> ComposeResult:
        with Horizontal(classes="form-row"):
            yield Tr("pickup.office", classes="form-label")
            yield Select(self._offices(), id="f-office", compact=True,
                         prompt=self.t("ebill.choose"))
        with Horizontal(classes="form-row"):
            yield Tr("pickup.time", classes="form-label")
            yield Select(self._slots(), id="f-slot", compact=True,
                         prompt=self.t("ebill.choose"))
        yield Tr("pickup.notice", params={"age": HOUSEHOLD_MAX_AGE}, classes="note")
        with Horizontal(classes="form-row"):
            yield Tr("pickup.read", classes="form-label")
            yield Choice([("no", "ebill.no"), ("yes", "ebill.yes")], id="c-read")
        yield Notice(id="e-read", classes="field-error")

    def _offices(self) -> list[tuple[str, str]]:
        return [(f"{self.t(f'office.{o.code}')} {o.phone}", o.code) for o in OFFICES]

    def _slots(self) -> list[tuple[str, str]]:
        return [(roc_short(s), s.isoformat()) for s in slots(self.host.clock.now())]

    def on_mount(self) -> None:
        self.query_one("#f-office", Select).focus()

    def action_save(self) -> None:
        self.submit()

    def submit(self) -> None:
        session = self.host.session
        if session is None:
            return
        if self.query_one("#c-read", Choice).value != "yes":
            self.query_one("#e-read", Notice).say("pickup.must_read")
            return
        office = self.query_one("#f-office", Select).value
        slot = self.query_one("#f-slot", Select).value

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
