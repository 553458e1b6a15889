"""The registration password rules (SPEC §2), the strength meter beside the field, and the
fast hash of kiosk-made passwords (kiosk.domain.passwords)."""

from __future__ import annotations

import pytest

from kiosk.domain.errors import InvalidInput
from kiosk.domain.passwords import (
    Strength,
    check_new_password,
    hash_machine_password,
    strength,
    verify_password,
)


def _refusal(password: str, repeat: str | None = None, **field: str) -> InvalidInput:
    with pytest.raises(InvalidInput) as info:
        check_new_password(password, password if repeat is None else repeat, **field)
    return info.value


@pytest.mark.parametrize("password", ["Ab1@xy", "Ab1@xyzw9876"])
def test_a_password_of_6_and_of_12_characters_is_accepted(password):
    check_new_password(password, password)


@pytest.mark.parametrize("password", ["Ab1@x", "Ab1@xyzw98765"])
def test_a_password_of_5_or_13_characters_is_refused_naming_6_to_12(password):
    error = _refusal(password)
    assert (error.field, error.key, error.params) == (
        "password", "err.password.length", {"min": 6, "max": 12})


@pytest.mark.parametrize("char", [" ", "<", ">", "'", '"'])
def test_a_forbidden_character_is_refused_under_the_password_field(char):
    error = _refusal(f"Ab1@x{char}y")
    assert (error.field, error.key) == ("password", "err.password.forbidden")


def test_a_non_english_character_is_refused_under_the_password_field():
    error = _refusal("Ab1@x密y")
    assert (error.field, error.key) == ("password", "err.password.charset")


def test_on_the_change_password_form_each_refusal_names_that_form_s_field():
    assert _refusal("Ab1@x", field="new").field == "new"
    assert _refusal("Ab1@x>y", field="new").field == "new"
    assert _refusal("Ab1@x密y", field="new").field == "new"
    assert _refusal("Ab1@xyz", "Ab1@xyZ", field="new").field == "new2"


def test_a_repeat_that_differs_is_refused_under_the_repeat_field():
    error = _refusal("Ab1@xyz", "Ab1@xy")
    assert (error.field, error.key) == ("password2", "err.password.repeat")


# -- the strength meter: strong = upper + lower + digit + ~!@#$%^&* and 8 or more -------
@pytest.mark.parametrize("password", ["Ab1@wxyz", "Zz9~Zz9~Zz9~", "aB3*aB3*"])
def test_all_four_kinds_in_8_characters_is_strong(password):
    assert strength(password) is Strength.STRONG


def test_all_four_kinds_in_7_characters_is_medium():
    assert strength("Ab1@xyz") is Strength.MEDIUM


@pytest.mark.parametrize("password", ["Abc123", "abc12@", "ABC12@", "Abc@@@"])
def test_three_kinds_at_any_length_is_medium(password):
    assert strength(password) is Strength.MEDIUM


@pytest.mark.parametrize("password", ["abcd1234", "ABCDefgh", "abcd@@@@", "1234@@@@"])
def test_two_kinds_in_8_characters_is_medium(password):
    assert strength(password) is Strength.MEDIUM


@pytest.mark.parametrize("password", ["abc1234", "ABCDefg", "abcdefghijkl", "123456789",
                                      "@@@@@@@@", "abc+-=_,.;:"])
def test_two_kinds_in_7_or_one_kind_at_any_length_is_weak(password):
    assert strength(password) is Strength.WEAK


def test_symbols_outside_the_eight_do_not_count_as_a_kind():
    assert strength("abcd+-=_") is Strength.WEAK      # lower only: + - = _ are not specials
    assert strength("Abcd1+-=") is Strength.MEDIUM    # three kinds, not four


# -- kiosk-made passwords --------------------------------------------------------------
def test_a_kiosk_made_password_s_hash_opens_with_that_password_only():
    key = b"k" * 32
    stored = hash_machine_password("Q7wErTy9UiOp", key)
    assert verify_password("Q7wErTy9UiOp", stored, key)
    assert not verify_password("Q7wErTy9UiOq", stored, key)
    assert not verify_password("", stored, key)


def test_a_kiosk_made_password_s_hash_opens_nothing_without_the_machine_key():
    stored = hash_machine_password("Q7wErTy9UiOp", b"k" * 32)
    assert not verify_password("Q7wErTy9UiOp", stored)
