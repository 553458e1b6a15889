"""健保卡申請作業: the notices, the list of one's recent applications (the domain says how
recent) with every column of the NHIA's list (ATM NO, date, holder, kind, fee, payment,
pickup), and what can be done with each (pay, pickup, receipt)."""

from __future__ import annotations

from datetime import datetime

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widget import Widget
from textual.widgets import DataTable

from kiosk.domain.address import find_county
from kiosk.domain.dates import roc_short
from kiosk.domain.id_documents import HOUSEHOLD_MAX_AGE
from kiosk.domain.mask import mask_name
from kiosk.domain.records import Application
from kiosk.domain.replacement.applications import (
    QUERY_WINDOW,
    UNPAID_LIFETIME,
    Pickup,
    mailing_line,
)
from kiosk.domain.replacement.payments import Method, method_fee, methods_for
from kiosk.domain.replacement.pickup import OFFICES, Office
from screens.base import KioskModal, KioskScreen
from screens.card_policy import CardPolicy
from screens.errors import FAILED
from screens.forms import Notice
from screens.widgets.menu import NumberedMenu, menu_keys
from screens.widgets.plain import PlainTable
from screens.widgets.text import Computed, Tr

COLUMNS = ("apps.col_name", "apps.col_atm", "apps.col_paid", "apps.col_time", "apps.col_photo",
           "apps.col_pickup", "apps.col_place", "apps.col_slot")


class ApplicationsScreen(KioskScreen):
    card_policy = CardPolicy.BOUND
    error_notice = "#done"
    BINDINGS = [Binding("escape", "close", "key.back"),
                Binding("f5", "new", "apps.key_new"),
                Binding("f6", "query", "apps.key_query"),
                Binding("f9", "offices", "apps.key_offices")]
    title_key = "apps.title"

    def __init__(self) -> None:
        super().__init__()
        self.only_recent = False
        self.rows: list[Application] = []

    def fields(self) -> ComposeResult:
        # 注意事項 in full (step 8), in a box of a few rows that scrolls (Tab, arrows), so
        # the list keeps its rows at 80×24
        notes = VerticalScroll(id="apps-notes")
        notes.styles.max_height = 3
        with notes:
            yield Tr("apps.notice", params={"days": UNPAID_LIFETIME.days,
                                            "age": HOUSEHOLD_MAX_AGE}, classes="note")
            yield Tr("apps.keep", classes="note")
        yield Computed(self._heading, id="list-heading", classes="hint")
        yield PlainTable(id="apps", cursor_type="row", zebra_stripes=True)
        yield Computed(self._detail, id="row-detail", classes="message")
        yield Notice(id="done", classes="hint")

    def on_mount(self) -> None:
        self.reload()
        self.query_one("#apps", DataTable).focus()

    def _heading(self) -> str:
        return self.t("apps.recent" if self.only_recent else "apps.all",
                      days=QUERY_WINDOW.days)

    def refresh_language(self) -> None:
        super().refresh_language()
        self.reload()

    def reload(self) -> None:
        session = self.host.session
        if session is None:
            return
        apps = self.host.applications
        rows = self.attempt(apps.recent if self.only_recent else apps.mine, session)
        if rows is FAILED:   # busy or unreadable for a moment: said at #done, keep going
            return
        self.rows = rows
        table = self.query_one("#apps", DataTable)
        table.clear(columns=True)
        table.add_columns(*(self.t(key) for key in COLUMNS))
        for app in self.rows:
            table.add_row(*self._cells(app), key=app["atm_no"])
        self.query_one("#row-detail", Computed).refresh_text()
        self.query_one("#done", Notice).say(None if self.rows else "apps.none")

    def _cells(self, app: Application) -> list[str]:
        t = self.t
        onsite = app["pickup"] == Pickup.ONSITE
        slot = app.get("slot")
        place = (t(f"office.{slot['office']}") if slot else t("apps.not_set")) if onsite \
            else mailing_line(app)
        when = (roc_short(datetime.fromisoformat(slot["at"])) if slot else t("apps.not_set")) \
            if onsite else ""
        return [mask_name(app["holder_name"]), app["atm_no"],
                t("apps.paid" if app["payment"] else "apps.unpaid"),
                roc_short(datetime.fromisoformat(app["created_at"])),
                t("apps.photo" if app["with_photo"] else "apps.no_photo"),
                t("apps.onsite" if onsite else "apps.by_mail"), place, when]

    def _detail(self) -> str:
        """The columns that do not fit 80 cells, for the highlighted application."""
        app = self.selected()
        if app is None:
            return ""
        cells = self._cells(app)
        return self.t("apps.detail", place=cells[6] or "—", slot=cells[7] or "—")

    @on(DataTable.RowHighlighted)
    def _highlighted(self) -> None:
        self.query_one("#row-detail", Computed).refresh_text()

    def selected(self) -> Application | None:
        table = self.query_one("#apps", DataTable)
        if not self.rows or table.cursor_row is None or table.cursor_row >= len(self.rows):
            return None
        return self.rows[table.cursor_row]

    def action_new(self) -> None:
        from screens.replacement.apply_form import ApplyFormScreen

        self.app.push_screen(ApplyFormScreen(), self._back)

    @on(DataTable.RowSelected)
    def action_act(self) -> None:
        app = self.selected()
        if app is not None:
            self.app.push_screen(ActionsModal(app), self._do)

    def _do(self, action: str | None) -> None:
        app = self.selected()
        if action is None or app is None:
            return
        from screens.replacement import payment

        screens = {"atm": payment.AtmScreen, "ebill": payment.EbillScreen,
                   "slip": payment.SlipScreen, "pickup": payment.PickupScreen,
                   "receipt": payment.ReceiptScreen}
        self.app.push_screen(screens[action](app["atm_no"]), self._back)

    def _back(self, _: object = None) -> None:
        """Back from the form or a payment: the list afresh, and the focus in it, so the
        Enter its heading offers works (it stayed in 注意事項 if a person had read them)."""
        self.reload()
        self.query_one("#apps", DataTable).focus()

    def action_query(self) -> None:
        self.only_recent = not self.only_recent
        self.query_one("#done", Notice).say(None)
        self.refresh_language()

    def action_offices(self) -> None:
        self.app.push_screen(OfficesModal())

    def action_close(self) -> None:
        self.dismiss()


def actions_for(app: Application, pickup_offered: bool) -> list[str]:
    """What the list offers on a row, in the NHIA's order: the ways to pay, then pickup
    and receipt. Pickup stays on the list within the last hour: its form then says why the
    booking can no longer move and whom to call, where a vanished option said nothing."""
    out = [m.value for m in methods_for(app)]
    if app["payment"] is not None:
        if pickup_offered:
            out.append("pickup")
        out.append("receipt")
    return out


class ActionsModal(KioskModal):
    BINDINGS = [Binding("escape", "pick(0)", "key.back"),
                *menu_keys(5)]

    def __init__(self, app: Application) -> None:
        super().__init__()
        self.application = app

    def title_line(self) -> Widget:
        return Tr("apps.actions_title", params={"atm": self.application["atm_no"]},
                  classes="screen-title")

    def fields(self) -> ComposeResult:
        self.actions = actions_for(self.application,
                                   self.host.pickup.offered(self.application))
        yield NumberedMenu(lambda: [(a, a) for a in self.actions], label=self._label)
        if not self.actions:
            yield Tr("apps.no_actions", classes="message")

    def _label(self, action: str) -> str:
        """The ways to pay say their fee, as the NHIA's own buttons and notes do."""
        if action in tuple(Method):
            return self.t(f"pay.method_{action}", fee=method_fee(Method(action)))
        return self.t(f"apps.action_{action}")

    def action_pick(self, digit: int) -> None:
        action = self.query_one(NumberedMenu).chosen(digit)
        if action is not None:
            self.dismiss(action)
        elif digit == 0:   # Escape
            self.dismiss(None)


class OfficesModal(KioskModal):
    """查詢領卡地點: the NHIA offices where a card is picked up, and their phone numbers."""

    BINDINGS = [Binding("escape", "close", "key.back"), Binding("enter", "close", "key.done")]

    title_key = "apps.offices_title"

    def fields(self) -> ComposeResult:
        for office in OFFICES:
            yield Computed(lambda o=office: self._office(o), classes="menu-item")
        yield Tr("msg.dismiss", classes="hint")   # a dialog has no key bar to say it

    def _office(self, office: Office) -> str:
        lang = self.host.catalog.lang
        names = [c.name_in(lang) if (c := find_county(name)) else name
                 for name in office.counties]
        sep = "、" if lang.startswith("zh") else ", "
        return f"{self.t(f'office.{office.code}')}  {office.phone}\n  {sep.join(names)}"

    def action_close(self) -> None:
        self.dismiss()
