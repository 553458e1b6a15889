"""What screens/errors.py makes of each kind of failure, before any screen shows it: the
domain's own refusal as it is, a file that cannot be written with its reason, a busy store,
a bug; and only the error's type in the log, never what it carried."""

from __future__ import annotations

import errno
import logging
from pathlib import Path

import pytest

from kiosk.domain.errors import InvalidInput, KioskError
from kiosk.domain.i18n import Catalog
from screens.errors import FAILED, Failed, user_error
from store.errors import StoreCorruptError, StoreLockedError


def test_a_refusal_of_the_domain_is_shown_as_it_is():
    refusal = InvalidInput("email", "err.contact.email")
    assert user_error(refusal, "Here") is refusal


@pytest.mark.parametrize("lang, reason", [("en", "the disk is full"),
                                          ("zh-TW", "磁碟空間已滿")])
def test_a_full_disk_is_the_save_failed_message_in_the_persons_language(lang, reason):
    catalog = Catalog(lang)
    full = OSError(errno.ENOSPC, "No space left on device", "/data/kiosk.json")
    message = user_error(full, "Here")
    shown = catalog.t(message.key, **message.params)
    assert message.key == "err.save_failed" and reason in shown
    assert "kiosk.json" not in shown


@pytest.mark.parametrize("error", [StoreLockedError("held"),
                                   StoreCorruptError(Path("kiosk.json"), None, "invalid JSON")])
def test_a_store_that_cannot_be_used_now_is_busy(error):
    assert user_error(error, "Here").key == "err.busy"


def test_a_bug_is_the_generic_message_and_only_its_type_is_logged(caplog):
    with caplog.at_level(logging.ERROR, logger="screens.errors"):
        message = user_error(ValueError("password Secret#123"), "LoginScreen")
    assert type(message) is KioskError and message.key == "err.generic"
    assert caplog.messages == ["ValueError in LoginScreen"]


def test_failed_is_neither_a_result_nor_none():
    assert FAILED is Failed.FAILED and FAILED is not None and not FAILED
