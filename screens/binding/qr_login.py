"""QR login (產生登入 QR Code): ID and birth date, then a login QR that a phone already
bound to the holder approves in the 健保快易通 app; the kiosk logs in when it does. No
card is needed, so the session lasts until logout or the inactivity wipe."""

from __future__ import annotations

from collections.abc import Callable

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Input

from kiosk.domain.binding.qr_login import LoginRequest, LoginState
from screens.card_policy import CardPolicy
from screens.code_qr import CodeQrScreen
from screens.errors import FAILED, log_failure
from screens.forms import FormScreen, field_row
from screens.widgets.text import Tr
from store.errors import StoreError


class QrLoginFormScreen(FormScreen):
    card_policy = CardPolicy.UNBOUND

    title_key = "qrl.title"

    def fields(self) -> ComposeResult:
        yield Tr("qrl.intro", classes="note")
        yield from field_row("id", "qrl.id", max_length=10)
        yield from field_row("birth", "qrl.birth", max_length=10, placeholder_key="form.ph_date")
        yield Tr("qrl.birth_hint", classes="note")

    def on_mount(self) -> None:
        self.query_one("#f-id", Input).focus()

    def submit(self) -> None:
        id_no, birth = self.value("id"), self.value("birth")
        request = self.attempt(self.host.qr_login.request, id_no, birth)
        if request is not FAILED:
            self.app.push_screen(QrLoginScreen(request, id_no, birth))


class QrLoginScreen(CodeQrScreen):
    """The login QR and its code; it reads the request again as the code screen reads
    what it watches (screens/code_qr.py), and logs in when a bound device approves."""

    card_policy = CardPolicy.UNBOUND
    title_key, intro_key = "qrl.qr_title", "qrl.qr_intro"
    watches = "qr_logins"
    BINDINGS = [Binding("escape", "close", "key.back"),
                Binding("f5", "new_request", "qrl.key_new"),
                Binding("f9", "app_panel", "key.demo_app")]

    def __init__(self, request: LoginRequest, id_no: str, birth: str) -> None:
        super().__init__()
        self.request = request
        self.known: LoginState | None = LoginState.PENDING
        self._asked = (id_no, birth)   # for F5: a new QR without typing them again

    def on_mount(self) -> None:   # CodeQrScreen.on_mount runs too (Textual calls each class's)
        self.show_code(self.request.display, self.request.expires_at, self.request.payload)

    def on_screen_resume(self) -> None:
        self.read_now()   # back from the demo app panel: the answer is already there

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.host.demo if action == "app_panel" else True

    def state(self) -> LoginState | None:
        """None while the store cannot be read (the next tick asks again)."""
        try:
            return self.host.qr_login.state(self.request.code)
        except StoreError:
            return None

    def status_text(self) -> str:
        state = self.known
        if state is None:
            return self.t("err.qr.busy")
        if state in (LoginState.DENIED, LoginState.EXPIRED, LoginState.CANCELLED):
            return self.t(f"qrl.{state.value}")
        return super().status_text()

    def read_again(self) -> None:
        self.known = state = self.state()   # one read, for the text and the login
        if state is LoginState.PENDING:
            self.host.keep_awake()   # the citizen is busy with the phone
        elif state is LoginState.APPROVED:
            self._log_in()

    def _log_in(self) -> None:
        """Approved: log in. A failure (the account suspended meanwhile, a store that is
        busy or cannot be written) is said under the code; while the request stays
        approved the next tick tries again."""
        session = self.attempt(self.host.qr_login.complete, self.request.code)
        if session is not FAILED:
            self.host.open_session(session)

    def action_new_request(self) -> None:
        if self.state() is LoginState.APPROVED:
            return

        def renew() -> LoginRequest:
            self.host.qr_login.cancel(self.request.code)
            return self.host.qr_login.request(*self._asked)

        request = self.attempt(renew)   # locked, unbound or suspended meanwhile: says so
        if request is FAILED:
            return
        self.request, self.known = request, LoginState.PENDING
        self.show_code(request.display, request.expires_at, request.payload)

    def action_app_panel(self) -> None:
        self.app.push_screen(LoginApprovalPanel(self.request.code))

    def action_close(self) -> None:
        self.dismiss()

    def on_unmount(self) -> None:
        """Left by Esc, a card, or the inactivity wipe: a later approval logs nobody in."""
        try:
            self.host.qr_login.cancel(self.request.code)
        except (StoreError, OSError) as error:   # the screen is going: nowhere to say it
            log_failure(error, "QrLoginScreen: a login request not cancelled (it expires)")


class LoginApprovalPanel(FormScreen):
    """Demo only: the app on a bound phone scans the login QR and approves (Enter) or
    denies (F8) it."""

    card_policy = CardPolicy.UNBOUND
    BINDINGS = [Binding("escape", "back", "key.back"),
                Binding("f8", "deny", "qrl.key_deny")]
    title_key = "qrl.app_title"

    def __init__(self, code: str) -> None:
        super().__init__()
        self.code = code

    def fields(self) -> ComposeResult:
        names = self.read(self.host.qr_login.device_names, self.code, default=[])
        yield from field_row("code", "qrl.app_code", value=self.code, max_length=24)
        yield from field_row("device", "dev.app_device", value=names[0] if names else "",
                             max_length=40)
        yield Tr("qrl.app_hint", classes="note")

    def on_mount(self) -> None:
        self.query_one("#f-device", Input).focus()

    def submit(self) -> None:
        self._answer(self.host.qr_login.approve)

    def action_deny(self) -> None:
        self._answer(self.host.qr_login.deny)

    def _answer(self, verdict: Callable[[str, str], object]) -> None:
        if self.attempt(verdict, self.value("code"), self.value("device")) is not FAILED:
            self.dismiss()
