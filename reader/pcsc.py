"""Reading an NHI card over PC/SC (pyscard's thin ``scard`` layer).

pyscard is optional (it builds from source on Linux), so it is imported lazily and
:func:`pcsc_available` tells the kiosk whether the ``pcsc`` backend can be offered.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, NoReturn

from reader.apdu import read_profile
from reader.card import CardData
from reader.errors import (
    CardReadError,
    CardRemovedError,
    NoCardError,
    NoReaderError,
    NoServiceError,
    UnknownReaderError,
)

PNP_READER = "\\\\?PnP?\\Notification"
_SHARING_RETRIES = 5
_REMOVAL_GRACE_MS = 1500


def scard() -> Any:
    """The pyscard ``scard`` module, or :class:`NoServiceError` when pyscard is missing."""
    try:
        from smartcard import scard as module
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise NoServiceError("pyscard is not installed (pip install 'nhi-kiosk[pcsc]')") from exc
    return module


def pcsc_available() -> bool:
    try:
        sc = scard()
    except NoServiceError:
        return False
    hr, ctx = sc.SCardEstablishContext(sc.SCARD_SCOPE_USER)
    if hr != sc.SCARD_S_SUCCESS:
        return False
    sc.SCardReleaseContext(ctx)
    return True


def service_lost(hresult: int) -> bool:
    sc = scard()
    return hresult in (sc.SCARD_E_NO_SERVICE, sc.SCARD_E_SERVICE_STOPPED, sc.SCARD_E_INVALID_HANDLE)


def describe(hresult: int) -> str:
    sc = scard()
    return f"{sc.SCardGetErrorMessage(hresult)} (0x{hresult & 0xFFFFFFFF:08X})"


def event_counter(state: int) -> int:
    """pcscd's count of insertions and removals in a reader: the upper 16 bits of a
    ``dwEventState``. It changes on every insertion and removal, so a different count
    with a card present both times means another card (it wraps at 16 bits: compare for
    equality only)."""
    return (state >> 16) & 0xFFFF


def establish() -> int:
    sc = scard()
    hr, ctx = sc.SCardEstablishContext(sc.SCARD_SCOPE_USER)
    if hr != sc.SCARD_S_SUCCESS:
        raise NoServiceError(describe(hr))
    return ctx


def list_readers(ctx: int) -> list[str]:
    """Reader names; an empty list when none is attached."""
    sc = scard()
    hr, readers = sc.SCardListReaders(ctx, [])
    if hr == sc.SCARD_S_SUCCESS:
        return list(readers)
    if hr == sc.SCARD_E_NO_READERS_AVAILABLE:
        return []
    raise NoServiceError(describe(hr))


def bound_readers(names: list[str], only: str | None) -> list[str]:
    """The readers a process watches: all of them, or only the one it is bound to (by its
    whole name, as PC/SC gives it: two sessions' readers differ only in a digit)."""
    return names if only is None else [name for name in names if name == only]


def _still_present(ctx: int, reader: str) -> bool:
    """After a failed exchange: did the card leave? Waits (bounded) for pcscd to notice."""
    sc = scard()
    hr, states = sc.SCardGetStatusChange(ctx, 0, [(reader, sc.SCARD_STATE_UNAWARE)])
    if hr != sc.SCARD_S_SUCCESS:
        return False
    state = states[0][1]
    if not state & sc.SCARD_STATE_PRESENT:
        return False
    hr, states = sc.SCardGetStatusChange(ctx, _REMOVAL_GRACE_MS, [(reader, state)])
    if hr == sc.SCARD_S_SUCCESS:
        return bool(states[0][1] & sc.SCARD_STATE_PRESENT)
    return hr == sc.SCARD_E_TIMEOUT


def _connect(ctx: int, reader: str, wait: threading.Event) -> tuple[int, int]:
    sc = scard()
    for attempt in range(_SHARING_RETRIES):
        hr, hcard, proto = sc.SCardConnect(
            ctx, reader, sc.SCARD_SHARE_SHARED, sc.SCARD_PROTOCOL_T0 | sc.SCARD_PROTOCOL_T1
        )
        if hr == sc.SCARD_S_SUCCESS:
            return hcard, proto
        if hr == sc.SCARD_E_SHARING_VIOLATION:
            wait.wait(0.05 * (attempt + 1))  # another program holds the card exclusively
            continue
        if hr in (sc.SCARD_E_NO_SMARTCARD, sc.SCARD_W_REMOVED_CARD):
            raise CardRemovedError(describe(hr))
        if service_lost(hr):
            raise NoServiceError(describe(hr))
        raise CardReadError(describe(hr))
    raise CardReadError("the card is held by another program")


def read_card(ctx: int, reader: str) -> CardData:
    """Connect shared, SELECT + READ inside a transaction, leave the card powered."""
    sc = scard()
    pause = threading.Event()
    hcard, proto = _connect(ctx, reader, pause)
    in_transaction = False
    try:
        # Another program's reset is answered with one reconnect; reset again after it (or
        # a failed reconnect) is a read failure: the profile is never read unguarded.
        hr = sc.SCardBeginTransaction(hcard)
        if hr == sc.SCARD_W_RESET_CARD:
            hr, proto = sc.SCardReconnect(
                hcard, sc.SCARD_SHARE_SHARED,
                sc.SCARD_PROTOCOL_T0 | sc.SCARD_PROTOCOL_T1, sc.SCARD_LEAVE_CARD,
            )
            if hr == sc.SCARD_S_SUCCESS:
                hr = sc.SCardBeginTransaction(hcard)
        if hr != sc.SCARD_S_SUCCESS:
            _raise_for(ctx, reader, hr)
        in_transaction = True
        return read_profile(_transmitter(ctx, reader, hcard, proto))
    finally:
        if in_transaction:
            sc.SCardEndTransaction(hcard, sc.SCARD_LEAVE_CARD)
        sc.SCardDisconnect(hcard, sc.SCARD_LEAVE_CARD)


def _raise_for(ctx: int, reader: str, hr: int) -> NoReturn:
    sc = scard()
    if hr in (sc.SCARD_W_REMOVED_CARD, sc.SCARD_E_NO_SMARTCARD) or not _still_present(ctx, reader):
        raise CardRemovedError(describe(hr))
    raise CardReadError(describe(hr))


def _transmitter(
    ctx: int, reader: str, hcard: int, proto: int
) -> Callable[[list[int]], tuple[list[int], int, int]]:
    sc = scard()

    def transmit(apdu: list[int]) -> tuple[list[int], int, int]:
        hr, response = sc.SCardTransmit(hcard, proto, apdu)
        if hr != sc.SCARD_S_SUCCESS or len(response) < 2:
            # vpcd answers a vanished card with an empty response, readers with an error
            _raise_for(ctx, reader, hr if hr != sc.SCARD_S_SUCCESS else sc.SCARD_F_COMM_ERROR)
        return list(response[:-2]), response[-2], response[-1]

    return transmit


def read_first_card(only: str | None = None) -> tuple[str, CardData]:
    """For diagnostics: the first reader holding a card, and its card; with ``only``, that
    reader and no other (a card in another reader is not looked at).

    Raises NoServiceError, NoReaderError (UnknownReaderError for ``only`` not attached),
    NoCardError or a CardReadError subclass.
    """
    sc = scard()
    ctx = establish()
    try:
        attached = list_readers(ctx)
        readers = bound_readers(attached, only)
        if only is not None and not readers:
            raise UnknownReaderError(only, attached)
        if not readers:
            raise NoReaderError("no reader attached")
        hr, states = sc.SCardGetStatusChange(
            ctx, 0, [(r, sc.SCARD_STATE_UNAWARE) for r in readers]
        )
        if hr != sc.SCARD_S_SUCCESS:
            raise NoServiceError(describe(hr))
        for name, state, _atr in states:
            if state & sc.SCARD_STATE_PRESENT and not state & sc.SCARD_STATE_MUTE:
                return name, read_card(ctx, name)
        raise NoCardError("no card in " + ", ".join(readers))
    finally:
        sc.SCardReleaseContext(ctx)
