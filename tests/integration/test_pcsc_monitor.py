"""PcscMonitor against the real pcscd, with virtual cards in the vpcd readers.

Every test asserts what the kiosk (and so the citizen at the counter) would notice: which
reader, which card, or which failure.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from reader.applet import CardBehaviour, NhiApplet, PullOn
from reader.card import CardData, encode_profile
from reader.demo import DEMO_BY_KEY
from reader.events import EventKind, ReaderEvent, ReadFailure
from reader.virtual import VirtualCard
from tests.integration.helpers import (
    READER_0,
    READER_1,
    MonitorRun,
    Pcscd,
    wait_card_state,
)

pytestmark = pytest.mark.pcsc

NATIONAL = CardData("000011112222", "王大明", "A123456789", date(1980, 5, 12), "M",
                    date(2015, 3, 2))


def _inserted(reader: str) -> Callable[[ReaderEvent], bool]:
    return lambda e: e.kind is EventKind.INSERTED and e.reader == reader


def _removed(reader: str) -> Callable[[ReaderEvent], bool]:
    return lambda e: e.kind is EventKind.REMOVED and e.reader == reader


def test_insert_then_remove_reports_the_parsed_card(monitor: MonitorRun) -> None:
    with VirtualCard.from_demo("national", slot=0):
        event = monitor.wait_for(_inserted(READER_0), what="inserted in slot 0")
        assert event.failure is None, event.detail
        assert event.card == NATIONAL
        assert event.card.name == "王大明"
        assert event.card.id_no == "A123456789"
        assert event.card.birth_date == date(1980, 5, 12)
        assert event.card.issue_date == date(2015, 3, 2)
        assert monitor.monitor.card_reader == READER_0
    removed = monitor.next()
    assert (removed.kind, removed.reader) == (EventKind.REMOVED, READER_0)


def test_two_cards_in_two_readers(monitor: MonitorRun) -> None:
    resident = DEMO_BY_KEY["resident_ui"].card
    with VirtualCard.from_demo("national", slot=0):
        second = VirtualCard.from_demo("resident_ui", slot=1).insert()
        try:
            cards = {}
            while len(cards) < 2:
                event = monitor.next()
                assert event.kind is EventKind.INSERTED, monitor.seen
                assert event.failure is None, event.detail
                cards[event.reader] = event.card
            assert cards == {READER_0: NATIONAL, READER_1: resident}
        finally:
            second.remove()
        # Removing the card in slot 1 reports that reader only: the very next event is
        # its removal, and the one after that only comes when slot 0 is emptied too.
        event = monitor.next()
        assert (event.kind, event.reader) == (EventKind.REMOVED, READER_1)
        assert monitor.monitor.readers == {READER_0: True, READER_1: False}
        assert monitor.monitor.card_reader == READER_0
    event = monitor.next()
    assert (event.kind, event.reader) == (EventKind.REMOVED, READER_0)


def test_bank_card_is_not_an_nhi_card(monitor: MonitorRun) -> None:
    with VirtualCard.from_demo("bank_card") as card:
        event = monitor.wait_for(_inserted(READER_0))
        assert event.failure is ReadFailure.NOT_NHI, event.detail
        assert event.card is None
        assert card.commands, "the monitor never talked to the card"
    monitor.wait_for(_removed(READER_0))


def test_a_card_whose_token_the_module_shows_in_its_reader_is_a_certificate_card(
        pcscd: Pcscd) -> None:
    """The module (a stand-in here: SoftHSM's slots name no PC/SC reader) shows a token in
    reader 0 only: the same kind of card is a 自然人憑證 there, and not an NHI card in 1."""
    from reader.monitor import PcscMonitor

    asked: list[str] = []

    def module_shows(reader: str) -> str | None:
        asked.append(reader)
        return "c3075127ca7d7b21" if reader == READER_0 else None

    run = MonitorRun(PcscMonitor(max_backoff_s=0.5, certificates=module_shows)).start()
    try:
        run.wait_readers()
        for slot, reader in ((0, READER_0), (1, READER_1)):
            with VirtualCard.from_demo("certificate_card", slot=slot):
                event = run.wait_for(_inserted(reader), what=f"inserted in slot {slot}")
            run.wait_for(_removed(reader))
            if reader == READER_0:
                assert (event.failure, event.token) == (ReadFailure.CERTIFICATE,
                                                        "c3075127ca7d7b21")
            else:
                assert (event.failure, event.token) == (ReadFailure.NOT_NHI, None)
        with VirtualCard.from_demo("national", slot=0):     # an NHI card: nothing asked
            assert run.wait_for(_inserted(READER_0)).card == NATIONAL
        assert asked == [READER_0, READER_1]
    finally:
        run.close()


def test_select_refused_with_6d00_still_reads_cp950_name(monitor: MonitorRun) -> None:
    with VirtualCard.from_demo("cp950_ext") as card:
        event = monitor.wait_for(_inserted(READER_0))
        assert event.failure is None, event.detail
        assert event.card.name == "陳碁峰"  # 碁 is a cp950 extension (F9D6), not Big5
        assert event.card.id_no == "E123456783"
        # the card really refused SELECT and was read anyway
        assert [c[:2] for c in card.commands] == [b"\x00\xa4", b"\x00\xca"]
    monitor.wait_for(_removed(READER_0))


def test_61xx_answer_is_followed_by_get_response(monitor: MonitorRun) -> None:
    applet = NhiApplet(encode_profile(NATIONAL), CardBehaviour(chain_response=True))
    with VirtualCard(applet) as card:
        event = monitor.wait_for(_inserted(READER_0))
        assert event.failure is None, event.detail
        assert event.card == NATIONAL
        get_responses = [c for c in card.commands if c[:2] == b"\x00\xc0"]
        assert get_responses, f"no GET RESPONSE reached the card: {card.commands}"
    monitor.wait_for(_removed(READER_0))


@pytest.mark.parametrize("pull_on", [PullOn.READ, PullOn.SELECT])
def test_card_pulled_mid_read(monitor: MonitorRun, pull_on: PullOn) -> None:
    applet = NhiApplet(encode_profile(NATIONAL), CardBehaviour(pull_on=pull_on))
    with VirtualCard(applet) as card:
        event = monitor.wait_for(_inserted(READER_0))
        assert card.pulled.is_set(), "the card was never pulled: the test proves nothing"
        assert event.failure is ReadFailure.REMOVED, (event.failure, event.detail)
        assert event.card is None
        event = monitor.next()
        assert (event.kind, event.reader) == (EventKind.REMOVED, READER_0)
    # the monitor is still working: the next card is read normally
    with VirtualCard.from_demo("national"):
        event = monitor.wait_for(_inserted(READER_0))
        assert event.failure is None, event.detail
        assert event.card == NATIONAL
    monitor.wait_for(_removed(READER_0))


def test_specimen_card_is_read_validity_is_not_the_readers_business(
    monitor: MonitorRun,
) -> None:
    with VirtualCard.from_demo("specimen"):
        event = monitor.wait_for(_inserted(READER_0))
        assert event.failure is None, event.detail
        assert event.card.id_no == "A223456789"  # fails the checksum, but it *is* read
        assert event.card.name == "甄健康"
    monitor.wait_for(_removed(READER_0))


def test_a_card_swapped_between_two_status_checks_is_removed_then_inserted(
    monitor: MonitorRun,
) -> None:
    """The holder's card goes and another comes while the monitor is not looking.

    vpcd cannot swap a card behind pcscd's back (pcscd sees the socket close, so the reader
    is empty for at least one of its polls), but the monitor can miss that: here it is held
    at its last ``yield`` while pcscd sees the removal and the new insertion. Its next check
    finds a card present, as before, with pcscd's event counter moved on.
    """
    resident = DEMO_BY_KEY["resident_ui"].card
    monitor.hold_after(_inserted(READER_0))
    first = VirtualCard.from_demo("national", slot=0).insert()
    second = VirtualCard.from_demo("resident_ui", slot=0)
    try:
        event = monitor.wait_for(_inserted(READER_0), what="the first card read")
        assert event.card == NATIONAL, event.detail
        monitor.wait_held()
        first.remove()
        wait_card_state(READER_0, present=False)      # pcscd saw it go; the monitor did not
        second.insert()
        wait_card_state(READER_0, present=True)
        assert monitor.events.empty(), "the monitor was not held: the test proves nothing"
        monitor.resume()
        event = monitor.next(what="the first card's removal")
        assert (event.kind, event.reader) == (EventKind.REMOVED, READER_0), monitor.seen
        event = monitor.next(what="the new card's insertion")
        assert (event.kind, event.reader) == (EventKind.INSERTED, READER_0), monitor.seen
        assert event.failure is None, event.detail
        assert event.card == resident
        assert monitor.monitor.card_reader == READER_0
    finally:
        first.remove()
        second.remove()
    monitor.wait_for(_removed(READER_0))


def test_user_defined_big5_character_reads_as_one_replacement_character(
    monitor: MonitorRun,
) -> None:
    """陳 + FA 40 (a user-defined character cp950 does not map) + 明, over pcscd: one U+FFFD
    for the pair and no stray '@'."""
    profile = bytearray(encode_profile(NATIONAL))
    profile[12:32] = ("陳".encode("cp950") + b"\xfa\x40" + "明".encode("cp950")).ljust(20, b"\0")
    with VirtualCard(NhiApplet(bytes(profile))):
        event = monitor.wait_for(_inserted(READER_0))
        assert event.failure is None, event.detail
        assert event.card.name == "陳\ufffd明"
        assert event.card.id_no == NATIONAL.id_no
    monitor.wait_for(_removed(READER_0))


def test_a_card_answering_only_the_8_byte_read_form_is_read(monitor: MonitorRun) -> None:
    applet = NhiApplet(encode_profile(NATIONAL), CardBehaviour(read_needs_le=True))
    with VirtualCard(applet) as card:
        event = monitor.wait_for(_inserted(READER_0))
        assert event.failure is None, event.detail
        assert event.card == NATIONAL
        reads = [c for c in card.commands if c[:2] == b"\x00\xca"]
        assert reads == [bytes.fromhex("00CA1100020000"), bytes.fromhex("00CA110002000000")]
    monitor.wait_for(_removed(READER_0))


def test_a_bad_read_profile_status_word_is_a_read_failure(monitor: MonitorRun) -> None:
    """The card selects, then answers READ with the profile but 6A 82: not a card record."""
    class FailingRead(NhiApplet):
        def respond(self, apdu: bytes) -> bytes:
            reply = super().respond(apdu)
            return reply[:-2] + b"\x6a\x82" if apdu[1] == 0xCA else reply

    with VirtualCard(FailingRead(encode_profile(NATIONAL))):
        event = monitor.wait_for(_inserted(READER_0))
        assert (event.failure, event.card) == (ReadFailure.FAILED, None), event.detail
        assert "6A82" in event.detail
    monitor.wait_for(_removed(READER_0))


def test_close_right_after_an_event_stops_the_monitor(pcscd: Pcscd) -> None:
    """The kiosk closes the monitor on exit; its worker thread must end at once.

    A consumer that reacts to an event by closing the monitor calls close() while the
    monitor thread is on its way back into SCardGetStatusChange (60 s wait). Several rounds,
    because the window is a race.
    """
    from reader.monitor import PcscMonitor

    for round_no in range(3):
        run = MonitorRun(PcscMonitor(max_backoff_s=0.5)).start()
        try:
            run.wait_readers()
            with VirtualCard.from_demo("national"):
                run.wait_for(_inserted(READER_0))
                run.monitor.close()
                run.thread.join(timeout=3)
                assert not run.thread.is_alive(), (
                    f"round {round_no}: the monitor thread still blocks 3 s after close()"
                )
        finally:
            run.close()
