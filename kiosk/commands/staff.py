"""``nhi-kiosk staff``: the counter staff accounts (add, new password, disable, unlock,
list) and, once after upgrading, sealing an old audit log."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from kiosk.commands.base import (
    EXIT_USAGE,
    Command,
    on_store,
    refused,
    store_options,
    store_settings,
)
from kiosk.domain.i18n import Catalog

if TYPE_CHECKING:
    from kiosk.wiring import Domain


def arguments(parser: argparse.ArgumentParser) -> None:
    verbs = parser.add_subparsers(dest="verb", required=True)
    for verb, about in (("add", "add a staff account (the password is asked for)"),
                        ("passwd", "set a new password"), ("disable", "disable an account"),
                        ("unlock", "release the lock after five wrong passwords")):
        cmd = verbs.add_parser(verb, help=about)
        store_options(cmd)
        cmd.add_argument("staff_id", help="the staff ID typed at the counter's sign-in")
        if verb == "add":
            cmd.add_argument("--name", required=True,
                             help="the staff member's name, shown while signed in")
        if verb in ("add", "passwd"):
            cmd.add_argument("--password-stdin", action="store_true",
                             help="read the password from the first line of stdin")
    store_options(verbs.add_parser("list", help="list staff accounts"))
    store_options(verbs.add_parser("seal-audit", help="once, right after upgrading: seal an "
                                   "audit log kept in the old, unkeyed form (docs/security.md)"))


@on_store
def run(domain: Domain, catalog: Catalog, args: argparse.Namespace) -> int:
    from kiosk.domain.errors import KioskError

    t = catalog.t
    accounts = domain.staff
    if args.verb == "list":
        for doc in accounts.all():
            print(t("staff.row", staff_id=doc["staff_id"], name=doc["name"],
                    state=t("staff.active" if doc["active"] else "staff.inactive")))
        return 0
    try:
        if args.verb == "seal-audit":
            sealed = domain.audit.seal()
            print(t("audit.sealed", entries=sealed) if sealed else t("audit.nothing_to_seal"))
            return 0
        if args.verb in ("disable", "unlock"):
            getattr(accounts, args.verb)(args.staff_id)
            done = "staff.disabled" if args.verb == "disable" else "staff.unlocked"
            print(t(done, staff_id=args.staff_id))
            return 0
        password = _read_password(catalog, args.password_stdin)
        if password is None:
            print(t("staff.mismatch"), file=sys.stderr)
            return EXIT_USAGE
        if args.verb == "add":
            accounts.add(args.staff_id, args.name, password)
            print(t("staff.added", staff_id=args.staff_id))
        else:
            accounts.passwd(args.staff_id, password)
            print(t("staff.changed", staff_id=args.staff_id))
    except KioskError as error:
        refused(catalog, error)
        return 1
    return 0


def _read_password(catalog: Catalog, from_stdin: bool) -> str | None:
    """Never from a flag (it would sit in the shell history and ps): a prompt, twice, or
    the first line of stdin for scripts."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    import getpass

    first = getpass.getpass(catalog.t("staff.password_prompt"))
    second = getpass.getpass(catalog.t("staff.repeat_prompt"))
    return first if first == second else None


COMMAND = Command("staff", "counter staff accounts", arguments, run, store_settings)
