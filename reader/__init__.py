"""Card readers: the NHI card protocol, PC/SC, the simulated tray and the vpcd virtual card.

Nothing here knows about Textual; the kiosk turns :class:`reader.events.ReaderEvent`
objects into UI messages.
"""
