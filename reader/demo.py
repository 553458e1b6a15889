"""Demo cards: every kind of card a counter meets, playable without a reader.

The people match the demo registry the workflows seed later; keep IDs and card numbers
stable, tests and docs refer to them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from reader.applet import CardBehaviour, NhiApplet
from reader.card import CardData, encode_profile

ATR_PVJCOP4 = bytes.fromhex("3BFA1800008131FE4550564A434F503453494493")
ATR_SLJ52G = bytes.fromhex("3BFD1800008131FE45534C4A35324778787979797A52AA")
ATR_BANK = bytes.fromhex("3B6800000073C84013009000")
ATR_DEMO_CERTIFICATE = bytes.fromhex("3B8880014D4F49434144454D4F5C")   # "MOICADEMO", made up


@dataclass(frozen=True, slots=True)
class DemoCard:
    key: str                      # stable identifier: CLI --demo NAME, tray, tests
    card: CardData | None         # None: not an NHI card
    atr: bytes = ATR_PVJCOP4
    behaviour: CardBehaviour = field(default_factory=CardBehaviour)
    #: a 自然人憑證: no NHI applet; what it holds is the PKCS#11 token the demo made
    #: (``nhi-kiosk demo make-certificate-token``), which signs for the demo_people person
    certificate: bool = False

    def applet(self) -> NhiApplet:
        profile = encode_profile(self.card) if self.card else None
        return NhiApplet(profile, self.behaviour)


def _card(card_no: str, name: str, id_no: str, born: date, sex: str, issued: date) -> CardData:
    return CardData(card_no, name, id_no, born, sex, issued)


DEMO_CARDS: tuple[DemoCard, ...] = (
    DemoCard("national", _card("000011112222", "王大明", "A123456789",
                               date(1980, 5, 12), "M", date(2015, 3, 2))),
    DemoCard("resident_arc", _card("000022223333", "NGUYEN THI LAN", "AC01234567",
                                   date(1992, 8, 20), "F", date(2019, 6, 11))),
    DemoCard("resident_ui", _card("000033334444", "SMITH JOHN", "A800000014",
                                  date(1975, 1, 30), "M", date(2022, 2, 8))),
    DemoCard("child", _card("000044445555", "林小美", "F229876540",
                            date(2018, 3, 3), "F", date(2018, 5, 1))),
    DemoCard("cp950_ext", _card("000055556666", "陳碁峰", "E123456783",
                                date(1966, 11, 9), "M", date(2012, 7, 17)),
             atr=ATR_SLJ52G, behaviour=CardBehaviour(select_sw=b"\x6d\x00")),
    DemoCard("long_name", _card("000066667777", "歐陽娜娜", "B220123455",
                                date(2000, 6, 15), "F", date(2016, 9, 1))),
    DemoCard("registered", _card("000077778888", "張志明", "J128765432",
                                 date(1958, 2, 28), "M", date(2010, 4, 5))),
    DemoCard("suspended", _card("000088889999", "李淑芬", "H223456788",
                                date(1970, 12, 24), "F", date(2011, 10, 10))),
    DemoCard("specimen", _card("000012345678", "甄健康", "A223456789",
                               date(1969, 1, 1), "F", date(2004, 1, 1))),
    DemoCard("bank_card", None, atr=ATR_BANK),
    # 張志明's replacement card (新卡): the same ID, a later issue date. Its first sign-in
    # moves his account onto it (and says so); the *registered* card is refused after.
    DemoCard("new_card", _card("000077779999", "張志明", "J128765432",
                               date(1958, 2, 28), "M", date(2025, 3, 10))),
    DemoCard("certificate_card", None, atr=ATR_DEMO_CERTIFICATE, certificate=True),
)

DEMO_BY_KEY = {demo.key: demo for demo in DEMO_CARDS}
