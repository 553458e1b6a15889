"""The in-process card tray (reader/simulated.py): what the kiosk hears when a demo card goes
in or out, and the events' JSON shape (reader/events.py) every backend shares."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from reader.applet import CardBehaviour, NhiApplet, PullOn
from reader.card import encode_profile
from reader.demo import DEMO_BY_KEY, DEMO_CARDS, DemoCard
from reader.events import EventKind, ReaderEvent, ReadFailure
from reader.monitor import PcscMonitor
from reader.simulated import READER_NAME, SimulatedMonitor
from tests.unit.reader_fakes import Ticking

K = EventKind
NATIONAL = DEMO_BY_KEY["national"]
CHILD = DEMO_BY_KEY["child"]
START = datetime(2026, 11, 23, 9, 30, tzinfo=timezone(timedelta(hours=8)))


class OddCard:
    """A tray card with any applet, for answers no demo card gives."""

    def __init__(self, applet: NhiApplet) -> None:
        self._applet = applet

    def applet(self) -> NhiApplet:
        return self._applet


class ReadRefused(NhiApplet):
    def respond(self, apdu: bytes) -> bytes:
        return b"\x90\x00" if apdu[1] == 0xA4 else b"\x6a\x82"


def drained(tray: SimulatedMonitor) -> list[ReaderEvent]:
    tray.close()
    return list(tray.events())


def test_the_tray_is_one_reader_that_attaches_first_and_ends_when_closed():
    tray = SimulatedMonitor(clock=Ticking(START))
    events = drained(tray)
    assert [(e.kind, e.reader) for e in events] == [(K.READER_ATTACHED, READER_NAME)]
    assert READER_NAME == "Simulated NHI reader 00"
    assert tray.readers == {READER_NAME: False} and tray.card_reader is None
    assert (SimulatedMonitor.name, PcscMonitor.name) == ("sim", "pcsc")


def test_a_demo_card_inserted_is_read_and_reported_with_its_record():
    tray = SimulatedMonitor(clock=Ticking(START))
    tray.insert("national")
    assert tray.present is NATIONAL
    assert tray.readers == {READER_NAME: True} and tray.card_reader == READER_NAME
    tray.remove()
    assert tray.present is None and tray.card_reader is None
    assert tray.readers == {READER_NAME: False}
    events = drained(tray)
    assert [(e.kind, e.reader, e.card, e.failure) for e in events] == [
        (K.READER_ATTACHED, READER_NAME, None, None),
        (K.INSERTED, READER_NAME, NATIONAL.card, None),
        (K.REMOVED, READER_NAME, None, None)]
    # stamped as they happened: the insertion and removal before the tray was listened to
    assert [e.at for e in events] == [START + timedelta(seconds=n) for n in (3, 1, 2)]


def test_a_card_inserted_over_another_first_removes_it():
    tray = SimulatedMonitor(clock=Ticking(START))
    tray.insert(NATIONAL)
    tray.insert(CHILD)
    assert tray.present is CHILD
    assert [(e.kind, e.card) for e in drained(tray)][1:] == [
        (K.INSERTED, NATIONAL.card), (K.REMOVED, None), (K.INSERTED, CHILD.card)]


def test_removing_from_an_empty_tray_reports_nothing():
    tray = SimulatedMonitor(clock=Ticking(START))
    tray.remove()
    assert [e.kind for e in drained(tray)] == [K.READER_ATTACHED]
    assert tray.readers == {READER_NAME: False}


def test_the_tray_offers_the_demo_cards_and_local_aware_times():
    tray = SimulatedMonitor()
    assert tray.cards == DEMO_CARDS[:-1]      # the certificate card needs its token
    assert SimulatedMonitor(certificates=lambda reader: None).cards == DEMO_CARDS
    before = datetime.now().astimezone()
    tray.insert("cp950_ext")        # refuses SELECT with 6D 00, answers READ all the same
    _, inserted = drained(tray)
    assert inserted.card == DEMO_BY_KEY["cp950_ext"].card
    assert inserted.at.tzinfo is not None
    assert before <= inserted.at <= datetime.now().astimezone()


def test_a_bank_card_in_the_tray_is_not_an_nhi_card():
    tray = SimulatedMonitor(clock=Ticking(START))
    tray.insert("bank_card")
    inserted = drained(tray)[-1]
    assert (inserted.kind, inserted.card, inserted.failure) == (K.INSERTED, None,
                                                                ReadFailure.NOT_NHI)
    assert "SELECT 6A82" in inserted.detail
    assert tray.card_reader == READER_NAME       # a card is there, only not an NHI one


def test_a_card_pulled_mid_read_in_the_tray_is_reported_as_such():
    pulled = DemoCard("pulled", NATIONAL.card, behaviour=CardBehaviour(pull_on=PullOn.READ))
    tray = SimulatedMonitor(clock=Ticking(START))
    tray.insert(pulled)
    inserted = drained(tray)[-1]
    assert (inserted.kind, inserted.card, inserted.failure) == (K.INSERTED, None,
                                                                ReadFailure.REMOVED)


def test_a_garbled_profile_in_the_tray_is_malformed():
    tray = SimulatedMonitor(clock=Ticking(START))
    tray.insert(OddCard(NhiApplet(b"\xff" * 57)))  # type: ignore[arg-type]
    inserted = drained(tray)[-1]
    assert (inserted.card, inserted.failure) == (None, ReadFailure.MALFORMED)
    assert "card number is not ASCII" in inserted.detail


def test_a_read_refused_in_the_tray_is_a_failed_read_naming_the_status_word():
    tray = SimulatedMonitor(clock=Ticking(START))
    tray.insert(OddCard(ReadRefused(encode_profile(NATIONAL.card))))  # type: ignore[arg-type]
    inserted = drained(tray)[-1]
    assert (inserted.card, inserted.failure) == (None, ReadFailure.FAILED)
    assert inserted.detail == "READ PROFILE answered 6A82, with Le 6A82"


# --- the events' JSON ---------------------------------------------------------------------

def test_an_inserted_card_in_json_carries_the_card_and_a_millisecond_time():
    at = START + timedelta(microseconds=123_456)
    event = ReaderEvent(K.INSERTED, at, "R0", card=NATIONAL.card)
    assert event.to_json() == {
        "event": "inserted", "reader": "R0",
        "card": {"card_no": "000011112222", "name": "王大明", "id_no": "A123456789",
                 "birth_date": "1980-05-12", "sex": "M", "issue_date": "2015-03-02"},
        "at": "2026-11-23T09:30:00.123+08:00",
    }


def test_a_failed_insertion_in_json_has_no_card_and_names_the_error_and_detail():
    event = ReaderEvent(K.INSERTED, START, "R0", failure=ReadFailure.REMOVED, detail="gone")
    assert event.to_json() == {"event": "inserted", "reader": "R0", "card": None,
                               "error": "removed_during_read", "detail": "gone",
                               "at": "2026-11-23T09:30:00.000+08:00"}


def test_other_events_in_json_have_neither_card_nor_error():
    assert ReaderEvent(K.REMOVED, START, "R0").to_json() == {
        "event": "removed", "reader": "R0", "at": "2026-11-23T09:30:00.000+08:00"}
    assert ReaderEvent(K.SERVICE_LOST, START, detail="pcscd stopped").to_json() == {
        "event": "service_lost", "reader": None, "detail": "pcscd stopped",
        "at": "2026-11-23T09:30:00.000+08:00"}


def test_the_event_and_failure_names_are_the_ones_logs_and_the_kiosk_read():
    assert [k.value for k in EventKind] == ["reader_attached", "reader_detached", "inserted",
                                            "removed", "service_lost", "service_back"]
    assert [f.value for f in ReadFailure] == ["not_nhi", "certificate", "removed_during_read",
                                              "read_failed", "malformed"]


def test_two_events_differing_only_in_detail_are_the_same_event():
    assert ReaderEvent(K.SERVICE_LOST, START, detail="a") == ReaderEvent(K.SERVICE_LOST, START,
                                                                         detail="b")
    assert ReaderEvent(K.REMOVED, START, "R0") != ReaderEvent(K.REMOVED, START, "R1")


def test_the_certificate_card_is_one_when_its_token_is_shown():
    """The tray's 自然人憑證 reads as no NHI card; the probe (the PKCS#11 module) names its
    token, and without a token it is simply not an NHI card."""
    asked: list[str] = []

    def probe(reader: str) -> str | None:
        asked.append(reader)
        return "c3075127ca7d7b21" if len(asked) == 1 else None

    tray = SimulatedMonitor(certificates=probe)
    tray.insert("certificate_card")
    tray.insert("bank_card")            # not a certificate card: the module is not asked
    tray.insert("certificate_card")     # the module shows no token this time
    _, inserted, _, bank, _, without = drained(tray)
    assert (inserted.failure, inserted.token) == (ReadFailure.CERTIFICATE, "c3075127ca7d7b21")
    assert inserted.to_json()["error"] == "certificate" and "c3075" not in str(
        inserted.to_json())
    assert bank.failure is ReadFailure.NOT_NHI
    assert (without.failure, without.token) == (ReadFailure.NOT_NHI, None)
    assert asked == [READER_NAME, READER_NAME]
