"""NHI Card Counter Kiosk: Taiwan NHI card workflows in a full-screen terminal."""

__version__ = "0.1.0"
