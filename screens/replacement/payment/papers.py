"""Papers saved for printing: 下載繳款單 (a slip to pay at a counter or a store) and
下載繳費收據 (the receipt, again whenever needed). Each is written as a private PDF under the
kiosk's papers folder, and the screen says where it is and what it says in short; a paper
that cannot be made says so as a paper.

The record is read from the store on the UI thread (a store is shared between processes,
not threads); laying out the PDF takes about a second (two fonts, subset), so it is drawn
and written in a thread worker, which posts what came of it back to the screen. F6 sends
the saved paper to the kiosk's printer (kiosk/domain/printing.py), also from a worker."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message

from kiosk.domain.errors import KioskError
from kiosk.domain.files import shown_path, write_private
from kiosk.domain.printing import print_pdf
from kiosk.domain.replacement.applications import FEE
from kiosk.domain.replacement.papers import receipt_pdf, slip_pdf
from kiosk.domain.replacement.payments import SLIP_FEE
from screens.base import KioskScreen
from screens.card_policy import CardPolicy
from screens.errors import FAILED
from screens.widgets.text import Notice, day_phrase
from store.errors import StoreError


@dataclass(frozen=True)
class Paper:
    """What a paper screen read from the store: where the paper goes, how it is drawn
    (from that record alone), and what the screen says once it is saved."""

    path: Path
    draw: Callable[[], bytes]
    key: str
    params: dict[str, Any] = field(default_factory=dict)


class PaperScreen(KioskScreen):
    """A paper saved for printing: where it is, and what it says in short."""

    card_policy = CardPolicy.BOUND
    BINDINGS = [Binding("escape", "close", "key.back"), Binding("enter", "close", "key.done"),
                Binding("f6", "print", "key.print")]
    error_line = True

    class Made(Message):
        """The worker's outcome: the saved file, or why there is none."""

        def __init__(self, paper: Paper, path: Path | None, error: Exception | None) -> None:
            super().__init__()
            self.paper, self.path, self.error = paper, path, error

    class Printed(Message):
        """The print worker's outcome: the printer it went to, or why it did not."""

        def __init__(self, printer: str | None, error: Exception | None) -> None:
            super().__init__()
            self.printer, self.error = printer, error

    def __init__(self, atm_no: str) -> None:
        super().__init__()
        self.atm_no = atm_no
        self.saved: Path | None = None

    def fields(self) -> ComposeResult:
        yield Notice(id="done", classes="message")

    def on_mount(self) -> None:
        session = self.host.session
        if session is None:
            return
        paper = self.attempt(self.read_paper, session)
        if paper is not FAILED:
            self.query_one("#done", Notice).say("paper.making")
            self._draw(paper)

    @work(thread=True, exclusive=True)
    def _draw(self, paper: Paper) -> None:
        try:
            self.post_message(self.Made(paper, write_private(paper.path, paper.draw()), None))
        except Exception as error:   # said on the screen: on_paper_screen_made
            self.post_message(self.Made(paper, None, error))

    def on_paper_screen_made(self, made: Made) -> None:
        done = self.query_one("#done", Notice)
        if made.error is not None or made.path is None:
            done.say(None)
            self.show_failure(made.error or KioskError("err.paper"))
        else:
            self.saved = made.path
            done.say(made.paper.key, path=shown_path(made.path), **made.paper.params)

    def action_print(self) -> None:
        if self.saved is not None:      # not yet made (or not made at all): nothing to print
            self.clear_errors()
            self._print(self.saved, self.host.config.printer, self.t(self.title_key))

    @work(thread=True, exclusive=True, group="print")
    def _print(self, path: Path, printer: str | None, title: str) -> None:
        try:
            print_pdf(path.read_bytes(), printer=printer, title=title)
            self.post_message(self.Printed(printer, None))
        except Exception as error:   # said on the screen: on_paper_screen_printed
            self.post_message(self.Printed(printer, error))

    def on_paper_screen_printed(self, printed: Printed) -> None:
        if printed.error is not None:
            self.show_failure(printed.error)
        else:
            self.query_one("#done", Notice).say("paper.printed", printer=printed.printer)

    def error_message(self, error: Exception) -> KioskError:
        """A paper that cannot be made says so as a paper (a full disk, a busy store)."""
        message = super().error_message(error)
        return KioskError("err.paper") if isinstance(error, OSError | StoreError) else message

    def read_paper(self, session: Any) -> Paper:
        raise NotImplementedError

    def action_close(self) -> None:
        self.dismiss()


class SlipScreen(PaperScreen):
    """下載繳款單 (not for 現場領卡): a slip to pay at a counter or a store (NT$4 there)."""

    title_key = "slip.title"

    def read_paper(self, session: Any) -> Paper:
        app = self.host.payments.slip(session, self.atm_no)
        due = self.host.applications.due(app)
        return Paper(self.host.papers_dir / f"slip-{self.atm_no}.pdf",
                     lambda: slip_pdf(app, due), "slip.saved",
                     {"atm": self.atm_no, "amount": FEE,
                      "due": day_phrase(due.date()), "fee": SLIP_FEE})


class ReceiptScreen(PaperScreen):
    """下載繳費收據: again whenever needed."""

    title_key = "receipt.title"

    def read_paper(self, session: Any) -> Paper:
        app = self.host.applications.get(session, self.atm_no)
        if app["payment"] is None:
            raise KioskError("err.receipt.unpaid")
        until = datetime.fromisoformat(app["payment"]["insured_until"]).date()
        return Paper(self.host.papers_dir / f"receipt-{self.atm_no}.pdf",
                     lambda: receipt_pdf(app), "receipt.saved",
                     {"until": day_phrase(until)})
