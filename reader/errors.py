"""Typed reader failures, so each one gets its own screen and exit code."""

from __future__ import annotations


class ReaderError(Exception):
    """Base of everything the reader layer raises on purpose."""


class NoServiceError(ReaderError):
    """The PC/SC service (pcscd) is not running or not reachable."""


class NoReaderError(ReaderError):
    """PC/SC works but no reader is attached."""


class UnknownReaderError(NoReaderError):
    """The reader a process is bound to (``--reader-name``) is not attached; ``attached``
    names the ones that are."""

    def __init__(self, name: str, attached: list[str]) -> None:
        super().__init__(f"no reader named {name!r}")
        self.name = name
        self.attached = attached


class NoCardError(ReaderError):
    """Readers are attached but none holds a card."""


class CardReadError(ReaderError):
    """The card is there but talking to it failed."""


class CardRemovedError(CardReadError):
    """The card left the reader before the profile was read."""


class NotNhiCardError(CardReadError):
    """The card answered, but neither SELECT nor READ PROFILE: a bank card, say."""
