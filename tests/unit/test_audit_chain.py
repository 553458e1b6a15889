"""The audit log is tamper-evident against someone who can edit the store file but does not
hold the machine key: edits (even with the hashes recomputed), removals, reorderings and a
cut-off end are all reported, and a log from before the key is sealed once."""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest

from kiosk.domain.counter.audit import GENESIS, HEAD_SUFFIX, SEALED, Audit, ChainBreak, Problem
from kiosk.domain.errors import KioskError
from store.core import Store
from tests.unit.audit_fixtures import edit_snapshot, filled, snapshot_of

Table = dict[str, dict[str, Any]]


def tamper(store: Store, change: Callable[[Table], Table | None]) -> None:
    """Edit the audit table in the file itself, as someone with a text editor would: no
    store API, no lock, no key. ``change`` edits the table in place or returns a new one."""
    data = snapshot_of(store)
    table = data.get("audit", {})
    data["audit"] = change(table) or table
    edit_snapshot(store, data)


def by_seq(table: Table) -> dict[int, str]:
    return {doc["seq"]: doc_id for doc_id, doc in table.items()}


def sha256_of(entry: dict[str, Any]) -> str:
    body = {k: v for k, v in entry.items() if k not in ("mac", "hash")}
    return hashlib.sha256(orjson.dumps(body, option=orjson.OPT_SORT_KEYS)).hexdigest()


def head_of(store: Store) -> dict[str, Any]:
    return orjson.loads(store.side_path(HEAD_SUFFIX).read_bytes())


def downgrade(table: Table, staff_id: str | None = None) -> None:
    """Rewrite every entry in the old, unkeyed form (no MAC, a valid SHA-256 ``hash``), each
    also made to be by ``staff_id`` if given: the best forgery without the key."""
    prev = GENESIS
    for doc_id in sorted(table, key=lambda d: table[d]["seq"]):
        entry = table[doc_id]
        del entry["mac"]
        if staff_id is not None:
            entry["staff_id"] = staff_id
        entry["prev"] = prev
        entry["hash"] = prev = sha256_of(entry)


# -- a whole chain -------------------------------------------------------------------------


def test_an_untouched_chain_is_whole_and_its_head_names_the_newest_entry(store, clock):
    audit = filled(store, clock)
    assert audit.verify() is None
    assert Audit(store, clock).verify() is None          # another process: same key
    head = head_of(store)
    newest = audit.entries()[0]
    assert (head["seq"], head["mac"]) == (5, newest["mac"])
    assert "hash" not in newest and newest["prev"] == audit.entries()[1]["mac"]


def test_a_new_log_is_whole(store, clock):
    assert Audit(store, clock).verify() is None
    assert not store.side_path(HEAD_SUFFIX).exists()     # reading writes nothing


def test_the_head_file_is_private_whatever_the_umask(store, clock):
    old = os.umask(0)
    try:
        filled(store, clock, 2)
    finally:
        os.umask(old)
    head = store.side_path(HEAD_SUFFIX)
    assert stat.S_IMODE(os.stat(head).st_mode) == 0o600
    assert head.name == "kiosk.json.audit-head" and head.parent == store.path.parent
    assert [p.name for p in head.parent.iterdir() if ".tmp-" in p.name] == []


# -- what an editor of the file can do ----------------------------------------------------


def test_dropping_the_three_newest_entries_is_seen(store, clock):
    audit = filled(store, clock)

    def drop_newest(table: Table) -> None:
        for seq in (3, 4, 5):
            del table[by_seq(table)[seq]]

    tamper(store, drop_newest)
    assert [e["seq"] for e in audit.entries()] == [2, 1]   # what is left fits together
    assert audit.verify() == ChainBreak(3, Problem.TRUNCATED)


def test_an_edit_with_every_hash_recomputed_is_seen(store, clock):
    audit = filled(store, clock)

    def rewrite(table: Table) -> None:
        """Entry 2 gets another staff ID; it and every later entry get new SHA-256s and
        links, the best one can do without the key."""
        ids = by_seq(table)
        table[ids[2]]["staff_id"] = "nobody"
        prev = table[ids[1]]["mac"]
        for seq in range(2, 6):
            entry = table[ids[seq]]
            entry["prev"] = prev
            entry["mac"] = prev = sha256_of(entry)

    tamper(store, rewrite)
    assert audit.verify() == ChainBreak(2, Problem.EDITED)


def test_a_log_rewritten_in_the_unkeyed_form_is_not_trusted_again(store, clock):
    """The whole log turned back into the old, unkeyed format (hash, no MAC), every hash
    valid: with the head file there it is an edit, not a log to re-seal."""
    audit = filled(store, clock)
    tamper(store, lambda table: downgrade(table, "nobody"))
    assert audit.verify() == ChainBreak(1, Problem.EDITED)
    audit.record("chen01", "sign_in")                     # and writing does not seal it
    assert audit.verify() == ChainBreak(1, Problem.EDITED)


def test_a_log_rewritten_in_the_unkeyed_form_is_never_sealed(store, clock):
    """With the head file there, the administrator's seal finds nothing to seal: sealing
    would bless the forgery."""
    audit = filled(store, clock)
    tamper(store, lambda table: downgrade(table, "nobody"))
    assert audit.seal() == 0
    assert audit.verify() == ChainBreak(1, Problem.EDITED)
    assert all("mac" not in e for e in audit.entries())


def test_an_entry_written_on_a_forged_unkeyed_log_keeps_the_key(store, clock):
    """The kiosk writes the old form only where the log never had a key: on a log turned
    unkeyed behind its back (head file there) it goes on keyed, so deleting the head file
    afterwards still does not make the forgery a log to seal."""
    audit = filled(store, clock, 3)
    tamper(store, downgrade)
    audit.record("chen01", "sign_in")
    newest = audit.entries()[0]
    assert newest["seq"] == 4 and "mac" in newest and "hash" not in newest
    store.side_path(HEAD_SUFFIX).unlink()
    assert audit.verify() == ChainBreak(1, Problem.EDITED)
    assert audit.seal() == 0


@pytest.mark.parametrize("field", ["hash", "note"])
def test_a_field_added_to_an_entry_is_an_edit(store, clock, field):
    """Whatever its name: a keyed entry has no field its MAC does not cover."""
    audit = filled(store, clock, 3)
    tamper(store, lambda table: table[by_seq(table)[2]].update({field: "0" * 64}))
    assert audit.verify() == ChainBreak(2, Problem.EDITED)


def test_swapping_two_entries_is_seen_as_a_reordering(store, clock):
    audit = filled(store, clock)

    def swap(table: Table) -> None:
        ids = by_seq(table)
        table[ids[2]], table[ids[3]] = table[ids[3]], table[ids[2]]

    tamper(store, swap)
    assert audit.verify() == ChainBreak(2, Problem.REORDERED)


def test_an_entry_moved_to_the_end_is_seen_as_a_reordering(store, clock):
    audit = filled(store, clock)

    def move(table: Table) -> Table:
        ids = by_seq(table)
        moved = table.pop(ids[2])
        return {**table, "99": moved}

    tamper(store, move)
    assert audit.verify() == ChainBreak(2, Problem.REORDERED)


def test_an_entry_copied_in_a_second_time_is_seen_as_a_reordering(store, clock):
    audit = filled(store, clock)
    tamper(store, lambda table: {**table, "99": dict(table[by_seq(table)[2]])})
    assert audit.verify() == ChainBreak(2, Problem.REORDERED)


def test_an_entry_put_back_from_an_older_copy_of_the_log_is_an_edit(store, clock):
    """Its MAC is genuine, but it follows an entry that was written after it was."""
    audit = filled(store, clock, 3)
    older = snapshot_of(store)["audit"]
    tamper(store, lambda table: {k: v for k, v in table.items() if v["seq"] == 1})
    clock.advance(minutes=1)
    audit.record("chen01", "sign_in")
    audit.record("chen01", "sign_out")                  # 2 and 3 again, different ones

    def put_back(table: Table) -> None:
        table[by_seq(table)[3]] = older[by_seq(older)[3]]

    tamper(store, put_back)
    assert audit.verify() == ChainBreak(3, Problem.EDITED)


def test_an_entry_taken_out_of_the_middle_is_seen_as_missing(store, clock):
    audit = filled(store, clock)
    tamper(store, lambda table: table.pop(by_seq(table)[3]) and None)
    assert audit.verify() == ChainBreak(3, Problem.MISSING)


def test_a_renumbered_entry_is_an_edit(store, clock):
    """Closing the gap by renumbering needs the key: the seq is inside the MAC."""
    audit = filled(store, clock)

    def renumber(table: Table) -> None:
        ids = by_seq(table)
        del table[ids[3]]
        table[ids[4]]["seq"], table[ids[5]]["seq"] = 3, 4

    tamper(store, renumber)
    assert audit.verify() == ChainBreak(3, Problem.EDITED)


def test_a_number_that_is_not_a_number_is_an_edit_and_the_log_still_works(store, clock):
    audit = filled(store, clock, 3)
    tamper(store, lambda table: table[by_seq(table)[2]].update(seq="2"))
    assert audit.verify() == ChainBreak(2, Problem.EDITED)
    audit.record("chen01", "sign_in")                     # writing and reading go on
    assert [e["seq"] for e in audit.entries()] == [4, 3, 1, "2"]
    assert audit.verify() == ChainBreak(2, Problem.EDITED)


def test_an_entry_whose_number_is_not_a_number_is_listed_last_wherever_it_is_kept(
        store, clock):
    audit = filled(store, clock, 3)

    def damage(table: Table) -> Table:
        ids = by_seq(table)
        table[ids[2]]["seq"] = "two"
        return {ids[2]: table[ids[2]], ids[1]: table[ids[1]], ids[3]: table[ids[3]]}

    tamper(store, damage)
    assert [e["seq"] for e in audit.entries()] == [3, 1, "two"]


def test_a_chain_made_under_another_key_is_an_edit(tmp_path, clock):
    """Entries copied from another kiosk, or forged with a guessed key, do not fit."""
    other = tmp_path / "other"
    with Store.open(other / "kiosk.json") as elsewhere:
        filled(elsewhere, clock, 3)
        copied = snapshot_of(elsewhere)["audit"]
    with Store.open(tmp_path / "kiosk.json") as store:
        (tmp_path / "kiosk.json.audit-head").write_bytes(
            (other / "kiosk.json.audit-head").read_bytes())
        tamper(store, lambda table: copied)
        assert Audit(store, clock).verify() == ChainBreak(1, Problem.EDITED)


# -- the head file ------------------------------------------------------------------------


def test_before_the_seal_a_new_entry_says_who_did_what_to_whom_and_when(store, clock):
    legacy_log(store)
    clock.advance(minutes=7)
    Audit(store, clock).record("chen01", "suspend", "A123456789", reason="lost card")
    newest = Audit(store, clock).entries()[0]
    assert {k: newest[k] for k in ("seq", "at", "staff_id", "action", "person", "detail")} \
        == {"seq": 4, "at": "2026-11-23T10:07:00+08:00", "staff_id": "chen01",
            "action": "suspend", "person": "A12****789", "detail": {"reason": "lost card"}}
    assert "mac" not in newest                          # still the old form


def test_a_seal_that_cannot_be_saved_leaves_the_log_unsealed_to_be_sealed_again(
        store, clock, monkeypatch):
    import errno

    from kiosk.domain.keyring import machine_key
    from store import journal

    legacy_log(store)
    machine_key(store)                    # made when the kiosk started, not by the seal
    audit = Audit(store, clock)
    real = journal.append

    def full(path: Path, *args: Any, **kwargs: Any) -> Any:
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(journal, "append", full)
    with pytest.raises(OSError):
        audit.seal()
    monkeypatch.setattr(journal, "append", real)
    assert audit.verify() == ChainBreak(1, Problem.UNSEALED)    # no false alarm
    assert audit.seal() == 3
    assert audit.verify() is None


def test_a_deleted_head_file_is_reported_and_never_made_again(store, clock):
    audit = filled(store, clock, 3)
    store.side_path(HEAD_SUFFIX).unlink()
    assert audit.verify() == ChainBreak(3, Problem.HEAD)
    audit.record("chen01", "sign_in")
    assert not store.side_path(HEAD_SUFFIX).exists()       # the evidence stays
    assert audit.verify() == ChainBreak(4, Problem.HEAD)


def test_an_altered_head_file_is_reported(store, clock):
    audit = filled(store, clock, 5)
    head = head_of(store)
    head["seq"], head["mac"] = 2, audit.entries()[3]["mac"]   # "the log ends at 2"
    store.side_path(HEAD_SUFFIX).write_bytes(orjson.dumps(head))
    assert audit.verify() == ChainBreak(5, Problem.HEAD)


def test_later_entries_do_not_hide_a_truncation(store, clock):
    audit = filled(store, clock, 5)
    tamper(store, lambda table: {k: v for k, v in table.items() if v["seq"] <= 2})
    audit.record("chen01", "sign_in")                          # seq 3 again
    assert audit.verify() == ChainBreak(4, Problem.TRUNCATED)
    audit.record("chen01", "sign_out")
    audit.record("chen01", "sign_in")                          # past the old head
    assert audit.verify() == ChainBreak(5, Problem.EDITED)     # not the entry it vouched for


def test_a_head_behind_the_log_is_a_crash_not_a_break(store, clock):
    """The head is written after the commit: a crash in between leaves it one behind."""
    audit = filled(store, clock, 2)
    behind = store.side_path(HEAD_SUFFIX).read_bytes()
    audit.record("chen01", "sign_in")
    store.side_path(HEAD_SUFFIX).write_bytes(behind)
    assert audit.verify() is None
    audit.record("chen01", "sign_out")
    assert head_of(store)["seq"] == 4                          # caught up


def test_a_full_disk_on_the_head_keeps_the_entry_and_the_chain(store, clock, monkeypatch):
    import errno

    from store import _fs

    audit = filled(store, clock, 2)
    real = _fs.replace_private

    def full(path: Path, data: bytes, temp_of: Path) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(_fs, "replace_private", full)
    with pytest.raises(OSError) as info:
        audit.record("chen01", "sign_in")
    assert info.value.filename == str(store.side_path(HEAD_SUFFIX))
    monkeypatch.setattr(_fs, "replace_private", real)
    assert [e["seq"] for e in audit.entries()] == [3, 2, 1]     # the commit stays
    assert audit.verify() is None


# -- logs from before the key -------------------------------------------------------------


def legacy_log(store: Store, n: int = 3) -> None:
    """A log as the unkeyed code wrote it: a SHA-256 ``hash`` per entry, no head file."""
    def write(table: Table) -> None:
        prev = GENESIS
        for seq in range(1, n + 1):
            entry = {"seq": seq, "at": f"2026-11-2{seq}T09:00:00+08:00", "staff_id": "chen01",
                     "action": "look_up", "person": "A12****789", "detail": {},
                     "prev": prev}
            entry["hash"] = prev = sha256_of(entry)
            table[str(seq)] = entry

    tamper(store, write)


def test_a_whole_unkeyed_log_is_unsealed_until_an_administrator_seals_it(store, clock):
    legacy_log(store)
    audit = Audit(store, clock)
    assert audit.verify() == ChainBreak(1, Problem.UNSEALED)   # never "whole" by itself
    assert audit.seal() == 3
    assert audit.verify() is None
    assert audit.seal() == 0                                    # once
    entries = audit.entries()
    assert [e["seq"] for e in entries] == [4, 3, 2, 1]
    assert (entries[0]["action"], entries[0]["detail"]) == (SEALED, {"entries": 3})
    assert (entries[0]["staff_id"], entries[0]["person"]) == ("kiosk", None)   # not a clerk
    assert all("mac" in e and "hash" not in e for e in entries)
    assert head_of(store)["seq"] == 4
    tamper(store, lambda table: table["2"].update(staff_id="nobody"))
    assert audit.verify() == ChainBreak(2, Problem.EDITED)      # now protected


def test_before_the_seal_new_entries_keep_the_old_form_and_are_sealed_with_it(store, clock):
    legacy_log(store)
    Audit(store, clock).record("chen01", "sign_in")
    audit = Audit(store, clock)
    assert audit.verify() == ChainBreak(1, Problem.UNSEALED)
    assert audit.seal() == 4
    assert [e["action"] for e in audit.entries()] == [SEALED, "sign_in", "look_up",
                                                      "look_up", "look_up"]
    assert audit.verify() is None


def test_deleting_the_head_and_rewriting_the_log_unkeyed_is_never_whole(store, clock):
    """The downgrade: an attacker who can edit the store drops an entry by deleting the
    head file and writing the rest in the old, unkeyed form."""
    audit = filled(store, clock)
    store.side_path(HEAD_SUFFIX).unlink()
    tamper(store, lambda table: table.clear())
    legacy_log(store, n=4)       # the forged log, chain recomputed without the key
    assert audit.verify() == ChainBreak(1, Problem.UNSEALED)
    audit.record("chen01", "sign_in")
    assert audit.verify() == ChainBreak(1, Problem.UNSEALED)   # writing does not seal it


def test_a_broken_unkeyed_log_is_reported_not_sealed(store, clock):
    legacy_log(store)
    tamper(store, lambda table: table["2"].update(staff_id="nobody"))
    audit = Audit(store, clock)
    assert audit.verify() == ChainBreak(2, Problem.EDITED)
    with pytest.raises(KioskError) as refused:
        audit.seal()
    assert refused.value.key == "err.audit.unsealable" and refused.value.params["seq"] == 2
    assert not store.side_path(HEAD_SUFFIX).exists()
    assert all("mac" not in e for e in audit.entries())


def test_the_administrator_seals_an_old_log_from_the_shell(store, clock, capsys, monkeypatch):
    from kiosk.cli import main

    config = store.path.with_name("empty.toml")
    config.write_text("")
    monkeypatch.setenv("NHI_KIOSK_CONFIG", str(config))
    legacy_log(store)
    assert main(["staff", "seal-audit", "--db", str(store.path), "--lang", "en"]) == 0
    assert "3 entries" in capsys.readouterr().out
    assert Audit(store, clock).verify() is None
    assert main(["staff", "seal-audit", "--db", str(store.path), "--lang", "en"]) == 0
    assert "nothing to seal" in capsys.readouterr().out
