"""What happens when the kiosk itself fails: the terminal is restored, nothing of the
failure is shown on it, a log line tells the technician where to look, and the process
exits non-zero so a supervisor (systemd ``Restart=on-failure``, docs/deploy.md) brings the
kiosk back.

Textual prints a crash report with every local variable after it restores the terminal;
here a local may be a typed password or a citizen's data. KioskApp therefore points
Textual's public ``error_console`` at nothing, and the report written here keeps only the
exception types and where they were raised (file, line, function, source line): no
values, no exception messages (those often quote what was typed), no locals.

Textual 8 offers no public hook that hands over the exception: ``App.return_code`` (public)
says that one happened; the exception itself is read from ``App._exception``, the one
Textual keeps for ``run_test`` to re-raise. tests/ui/test_crash.py fails if that ever
stops working.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from kiosk import __version__
from kiosk.domain.i18n import Catalog

EXIT_CRASH = 70   # EX_SOFTWARE: an internal error, not a usage or data problem
LOG_NAME = "crash.log"


def report(error: BaseException | None, now: datetime) -> str:
    """The log entry: types and places only."""
    lines = [f"{now.isoformat(timespec='seconds')} nhi-kiosk {__version__} stopped after "
             f"an unexpected {type(error).__name__ if error else 'error'}"]
    chain: list[BaseException] = []
    while error is not None and error not in chain and len(chain) < 10:
        chain.append(error)
        error = error.__cause__ or error.__context__
    for depth, exc in enumerate(chain):
        if depth:
            lines.append(f"  while handling {type(exc).__module__}.{type(exc).__qualname__}:")
        else:
            lines.append(f"  {type(exc).__module__}.{type(exc).__qualname__}")
        for frame in traceback.extract_tb(exc.__traceback__):
            lines.append(f"    {frame.filename}:{frame.lineno} in {frame.name}")
            if frame.line:
                lines.append(f"      {frame.line.strip()}")
    return "\n".join(lines) + "\n"


def write_log(path: Path, text: str) -> None:
    """Append to the log, readable by the kiosk's user only (it names source lines that
    can hint at what was on screen)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as log:
        log.write(text)


def crashed(error: BaseException | None, log_path: Path, catalog: Catalog,
            now: Callable[[], datetime]) -> int:
    """Log the failure, say where in the user's language, and return the exit code."""
    name = type(error).__name__ if error is not None else "?"
    try:
        write_log(log_path, report(error, now()))
    except OSError as exc:
        print(catalog.t("cli.crashed_no_log", error=name, path=log_path,
                        detail=exc.strerror or type(exc).__name__), file=sys.stderr)
    else:
        print(catalog.t("cli.crashed", error=name, path=log_path), file=sys.stderr)
    return EXIT_CRASH


def run_guarded(app: Any, log_path: Path, catalog: Catalog, now: Callable[[], datetime],
                **run: Any) -> int:
    """Run the Textual app; 0 when it was left on purpose, else :data:`EXIT_CRASH`."""
    try:
        app.run(**run)
    except Exception as error:   # outside Textual's own handling: start-up or shut-down
        return crashed(error, log_path, catalog, now)
    if not app.return_code:
        return 0
    return crashed(getattr(app, "_exception", None), log_path, catalog, now)
