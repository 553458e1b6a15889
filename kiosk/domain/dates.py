"""ROC (民國) dates for the screen; English mode shows the Gregorian date beside them."""

from __future__ import annotations

from datetime import date, datetime

from kiosk.domain.i18n import Catalog

ROC_OFFSET = 1911


def roc_year(day: date) -> int:
    return day.year - ROC_OFFSET


def roc_date(day: date, catalog: Catalog) -> str:
    return catalog.t(
        "date.day", roc=roc_year(day), y=day.year, m=f"{day.month:02d}", d=f"{day.day:02d}"
    )


def roc_datetime(moment: datetime, catalog: Catalog) -> str:
    weekday = catalog.t(f"date.weekday.{moment.weekday()}")
    return catalog.t(
        "date.moment",
        roc=roc_year(moment),
        y=moment.year,
        m=f"{moment.month:02d}",
        d=f"{moment.day:02d}",
        wd=weekday,
        hh=f"{moment.hour:02d}",
        mm=f"{moment.minute:02d}",
    )


def roc_day(day: date) -> str:
    """115/11/04: a date as the NHIA's lists and papers print it."""
    return f"{roc_year(day):03d}/{day.month:02d}/{day.day:02d}"


def roc_short(moment: datetime) -> str:
    """115/11/04 15:30, as the NHIA's application list prints a time."""
    return f"{roc_day(moment)} {moment.hour:02d}:{moment.minute:02d}"


def list_moment(moment: datetime, catalog: Catalog) -> str:
    """A time in a list: ROC in Chinese (115/11/04 15:30), Gregorian in English."""
    if catalog.lang == "en":
        return moment.strftime("%Y-%m-%d %H:%M")
    return roc_short(moment)
