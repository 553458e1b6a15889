"""The telco side of 行動電話認證, simulated by a carrier directory.

The NHIA asks the subscriber databases of the five carriers (through TWCA) whether a number
is a personal monthly line of the person; the kiosk keeps that answer as a directory of
lines in its store: demo numbers in demo mode, real ones from ``nhi-kiosk carriers import``.
A refusal names the exact reason the number cannot be used (親子卡, 預付卡, 公司門號,
二類電信, 停話/欠費, not the person's own number, not one of the five carriers), so the
citizen knows what to do instead.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Any

from kiosk.domain.errors import KioskError
from kiosk.domain.rows import BadRow, ImportReport, import_rows, text_of
from kiosk.domain.validate import is_valid_id, is_valid_mobile, normalize_phone
from store.api import StoreBackend

# The five carriers that take part, by code; names accepted on import.
FIVE = {
    "cht": ("中華電信", "chunghwa telecom", "chunghwa"),
    "fet": ("遠傳電信", "遠傳", "fareastone", "far eastone"),
    "twm": ("台灣大哥大", "臺灣大哥大", "taiwan mobile"),
    "tstar": ("台灣之星", "臺灣之星", "t star", "taiwan star"),
    "aptg": ("亞太電信", "亞太", "asia pacific telecom", "gt"),
}
COLUMNS = ("phone", "carrier", "mvno", "plan", "holder_id", "status")
MAX_CARRIER_NAME = 40
"""Characters of a carrier's name kept for a line outside the five: the longest real one
(亞太電信股份有限公司, Chunghwa Telecom Co., Ltd.) is under 30; it is stored and shown."""


class Plan(StrEnum):
    MONTHLY = "monthly"            # 月租型: the only kind that can authenticate
    PREPAID = "prepaid"            # 預付卡
    PARENT_CHILD = "parent_child"  # 親子卡: the parent subscribes, the child uses it
    COMPANY = "company"            # 公司門號


class LineStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"        # 停話
    ARREARS = "arrears"            # 欠費


class PhoneRefused(KioskError):
    """The carrier check said no; ``reason`` names why: the plan (預付卡, 親子卡, 公司門號),
    an MVNO line, a line 停話 or 欠費, a line not the holder's, or a number none of the five
    carriers has."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"err.phone.{reason}")
        self.reason = reason


def carrier_code(name: str) -> str | None:
    """The code of one of the five carriers, from its code or a usual name."""
    wanted = " ".join(name.lower().split())
    for code, names in FIVE.items():
        if wanted == code or wanted in names:
            return code
    return None


def normalize_mobile(text: str) -> str:
    return normalize_phone(text).replace("-", "")


class CarrierDirectory:
    def __init__(self, store: StoreBackend) -> None:
        self._lines = store.keyed("phone_lines", "phone")

    def line(self, phone: str) -> dict[str, Any] | None:
        return self._lines.get(normalize_mobile(phone))

    def put_many(self, lines: list[dict[str, Any]]) -> None:
        self._lines.put_many(lines)

    def everyone(self) -> dict[str, dict[str, Any]]:
        return self._lines.get_many()

    def check(self, phone: str, id_no: str) -> None:
        """Raise PhoneRefused unless ``phone`` is a working personal monthly line of one of
        the five carriers, subscribed by ``id_no``. Whose network first; then the line
        kinds whose user is never the subscriber; then whose name — and only to the holder
        does the carrier say whether the line is paid or prepaid."""
        line = self.line(phone)
        if line is None:
            raise PhoneRefused("not_five")   # none of the five carriers knows the number
        if line.get("mvno"):
            raise PhoneRefused("mvno")
        if line["carrier"] not in FIVE:
            raise PhoneRefused("not_five")
        plan = Plan(line["plan"])
        if plan in (Plan.PARENT_CHILD, Plan.COMPANY):
            raise PhoneRefused(plan.value)
        if line.get("holder_id") != id_no.strip().upper():
            raise PhoneRefused("not_holder")
        if line["status"] != LineStatus.ACTIVE:
            raise PhoneRefused(LineStatus(line["status"]).value)   # 停話 or 欠費
        if plan is not Plan.MONTHLY:
            raise PhoneRefused(plan.value)


_TRUE = ("1", "true", "yes", "y", "是")
_FALSE = ("", "0", "false", "no", "n", "否")


def line_from_row(row: dict[str, Any]) -> dict[str, Any]:
    """One validated directory line, or BadRow naming the first problem."""
    phone = normalize_mobile(text_of(row, "phone"))
    if not is_valid_mobile(phone):
        raise BadRow(text_of(row, "phone"), "carriers.err.phone")
    carrier = text_of(row, "carrier")
    if not carrier:
        raise BadRow(carrier, "carriers.err.carrier")
    if len(carrier) > MAX_CARRIER_NAME:
        raise BadRow(carrier, "import.row.long")
    mvno = text_of(row, "mvno").lower()
    if mvno not in _TRUE + _FALSE:
        raise BadRow(mvno, "carriers.err.mvno")
    plan = text_of(row, "plan").lower() or Plan.MONTHLY.value
    if plan not in tuple(Plan):
        raise BadRow(plan, "carriers.err.plan")
    status = text_of(row, "status").lower() or LineStatus.ACTIVE.value
    if status not in tuple(LineStatus):
        raise BadRow(status, "carriers.err.status")
    holder = text_of(row, "holder_id").upper()
    if (holder and not is_valid_id(holder)) or (not holder and plan != Plan.COMPANY):
        raise BadRow(holder, "carriers.err.holder")
    return {"phone": phone, "carrier": carrier_code(carrier) or carrier, "mvno": mvno in _TRUE,
            "plan": plan, "holder_id": holder or None, "status": status}


def import_lines(path: Path, directory: CarrierDirectory) -> ImportReport:
    """``nhi-kiosk carriers import FILE``: CSV (UTF-8 or cp950) or JSON, see docs/carriers.md.
    A file over the limits of docs/import-limits.md is refused whole (ImportFileError)."""
    return import_rows(path, "phone", line_from_row, directory.everyone(),
                       directory.put_many, "carriers.err.duplicate")
