"""What a person sees when a card comes or goes, for every screen policy and every event
(screens/card_policy.py). The expected actions are written from the rules in that module's
docstring, one table per situation, never computed with the function under test.

Events, as the active reader changes (the first reader holding a card):

- ``arrives``: no card, then a card (None -> R0);
- ``leaves``: a card, then none (R0 -> None);
- ``replaced``: another reader's card becomes the one in use (R0 -> R1); a swap within one
  reader reaches the decision as ``leaves`` then ``arrives`` (KioskApp.on_reader_changed);
- ``condition``: the same card, but the reader condition on screen is no longer the real
  one (pcscd or a reader came back or went);
- ``quiet``: the same card and the same condition (another reader attached, say).
"""

from __future__ import annotations

import pytest

from screens.card_policy import CardAction, CardPolicy, route_card

UNBOUND, BOUND, READS, SWAPS, STAFF = (CardPolicy.UNBOUND, CardPolicy.BOUND, CardPolicy.READS,
                                       CardPolicy.SWAPS, CardPolicy.STAFF)
NOTHING, NOTIFY_STAFF, NOTIFY_TOP, SHOW_CARD, END_SESSION = (
    CardAction.NOTHING, CardAction.NOTIFY_STAFF, CardAction.NOTIFY_TOP, CardAction.SHOW_CARD,
    CardAction.END_SESSION)

EVENTS = {   # name -> (active reader before, after, condition changed)
    "arrives": (None, "R0", False),
    "leaves": ("R0", None, False),
    "replaced": ("R0", "R1", False),
    "condition": ("R0", "R0", True),
    "quiet": ("R0", "R0", False),
}
COLUMNS = ("arrives", "leaves", "replaced", "condition", "quiet")

# The public kiosk, a citizen with a card (or nobody logged in); the screen sits on idle.
PUBLIC = {
    UNBOUND: (SHOW_CARD, END_SESSION, SHOW_CARD, END_SESSION, NOTHING),
    BOUND: (SHOW_CARD, END_SESSION, SHOW_CARD, END_SESSION, NOTHING),
    READS: (NOTIFY_TOP, END_SESSION, NOTIFY_TOP, END_SESSION, NOTHING),
    SWAPS: (NOTIFY_TOP, NOTIFY_TOP, NOTIFY_TOP, END_SESSION, NOTHING),
    STAFF: (NOTIFY_TOP, NOTIFY_TOP, NOTIFY_TOP, END_SESSION, NOTHING),
}
# The public kiosk, a citizen logged in by QR code (no card): a card leaving is not theirs.
CARDLESS = {
    UNBOUND: (SHOW_CARD, NOTHING, SHOW_CARD, END_SESSION, NOTHING),
    BOUND: (SHOW_CARD, NOTHING, SHOW_CARD, END_SESSION, NOTHING),
    READS: (NOTIFY_TOP, NOTHING, NOTIFY_TOP, END_SESSION, NOTHING),
    SWAPS: (NOTIFY_TOP, NOTIFY_TOP, NOTIFY_TOP, END_SESSION, NOTHING),
    STAFF: (NOTIFY_TOP, NOTHING, NOTIFY_TOP, END_SESSION, NOTHING),
}
# Staff mode, whatever the top screen (a staff screen or a dialog over one).
AT_THE_COUNTER = (NOTIFY_STAFF, NOTIFY_STAFF, NOTIFY_STAFF, END_SESSION, NOTHING)
STAFF_MODE = dict.fromkeys(CardPolicy, AT_THE_COUNTER)


def _cases():
    for staff_mode in (False, True):
        for cardless in (False, True):
            table = STAFF_MODE if staff_mode else CARDLESS if cardless else PUBLIC
            for policy, row in table.items():
                for event, expected in zip(COLUMNS, row, strict=True):
                    yield pytest.param(
                        policy, event, staff_mode, cardless, expected,
                        id=f"{policy.name}-{event}-{'staff' if staff_mode else 'public'}"
                           f"{'-cardless' if cardless else ''}")


@pytest.mark.parametrize(("policy", "event", "staff_mode", "cardless", "expected"), _cases())
def test_every_policy_and_event(policy, event, staff_mode, cardless, expected):
    before, after, condition_changed = EVENTS[event]
    assert route_card(before=before, after=after, top=policy, below=[UNBOUND],
                      staff_mode=staff_mode, cardless_session=cardless,
                      condition_changed=condition_changed) is expected


def test_the_tables_cover_every_policy():
    for table in (PUBLIC, CARDLESS, STAFF_MODE):
        assert set(table) == set(CardPolicy)
    assert len(list(_cases())) == len(CardPolicy) * len(EVENTS) * 4


def _route(**kw):
    situation = {"before": "R0", "after": None, "top": UNBOUND, "below": [UNBOUND]} | kw
    return route_card(**situation)


def test_a_card_pulled_out_under_a_card_bound_form_ends_the_session():
    assert _route(top=BOUND) is END_SESSION


@pytest.mark.parametrize("bound", [BOUND, READS, SWAPS])
def test_a_dialog_over_a_card_bound_screen_goes_with_it_when_the_card_is_pulled(bound):
    assert _route(top=UNBOUND, below=[UNBOUND, bound]) is END_SESSION


def test_a_card_pulled_out_on_a_screen_that_needs_none_goes_back_to_idle():
    assert _route(top=UNBOUND, below=[UNBOUND]) is END_SESSION


def test_the_removed_during_reading_message_stays_when_the_card_then_comes_out():
    assert _route(top=UNBOUND, sticky=True) is NOTHING


def test_the_removed_during_reading_message_gives_way_to_the_next_card():
    assert _route(before=None, after="R0", top=UNBOUND, sticky=True) is SHOW_CARD


def test_over_a_card_bound_screen_even_the_removed_during_reading_message_goes():
    assert _route(top=UNBOUND, below=[UNBOUND, BOUND], sticky=True) is END_SESSION


def test_a_card_put_in_on_the_login_form_is_read_by_the_form():
    assert _route(before=None, after="R0", top=READS) is NOTIFY_TOP


def test_a_card_put_in_over_a_logged_in_citizens_screen_takes_the_screen():
    assert _route(before=None, after="R0", top=BOUND, below=[UNBOUND, BOUND]) is SHOW_CARD


def test_at_the_atm_the_nhi_card_may_leave_and_the_session_goes_on():
    assert _route(top=SWAPS, below=[UNBOUND, BOUND]) is NOTIFY_TOP
    assert _route(before=None, after="R0", top=SWAPS, below=[UNBOUND, BOUND]) is NOTIFY_TOP


@pytest.mark.parametrize("top", list(CardPolicy))
def test_at_the_counter_a_card_fills_the_staff_form_and_never_takes_the_screen(top):
    """Under a dialog too (the top is then not a staff screen): the staff screens below
    are told, nothing is wiped, staff mode goes on."""
    for before, after in ((None, "R0"), ("R0", None), ("R0", "R1")):
        assert _route(before=before, after=after, top=top, below=[UNBOUND, STAFF],
                      staff_mode=True, sticky=True) is NOTIFY_STAFF


def test_a_staff_screen_told_outside_staff_mode_goes_with_a_card_bound_screen_below():
    """Not reachable today (push_screen turns staff screens into the sign-in without a
    staff session), but the rule holds: a card-bound screen below ends it all."""
    assert _route(top=STAFF, below=[UNBOUND]) is NOTIFY_TOP
    assert _route(top=STAFF, below=[UNBOUND, BOUND]) is END_SESSION


def test_a_qr_login_survives_a_card_leaving_but_not_a_card_arriving():
    assert _route(top=BOUND, below=[UNBOUND, BOUND], cardless_session=True) is NOTHING
    assert _route(before=None, after="R0", top=BOUND, below=[UNBOUND, BOUND],
                  cardless_session=True) is SHOW_CARD


def test_a_card_event_is_never_also_a_condition_change():
    assert _route(before=None, after="R0", condition_changed=True) is SHOW_CARD
    assert _route(top=READS, condition_changed=True) is END_SESSION


def test_a_reader_coming_back_with_no_card_replaces_the_no_reader_message():
    assert _route(before=None, after=None, condition_changed=True) is END_SESSION
    assert _route(before=None, after=None) is NOTHING


def test_which_policies_belong_to_the_card_and_which_read_it():
    assert {p for p in CardPolicy if p.bound} == {BOUND, READS, SWAPS}
    assert {p for p in CardPolicy if p.reads} == {READS, STAFF}


@pytest.mark.parametrize(("module", "name", "policy"), [
    ("screens.idle", "IdleScreen", UNBOUND),
    ("screens.message", "MessageScreen", UNBOUND),
    ("screens.binding.phone_auth", "PhoneAuthScreen", UNBOUND),
    ("screens.binding.qr_login", "QrLoginScreen", UNBOUND),
    ("screens.registration.register", "TermsScreen", UNBOUND),
    ("screens.counter.sign_in", "StaffSignInScreen", UNBOUND),
    ("screens.card", "CardScreen", BOUND),
    ("screens.services", "ServicesScreen", BOUND),
    ("screens.registration.my_account", "ChangePasswordScreen", BOUND),
    ("screens.registration.sign_in", "LoginScreen", READS),
    ("screens.registration.register", "ReadCardScreen", READS),
    ("screens.replacement.payment", "AtmScreen", SWAPS),
    ("screens.replacement.payment", "ReinsertScreen", SWAPS),
    ("screens.counter.home", "StaffHomeScreen", STAFF),
    ("screens.counter.desk", "CounterRegisterScreen", STAFF),   # a staff form and a card form
    ("screens.counter.desk", "StaffCodeScreen", STAFF),
])
def test_screens_declare_the_policy_of_the_architecture_table(module, name, policy):
    import importlib

    screen_class = getattr(importlib.import_module(module), name)
    assert screen_class.card_policy is policy


def test_a_screen_not_of_this_kiosk_needs_no_card():
    from screens.base import card_policy_of

    assert card_policy_of(object()) is UNBOUND
    assert card_policy_of("a screen name") is UNBOUND
