"""Printing a paper through the system's print service: CUPS, with its own ``lp``.

The PDF goes to ``lp`` on its standard input (no file of the holder's left in a spool
folder of ours), to the queue the kiosk is configured with, titled, on A5. The CUPS server
is CUPS's own business (``CUPS_SERVER``, client.conf). Every way it can fail is a message
for the person at the kiosk: no printer configured, no ``lp`` installed, CUPS refusing the
job (a queue that does not exist or is stopped, no scheduler running), or no answer.
"""

from __future__ import annotations

import re
import shutil
import subprocess

from kiosk.domain.errors import KioskError

TIMEOUT_S = 30
_JOB = re.compile(r"request id is (\S+)")


def print_pdf(pdf: bytes, *, printer: str | None, title: str) -> str:
    """Send ``pdf`` to ``printer``; the CUPS job id."""
    if not printer:
        raise KioskError("err.print.none")
    lp = shutil.which("lp")
    if lp is None:
        raise KioskError("err.print.no_cups")
    try:
        done = subprocess.run([lp, "-d", printer, "-t", title, "-o", "media=A5", "-"],
                              input=pdf, capture_output=True, timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise KioskError("err.print.no_answer", printer=printer) from None
    found = _JOB.search(done.stdout.decode("utf-8", "replace"))
    if done.returncode != 0 or found is None:
        raise KioskError("err.print.refused", printer=printer)
    return found.group(1)
