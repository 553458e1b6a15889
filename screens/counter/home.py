"""The staff menu: every counter operation, the logs, sign-out and leaving the kiosk."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding

from reader.events import ReaderEvent
from screens.base import KioskModal
from screens.counter.base import StaffScreen
from screens.widgets.menu import NumberedMenu, menu_keys
from screens.widgets.text import Computed, Tr

ITEMS = ("staff.menu_register", "staff.menu_person", "staff.menu_batch", "staff.menu_audit",
         "staff.menu_outbox", "staff.menu_sign_out", "staff.menu_exit")


class StaffHomeScreen(StaffScreen):
    BINDINGS = menu_keys(len(ITEMS), zero_last=True)
    title_key = "staff.home_title"

    def fields(self) -> ComposeResult:
        yield self.staff_line()
        yield NumberedMenu(lambda: [(key, key) for key in ITEMS], zero_last=True,
                           indent="  ", id="staff-menu")
        yield Computed(self.card_text, id="staff-card", classes="note")

    def card_changed(self, event: ReaderEvent | None) -> None:
        self.query_one("#staff-card", Computed).refresh_text()

    def action_pick(self, digit: int) -> None:
        from screens.counter.audit import AuditScreen
        from screens.counter.batch import BatchScreen
        from screens.counter.desk import CounterRegisterScreen, PersonScreen
        from screens.counter.outbox import StaffOutboxScreen

        key = self.query_one(NumberedMenu).chosen(digit)
        if key is None:
            return
        screens: dict[str, Callable[[], Any]] = {
            "staff.menu_register": CounterRegisterScreen, "staff.menu_person": PersonScreen,
            "staff.menu_batch": BatchScreen, "staff.menu_audit": AuditScreen,
            "staff.menu_outbox": StaffOutboxScreen}
        if key in screens:
            self.app.push_screen(screens[key]())
        elif key == "staff.menu_sign_out":
            self.host.end_staff()
        else:
            self.app.push_screen(LeaveScreen())


class LeaveScreen(KioskModal):
    """Leaving the kiosk is a staff action too (audited); Enter confirms."""

    BINDINGS = [Binding("enter", "leave", "key.confirm"),
                Binding("escape", "close", "key.cancel")]

    title_key = "staff.exit_title"

    def fields(self) -> ComposeResult:
        yield Tr("staff.exit_confirm")

    def action_leave(self) -> None:
        self.host.leave_kiosk_as_staff()

    def action_close(self) -> None:
        self.dismiss()
