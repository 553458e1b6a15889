"""The subcommands that work on the store: the mail outbox, the registry and carrier
directory imports, and the simulated 健保快易通 app (binding devices, answering QR logins).
Each opens the store itself and closes it after; a store it cannot open exits 8, a file it
cannot read or write (a full disk, a read-only mount) exits 74 naming the file (kiosk/cli.py
catches ``OSError`` around every command and hands it to :func:`io_failed`)."""

from __future__ import annotations

import argparse
import functools
import json
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk.domain.config import Config
from kiosk.domain.dates import roc_datetime
from kiosk.domain.i18n import Catalog

if TYPE_CHECKING:
    from kiosk.domain.errors import KioskError
    from kiosk.domain.rows import ImportReport
    from store import Store

EXIT_USAGE, EXIT_STORE = 2, 8
EXIT_IO = 74   # EX_IOERR: a file could not be read or written (disk full, read-only, ...)


def io_failed(catalog: Catalog, exc: OSError) -> int:
    """A file that could not be read or written, in the user's language: which file and
    why, on stderr, and :data:`EXIT_IO`. No traceback: nothing is wrong with the program,
    and the store keeps its last complete version (store/_fs.py), so nothing saved is
    lost; the technician frees space or fixes the mount and runs the command again."""
    from store.errors import io_reason

    reason = io_reason(exc)
    text = catalog.t(f"err.io.{reason}", detail=exc.strerror or type(exc).__name__)
    if exc.filename is not None:
        print(catalog.t("cli.io_failed", path=exc.filename, reason=text), file=sys.stderr)
    else:
        print(catalog.t("cli.io_failed_nofile", reason=text), file=sys.stderr)
    return EXIT_IO


def refused(catalog: Catalog, error: KioskError) -> None:
    """Why a command refused, in the user's language, on stderr."""
    print(catalog.t(error.key, **error.params), file=sys.stderr)


def add_store_commands(sub: Any, shared: argparse.ArgumentParser) -> None:
    common = argparse.ArgumentParser(add_help=False, parents=[shared])
    common.add_argument("--demo", dest="demo_store", action="store_const", const=True,
                        help="work on the demo's store (demo.json) instead of the kiosk's")
    outbox = sub.add_parser("outbox", parents=[common], help="list the mail outbox, newest first")
    outbox.add_argument("--json", action="store_true", help="print a JSON array (unmasked)")
    outbox.add_argument("--limit", type=_non_negative, metavar="N", help="show at most N mails")
    outbox.add_argument("--deliver", action="store_true",
                        help="first try to deliver pending mail through the configured SMTP")

    verbs = _import_command(sub, common, "registry", "the household/residence registry facts",
                            "people", "docs/registry.md")
    verbs.add_parser("seed-demo", parents=[common],
                     help="add the demo people, phone lines and accounts of the demo cards "
                          "to the demo's store")
    _import_command(sub, common, "carriers", "the carrier directory for phone authentication",
                    "phone lines", "docs/carriers.md")
    _payments_command(sub, common)
    staff = sub.add_parser("staff", help="counter staff accounts").add_subparsers(
        dest="verb", required=True)
    for verb, about in (("add", "add a staff account (the password is asked for)"),
                        ("passwd", "set a new password"), ("disable", "disable an account"),
                        ("unlock", "release the lock after five wrong passwords")):
        cmd = staff.add_parser(verb, parents=[common], help=about)
        cmd.add_argument("staff_id")
        if verb == "add":
            cmd.add_argument("--name", required=True)
        if verb in ("add", "passwd"):
            cmd.add_argument("--password-stdin", action="store_true",
                             help="read the password from the first line of stdin")
    staff.add_parser("list", parents=[common], help="list staff accounts")
    staff.add_parser("seal-audit", parents=[common],
                     help="once, right after upgrading: seal an audit log kept in the old, "
                          "unkeyed form (docs/security.md)")
    batch = sub.add_parser("batch", help="整批健保卡註冊: registration files of insured units")
    batch_verbs = batch.add_subparsers(dest="verb", required=True)
    load = batch_verbs.add_parser("import", parents=[common],
                                  help="register the people of a unit file (.CSV or .zip)")
    load.add_argument("file", type=Path)
    load.add_argument("--json", action="store_true", help="print the summary as JSON")
    batch_verbs.add_parser("progress", parents=[common],
                           help="registered / submitted per unit, against the 80 %% target")

    app = sub.add_parser("app", help="the simulated 健保快易通 app")
    app_verbs = app.add_subparsers(dest="verb", required=True)
    redeem = app_verbs.add_parser("redeem", parents=[common],
                                  help="bind a device with a device verification code")
    redeem.add_argument("code")
    redeem.add_argument("--device", required=True, metavar="NAME", help="the device's name")
    for verb, what in (("approve", "log in"), ("deny", "refuse")):
        answer = app_verbs.add_parser(verb, parents=[common],
                                      help=f"{what}: answer a QR login from a bound device")
        answer.add_argument("code", help="the login code or the scanned QR text")
        answer.add_argument("--device", required=True, metavar="NAME",
                            help="a device bound to the person logging in")


def _payments_command(sub: Any, common: argparse.ArgumentParser) -> None:
    verbs = sub.add_parser("payments", help="payments made outside the kiosk").add_subparsers(
        dest="verb", required=True)
    paid = verbs.add_parser("slip-paid", parents=[common],
                            help="a bank counter or store reports a payment slip paid")
    paid.add_argument("atm_no", help="the ATM NO printed on the slip")
    paid.add_argument("--paid-at", type=datetime.fromisoformat, metavar="ISO-TIME",
                      help="when the customer paid (default: now); in time is what counts")


def _import_command(sub: Any, common: argparse.ArgumentParser, name: str, about: str,
                    rows: str, doc: str) -> Any:
    """``nhi-kiosk NAME import FILE [--json]``; returns the verbs for more of them."""
    verbs = sub.add_parser(name, help=about).add_subparsers(dest="verb", required=True)
    load = verbs.add_parser("import", parents=[common],
                            help=f"load {rows} from a CSV or JSON file (see {doc})")
    load.add_argument("file", type=Path)
    load.add_argument("--json", action="store_true", help="print the report as JSON")
    return verbs


# -- outbox ------------------------------------------------------------------------
def _non_negative(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 0, not {text!r}")
    return value


def with_store(command: Callable[..., int]) -> Callable[..., int]:
    """Open the store for a subcommand (or exit 8 after saying why) and close it after."""

    @functools.wraps(command)
    def run(config: Config, catalog: Catalog, args: argparse.Namespace) -> int:
        from kiosk.wiring import open_store

        store = open_store(config, catalog)
        if store is None:
            return EXIT_STORE
        try:
            return command(store, config, catalog, args)
        finally:
            store.close()

    return run


@with_store
def outbox(store: Store, config: Config, catalog: Catalog, args: argparse.Namespace) -> int:
    from datetime import datetime

    from kiosk.domain.clock import SystemClock
    from kiosk.domain.mail import Mailer, mask_email
    from kiosk.domain.smtp import SmtpSender, SmtpSettings
    from store.outbox import Outbox

    t = catalog.t
    outbox = Outbox(store)
    if args.deliver:
        settings = SmtpSettings.from_config(config)
        if settings is None:
            print(t("mail.outbox.not_configured"), file=sys.stderr)
            return EXIT_USAGE
        report = Mailer(outbox, SystemClock(), SmtpSender(settings)).deliver_pending()
        print(t("mail.outbox.report", sent=report.sent, failed=report.failed,
                retry=report.retry, waiting=report.waiting),
              file=sys.stderr if args.json else sys.stdout)
    from kiosk.domain.mail import with_text

    mails = [with_text(mail) for mail in outbox.list(limit=args.limit)]   # one shape
    if args.json:
        print(json.dumps(mails, ensure_ascii=False, indent=2))
        return 0
    if not mails:
        print(t("mail.outbox.empty"))
        return 0

    def when(value: str | None) -> str:
        return roc_datetime(datetime.fromisoformat(value), catalog) if value else ""

    blocks = []
    for mail in mails:
        status = mail.get("status", "queued")
        status_key = "failed_final" if status == "failed" and mail.get("final") else status
        kind = str(mail.get("kind", ""))
        rows = [
            (t("mail.outbox.id"), str(mail["id"])),
            (t("mail.outbox.created"), when(mail.get("created_at"))),
            (t("mail.outbox.to"), mask_email(str(mail.get("to", "")))),
            (t("mail.outbox.kind"), t(f"mail.{kind}.name") if catalog.has(f"mail.{kind}.name")
             else kind),
            (t("mail.outbox.status"), t(f"mail.outbox.status_{status_key}")
             if catalog.has(f"mail.outbox.status_{status_key}") else status),
            (t("mail.outbox.subject"), str(mail.get("subject", ""))),
        ]
        if mail.get("attempts"):
            rows.append((t("mail.outbox.attempts"), str(mail["attempts"])))
        if mail.get("last_error") and status != "sent":
            error = str(mail["last_error"])  # servers often quote the address: mask it
            if mail.get("to"):
                error = error.replace(str(mail["to"]), mask_email(str(mail["to"])))
            rows.append((t("mail.outbox.last_error"), error))
        if mail.get("next_attempt_at"):
            rows.append((t("mail.outbox.next_attempt"), when(mail["next_attempt_at"])))
        blocks.append("\n".join(f"{label}: {value}" for label, value in rows))
    print("\n\n".join(blocks))
    return 0


# -- registry ------------------------------------------------------------------------
@with_store
def registry(store: Store, config: Config, catalog: Catalog,
              args: argparse.Namespace) -> int:
    from kiosk.domain.clock import SystemClock
    from kiosk.domain.demo_people import seed_demo
    from kiosk.domain.registry import Registry
    from kiosk.domain.registry_import import import_registry
    from kiosk.domain.rows import ImportFileError

    t = catalog.t
    if args.verb == "seed-demo":
        added = seed_demo(store, SystemClock().now())
        print(t("registry.report", added=added, updated=0, unchanged=0, rejected=0))
        return 0
    try:
        report = import_registry(args.file, Registry(store))
    except ImportFileError as exc:
        refused(catalog, exc)
        return EXIT_USAGE
    return _print_report(report, catalog, as_json=args.json)


def _print_report(report: ImportReport, catalog: Catalog, *, as_json: bool) -> int:
    """An import's outcome as the table's report line and a line per rejected row."""
    if as_json:
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    else:
        t = catalog.t
        print(t("registry.report", added=report.added, updated=report.updated,
                unchanged=report.unchanged, rejected=len(report.problems)))
        for problem in report.problems:
            print(t("registry.row", row=problem.row, value=problem.value,
                    reason=t(problem.reason)))
    return 1 if report.problems else 0


@with_store
def carriers(store: Store, config: Config, catalog: Catalog,
             args: argparse.Namespace) -> int:
    from kiosk.domain.carriers import CarrierDirectory, import_lines
    from kiosk.domain.rows import ImportFileError

    try:
        report = import_lines(args.file, CarrierDirectory(store))
    except ImportFileError as exc:
        refused(catalog, exc)
        return EXIT_USAGE
    return _print_report(report, catalog, as_json=args.json)


# -- app (simulated) -------------------------------------------------------------------
@with_store
def app(store: Store, config: Config, catalog: Catalog, args: argparse.Namespace) -> int:
    from datetime import timedelta

    from kiosk.domain.devices import Devices
    from kiosk.domain.errors import KioskError
    from kiosk.domain.qr_login import QrLogin
    from kiosk.wiring import build_services

    devices = Devices(build_services(config, store, demo=False))
    qr = QrLogin(devices.s, devices, timedelta(minutes=config.qr_login_minutes))
    answers = {"redeem": (devices.redeem, "dev.bound"), "approve": (qr.approve, "qrl.approved"),
               "deny": (qr.deny, "qrl.denied_on")}
    action, done = answers[args.verb]
    try:
        device = action(args.code, args.device)
    except KioskError as error:
        refused(catalog, error)
        return 1
    print(catalog.t(done, name=device["name"]))
    return 0


# -- payments ----------------------------------------------------------------------------
@with_store
def payments(store: Store, config: Config, catalog: Catalog,
             args: argparse.Namespace) -> int:
    from kiosk.domain.applications import Applications
    from kiosk.domain.clock import TAIPEI
    from kiosk.domain.errors import KioskError
    from kiosk.domain.payments import Payments
    from kiosk.wiring import build_services

    services = build_services(config, store, demo=False)
    try:
        at = args.paid_at or services.clock.now()
        if at.tzinfo is None:
            at = at.replace(tzinfo=TAIPEI)
        app = Payments(Applications(services)).pay_at_store(args.atm_no.strip(), at)
    except KioskError as error:
        refused(catalog, error)
        return 1
    print(catalog.t("pay.slip_paid", atm=app["atm_no"],
                    receipt=app["payment"]["receipt_no"]))
    return 0


# -- batch -------------------------------------------------------------------------------
@with_store
def batch(store: Store, config: Config, catalog: Catalog, args: argparse.Namespace) -> int:
    from kiosk.domain.batch import Batch, BatchFileError
    from kiosk.wiring import build_services

    t = catalog.t
    runner = Batch(build_services(config, store, demo=False))
    if args.verb == "progress":
        for unit, registered, submitted in runner.progress():
            print(t("batch.unit_progress", unit=unit, registered=registered,
                    submitted=submitted, ratio=f"{registered / submitted:.0%}"))
        return 0

    def progress(done: int, total: int) -> None:
        print(t("batch.progress", done=done, total=total), file=sys.stderr)

    try:
        report = runner.import_file(args.file, store.path.parent / "reports", catalog,
                                    None if args.json else progress)
    except BatchFileError as error:
        refused(catalog, error)
        return EXIT_USAGE
    if args.json:
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    else:
        print(t("batch.summary", unit=report.unit, imported=report.imported,
                already=report.already_registered, rejected=report.rejected,
                duplicates=report.duplicates, report=report.report))
    return 1 if report.problems else 0


# -- staff -------------------------------------------------------------------------------
@with_store
def staff(store: Store, config: Config, catalog: Catalog, args: argparse.Namespace) -> int:
    from kiosk.domain.clock import SystemClock
    from kiosk.domain.errors import KioskError
    from kiosk.domain.staff import Staff

    t = catalog.t
    accounts = Staff(store, SystemClock())
    if args.verb == "list":
        for doc in accounts.all():
            print(t("staff.row", staff_id=doc["staff_id"], name=doc["name"],
                    state=t("staff.active" if doc["active"] else "staff.inactive")))
        return 0
    try:
        if args.verb == "seal-audit":
            from kiosk.domain.audit import Audit

            sealed = Audit(store, SystemClock()).seal()
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
