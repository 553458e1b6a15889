"""``nhi-kiosk vpcd-sessions``: one vpcd reader per counter on a server, so that each
counter's SSH session has a reader (and a port) of its own: the reader.conf.d file for
pcscd, and for each counter its reader's name, its port, the authorized_keys line that
binds its key to that reader and that port only, and the tunnel its PC opens.

vpcd (vsmartcard) makes two slots per entry, named ``<FRIENDLYNAME> 00 00`` and
``... 00 01`` on the entry's port and the next; a counter uses the first, so counters are
two ports apart. pcscd loads a driver file once and vpcd keeps its state in it, so a
second entry on the same file lists its readers but never sees a card: every entry has a
copy of the driver of its own (``--driver-dir``), which the helper says how to make.
vpcd listens on every interface: the ports must be closed to the network
(a firewall), as anyone reaching one can put a card of their choosing in that reader.
"""

from __future__ import annotations

import argparse
import sys

from kiosk.commands.base import EXIT_USAGE, Command, common_options
from kiosk.domain.config import Config
from kiosk.domain.i18n import Catalog

DRIVER = "/usr/lib/pcsc/drivers/serial/libifdvpcd.so"
DRIVER_DIR = "/usr/local/lib/nhi-kiosk/vpcd"
MAX_COUNTERS = 64
MAX_PREFIX = 40
MAX_PATH = 255


def arguments(parser: argparse.ArgumentParser) -> None:
    common_options(parser)
    parser.add_argument("--counters", type=int, required=True, help="how many counters")
    parser.add_argument("--base-port", type=int, default=40000,
                        help="the first counter's vpcd port (default 40000)")
    parser.add_argument("--prefix", default="NHI counter",
                        help="reader names: '<prefix> <n> 00 00' (default 'NHI counter')")
    parser.add_argument("--driver-dir", default=DRIVER_DIR,
                        help="the folder of each counter's copy of vpcd's driver "
                        "(default: a folder of the kiosk's under /usr/local/lib)")
    parser.add_argument("--kiosk", default="/opt/nhi-kiosk/.venv/bin/nhi-kiosk",
                        help="the kiosk's path on the server, for the authorized_keys lines")


def counter_ports(count: int, base: int) -> list[int]:
    return [base + 2 * n for n in range(count)]


def driver_copy(driver_dir: str, n: int) -> str:
    return f"{driver_dir.rstrip('/')}/libifdvpcd-{n}.so"


def reader_conf(count: int, base: int, prefix: str, driver_dir: str = DRIVER_DIR) -> str:
    """The reader.conf.d file: one vpcd entry per counter, each with its driver copy."""
    entries = []
    for n, port in enumerate(counter_ports(count, base), start=1):
        entries.append(f'FRIENDLYNAME "{prefix} {n}"\nDEVICENAME   /dev/null:0x{port:04X}\n'
                       f"LIBPATH      {driver_copy(driver_dir, n)}\n"
                       f"CHANNELID    0x{port:04X}\n")
    return "\n".join(entries)


def reader_name(prefix: str, n: int) -> str:
    return f"{prefix} {n} 00 00"


def _usable_path(path: str) -> bool:
    """A path that fits in the authorized_keys line's quotes."""
    return path.startswith("/") and len(path) <= MAX_PATH and path.isprintable() \
        and not any(ch in path for ch in "\"' \\")


def run(config: Config, catalog: Catalog, args: argparse.Namespace) -> int:
    prefix = args.prefix.strip()
    ports = counter_ports(args.counters, args.base_port)
    if not 0 < args.counters <= MAX_COUNTERS or not 1024 <= args.base_port \
            or ports[-1] + 1 > 65535 or not prefix.isprintable() or '"' in prefix \
            or not 0 < len(prefix) <= MAX_PREFIX or not _usable_path(args.kiosk):
        print(catalog.t("sessions.bad", max=MAX_COUNTERS, prefix=MAX_PREFIX), file=sys.stderr)
        return EXIT_USAGE
    print(catalog.t("sessions.drivers_head"))
    for n in range(1, args.counters + 1):
        print(f"install -D -m 0644 {DRIVER} {driver_copy(args.driver_dir, n)}")
    print(catalog.t("sessions.conf_head"))
    print(reader_conf(args.counters, args.base_port, prefix, args.driver_dir))
    for n, port in enumerate(ports, start=1):
        name = reader_name(prefix, n)
        print(catalog.t("sessions.counter", n=n, name=name, port=port))
        print(f'  command="{args.kiosk} --reader pcsc --reader-name \'{name}\'",'
              f'permitopen="127.0.0.1:{port}",no-agent-forwarding,no-X11-forwarding '
              "ssh-ed25519 AAAA... counter-" + str(n))
        print(f"  ssh -N -L {port}:127.0.0.1:{port} kiosk@SERVER &   "
              f"nhi-kiosk card-relay --reader-name 'LOCAL READER' --to 127.0.0.1:{port}")
    return 0


COMMAND = Command("vpcd-sessions", "one vpcd reader per counter: pcscd's file, the keys' "
                  "lines (docs/deploy.md)", arguments, run)
