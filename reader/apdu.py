"""The NHI card's two commands and the status-word handling around them.

Kept apart from any transport so PC/SC, the simulated tray and the benchmarks share one
implementation: a *transmit* function takes a C-APDU and returns ``(data, sw1, sw2)``.
"""

from __future__ import annotations

from collections.abc import Callable

from reader.card import CardData, CardFormatError, parse_profile
from reader.errors import CardReadError, NotNhiCardError

NHI_AID = [0xD1, 0x58, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
           0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x11, 0x00]
SELECT_NHI = [0x00, 0xA4, 0x04, 0x00, 0x10, *NHI_AID]
READ_PROFILE = [0x00, 0xCA, 0x11, 0x00, 0x02, 0x00, 0x00]

SW_OK = (0x90, 0x00)
SW_INS_NOT_SUPPORTED = (0x6D, 0x00)

Transmit = Callable[[list[int]], tuple[list[int], int, int]]

_MAX_CHAINED_RESPONSES = 8


def get_response(le: int) -> list[int]:
    return [0x00, 0xC0, 0x00, 0x00, le]


def exchange(transmit: Transmit, apdu: list[int]) -> tuple[list[int], int, int]:
    """Send one command, following ``61 xx`` with GET RESPONSE and ``6C xx`` with a re-send."""
    data, sw1, sw2 = transmit(apdu)
    if sw1 == 0x6C:
        data, sw1, sw2 = transmit([*apdu[:-1], sw2])
    collected = list(data)
    for _ in range(_MAX_CHAINED_RESPONSES):
        if sw1 != 0x61:
            break
        data, sw1, sw2 = transmit(get_response(sw2))
        collected += data
    return collected, sw1, sw2


def read_profile(transmit: Transmit) -> CardData:
    """SELECT the NHI applet and READ PROFILE.

    Cards on SLJ52G chips may refuse SELECT with ``6D 00`` yet answer READ, so READ is
    always tried; only when both fail is the card "not an NHI card".
    """
    _, s1, s2 = exchange(transmit, SELECT_NHI)
    selected = (s1, s2) == SW_OK
    data, r1, r2 = exchange(transmit, READ_PROFILE)
    if (r1, r2) != SW_OK:
        if not selected:
            raise NotNhiCardError(f"SELECT {s1:02X}{s2:02X}, READ {r1:02X}{r2:02X}")
        raise CardReadError(f"READ PROFILE answered {r1:02X}{r2:02X}")
    try:
        return parse_profile(bytes(data))
    except CardFormatError:
        if not selected:
            raise NotNhiCardError("card answered READ without an NHI profile") from None
        raise
