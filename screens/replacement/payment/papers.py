"""Papers saved for printing: 下載繳款單 (a slip to pay at a counter or a store) and
下載繳費收據 (the receipt, again whenever needed). Each is written as a private file under the
kiosk's papers folder, and the screen says where it is and what it says in short; a paper
that cannot be made says so as a paper."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding

from kiosk.domain.dates import roc_date
from kiosk.domain.errors import KioskError
from kiosk.domain.files import shown_path, write_private
from kiosk.domain.replacement.applications import FEE
from kiosk.domain.replacement.papers import receipt_svg, slip_svg
from kiosk.domain.replacement.payments import SLIP_FEE
from screens.base import KioskScreen
from screens.card_policy import CardPolicy
from screens.errors import FAILED
from screens.widgets.text import Notice
from store.errors import StoreError


class PaperScreen(KioskScreen):
    """A paper saved for printing: where it is, and what it says in short."""

    card_policy = CardPolicy.BOUND
    BINDINGS = [Binding("escape", "close", "key.back"), Binding("enter", "close", "key.done")]
    error_line = True

    def __init__(self, atm_no: str) -> None:
        super().__init__()
        self.atm_no = atm_no

    def fields(self) -> ComposeResult:
        yield Notice(id="done", classes="message")

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
                              "due": roc_date(due.date(), self.host.catalog), "fee": SLIP_FEE}


class ReceiptScreen(PaperScreen):
    """下載繳費收據: again whenever needed."""

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
