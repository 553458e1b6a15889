"""Binding the 健保快易通 app: a device code (typed or scanned as a QR) binds a phone to the
holder's account; 行動電話認證 binds one through the holder's mobile number; a bound phone
signs the kiosk in by QR without a card.

Imports only the shared basics in ``kiosk.domain`` (and the store and reader below them);
never another workflow (the import contract in pyproject.toml holds it)."""
