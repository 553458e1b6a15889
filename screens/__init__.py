"""Textual screens and widgets: thin, they gather input, call the domain and show results."""
