"""The audit log, read-only: filter by staff ID, action, person and dates; the keyed chain's
state is shown, so an edit, a removal or a reordering made to the store file outside the
kiosk is seen at once, with the first entry it touched and what was done
(kiosk/domain/counter/audit.py)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import DataTable, Input

from kiosk.domain.clock import TAIPEI
from kiosk.domain.counter.audit import ChainBreak, Filter, entry_time
from kiosk.domain.dates import list_moment
from kiosk.domain.forms import parse_date
from kiosk.domain.mask import mask_id
from kiosk.domain.validate import is_valid_id
from screens.counter.base import StaffScreen
from screens.errors import FAILED, Failed
from screens.widgets.plain import PlainTable
from screens.widgets.text import Computed, Notice

COLUMNS = ("audit.col_at", "audit.col_staff", "audit.col_action", "audit.col_person",
           "audit.col_detail")
FILTERS = (("staff", 10), ("action", 14), ("person", 10), ("since", 10), ("until", 10))
SHOWN = 500   # newest first; a filter narrows it down
ACTIONS = ("sign_in", "sign_out", "sign_out_idle", "look_up", "register", "suspend",
           "reactivate", "release_locks", "bind_device", "batch_import", "exit", "staff_add",
           "staff_passwd", "staff_disable", "staff_unlock", "audit_sealed")


class AuditScreen(StaffScreen):
    BINDINGS = [Binding("escape", "back", "key.back")]
    title_key = "audit.title"

    def __init__(self) -> None:
        super().__init__()
        self.count = 0
        # the chain check, once per visit (FAILED: the log could not be read)
        self._broken: tuple[ChainBreak | None] | Failed | None = None

    def fields(self) -> ComposeResult:
        with Horizontal(id="audit-filters"):
            for name, width in FILTERS:
                yield Input(placeholder=self.t(f"audit.f_{name}"), id=f"f-{name}",
                            max_length=width + 10, compact=True)
        yield Notice(id="form-error", classes="form-error")
        yield Computed(self._status, id="audit-status", classes="hint")
        yield PlainTable(id="audit", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        if self.attempt(self.host.staff.require, self.host.staff_session) is FAILED:
            return   # disabled from the shell meanwhile (staff mode has ended), or said why
        self.reload()
        self.query_one("#f-staff", Input).focus()

    def refresh_language(self) -> None:
        super().refresh_language()
        for name, _ in FILTERS:
            self.query_one(f"#f-{name}", Input).placeholder = self.t(f"audit.f_{name}")
        self.reload()

    def _status(self) -> str:
        """The chain is checked once (it reads and hashes the whole log), not at every
        filter or language change: the screen itself adds nothing to the log."""
        if self._broken is None:
            self._broken = self.read(lambda: (self.host.staff.audit.verify(),), default=FAILED)
        if self._broken is FAILED:
            chain = self.t("audit.chain_unread")
            return self.t("audit.status", count=self.count, chain=chain)
        broken = self._broken[0]
        if broken is None:
            chain = self.t("audit.chain_ok")
        else:   # audit.chain_edited, _missing, _reordered, _truncated, _head
            chain = self.t(f"audit.chain_{broken.problem.value}", seq=broken.seq)
        return self.t("audit.status", count=self.count, chain=chain)

    def _filter(self) -> Filter:
        def text(name: str) -> str | None:
            return self.query_one(f"#f-{name}", Input).value.strip() or None

        def day(name: str) -> datetime | None:
            value = text(name)
            if value is None:
                return None
            parsed = parse_date(value, name)
            return datetime(parsed.year, parsed.month, parsed.day, tzinfo=TAIPEI)

        person = text("person")
        if person and is_valid_id(person.upper()):
            person = mask_id(person.upper())   # the log keeps IDs masked
        until = day("until")
        return Filter(staff_id=text("staff"), action=self._action(text("action")),
                      person=person,
                      since=day("since"), until=until + timedelta(days=1) if until else None)

    @on(Input.Submitted)
    def reload(self) -> None:
        entries = self.attempt(lambda: self.host.staff.audit.entries(self._filter()))
        if entries is FAILED:   # a filter refused (at #form-error), or the log unreadable
            return
        self.count = len(entries)
        table = self.query_one("#audit", DataTable)
        table.clear(columns=True)
        table.add_columns(*(self.t(key) for key in COLUMNS))
        for entry in entries[:SHOWN]:
            table.add_row(*self._cells(entry))
        self.query_one("#audit-status", Computed).refresh_text()

    def _action(self, typed: str | None) -> str | None:
        """An action by its code or by the start of its name in either language."""
        if typed is None:
            return None
        typed = typed.casefold()
        for code in ACTIONS:
            if typed == code or self._label(f"audit.a_{code}", code).casefold().startswith(typed):
                return code
        return typed

    def _label(self, key: str, fallback: str) -> str:
        """The catalog's name for a code in the log, or the code (an older log's)."""
        return self.t(key) if self.host.catalog.has(key) else fallback

    def _cells(self, entry: dict[str, Any]) -> list[str]:
        """An entry as text, whatever an edit of the file left in it (the chain line says
        that it was edited; the screen must still show the rest)."""
        at = entry_time(entry)
        action = str(entry.get("action", "?"))
        detail = entry.get("detail")
        return [list_moment(at, self.host.catalog) if at else "?",
                str(entry.get("staff_id", "?")), self._label(f"audit.a_{action}", action),
                str(entry.get("person") or ""),
                self._detail(detail if isinstance(detail, dict) else {})]

    def _detail(self, detail: dict[str, Any]) -> str:
        parts = []
        for key, value in detail.items():
            if isinstance(value, list):
                value = ",".join(self._label(f"counter.lock_{v}", str(v)) for v in value) or "-"
            elif key == "document":
                value = self._label(f"doc.{value}", str(value))
            parts.append(f"{self._label(f'audit.d_{key}', key)}={value}")
        return " ".join(parts)

    def action_back(self) -> None:
        self.dismiss()
