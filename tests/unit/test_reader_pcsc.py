"""Reading a card over PC/SC (reader/pcsc.py) against a fake of pyscard's ``scard`` layer.

The fake is a small world: readers, the card in each (a card applet, or none), whether
pcscd is up, and a script of what ``SCardGetStatusChange`` reports next. Every call is
logged, so a test can say what the kiosk asked of pcscd as well as what it got back.
Nothing sleeps: the waits pcsc.py would do (between sharing retries) are recorded instead.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pytest

from reader import pcsc
from reader.applet import CardPulled, NhiApplet, PullOn
from reader.card import CardFormatError, encode_profile
from reader.errors import (
    CardReadError,
    CardRemovedError,
    NoCardError,
    NoReaderError,
    NoServiceError,
    NotNhiCardError,
)
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

OTHER = "Fake Reader 01 00"


class Waits(threading.Event):
    """An Event whose wait returns at once and remembers how long it was asked to wait."""

    def __init__(self) -> None:
        super().__init__()
        self.waited: list[float | None] = []

    def wait(self, timeout: float | None = None) -> bool:
        self.waited.append(timeout)
        return self.is_set()


@dataclass
class FakeScard(PcscCodes):
    """pyscard's ``scard`` as pcsc.py and monitor.py use it, with pcsc-lite's constants."""

    script: list[Step] = field(default_factory=list)
    readers: list[str] = field(default_factory=lambda: [READER])
    cards: dict[str, NhiApplet | None] = field(default_factory=dict)
    down: int = 0                       # establishing a context fails this many times more
    connects: list[int] = field(default_factory=list)     # SCardConnect answers, then success
    begins: list[int] = field(default_factory=list)       # SCardBeginTransaction answers
    reconnects: list[int] = field(default_factory=list)   # SCardReconnect answers
    transmits: list[tuple[int, list[int]]] = field(default_factory=list)  # raw answers first
    probes: list[tuple[int, int | None]] = field(default_factory=list)  # (hr, state) answers
    list_errors: list[int] = field(default_factory=list)  # SCardListReaders errors first
    calls: list[tuple[Any, ...]] = field(default_factory=list)
    queries: list[tuple[int, list[tuple[str, int]]]] = field(default_factory=list)
    apdus: list[bytes] = field(default_factory=list)
    contexts: int = 0
    released: list[int] = field(default_factory=list)
    proto: int = 2
    connected: bool = False
    live: set[int] = field(default_factory=lambda: {1})   # contexts pcscd would accept
    holder: str = ""


    def SCardEstablishContext(self, scope: int) -> tuple[int, int]:
        self.calls.append(("establish", scope))
        if self.down:
            self.down -= 1
            return self.SCARD_E_NO_SERVICE, 0
        self.contexts += 1
        self.live.add(100 + self.contexts)
        return self.SCARD_S_SUCCESS, 100 + self.contexts

    def SCardReleaseContext(self, ctx: int) -> int:
        self.calls.append(("release", ctx))
        self.released.append(ctx)
        self.live.discard(ctx)
        return self.SCARD_S_SUCCESS

    def SCardCancel(self, ctx: int) -> int:
        self.calls.append(("cancel", ctx))
        return self.SCARD_S_SUCCESS

    def SCardGetErrorMessage(self, hr: int) -> str:
        return f"error {hr & 0xFFFFFFFF:#x}"

    def SCardListReaders(self, ctx: int, groups: list[str]) -> tuple[int, list[str]]:
        self.calls.append(("list", ctx))
        if not isinstance(groups, list):
            raise TypeError("reader groups must be a list")   # as pyscard's binding does
        if ctx not in self.live:
            return self.SCARD_E_INVALID_HANDLE, []
        if self.list_errors:
            return self.list_errors.pop(0), []
        if not self.readers:
            return self.SCARD_E_NO_READERS_AVAILABLE, []
        return self.SCARD_S_SUCCESS, list(self.readers)

    def SCardGetStatusChange(
        self, ctx: int, timeout: int, query: list[tuple[str, int]]
    ) -> tuple[int, list[tuple[str, int, list[int]]]]:
        self.queries.append((timeout, list(query)))
        if ctx not in self.live:
            return self.SCARD_E_INVALID_HANDLE, []
        if self.connected:                  # pcsc.py asking whether the card is still there
            return self._probe(timeout, query)
        if not self.script:
            raise ScriptDone
        step = self.script.pop(0)
        self.cards.update(step.cards)
        if step.readers is not None:
            self.readers = step.readers
        if step.down is not None:
            self.down = step.down
        if step.also is not None:
            step.also(self)
        if step.hr:
            return step.hr, []
        out = []
        for name, current in query:
            if name == pcsc.PNP_READER and step.pnp is not None:
                out.append((name, step.pnp | self.SCARD_STATE_CHANGED, []))
            elif name in step.states:
                out.append((name, step.states[name] | self.SCARD_STATE_CHANGED, [0x3B]))
            else:
                out.append((name, current, []))
        return self.SCARD_S_SUCCESS, out

    def _probe(self, timeout: int, query: list[tuple[str, int]]):
        [(name, _)] = query
        if self.probes:
            hr, state = self.probes.pop(0)
            return hr, ([(name, state, [])] if state is not None else [])
        there = self.cards.get(name) is not None
        if timeout == 0:
            state = self.SCARD_STATE_PRESENT if there else self.SCARD_STATE_EMPTY
            return self.SCARD_S_SUCCESS, [(name, state, [])]
        if there:
            return self.SCARD_E_TIMEOUT, []
        return self.SCARD_S_SUCCESS, [(name, self.SCARD_STATE_EMPTY | 2, [])]

    def SCardConnect(self, ctx: int, reader: str, share: int, protocols: int
                     ) -> tuple[int, int, int]:
        self.calls.append(("connect", reader, share, protocols))
        if ctx not in self.live:
            return self.SCARD_E_INVALID_HANDLE, 0, 0
        if self.connects:
            hr = self.connects.pop(0)
            if hr:
                return hr, 0, 0
        if self.cards.get(reader) is None:
            return self.SCARD_E_NO_SMARTCARD, 0, 0
        self.connected, self.proto, self.holder = True, self.SCARD_PROTOCOL_T1, reader
        return self.SCARD_S_SUCCESS, 7, self.proto

    def SCardReconnect(self, hcard: int, share: int, protocols: int, init: int
                       ) -> tuple[int, int]:
        self.calls.append(("reconnect", hcard, share, protocols, init))
        if self.reconnects:
            return self.reconnects.pop(0), 0
        self.proto = self.SCARD_PROTOCOL_T0      # the card came back speaking T=0
        return self.SCARD_S_SUCCESS, self.proto

    def SCardBeginTransaction(self, hcard: int) -> int:
        self.calls.append(("begin", hcard))
        if hcard != 7:
            return self.SCARD_E_INVALID_HANDLE
        return self.begins.pop(0) if self.begins else self.SCARD_S_SUCCESS

    def SCardEndTransaction(self, hcard: int, disposition: int) -> int:
        self.calls.append(("end", hcard, disposition))
        return self.SCARD_S_SUCCESS

    def SCardDisconnect(self, hcard: int, disposition: int) -> int:
        self.calls.append(("disconnect", hcard, disposition))
        self.connected = False
        return self.SCARD_S_SUCCESS

    def SCardTransmit(self, hcard: int, proto: int, apdu: list[int]) -> tuple[int, list[int]]:
        self.calls.append(("transmit", hcard, proto))
        self.apdus.append(bytes(apdu))
        if self.transmits:
            return self.transmits.pop(0)
        if proto != self.proto:
            return self.SCARD_E_PROTO_MISMATCH, []
        applet = self.cards.get(self.holder)
        if applet is None:
            return self.SCARD_W_REMOVED_CARD, []
        try:
            return self.SCARD_S_SUCCESS, list(applet.respond(bytes(apdu)))
        except CardPulled:                  # vpcd's answer for a card gone mid-command
            self.cards[self.holder] = None
            return self.SCARD_S_SUCCESS, []

    def names(self) -> list[str]:
        return [c[0] for c in self.calls]


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeScard:
    sc = FakeScard()
    monkeypatch.setattr(pcsc, "scard", lambda: sc)
    return sc


@pytest.fixture
def pauses(monkeypatch: pytest.MonkeyPatch) -> list[Waits]:
    """The waits pcsc.py makes between retries, recorded instead of slept."""
    made: list[Waits] = []

    def event() -> Waits:
        made.append(Waits())
        return made[-1]

    monkeypatch.setattr(pcsc, "threading", SimpleNamespace(Event=event))
    return made


def waited(pauses: list[Waits]) -> list[float | None]:
    return [t for w in pauses for t in w.waited]


# --- the service -------------------------------------------------------------------------

def test_pcsc_is_offered_when_pcscd_gives_a_context_and_that_context_is_given_back(fake):
    assert pcsc.pcsc_available() is True
    assert fake.calls == [("establish", fake.SCARD_SCOPE_USER), ("release", 101)]


def test_pcsc_is_not_offered_while_pcscd_refuses_a_context(fake):
    fake.down = 1
    assert pcsc.pcsc_available() is False
    assert fake.released == []


def test_pcsc_is_not_offered_without_pyscard(monkeypatch):
    def missing():
        raise NoServiceError("pyscard is not installed")

    monkeypatch.setattr(pcsc, "scard", missing)
    assert pcsc.pcsc_available() is False


@pytest.mark.parametrize("hr", [FakeScard.SCARD_E_NO_SERVICE, FakeScard.SCARD_E_SERVICE_STOPPED,
                                FakeScard.SCARD_E_INVALID_HANDLE])
def test_pcscd_gone_is_told_by_three_answers(fake, hr):
    assert pcsc.service_lost(hr) is True


@pytest.mark.parametrize("hr", [FakeScard.SCARD_S_SUCCESS, FakeScard.SCARD_E_TIMEOUT,
                                FakeScard.SCARD_E_CANCELLED, FakeScard.SCARD_W_REMOVED_CARD,
                                FakeScard.SCARD_E_NO_READERS_AVAILABLE])
def test_other_answers_do_not_mean_pcscd_is_gone(fake, hr):
    assert pcsc.service_lost(hr) is False


def test_an_answer_is_described_by_its_message_and_its_32_bit_code(fake):
    assert pcsc.describe(0x8010001D) == "error 0x8010001d (0x8010001D)"
    # pyscard on Windows hands codes back as negative ints: the same code is shown
    assert pcsc.describe(0x8010001D - 2**32) == "error 0x8010001d (0x8010001D)"
    assert pcsc.describe(0x13) == "error 0x13 (0x00000013)"


def test_the_event_counter_is_the_upper_16_bits_of_the_state():
    assert pcsc.event_counter(0x0003_0022) == 3
    assert pcsc.event_counter(0xFFFF_0020) == 0xFFFF
    assert pcsc.event_counter(0x1_0000_0020) == 0          # only 16 bits: it wraps
    assert pcsc.event_counter(0x0000_FFFF) == 0


def test_a_context_comes_from_pcscd_in_the_users_scope(fake):
    assert pcsc.establish() == 101
    assert fake.calls == [("establish", fake.SCARD_SCOPE_USER)]


def test_no_context_is_no_service_naming_pcscds_answer(fake):
    fake.down = 1
    with pytest.raises(NoServiceError, match=r"\(0x8010001D\)"):
        pcsc.establish()


def test_readers_are_listed_and_none_attached_is_an_empty_list(fake):
    fake.readers = [READER, OTHER]
    assert pcsc.list_readers(1) == [READER, OTHER]
    fake.readers = []
    assert pcsc.list_readers(1) == []


def test_a_failed_reader_listing_is_no_service(fake):
    fake.list_errors = [fake.SCARD_E_SERVICE_STOPPED]
    with pytest.raises(NoServiceError, match="0x8010001E"):
        pcsc.list_readers(1)


# --- reading a card ----------------------------------------------------------------------

def test_a_card_is_read_in_a_shared_transaction_and_left_powered(fake, pauses):
    fake.cards = {READER: card(NATIONAL)}
    assert pcsc.read_card(1, READER) == NATIONAL
    sc = fake
    assert fake.calls[0] == ("connect", READER, sc.SCARD_SHARE_SHARED,
                             sc.SCARD_PROTOCOL_T0 | sc.SCARD_PROTOCOL_T1)
    assert fake.names() == ["connect", "begin", "transmit", "transmit", "end", "disconnect"]
    assert fake.calls[-2:] == [("end", 7, sc.SCARD_LEAVE_CARD),
                               ("disconnect", 7, sc.SCARD_LEAVE_CARD)]
    assert all(c[1:] == (7, sc.SCARD_PROTOCOL_T1) for c in fake.calls if c[0] == "transmit")
    assert waited(pauses) == []


def test_a_card_held_exclusively_by_another_program_is_waited_for(fake, pauses):
    fake.cards = {READER: card(NATIONAL)}
    fake.connects = [fake.SCARD_E_SHARING_VIOLATION] * 4
    assert pcsc.read_card(1, READER) == NATIONAL
    assert waited(pauses) == pytest.approx([0.05, 0.10, 0.15, 0.20])


def test_a_card_held_through_five_tries_is_a_read_failure(fake, pauses):
    fake.cards = {READER: card(NATIONAL)}
    fake.connects = [fake.SCARD_E_SHARING_VIOLATION] * 5
    with pytest.raises(CardReadError, match=r"^the card is held by another program$") as info:
        pcsc.read_card(1, READER)
    assert type(info.value) is CardReadError
    assert fake.names() == ["connect"] * 5
    assert waited(pauses) == pytest.approx([0.05, 0.10, 0.15, 0.20, 0.25])


@pytest.mark.parametrize("hr", [FakeScard.SCARD_E_NO_SMARTCARD, FakeScard.SCARD_W_REMOVED_CARD])
def test_a_card_gone_before_connecting_is_a_card_removed(fake, pauses, hr):
    fake.cards = {READER: card(NATIONAL)}
    fake.connects = [hr]
    with pytest.raises(CardRemovedError, match=f"{hr:08X}"):
        pcsc.read_card(1, READER)
    assert waited(pauses) == []


def test_pcscd_gone_while_connecting_is_no_service(fake, pauses):
    fake.cards = {READER: card(NATIONAL)}
    fake.connects = [fake.SCARD_E_NO_SERVICE]
    with pytest.raises(NoServiceError, match="8010001D"):
        pcsc.read_card(1, READER)


def test_another_connect_failure_is_a_read_failure_naming_it(fake, pauses):
    fake.cards = {READER: card(NATIONAL)}
    fake.connects = [fake.SCARD_W_UNRESPONSIVE_CARD]
    with pytest.raises(CardReadError, match="80100066") as info:
        pcsc.read_card(1, READER)
    assert type(info.value) is CardReadError
    assert fake.names() == ["connect"]
    assert waited(pauses) == []


def test_a_card_reset_by_another_program_is_reconnected_and_read(fake, pauses):
    fake.cards = {READER: card(NATIONAL)}
    fake.begins = [fake.SCARD_W_RESET_CARD]
    assert pcsc.read_card(1, READER) == NATIONAL
    sc = fake
    assert fake.names()[:4] == ["connect", "begin", "reconnect", "begin"]
    assert fake.calls[2] == ("reconnect", 7, sc.SCARD_SHARE_SHARED,
                             sc.SCARD_PROTOCOL_T0 | sc.SCARD_PROTOCOL_T1, sc.SCARD_LEAVE_CARD)
    # after the reconnect the card speaks the protocol the reconnect gave
    assert {c[2] for c in fake.calls if c[0] == "transmit"} == {sc.SCARD_PROTOCOL_T0}
    assert fake.names()[-2:] == ["end", "disconnect"]


def test_a_transaction_refused_while_the_card_stays_is_a_read_failure(fake, pauses):
    fake.cards = {READER: card(NATIONAL)}
    fake.begins = [fake.SCARD_W_UNRESPONSIVE_CARD]
    with pytest.raises(CardReadError, match="80100066") as info:
        pcsc.read_card(1, READER)
    assert type(info.value) is CardReadError
    # no transaction was begun, so none is ended; the card is let go all the same
    assert "end" not in fake.names() and fake.names()[-1] == "disconnect"
    assert "transmit" not in fake.names()


@pytest.mark.parametrize("hr", [FakeScard.SCARD_W_REMOVED_CARD, FakeScard.SCARD_E_NO_SMARTCARD])
def test_a_transaction_refused_because_the_card_left_is_a_card_removed(fake, pauses, hr):
    fake.cards = {READER: card(NATIONAL)}
    fake.begins = [hr]
    with pytest.raises(CardRemovedError, match=f"^error {hr:#x} \\(0x{hr:08X}\\)$"):
        pcsc.read_card(1, READER)
    assert fake.queries == []                  # no need to ask whether it is still there


def test_a_card_pulled_mid_read_is_reported_as_removed(fake, pauses):
    fake.cards = {READER: card(NATIONAL, pull_on=PullOn.READ)}
    with pytest.raises(CardRemovedError):
        pcsc.read_card(1, READER)
    # pcsc.py looked at once (asking as if it knew nothing) and saw the reader empty
    assert fake.queries == [(0, [(READER, fake.SCARD_STATE_UNAWARE)])]
    assert fake.names()[-2:] == ["end", "disconnect"]


def test_a_failed_exchange_with_the_card_still_there_is_a_read_failure(fake, pauses):
    fake.cards = {READER: card(NATIONAL)}
    fake.transmits = [(fake.SCARD_F_COMM_ERROR, [])]
    with pytest.raises(CardReadError, match="80100013") as info:
        pcsc.read_card(1, READER)
    assert type(info.value) is CardReadError


def test_an_empty_answer_with_the_card_still_there_is_a_communication_failure(fake, pauses):
    fake.cards = {READER: card(NATIONAL)}
    fake.transmits = [(fake.SCARD_S_SUCCESS, [0x90])]        # one byte: not even a status
    with pytest.raises(CardReadError, match="80100013") as info:
        pcsc.read_card(1, READER)
    assert type(info.value) is CardReadError


def test_a_two_byte_answer_is_a_status_word_without_data(fake, pauses):
    fake.cards = {READER: card(NATIONAL)}
    profile = list(encode_profile(NATIONAL))
    fake.transmits = [(0, [0x90, 0x00]), (0, [*profile, 0x90, 0x00])]
    assert pcsc.read_card(1, READER) == NATIONAL


@pytest.mark.parametrize(("probes", "removed"), [
    ([(FakeScard.SCARD_E_NO_SERVICE, None)], True),                    # cannot even look
    ([(0, FakeScard.SCARD_STATE_EMPTY)], True),                        # gone at once
    ([(0, FakeScard.SCARD_STATE_PRESENT), (0, FakeScard.SCARD_STATE_EMPTY | 2)], True),
    ([(0, FakeScard.SCARD_STATE_PRESENT), (0, FakeScard.SCARD_STATE_PRESENT | 2)], False),
    ([(0, FakeScard.SCARD_STATE_PRESENT), (FakeScard.SCARD_E_TIMEOUT, None)], False),
    ([(0, FakeScard.SCARD_STATE_PRESENT), (FakeScard.SCARD_E_NO_SERVICE, None)], True),
], ids=["no-answer", "empty", "left-in-grace", "changed-but-there", "stayed", "lost-in-grace"])
def test_after_a_failed_exchange_the_card_counts_as_removed_only_when_gone(
        fake, pauses, probes, removed):
    fake.cards = {READER: card(NATIONAL)}
    fake.transmits = [(fake.SCARD_F_COMM_ERROR, [])]
    fake.probes = list(probes)
    with pytest.raises(CardReadError) as info:
        pcsc.read_card(1, READER)
    assert isinstance(info.value, CardRemovedError) is removed
    assert fake.probes == []                   # every answer scripted was asked for
    if len(probes) == 2:
        assert fake.queries[1] == (1500, [(READER, probes[0][1])])


def test_a_bank_card_over_pcsc_is_not_an_nhi_card(fake, pauses):
    fake.cards = {READER: NhiApplet(None)}
    with pytest.raises(NotNhiCardError):
        pcsc.read_card(1, READER)
    assert fake.names()[-2:] == ["end", "disconnect"]


def test_a_malformed_profile_over_pcsc_is_a_format_error(fake, pauses):
    fake.cards = {READER: NhiApplet(b"\xff" * 57)}
    with pytest.raises(CardFormatError):
        pcsc.read_card(1, READER)


# --- the diagnostics' first card ---------------------------------------------------------

def test_the_first_reader_holding_a_card_is_read_and_the_context_given_back(fake, pauses):
    fake.readers = [READER, OTHER]
    fake.cards = {OTHER: card(RESIDENT)}
    fake.script = [Step(states={READER: empty(0), OTHER: present(1)})]
    assert pcsc.read_first_card() == (OTHER, RESIDENT)
    assert fake.queries[0] == (0, [(READER, 0), (OTHER, 0)])
    assert fake.released == [101]


def test_a_mute_card_is_passed_over_for_the_next_reader(fake, pauses):
    fake.readers = [READER, OTHER]
    fake.cards = {READER: card(NATIONAL), OTHER: card(RESIDENT)}
    fake.script = [Step(states={READER: present(1, fake.SCARD_STATE_MUTE),
                                OTHER: present(1)})]
    assert pcsc.read_first_card() == (OTHER, RESIDENT)


def test_no_card_in_any_reader_names_the_readers(fake, pauses):
    fake.readers = [READER, OTHER]
    fake.script = [Step(states={READER: empty(0), OTHER: present(1, fake.SCARD_STATE_MUTE)})]
    with pytest.raises(NoCardError) as info:
        pcsc.read_first_card()
    assert str(info.value) == f"no card in {READER}, {OTHER}"
    assert fake.released == [101]


def test_no_reader_attached_is_no_reader(fake, pauses):
    fake.readers = []
    with pytest.raises(NoReaderError, match=r"^no reader attached$"):
        pcsc.read_first_card()
    assert fake.released == [101]


def test_pcscd_failing_the_status_check_is_no_service(fake, pauses):
    fake.script = [Step(hr=fake.SCARD_E_SERVICE_STOPPED)]
    with pytest.raises(NoServiceError, match="8010001E"):
        pcsc.read_first_card()
    assert fake.released == [101]


def test_no_pcscd_is_no_service_and_nothing_to_give_back(fake, pauses):
    fake.down = 1
    with pytest.raises(NoServiceError):
        pcsc.read_first_card()
    assert fake.released == []


def test_a_card_reset_again_after_reconnecting_is_a_read_failure_not_read_unguarded(
        fake, pauses):
    """The profile is read inside a transaction only: a card reset once more after the
    reconnect (another program keeps resetting it) is a read failure, and no APDU is sent
    without the transaction that keeps other programs off the card."""
    fake.cards = {READER: card(NATIONAL)}
    fake.begins = [fake.SCARD_W_RESET_CARD, fake.SCARD_W_RESET_CARD]
    with pytest.raises(CardReadError, match="80100068") as info:
        pcsc.read_card(1, READER)
    assert type(info.value) is CardReadError
    assert fake.names() == ["connect", "begin", "reconnect", "begin", "disconnect"]


def test_a_reconnect_that_fails_is_reported_as_its_failure(fake, pauses):
    fake.cards = {READER: card(NATIONAL)}
    fake.begins = [fake.SCARD_W_RESET_CARD]
    fake.reconnects = [fake.SCARD_W_REMOVED_CARD]
    with pytest.raises(CardRemovedError, match="80100069"):
        pcsc.read_card(1, READER)
    assert "transmit" not in fake.names() and "end" not in fake.names()


def test_pyscard_installed_is_the_scard_layer_used():
    from smartcard import scard as module

    assert pcsc.scard() is module


def test_pyscard_missing_is_no_service_telling_how_to_install_it(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "smartcard", None)
    with pytest.raises(NoServiceError) as info:
        pcsc.scard()
    assert str(info.value) == "pyscard is not installed (pip install 'nhi-kiosk[pcsc]')"
    assert pcsc.pcsc_available() is False


def test_pcscd_saying_the_card_left_mid_exchange_is_believed_without_asking(fake, pauses):
    fake.cards = {READER: card(NATIONAL)}
    fake.transmits = [(fake.SCARD_W_REMOVED_CARD, [])]
    with pytest.raises(CardRemovedError, match="80100069"):
        pcsc.read_card(1, READER)
    assert fake.queries == []
