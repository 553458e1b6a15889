"""The outbox as staff see it: whether a citizen's mail went out, never what it says
(it may hold a reset code or a default password), and addresses masked."""

from __future__ import annotations

from datetime import datetime

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable

from kiosk.domain.dates import list_moment
from kiosk.domain.mail import mask_email
from kiosk.domain.records import Mail
from screens.counter.base import StaffScreen
from screens.errors import FAILED
from screens.widgets.plain import PlainTable

COLUMNS = ("mail.outbox.created", "mail.outbox.to", "mail.outbox.subject",
           "mail.outbox.status", "mail.outbox.attempts")
SHOWN = 200


class StaffOutboxScreen(StaffScreen):
    BINDINGS = [Binding("escape", "back", "key.back")]

    title_key = "staff.outbox_title"

    def fields(self) -> ComposeResult:
        yield PlainTable(id="outbox", cursor_type="row", zebra_stripes=True)

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
        table = self.query_one("#outbox", DataTable)
        table.clear(columns=True)
        table.add_columns(*(self.t(key) for key in COLUMNS))
        for mail in mails:
            table.add_row(*self._cells(mail))

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
