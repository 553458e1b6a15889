"""PcscMonitor at its PC/SC boundary: pyscard's ``scard`` module replaced by a script.

pcscd counts insertions and removals per reader and reports the count in the upper 16 bits
of ``dwEventState``. Two status checks that both see a card present, with a different
count, mean the card was swapped in between: the monitor must report the first card gone
and read the new one, or the previous holder's session goes on with the new card.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import pytest

from reader import pcsc
from reader.applet import NhiApplet
from reader.events import EventKind, ReaderEvent, ReadFailure
from reader.monitor import PcscMonitor
from tests.unit.pcsc_codes import PcscCodes
from tests.unit.reader_fakes import (
    NATIONAL,
    READER,
    RESIDENT,
    ScriptDone,
    Step,
    card,
    empty,
    present,
)

AT = datetime(2026, 11, 23, 9, 30).astimezone()


def status(state: int, applet: NhiApplet | None = None) -> Step:
    """The one reader's next status: its state, and the card it then holds."""
    return Step(states={READER: state}, cards={READER: applet})


@dataclass
class FakeScard(PcscCodes):
    """The part of pyscard's ``scard`` the monitor uses, pcsc-lite's constants."""

    script: list[Step]
    queries: list[list[tuple[str, int]]] = field(default_factory=list)
    card: NhiApplet | None = None
    apdus: list[bytes] = field(default_factory=list)


    def SCardEstablishContext(self, scope: int) -> tuple[int, int]:
        return self.SCARD_S_SUCCESS, 1

    def SCardReleaseContext(self, ctx: int) -> int:
        return self.SCARD_S_SUCCESS

    def SCardCancel(self, ctx: int) -> int:
        return self.SCARD_S_SUCCESS

    def SCardGetErrorMessage(self, hr: int) -> str:
        return f"error {hr:#x}"

    def SCardListReaders(self, ctx: int, groups: list[str]) -> tuple[int, list[str]]:
        return self.SCARD_S_SUCCESS, [READER]

    def SCardGetStatusChange(
        self, ctx: int, timeout: int, query: list[tuple[str, int]]
    ) -> tuple[int, list[tuple[str, int, list[int]]]]:
        self.queries.append(list(query))
        if not self.script:
            raise ScriptDone
        step = self.script.pop(0)
        self.card = step.cards[READER]
        out = []
        for name, current in query:
            if name == READER:
                out.append((name, step.states[READER] | self.SCARD_STATE_CHANGED, []))
            else:   # the PnP pseudo-reader: nothing new
                out.append((name, current, []))
        return self.SCARD_S_SUCCESS, out

    def SCardConnect(self, ctx: int, reader: str, share: int, protocols: int
                     ) -> tuple[int, int, int]:
        if self.card is None:
            return self.SCARD_E_NO_SMARTCARD, 0, 0
        return self.SCARD_S_SUCCESS, 7, self.SCARD_PROTOCOL_T1

    def SCardBeginTransaction(self, hcard: int) -> int:
        return self.SCARD_S_SUCCESS

    def SCardEndTransaction(self, hcard: int, disposition: int) -> int:
        return self.SCARD_S_SUCCESS

    def SCardDisconnect(self, hcard: int, disposition: int) -> int:
        return self.SCARD_S_SUCCESS

    def SCardTransmit(self, hcard: int, proto: int, apdu: list[int]) -> tuple[int, list[int]]:
        assert self.card is not None
        self.apdus.append(bytes(apdu))
        return self.SCARD_S_SUCCESS, list(self.card.respond(bytes(apdu)))


def run(script: list[Step], monkeypatch: pytest.MonkeyPatch) -> tuple[list[ReaderEvent],
                                                                       FakeScard]:
    """Every event the monitor reports while the script lasts."""
    fake = FakeScard(script)
    monkeypatch.setattr(pcsc, "scard", lambda: fake)
    monitor = PcscMonitor(clock=lambda: AT)
    seen: list[ReaderEvent] = []
    with pytest.raises(ScriptDone):
        for event in monitor.events():
            seen.append(event)
    return seen, fake


def kinds(events: list[ReaderEvent]) -> list[tuple[EventKind, str | None]]:
    return [(e.kind, e.card.card_no if e.card else e.failure) for e in events]


def test_a_card_swapped_between_two_checks_is_removed_then_the_new_one_inserted(monkeypatch):
    events, fake = run([status(present(1), card(NATIONAL)),
                        status(present(3), card(RESIDENT))], monkeypatch)
    assert kinds(events) == [
        (EventKind.READER_ATTACHED, None),
        (EventKind.INSERTED, NATIONAL.card_no),
        (EventKind.REMOVED, None),
        (EventKind.INSERTED, RESIDENT.card_no),
    ]
    assert events[-1].card == RESIDENT and events[-1].reader == READER
    # The monitor hands pcscd back what it saw, counter included: that is what makes
    # pcscd wake it at all when a card is swapped while the monitor is not looking.
    assert fake.queries[1][0] == (READER, present(1))


def test_the_counter_moving_by_one_while_present_is_a_swap_too(monkeypatch):
    """The rule is "the count changed", not "it changed by two": any change is a new card."""
    events, _ = run([status(present(1), card(NATIONAL)),
                     status(present(2), card(RESIDENT))], monkeypatch)
    assert kinds(events)[1:] == [(EventKind.INSERTED, NATIONAL.card_no),
                                 (EventKind.REMOVED, None),
                                 (EventKind.INSERTED, RESIDENT.card_no)]


def test_the_same_count_with_other_flags_is_the_same_card(monkeypatch):
    """Connecting to read the card toggles INUSE and wakes the monitor: that is no swap."""
    events, fake = run([status(present(5), card(NATIONAL)),
                        status(present(5, FakeScard.SCARD_STATE_INUSE), card(NATIONAL)),
                        status(present(5), card(NATIONAL))], monkeypatch)
    assert kinds(events) == [(EventKind.READER_ATTACHED, None),
                             (EventKind.INSERTED, NATIONAL.card_no)]
    assert sum(apdu[:2] == b"\x00\xca" for apdu in fake.apdus) == 1   # read once


def test_a_swap_to_a_mute_card_still_ends_the_first(monkeypatch):
    events, _ = run([status(present(1), card(NATIONAL)),
                     status(present(3, FakeScard.SCARD_STATE_MUTE), None)], monkeypatch)
    assert kinds(events)[1:] == [(EventKind.INSERTED, NATIONAL.card_no),
                                 (EventKind.REMOVED, None),
                                 (EventKind.INSERTED, ReadFailure.FAILED)]


def test_removal_and_insertion_seen_apart_are_reported_once_each(monkeypatch):
    events, _ = run([status(present(1), card(NATIONAL)), status(empty(2)),
                     status(present(3), card(RESIDENT))], monkeypatch)
    assert kinds(events)[1:] == [(EventKind.INSERTED, NATIONAL.card_no),
                                 (EventKind.REMOVED, None),
                                 (EventKind.INSERTED, RESIDENT.card_no)]


def test_a_bad_read_profile_status_word_is_a_read_failure_not_a_crash(monkeypatch):
    applet = card(NATIONAL)
    applet.respond = lambda apdu: (b"\x90\x00" if apdu[1] == 0xA4 else b"\x6a\x82")
    events, _ = run([status(present(1), applet)], monkeypatch)
    inserted = events[-1]
    assert (inserted.kind, inserted.card, inserted.failure) == (
        EventKind.INSERTED, None, ReadFailure.FAILED)
    assert "6A82" in inserted.detail


def test_a_card_answering_only_the_8_byte_read_is_read(monkeypatch):
    applet = card(NATIONAL)
    answer = applet.respond
    applet.respond = lambda apdu: (b"\x67\x00" if apdu[1] == 0xCA and len(apdu) == 7
                                   else answer(apdu))   # wrong length: Le is missing
    events, fake = run([status(present(1), applet)], monkeypatch)
    assert events[-1].failure is None, events[-1].detail
    assert events[-1].card == NATIONAL
    assert fake.apdus[-1] == bytes.fromhex("00CA11000200" "00" "00")
