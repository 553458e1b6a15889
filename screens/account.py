"""Login with card and password, the services after it, and getting back in: forgotten
password, pending registrations, and the codes that arrive by mail."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Input

from kiosk.domain.mail import mask_email, parse_link
from kiosk.domain.mask import mask_name
from kiosk.domain.records import Account
from screens.base import KioskScreen
from screens.card_policy import CardPolicy
from screens.errors import FAILED, log_failure
from screens.forms import CardForm, FormScreen, Notice, ProofForm, field_row
from screens.widgets.menu import NumberedMenu, menu_keys
from screens.widgets.text import Tr


class PasswordCardForm(CardForm):
    """The card and its registration password: login, and the pending-application actions."""

    title_key = "login.title"

    def fields(self) -> ComposeResult:
        yield self.card_line()
        yield from field_row("password", "login.password", password=True, max_length=12)
        yield Notice(id="sent", classes="hint")

    def on_mount(self) -> None:
        self.query_one("#f-password", Input).focus()

    def take_password(self) -> str:
        """The typed password, cleared from the box at once."""
        box = self.query_one("#f-password", Input)
        password, box.value = box.value, ""
        return password


class LoginScreen(PasswordCardForm):
    def submit(self) -> None:
        card = self.card()
        if card is None:
            return
        session = self.attempt(self.host.auth.login, card, self.take_password())
        if session is FAILED:
            return
        self.host.start_session(session)
        self.app.switch_screen(ServicesScreen())


class ServicesScreen(KioskScreen):
    """After login (SPEC §3.3). Device items arrive with the app-binding workflow."""

    card_policy = CardPolicy.BOUND
    BINDINGS = [Binding("escape", "logout", "svc.logout"),
                *menu_keys(6)]
    # SPEC §3.3, in the NHIA's order; then 健保卡申請作業 (§5)
    ITEMS = ("svc.device_code", "svc.devices", "svc.change_password", "svc.update_info",
             "svc.card_apply", "svc.logout")

    title_key = "svc.title"

    def fields(self) -> ComposeResult:
        session = self.host.session
        name = mask_name(session.name) if session else ""
        welcome = "svc.welcome" if session is None or session.by_card else "svc.welcome_qr"
        yield Tr(welcome, params={"name": name}, classes="message")
        if session and session.must_change_password:
            yield Tr("svc.must_change", classes="error")
        yield NumberedMenu(lambda: [(key, key) for key in self.ITEMS])
        yield Notice(id="form-error", classes="hint")

    def action_pick(self, digit: int) -> None:
        from screens.applications import ApplicationsScreen
        from screens.devices import DeviceCodeScreen, DevicesScreen

        opens: dict[str, type[KioskScreen]] = {
            "svc.device_code": DeviceCodeScreen, "svc.devices": DevicesScreen,
            "svc.change_password": ChangePasswordScreen, "svc.update_info": UpdateInfoScreen,
            "svc.card_apply": ApplicationsScreen}
        key = self.query_one(NumberedMenu).chosen(digit)
        if key in opens:
            self.app.push_screen(opens[key]())
        elif key == "svc.logout":
            self.action_logout()

    def action_logout(self) -> None:
        self.app.action_go_idle()  # type: ignore[attr-defined]  # wipes the session

    def done(self, key: str, **params: object) -> None:
        self.query_one("#form-error", Notice).say(key, **params)


class ChangePasswordScreen(FormScreen):
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
        if self.attempt(self.host.auth.change_password, session, self.value("old"),
                        self.value("new"), self.value("new2")) is FAILED:
            if self.host.services.login_lock.locked_until(session.id_no):
                self.app.action_go_idle()  # type: ignore[attr-defined]  # locked: log out
            return
        self.dismiss()
        report_to_services(self, "pw.done")


def report_to_services(screen: KioskScreen, key: str, **params: object) -> None:
    """After a service form closes, say on the services menu what it did."""
    below = screen.app.screen
    if isinstance(below, ServicesScreen):
        below.done(key, **params)


class UpdateInfoScreen(FormScreen):
    title_key = "info.title"

    def fields(self) -> ComposeResult:
        account: Account | dict[str, str] = {}
        try:
            if self.host.session:
                account = self.host.auth.account(self.host.session)
        except Exception as error:   # composing: no notice to say it in yet; the form
            log_failure(error, "UpdateInfoScreen")   # opens, and sending it says why
            account = {}
        yield from field_row("email", "reg.email", value=account.get("email", ""))
        yield from field_row("phone", "reg.phone", value=account.get("phone", ""))

    def on_mount(self) -> None:
        self.query_one("#f-email", Input).focus()

    def submit(self) -> None:
        session = self.host.session
        if session is None:
            return
        change = self.attempt(self.host.auth.update_info, session, self.value("email"),
                              self.value("phone"))
        if change is FAILED:
            return
        self.dismiss()
        if change.email_pending:
            report_to_services(self, "info.done_email", email=mask_email(change.email_pending))
        else:
            report_to_services(self, "info.done_phone" if change.phone_changed
                               else "info.nochange")


class ForgotScreen(CardForm):
    """忘記密碼: a reset mail to the address on file, or — without one — prove the
    registered address (residents: the permit) and give a new address."""

    BINDINGS = [Binding("escape", "back", "key.back"), Binding("enter", "read", "key.read")]

    title_key = "forgot.title"

    def fields(self) -> ComposeResult:
        yield self.card_line()
        yield Tr("forgot.intro", id="intro", classes="message")
        yield Notice(id="sent", classes="hint")

    def __init__(self) -> None:
        super().__init__()
        self.sent = False

    def action_read(self) -> None:
        if self.sent:   # one mail per visit: another would void the code just sent
            self.dismiss()
        else:
            self.submit()

    def submit(self) -> None:
        card = self.card()
        if card is None:
            return
        email = self.attempt(self.host.auth.forgot, card)
        if email is FAILED:
            return
        if email is None:
            self.app.switch_screen(ForgotIdentityScreen(card))
        else:
            self.sent = True
            self.query_one("#sent", Notice).say("forgot.sent", email=mask_email(email))


class ForgotIdentityScreen(ProofForm):
    """No mail on file: the registered address alone (residents: the permit) and a new
    address to send the reset mail to."""

    with_household = False

    title_key = "forgot.identity_title"

    def fields(self) -> ComposeResult:
        yield from self.proof_fields()
        yield from field_row("email", "forgot.new_email")
        yield Notice(id="sent", classes="hint")

    def submit(self) -> None:
        def run() -> None:
            self.host.auth.forgot_with_identity(self.proof_card, self.proof(), self.value("email"))

        if self.attempt(run) is not FAILED:
            self.query_one("#sent", Notice).say("forgot.sent",
                                                email=mask_email(self.value("email")))


class PendingScreen(PasswordCardForm):
    """Resend the verification mail, or cancel the pending application (password needed)."""

    def __init__(self, what: str) -> None:
        super().__init__()
        self.what = what   # "resend" or "cancel"
        self.title_key = f"card.action_{what}"

    def submit(self) -> None:
        card = self.card()
        if card is None:
            return
        password = self.take_password()
        if self.what == "resend":
            email = self.attempt(self.host.registration.resend, card, password)
            if email is not FAILED:
                self.query_one("#sent", Notice).say("pending.resent", email=mask_email(email))
        else:
            if self.attempt(self.host.registration.cancel, card, password) is not FAILED:
                self.query_one("#sent", Notice).say("pending.cancelled")


class CodeScreen(FormScreen):
    """A code (or link) from a mail: confirms a registration or a new e-mail address, or
    opens the password reset form. No card needed: the mail may be read anywhere."""

    card_policy = CardPolicy.UNBOUND
    title_key = "code.title"

    def __init__(self, code: str = "") -> None:
        super().__init__()
        self.initial = code

    def fields(self) -> ComposeResult:
        yield from field_row("code", "code.label", value=self.initial, max_length=80)
        yield Notice(id="done", classes="hint")

    def on_mount(self) -> None:
        self.query_one("#f-code", Input).focus()

    def submit(self) -> None:
        text = self.value("code").strip()
        link = parse_link(text)
        code = link[1] if link else text
        purpose = self.attempt(self.host.services.code_purpose, code)
        if purpose is FAILED:
            return
        if purpose == "reset":
            self.app.switch_screen(ResetPasswordScreen(code))
            return
        done = self.query_one("#done", Notice)
        if purpose == "email_change":
            email = self.attempt(self.host.auth.confirm_email, code)
            if email is not FAILED:
                done.say("code.email_confirmed", email=mask_email(email))
        elif self.attempt(self.host.registration.confirm, code) is not FAILED:
            done.say("code.confirmed")


class ResetPasswordScreen(FormScreen):
    card_policy = CardPolicy.UNBOUND
    title_key = "code.reset_title"

    def __init__(self, code: str) -> None:
        super().__init__()
        self.code = code

    def fields(self) -> ComposeResult:
        yield from field_row("new", "pw.new", password=True, max_length=12)
        yield from field_row("new2", "pw.new2", password=True, max_length=12)
        yield Tr("reg.password_rules", classes="note")
        yield Notice(id="done", classes="hint")

    def on_mount(self) -> None:
        self.query_one("#f-new", Input).focus()

    def submit(self) -> None:
        if self.attempt(self.host.auth.reset_password, self.code, self.value("new"),
                        self.value("new2")) is not FAILED:
            for box in self.query(Input):
                box.value = ""
            self.query_one("#done", Notice).say("code.reset_done")
