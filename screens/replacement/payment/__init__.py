"""Paying for a new card, and what follows: 網路ATM, 活期帳戶 (e-Bill), 下載繳款單,
設定領卡時間及地點, 下載繳費收據. One module per sub-flow: ``atm`` (the chip-card transfer
and the NHI card's return after it), ``ebill``, ``papers`` (the slip and the receipt saved
for printing) and ``pickup``. Each screen gathers input and calls the payment domain;
nothing is paid until the domain records it in one step at the end."""

from screens.replacement.payment.atm import AtmScreen, ReinsertScreen
from screens.replacement.payment.ebill import EbillScreen
from screens.replacement.payment.papers import PaperScreen, ReceiptScreen, SlipScreen
from screens.replacement.payment.pickup import PickupScreen

__all__ = ["AtmScreen", "EbillScreen", "PaperScreen", "PickupScreen", "ReceiptScreen",
           "ReinsertScreen", "SlipScreen"]
