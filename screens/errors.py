"""The one way from a failed call to what a person is told.

Whatever a domain call raises becomes one :class:`KioskError`, a catalog key and its
parameters, which the screen then shows in the person's language (``ShowsErrors`` in
screens/base.py decides where):

* a :class:`KioskError` (an :class:`InvalidInput` too) as it is: the domain said why;
* an ``OSError``: the store (or a file beside it) could not be written — a full disk, a
  read-only mount, permissions — as ``err.save_failed`` with the reason; the store file
  keeps its last complete version;
* a :class:`StoreError` (locked by another process, unreadable, a version this program
  cannot read) as ``err.busy``: nothing was changed; a database that cannot be reached
  (:class:`StoreUnreachable`) as ``err.unreachable``, which says the kiosk keeps trying;
* anything else is a bug, shown as ``err.generic``.

Never a traceback and never the error's own text: only the error's type is logged, since
its values may hold a password, an ID or a path.
"""

from __future__ import annotations

import enum
import logging
from typing import Final, Literal

from kiosk.domain.errors import KioskError, save_failed
from store.errors import StoreError, StoreUnreachable

log = logging.getLogger(__name__)


class Failed(enum.Enum):
    """What :meth:`ShowsErrors.attempt` returns when the call failed (and the screen already
    says why). Distinct from every result, ``None`` included: a call that returns nothing
    needs no ``or True``."""

    FAILED = "failed"

    def __bool__(self) -> Literal[False]:
        return False


FAILED: Final = Failed.FAILED


def log_failure(error: BaseException, where: str) -> None:
    """The error's type and where it happened; never its message or arguments."""
    log.error("%s in %s", type(error).__name__, where)


def user_error(error: Exception, where: str) -> KioskError:
    """The message for ``error``, raised by a call made from ``where`` (a screen's name)."""
    if isinstance(error, KioskError):
        return error
    log_failure(error, where)
    if isinstance(error, OSError):
        return save_failed(error)
    if isinstance(error, StoreUnreachable):
        return KioskError("err.unreachable")
    return KioskError("err.busy" if isinstance(error, StoreError) else "err.generic")
