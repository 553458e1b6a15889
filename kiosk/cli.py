"""``nhi-kiosk`` (and ``python -m kiosk``): the command line, at the top of the layers
with kiosk/app.py. It builds the parser from :data:`kiosk.commands.COMMANDS` (one module
per command under kiosk/commands/), reads the config and runs the command, which takes
its domain services from kiosk/wiring.py. Exit codes: kiosk/commands/base.py."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from kiosk import __version__
from kiosk.commands import COMMANDS, DEFAULT
from kiosk.commands.base import (
    EXIT_IO,
    EXIT_NO_CARD,
    EXIT_NO_READER,
    EXIT_NO_SERVICE,
    EXIT_NOT_NHI,
    EXIT_READ_FAILED,
    EXIT_STORE,
    EXIT_USAGE,
    io_failed,
    refused,
)
from kiosk.domain.config import ConfigError, load_config
from kiosk.domain.errors import KioskError
from kiosk.domain.i18n import Catalog

__all__ = ["EXIT_IO", "EXIT_NOT_NHI", "EXIT_NO_CARD", "EXIT_NO_READER", "EXIT_NO_SERVICE",
           "EXIT_READ_FAILED", "EXIT_STORE", "EXIT_USAGE", "main", "with_default_command"]

DESCRIPTION = """\
The NHI card kiosk. Without a command it starts the kiosk, as 'nhi-kiosk run'
does; the other commands are for technicians and administrators.
'nhi-kiosk COMMAND --help' shows what a command takes."""

EPILOG = """\
exit codes:
  0   done
  1   the command refused (the reason is printed) or an import rejected rows
  2   usage or configuration error, or an input file that cannot be read
  3   no PC/SC service (pcscd not reachable)
  4   no card reader
  5   no card in the reader
  6   not an NHI card
  7   the card could not be read, or its data are not valid
  8   the store cannot be opened
  70  the kiosk stopped after an unexpected error (crash.log beside the store)
  74  a file could not be read or written (disk full, read-only, permissions)"""

_BY_NAME = {command.name: command for command in COMMANDS}


def _parser(words: Sequence[str] = ()) -> argparse.ArgumentParser:
    """The parser for ``words`` (already through :func:`with_default_command`): with the
    command named first, only that command's arguments are built — a kiosk restarting
    should not build eleven parsers to use one (about 7 ms of its start-up); for the
    top-level help or version, all of them."""
    parser = argparse.ArgumentParser(prog="nhi-kiosk", description=DESCRIPTION, epilog=EPILOG,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"nhi-kiosk {__version__}")
    sub = parser.add_subparsers(dest="command",   # usage names every command either way
                                metavar="{" + ",".join(_BY_NAME) + "}")
    named = _BY_NAME.get(words[0]) if words else None
    for command in (named,) if named is not None else COMMANDS:
        command.arguments(sub.add_parser(command.name, help=command.help))
    return parser


def with_default_command(argv: Sequence[str]) -> list[str]:
    """argparse has no default subcommand: ``nhi-kiosk`` alone or with only options
    (``nhi-kiosk --demo``) runs :data:`kiosk.commands.DEFAULT`, so its name goes first
    unless the first word is a command or asks for the top-level help or version."""
    words = list(argv)
    if not words or words[0] not in (*_BY_NAME, "-h", "--help", "--version"):
        words.insert(0, DEFAULT.name)
    return words


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; its exit code. A file that cannot be read or written in any of
    them (``OSError``: disk full, read-only, permissions) ends it with a message naming
    the file in the user's language and exit 74, never a traceback (base.io_failed)."""
    words = with_default_command(sys.argv[1:] if argv is None else argv)
    args = _parser(words).parse_args(words)
    command = _BY_NAME[args.command]
    flags = {"lang": args.lang, "db": args.db} | command.settings(args)
    try:
        config = load_config(flags, config_file=args.config)
    except ConfigError as exc:
        print(Catalog(args.lang or "en").t("cli.config_error", detail=exc), file=sys.stderr)
        return EXIT_USAGE
    catalog = Catalog(config.lang)
    try:
        return command.run(config, catalog, args)
    except OSError as exc:
        return io_failed(catalog, exc)
    except KioskError as error:   # a refusal no command expected, e.g. a missing machine key
        refused(catalog, error)
        return EXIT_STORE
