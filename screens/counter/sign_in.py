"""The staff door (F10): staff ID and password. In the demo, F10 again leaves the demo
and the demo staff account is named on screen."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding

from kiosk.domain.errors import InvalidInput, KioskError, WrongPassword
from screens.card_policy import CardPolicy
from screens.errors import FAILED
from screens.forms import FormScreen, field_row
from screens.widgets.text import Tr


class StaffSignInScreen(FormScreen):
    card_policy = CardPolicy.UNBOUND
    BINDINGS = [Binding("escape", "back", "key.back"),
                Binding("f10", "leave_demo", "key.leave_demo")]

    title_key = "staff.sign_in_title"

    def fields(self) -> ComposeResult:
        if not self.read(self.host.staff.any_active, default=True):   # unread: no claim
            yield Tr("staff.none", classes="note", id="no-staff")
        if self.host.demo:
            yield Tr("staff.demo_hint", classes="note")
        yield from field_row("staff_id", "staff.id", max_length=20)
        yield from field_row("password", "staff.password", password=True, max_length=64)

    def on_mount(self) -> None:
        self.query_one("#f-staff_id").focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.host.demo if action == "leave_demo" else True

    def submit(self) -> None:
        password, box = self.value("password"), self.query_one("#f-password")
        box.value = ""    # type: ignore[attr-defined]  # never kept on screen after a try
        session = self.attempt(self.host.staff.sign_in, self.value("staff_id").strip(),
                               password)
        if session is FAILED:
            box.focus()
        else:
            self.host.start_staff(session)

    def error_message(self, error: Exception) -> KioskError:
        """A wrong password here is the staff password (櫃員密碼), not a citizen's
        註冊密碼, which the shared refusal names; it is said at the password field."""
        if isinstance(error, WrongPassword):
            return InvalidInput("password", "err.staff.wrong_password",
                                tries_left=error.tries_left)
        return super().error_message(error)

    def action_leave_demo(self) -> None:
        self.host.leave_kiosk()
