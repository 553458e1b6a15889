"""``nhi-kiosk outbox``: the mail outbox, newest first; ``--deliver`` sends what waits."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from kiosk.commands.base import EXIT_USAGE, Command, on_store, store_options, store_settings
from kiosk.domain.dates import roc_datetime
from kiosk.domain.i18n import Catalog

if TYPE_CHECKING:
    from kiosk.wiring import Domain


def _non_negative(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 0, not {text!r}")
    return value


def arguments(parser: argparse.ArgumentParser) -> None:
    store_options(parser)
    parser.add_argument("--json", action="store_true", help="print a JSON array (unmasked)")
    parser.add_argument("--limit", type=_non_negative, metavar="N", help="show at most N mails")
    parser.add_argument("--deliver", action="store_true",
                        help="first try to deliver pending mail through the configured SMTP")


@on_store
def run(domain: Domain, catalog: Catalog, args: argparse.Namespace) -> int:
    from datetime import datetime

    from kiosk.domain.mail import mask_email, with_text
    from kiosk.wiring import smtp_sender

    t = catalog.t
    if args.deliver:
        sender = smtp_sender(domain.config)
        if sender is None:
            print(t("mail.outbox.not_configured"), file=sys.stderr)
            return EXIT_USAGE
        report = domain.mailer(sender).deliver_pending()
        print(t("mail.outbox.report", sent=report.sent, failed=report.failed,
                retry=report.retry, waiting=report.waiting),
              file=sys.stderr if args.json else sys.stdout)

    mails = [with_text(mail) for mail in domain.outbox.mails(limit=args.limit)]   # one shape
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


COMMAND = Command("outbox", "list the mail outbox, newest first", arguments, run,
                  store_settings)
