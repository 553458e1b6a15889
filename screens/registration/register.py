"""健保卡網路服務註冊, the registration wizard: terms → read card → identity proof →
account → confirm → verification mail. Each step is a screen; the draft travels along and
the password leaves memory once the application is sent."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Checkbox, Input

from kiosk.domain.accounts import check_contact
from kiosk.domain.mail import mask_email
from kiosk.domain.mask import mask_id, mask_name
from kiosk.domain.passwords import check_new_password, strength
from kiosk.domain.registration.register import AlreadyRegistered
from kiosk.domain.registry import Proof
from reader.card import CardData
from screens.base import KioskScreen
from screens.card_policy import CardPolicy
from screens.errors import FAILED
from screens.forms import CardForm, FormScreen, Notice, ProofForm, field_row
from screens.widgets.menu import NumberedMenu, menu_keys
from screens.widgets.text import Computed, Tr


@dataclass
class Draft:
    card: CardData | None = None
    proof: Proof | None = None
    answers: dict[str, str] = field(default_factory=dict)


class TermsScreen(FormScreen):
    """Step 1: the rules, and the box that must be ticked before anything goes on."""

    card_policy = CardPolicy.UNBOUND
    BINDINGS = [Binding("escape", "back", "key.back"), Binding("f5", "next", "key.next")]

    title_key = "reg.terms_title"
    hint_key = None

    def fields(self) -> ComposeResult:
        with VerticalScroll(id="terms-box"):
            yield Tr("reg.terms_body", id="terms")
        yield Checkbox(self.t("reg.terms_agree"), id="agree", compact=True)

    def on_mount(self) -> None:
        self.query_one("#agree", Checkbox).focus()

    def refresh_language(self) -> None:
        super().refresh_language()
        self.query_one("#agree", Checkbox).label = self.t("reg.terms_agree")

    def action_next(self) -> None:
        self.submit()

    def submit(self) -> None:
        if not self.query_one("#agree", Checkbox).value:
            self.query_one("#form-error", Notice).say("reg.terms_required")
            return
        self.app.switch_screen(ReadCardScreen(Draft()))


class ReadCardScreen(CardForm):
    """Step 2: 請插入健保卡並按讀取. Also tells whether the card is registered
    (for a holder not sure whether they registered)."""

    BINDINGS = [Binding("escape", "back", "key.back"), Binding("enter", "read", "key.read")]
    title_key = "reg.read_title"
    hint_key = None

    def __init__(self, draft: Draft) -> None:
        super().__init__()
        self.draft = draft

    def fields(self) -> ComposeResult:
        yield self.card_line()

    def action_read(self) -> None:
        card = self.card()
        if card is None:
            return
        try:
            self.host.registration.begin(card)
        except AlreadyRegistered as already:   # not a failure: the ways open to them
            self.app.switch_screen(AlreadyScreen(card, already))
            return
        except Exception as error:   # the one path: screens/base.py
            self.show_failure(error)
            return
        self.draft.card = card
        self.app.switch_screen(IdentityScreen(self.draft))


class AlreadyScreen(KioskScreen):
    """「你已做過申請」 with the ways on, depending on the registration's state."""

    card_policy = CardPolicy.BOUND
    BINDINGS = [Binding("escape", "app.go_idle", "key.back"),
                *menu_keys(3)]
    title_key = "reg.already_title"

    def __init__(self, card: CardData, already: AlreadyRegistered) -> None:
        super().__init__()
        self.card = card
        self.already = already

    def _choices(self) -> list[tuple[str, Any]]:
        from screens.registration.forgot_password import ForgotScreen
        from screens.registration.pending import PendingScreen
        from screens.registration.sign_in import LoginScreen

        state = self.already.state.value
        if state == "active":
            return [("menu.login", LoginScreen), ("menu.forgot", ForgotScreen)]
        if state == "pending":
            return [("card.action_resend", lambda: PendingScreen("resend")),
                    ("card.action_cancel", lambda: PendingScreen("cancel"))]
        return []

    def fields(self) -> ComposeResult:
        yield Tr(self.already.key, classes="message")
        yield NumberedMenu(self._choices)

    def action_pick(self, digit: int) -> None:
        make = self.query_one(NumberedMenu).chosen(digit)
        if make is not None:
            self.app.switch_screen(make())


class IdentityScreen(ProofForm):
    """Step 3: 戶號 + 戶籍 address for nationals; the residence permit for residents."""

    title_key = "reg.identity_title"

    def __init__(self, draft: Draft) -> None:
        assert draft.card is not None
        super().__init__(draft.card)
        self.draft = draft

    def fields(self) -> ComposeResult:
        yield from self.proof_fields()

    def submit(self) -> None:
        assert self.draft.card is not None
        proof = self.attempt(self.proof)
        if proof is FAILED:
            return
        if self.attempt(self.host.registration.check_identity, self.draft.card,
                        proof) is FAILED:
            return
        self.draft.proof = proof
        self.app.switch_screen(AccountScreen(self.draft))


class AccountScreen(FormScreen):
    """Step 4: password twice with its strength, e-mail, phone."""

    title_key = "reg.account_title"

    def __init__(self, draft: Draft) -> None:
        super().__init__()
        self.draft = draft

    def fields(self) -> ComposeResult:
        yield from field_row("password", "reg.password", password=True, max_length=12)
        yield Computed(self._strength, id="strength", classes="note")
        yield from field_row("password2", "reg.password2", password=True, max_length=12)
        yield from field_row("email", "reg.email", value=self.draft.answers.get("email", ""))
        yield from field_row("phone", "reg.phone", value=self.draft.answers.get("phone", ""))
        yield Tr("reg.password_rules", classes="note")

    def on_mount(self) -> None:
        self.query_one("#f-password", Input).focus()

    def _strength(self) -> str:
        if not self.is_mounted or not self.value("password"):
            return ""
        level = strength(self.value("password"))
        return self.t("reg.strength", level=self.t(f"reg.strength_{int(level)}"))

    @on(Input.Changed, "#f-password")
    def _typed(self) -> None:
        self.query_one("#strength", Computed).refresh_text()

    def _check(self) -> bool:
        def run() -> None:
            check_new_password(self.value("password"), self.value("password2"))
            check_contact(self.value("email"), self.value("phone"))

        return self.attempt(run) is not FAILED

    def submit(self) -> None:
        if not self._check():
            return
        self.draft.answers = {"email": self.value("email").strip(),
                              "phone": self.value("phone").strip(),
                              "password": self.value("password")}
        self.app.switch_screen(ConfirmScreen(self.draft))


class ConfirmScreen(FormScreen):
    """Step 5: what will be sent, masked; Enter sends it."""

    BINDINGS = [Binding("escape", "back", "key.back"), Binding("enter", "send", "key.send")]
    title_key = "reg.confirm_title"
    hint_key = None

    def __init__(self, draft: Draft) -> None:
        super().__init__()
        self.draft = draft

    def fields(self) -> ComposeResult:
        card, answers = self.draft.card, self.draft.answers
        assert card is not None
        yield Computed(lambda: f"{self.t('card.name')}: {mask_name(card.name)}")
        yield Computed(lambda: f"{self.t('card.id')}: {mask_id(card.id_no)}")
        yield Computed(lambda: f"{self.t('reg.email')}: {answers['email']}")
        yield Computed(lambda: f"{self.t('reg.phone')}: {answers['phone'] or '—'}")
        yield Tr("reg.confirm_hint", classes="hint")

    def action_back(self) -> None:
        self.app.switch_screen(AccountScreen(self.draft))

    def on_unmount(self) -> None:
        self.draft.answers.pop("password", None)  # card pulled, timed out or went back

    def action_send(self) -> None:
        draft, answers = self.draft, self.draft.answers
        assert draft.card is not None and draft.proof is not None
        password = answers.pop("password", "")
        account = self.attempt(self.host.registration.register, draft.card, draft.proof,
                               password, password, answers["email"], answers["phone"])
        if account is FAILED:
            answers["password"] = password
            return
        self.app.switch_screen(DoneScreen(account["email"]))


class DoneScreen(KioskScreen):
    card_policy = CardPolicy.UNBOUND
    BINDINGS = [Binding("enter", "app.go_idle", "key.done"),
                Binding("escape", "app.go_idle", "key.done", show=False)]
    title_key = "reg.done_title"

    def __init__(self, email: str) -> None:
        super().__init__()
        self.email = email

    def fields(self) -> ComposeResult:
        yield Tr("reg.done_body", params={"email": mask_email(self.email)}, classes="message")
