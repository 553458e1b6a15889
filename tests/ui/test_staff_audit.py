"""The staff audit screen says, in the clerk's language, when the log was tampered with and
how; and a staff action whose audit entry cannot be saved (disk full) is a message, not a
crash."""

from __future__ import annotations

import errno
import hashlib
from collections.abc import Callable
from typing import Any

import orjson

from screens.counter.audit import AuditScreen
from screens.counter.home import LeaveScreen, StaffHomeScreen
from tests.ui.conftest import screen_text, wait_until
from tests.ui.flows import on
from tests.ui.test_staff_mode import SIZE, signed_in, staff_item, staffed_app
from tests.unit.audit_fixtures import edit_snapshot, snapshot_of

Table = dict[str, dict[str, Any]]


def tamper(app, change: Callable[[Table], None]) -> None:
    """Edit the audit table in the store file itself: no lock, no key."""
    store = app.services.store
    data = snapshot_of(store)
    change(data["audit"])
    edit_snapshot(store, data)


def by_seq(table: Table) -> dict[int, str]:
    return {doc["seq"]: doc_id for doc_id, doc in table.items()}


def more_entries(app, n: int = 4) -> None:
    for _ in range(n):
        app.staff.audit.record("chen01", "look_up", "A123456789", document="id_card")


async def test_an_untouched_log_is_intact():
    app = staffed_app(lang="en")
    async with app.run_test(size=SIZE) as pilot:
        await signed_in(pilot)
        more_entries(app)
        await staff_item(pilot, AuditScreen)
        assert "6 entries; chain intact." in screen_text(app)


async def test_the_three_newest_entries_removed_is_shown_as_cut_short():
    app = staffed_app(lang="en")
    async with app.run_test(size=SIZE) as pilot:
        await signed_in(pilot)
        more_entries(app)                                  # entries 1..6

        def drop_newest(table: Table) -> None:
            for seq in (4, 5, 6):
                del table[by_seq(table)[seq]]

        tamper(app, drop_newest)
        await staff_item(pilot, AuditScreen)
        text = screen_text(app)
        assert "3 entries; chain CUT SHORT: the entries from 4 on were removed." in text
        assert "intact" not in text


async def test_an_edit_with_recomputed_hashes_is_shown_in_chinese():
    app = staffed_app(lang="zh-TW")
    async with app.run_test(size=SIZE) as pilot:
        await signed_in(pilot)
        more_entries(app)

        def rewrite(table: Table) -> None:
            ids = by_seq(table)
            table[ids[3]]["person"] = "B22****455"         # someone else was looked up
            prev = table[ids[2]]["mac"]
            for seq in range(3, 7):
                entry = table[ids[seq]]
                entry["prev"] = prev
                body = {k: v for k, v in entry.items() if k != "mac"}
                entry["mac"] = prev = hashlib.sha256(
                    orjson.dumps(body, option=orjson.OPT_SORT_KEYS)).hexdigest()

        tamper(app, rewrite)
        await staff_item(pilot, AuditScreen)
        text = screen_text(app)
        assert "紀錄鏈第 3 筆起遭竄改" in text and "完整" not in text
        app.toggle_language()                              # and in English at once
        await pilot.pause()
        assert "chain ALTERED at entry 3" in screen_text(app)


async def test_a_reordered_log_is_shown_as_out_of_order():
    app = staffed_app(lang="en")
    async with app.run_test(size=SIZE) as pilot:
        await signed_in(pilot)
        more_entries(app)

        def swap(table: Table) -> None:
            ids = by_seq(table)
            table[ids[4]], table[ids[5]] = table[ids[5]], table[ids[4]]

        tamper(app, swap)
        await staff_item(pilot, AuditScreen)
        assert "chain BROKEN: entry 4 is out of order" in screen_text(app)


async def test_an_entry_whose_fields_were_replaced_still_shows_and_is_reported():
    app = staffed_app(lang="en")
    async with app.run_test(size=SIZE) as pilot:
        await signed_in(pilot)
        more_entries(app)

        def garble(table: Table) -> None:
            entry = table[by_seq(table)[3]]
            entry["at"] = "yesterday"
            entry["detail"] = ["not", "a", "mapping"]
            del entry["staff_id"], entry["action"]

        tamper(app, garble)
        await staff_item(pilot, AuditScreen)
        text = screen_text(app)
        assert "chain ALTERED at entry 3" in text and "Traceback" not in text
        assert isinstance(app.screen, AuditScreen)


async def test_an_unsaved_exit_entry_is_a_message_and_the_kiosk_stays(monkeypatch):
    """Leaving the kiosk is audited; when that entry cannot be written (disk full) the
    clerk is told so in their language and the kiosk neither crashes nor leaves
    unaudited."""
    from store import journal

    app = staffed_app(lang="zh-TW")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await signed_in(pilot)
        await pilot.press("0")
        await wait_until(pilot, on(app, LeaveScreen))

        def full(path, *args):
            raise OSError(errno.ENOSPC, "No space left on device", str(path))

        monkeypatch.setattr(journal, "append", full)
        await pilot.press("enter")
        await wait_until(pilot, lambda: any("無法儲存（磁碟空間已滿）" in str(n.message)
                                            for n in app._notifications),
                         what="the disk-full notice")
        assert app.is_running and app.return_code is None
        monkeypatch.undo()
        await pilot.press("escape")                        # the kiosk still answers keys
        await wait_until(pilot, on(app, StaffHomeScreen), what="back under the dialog")

