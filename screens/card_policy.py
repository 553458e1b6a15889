"""What happens on screen when a card comes or goes: each screen's policy, and the decision.

Every screen declares one :class:`CardPolicy` (``card_policy`` on ``screens.base.CardAware``,
``UNBOUND`` by default). After each reader event, ``KioskApp._follow_active_card`` works
out the *active reader* (the first reader holding a card), gathers what is on screen and
asks :func:`route_card` what to do; it only acts. The decision needs no Textual, so it is
tested alone (tests/unit/test_card_policy.py).

The rules, first match wins:

1. Nothing happened to the card (the active reader is the one it was): if the reader
   condition on screen ("no card service", "no reader") is no longer the real one — pcscd
   or a reader came back or went — everything is wiped to the condition screen (or the
   idle screen); else nothing happens. A card event is never also a condition change.
2. Staff mode: every card change goes to every staff screen in the stack, under any
   dialog, to fill its forms. A card never takes the screen at the counter, nor ends staff
   mode.
3. A screen that lets the card go and come (``SWAPS``: the ATM payment, "put your card
   back") is told of every change on top, and the session survives it.
4. A card leaving during a session begun without a card (QR login) changes nothing; a
   card arriving does (below).
5. A card arriving (or another reader's card becoming the active one): a screen on top
   that reads cards (``READS``, ``STAFF``) is given it; otherwise the card screen (or its
   read failure) replaces everything, ending any session.
6. A card leaving: if any screen in the stack belongs to the card (``BOUND``, ``READS``,
   ``SWAPS``), everything is wiped and the session ends; else a card-reading screen on top
   is told the card is gone; else the "removed during reading" message stays if it is up
   (the removal that follows it is expected); else everything is wiped back to idle.

A card swapped in the same reader arrives as two decisions, a leaving then an arriving
(KioskApp.on_reader_changed), so whatever the old card began ends as if it were pulled.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum


class CardPolicy(Enum):
    """What a screen does with the card in the reader."""

    UNBOUND = "unbound"
    """Needs no card (idle, messages, dialogs, phone or QR login, the outbox): a card
    arriving takes the screen; a card leaving goes back to idle."""

    BOUND = "bound"
    """Belongs to the card that opened it (the card screen, a logged-in citizen's
    screens, forms): while it is anywhere in the stack, the card leaving ends it all."""

    READS = "reads"
    """Bound, and reads the card itself (login, registration, forgot password): a card
    arriving is given to it instead of taking the screen."""

    SWAPS = "swaps"
    """Bound, but lets the card go and come on top (網路ATM with a bank card, "put your
    NHI card back"): told of every change, the session survives them."""

    STAFF = "staff"
    """A staff screen: only inside a staff session (pushing one without it shows the staff
    sign-in); in staff mode every staff screen in the stack is told of every card change
    and a card never takes the screen."""

    @property
    def bound(self) -> bool:
        """The card leaving ends the session while this screen is in the stack."""
        return self in (CardPolicy.BOUND, CardPolicy.READS, CardPolicy.SWAPS)

    @property
    def reads(self) -> bool:
        """On top, this screen is given a card arriving (and told of it leaving)."""
        return self in (CardPolicy.READS, CardPolicy.STAFF)


class CardAction(Enum):
    """What the app does after a reader event (then it refreshes every status bar)."""

    NOTHING = "nothing"
    NOTIFY_STAFF = "notify_staff"   # card_changed(current event) on each staff screen
    NOTIFY_TOP = "notify_top"       # card_changed(current event, None if gone) on the top
    SHOW_CARD = "show_card"         # the card screen (or why it failed) replaces all
    END_SESSION = "end_session"     # wipe all, end any session: condition screen or idle


def route_card(*, before: str | None, after: str | None, top: CardPolicy,
               below: Iterable[CardPolicy] = (), staff_mode: bool = False,
               cardless_session: bool = False, sticky: bool = False,
               condition_changed: bool = False) -> CardAction:
    """The decision of the module docstring's rules.

    ``before``/``after``: the active reader before and after the event (None: no card).
    ``top``/``below``: the policy of the top screen and of the screens under it.
    ``cardless_session``: a citizen is logged in without a card (QR login).
    ``sticky``: the "removed during reading" message is on top.
    ``condition_changed``: the reader condition on screen is not the real one.
    """
    if after == before:
        return CardAction.END_SESSION if condition_changed else CardAction.NOTHING
    if staff_mode:
        return CardAction.NOTIFY_STAFF
    if top is CardPolicy.SWAPS:
        return CardAction.NOTIFY_TOP
    if after is not None:
        return CardAction.NOTIFY_TOP if top.reads else CardAction.SHOW_CARD
    if cardless_session:
        return CardAction.NOTHING
    if top.bound or any(policy.bound for policy in below):
        return CardAction.END_SESSION
    if top.reads:
        return CardAction.NOTIFY_TOP
    return CardAction.NOTHING if sticky else CardAction.END_SESSION
