"""健保卡網路服務註冊 — registering a card for the NHI's online services, and the account's
life after it: signing in with the card and its password, the services of a signed-in holder
(password, contact details), and a forgotten password.

Imports only the shared basics in ``kiosk.domain`` (and the store and reader below them);
never another workflow (the import contract in pyproject.toml holds it)."""
