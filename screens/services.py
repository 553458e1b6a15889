"""The menu a signed-in holder starts from, in the NHIA's order. It leads into the
registration, binding and replacement workflows and so sits above them; a workflow's
screen reaches it through the app (KioskHost.services_menu), never by import."""

from __future__ import annotations

from collections.abc import Callable

from textual.app import ComposeResult
from textual.binding import Binding

from kiosk.domain.mask import mask_card_no, mask_name
from screens.base import KioskScreen
from screens.card_policy import CardPolicy
from screens.forms import Notice
from screens.registration.my_account import ChangePasswordScreen, Done, UpdateInfoScreen
from screens.widgets.menu import NumberedMenu, menu_keys
from screens.widgets.text import Tr


class ServicesScreen(KioskScreen):
    """After sign-in: the holder's services, in the NHIA's order, then 健保卡申請作業."""

    card_policy = CardPolicy.BOUND
    BINDINGS = [Binding("escape", "logout", "svc.logout"),
                *menu_keys(6)]
    ITEMS = ("svc.device_code", "svc.devices", "svc.change_password", "svc.update_info",
             "svc.card_apply", "svc.logout")

    title_key = "svc.title"

    def fields(self) -> ComposeResult:
        session = self.host.session
        name = mask_name(session.name) if session else ""
        welcome = "svc.welcome" if session is None or session.by_card else \
            "svc.welcome_cert" if session.by_certificate else "svc.welcome_qr"
        yield Tr(welcome, params={"name": name}, classes="message")
        if session and session.new_card:     # 新卡: the account moved onto this card
            yield Tr("svc.new_card", params={"card": mask_card_no(session.card_no)},
                     classes="message")
        if session and session.must_change_password:
            yield Tr("svc.must_change", classes="error")
        yield NumberedMenu(lambda: [(key, key) for key in self.ITEMS])
        yield Notice(id="form-error", classes="hint")

    def action_pick(self, digit: int) -> None:
        from screens.binding.devices import DeviceCodeScreen, DevicesScreen
        from screens.replacement.applications import ApplicationsScreen

        opens: dict[str, Callable[[], KioskScreen]] = {
            "svc.device_code": DeviceCodeScreen, "svc.devices": DevicesScreen,
            "svc.change_password": lambda: ChangePasswordScreen(self.report),
            "svc.update_info": lambda: UpdateInfoScreen(self.report),
            "svc.card_apply": ApplicationsScreen}
        key = self.query_one(NumberedMenu).chosen(digit)
        if key in opens:
            self.app.push_screen(opens[key]())
        elif key == "svc.logout":
            self.action_logout()

    def action_logout(self) -> None:
        self.host.action_go_idle()   # wipes the session

    def report(self, done: Done) -> None:
        """A settings form closed: say what it did."""
        self.query_one("#form-error", Notice).say(done.key, **done.params)
