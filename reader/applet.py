"""The card side of the NHI protocol: how a card answers APDUs.

One implementation serves the simulated tray (in process) and the virtual card that
plugs into pcscd through vpcd, so both exercise exactly the reader code a real card does.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from reader.apdu import NHI_AID


class PullOn(StrEnum):
    """A command at which the card leaves the reader (a citizen pulling it mid-read)."""

    SELECT = "select"
    READ = "read"


@dataclass(frozen=True, slots=True)
class CardBehaviour:
    select_sw: bytes = b"\x90\x00"    # b"\x6d\x00" mimics SLJ52G chips that refuse SELECT
    chain_response: bool = False      # answer READ with 61 xx, the data after GET RESPONSE
    pull_on: PullOn | None = None
    read_needs_le: bool = False       # 67 00 to the 7-byte READ: only the 8-byte form works


class CardPulled(Exception):
    """Raised by :meth:`NhiApplet.respond` when the behaviour says the card is gone."""


SW_OK = b"\x90\x00"
SW_FILE_NOT_FOUND = b"\x6a\x82"
SW_INS_NOT_SUPPORTED = b"\x6d\x00"
SW_CLA_NOT_SUPPORTED = b"\x6e\x00"
SW_WRONG_LENGTH = b"\x67\x00"
SW_NO_PENDING = b"\x69\x85"


class NhiApplet:
    """Answers SELECT / READ PROFILE / GET RESPONSE; ``profile=None`` is a non-NHI card."""

    def __init__(self, profile: bytes | None, behaviour: CardBehaviour | None = None) -> None:
        self.profile = profile
        self.behaviour = behaviour or CardBehaviour()
        self._pending = b""

    def respond(self, apdu: bytes) -> bytes:
        if len(apdu) < 4:
            return SW_WRONG_LENGTH
        cla, ins = apdu[0], apdu[1]
        if cla != 0x00:
            return SW_CLA_NOT_SUPPORTED
        if ins == 0xA4:
            return self._select(apdu)
        if ins == 0xCA and apdu[2:4] == b"\x11\x00":
            return self._read(apdu)
        if ins == 0xC0:
            return self._get_response(apdu)
        return SW_INS_NOT_SUPPORTED

    def _select(self, apdu: bytes) -> bytes:
        if self.behaviour.pull_on is PullOn.SELECT:
            raise CardPulled
        if self.profile is None:
            return SW_FILE_NOT_FOUND
        aid = apdu[5 : 5 + apdu[4]] if len(apdu) > 5 else b""
        # Accept the 16-byte AID and the 15-byte variant some tools send.
        if bytes(NHI_AID).startswith(aid) and len(aid) >= 15:
            return self.behaviour.select_sw
        return SW_FILE_NOT_FOUND

    def _read(self, apdu: bytes) -> bytes:
        """READ PROFILE in either form a reader sends: ``00 CA 11 00 02 00 00`` (7 bytes)
        or the same with Le (8 bytes; Le=00 is "up to 256", a shorter Le than the profile
        gets ``6C xx``). Any other length is ``67 00``, as is the 7-byte form for a card
        that insists on Le (``read_needs_le``)."""
        if self.behaviour.pull_on is PullOn.READ:
            raise CardPulled
        if self.profile is None:
            return SW_INS_NOT_SUPPORTED
        body = apdu[4:]
        if body[:1] != b"\x02" or len(body) not in (3, 4):
            return SW_WRONG_LENGTH
        if len(body) == 3 and self.behaviour.read_needs_le:
            return SW_WRONG_LENGTH
        if len(body) == 4 and 0 < body[3] < len(self.profile):
            return bytes([0x6C, len(self.profile)])   # Le too short: "ask for this many"
        if self.behaviour.chain_response:
            self._pending = self.profile
            return bytes([0x61, len(self.profile)])
        return self.profile + SW_OK

    def _get_response(self, apdu: bytes) -> bytes:
        if not self._pending:
            return SW_NO_PENDING
        want = apdu[4] if len(apdu) > 4 and apdu[4] else 256
        out, self._pending = self._pending[:want], self._pending[want:]
        if self._pending:
            return out + bytes([0x61, min(len(self._pending), 255)])
        return out + SW_OK
