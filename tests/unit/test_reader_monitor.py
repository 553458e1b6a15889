"""What the kiosk hears from the PC/SC card monitor (reader/monitor.py), and in what order.

pyscard's ``scard`` layer is the fake of tests/unit/test_reader_pcsc.py: readers, cards,
pcscd up or down, and a script of what each SCardGetStatusChange reports. The monitor's
own pauses (backing off while pcscd is away) are recorded instead of slept.
"""

from __future__ import annotations

import queue
import threading
from datetime import datetime, timedelta

import pytest

from reader import pcsc
from reader.applet import NhiApplet, PullOn
from reader.events import EventKind, ReaderEvent, ReadFailure
from reader.monitor import PcscMonitor
from tests.unit.reader_fakes import (
    NATIONAL,
    READER,
    RESIDENT,
    ScriptDone,
    Step,
    Ticking,
    card,
    empty,
    present,
)
from tests.unit.test_reader_pcsc import OTHER, FakeScard, Waits

K = EventKind
PNP = pcsc.PNP_READER
START = datetime(2026, 11, 23, 9, 30).astimezone()


class Run:
    """The monitor over a fake pcscd, run until the fake's script is used up."""

    def __init__(self, fake: FakeScard, monkeypatch: pytest.MonkeyPatch, **kw: object) -> None:
        monkeypatch.setattr(pcsc, "scard", lambda: fake)
        self.fake = fake
        self.monitor = PcscMonitor(clock=Ticking(START), **kw)  # type: ignore[arg-type]
        self.monitor._closed = Waits()
        self.events: list[ReaderEvent] = []
        self.readers_seen: list[tuple[dict[str, bool], str | None]] = []
        with pytest.raises(ScriptDone):
            for event in self.monitor.events():
                self.events.append(event)
                self.readers_seen.append((dict(self.monitor.readers),
                                          self.monitor.card_reader))

    @property
    def waited(self) -> list[float | None]:
        return self.monitor._closed.waited  # type: ignore[attr-defined]

    def told(self) -> list[tuple[EventKind, str | None, object]]:
        return [(e.kind, e.reader, e.card.card_no if e.card else e.failure)
                for e in self.events]


def world(*script: Step, **kw: object) -> FakeScard:
    fake = FakeScard(script=list(script))
    for key, value in kw.items():
        setattr(fake, key, value)
    return fake


# --- cards ---------------------------------------------------------------------------------

def test_a_card_inserted_then_pulled_out_is_read_once_then_reported_gone(monkeypatch):
    run = Run(world(Step(states={READER: present(1)}, cards={READER: card(NATIONAL)}),
                    Step(states={READER: empty(2)}, cards={READER: None})), monkeypatch)
    assert run.told() == [(K.READER_ATTACHED, READER, None),
                          (K.INSERTED, READER, NATIONAL.card_no),
                          (K.REMOVED, READER, None)]
    assert run.events[1].card == NATIONAL and run.events[1].failure is None
    assert run.readers_seen == [({READER: False}, None), ({READER: True}, READER),
                                ({READER: False}, None)]
    assert run.fake.released == [101]        # the monitor gives its context back at the end


def test_every_event_is_stamped_when_it_is_reported(monkeypatch):
    run = Run(world(Step(states={READER: present(1)}, cards={READER: card(NATIONAL)}),
                    Step(states={READER: empty(2)})), monkeypatch)
    assert [e.at for e in run.events] == [START + timedelta(seconds=n) for n in (1, 2, 3)]


def test_a_monitor_without_a_clock_stamps_local_aware_times(monkeypatch):
    fake = world()
    monkeypatch.setattr(pcsc, "scard", lambda: fake)
    monitor = PcscMonitor()
    before = datetime.now().astimezone()
    with pytest.raises(ScriptDone):
        events = monitor.events()
        attached = next(events)
        next(events)
    assert attached.at.tzinfo is not None
    assert before <= attached.at <= datetime.now().astimezone()


def test_the_same_card_reinserted_is_read_again(monkeypatch):
    run = Run(world(Step(states={READER: present(1)}, cards={READER: card(NATIONAL)}),
                    Step(states={READER: empty(2)}, cards={READER: None}),
                    Step(states={READER: present(3)}, cards={READER: card(NATIONAL)})),
              monkeypatch)
    assert run.told()[1:] == [(K.INSERTED, READER, NATIONAL.card_no),
                              (K.REMOVED, READER, None),
                              (K.INSERTED, READER, NATIONAL.card_no)]


def test_a_reader_reported_again_empty_is_not_a_removal(monkeypatch):
    run = Run(world(Step(states={READER: empty(0)}),
                    Step(states={READER: empty(0) | FakeScard.SCARD_STATE_INUSE})), monkeypatch)
    assert run.told() == [(K.READER_ATTACHED, READER, None)]


def test_a_mute_card_is_a_failed_read_without_talking_to_it(monkeypatch):
    run = Run(world(Step(states={READER: present(1, FakeScard.SCARD_STATE_MUTE)},
                         cards={READER: card(NATIONAL)})), monkeypatch)
    inserted = run.events[-1]
    assert (inserted.kind, inserted.reader, inserted.card, inserted.failure) == (
        K.INSERTED, READER, None, ReadFailure.FAILED)
    assert inserted.detail == "the card does not answer"
    assert "connect" not in run.fake.names()
    assert run.monitor.readers == {READER: True}


@pytest.mark.parametrize(("applet", "failure", "detail"), [
    (NhiApplet(None), ReadFailure.NOT_NHI, "SELECT 6A82, READ 6D00, with Le 6D00"),
    (NhiApplet(b"\xff" * 57), ReadFailure.MALFORMED, "card number is not ASCII"),
    (card(NATIONAL, pull_on=PullOn.READ), ReadFailure.REMOVED, "error 0x80100013 (0x80100013)"),
    (card(NATIONAL, pull_on=PullOn.SELECT), ReadFailure.REMOVED,
     "error 0x80100013 (0x80100013)"),
], ids=["bank-card", "garbage-profile", "pulled-at-read", "pulled-at-select"])
def test_a_card_that_gives_no_profile_is_reported_inserted_with_why(monkeypatch, applet, failure,
                                                                    detail):
    run = Run(world(Step(states={READER: present(1)}, cards={READER: applet})), monkeypatch)
    inserted = run.events[-1]
    assert (inserted.kind, inserted.reader, inserted.card, inserted.failure) == (
        K.INSERTED, READER, None, failure)
    assert inserted.detail == detail


@pytest.mark.parametrize(("hr", "failure"), [
    (FakeScard.SCARD_W_REMOVED_CARD, ReadFailure.REMOVED),
    (FakeScard.SCARD_W_UNRESPONSIVE_CARD, ReadFailure.FAILED),
    (FakeScard.SCARD_E_NO_SERVICE, ReadFailure.FAILED),
], ids=["removed", "unresponsive", "no-service"])
def test_a_card_that_cannot_be_connected_is_reported_with_why(monkeypatch, hr, failure):
    run = Run(world(Step(states={READER: present(1)}, cards={READER: card(NATIONAL)}),
                    connects=[hr]), monkeypatch)
    inserted = run.events[-1]
    assert (inserted.kind, inserted.reader, inserted.card, inserted.failure) == (
        K.INSERTED, READER, None, failure)
    assert inserted.detail == f"error {hr:#x} (0x{hr:08X})"


def test_a_card_pulled_mid_read_then_the_removal(monkeypatch):
    run = Run(world(Step(states={READER: present(1)},
                         cards={READER: card(NATIONAL, pull_on=PullOn.READ)}),
                    Step(states={READER: empty(2)})), monkeypatch)
    assert run.told()[1:] == [(K.INSERTED, READER, ReadFailure.REMOVED),
                              (K.REMOVED, READER, None)]


def test_two_readers_the_first_holding_a_card_is_the_kiosks(monkeypatch):
    run = Run(world(Step(states={OTHER: present(1)}, cards={OTHER: card(RESIDENT)}),
                    Step(states={READER: present(1)}, cards={READER: card(NATIONAL)}),
                    Step(states={OTHER: empty(2)}, cards={OTHER: None}),
                    readers=[READER, OTHER]), monkeypatch)
    assert run.told() == [(K.READER_ATTACHED, READER, None),
                          (K.READER_ATTACHED, OTHER, None),
                          (K.INSERTED, OTHER, RESIDENT.card_no),
                          (K.INSERTED, READER, NATIONAL.card_no),
                          (K.REMOVED, OTHER, None)]
    assert [seen[1] for seen in run.readers_seen] == [None, None, OTHER, READER, READER]


# --- what the monitor asks pcscd ---------------------------------------------------------

def test_the_monitor_blocks_on_every_reader_and_the_pnp_reader(monkeypatch):
    run = Run(world(Step(states={READER: present(4)}, cards={READER: card(NATIONAL)},
                         pnp=0x0001_0000),
                    Step()), monkeypatch)
    first, second, _ = run.fake.queries
    assert first == (60_000, [(READER, FakeScard.SCARD_STATE_UNAWARE),
                              (PNP, FakeScard.SCARD_STATE_UNAWARE)])
    # what pcscd said comes back as the monitor's known state, without the CHANGED flag
    assert second == (60_000, [(READER, present(4)), (PNP, 0x0001_0000)])


def test_the_monitor_waits_as_long_as_it_is_told(monkeypatch):
    run = Run(world(Step()), monkeypatch, wait_ms=5_000)
    assert [q[0] for q in run.fake.queries] == [5_000, 5_000]


def test_a_reader_plugged_in_later_is_attached_and_watched(monkeypatch):
    run = Run(world(Step(states={READER: present(1)}, cards={READER: card(NATIONAL)}),
                    Step(pnp=0x0001_0000, readers=[READER, OTHER]),
                    Step(states={OTHER: present(1)}, cards={OTHER: card(RESIDENT)})),
              monkeypatch)
    assert run.told()[2:] == [(K.READER_ATTACHED, OTHER, None),
                              (K.INSERTED, OTHER, RESIDENT.card_no)]
    assert run.fake.queries[2][1] == [(READER, present(1)), (OTHER, 0), (PNP, 0x0001_0000)]


def test_a_reader_unplugged_with_its_card_reports_the_card_gone_then_the_reader(monkeypatch):
    run = Run(world(Step(states={READER: present(1)}, cards={READER: card(NATIONAL)}),
                    Step(pnp=0x0001_0000, readers=[])), monkeypatch)
    assert run.told()[1:] == [(K.INSERTED, READER, NATIONAL.card_no),
                              (K.REMOVED, READER, None),
                              (K.READER_DETACHED, READER, None)]
    assert run.monitor.readers == {} and run.monitor.card_reader is None
    assert run.fake.queries[-1] == (60_000, [(PNP, 0x0001_0000)])


def test_an_empty_reader_unplugged_is_only_detached(monkeypatch):
    run = Run(world(Step(pnp=0x0001_0000, readers=[])), monkeypatch)
    assert run.told() == [(K.READER_ATTACHED, READER, None),
                          (K.READER_DETACHED, READER, None)]


def test_a_reader_gone_while_blocking_is_detached_and_pnp_still_used(monkeypatch):
    run = Run(world(Step(states={READER: present(1)}, cards={READER: card(NATIONAL)}),
                    Step(hr=FakeScard.SCARD_E_UNKNOWN_READER, readers=[]),
                    Step(pnp=0x0001_0000, readers=[OTHER])), monkeypatch)
    assert run.told()[2:] == [(K.REMOVED, READER, None), (K.READER_DETACHED, READER, None),
                              (K.READER_ATTACHED, OTHER, None)]
    assert run.fake.queries[2] == (60_000, [(PNP, 0)])
    assert run.waited == []


def test_a_reader_replugged_is_a_new_reader_and_its_card_is_read(monkeypatch):
    run = Run(world(Step(states={READER: present(1)}, cards={READER: card(NATIONAL)}),
                    Step(pnp=0x0001_0000, readers=[]),
                    Step(pnp=0x0002_0000, readers=[READER]),
                    Step(states={READER: present(1)})), monkeypatch)
    assert run.told()[3:] == [(K.READER_DETACHED, READER, None),
                              (K.READER_ATTACHED, READER, None),
                              (K.INSERTED, READER, NATIONAL.card_no)]
    assert run.fake.queries[3][1][0] == (READER, FakeScard.SCARD_STATE_UNAWARE)


def test_without_pnp_support_the_monitor_relists_readers_every_second(monkeypatch):
    run = Run(world(Step(hr=FakeScard.SCARD_E_UNKNOWN_READER),
                    Step(hr=FakeScard.SCARD_E_TIMEOUT, readers=[READER]),
                    Step(states={READER: present(1)}, cards={READER: card(NATIONAL)}),
                    readers=[]), monkeypatch)
    assert run.fake.queries[0] == (60_000, [(PNP, 0)])
    assert run.fake.queries[1] == (1_000, [])
    assert run.fake.queries[2] == (1_000, [(READER, 0)])
    assert run.told() == [(K.READER_ATTACHED, READER, None),
                          (K.INSERTED, READER, NATIONAL.card_no)]
    assert run.waited == []


def test_the_fallback_relisting_period_is_the_one_given(monkeypatch):
    run = Run(world(Step(hr=FakeScard.SCARD_E_UNKNOWN_READER), Step(), readers=[]),
              monkeypatch, fallback_wait_ms=250)
    assert [q[0] for q in run.fake.queries] == [60_000, 250, 250]


@pytest.mark.parametrize("hr", [FakeScard.SCARD_E_TIMEOUT, FakeScard.SCARD_E_CANCELLED,
                                FakeScard.SCARD_E_READER_UNAVAILABLE])
def test_a_quiet_wake_up_asks_again_at_once_and_reports_nothing(monkeypatch, hr):
    run = Run(world(Step(hr=hr), Step(hr=hr)), monkeypatch)
    assert run.told() == [(K.READER_ATTACHED, READER, None)]
    assert run.waited == []
    assert len(run.fake.queries) == 3 and run.fake.contexts == 1


def test_an_unexpected_answer_backs_off_doubling_up_to_the_limit(monkeypatch):
    odd = FakeScard.SCARD_F_COMM_ERROR
    run = Run(world(*[Step(hr=odd)] * 4, Step(states={READER: present(1)},
                                               cards={READER: card(NATIONAL)})),
              monkeypatch, max_backoff_s=0.5)
    assert run.waited == pytest.approx([0.1, 0.2, 0.4, 0.5])
    assert run.told() == [(K.READER_ATTACHED, READER, None),
                          (K.INSERTED, READER, NATIONAL.card_no)]
    assert run.fake.contexts == 1


# --- pcscd stopped and back ---------------------------------------------------------------

@pytest.mark.parametrize("hr", [FakeScard.SCARD_E_NO_SERVICE, FakeScard.SCARD_E_SERVICE_STOPPED,
                                FakeScard.SCARD_E_INVALID_HANDLE])
def test_pcscd_stopped_and_back_ends_the_card_and_reader_then_finds_them_again(monkeypatch, hr):
    run = Run(world(Step(states={READER: present(1)}, cards={READER: card(NATIONAL)}),
                    Step(hr=hr, down=2),
                    Step(states={READER: present(1)})), monkeypatch)
    assert run.told() == [(K.READER_ATTACHED, READER, None),
                          (K.INSERTED, READER, NATIONAL.card_no),
                          (K.REMOVED, READER, None),
                          (K.READER_DETACHED, READER, None),
                          (K.SERVICE_LOST, None, None),
                          (K.SERVICE_BACK, None, None),
                          (K.READER_ATTACHED, READER, None),
                          (K.INSERTED, READER, NATIONAL.card_no)]
    assert run.events[4].detail == f"error {hr:#x} (0x{hr:08X})"
    assert run.readers_seen[4] == ({}, None)
    # the dead context is given back once; the new one is used from then on
    assert run.fake.released == [101, 102]
    after = run.fake.calls[run.fake.calls.index(("release", 101)):]
    assert {c for c in after if c[0] == "list"} == {("list", 102)}
    # reconnecting: one lost report however long pcscd is away, pauses doubling
    assert run.waited == pytest.approx([0.1, 0.2])
    assert run.fake.queries[2][1] == [(READER, 0), (PNP, 0)]


def test_pcscd_failing_the_reader_listing_is_pcscd_lost(monkeypatch):
    def fail_next_listing(fake: FakeScard) -> None:
        fake.list_errors = [FakeScard.SCARD_E_NO_SERVICE]

    run = Run(world(Step(states={READER: present(1)}, cards={READER: card(NATIONAL)},
                         also=fail_next_listing),
                    Step(hr=FakeScard.SCARD_E_TIMEOUT)), monkeypatch)
    assert run.told()[2:] == [(K.REMOVED, READER, None), (K.READER_DETACHED, READER, None),
                              (K.SERVICE_LOST, None, None), (K.SERVICE_BACK, None, None),
                              (K.READER_ATTACHED, READER, None)]
    assert "8010001D" in run.events[4].detail
    assert run.fake.released[0] == 101
    assert run.waited == []


def test_pcscd_down_at_start_is_reported_once_then_back(monkeypatch):
    run = Run(world(Step(), down=7), monkeypatch, max_backoff_s=2.0)
    assert run.told() == [(K.SERVICE_LOST, None, None), (K.SERVICE_BACK, None, None),
                          (K.READER_ATTACHED, READER, None)]
    assert run.events[0].detail == "error 0x8010001d (0x8010001D)"
    assert run.waited == pytest.approx([0.1, 0.2, 0.4, 0.8, 1.6, 2.0, 2.0])


def test_the_pause_starts_short_again_after_pcscd_came_back(monkeypatch):
    run = Run(world(Step(hr=FakeScard.SCARD_E_NO_SERVICE, down=2), Step(), down=3),
              monkeypatch)
    assert run.waited == pytest.approx([0.1, 0.2, 0.4, 0.1, 0.2])
    assert [e.kind for e in run.events] == [
        K.SERVICE_LOST, K.SERVICE_BACK, K.READER_ATTACHED, K.READER_DETACHED,
        K.SERVICE_LOST, K.SERVICE_BACK, K.READER_ATTACHED]


def test_the_default_pause_limit_is_two_seconds(monkeypatch):
    run = Run(world(Step(), down=6), monkeypatch)
    assert run.waited[-2:] == pytest.approx([1.6, 2.0])


# --- closing ------------------------------------------------------------------------------

class BlockingScard(FakeScard):
    """SCardGetStatusChange blocks until SCardCancel; the first *lost* cancels miss it."""

    def __init__(self, lost: int = 0) -> None:
        super().__init__()
        self.inside = threading.Event()
        self.cancelled = threading.Event()
        self.lost = lost

    def SCardGetStatusChange(self, ctx, timeout, query):
        self.queries.append((timeout, list(query)))
        self.inside.set()
        if not self.cancelled.wait(10):
            raise AssertionError("the blocking call was never cancelled")
        return self.SCARD_E_CANCELLED, []

    def SCardCancel(self, ctx):
        self.calls.append(("cancel", ctx))
        if self.lost:
            self.lost -= 1
        else:
            self.cancelled.set()
        return self.SCARD_S_SUCCESS


def _run_in_thread(monitor: PcscMonitor) -> tuple[threading.Thread, queue.Queue]:
    out: queue.Queue = queue.Queue()

    def work() -> None:
        try:
            for event in monitor.events():
                out.put(event)
        except BaseException as exc:   # handed to the test
            out.put(exc)
        out.put(None)

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    return thread, out


class Pauses(threading.Event):
    """A real Event that remembers how long each wait was."""

    def __init__(self) -> None:
        super().__init__()
        self.waited: list[float | None] = []

    def wait(self, timeout: float | None = None) -> bool:
        self.waited.append(timeout)
        return super().wait(timeout)


@pytest.mark.parametrize("lost", [0, 2])
def test_close_ends_a_monitor_blocked_in_pcscd_at_once(monkeypatch, lost):
    fake = BlockingScard(lost=lost)
    monkeypatch.setattr(pcsc, "scard", lambda: fake)
    monitor = PcscMonitor()
    monitor._stopped = Pauses()
    thread, out = _run_in_thread(monitor)
    assert out.get(timeout=10).kind is K.READER_ATTACHED
    assert fake.inside.wait(10)
    monitor.close()
    # close returns only once the monitor has let go of pcscd
    assert fake.released == [101]
    assert out.get(timeout=10) is None
    thread.join(10)
    assert not thread.is_alive()
    cancels = [c for c in fake.calls if c[0] == "cancel"]
    assert len(cancels) >= lost + 1 and set(cancels) == {("cancel", 101)}
    assert len(fake.queries) == 1
    # between two cancels close waits a moment for the monitor to end, never longer
    assert monitor._stopped.waited[:lost] == [0.02] * lost


def test_a_monitor_run_again_after_it_ended_is_closed_as_surely(monkeypatch):
    first = FakeScard()
    monkeypatch.setattr(pcsc, "scard", lambda: first)
    monitor = PcscMonitor()
    with pytest.raises(ScriptDone):
        list(monitor.events())
    fake = BlockingScard(lost=2)
    monkeypatch.setattr(pcsc, "scard", lambda: fake)
    thread, out = _run_in_thread(monitor)
    assert out.get(timeout=10).kind is K.READER_ATTACHED
    assert fake.inside.wait(10)
    monitor.close()
    assert fake.released == [101]              # this run's context, given back before close ends
    assert out.get(timeout=10) is None
    thread.join(10)


def test_a_monitor_restarted_after_a_fault_reports_its_readers_and_cards_afresh(monkeypatch):
    """The kiosk restarts a monitor whose loop failed (it has shown "service down" and
    forgotten every reader meanwhile): the restarted monitor must report the readers and
    the card in them again, not carry on from what the failed run knew, or crash on it."""
    fake = world(Step(states={READER: present(1)}, cards={READER: card(NATIONAL)}))
    monkeypatch.setattr(pcsc, "scard", lambda: fake)
    monitor = PcscMonitor(clock=Ticking(START))
    with pytest.raises(ScriptDone):            # the fault: pyscard raised mid-loop
        list(monitor.events())
    fake.script = [Step(states={READER: present(1)})]
    again = []
    with pytest.raises(ScriptDone):
        for event in monitor.events():
            again.append((event.kind, event.reader, event.card))
    assert again == [(K.READER_ATTACHED, READER, None), (K.INSERTED, READER, NATIONAL)]
    assert fake.queries[-2][1] == [(READER, 0), (PNP, 0)]


def test_a_monitor_closed_before_it_starts_reports_nothing_and_never_asks_pcscd(monkeypatch):
    fake = FakeScard()
    monkeypatch.setattr(pcsc, "scard", lambda: fake)
    monitor = PcscMonitor()
    monitor.close()
    assert list(monitor.events()) == []
    assert fake.calls == []


def test_close_gives_up_after_100_cancels_so_the_kiosk_can_always_quit(monkeypatch):
    """A pcscd that never lets the blocking call go must not hang the kiosk's exit: close
    cancels 100 times, waiting 20 ms after each for the monitor to end, then returns."""
    fake = BlockingScard(lost=10**9)
    monkeypatch.setattr(pcsc, "scard", lambda: fake)
    monitor = PcscMonitor()
    thread, out = _run_in_thread(monitor)
    assert out.get(timeout=10).kind is K.READER_ATTACHED
    assert fake.inside.wait(10)
    monitor._stopped = Waits()                 # the 20 ms are recorded, not slept
    monitor.close()
    assert [c[0] for c in fake.calls].count("cancel") == 100
    assert monitor._stopped.waited == [0.02] * 100
    fake.lost = 0
    fake.cancelled.set()                       # let the worker go
    assert out.get(timeout=10) is None
    thread.join(10)


def test_a_reader_gone_before_its_first_state_is_only_detached(monkeypatch):
    run = Run(world(Step(hr=FakeScard.SCARD_E_UNKNOWN_READER, readers=[]),
                    Step(pnp=0x0001_0000, readers=[READER]),
                    Step(states={READER: present(1)}, cards={READER: card(NATIONAL)})),
              monkeypatch)
    assert run.told() == [(K.READER_ATTACHED, READER, None), (K.READER_DETACHED, READER, None),
                          (K.READER_ATTACHED, READER, None),
                          (K.INSERTED, READER, NATIONAL.card_no)]


def test_a_card_swapped_unseen_is_gone_from_the_reader_when_its_removal_is_told(monkeypatch):
    run = Run(world(Step(states={READER: present(1)}, cards={READER: card(NATIONAL)}),
                    Step(states={READER: present(3)}, cards={READER: card(RESIDENT)})),
              monkeypatch)
    assert run.told()[1:] == [(K.INSERTED, READER, NATIONAL.card_no), (K.REMOVED, READER, None),
                              (K.INSERTED, READER, RESIDENT.card_no)]
    # while the kiosk handles the removal, the monitor shows no card in the reader
    assert run.readers_seen[2:] == [({READER: False}, None), ({READER: True}, READER)]


def test_a_swap_to_a_mute_card_names_the_reader_in_both_events(monkeypatch):
    run = Run(world(Step(states={READER: present(1)}, cards={READER: card(NATIONAL)}),
                    Step(states={READER: present(2, FakeScard.SCARD_STATE_MUTE)})), monkeypatch)
    assert run.told()[2:] == [(K.REMOVED, READER, None), (K.INSERTED, READER, ReadFailure.FAILED)]
