"""What the card reader tests share: a clock that ticks at every look, and the script the
fake pyscard ``scard`` modules (test_reader_pcsc, test_monitor_pcsc) answer from, with the
reader states and cards it is written in."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from reader.applet import CardBehaviour, NhiApplet
from reader.card import encode_profile
from reader.demo import DEMO_BY_KEY
from tests.unit.pcsc_codes import PcscCodes

READER = "Fake Reader 00 00"
NATIONAL = DEMO_BY_KEY["national"].card
RESIDENT = DEMO_BY_KEY["resident_ui"].card


class Ticking:
    """A clock one second further on from ``start`` at every look."""

    def __init__(self, start: datetime) -> None:
        self.start = start
        self.looks = 0

    def __call__(self) -> datetime:
        self.looks += 1
        return self.start + timedelta(seconds=self.looks)


class ScriptDone(Exception):
    """Every scripted status change has been answered: the test has what it needs."""


@dataclass
class Step:
    """One answer of the monitor's SCardGetStatusChange, and what changes in the world first.

    ``states``: the readers whose state changed (the CHANGED flag is added); the others
    come back as they were asked. ``hr``: an error instead of an answer. (``readers``,
    ``down``, ``pnp`` and ``also`` are for test_reader_pcsc's fuller fake.)
    """

    states: dict[str, int] = field(default_factory=dict)
    hr: int = 0
    cards: dict[str, NhiApplet | None] = field(default_factory=dict)
    readers: list[str] | None = None
    down: int | None = None
    pnp: int | None = None
    also: Callable[[Any], None] | None = None      # given the fake scard


def card(profile_card=NATIONAL, **behaviour: Any) -> NhiApplet:
    return NhiApplet(encode_profile(profile_card), CardBehaviour(**behaviour))


def present(counter: int, extra: int = 0) -> int:
    """A reader's state with a card in it, pcscd's event counter in the upper 16 bits."""
    return PcscCodes.SCARD_STATE_PRESENT | extra | counter << 16


def empty(counter: int) -> int:
    """A reader's state with no card in it, pcscd's event counter in the upper 16 bits."""
    return PcscCodes.SCARD_STATE_EMPTY | counter << 16
