"""Mail codes as the kiosk's code screen and the mail's link see them (kiosk.domain.codes):
the screen tells what a code is for, or why it no longer works; a new code voids only that
person's older code of the same kind; wrong codes count together wherever they are typed."""

from __future__ import annotations

import pytest

from kiosk.domain.codes import code_digest
from kiosk.domain.errors import Locked
from kiosk.domain.mail import MailKind
from tests.unit.domain_fixtures import ARC_PROOF, GOOD, NATIONAL_PROOF, card, refused

WANG, LAN = card("national"), card("resident_arc")


def _mailed_code(world, who=WANG, proof=NATIONAL_PROOF, email="wang@example.com") -> str:
    world.registration.register(who, proof, GOOD, GOOD, email, "")
    to, params = world.mail.last(MailKind.VERIFY)
    assert to == email
    return params["code"]


def test_the_code_screen_tells_a_verification_code_from_the_mail(world):
    code = _mailed_code(world)
    assert world.services.code_purpose(code) == "verify"
    assert world.services.code_purpose(code.lower()) == "verify"   # case aside


def test_the_code_screen_does_not_know_a_code_never_sent(world):
    with refused("err.code.unknown"):
        world.services.code_purpose("ABCDE-FGHJK")


def test_the_code_screen_says_a_confirmed_code_was_used(world):
    code = _mailed_code(world)
    world.registration.confirm(code)
    with refused("err.code.used"):
        world.services.code_purpose(code)


def test_a_verification_code_works_for_24_hours_and_not_a_second_more(world):
    code = _mailed_code(world)
    world.clock.advance(hours=24, seconds=-1)
    assert world.services.code_purpose(code) == "verify"
    world.clock.advance(seconds=1)
    with refused("err.code.expired"):
        world.services.code_purpose(code)


def test_one_persons_new_code_leaves_another_persons_code_working(world):
    wang = _mailed_code(world)
    lan = _mailed_code(world, LAN, ARC_PROOF, "lan@example.com")
    assert world.services.code_purpose(wang) == "verify"
    world.registration.confirm(wang)
    world.registration.confirm(lan)


def test_a_used_code_of_another_person_stays_used_when_a_new_one_is_sent(world):
    wang = _mailed_code(world)
    world.registration.confirm(wang)
    _mailed_code(world, LAN, ARC_PROOF, "lan@example.com")
    with refused("err.code.used"):
        world.services.code_purpose(wang)


def test_wrong_codes_on_the_code_screen_and_in_confirmations_count_together(world):
    for _ in range(19):
        with refused("err.code.unknown"):
            world.services.code_purpose("ABCDE-FGHJK")
    with pytest.raises(Locked) as locked:
        world.registration.confirm("ABCDE-FGHJ2")       # the 20th wrong code here
    assert locked.value.key == "err.code.locked"


def test_confirmations_that_went_wrong_close_the_code_screen_too(world):
    for _ in range(19):
        with refused("err.code.unknown"):
            world.registration.confirm("ABCDE-FGHJK")
    with pytest.raises(Locked) as locked:
        world.services.code_purpose("ABCDE-FGHJ2")
    assert locked.value.key == "err.code.locked"


def test_a_typed_code_is_looked_up_with_case_spacing_and_dashes_aside_by_default(world):
    ring = world.services.keyring()
    assert code_digest(ring, "qr_logins", "abcd-efgh ") == code_digest(ring, "qr_logins",
                                                                       "ABCDEFGH")
    assert code_digest(ring, "device_codes", "abCD-efGH", case_sensitive=True) != \
        code_digest(ring, "device_codes", "ABCDEFGH", case_sensitive=True)
