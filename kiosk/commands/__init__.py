"""The ``nhi-kiosk`` commands, one module each, and :data:`COMMANDS`: the one list
kiosk/cli.py makes the parser from and runs the commands through. A new command is a
module with a ``COMMAND`` (kiosk/commands/base.py) and one line here; the order is the
order of ``nhi-kiosk --help``.

Start-up stays light (tests/unit/test_import_hygiene.py): these modules import only what
their parsers need; what a command works with is imported when it runs."""

from __future__ import annotations

from kiosk.commands import (
    batch,
    card,
    card_relay,
    carriers,
    db,
    demo,
    outbox,
    payments,
    qr,
    registry,
    run,
    serve,
    simulated_app,
    staff,
    virtual_card,
    vpcd_sessions,
)
from kiosk.commands.base import Command

COMMANDS: tuple[Command, ...] = (
    run.COMMAND,
    card.COMMAND,
    card_relay.COMMAND,
    virtual_card.COMMAND,
    vpcd_sessions.COMMAND,
    serve.COMMAND,
    outbox.COMMAND,
    registry.COMMAND,
    carriers.COMMAND,
    payments.COMMAND,
    staff.COMMAND,
    batch.COMMAND,
    simulated_app.COMMAND,
    qr.COMMAND,
    db.COMMAND,
    demo.COMMAND,
)

#: what ``nhi-kiosk`` runs without a command, given only options (``nhi-kiosk --demo``)
DEFAULT = run.COMMAND
