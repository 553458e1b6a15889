"""The audit log's stored form stays what the module docstring states, so a log and head file
written by an earlier kiosk still verify after an upgrade: each entry's ``mac`` is the
HMAC-SHA256 of its sorted JSON (without ``mac``) under ``Keyring.digest("audit", "key")``; the
head file holds ``seq``, ``mac`` and a ``seal``, the HMAC of ``audit-head:`` and its sorted
JSON. A head file that is anything else is reported, never a crash."""

from __future__ import annotations

import errno
import hashlib
import hmac
from pathlib import Path
from typing import Any

import orjson
import pytest

from kiosk.domain.counter.audit import GENESIS, HEAD_SUFFIX, Audit, ChainBreak, Problem
from kiosk.domain.keyring import Keyring, machine_key
from store.core import Store
from tests.unit.audit_fixtures import edit_snapshot, filled, snapshot_of


def audit_key(store: Store) -> bytes:
    return bytes.fromhex(Keyring(machine_key(store)).digest("audit", "key"))


def mac_of(key: bytes, body: dict[str, Any]) -> str:
    return hmac.new(key, orjson.dumps(body, option=orjson.OPT_SORT_KEYS),
                    hashlib.sha256).hexdigest()


def seal_of(key: bytes, seq: int, mac: str) -> str:
    body = orjson.dumps({"mac": mac, "seq": seq}, option=orjson.OPT_SORT_KEYS)
    return hmac.new(key, b"audit-head:" + body, hashlib.sha256).hexdigest()


def head_path(store: Store) -> Path:
    return store.side_path(HEAD_SUFFIX)


# -- the stored form ---------------------------------------------------------------------


def test_each_entry_carries_the_documented_mac_linked_to_the_one_before(store, clock):
    audit = filled(store, clock, 3)
    key = audit_key(store)
    prev = GENESIS
    for entry in reversed(audit.entries()):
        body = {k: v for k, v in entry.items() if k != "mac"}
        assert entry["prev"] == prev
        assert entry["mac"] == mac_of(key, body)
        prev = entry["mac"]


def test_the_head_file_names_the_newest_entry_with_the_documented_seal(store, clock):
    audit = filled(store, clock, 3)
    head = orjson.loads(head_path(store).read_bytes())
    newest = audit.entries()[0]
    assert head == {"seq": 3, "mac": newest["mac"],
                    "seal": seal_of(audit_key(store), 3, newest["mac"])}


def test_a_log_written_by_an_earlier_kiosk_in_the_documented_form_is_whole(store, clock):
    """Entries and head made here by hand, as the format says, not by the kiosk's code."""
    key = audit_key(store)
    data = snapshot_of(store)
    prev, table = GENESIS, {}
    for seq in (1, 2):
        entry = {"seq": seq, "at": f"2026-11-2{seq}T09:00:00+08:00", "staff_id": "chen01",
                 "action": "look_up", "person": "A12****789", "detail": {}, "prev": prev}
        entry["mac"] = prev = mac_of(key, entry)
        table[str(seq)] = entry
    data["audit"] = table
    edit_snapshot(store, data)
    head_path(store).write_bytes(orjson.dumps({"seq": 2, "mac": prev,
                                               "seal": seal_of(key, 2, prev)}))
    audit = Audit(store, clock)
    assert audit.verify() is None
    audit.record("chen01", "sign_in")
    assert audit.verify() is None
    assert orjson.loads(head_path(store).read_bytes())["seq"] == 3


# -- a head file that is not one ----------------------------------------------------------


def good_head(store: Store) -> dict[str, Any]:
    return orjson.loads(head_path(store).read_bytes())


@pytest.mark.parametrize("change", [
    lambda h: {**h, "seq": "3"},
    lambda h: {**h, "seq": -1},
    lambda h: {**h, "seq": True},
    lambda h: {**h, "seq": 2},
    lambda h: {**h, "mac": 5},
    lambda h: {**h, "mac": h["mac"].upper()},
    lambda h: {**h, "seal": 5},
    lambda h: {**h, "seal": h["seal"][:-1] + ("1" if h["seal"].endswith("0") else "0")},
    lambda h: {k: v for k, v in h.items() if k != "seal"},
    lambda h: {k: v for k, v in h.items() if k != "seq"},
    lambda h: {k: v for k, v in h.items() if k != "mac"},
    lambda h: [h["seq"], h["mac"], h["seal"]],
    lambda h: "3",
], ids=["seq-text", "seq-negative", "seq-true", "seq-other", "mac-number", "mac-other",
        "seal-number", "seal-other", "no-seal", "no-seq", "no-mac", "a-list", "a-string"])
def test_an_altered_head_file_is_reported_at_the_last_entry(store, clock, change):
    audit = filled(store, clock, 3)
    altered = orjson.dumps(change(good_head(store)))
    head_path(store).write_bytes(altered)
    assert audit.verify() == ChainBreak(3, Problem.HEAD)
    audit.record("chen01", "sign_in")                  # writing goes on, the evidence stays
    assert audit.verify() == ChainBreak(4, Problem.HEAD)
    assert head_path(store).read_bytes() == altered


@pytest.mark.parametrize("raw", [b"", b"not json", b"\xff\xfe", b"{\"seq\": 3"])
def test_a_head_file_that_is_not_json_is_reported(store, clock, raw):
    audit = filled(store, clock, 3)
    head_path(store).write_bytes(raw)
    assert audit.verify() == ChainBreak(3, Problem.HEAD)


def test_a_head_file_replaced_by_a_folder_is_reported(store, clock):
    audit = filled(store, clock, 3)
    head_path(store).unlink()
    head_path(store).mkdir()
    assert audit.verify() == ChainBreak(3, Problem.HEAD)


def test_a_head_file_on_an_empty_log_is_reported_at_no_entry(store, clock):
    audit = filled(store, clock, 3)
    data = snapshot_of(store)
    data["audit"] = {}
    edit_snapshot(store, data)
    assert audit.verify() == ChainBreak(1, Problem.TRUNCATED)
    head_path(store).write_bytes(b"garbage")
    assert audit.verify() == ChainBreak(0, Problem.HEAD)


# -- a crash between an entry and its head ---------------------------------------------


def test_a_crash_before_the_first_head_is_written_leaves_a_whole_log(store, clock, monkeypatch):
    """A new log's head (at 0) exists before its first entry; if writing the head for that
    entry fails, the log is still whole, and the next entry moves the head on."""
    from store import _fs

    real = _fs.replace_private
    calls: list[Path] = []

    def second_fails(path: Path, data: bytes, temp_of: Path) -> None:
        calls.append(path)
        if len(calls) == 2:
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        real(path, data, temp_of=temp_of)

    monkeypatch.setattr(_fs, "replace_private", second_fails)
    audit = Audit(store, clock)
    with pytest.raises(OSError):
        audit.record("chen01", "sign_in")
    assert calls == [head_path(store), head_path(store)]
    assert good_head(store) == {"seq": 0, "mac": GENESIS,
                                "seal": seal_of(audit_key(store), 0, GENESIS)}
    assert [e["seq"] for e in audit.entries()] == [1]
    assert audit.verify() is None
    audit.record("chen01", "sign_out")
    assert good_head(store)["seq"] == 2
    assert audit.verify() is None
