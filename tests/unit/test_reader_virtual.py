"""The vpcd virtual card (reader/virtual.py) against a stand-in vpcd: a local TCP listener
speaking vpcd's framing (2-byte big-endian length, then the message).

What pcscd would notice: the ATR it asks for, the R-APDU to each C-APDU, no answer to the
power messages, and the connection gone when the card is removed or pulled mid-read.
"""

from __future__ import annotations

import socket
import struct
from types import SimpleNamespace

import pytest

from reader import virtual
from reader.applet import CardBehaviour, NhiApplet, PullOn
from reader.card import encode_profile
from reader.demo import ATR_PVJCOP4, ATR_SLJ52G, DEMO_BY_KEY
from reader.virtual import VirtualCard, VirtualCardError

NATIONAL = DEMO_BY_KEY["national"].card
SELECT = bytes.fromhex("00A4040010" "D1580000010000000000000000001100")
READ_7 = bytes.fromhex("00CA1100020000")
TIMEOUT = 10.0


class Vpcd:
    """vpcd's side of one card slot."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.conn: socket.socket | None = None

    def accept(self) -> None:
        self.server.settimeout(TIMEOUT)
        self.conn, _ = self.server.accept()
        self.conn.settimeout(TIMEOUT)

    def send(self, message: bytes) -> None:
        assert self.conn is not None
        self.conn.sendall(struct.pack(">H", len(message)) + message)

    def reply(self) -> bytes | None:
        """The card's next message, or None when it closed the connection."""
        head = self._exact(2)
        if head is None:
            return None
        body = self._exact(struct.unpack(">H", head)[0])
        return body

    def ask(self, message: bytes) -> bytes | None:
        self.send(message)
        return self.reply()

    def _exact(self, size: int) -> bytes | None:
        assert self.conn is not None
        buf = b""
        while len(buf) < size:
            chunk = self.conn.recv(size - len(buf))
            if not chunk:
                return None
            buf += chunk
        return buf

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
        self.server.close()


@pytest.fixture
def vpcd():
    stand_in = Vpcd()
    yield stand_in
    stand_in.close()


def inserted(vpcd: Vpcd, applet: NhiApplet | None = None, **kw) -> VirtualCard:
    card = VirtualCard(applet or NhiApplet(encode_profile(NATIONAL)), port=vpcd.port, **kw)
    card.insert()
    vpcd.accept()
    return card


def test_the_card_gives_its_atr_answers_apdus_and_is_silent_to_power_messages(vpcd):
    card = inserted(vpcd)
    try:
        for control in (b"\x01", b"\x02", b"\x00", b"\x03"):  # on, reset, off, unknown
            vpcd.send(control)
        assert vpcd.ask(b"\x04") == ATR_PVJCOP4        # the first answer is to "get ATR"
        assert vpcd.ask(SELECT) == b"\x90\x00"
        assert vpcd.ask(READ_7) == encode_profile(NATIONAL) + b"\x90\x00"
        assert card.commands == [SELECT, READ_7]
        assert not card.closed.is_set() and not card.pulled.is_set()
    finally:
        card.remove()
    assert card.closed.wait(TIMEOUT)
    assert vpcd.reply() is None                       # pcscd sees the card gone


def test_a_message_arriving_in_pieces_is_answered_whole(vpcd):
    card = inserted(vpcd)
    try:
        framed = struct.pack(">H", len(SELECT)) + SELECT
        for i in range(len(framed)):
            vpcd.conn.sendall(framed[i:i + 1])
        assert vpcd.reply() == b"\x90\x00"
        assert card.commands == [SELECT]
    finally:
        card.remove()


def test_an_empty_apdu_is_answered_wrong_length(vpcd):
    card = inserted(vpcd)
    try:
        assert vpcd.ask(b"") == b"\x67\x00"
    finally:
        card.remove()


def test_a_card_pulled_mid_read_closes_the_connection(vpcd):
    card = inserted(vpcd, NhiApplet(encode_profile(NATIONAL), CardBehaviour(pull_on=PullOn.READ)))
    try:
        assert vpcd.ask(SELECT) == b"\x90\x00"
        assert vpcd.ask(READ_7) is None
        assert card.pulled.wait(TIMEOUT) and card.closed.wait(TIMEOUT)
        assert card.commands == [SELECT, READ_7]
    finally:
        card.remove()


def ends_quietly_when_vpcd_hangs_up_after(vpcd: Vpcd, sent: bytes) -> None:
    """vpcd sends ``sent`` and closes its end: the card notices alone, having run nothing."""
    card = inserted(vpcd)
    vpcd.conn.sendall(sent)
    vpcd.conn.close()
    vpcd.conn = None
    assert card.closed.wait(TIMEOUT)
    card.remove()
    assert card.commands == []


def test_vpcd_going_away_mid_message_ends_the_card_quietly(vpcd):
    ends_quietly_when_vpcd_hangs_up_after(vpcd, b"\x00")        # half a length, then nothing


def test_vpcd_going_away_after_a_length_ends_the_card_quietly(vpcd):
    ends_quietly_when_vpcd_hangs_up_after(vpcd, b"\x00\x05\x00")  # 5 bytes promised, 1 sent


def test_an_idle_card_stays_in_the_reader(vpcd):
    """vpcd may leave a card alone for minutes: no read timeout may take it out."""
    card = inserted(vpcd)
    try:
        assert card._sock is not None and card._sock.gettimeout() is None
        assert card._thread is not None and card._thread.daemon
        assert card._thread.name == "vpcd-card"
    finally:
        card.remove()
    # removal is done when remove() returns: the card has stopped serving
    assert card.closed.is_set()
    assert card._thread is None and card._sock is None
    card.remove()                                     # removing twice is harmless


def test_a_card_used_as_a_context_is_in_inside_and_out_after(vpcd):
    with VirtualCard(NhiApplet(encode_profile(NATIONAL)), port=vpcd.port) as card:
        vpcd.accept()
        assert vpcd.ask(SELECT) == b"\x90\x00"
    assert card.closed.wait(TIMEOUT)
    assert vpcd.reply() is None


def test_a_card_can_be_inserted_again_after_removal(vpcd):
    card = inserted(vpcd)
    card.remove()
    assert card.closed.wait(TIMEOUT)
    card.insert()
    vpcd.accept()
    try:
        assert not card.closed.is_set()
        assert vpcd.ask(SELECT) == b"\x90\x00"
    finally:
        card.remove()


def test_each_slot_has_its_own_vpcd_port():
    applet = NhiApplet(None)
    assert VirtualCard(applet).address == ("127.0.0.1", 35963)
    assert VirtualCard(applet, slot=1).address == ("127.0.0.1", 35964)
    assert VirtualCard(applet, slot=1, port=4000, host="::1").address == ("::1", 4000)
    assert VirtualCard(applet).connect_timeout == 10.0


def test_a_demo_card_carries_its_profile_behaviour_and_atr():
    card = VirtualCard.from_demo("cp950_ext", slot=1)
    demo = DEMO_BY_KEY["cp950_ext"]
    assert card.atr == ATR_SLJ52G and card.address[1] == 35964
    assert card.applet.profile == encode_profile(demo.card)
    assert card.applet.behaviour == demo.behaviour
    by_object = VirtualCard.from_demo(DEMO_BY_KEY["national"])
    assert by_object.atr == ATR_PVJCOP4
    assert by_object.applet.profile == encode_profile(NATIONAL)


class Clock:
    """time.monotonic for virtual.py, moved on by the waits between tries."""

    def __init__(self) -> None:
        self.now = 0.0
        self.waited: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def Event(self):
        clock = self

        class Pause:
            def wait(self, timeout: float) -> bool:
                clock.waited.append(timeout)
                clock.now += timeout
                return False

        return Pause()


def refusing(calls: list[tuple], succeed_after: int | None = None):
    real = socket.create_connection

    def connect(address, timeout=None):
        calls.append((address, timeout))
        if succeed_after is None or len(calls) <= succeed_after:
            raise ConnectionRefusedError(111, "Connection refused")
        return real(address, timeout=timeout)

    return connect


def on_a_clock(monkeypatch, succeed_after: int | None = None) -> tuple[Clock, list[tuple]]:
    """virtual.py waiting on a Clock (no real time passes) for a vpcd that refuses to connect,
    or accepts after ``succeed_after`` refusals: the clock, and the connect calls it makes.
    Patch after making the card, whose events must be real ones."""
    clock, calls = Clock(), []
    monkeypatch.setattr(virtual, "time", clock)
    monkeypatch.setattr(virtual, "threading", SimpleNamespace(Event=clock.Event,
                                                              Thread=virtual.threading.Thread))
    monkeypatch.setattr(virtual.socket, "create_connection", refusing(calls, succeed_after))
    return clock, calls


def test_vpcd_not_yet_listening_is_tried_again_with_growing_pauses(vpcd, monkeypatch):
    card = VirtualCard(NhiApplet(encode_profile(NATIONAL)), port=vpcd.port)
    clock, calls = on_a_clock(monkeypatch, succeed_after=6)
    card.insert()
    vpcd.accept()
    try:
        assert clock.waited == pytest.approx([0.05, 0.1, 0.2, 0.4, 0.5, 0.5])
        assert calls == [(("127.0.0.1", vpcd.port), 2.0)] * 7
        assert vpcd.ask(SELECT) == b"\x90\x00"
    finally:
        card.remove()


def test_vpcd_unreachable_within_the_timeout_is_a_virtual_card_error(monkeypatch):
    card = VirtualCard(NhiApplet(None), port=4321, connect_timeout=1.2)
    clock, calls = on_a_clock(monkeypatch)
    with pytest.raises(VirtualCardError, match=r"cannot reach vpcd at 127\.0\.0\.1:4321: "):
        card.insert()
    # tries at 0, 0.05, 0.15, 0.35 and 0.75 s; the next pause would end past 1.2 s
    assert len(calls) == 5
    assert clock.waited == pytest.approx([0.05, 0.1, 0.2, 0.4])
    assert card._thread is None


def test_vpcd_unreachable_is_tried_until_the_pause_would_pass_the_timeout(monkeypatch):
    card = VirtualCard(NhiApplet(None), port=4321, connect_timeout=1.3)
    _, calls = on_a_clock(monkeypatch)
    with pytest.raises(VirtualCardError):
        card.insert()
    assert len(calls) == 6


class Stream:
    """A socket stand-in for the card's side: vpcd's bytes handed out at most *chunk* at a
    time, whatever size is asked for, and what the card sends collected."""

    def __init__(self, data: bytes, chunk: int) -> None:
        self.data, self.chunk, self.sent = data, chunk, b""

    def recv(self, size: int) -> bytes:
        out, self.data = self.data[:min(size, self.chunk)], self.data[min(size, self.chunk):]
        return out

    def sendall(self, data: bytes) -> None:
        self.sent += data

    def close(self) -> None:
        pass


def framed(*messages: bytes) -> bytes:
    return b"".join(struct.pack(">H", len(m)) + m for m in messages)


def test_messages_split_anyhow_are_framed_one_by_one():
    card = VirtualCard(NhiApplet(encode_profile(NATIONAL)))
    card._sock = Stream(framed(SELECT, b"\x04", READ_7, SELECT), chunk=4)  # type: ignore[assignment]
    card._serve()
    assert card.commands == [SELECT, READ_7, SELECT]
    assert card._sock.sent == framed(b"\x90\x00", ATR_PVJCOP4,  # type: ignore[union-attr]
                                     encode_profile(NATIONAL) + b"\x90\x00", b"\x90\x00")
    assert card.closed.is_set()


def test_a_reply_longer_than_32767_bytes_carries_its_unsigned_length():
    long_profile = bytes(40_000)
    card = VirtualCard(NhiApplet(long_profile))
    card._sock = Stream(framed(bytes.fromhex("00CA110002000000")), chunk=1024)  # type: ignore[assignment]
    card._serve()
    assert card._sock.sent == framed(long_profile + b"\x90\x00")  # type: ignore[union-attr]


def test_removing_a_card_never_inserted_is_harmless():
    card = VirtualCard(NhiApplet(None))
    card.remove()
    assert card.commands == [] and not card.closed.is_set()


def test_a_message_longer_than_32767_bytes_is_read_whole():
    card = VirtualCard(NhiApplet(encode_profile(NATIONAL)))
    huge = b"\x00\xb0\x00\x00" + bytes(39_996)
    card._sock = Stream(framed(huge, SELECT), chunk=4096)  # type: ignore[assignment]
    card._serve()
    assert card.commands == [huge, SELECT]
    assert card._sock.sent == framed(b"\x6d\x00", b"\x90\x00")  # type: ignore[union-attr]


def test_a_pause_ending_exactly_at_the_timeout_is_still_taken(monkeypatch):
    card = VirtualCard(NhiApplet(None), port=4321, connect_timeout=0.05)
    clock, calls = on_a_clock(monkeypatch)
    with pytest.raises(VirtualCardError):
        card.insert()
    assert len(calls) == 2 and clock.waited == [0.05]
