"""A signed-in holder's own settings: the password and the contact details. Each form
closes and hands what it did to whoever opened it (the services menu says it)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from textual.app import ComposeResult
from textual.widgets import Input

from kiosk.domain.mail import mask_email
from kiosk.domain.records import Account
from screens.errors import FAILED
from screens.forms import FormScreen, field_row
from screens.widgets.text import Tr


@dataclass(frozen=True, slots=True)
class Done:
    """What a settings form did, for the menu that opened it to say (a catalog key and
    its parameters)."""

    key: str
    params: dict[str, object] = field(default_factory=dict)


class SettingsForm(FormScreen):
    def __init__(self, said: Callable[[Done], None] | None = None) -> None:
        super().__init__()
        self.said = said

    def finish(self, done: Done) -> None:
        self.dismiss()
        if self.said is not None:
            self.said(done)


class ChangePasswordScreen(SettingsForm):
    title_key = "pw.title"

    def fields(self) -> ComposeResult:
        yield from field_row("old", "pw.old", password=True, max_length=12)
        yield from field_row("new", "pw.new", password=True, max_length=12)
        yield from field_row("new2", "pw.new2", password=True, max_length=12)
        yield Tr("reg.password_rules", classes="note")

    def on_mount(self) -> None:
        self.query_one("#f-old", Input).focus()

    def submit(self) -> None:
        session = self.host.session
        if session is None:
            return
        if self.attempt(self.host.my_account.change_password, session, self.value("old"),
                        self.value("new"), self.value("new2")) is FAILED:
            if self.host.services.login_lock.locked_until(session.id_no):
                self.host.action_go_idle()   # locked: log out
            return
        self.finish(Done("pw.done"))


class UpdateInfoScreen(SettingsForm):
    title_key = "info.title"

    def fields(self) -> ComposeResult:
        session = self.host.session
        none: dict[str, str] = {}   # the form opens empty; sending says why
        account: Account | dict[str, str] = (
            self.read(self.host.sign_in.account, session, default=none) if session else none)
        yield from field_row("email", "reg.email", value=account.get("email", ""))
        yield from field_row("phone", "reg.phone", value=account.get("phone", ""))

    def on_mount(self) -> None:
        self.query_one("#f-email", Input).focus()

    def submit(self) -> None:
        session = self.host.session
        if session is None:
            return
        change = self.attempt(self.host.my_account.update_info, session, self.value("email"),
                              self.value("phone"))
        if change is FAILED:
            return
        if change.email_pending:
            self.finish(Done("info.done_email", {"email": mask_email(change.email_pending)}))
        else:
            self.finish(Done("info.done_phone" if change.phone_changed else "info.nochange"))
