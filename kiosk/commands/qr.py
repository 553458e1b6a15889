"""``nhi-kiosk qr``: a QR code drawn exactly as the kiosk draws it (a font check)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kiosk.commands.base import EXIT_USAGE, Command, common_options
from kiosk.domain.config import Config
from kiosk.domain.i18n import Catalog


def arguments(parser: argparse.ArgumentParser) -> None:
    common_options(parser)
    parser.add_argument("text", help="the payload")
    parser.add_argument("--png", type=Path, metavar="FILE", help="also save a PNG for printing")
    parser.add_argument("--invert", action="store_true",
                        help="draw the light modules (for a light-on-dark terminal theme)")


def run(config: Config, catalog: Catalog, args: argparse.Namespace) -> int:
    """The kiosk's half-block drawing, plain (no colours): by default the glyphs are the
    dark modules (a light terminal, paper); ``--invert`` for light-on-dark themes."""
    from kiosk.domain.qr import qr_lines, qr_png

    try:
        lines = qr_lines(args.text, invert=args.invert)
    except ValueError as exc:  # segno's DataOverflowError
        print(catalog.t("qr.too_long", detail=exc), file=sys.stderr)
        return EXIT_USAGE
    print("\n".join(lines), flush=True)
    if args.png:
        try:
            qr_png(args.text, args.png)
        except OSError as exc:
            print(catalog.t("qr.png_failed", path=args.png, detail=exc), file=sys.stderr)
            return EXIT_USAGE
        print(catalog.t("qr.png_saved", path=args.png), file=sys.stderr)
    return 0


COMMAND = Command("qr", "print a QR code exactly as the kiosk draws it (font check)",
                  arguments, run)
