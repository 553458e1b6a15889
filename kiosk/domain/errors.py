"""Errors the user is shown: each carries a catalog key and its parameters, so a screen
says what went wrong in the user's language without knowing the cause's details."""

from __future__ import annotations

from datetime import datetime

from kiosk.domain.i18n import Phrase
from store.errors import io_reason


class KioskError(Exception):
    """A refusal or failure with a translatable message."""

    key = "err.generic"

    def __init__(self, key: str | None = None, **params: object) -> None:
        self.key = key or self.key
        self.params = params
        super().__init__(self.key, params)


class InvalidInput(KioskError):
    """A field's value is not acceptable; ``field`` names which one, for inline messages."""

    def __init__(self, field: str, key: str, **params: object) -> None:
        super().__init__(key, **params)
        self.field = field


class IdentityMismatch(KioskError):
    """The identity proof did not match the registry. Names the group, never the field."""

    def __init__(self, group: str, tries_left: int) -> None:
        super().__init__(f"err.identity.{group}", tries_left=tries_left)
        self.group = group
        self.tries_left = tries_left


class Locked(KioskError):
    """Too many failures: closed until ``until``."""

    def __init__(self, key: str, until: datetime) -> None:
        super().__init__(key, until=until.strftime("%H:%M"))
        self.until = until


class WrongPassword(KioskError):
    key = "err.login.password"

    def __init__(self, tries_left: int) -> None:
        super().__init__(tries_left=tries_left)
        self.tries_left = tries_left


class BrokenRecord(KioskError):
    """A stored record lacks a field an operation needs, or holds it in the wrong shape (an
    old or hand-edited store). Refused as a message instead of a KeyError: ``field`` names
    the field for the staff, never its value."""

    key = "err.record.broken"

    def __init__(self, field: str) -> None:
        super().__init__(field=field)
        self.field = field


def save_failed(error: OSError) -> KioskError:
    """What a person is told when the kiosk could not save (disk full, read-only,
    permissions): the reason in their language (translated when shown), never the OS's
    English text or a path."""
    return KioskError("err.save_failed", reason=Phrase(
        f"err.io.{io_reason(error)}", {"detail": error.strerror or type(error).__name__}))
