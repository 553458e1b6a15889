"""The links a mail carries: the kiosk's own URL scheme, resolved by the screens.

No web server is involved; a link is "followed" in the demo's outbox viewer or typed in:

* ``nhi-kiosk://confirm/<code>`` confirms a registration (VERIFY) or a new address
  (EMAIL_CHANGE);
* ``nhi-kiosk://reset/<code>`` opens the password reset (RESET);
* ``nhi-kiosk://login`` is the sign-in screen (BATCH_WELCOME).
"""

from __future__ import annotations

import re

from kiosk.domain.mail.kinds import MailKind

CONFIRM_LINK = "nhi-kiosk://confirm/{code}"
RESET_LINK = "nhi-kiosk://reset/{code}"
LOGIN_LINK = "nhi-kiosk://login"


def link_for(kind: MailKind, code: str) -> str:
    """The link a confirmation mail carries for ``code``."""
    return (RESET_LINK if kind is MailKind.RESET else CONFIRM_LINK).format(code=code)


def parse_link(link: str) -> tuple[str, str] | None:
    """``("confirm" | "reset", code)`` for one of our links, else None (for the demo)."""
    match = re.fullmatch(r"nhi-kiosk://(confirm|reset)/([A-Za-z0-9_-]{4,128})", link.strip())
    return (match.group(1), match.group(2)) if match else None
