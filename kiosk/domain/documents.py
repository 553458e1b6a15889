"""The printable papers of card replacement: the payment slip (繳款單, seed 002 step 26)
and the receipt (自行收納款項收據, step 30), as SVG files any browser prints at A5.

Text is real SVG text (searchable, readable back), bilingual like the NHIA's papers; the
slip's barcode is Code 128 of the ATM NO (what a store's scanner reads), drawn as bars.
python-barcode encodes the symbol; the drawing is ours, so no image library is needed.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from xml.sax.saxutils import escape

import barcode

from kiosk.domain.applications import FEE, mailing_line
from kiosk.domain.dates import roc_day
from kiosk.domain.mask import mask_id

WIDTH, HEIGHT = 148, 210     # A5, millimetres
BAR_MODULE = 0.33            # mm per Code 128 module: scannable printed at 100 %
STORE_FEE = 4
_DIGITS_ZH = "零壹貳參肆伍陸柒捌玖"


def amount_in_words(amount: int) -> str:
    """200 → 貳佰元整 (receipts write the amount out)."""
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


def slip_svg(app: dict[str, Any], due: datetime) -> str:
    """繳款單: ATM NO, amount, due date and the ATM NO as a barcode."""
    lines = [
        ("繳款人 Payer", app["holder_name"]),
        ("身分證號 ID", mask_id(app["holder_id"])),
        ("銷帳編號 ATM NO", app["atm_no"]),
        ("繳費金額 Amount", f"NT${FEE}"),
        ("繳費期限 Pay by", f"{roc_day(due.date())} ({due.date().isoformat()})"),
        ("事由 For", "健保卡工本費 NHI card fee"),
        ("超商手續費 Store fee", f"NT${STORE_FEE}"),
    ]
    if app.get("mail_address"):
        lines.append(("郵寄地址 Mail to", mailing_line(app)))
    note = ('<text x="10" y="170" font-size="3">逾期未繳費，申請資料將自動刪除。 '
            'Unpaid applications are deleted after the due date.</text>')
    bars = _bars(app["atm_no"], 10, 100, 18)
    caption = (f'<text x="10" y="123" font-size="3.6" letter-spacing="0.6">'
               f'{escape(app["atm_no"])}</text>')
    return _svg("全民健康保險 健保卡工本費繳款單 / NHI card fee payment slip", lines,
                [*bars, caption, note])


def receipt_svg(app: dict[str, Any]) -> str:
    """自行收納款項收據, with the date until which the holder may be treated as insured."""
    paid = app["payment"]
    paid_on = datetime.fromisoformat(paid["paid_at"]).date()
    until = date.fromisoformat(paid["insured_until"])
    birth = app.get("holder_birth")
    lines = [
        ("日期 Date", f"中華民國 {roc_day(paid_on)} ({paid_on.isoformat()})"),
        ("收據號碼 Receipt no.", paid["receipt_no"]),
        ("姓名 Name", app["holder_name"]),
        ("身分證號 ID", mask_id(app["holder_id"])),
        ("出生日期 Born", roc_day(date.fromisoformat(birth)) if birth else ""),
        ("金額 Amount", f"NT${paid['amount']} {amount_in_words(paid['amount'])}"),
        ("事由 For", "健保卡工本費 NHI card fee"),
        ("銷帳編號 ATM NO", app["atm_no"]),
    ]
    note = [f'<text x="10" y="110" font-size="3.2">備註：如您有就醫需求，得於 {roc_day(until)} '
            '前持本收據併同身分證明文件，</text>',
            '<text x="10" y="115" font-size="3.2">於醫療院所填寫'
            '「全民健康保險特約醫療院所例外就醫名冊」以健保身分就醫。</text>',
            f'<text x="10" y="122" font-size="3">Until {until.isoformat()}, this receipt with an '
            'identity document lets you be treated as insured.</text>']
    return _svg("衛生福利部中央健康保險署 自行收納款項收據 / Receipt", lines, note)
