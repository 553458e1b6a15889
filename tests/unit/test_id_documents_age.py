"""A child shows the household register (戶口名簿) until the 14th birthday, not a day
longer; the counter preselects it for children under 14 (kiosk.domain.id_documents)."""

from __future__ import annotations

from datetime import date

import pytest

from kiosk.domain.errors import InvalidInput
from kiosk.domain.id_documents import DocKind, check_document, likely_kind

CHILD_ID = "A123456789"          # a national ID (a valid checksum)
BORN = date(2012, 11, 24)        # 14th birthday: 2026-11-24
HOUSEHOLD_NO = "FC112233"


def _household(today: date):
    return check_document("household", HOUSEHOLD_NO, CHILD_ID, BORN, today)


def test_the_day_before_the_14th_birthday_the_household_register_is_accepted():
    assert _household(date(2026, 11, 23)).kind is DocKind.HOUSEHOLD


def test_on_the_14th_birthday_the_household_register_is_refused():
    with pytest.raises(InvalidInput) as refused:
        _household(date(2026, 11, 24))
    assert (refused.value.field, refused.value.key) == ("doc_kind", "err.doc.household_age")


def test_a_child_of_13_whose_birthday_is_later_in_the_year_may_show_the_register():
    # 2026-03-01: 13 years old (turns 14 in November)
    assert _household(date(2026, 3, 1)).kind is DocKind.HOUSEHOLD


def test_the_counter_preselects_the_household_register_until_the_14th_birthday():
    assert likely_kind(CHILD_ID, BORN, date(2026, 11, 23)) is DocKind.HOUSEHOLD
    assert likely_kind(CHILD_ID, BORN, date(2026, 11, 24)) is DocKind.ID_CARD
    assert likely_kind(CHILD_ID, BORN, date(2026, 3, 1)) is DocKind.HOUSEHOLD
