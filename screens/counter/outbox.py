"""The outbox as staff see it: whether a citizen's mail went out, never what it says
(it may hold a reset code or a default password), and addresses masked."""

from __future__ import annotations

from datetime import datetime

from rich.cells import cell_len
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable

from kiosk.domain.dates import list_moment
from kiosk.domain.mail import mask_email
from kiosk.domain.records import Mail
from screens.counter.base import StaffScreen
from screens.errors import FAILED
from screens.widgets.plain import PlainTable
from screens.widgets.text import Computed

COLUMNS = ("mail.outbox.created", "mail.outbox.to", "mail.outbox.subject",
           "mail.outbox.status", "mail.outbox.attempts")
SUBJECT = COLUMNS.index("mail.outbox.subject")
SHOWN = 200
#: The subject column is cut to what the others leave (a subject is long, the status is what
#: staff look for); the highlighted mail's whole subject is under the table.
SUBJECT_MIN = 10
FRAME = 4 + 2   # the form's side padding, and a vertical scrollbar's room


class StaffOutboxScreen(StaffScreen):
    BINDINGS = [Binding("escape", "back", "key.back")]

    title_key = "staff.outbox_title"

    def __init__(self) -> None:
        super().__init__()
        self.mails: list[Mail] = []

    def fields(self) -> ComposeResult:
        yield PlainTable(id="outbox", cursor_type="row", zebra_stripes=True)
        yield Computed(self._detail, id="outbox-detail", classes="message")

    def on_mount(self) -> None:
        if self.attempt(self.host.staff.require, self.host.staff_session) is FAILED:
            return   # disabled from the shell meanwhile (staff mode has ended), or said why
        self.reload()
        self.query_one("#outbox", DataTable).focus()

    def refresh_language(self) -> None:
        super().refresh_language()
        self.reload()

    def reload(self) -> None:
        mails = self.attempt(self.host.services.mails, limit=SHOWN)
        if mails is FAILED:   # the store unreadable for a moment: said in a toast
            return
        self.mails = mails
        self._draw(mails)

    def _draw(self, mails: list[Mail]) -> None:
        """The table of ``mails``, its columns fitted to the screen's width now."""
        table = self.query_one("#outbox", DataTable)
        row = table.cursor_row
        table.clear(columns=True)
        labels = [self.t(key) for key in COLUMNS]
        rows = [self._cells(mail) for mail in mails]
        for index, label in enumerate(labels):
            table.add_column(label, width=self._subject_width(labels, rows)
                             if index == SUBJECT else None)
        for cells in rows:
            table.add_row(*cells)
        if rows:
            table.move_cursor(row=min(row, len(rows) - 1))
        self.query_one("#outbox-detail", Computed).refresh_text()

    def _subject_width(self, labels: list[str], rows: list[list[str]]) -> int:
        """What the other columns leave of the screen's width (each cell has a space on
        either side), so that the status and the attempts are seen without scrolling."""
        others = sum(2 + max(cell_len(text) for text in [label, *(r[i] for r in rows)])
                     for i, label in enumerate(labels) if i != SUBJECT)
        return max(SUBJECT_MIN, self.app.size.width - FRAME - others - 2)

    def _detail(self) -> str:
        table = self.query_one("#outbox", DataTable)
        if not self.mails or not 0 <= table.cursor_row < len(self.mails):
            return ""
        return self.t("staff.outbox_subject",
                      subject=self.mails[table.cursor_row].get("subject", ""))

    @on(DataTable.RowHighlighted)
    def _highlighted(self) -> None:
        self.query_one("#outbox-detail", Computed).refresh_text()

    def on_resize(self) -> None:
        if self.is_mounted and self.mails:
            self._draw(self.mails)   # the columns refitted; the mails are those read

    def _cells(self, mail: Mail) -> list[str]:
        status = mail.get("status", "queued")
        if status == "failed":
            status = "failed_final" if mail.get("final") else "failed"
        at = list_moment(datetime.fromisoformat(mail["created_at"]), self.host.catalog)
        return [at, mask_email(mail["to"]),
                mail.get("subject", ""), self.t(f"mail.outbox.status_{status}"),
                str(mail.get("attempts", 0))]

    def action_back(self) -> None:
        self.dismiss()
