"""The in-process card tray: the embedded default when PC/SC is not usable.

Inserting a demo card runs the same SELECT/READ code path as a real reader, against the
card applet, so the simulated kiosk behaves like the real one.
"""

from __future__ import annotations

import queue
from collections.abc import Iterator

from reader.apdu import read_profile
from reader.applet import CardPulled
from reader.card import CardFormatError
from reader.demo import DEMO_BY_KEY, DEMO_CARDS, DemoCard
from reader.errors import CardReadError, NotNhiCardError
from reader.events import (
    CertificateProbe,
    Clock,
    EventKind,
    ReaderEvent,
    ReadFailure,
    local_now,
)

READER_NAME = "Simulated NHI reader 00"


class SimulatedMonitor:
    """A one-slot reader whose card is inserted and removed by :meth:`insert`/:meth:`remove`."""

    name = "sim"
    bound: str | None = None   # the simulated reader is the only one: nothing to bind to

    def __init__(
        self,
        clock: Clock = local_now,
        cards: tuple[DemoCard, ...] = DEMO_CARDS,
        certificates: CertificateProbe | None = None,
    ) -> None:
        """``certificates``: the demo's certificate card (``DemoCard.certificate``) is in
        the tray only with it, as it is a token the PKCS#11 module must show."""
        self._clock = clock
        self._certificates = certificates
        self.cards = cards if certificates else tuple(c for c in cards if not c.certificate)
        # a certificate card is read by the consumer of events() (the monitor's thread):
        # asking the PKCS#11 module may wait while the module signs for another login
        self._queue: queue.SimpleQueue[DemoCard | ReaderEvent | None] = queue.SimpleQueue()
        self.present: DemoCard | None = None
        self.readers = {READER_NAME: False}

    @property
    def card_reader(self) -> str | None:
        return READER_NAME if self.present else None

    def insert(self, demo: DemoCard | str) -> None:
        card = DEMO_BY_KEY[demo] if isinstance(demo, str) else demo
        if self.present is not None:
            self.remove()
        self.present = card
        self.readers[READER_NAME] = True
        self._queue.put(card if getattr(card, "certificate", False) else self._read(card))

    def remove(self) -> None:
        if self.present is None:
            return
        self.present = None
        self.readers[READER_NAME] = False
        self._queue.put(ReaderEvent(EventKind.REMOVED, self._clock(), READER_NAME))

    def _read(self, demo: DemoCard) -> ReaderEvent:
        applet = demo.applet()

        def transmit(apdu: list[int]) -> tuple[list[int], int, int]:
            reply = applet.respond(bytes(apdu))
            return list(reply[:-2]), reply[-2], reply[-1]

        def event(**kw: object) -> ReaderEvent:
            return ReaderEvent(EventKind.INSERTED, self._clock(), READER_NAME, **kw)  # type: ignore[arg-type]

        try:
            return event(card=read_profile(transmit))
        except CardPulled:
            return event(failure=ReadFailure.REMOVED)
        except NotNhiCardError as exc:
            token = self._certificates(READER_NAME) if (
                demo.certificate and self._certificates) else None
            if token is not None:
                return event(failure=ReadFailure.CERTIFICATE, token=token)
            return event(failure=ReadFailure.NOT_NHI, detail=str(exc))
        except CardFormatError as exc:
            return event(failure=ReadFailure.MALFORMED, detail=str(exc))
        except CardReadError as exc:
            return event(failure=ReadFailure.FAILED, detail=str(exc))

    def events(self) -> Iterator[ReaderEvent]:
        yield ReaderEvent(EventKind.READER_ATTACHED, self._clock(), READER_NAME)
        while (item := self._queue.get()) is not None:
            yield self._read(item) if isinstance(item, DemoCard) else item

    def close(self) -> None:
        self._queue.put(None)
