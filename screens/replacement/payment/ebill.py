"""活期帳戶 through e-Bill 全國繳費網: the payer agrees to the notice, names the bank and
account and types the image code; a wrong try gets a new code. The domain records the
payment in one step, or nothing."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widget import Widget
from textual.widgets import Input, Select

from kiosk.domain.records import Application
from kiosk.domain.replacement.applications import FEE, Pickup, payment_of
from kiosk.domain.replacement.banks import BANK_CODES, mask_account, new_verification_code
from kiosk.domain.replacement.payments import Method, method_fee
from screens.base import KioskModal
from screens.errors import FAILED
from screens.forms import FormScreen, field_row
from screens.replacement.payment.code_row import code_row
from screens.widgets.choice import Choice, KioskSelect
from screens.widgets.digits import block_digits
from screens.widgets.text import Computed, Notice, Tr


class EbillScreen(FormScreen):
    """活期帳戶 through e-Bill 全國繳費網: the notice agreed, bank and account, image code."""

    BINDINGS = [Binding("escape", "back", "key.back"), Binding("f5", "pay", "ebill.key_pay")]
    title_key = "ebill.title"

    def __init__(self, atm_no: str) -> None:
        super().__init__()
        self.atm_no = atm_no
        self.code = new_verification_code(5)
        self.paid: Application | None = None

    def form_column(self) -> Widget:
        return VerticalScroll(classes=self.form_classes)   # the notice in full is long

    def fields(self) -> ComposeResult:
        yield Tr("ebill.facts", params={"atm": self.atm_no, "amount": FEE,
                                        "fee": method_fee(Method.EBILL),
                                        "total": FEE + method_fee(Method.EBILL)},
                 classes="message")
        yield Tr("ebill.notice", classes="note")
        with Horizontal(classes="form-row"):
            yield Tr("ebill.agree", classes="form-label")
            yield Choice([("no", "ebill.no"), ("yes", "ebill.yes")], id="c-agree")
        yield Notice(id="e-agree", classes="field-error")
        with Horizontal(classes="form-row"):
            yield Tr("ebill.bank", classes="form-label")
            # a KioskSelect: the open list's Esc is named in the catalog (Textual's own
            # said "Dismiss menu" in either language, seen at 100×30)
            yield KioskSelect(self._banks(), id="f-bank", compact=True,
                              prompt=self.t("ebill.choose"))
        yield Notice(id="e-bank", classes="field-error")
        yield from field_row("account", "ebill.account", max_length=16, restrict=r"[\d-]*")
        yield from code_row("ebill.code", 5, lambda: block_digits(self.code))
        yield Notice(id="e-code", classes="field-error")
        yield Notice(id="done", classes="hint")
        yield Notice(id="by-mail", classes="hint")

    def _banks(self) -> list[tuple[str, str]]:
        return [(f"{code} {self.t(f'bank.{code}')}", code) for code in BANK_CODES]

    def refresh_language(self) -> None:
        super().refresh_language()
        select = self.query_one("#f-bank", Select)
        value = select.value
        select.prompt = self.t("ebill.choose")   # 請選擇 follows F2 too
        select.set_options(self._banks())
        if value in BANK_CODES:
            select.value = value

    def on_mount(self) -> None:
        self.query_one("#c-agree", Choice).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "pay":
            return self.paid is None   # paid: F5 確認 is gone from the bar, as it does nothing
        return super().check_action(action, parameters)

    def action_pay(self) -> None:
        self.submit()

    def submit(self) -> None:
        session = self.host.session
        if session is None or self.paid is not None:
            return
        bank = self.query_one("#f-bank", Select).value
        entered = {"agreed": self.query_one("#c-agree", Choice).value == "yes",
                   "bank": bank if isinstance(bank, str) else "",
                   "account": self.value("account"), "typed_code": self.value("code"),
                   "code": self.code}
        account = self.attempt(self.host.payments.check_ebill, session, self.atm_no,
                               **entered)
        if account is FAILED:
            self._new_code()
            return
        fee, code = method_fee(Method.EBILL), entered["bank"]
        facts = {"atm": self.atm_no, "amount": FEE, "fee": fee, "total": FEE + fee,
                 "bank": f"{code} {self.t(f'bank.{code}')}",
                 "account": mask_account(account)}

        def confirmed(yes: bool | None) -> None:
            if yes:
                self._pay(entered)

        self.app.push_screen(EbillConfirmModal(facts), confirmed)   # 確認頁

    def _new_code(self) -> None:
        self.code = new_verification_code(5)   # a wrong try gets a new picture
        self.query_one("#f-code", Input).value = ""
        self.query_one("#code-picture", Computed).refresh_text()

    def _pay(self, entered: dict[str, object]) -> None:
        session = self.host.session
        if session is None or self.paid is not None:
            return
        paid = self.attempt(self.host.payments.pay_ebill, session, self.atm_no, **entered)
        if paid is FAILED:
            self._new_code()
            return
        self.paid = paid
        self.refresh_bindings()
        payment = payment_of(paid)
        done = self.query_one("#done", Notice)
        done.say("ebill.done", total=FEE + payment["fee"], account=payment["account"])
        by_mail = self.query_one("#by-mail", Notice)
        by_mail.say("pay.by_mail" if paid["pickup"] == Pickup.MAIL else None)
        # the result is under the form, which scrolls: bring its last line into view
        self.call_after_refresh((by_mail if by_mail.display else done).scroll_visible)


class EbillConfirmModal(KioskModal[bool]):
    """確認頁: what is about to be paid, from which account; Enter pays, Esc goes back."""

    BINDINGS = [Binding("enter", "answer(True)", "key.confirm"),
                Binding("escape", "answer(False)", "key.back")]
    title_key = "ebill.confirm_title"

    def __init__(self, facts: dict[str, object]) -> None:
        super().__init__()
        self.facts = facts

    def fields(self) -> ComposeResult:
        yield Tr("ebill.confirm", params=self.facts, classes="message")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
