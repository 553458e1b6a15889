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
# READ PROFILE comes in two forms: 7 bytes (Lc=02, data 00 00, no Le), which most cards
# answer, and 8 bytes with Le=00 ("up to 256 bytes back"), which some cards insist on.
READ_PROFILE = [0x00, 0xCA, 0x11, 0x00, 0x02, 0x00, 0x00]
READ_PROFILE_LE = [*READ_PROFILE, 0x00]

SW_OK = (0x90, 0x00)
SW_INS_NOT_SUPPORTED = (0x6D, 0x00)

Transmit = Callable[[list[int]], tuple[list[int], int, int]]

_MAX_CHAINED_RESPONSES = 8


def get_response(le: int) -> list[int]:
    return [0x00, 0xC0, 0x00, 0x00, le]


def with_le(apdu: list[int], le: int) -> list[int]:
    """*apdu* asking for *le* bytes back: its Le replaced, or added when it has none.

    A short APDU is CLA INS P1 P2, then Lc and Lc data bytes, then Le. Only its length
    tells whether the last byte is Le (case 2 and 4) or data (case 3): replacing the last
    byte of a case-3 command would change its data, so Le is added there instead.
    """
    body = apdu[4:]
    has_le = len(body) == 1 or (len(body) > 1 and len(body) == body[0] + 2)
    return [*apdu[:-1], le] if has_le else [*apdu, le]


def exchange(transmit: Transmit, apdu: list[int]) -> tuple[list[int], int, int]:
    """Send one command, following ``61 xx`` with GET RESPONSE and ``6C xx`` ("ask again
    with Le = xx") with a re-send of the command that got it, GET RESPONSE included.

    The status word returned is the last one the card gave; the caller checks it.
    """
    data, sw1, sw2 = transmit(apdu)
    if sw1 == 0x6C:
        data, sw1, sw2 = transmit(with_le(apdu, sw2))
    collected = list(data)
    for _ in range(_MAX_CHAINED_RESPONSES):
        if sw1 != 0x61:
            break
        data, sw1, sw2 = transmit(get_response(sw2))
        if sw1 == 0x6C:
            data, sw1, sw2 = transmit(get_response(sw2))
        collected += data
    return collected, sw1, sw2


def read_profile(transmit: Transmit) -> CardData:
    """SELECT the NHI applet and READ PROFILE.

    Cards on SLJ52G chips may refuse SELECT with ``6D 00`` yet answer READ, so READ is
    always tried; only when both fail is the card "not an NHI card". READ is sent in its
    7-byte form first; a card answering it with anything but ``90 00`` is asked once more
    with the 8-byte form (Le=00). The profile counts only with ``90 00``: any other status
    word is a :class:`CardReadError` (or :class:`NotNhiCardError` when SELECT failed too),
    whatever data came with it, so a bad answer is a read failure and never a crash.
    """
    _, s1, s2 = exchange(transmit, SELECT_NHI)
    selected = (s1, s2) == SW_OK
    data, r1, r2 = exchange(transmit, READ_PROFILE)
    first = f"{r1:02X}{r2:02X}"
    if (r1, r2) != SW_OK:
        data, r1, r2 = exchange(transmit, READ_PROFILE_LE)
    if (r1, r2) != SW_OK:
        answered = f"{first}, with Le {r1:02X}{r2:02X}"
        if not selected:
            raise NotNhiCardError(f"SELECT {s1:02X}{s2:02X}, READ {answered}")
        raise CardReadError(f"READ PROFILE answered {answered}")
    try:
        return parse_profile(bytes(data))
    except CardFormatError:
        if not selected:
            raise NotNhiCardError("card answered READ without an NHI profile") from None
        raise
