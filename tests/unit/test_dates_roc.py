"""ROC (民國) dates as the screens and lists print them (kiosk.domain.dates)."""

from __future__ import annotations

from datetime import date, datetime

from kiosk.domain.clock import TAIPEI
from kiosk.domain.dates import list_moment, roc_date, roc_datetime, roc_day, roc_short, roc_year
from kiosk.domain.i18n import Catalog

AFTERNOON = datetime(2026, 11, 4, 15, 30, tzinfo=TAIPEI)      # a Wednesday
MORNING = datetime(2026, 3, 5, 7, 8, tzinfo=TAIPEI)           # a Thursday


def test_the_roc_year_counts_from_1912():
    assert roc_year(date(1912, 1, 1)) == 1
    assert roc_year(date(2026, 11, 4)) == 115


def test_a_list_prints_a_day_as_three_digit_roc_year_and_two_digit_month_and_day():
    assert roc_day(date(2026, 3, 5)) == "115/03/05"
    assert roc_day(date(2010, 12, 31)) == "099/12/31"


def test_a_list_prints_a_time_as_the_roc_day_and_hours_and_minutes():
    assert roc_short(AFTERNOON) == "115/11/04 15:30"
    assert roc_short(MORNING) == "115/03/05 07:08"


def test_a_time_in_a_list_is_roc_in_chinese_and_gregorian_in_english():
    assert list_moment(AFTERNOON, Catalog("zh-TW")) == "115/11/04 15:30"
    assert list_moment(MORNING, Catalog("zh-TW")) == "115/03/05 07:08"
    assert list_moment(AFTERNOON, Catalog("en")) == "2026-11-04 15:30"
    assert list_moment(MORNING, Catalog("en")) == "2026-03-05 07:08"


def test_a_day_on_screen_is_roc_in_chinese_and_both_in_english():
    assert roc_date(date(2026, 3, 5), Catalog("zh-TW")) == "民國 115/03/05"
    assert roc_date(date(2026, 3, 5), Catalog("en")) == "2026-03-05 (ROC 115/03/05)"


def test_a_moment_on_screen_names_the_weekday():
    assert roc_datetime(AFTERNOON, Catalog("zh-TW")) == "民國 115 年 11 月 04 日（三）15:30"
    assert roc_datetime(MORNING, Catalog("zh-TW")) == "民國 115 年 03 月 05 日（四）07:08"
    assert roc_datetime(AFTERNOON, Catalog("en")) == "Wed 2026-11-04 15:30 (ROC 115)"
    assert roc_datetime(MORNING, Catalog("en")) == "Thu 2026-03-05 07:08 (ROC 115)"
