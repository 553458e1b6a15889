"""Replacing a card online (健保卡申請作業): the application with its photo, the payment
(網路ATM, e-Bill or a slip paid at a store), the printable papers, and where and when the
new card is collected.

Imports only the shared basics in ``kiosk.domain`` (and the store and reader below them);
never another workflow (the import contract in pyproject.toml holds it)."""
