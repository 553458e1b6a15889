"""A mail's recipient address: only a usable one is stored, and it is masked wherever shown.

An address is personal data: an error about a bad one does not repeat it, and log lines
and the human outbox listing show it masked (``s***@example.com``), never whole.
"""

from __future__ import annotations

from kiosk.domain.validate import is_valid_email


def usable_address(to: str) -> str:
    """``to`` without surrounding blanks; ValueError if it is not an e-mail address."""
    to = to.strip()
    if not is_valid_email(to):
        raise ValueError("not a usable e-mail address")  # no address: it is personal data
    return to


def mask_email(address: str) -> str:
    """someone@example.com -> s***@example.com (logs and the human outbox listing)."""
    local, at, domain = address.strip().rpartition("@")
    if not at:
        return "***"
    return f"{local[:1]}***@{domain}"
