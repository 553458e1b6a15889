"""網路ATM: the chip card takes the NHI card's place in the reader while the transfer is
authorized (PIN, image code) and confirmed; then the NHI card the session began with must
come back, or the session ends. The swap is the one time a session outlives its card."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input

from kiosk.domain.dates import roc_short
from kiosk.domain.errors import InvalidInput
from kiosk.domain.replacement.applications import FEE, Pickup, payment_of
from kiosk.domain.replacement.banks import DEMO_CHIP_CARD
from kiosk.domain.replacement.payments import (
    AtmStage,
    AtmTransfer,
    Method,
    method_fee,
    reinsert_seconds,
)
from reader.events import ReaderEvent, ReadFailure
from screens.base import KioskScreen
from screens.card_policy import CardPolicy
from screens.errors import FAILED
from screens.replacement.payment.code_row import code_row
from screens.widgets.digits import block_digits
from screens.widgets.text import Computed, Notice, Tr


class AtmScreen(KioskScreen):
    """網路ATM. The NHI card makes way for the chip card: while this screen is up the
    session survives the swap (``CardPolicy.SWAPS``); afterwards the NHI card must return."""

    card_policy = CardPolicy.SWAPS
    title_key = "atm.title"
    error_line = True
    # after the transfer the bar said 「取消」 and 「新驗證碼」 beside 「Esc：返回」: a person
    # feared Esc would undo the payment (seen at 100×30); each key is named for its stage
    BINDINGS = [Binding("escape", "close", "key.cancel"),
                Binding("escape", "close_done", "key.back"),
                Binding("f5", "new_code", "atm.key_new_code"),
                Binding("enter", "enter", "key.confirm", show=False)]

    def __init__(self, atm_no: str) -> None:
        super().__init__()
        self.atm_no = atm_no
        self.transfer: AtmTransfer | None = None
        self.message: tuple[str, dict[str, Any]] | None = None
        self.tip_read = False   # 貼心提醒, once logged in with the chip card: Enter goes on

    def fields(self) -> ComposeResult:
        yield Computed(self._facts, id="atm-facts", classes="message")
        with Vertical(id="atm-authorize"):
            with Horizontal(classes="form-row"):
                yield Tr("atm.pin", classes="form-label")
                yield Input(id="f-pin", password=True, max_length=12, restrict=r"\d*",
                            compact=True)
            with Horizontal(id="keypad"):
                yield Tr("atm.keypad", classes="form-label")
                # for the mouse or a touch screen: out of the Tab chain, so Shift+Tab
                # from the code box is the PIN box, not 11 keys back
                for key in [*"1234567890", "back"]:
                    button = Button("⌫" if key == "back" else key, id=f"k{key}",
                                    compact=True)
                    button.can_focus = False
                    yield button
            yield from code_row("atm.code", 4, self._code_picture)
        yield Computed(self._stage_text, id="atm-stage", classes="hint")

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
            return self.t("atm.authorize" if self.tip_read else "atm.tip")
        if stage is AtmStage.PULL:
            return self.t("atm.pull", s=transfer.seconds_left())
        if stage is AtmStage.REINSERT:
            key = "atm.press_ok" if self._chip_present() else "atm.reinsert"
            return self.t(key, s=transfer.seconds_left())
        if stage is AtmStage.DONE and transfer.receipt:
            payment = payment_of(transfer.receipt)
            paid_at = datetime.fromisoformat(payment["paid_at"])
            lines = [self.t("atm.result", account=transfer.card.masked_account(),
                            atm=self.atm_no, amount=payment["amount"], fee=payment["fee"],
                            day=roc_short(paid_at)),
                     self.t("atm.done", amount=payment["amount"], fee=payment["fee"],
                            at=roc_short(paid_at))]
            if transfer.receipt["pickup"] == Pickup.MAIL:
                lines.insert(1, self.t("pay.by_mail"))
            return "\n".join(lines)
        return self.t("atm.cancelled_hint")

    def _show(self) -> None:
        stage = self.transfer.stage if self.transfer else None
        authorize = self.query_one("#atm-authorize")
        authorizing = stage is AtmStage.AUTHORIZE
        # hidden is not enough: Textual's auto focus (a dialog closing over this screen, the
        # demo's tray) counted the hidden PIN box as focusable, and the Enter meant for OK
        # went to it. Disabled, no box of it can hold the focus.
        authorize.display = authorizing
        authorize.disabled = not authorizing
        if not authorizing and self.focused is not None and authorize in self.focused.ancestors:
            self.set_focus(None)
        for widget in self.query(Computed):
            widget.refresh_text()
        if authorizing and (self.focused is None or authorize not in self.focused.ancestors):
            self.query_one("#f-pin", Input).focus()   # else it stays where it was put
        self.refresh_bindings()   # the keys of this stage (check_action)

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
            self.host.action_go_idle()   # not this session's card
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
                self._say("err.atm.timeout", seconds=reinsert_seconds())
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
                self._say("err.atm.timeout", seconds=reinsert_seconds())
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

    def _read_tip(self) -> bool:
        """The first Enter after the chip card is in answers 貼心提醒 (取消: go on paying);
        it goes on to the PIN or the code only when something is typed already."""
        if self.tip_read or self.transfer is None or self.transfer.stage is not AtmStage.AUTHORIZE:
            return False
        self.tip_read = True
        self.query_one("#atm-stage", Computed).refresh_text()
        pin, code = self.query_one("#f-pin", Input), self.query_one("#f-code", Input)
        return not (pin.value or code.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if self._read_tip():
            return
        code = self.query_one("#f-code", Input)
        if event.input.id == "f-pin" and len(code.value) < (code.max_length or 0):
            code.focus()
        else:   # the code box, or the PIN retyped with the code still there: OK
            self.action_enter()

    def action_enter(self) -> None:
        transfer = self.transfer
        if transfer is None or self._read_tip():
            return
        if transfer.stage in (AtmStage.DONE, AtmStage.CANCELLED):
            self.action_close()
            return

        def step(transfer: AtmTransfer) -> None:
            if transfer.stage is AtmStage.AUTHORIZE:
                self._authorize(transfer)
            elif transfer.stage in (AtmStage.PULL, AtmStage.REINSERT):
                transfer.confirm(card_present=self._chip_present())

        self.attempt(step, transfer)   # a refusal (a wrong PIN, too late) under the form
        self._show()

    def _authorize(self, transfer: AtmTransfer) -> None:
        """The PIN and the code to the bank. Refused, the focus goes where the person types
        next: a wrong code is emptied (a new one is shown) and the PIN kept, since it was
        not checked; a wrong PIN is emptied and a right code kept. A PIN that was checked
        never stays in a box."""
        pin = self.query_one("#f-pin", Input)
        code = self.query_one("#f-code", Input)
        try:
            transfer.authorize(pin.value, code.value)
        except InvalidInput as refused:
            if refused.field == "code":
                code.value = ""
                code.focus()
            else:
                pin.value = ""
                pin.focus()
            raise
        except Exception:   # the transfer ended, or the application cannot be paid
            pin.value = code.value = ""
            raise
        else:
            pin.value = code.value = ""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        stage = self.transfer.stage if self.transfer else None
        if action == "close":
            return stage is not AtmStage.DONE
        if action == "close_done":
            return stage is AtmStage.DONE
        if action == "new_code":
            return stage is AtmStage.AUTHORIZE
        return super().check_action(action, parameters)

    def action_close_done(self) -> None:
        self.action_close()

    def action_close(self) -> None:
        if self.transfer is not None:
            self.transfer.cancel()
        self.dismiss()
        self.app.call_later(self.host.ensure_session_card)


class ReinsertScreen(KioskScreen):
    """After 網路ATM: the NHI card the session began with must come back (60 s), or the
    session ends — the chip card's owner may not be the person logged in."""

    card_policy = CardPolicy.SWAPS
    error_line = True
    WAIT_S = 60
    BINDINGS = [Binding("escape", "leave", "svc.logout")]

    def fields(self) -> ComposeResult:
        yield Computed(self._text, id="reinsert-text", classes="message")

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

    def _said(self, key: str) -> str:
        """The NHI card's words, or the certificate card's for a certificate sign-in."""
        session = self.host.session
        return f"{key}_cert" if session is not None and session.by_certificate else key

    @property
    def title_key(self) -> str:   # type: ignore[override]
        return self._said("reinsert.title")

    def _text(self) -> str:
        return self.t(self._said("reinsert.text"), s=self._left())

    def _tick(self) -> None:
        if self._left() <= 0:
            self.action_leave()
        else:
            self.query_one("#reinsert-text", Computed).refresh_text()

    def card_changed(self, event: ReaderEvent | None) -> None:
        session = self.host.session
        if event is None or session is None:
            return
        if session.holds_card_of(event):
            self.dismiss()
        else:
            self.query_one("#form-error", Notice).say(self._said("reinsert.wrong"))

    def action_leave(self) -> None:
        self.host.action_go_idle()   # ends the session
