"""What a person is told when the identity check fails or the kiosk could not save."""

import errno

from kiosk.domain.errors import IdentityMismatch, save_failed
from kiosk.domain.i18n import Catalog


def test_an_identity_mismatch_names_the_group_and_the_tries_left():
    error = IdentityMismatch("household", 2)
    assert (error.key, error.params, error.group, error.tries_left) == (
        "err.identity.household", {"tries_left": 2}, "household", 2)
    assert "2 tries left" in Catalog("en").t(error.key, **error.params)


def test_a_full_disk_is_told_in_the_users_language_whichever_it_is_when_shown():
    """The reason is translated when the message is shown, not when the error happened:
    a message on screen follows a language toggle, reason included."""
    error = save_failed(OSError(errno.ENOSPC, "No space left on device"))
    assert error.key == "err.save_failed"
    assert Catalog("en").t(error.key, **error.params) == \
        "This could not be saved (the disk is full); please ask the counter staff."
    assert "磁碟空間已滿" in Catalog("zh-TW").t(error.key, **error.params)


def test_an_other_failure_shows_the_systems_reason_or_else_the_errors_kind():
    def reason(error: OSError) -> str:
        shown = save_failed(error)
        return Catalog("en").t(shown.key, **shown.params)

    assert "(input/output error: Input/output error)" in reason(
        OSError(errno.EIO, "Input/output error"))
    assert "(input/output error: TimeoutError)" in reason(TimeoutError())


def test_a_refusal_written_to_a_log_names_its_key_and_its_params():
    from kiosk.domain.errors import KioskError

    assert str(KioskError("err.required", field_name="email")) == \
        "('err.required', {'field_name': 'email'})"
    assert str(KioskError()) == "('err.generic', {})"
