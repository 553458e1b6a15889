"""Watching PC/SC readers without polling.

Bound to one reader (``only``: ``--reader-name``), the monitor sees no other: another
reader and its cards are never reported, as if not attached (two SSH sessions on one
server each watch their own vpcd slot). The bound reader appearing later is reported as
attached then (PnP wakes the monitor).

The monitor blocks in ``SCardGetStatusChange`` on every reader plus the PnP pseudo-reader,
so it wakes only when a card or reader changes (or after a long bounded timeout). It runs
on a worker thread; :meth:`PcscMonitor.close` cancels the blocking call at once.

One card, one session: pcscd counts every insertion and removal per reader in the upper
16 bits of ``dwEventState``. The monitor hands each state back as it got it, counter
included, so pcscd wakes it when the count moves; and a count that moved while both checks
saw a card present means the card was swapped in between (while the monitor was reading or
reporting): that is reported as the old card removed, then the new card inserted and read,
never as nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

from reader import pcsc
from reader.card import CardFormatError
from reader.errors import CardReadError, CardRemovedError, NoServiceError, NotNhiCardError
from reader.events import (
    CertificateProbe,
    Clock,
    EventKind,
    ReaderEvent,
    ReadFailure,
    local_now,
)


class PcscMonitor:
    """Yields :class:`ReaderEvent` for every reader, card and service change."""

    name = "pcsc"

    def __init__(
        self,
        clock: Clock = local_now,
        *,
        wait_ms: int = 60_000,
        fallback_wait_ms: int = 1_000,
        max_backoff_s: float = 2.0,
        only: str | None = None,
        certificates: CertificateProbe | None = None,
    ) -> None:
        self._clock = clock
        self.bound = only   # the one reader watched (None: every reader)
        self._certificates = certificates
        self._wait_ms = wait_ms
        self._fallback_wait_ms = fallback_wait_ms
        self._max_backoff = max_backoff_s
        self._closed = threading.Event()
        self._stopped = threading.Event()
        self._ctx: int | None = None
        self._lock = threading.Lock()
        self._use_pnp = True
        self.readers: dict[str, bool] = {}  # name -> card present
        self._counters: dict[str, int] = {}  # name -> pcscd's insert/remove count, last seen

    def close(self) -> None:
        self._closed.set()
        # SCardCancel only cancels a call in progress: one landing between the loop's check
        # and the next SCardGetStatusChange is lost, so repeat it until events() has ended.
        for _ in range(100):
            with self._lock:
                if self._ctx is None:
                    return
                pcsc.scard().SCardCancel(self._ctx)
            if self._stopped.wait(0.02):
                return

    @property
    def card_reader(self) -> str | None:
        """The first reader holding a card: the one the kiosk uses."""
        return next((name for name, present in self.readers.items() if present), None)

    def _event(self, kind: EventKind, reader: str | None = None, **kw: object) -> ReaderEvent:
        return ReaderEvent(kind, self._clock(), reader, **kw)  # type: ignore[arg-type]

    def _drop_context(self) -> None:
        with self._lock:
            if self._ctx is not None:
                pcsc.scard().SCardReleaseContext(self._ctx)
                self._ctx = None

    def _forget_readers(self) -> Iterator[ReaderEvent]:
        for name, present in list(self.readers.items()):
            if present:
                yield self._event(EventKind.REMOVED, name)
            yield self._event(EventKind.READER_DETACHED, name)
        self.readers.clear()
        self._counters.clear()

    def events(self) -> Iterator[ReaderEvent]:
        self._stopped.clear()
        try:
            yield from self._events()
        finally:
            self._drop_context()
            self._stopped.set()

    def _events(self) -> Iterator[ReaderEvent]:
        sc = pcsc.scard()
        # A run starts from nothing: after a failed run the kiosk has forgotten the readers
        # (it showed "service down") and restarts events(), which reports them afresh.
        self.readers.clear()
        self._counters.clear()
        service_up: bool | None = None
        backoff = 0.1
        states: dict[str, int] = {}
        pnp_state = sc.SCARD_STATE_UNAWARE
        while not self._closed.is_set():
            if self._ctx is None:
                try:
                    ctx = pcsc.establish()
                except NoServiceError as exc:
                    if service_up is not False:
                        service_up = False
                        yield self._event(EventKind.SERVICE_LOST, detail=str(exc))
                    self._closed.wait(backoff)  # pcscd offers nothing to block on
                    backoff = min(backoff * 2, self._max_backoff)
                    continue
                with self._lock:
                    self._ctx = ctx
                if service_up is False:
                    yield self._event(EventKind.SERVICE_BACK)
                service_up, backoff = True, 0.1
                states, pnp_state = {}, sc.SCARD_STATE_UNAWARE
            ctx = self._ctx
            try:
                names = pcsc.bound_readers(pcsc.list_readers(ctx), self.bound)
            except NoServiceError as exc:
                yield from self._lose_service(str(exc))
                service_up = False
                continue
            for name in names:
                if name not in self.readers:
                    self.readers[name] = False
                    states[name] = sc.SCARD_STATE_UNAWARE
                    yield self._event(EventKind.READER_ATTACHED, name)
            for name in [n for n in self.readers if n not in names]:
                if self.readers.pop(name):
                    yield self._event(EventKind.REMOVED, name)
                states.pop(name, None)
                self._counters.pop(name, None)
                yield self._event(EventKind.READER_DETACHED, name)

            query = [(name, states[name]) for name in names]
            if self._use_pnp:
                query.append((pcsc.PNP_READER, pnp_state))
            wait = self._wait_ms if self._use_pnp else self._fallback_wait_ms
            hr, changed = sc.SCardGetStatusChange(ctx, wait, query)
            if hr in (sc.SCARD_E_TIMEOUT, sc.SCARD_E_CANCELLED):
                continue
            if pcsc.service_lost(hr):
                yield from self._lose_service(pcsc.describe(hr))
                service_up = False
                continue
            if hr == sc.SCARD_E_UNKNOWN_READER:
                if self._use_pnp and not names:
                    self._use_pnp = False  # no PnP support here: re-list on a timeout instead
                continue
            if hr == sc.SCARD_E_READER_UNAVAILABLE:
                continue
            if hr != sc.SCARD_S_SUCCESS:
                self._closed.wait(backoff)
                backoff = min(backoff * 2, self._max_backoff)
                continue
            for name, state, _atr in changed:
                if name == pcsc.PNP_READER:
                    pnp_state = state & ~sc.SCARD_STATE_CHANGED
                    continue
                states[name] = state & ~sc.SCARD_STATE_CHANGED
                yield from self._card_change(ctx, name, state)

    def _lose_service(self, detail: str) -> Iterator[ReaderEvent]:
        self._drop_context()
        yield from self._forget_readers()
        yield self._event(EventKind.SERVICE_LOST, detail=detail)

    def _card_change(self, ctx: int, name: str, state: int) -> Iterator[ReaderEvent]:
        """Report what changed in *name*: a removal, an insertion, or a swap (both).

        The rule: present → present with a different event counter is a new card, whatever
        else the state says; the same counter is the same card (connecting to read it
        toggles INUSE, which wakes the monitor too).
        """
        sc = pcsc.scard()
        was = self.readers.get(name, False)
        now = bool(state & sc.SCARD_STATE_PRESENT)
        counter = pcsc.event_counter(state)
        seen = self._counters.get(name)
        self._counters[name] = counter
        swapped = was and now and seen is not None and counter != seen
        if now == was and not swapped:
            return
        if swapped:
            self.readers[name] = False
            yield self._event(EventKind.REMOVED, name)
        self.readers[name] = now
        if not now:
            yield self._event(EventKind.REMOVED, name)
            return
        if state & sc.SCARD_STATE_MUTE:
            yield self._event(EventKind.INSERTED, name, failure=ReadFailure.FAILED,
                              detail="the card does not answer")
            return
        yield self.read(ctx, name)

    def read(self, ctx: int, name: str) -> ReaderEvent:
        try:
            card = pcsc.read_card(ctx, name)
        except CardRemovedError as exc:
            return self._event(EventKind.INSERTED, name, failure=ReadFailure.REMOVED,
                               detail=str(exc))
        except NotNhiCardError as exc:
            token = self._certificates(name) if self._certificates else None
            if token is not None:
                return self._event(EventKind.INSERTED, name,
                                   failure=ReadFailure.CERTIFICATE, token=token)
            return self._event(EventKind.INSERTED, name, failure=ReadFailure.NOT_NHI,
                               detail=str(exc))
        except CardFormatError as exc:
            return self._event(EventKind.INSERTED, name, failure=ReadFailure.MALFORMED,
                               detail=str(exc))
        except (CardReadError, NoServiceError) as exc:
            return self._event(EventKind.INSERTED, name, failure=ReadFailure.FAILED,
                               detail=str(exc))
        return self._event(EventKind.INSERTED, name, card=card)
