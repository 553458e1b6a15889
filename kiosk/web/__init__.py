"""``nhi-kiosk serve``: the kiosk in a web browser, for demos. textual-serve's AppService
runs one kiosk process per browser and speaks Textual's web driver protocol to it; the
page, the WebSocket and who may reach them are this package's (access.py, server.py,
sessions.py). Only this package imports aiohttp or textual-serve."""
