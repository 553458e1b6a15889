"""The screens of 健保卡網路服務註冊: registering, signing in, the signed-in holder's own
settings, a forgotten password, and the code a mail brings. They use only the shared
screens and widgets; the menus that lead here (screens/idle.py, card.py, services.py) sit
above them."""
