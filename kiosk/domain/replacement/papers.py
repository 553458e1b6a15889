"""The printable papers of card replacement: the payment slip (繳款單)
and the receipt (自行收納款項收據), as SVG files any browser prints at A5.

Text is real SVG text (searchable, readable back), bilingual like the NHIA's papers; the
slip's barcode is Code 128 of the ATM NO (what a store's scanner reads), drawn as bars.
python-barcode encodes the symbol; the drawing is ours, so no image library is needed.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from xml.sax.saxutils import escape

import barcode

from kiosk.domain.dates import roc_day
from kiosk.domain.errors import BrokenRecord
from kiosk.domain.mask import mask_id
from kiosk.domain.replacement.applications import FEE, mailing_line
from kiosk.domain.replacement.payments import SLIP_FEE

WIDTH, HEIGHT = 148, 210     # A5, millimetres
BAR_MODULE = 0.33            # mm per Code 128 module: scannable printed at 100 %
_DIGITS_ZH = "零壹貳參肆伍陸柒捌玖"


def amount_in_words(amount: int) -> str:
    """200 → 貳佰元整 (receipts write the amount out), for 0 to 9,999 (a fee is NT$204 at
    most); ValueError outside that, rather than a wrong or missing digit."""
    if not isinstance(amount, int) or isinstance(amount, bool) or not 0 <= amount <= 9999:
        raise ValueError(f"amount out of range: {amount!r}")
    units = ((1000, "仟"), (100, "佰"), (10, "拾"))
    out, rest, zero = "", amount, False
    for value, name in units:
        digit, rest = divmod(rest, value)
        if digit:
            out += ("零" if zero and out else "") + _DIGITS_ZH[digit] + name
            zero = False
        elif out:
            zero = True
    if rest:
        out += ("零" if zero else "") + _DIGITS_ZH[rest]
    return (out or "零") + "元整"


_MAIL_ADDRESS = ("postal_code", "county", "district", "village", "neighborhood", "street")


def _field(record: Mapping[str, Any], name: str, kind: type = str) -> Any:
    """``record[name]`` if it is there and a ``kind``; BrokenRecord naming it otherwise.

    A paper is drawn from a stored application: one that lacks a field (an old or
    hand-edited store) is a message for the counter, never a KeyError on the screen."""
    value = record.get(name) if isinstance(record, dict) else None
    if not isinstance(value, kind) or isinstance(value, bool):
        raise BrokenRecord(name)
    return value


def _atm_no(app: Mapping[str, Any]) -> str:
    atm_no = _field(app, "atm_no")
    if not (atm_no.isascii() and atm_no.isdigit()):       # what Code 128 and a bank read
        raise BrokenRecord("atm_no")
    return atm_no


def _mailing(app: Mapping[str, Any]) -> str:
    address = app.get("mail_address")
    if not address:
        return ""
    if not isinstance(address, dict) or any(k not in address for k in _MAIL_ADDRESS):
        raise BrokenRecord("mail_address")
    return mailing_line(app)


def _moment(record: Mapping[str, Any], name: str) -> datetime:
    try:
        return datetime.fromisoformat(_field(record, name))
    except ValueError:
        raise BrokenRecord(name) from None


def code128_modules(text: str) -> str:
    """The symbol as a string of 1 (bar) and 0 (space) modules, quiet zones excluded."""
    return barcode.get_barcode_class("code128")(text, writer=None).build()[0]


def _bars(text: str, x: float, y: float, height: float) -> list[str]:
    out, modules, i = [], code128_modules(text), 0
    while i < len(modules):
        if modules[i] == "1":
            j = i
            while j < len(modules) and modules[j] == "1":
                j += 1
            out.append(f'<rect x="{x + i * BAR_MODULE:.3f}" y="{y}" '
                       f'width="{(j - i) * BAR_MODULE:.3f}" height="{height}" fill="#000"/>')
            i = j
        else:
            i += 1
    return out


def _svg(title: str, lines: list[tuple[str, str]], extra: list[str]) -> str:
    """A5 page: a title, then label/value rows; ``extra`` holds drawn elements."""
    zh, _, en = title.partition(" / ")
    body = [f'<text x="{WIDTH / 2}" y="14" font-size="5.5" text-anchor="middle" '
            f'font-weight="bold">{escape(zh)}</text>',
            f'<text x="{WIDTH / 2}" y="21" font-size="4" text-anchor="middle">'
            f'{escape(en)}</text>']
    y = 34
    for label, value in lines:
        body.append(f'<text x="10" y="{y}" font-size="3.6">{escape(label)}</text>')
        body.append(f'<text x="58" y="{y}" font-size="3.6">{escape(value)}</text>')
        y += 7
    return ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}mm" height="{HEIGHT}mm" '
            f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="Noto Sans TC, PingFang TC, '
            f'Microsoft JhengHei, sans-serif">\n'
            f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#fff"/>\n'
            + "\n".join(body + extra) + "\n</svg>\n")


def slip_svg(app: Mapping[str, Any], due: datetime) -> str:
    """繳款單: ATM NO, amount, due date and the ATM NO as a barcode. BrokenRecord when
    the application lacks a field the slip prints."""
    atm_no = _atm_no(app)
    lines = [
        ("繳款人 Payer", _field(app, "holder_name")),
        ("身分證號 ID", mask_id(_field(app, "holder_id"))),
        ("銷帳編號 ATM NO", atm_no),
        ("繳費金額 Amount", f"NT${FEE}"),
        ("繳費期限 Pay by", f"{roc_day(due.date())} ({due.date().isoformat()})"),
        ("事由 For", "健保卡工本費 NHI card fee"),
        ("超商手續費 Store fee", f"NT${SLIP_FEE}"),
    ]
    if mailing := _mailing(app):
        lines.append(("郵寄地址 Mail to", mailing))
    note = ('<text x="10" y="170" font-size="3">逾期未繳費，申請資料將自動刪除。 '
            'Unpaid applications are deleted after the due date.</text>')
    bars = _bars(atm_no, 10, 100, 18)
    caption = (f'<text x="10" y="123" font-size="3.6" letter-spacing="0.6">'
               f'{escape(atm_no)}</text>')
    return _svg("全民健康保險 健保卡工本費繳款單 / NHI card fee payment slip", lines,
                [*bars, caption, note])


def receipt_svg(app: Mapping[str, Any]) -> str:
    """自行收納款項收據, with the date until which the holder may be treated as insured.
    BrokenRecord when the application or its payment lacks a field the receipt prints."""
    paid = _field(app, "payment", dict)
    paid_on = _moment(paid, "paid_at").date()
    until = _moment(paid, "insured_until").date()
    amount = _field(paid, "amount", int)
    try:
        in_words = amount_in_words(amount)
    except ValueError:
        raise BrokenRecord("amount") from None
    birth = app.get("holder_birth")
    born = roc_day(_moment(app, "holder_birth").date()) if birth else ""
    lines = [
        ("日期 Date", f"中華民國 {roc_day(paid_on)} ({paid_on.isoformat()})"),
        ("收據號碼 Receipt no.", _field(paid, "receipt_no")),
        ("姓名 Name", _field(app, "holder_name")),
        ("身分證號 ID", mask_id(_field(app, "holder_id"))),
        ("出生日期 Born", born),
        ("金額 Amount", f"NT${amount} {in_words}"),
        ("事由 For", "健保卡工本費 NHI card fee"),
        ("銷帳編號 ATM NO", _atm_no(app)),
    ]
    note = [f'<text x="10" y="110" font-size="3.2">備註：如您有就醫需求，得於 {roc_day(until)} '
            '前持本收據併同身分證明文件，</text>',
            '<text x="10" y="115" font-size="3.2">於醫療院所填寫'
            '「全民健康保險特約醫療院所例外就醫名冊」以健保身分就醫。</text>',
            f'<text x="10" y="122" font-size="3">Until {until.isoformat()}, this receipt with an '
            'identity document lets you be treated as insured.</text>']
    return _svg("衛生福利部中央健康保險署 自行收納款項收據 / Receipt", lines, note)
