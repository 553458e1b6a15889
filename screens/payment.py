"""Paying, and what follows (seed 002 steps 17–29): 網路ATM, 活期帳戶 (e-Bill), 下載繳款單,
設定領卡時間及地點, 下載繳費收據. Each screen gathers input and calls the payment domain;
nothing is paid until the domain records it in one step at the end."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Select

from kiosk.domain.applications import FEE, payment_of
from kiosk.domain.banks import BANK_CODES, DEMO_CHIP_CARD, new_verification_code
from kiosk.domain.dates import roc_date, roc_short
from kiosk.domain.documents import receipt_svg, slip_svg
from kiosk.domain.errors import KioskError
from kiosk.domain.files import shown_path, write_private
from kiosk.domain.payments import AtmStage, AtmTransfer, Method, method_fee
from kiosk.domain.pickup import OFFICES, slots
from kiosk.domain.records import Application
from reader.events import ReaderEvent, ReadFailure
from screens.apply_form import SavedModal
from screens.base import KioskScreen
from screens.card_policy import CardPolicy
from screens.errors import FAILED
from screens.forms import FormScreen, Notice, field_row
from screens.widgets.choice import Choice
from screens.widgets.digits import block_digits
from screens.widgets.text import Computed, Tr
from store.errors import StoreError


def code_row(label_key: str, length: int, picture: Any) -> ComposeResult:
    """The code box beside the picture of the code it asks for."""
    with Horizontal(classes="code-row"):
        yield Tr(label_key, classes="form-label")
        yield Input(id="f-code", max_length=length, restrict=r"\d*", compact=True)
        yield Computed(picture, id="code-picture")


class AtmScreen(KioskScreen):
    """網路ATM. The NHI card makes way for the chip card: while this screen is up the
    session survives the swap (``CardPolicy.SWAPS``); afterwards the NHI card must return."""

    card_policy = CardPolicy.SWAPS
    BINDINGS = [Binding("escape", "close", "key.cancel"),
                Binding("f5", "new_code", "atm.key_new_code"),
                Binding("enter", "enter", "key.confirm", show=False)]

    def __init__(self, atm_no: str) -> None:
        super().__init__()
        self.atm_no = atm_no
        self.transfer: AtmTransfer | None = None
        self.message: tuple[str, dict[str, Any]] | None = None

    def body(self) -> ComposeResult:
        with Vertical(classes="form"):
            yield Tr("atm.title", classes="screen-title")
            yield Computed(self._facts, id="atm-facts", classes="message")
            with Vertical(id="atm-authorize"):
                with Horizontal(classes="form-row"):
                    yield Tr("atm.pin", classes="form-label")
                    yield Input(id="f-pin", password=True, max_length=12, restrict=r"\d*",
                                compact=True)
                with Horizontal(id="keypad"):
                    yield Tr("atm.keypad", classes="form-label")
                    for key in "1234567890":
                        yield Button(key, id=f"k{key}", compact=True)
                    yield Button("⌫", id="kback", compact=True)
                yield from code_row("atm.code", 4, self._code_picture)
            yield Computed(self._stage_text, id="atm-stage", classes="hint")
            yield Notice(id="form-error", classes="form-error")

    def on_mount(self) -> None:
        self.set_interval(1, self._tick)
        self._show()

    # -- what the screen says ------------------------------------------------------
    def _facts(self) -> str:
        fee = self.transfer.fee if self.transfer else method_fee(Method.ATM)
        account = self.transfer.card.masked_account() if self.transfer else "—"
        return self.t("atm.facts", account=account, atm=self.atm_no, amount=FEE, fee=fee)

    def _code_picture(self) -> Any:
        return block_digits(self.transfer.code) if self.transfer else ""

    def _stage_text(self) -> str:
        transfer = self.transfer
        if transfer is None:
            return self.t("atm.insert")
        stage = transfer.stage
        if stage is AtmStage.AUTHORIZE:
            return self.t("atm.authorize")
        if stage is AtmStage.PULL:
            return self.t("atm.pull", s=transfer.seconds_left())
        if stage is AtmStage.REINSERT:
            key = "atm.press_ok" if self._chip_present() else "atm.reinsert"
            return self.t(key, s=transfer.seconds_left())
        if stage is AtmStage.DONE and transfer.receipt:
            payment = payment_of(transfer.receipt)
            return self.t("atm.done", amount=payment["amount"], fee=payment["fee"],
                          at=roc_short(datetime.fromisoformat(payment["paid_at"])))
        return self.t("atm.cancelled_hint")

    def _show(self) -> None:
        stage = self.transfer.stage if self.transfer else None
        self.query_one("#atm-authorize").display = stage is AtmStage.AUTHORIZE
        for widget in self.query(Computed):
            widget.refresh_text()
        if stage is AtmStage.AUTHORIZE and not self.query_one("#f-code", Input).has_focus:
            self.query_one("#f-pin", Input).focus()

    def _say(self, key: str | None, **params: Any) -> None:
        self.query_one("#form-error", Notice).say(key, **params)

    def _chip_present(self) -> bool:
        event = self.host.current_event()
        return event is not None and event.failure is ReadFailure.NOT_NHI

    # -- the card comes and goes ---------------------------------------------------
    def card_changed(self, event: ReaderEvent | None) -> None:
        transfer = self.transfer
        session = self.host.session
        if event is not None and event.card is not None and (
                session is None or not session.by_card or event.card.id_no != session.id_no):
            # another person's card: over at once (the holder's other card is refused
            # when the ATM closes: ensure_session_card)
            if transfer is not None:
                transfer.cancel()
            self.app.action_go_idle()  # type: ignore[attr-defined]  # not this session's card
            return
        if event is None:
            if transfer is not None:
                transfer.card_removed()
                if transfer.stage is AtmStage.CANCELLED:
                    self._say("err.atm.cancelled")
        elif event.failure is ReadFailure.NOT_NHI:
            if transfer is None or transfer.stage is AtmStage.CANCELLED:
                self._start()
            elif transfer.stage is AtmStage.REINSERT and not transfer.card_inserted():
                self._say("err.atm.timeout")
        else:
            self._say("atm.not_chip")
        self._show()

    def _start(self) -> None:
        session = self.host.session
        if session is None:
            return
        transfer = self.attempt(self.host.payments.start_atm, session, self.atm_no,
                                DEMO_CHIP_CARD)
        if transfer is not FAILED:
            self.transfer = transfer

    def _tick(self) -> None:
        transfer = self.transfer
        if transfer and transfer.stage in (AtmStage.PULL, AtmStage.REINSERT):
            if transfer.expired():
                transfer.cancel()
                self._say("err.atm.timeout")
            self.query_one("#atm-stage", Computed).refresh_text()

    # -- keys ----------------------------------------------------------------------
    def on_button_pressed(self, event: Button.Pressed) -> None:
        box = self.query_one("#f-pin", Input)
        key = (event.button.id or "")[1:]
        box.value = box.value[:-1] if key == "back" else (box.value + key)[:12]
        box.focus()

    def action_new_code(self) -> None:
        if self.transfer and self.transfer.stage is AtmStage.AUTHORIZE:
            self.transfer.new_code()
            self.query_one("#code-picture", Computed).refresh_text()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "f-pin":
            self.query_one("#f-code", Input).focus()
        else:
            self.action_enter()

    def action_enter(self) -> None:
        transfer = self.transfer
        if transfer is None:
            return
        if transfer.stage in (AtmStage.DONE, AtmStage.CANCELLED):
            self.action_close()
            return

        def step(transfer: AtmTransfer) -> None:
            if transfer.stage is AtmStage.AUTHORIZE:
                pin = self.query_one("#f-pin", Input)
                code = self.query_one("#f-code", Input)
                try:
                    transfer.authorize(pin.value, code.value)
                finally:
                    pin.value = code.value = ""    # a PIN never stays in a box
            elif transfer.stage in (AtmStage.PULL, AtmStage.REINSERT):
                transfer.confirm(card_present=self._chip_present())

        self.attempt(step, transfer)   # a refusal (a wrong PIN, too late) under the form
        self._show()

    def action_close(self) -> None:
        if self.transfer is not None:
            self.transfer.cancel()
        self.dismiss()
        self.app.call_later(self.host.ensure_session_card)


class EbillScreen(FormScreen):
    """活期帳戶 through e-Bill 全國繳費網: the notice agreed, bank and account, image code."""

    BINDINGS = [Binding("escape", "back", "key.back"), Binding("f5", "pay", "ebill.key_pay")]

    def __init__(self, atm_no: str) -> None:
        super().__init__()
        self.atm_no = atm_no
        self.code = new_verification_code(5)
        self.paid: Application | None = None

    def body(self) -> ComposeResult:
        with Vertical(classes="form"):
            yield Tr("ebill.title", classes="screen-title")
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
                yield Select(self._banks(), id="f-bank", compact=True,
                             prompt=self.t("ebill.choose"))
            yield Notice(id="e-bank", classes="field-error")
            yield from field_row("account", "ebill.account", max_length=16,
                                 restrict=r"[\d-]*")
            yield from code_row("ebill.code", 5, lambda: block_digits(self.code))
            yield Notice(id="e-code", classes="field-error")
            yield Notice(id="done", classes="hint")
            yield from self.form_footer()

    def _banks(self) -> list[tuple[str, str]]:
        return [(f"{code} {self.t(f'bank.{code}')}", code) for code in BANK_CODES]

    def refresh_language(self) -> None:
        super().refresh_language()
        select = self.query_one("#f-bank", Select)
        value = select.value
        select.set_options(self._banks())
        if value in BANK_CODES:
            select.value = value

    def on_mount(self) -> None:
        self.query_one("#c-agree", Choice).focus()

    def action_pay(self) -> None:
        self.submit()

    def submit(self) -> None:
        session = self.host.session
        if session is None or self.paid is not None:
            return
        bank = self.query_one("#f-bank", Select).value
        paid = self.attempt(self.host.payments.pay_ebill, session, self.atm_no,
                            agreed=self.query_one("#c-agree", Choice).value == "yes",
                            bank=bank if isinstance(bank, str) else "",
                            account=self.value("account"), typed_code=self.value("code"),
                            code=self.code)
        if paid is FAILED:
            self.code = new_verification_code(5)   # a wrong try gets a new picture
            self.query_one("#f-code", Input).value = ""
            self.query_one("#code-picture", Computed).refresh_text()
            return
        self.paid = paid
        payment = payment_of(paid)
        self.query_one("#done", Notice).say("ebill.done", total=FEE + payment["fee"],
                                            account=payment["account"])


class PaperScreen(KioskScreen):
    """A paper saved for printing: where it is, and what it says in short."""

    card_policy = CardPolicy.BOUND
    BINDINGS = [Binding("escape", "close", "key.back"), Binding("enter", "close", "key.done")]
    title_key = ""

    def __init__(self, atm_no: str) -> None:
        super().__init__()
        self.atm_no = atm_no

    def body(self) -> ComposeResult:
        with Vertical(classes="form"):
            yield Tr(self.title_key, classes="screen-title")
            yield Notice(id="done", classes="message")
            yield Notice(id="form-error", classes="form-error")

    def on_mount(self) -> None:
        session = self.host.session
        if session is None:
            return
        made = self.attempt(self.make, session)
        if made is not FAILED:
            key, params = made
            self.query_one("#done", Notice).say(key, **params)

    def error_message(self, error: Exception) -> KioskError:
        """A paper that cannot be made says so as a paper (a full disk, a busy store)."""
        message = super().error_message(error)
        return KioskError("err.paper") if isinstance(error, OSError | StoreError) else message

    def make(self, session: Any) -> tuple[str, dict[str, Any]]:
        raise NotImplementedError

    def action_close(self) -> None:
        self.dismiss()


class SlipScreen(PaperScreen):
    """下載繳款單 (not for 現場領卡): a slip to pay at a counter or a store (NT$4 there)."""

    title_key = "slip.title"

    def make(self, session: Any) -> tuple[str, dict[str, Any]]:
        app = self.host.payments.slip(session, self.atm_no)
        due = self.host.applications.due(app)
        path = write_private(self.host.papers_dir / f"slip-{self.atm_no}.svg",
                             slip_svg(app, due))
        return "slip.saved", {"path": shown_path(path), "atm": self.atm_no, "amount": FEE,
                              "due": roc_date(due.date(), self.host.catalog), "fee": 4}


class ReceiptScreen(PaperScreen):
    """下載繳費收據: again whenever needed (seed 002 step 29)."""

    title_key = "receipt.title"

    def make(self, session: Any) -> tuple[str, dict[str, Any]]:
        app = self.host.applications.get(session, self.atm_no)
        if app["payment"] is None:
            raise KioskError("err.receipt.unpaid")
        path = write_private(self.host.papers_dir / f"receipt-{self.atm_no}.svg",
                             receipt_svg(app))
        until = datetime.fromisoformat(app["payment"]["insured_until"]).date()
        return "receipt.saved", {"path": shown_path(path),
                                 "until": roc_date(until, self.host.catalog)}


class PickupScreen(FormScreen):
    """設定領卡時間及地點 (seed 002 step 28)."""

    BINDINGS = [Binding("escape", "back", "key.back"), Binding("f5", "save", "apply.key_save")]

    def __init__(self, atm_no: str) -> None:
        super().__init__()
        self.atm_no = atm_no

    def body(self) -> ComposeResult:
        with Vertical(classes="form"):
            yield Tr("pickup.title", classes="screen-title")
            with Horizontal(classes="form-row"):
                yield Tr("pickup.office", classes="form-label")
                yield Select(self._offices(), id="f-office", compact=True,
                             prompt=self.t("ebill.choose"))
            with Horizontal(classes="form-row"):
                yield Tr("pickup.time", classes="form-label")
                yield Select(self._slots(), id="f-slot", compact=True,
                             prompt=self.t("ebill.choose"))
            yield Tr("pickup.notice", classes="note")
            with Horizontal(classes="form-row"):
                yield Tr("pickup.read", classes="form-label")
                yield Choice([("no", "ebill.no"), ("yes", "ebill.yes")], id="c-read")
            yield Notice(id="e-read", classes="field-error")
            yield from self.form_footer()

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


class ReinsertScreen(KioskScreen):
    """After 網路ATM: the NHI card the session began with must come back (60 s), or the
    session ends — the chip card's owner may not be the person logged in."""

    card_policy = CardPolicy.SWAPS
    WAIT_S = 60
    BINDINGS = [Binding("escape", "leave", "svc.logout")]

    def body(self) -> ComposeResult:
        with Vertical(classes="form"):
            yield Tr("reinsert.title", classes="screen-title")
            yield Computed(self._text, id="reinsert-text", classes="message")
            yield Notice(id="form-error", classes="form-error")

    def __init__(self) -> None:
        super().__init__()
        self.deadline: float | None = None

    def on_mount(self) -> None:
        self.set_interval(1, self._tick)

    def _left(self) -> int:
        now = self.host.clock.now().timestamp()
        if self.deadline is None:
            self.deadline = now + self.WAIT_S
        return max(0, int(self.deadline - now))

    def _text(self) -> str:
        return self.t("reinsert.text", s=self._left())

    def _tick(self) -> None:
        if self._left() <= 0:
            self.action_leave()
        else:
            self.query_one("#reinsert-text", Computed).refresh_text()

    def card_changed(self, event: ReaderEvent | None) -> None:
        session = self.host.session
        if event is None or session is None:
            return
        if session.holds(event.card):
            self.dismiss()
        else:
            self.query_one("#form-error", Notice).say("reinsert.wrong")

    def action_leave(self) -> None:
        self.app.action_go_idle()  # type: ignore[attr-defined]  # ends the session
