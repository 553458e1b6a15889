"""A private CUPS scheduler with a PDF-capturing queue, for the print tests.

:class:`CupsServer` runs its own ``cupsd`` (never the system's) in the foreground as root:
its config, spool, cache, state and logs live in one temp dir, it listens only on a Unix
socket in that dir (no TCP port, no browsing), and it has one queue, ``kiosk-pdf``, on the
``cups-pdf`` backend. A job printed there goes through the real filter chain (pdftopdf,
pdftops) to cups-pdf, which distils it with Ghostscript into ``out/job_<id>-<title>.pdf``.

The kiosk reaches the server with ``lp -h <server> -d kiosk-pdf -t <title> -`` (the PDF on
stdin) or with ``CUPS_SERVER=<server>`` in its environment; :attr:`CupsServer.server` is the
socket path both take.

One thing lives outside the temp dir: cups-pdf reads its settings only from ``/etc/cups``
(the path is compiled in). For a device URI ``cups-pdf:/<name>`` it reads
``/etc/cups/cups-pdf-<name>.conf`` instead of the system's ``cups-pdf.conf``, so each server
writes its own uniquely named file there at start and removes it at stop; the system file is
never read or changed. A file left by a killed session (its output dir gone) is removed by the
next start.

The queue uses the option-less ``CUPS-PDF_noopt.ppd``: with the ``_opt`` PPD, the PPD's
defaults (``Label``, ``TitlePref``) would override the per-queue config. Its PDF-to-PostScript
step renders with pdftocairo, the one renderer after which CJK text still reads back from
the captured PDF (the default renderers keep the glyphs and lose their Unicode).

No fixed sleeps: start-up polls ``lpstat -r`` and a print polls the job's IPP state
(``ipptool`` Get-Job-Attributes), each against a deadline. Every failure message carries the
tails of cupsd's error_log (the job's lines when a job is known) and of cups-pdf's log.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from tests.integration.helpers import end_process

PRINTER = "kiosk-pdf"
READY_TIMEOUT = 20.0
PRINT_TIMEOUT = 30.0
POLL_S = 0.05
COMMAND_TIMEOUT = 30.0

#: cups-pdf reads ``<this>/cups-pdf-<name>.conf`` for the URI ``cups-pdf:/<name>``
CUPS_PDF_CONFIG_DIR = Path("/etc/cups")
CONF_PREFIX = "cups-pdf-nhi-kiosk-"
BACKEND = Path("/usr/lib/cups/backend/cups-pdf")
PPD_CANDIDATES = (
    Path("/usr/share/ppd/cups-pdf/CUPS-PDF_noopt.ppd"),   # Debian, Ubuntu
    Path("/usr/share/cups/model/CUPS-PDF_noopt.ppd"),     # upstream default
)
#: the Debian packages that bring every tool below: cups-filters the filters pdftopdf and
#: pdftops, poppler-utils the pdftocairo that pdftops renders with
APT_PACKAGES = (
    "cups-daemon", "cups-client", "cups-filters", "cups-ipp-utils",
    "printer-driver-cups-pdf", "poppler-utils",
)
INSTALL_HINT = (
    "the print tests need CUPS with the cups-pdf backend: "
    "apt-get install --no-install-recommends " + " ".join(APT_PACKAGES) + " (run as root)"
)
#: job states after which the job will not change by itself (RFC 8011 5.3.7): a
#: "processing-stopped" job (a filter failed) waits for an operator who never comes
DONE_STATES = {"completed", "canceled", "aborted", "processing-stopped"}
#: cups-filters' pdftops turns the PDF into PostScript for cups-pdf; with its default
#: renderers (hybrid, gs) the CJK text of the captured PDF no longer extracts (glyphs
#: without Unicode), with pdftocairo it does
PDFTOPS_RENDERER = "pdftocairo"

_T = TypeVar("_T")


def _tool(name: str) -> str | None:
    return shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin:/usr/bin:/bin")


def cupsd_binary() -> str | None:
    return _tool("cupsd")


def cups_pdf_ppd() -> Path | None:
    return next((p for p in PPD_CANDIDATES if p.is_file()), None)


def missing_parts() -> list[str]:
    """What this harness needs and does not find (empty when everything is installed)."""
    missing = [name for name in ("cupsd", "lp", "lpstat", "lpadmin", "ipptool", "pdftocairo")
               if _tool(name) is None]
    if not BACKEND.is_file():
        missing.append(str(BACKEND))
    if cups_pdf_ppd() is None:
        missing.append("CUPS-PDF_noopt.ppd")
    if not CUPS_PDF_CONFIG_DIR.is_dir():
        missing.append(str(CUPS_PDF_CONFIG_DIR))
    return missing


def pdf_text(path: Path) -> str:
    """The text of every page of a PDF, as pypdf extracts it (as the unit tests read the
    papers)."""
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def _poll(check: Callable[[], _T | None], timeout: float, what: str,
          details: Callable[[], str]) -> _T:
    """Call *check* until it returns something other than None; TimeoutError after *timeout*."""
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    while True:
        result = check()
        if result is not None:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} within {timeout:g} s; {details()}")
        pause.wait(POLL_S)


class CupsServer:
    """A private cupsd with one cups-pdf queue; see the module docstring."""

    def __init__(self, printer: str = PRINTER) -> None:
        self.printer = printer
        self.root: Path | None = None
        self.proc: subprocess.Popen[bytes] | None = None
        self._queue_conf: Path | None = None
        self._collected: set[int] = set()

    # -- where things are ----------------------------------------------------------------
    def _path(self, *parts: str) -> Path:
        assert self.root is not None, "the CUPS server is not started"
        return self.root.joinpath(*parts)

    @property
    def server(self) -> str:
        """What ``lp -h`` and ``CUPS_SERVER`` take: the scheduler's Unix socket."""
        return str(self._path("cups.sock"))

    @property
    def env(self) -> dict[str, str]:
        """Environment entries that point CUPS clients (lp, lpstat) at this server."""
        return {"CUPS_SERVER": self.server}

    @property
    def out_dir(self) -> Path:
        """Where cups-pdf writes the captured PDFs (created by cups-pdf on the first job)."""
        return self._path("out")

    @property
    def error_log(self) -> Path:
        return self._path("log", "error_log")

    # -- lifecycle -----------------------------------------------------------------------
    def start(self, timeout: float = READY_TIMEOUT) -> None:
        """Start cupsd, wait until it runs, and add the cups-pdf queue."""
        assert self.proc is None, "the CUPS server is already started"
        binary, ppd = cupsd_binary(), cups_pdf_ppd()
        if binary is None or ppd is None or missing_parts():
            raise RuntimeError(f"missing: {', '.join(missing_parts())}")
        _remove_stale_queue_confs()
        # Not under pytest's basetemp: that is 0700, and cupsd runs its filters as "lp",
        # which must reach the PPD and spool files below this dir. A short path besides:
        # a Unix socket path has at most 107 bytes.
        self.root = Path(tempfile.mkdtemp(prefix="nhi-kiosk-cups-", dir="/tmp"))
        self.root.chmod(0o755)
        for sub in ("etc", "log", "gstmp"):
            self._path(sub).mkdir(mode=0o755)
        self._write_cupsd_confs()
        with self._path("log", "cupsd.out").open("ab") as out:
            self.proc = subprocess.Popen(
                [binary, "-f", "-c", str(self._path("etc", "cupsd.conf")),
                 "-s", str(self._path("etc", "cups-files.conf"))],
                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                cwd=self.root, env=_client_env(),
            )
        try:
            _poll(self._scheduler_running, timeout, "cupsd did not report running",
                  self.log_tail)
            self._add_queue(ppd)
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """Stop cupsd, remove the cups-pdf config from /etc/cups and the temp dir."""
        if self.proc is not None:
            end_process(self.proc)
            self.proc = None
        if self._queue_conf is not None:
            self._queue_conf.unlink(missing_ok=True)
            self._queue_conf = None
        if self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)
            self.root = None
        self._collected.clear()

    def _write_cupsd_confs(self) -> None:
        root = self.root
        # Only a Unix socket: no Port, no Browsing, no web interface. The empty policy
        # lets the local root client administer it (lpadmin) without authentication.
        self._path("etc", "cupsd.conf").write_text(f"""\
LogLevel debug
MaxLogSize 0
Listen {root}/cups.sock
Browsing Off
WebInterface No
DefaultAuthType None
ErrorPolicy abort-job
PreserveJobHistory Yes
MaxJobs 0
<Policy default>
  JobPrivateAccess all
  JobPrivateValues none
  SubscriptionPrivateAccess all
  SubscriptionPrivateValues none
  <Limit All>
    Order deny,allow
  </Limit>
</Policy>
""")
        # TempDir is left at its default (RequestRoot/tmp), which cupsd creates with the
        # modes its filters (run as "lp") need.
        self._path("etc", "cups-files.conf").write_text(f"""\
ServerRoot {root}/etc
RequestRoot {root}/spool
CacheDir {root}/cache
StateDir {root}/state
AccessLog {root}/log/access_log
ErrorLog {root}/log/error_log
PageLog {root}/log/page_log
Printcap {root}/printcap
FileDevice No
User lp
Group lp
SystemGroup root
""")
        self._path("get-job.test").write_text("""\
{
  OPERATION Get-Job-Attributes
  GROUP operation-attributes-tag
  ATTR charset attributes-charset utf-8
  ATTR naturalLanguage attributes-natural-language en
  ATTR uri printer-uri $uri
  ATTR integer job-id $job_id
  ATTR keyword requested-attributes job-state,job-state-reasons,job-printer-state-message
  STATUS successful-ok
}
""")

    def _add_queue(self, ppd: Path) -> None:
        assert self.root is not None
        # cups-pdf:/<name> makes cups-pdf read /etc/cups/cups-pdf-<name>.conf
        name = f"{CONF_PREFIX.removeprefix('cups-pdf-')}{os.getpid()}-{self.root.name[-8:]}"
        conf = CUPS_PDF_CONFIG_DIR / f"cups-pdf-{name}.conf"
        # Label 1: "job_<id>-<title>.pdf", so a job's PDF is found by its id;
        # TitlePref 1: the title given with lp -t, not the PostScript %%Title.
        conf.write_text(f"""\
Out {self.out_dir}
AnonDirName {self.out_dir}
Spool {self._path('cups-pdf-spool')}
Log {self._path('log')}
LogType 7
GSTmp {self._path('gstmp')}
Grp lp
Label 1
TitlePref 1
""")
        self._queue_conf = conf
        self._run(["lpadmin", "-h", self.server, "-p", self.printer, "-E",
                   "-v", f"cups-pdf:/{name}", "-P", str(ppd),
                   "-o", f"pdftops-renderer-default={PDFTOPS_RENDERER}"], "lpadmin")
        self._run(["lpadmin", "-h", self.server, "-d", self.printer], "lpadmin -d")
        status = self._run(["lpstat", "-h", self.server, "-p", self.printer], "lpstat -p")
        if "enabled" not in status:
            raise RuntimeError(f"the queue {self.printer} is not enabled: {status.strip()}; "
                               f"{self.log_tail()}")

    # -- talking to it -------------------------------------------------------------------
    def _run(self, args: list[str], what: str, stdin: bytes | None = None) -> str:
        done = subprocess.run(args, input=stdin, capture_output=True,
                              timeout=COMMAND_TIMEOUT, check=False, env=_client_env())
        if done.returncode != 0:
            raise RuntimeError(
                f"{what} failed ({done.returncode}): "
                f"{done.stderr.decode(errors='replace').strip()}; {self.log_tail()}"
            )
        return done.stdout.decode(errors="replace")

    def _scheduler_running(self) -> bool | None:
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise RuntimeError(f"cupsd exited with {self.proc.returncode}; {self.log_tail()}")
        done = subprocess.run(["lpstat", "-h", self.server, "-r"], capture_output=True,
                              timeout=COMMAND_TIMEOUT, check=False, env=_client_env())
        # lpstat -r exits 0 either way; only its words tell
        return True if done.stdout.strip() == b"scheduler is running" else None

    def lp(self, pdf: bytes, title: str = "test") -> int:
        """Print *pdf* as the kiosk does (``lp -h … -d … -t … -``); the job id."""
        out = self._run(["lp", "-h", self.server, "-d", self.printer, "-t", title, "-"],
                        "lp", stdin=pdf)
        return job_id(out, self.printer)

    def job_ids(self) -> list[int]:
        """Every job of the queue, finished or not, oldest first."""
        out = self._run(["lpstat", "-h", self.server, "-W", "all", "-o", self.printer],
                        "lpstat -o")
        pattern = re.compile(rf"^{re.escape(self.printer)}-(\d+)\s", re.MULTILINE)
        return sorted(int(n) for n in pattern.findall(out))

    def job_state(self, job: int) -> tuple[str, str, str]:
        """(job-state, job-state-reasons, job-printer-state-message) of *job*, over IPP."""
        uri = f"ipp://{self.server.replace('/', '%2F')}/printers/{self.printer}"
        out = self._run(["ipptool", "-tv", "-d", f"job_id={job}", uri,
                         str(self._path("get-job.test"))], "ipptool Get-Job-Attributes")

        def attr(name: str) -> str:
            found = re.search(rf"^\s*{name} \([^)]*\) = (.*)$", out, re.MULTILINE)
            return found.group(1).strip() if found else ""

        return attr("job-state"), attr("job-state-reasons"), attr("job-printer-state-message")

    def wait_printed(self, timeout: float = PRINT_TIMEOUT, job: int | None = None) -> Path:
        """The PDF cups-pdf captured for *job*, once the job has completed.

        Without *job*: the oldest job of the queue not collected by an earlier call (the
        kiosk runs ``lp`` itself and the test does not see its job id). AssertionError,
        with the logs, when the job fails or does not finish within *timeout*.
        """
        deadline = time.monotonic() + timeout
        try:
            if job is None:
                job = _poll(self._next_uncollected, timeout, "no print job arrived",
                            self.log_tail)
            state = _poll(lambda: self._finished(job), max(deadline - time.monotonic(), 0),
                          f"job {job} did not finish", lambda: self.log_tail(job=job))
        except TimeoutError as exc:
            raise AssertionError(str(exc)) from None
        name, reasons, message = state
        if name != "completed" or "completed-with-errors" in reasons:
            raise AssertionError(f"job {job} ended {name} ({reasons}; {message!r}); "
                                 f"{self.log_tail(job=job)}")
        found = sorted(self.out_dir.glob(f"job_{job}-*.pdf")) if self.out_dir.is_dir() else []
        if len(found) != 1:
            raise AssertionError(f"job {job} completed but cups-pdf wrote {found} in "
                                 f"{self.out_dir}; {self.log_tail(job=job)}")
        self._collected.add(job)
        return found[0]

    def _next_uncollected(self) -> int | None:
        return next((j for j in self.job_ids() if j not in self._collected), None)

    def _finished(self, job: int) -> tuple[str, str, str] | None:
        state = self.job_state(job)
        return state if state[0] in DONE_STATES else None

    # -- logs --------------------------------------------------------------------------
    def log_tail(self, lines: int = 25, job: int | None = None) -> str:
        """The ends of cupsd's error_log (only *job*'s lines when given), of cups-pdf's log
        and of cupsd's own output."""
        if self.root is None:
            return "(no CUPS logs: the server is not started)"
        parts = []
        for label, path, keep in (
            ("cupsd error_log", self.error_log,
             (lambda line: f"[Job {job}]" in line and "envp[" not in line)
             if job is not None else (lambda line: True)),
            ("cups-pdf log", self._path("log", f"cups-pdf-{self.printer}_log"),
             lambda line: True),
            ("cupsd output", self._path("log", "cupsd.out"), lambda line: True),
        ):
            try:
                text = path.read_text(errors="replace")
            except OSError:
                continue
            kept = [line for line in text.splitlines() if keep(line)][-lines:]
            if kept:
                parts.append(f"{label} ({path}): " + " | ".join(kept))
        return "; ".join(parts) or f"(no CUPS logs in {self.root / 'log'})"


def job_id(lp_output: str, printer: str = PRINTER) -> int:
    """The job id in lp's "request id is kiosk-pdf-7 (1 file(s))"."""
    found = re.search(rf"request id is {re.escape(printer)}-(\d+)", lp_output)
    if found is None:
        raise AssertionError(f"no job id for {printer} in lp's output {lp_output!r}")
    return int(found.group(1))


def _client_env() -> dict[str, str]:
    """The environment of cupsd and its clients: no CUPS_SERVER/user config that points
    elsewhere (every command names the server with -h)."""
    return {k: v for k, v in os.environ.items()
            if k not in ("CUPS_SERVER", "CUPS_USER", "IPP_PORT", "CUPS_SERVERROOT")}


def _remove_stale_queue_confs() -> None:
    """Remove the cups-pdf configs of killed sessions: those whose output dir is gone."""
    for conf in CUPS_PDF_CONFIG_DIR.glob(f"{CONF_PREFIX}*.conf"):
        try:
            out = next((line.split(None, 1)[1] for line in conf.read_text().splitlines()
                        if line.startswith("Out ")), None)
            if out is None or not Path(out).parent.is_dir():
                conf.unlink(missing_ok=True)
        except (OSError, IndexError):
            continue
