"""What a clerk's search of the audit log lists: by staff ID, action, the start of a masked
person's ID and a time range (from ``since`` on, up to but not including ``until``); an entry
whose time was edited into something that is not a time still shows, but not in a search by
time, which it cannot answer."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from kiosk.domain.clock import TAIPEI
from kiosk.domain.counter.audit import Audit, Filter, entry_time
from store.core import Store
from tests.unit.audit_fixtures import edit_snapshot, snapshot_of
from tests.unit.domain_fixtures import NOW


def at(minute: int) -> datetime:
    return NOW.replace(minute=minute)


@pytest.fixture
def audit(store, clock) -> Audit:
    """Five entries, one a minute from 10:01 to 10:05 (Taipei)."""
    log = Audit(store, clock)
    rows = [("chen01", "look_up", "A123456789"), ("lin02", "sign_in", None),
            ("chen01", "suspend", "X120000003"), ("lin02", "look_up", "J128765432"),
            ("chen01", "sign_in", None)]
    for staff_id, action, person in rows:
        clock.advance(minutes=1)
        log.record(staff_id, action, person)
    return log


def seqs(audit: Audit, where: Filter) -> list[int]:
    return [e["seq"] for e in audit.entries(where)]


def edit_times(store: Store, times: dict[int, Any]) -> None:
    """Change entries' ``at`` in the file itself, as someone with a text editor would."""
    data = snapshot_of(store)
    for doc in data["audit"].values():
        if doc["seq"] in times:
            doc["at"] = times[doc["seq"]]
    edit_snapshot(store, data)


def test_an_entry_keeps_the_time_it_was_written_in_taipei_time(audit):
    newest = audit.entries()[0]
    assert newest["at"] == "2026-11-23T10:05:00+08:00"
    assert entry_time(newest) == datetime(2026, 11, 23, 10, 5, tzinfo=TAIPEI)


@pytest.mark.parametrize("written", ["yesterday", "2026-11-23T10:03:00", None, 17])
def test_a_time_that_is_not_a_moment_in_a_known_zone_is_no_time(written):
    assert entry_time({"at": written}) is None
    assert entry_time({}) is None


def test_a_search_by_staff_id_or_action_lists_only_those_entries_newest_first(audit):
    assert seqs(audit, Filter(staff_id="chen01")) == [5, 3, 1]
    assert seqs(audit, Filter(action="look_up")) == [4, 1]
    assert seqs(audit, Filter(staff_id="lin02", action="sign_in")) == [2]
    assert seqs(audit, Filter(action="release_lock")) == []


def test_a_search_by_person_matches_the_start_of_the_masked_id_in_any_case(audit):
    assert seqs(audit, Filter(person="a12")) == [1]
    assert seqs(audit, Filter(person="J12****765")) == []
    assert seqs(audit, Filter(person="J12****432")) == [4]


def test_a_search_by_person_never_lists_entries_about_nobody(audit):
    """Sign-ins name no person: a search for IDs starting with X (澎湖縣) is not about them."""
    assert seqs(audit, Filter(person="x")) == [3]
    assert seqs(audit, Filter(person="X")) == [3]


def test_since_includes_its_own_minute_and_until_excludes_its_own(audit):
    assert seqs(audit, Filter(since=at(2))) == [5, 4, 3, 2]
    assert seqs(audit, Filter(since=at(2) + timedelta(seconds=1))) == [5, 4, 3]
    assert seqs(audit, Filter(until=at(4))) == [3, 2, 1]
    assert seqs(audit, Filter(until=at(4) + timedelta(seconds=1))) == [4, 3, 2, 1]
    assert seqs(audit, Filter(since=at(2), until=at(4))) == [3, 2]
    assert seqs(audit, Filter(since=at(6))) == []


def test_an_entry_whose_time_was_edited_away_shows_in_every_search_but_one_by_time(
        audit, store):
    edit_times(store, {2: "yesterday", 4: "2026-11-23T10:04:00"})   # no zone: no moment
    assert seqs(audit, Filter()) == [5, 4, 3, 2, 1]
    assert seqs(audit, Filter(staff_id="lin02")) == [4, 2]
    assert seqs(audit, Filter(action="look_up")) == [4, 1]
    assert seqs(audit, Filter(since=at(1))) == [5, 3, 1]
    assert seqs(audit, Filter(until=at(6))) == [5, 3, 1]
    assert seqs(audit, Filter(since=at(1), until=at(6))) == [5, 3, 1]
    assert seqs(audit, Filter(staff_id="lin02", since=at(1))) == []
