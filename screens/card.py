"""The inserted card, masked. It lives only while the card is in the reader."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Vertical
from textual.screen import Screen

from kiosk.domain.dates import roc_date
from kiosk.domain.mask import mask_card_no, mask_id, mask_name
from kiosk.domain.validate import id_kind, is_resident
from reader.card import CardData
from screens.base import KioskScreen
from screens.card_policy import CardPolicy
from screens.errors import FAILED
from screens.widgets.menu import NumberedMenu, menu_keys
from screens.widgets.text import Computed, Notice, Tr

#: seconds between reads of a card's registrations that could not be read
RETRY_S = 3.0


class CardScreen(KioskScreen):
    BINDINGS = [Binding("escape", "app.go_idle", "key.back"),
                *menu_keys(3)]
    card_policy = CardPolicy.BOUND

    def __init__(self, card: CardData, reader: str) -> None:
        super().__init__()
        self.card = card
        self.reader = reader
        self._known: str | None = None

    def _state(self) -> str:
        """Read once per visit to this screen, not at every repaint; "unread" offers no
        action, since what the card may do is not known, and is read again every
        RETRY_S seconds until it is (a database back after a restart): the menu then
        appears by itself."""
        if self._known is None:
            state = self.read(self.host.registration.state_of, self.card, default=FAILED)
            self._known = "unread" if state is FAILED else state.value if state else "none"
            if state is FAILED:
                self._retry_later()
        return self._known

    def _retry_later(self) -> None:
        if self.is_mounted:
            self.set_timer(RETRY_S, self._read_again)
        else:
            self.call_after_refresh(self._retry_later)

    def _read_again(self) -> None:
        if self._known != "unread" or not self.is_current:
            return
        self._known = None
        if self._state() != "unread":   # unread again: _state set the next try
            self.clear_errors()
            self.refresh_language()

    def actions(self) -> list[tuple[str, Callable[[], Screen[Any]]]]:
        """What this card can do next, by its registration state."""
        from screens.registration.forgot_password import ForgotScreen
        from screens.registration.pending import PendingScreen
        from screens.registration.register import TermsScreen
        from screens.registration.sign_in import LoginScreen

        by_state: dict[str, list[tuple[str, Callable[[], Screen[Any]]]]] = {
            "none": [("card.action_register", TermsScreen)],
            "pending": [("card.action_resend", lambda: PendingScreen("resend")),
                        ("card.action_cancel", lambda: PendingScreen("cancel"))],
            "active": [("card.action_login", LoginScreen),
                       ("card.action_forgot", ForgotScreen)],
        }
        return by_state.get(self._state(), [])

    def _status(self) -> str:
        return self.t("card.status", state=self.t(f"card.state_{self._state()}"))

    def on_screen_resume(self) -> None:
        self._known = None   # a workflow opened from here may have changed the state
        self.refresh_language()

    def action_pick(self, digit: int) -> None:
        make = self.query_one(NumberedMenu).chosen(digit)
        if make is not None:
            self.app.push_screen(make())

    def body(self) -> ComposeResult:
        card = self.card
        id_label = "card.id_resident" if is_resident(card.id_no) else "card.id"
        rows: list[tuple[str, object]] = [
            ("card.kind", lambda: self.t(f"card.kind_{id_kind(card.id_no).value}")),
            ("card.name", lambda: mask_name(card.name)),
            (id_label, lambda: mask_id(card.id_no)),
            ("card.birth", lambda: roc_date(card.birth_date, self.host.catalog)),
            ("card.sex", lambda: self.t(f"card.sex_{card.sex}")),
            ("card.card_no", lambda: mask_card_no(card.card_no)),
            ("card.issued", lambda: roc_date(card.issue_date, self.host.catalog)),
            ("card.reader", lambda: self.reader),
        ]
        with Vertical(id="card-body"):
            yield Tr("card.title", classes="screen-title")
            with Grid(id="card-grid"):
                for label, value in rows:
                    yield Tr(label, classes="field-label")
                    yield Computed(value, classes="field-value")
            yield NumberedMenu(self.actions, lead=self._status, gap=" ", between="   ",
                               id="card-actions", classes="hint")
            yield Notice(id="form-error", classes="form-error")
            yield Tr("card.masked", classes="note")
            yield Tr("card.remove_hint", classes="note")
