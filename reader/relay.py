"""The counter PC's card on a server (``nhi-kiosk card-relay``): while a card is in the local
PC/SC reader, it is presented to a remote vsmartcard vpcd (the server's pcscd, usually
through an SSH tunnel), so the kiosk running on the server reads it as a card in its own
reader. Pulling the card here removes it there at once; a new card is a new insertion.

What crosses: vpcd sends power on, power off, reset, "ATR?" and APDUs; the relay answers
the ATR with the local card's own and passes each APDU to the local card, its answer back.
**The server decides what is sent to the card.** With ``only_nhi`` (the default) the relay
passes only what reading an NHI card takes: SELECT of the NHI applet, READ PROFILE and GET
RESPONSE; anything else (a VERIFY of a bank card's PIN, a SELECT of another applet) is
answered ``6A 81`` (function not supported) without reaching the card.

The relay survives the tunnel dropping (it connects again, backing off up to
MAX_BACKOFF_S, while the card stays) and the local reader going (the monitor reports it;
the card is withdrawn). It reports each change to ``report(key, **params)`` (catalog keys
``relay.*``), one status at a time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from reader import pcsc
from reader.apdu import NHI_AID
from reader.applet import CardPulled
from reader.errors import NoServiceError
from reader.events import EventKind
from reader.monitor import PcscMonitor
from reader.virtual import VirtualCard, VirtualCardError

REFUSED = bytes([0x6A, 0x81])
MAX_BACKOFF_S = 5.0
_SELECT_NHI = bytes([0x00, 0xA4, 0x04, 0x00, len(NHI_AID), *NHI_AID])

Report = Callable[..., None]


def nhi_only(apdu: bytes) -> bool:
    """An APDU that reading an NHI card takes: SELECT NHI (with or without Le), READ PROFILE
    (either form) or GET RESPONSE. Nothing else, whatever its class byte says."""
    if apdu in (_SELECT_NHI, _SELECT_NHI + b"\x00"):
        return True
    if len(apdu) < 4 or apdu[0] != 0x00:
        return False
    if apdu[1:4] == bytes([0xCA, 0x11, 0x00]):            # READ PROFILE
        return apdu[4:] in (b"\x02\x00\x00", b"\x02\x00\x00\x00")
    return apdu[1:4] == bytes([0xC0, 0x00, 0x00]) and len(apdu) == 5   # GET RESPONSE


class LocalCard:
    """The card in the local reader, connected shared; :meth:`respond` is what vpcd's
    APDUs get (VirtualCard's applet). A card gone is CardPulled: the remote card goes."""

    def __init__(self, reader: str, *, only_nhi: bool = True) -> None:
        self.reader = reader
        self.only_nhi = only_nhi
        sc = pcsc.scard()
        self._ctx = pcsc.establish()
        hr, self._card, self._proto = sc.SCardConnect(
            self._ctx, reader, sc.SCARD_SHARE_SHARED,
            sc.SCARD_PROTOCOL_T0 | sc.SCARD_PROTOCOL_T1)
        if hr != sc.SCARD_S_SUCCESS:
            sc.SCardReleaseContext(self._ctx)
            raise CardPulled(pcsc.describe(hr))
        hr, _reader, _state, _proto, atr = sc.SCardStatus(self._card)
        self.atr = bytes(atr) if hr == sc.SCARD_S_SUCCESS else b""

    def respond(self, apdu: bytes) -> bytes:
        if self.only_nhi and not nhi_only(apdu):
            return REFUSED
        sc = pcsc.scard()
        hr, response = sc.SCardTransmit(self._card, self._proto, list(apdu))
        if hr != sc.SCARD_S_SUCCESS or len(response) < 2:
            raise CardPulled(pcsc.describe(hr))
        return bytes(response)

    def close(self) -> None:
        sc = pcsc.scard()
        sc.SCardDisconnect(self._card, sc.SCARD_LEAVE_CARD)
        sc.SCardReleaseContext(self._ctx)


class Relay:
    """Watches ``reader`` and presents its card at ``host``:``port`` while it is there."""

    def __init__(self, reader: str, host: str, port: int, *, only_nhi: bool = True,
                 report: Report, monitor: PcscMonitor | None = None) -> None:
        self.reader, self.host, self.port, self.only_nhi = reader, host, port, only_nhi
        self.report = report
        self.monitor = monitor or PcscMonitor(only=reader)
        self._stop = threading.Event()
        self._present: threading.Event | None = None   # set while the card is in
        self._worker: threading.Thread | None = None

    def run(self) -> None:
        """Until :meth:`close`: every reader event acted on."""
        self.report("relay.waiting", reader=self.reader)
        try:
            for event in self.monitor.events():
                if event.kind is EventKind.INSERTED:
                    self._card_in()
                elif event.kind in (EventKind.REMOVED, EventKind.READER_DETACHED,
                                    EventKind.SERVICE_LOST):
                    self._card_out()
                    key = {EventKind.REMOVED: "relay.removed",
                           EventKind.READER_DETACHED: "relay.unplugged",
                           EventKind.SERVICE_LOST: "relay.no_service"}[event.kind]
                    self.report(key, reader=self.reader)
                elif event.kind is EventKind.READER_ATTACHED:
                    self.report("relay.waiting", reader=self.reader)
        finally:
            self._card_out()

    def close(self) -> None:
        self._stop.set()
        self.monitor.close()
        self._card_out()

    def _card_in(self) -> None:
        self._card_out()   # a swap: the old card's presentation ends first
        present = self._present = threading.Event()
        present.set()
        self._worker = threading.Thread(target=self._present_card, args=(present,),
                                        name="card-relay", daemon=True)
        self._worker.start()

    def _card_out(self) -> None:
        present, worker = self._present, self._worker
        self._present = self._worker = None
        if present is not None:
            present.clear()
        if worker is not None:
            worker.join(timeout=10)

    def _present_card(self, present: threading.Event) -> None:
        """While ``present``: the card shown at vpcd, shown again after the tunnel drops."""
        try:
            local = LocalCard(self.reader, only_nhi=self.only_nhi)
        except (CardPulled, NoServiceError) as exc:
            self.report("relay.read_failed", reader=self.reader, detail=str(exc))
            return
        backoff = 0.2
        try:
            while present.is_set() and not self._stop.is_set():
                card = VirtualCard(local, local.atr, host=self.host, port=self.port,
                                   connect_timeout=0.1)
                try:
                    card.insert()
                except VirtualCardError:
                    self._tunnel_down(present, backoff)
                    backoff = min(backoff * 2, MAX_BACKOFF_S)
                    continue
                backoff = 0.2
                self.report("relay.presented", reader=self.reader,
                            to=f"{self.host}:{self.port}")
                while present.is_set() and not card.closed.wait(0.2):
                    pass
                card.remove()
                if card.pulled.is_set():
                    return   # the card left mid-exchange: the monitor says so next
                if present.is_set():
                    self._tunnel_down(present, backoff)
        finally:
            local.close()

    def _tunnel_down(self, present: threading.Event, backoff: float) -> None:
        """Said, then the backoff before connecting again (cut short if the card goes)."""
        self.report("relay.tunnel_down", to=f"{self.host}:{self.port}", seconds=f"{backoff:g}")
        _wait_while(present, backoff)


def _wait_while(present: threading.Event, seconds: float) -> None:
    """The backoff before connecting again: ``seconds``, cut short once the card is gone
    (looked at every 0.1 s)."""
    pause, left = threading.Event(), seconds
    while left > 0 and present.is_set():
        pause.wait(min(0.1, left))
        left -= 0.1
