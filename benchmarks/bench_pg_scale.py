"""Benchmark of the PostgreSQL store (issue 17): the kiosk's lookup and registration at
1,000,000 accounts against the bare psycopg statement of the same row (the floor).

A private cluster is started with ``tests.integration.postgres.PgServer`` (the harness of
the PostgreSQL tests, imported from there: ``initdb`` in a temp dir, a Unix socket only,
``fsync`` on; run as the ``postgres`` user under root) and stopped at the end. Then:

1. fill: a fresh database gets the schema from ``PgStore.open``, then ``--accounts``
   (default 1,000,000) accounts, shaped as ``bench_store_scale.make_account`` makes them,
   are bulk-loaded into ``nhi_kiosk.accounts`` (a column per field, made by the store's
   codec) with one ``COPY ... FROM STDIN``, then ``ANALYZE``; its time is reported;
2. in one long-lived process, ``--runs`` samples of each, interleaved (the order within a
   round alternates), after an untimed warm-up:
   - kiosk lookup: ``PgStore.accounts().get_by_id`` of a random existing ID number;
   - bare lookup: ``SELECT <the columns> FROM nhi_kiosk.accounts WHERE id_no = %s`` on a
     plain psycopg connection in autocommit;
   - kiosk commit: ``PgStore.accounts().add`` of a new account;
   - bare commit: ``INSERT INTO nhi_kiosk.accounts (<the columns>) VALUES (...)`` in
     autocommit on that plain connection, its values made before the clock starts;
   - for the reading of the difference (report only): the statements the kiosk sends,
     sent by hand on the plain connection (the query; for a commit the store's
     transaction-level lock and the INSERT ... ON CONFLICT DO NOTHING as one query
     string), and the number of round trips of one kiosk lookup and one kiosk commit,
     counted as ReadyForQuery messages in a libpq trace of the store's connections (a
     PgStore subclass that keeps the connections its pool makes), and the time of one
     round trip (an empty query on the plain connection);
3. the TinyDB store (``store.Store``) at ``--tinydb-accounts`` (default 100,000), filled
   with one ``Store.append`` in one transaction: its ``accounts().get_by_id`` and
   ``accounts().add`` the same way, in a process of its own (report only);
4. on both stores: one process adding 2,000 accounts (``--procs`` x ``--per-proc``), then
   8 processes x 250 ``accounts().add`` at once (no password hashing; a lock timeout is
   counted and retried); wall time and commits/s, and every account present afterwards
   (checked by a fresh process).

Targets (issue 17, against the bare statement of the same run): kiosk lookup <= 2x bare
lookup, kiosk commit <= 2x bare INSERT, at the size filled; every account of (4) present.
The rest is reported.

The bench itself never imports the store: every store process is this file run as
``python -P <this file> --worker pg|tinydb ...``, which imports ``store`` from the work tree
(checked), and talks to the bench over pipes, one JSON line per command and per reply.
No sleeps.

Run: ``.venv/bin/python benchmarks/bench_pg_scale.py`` (a quick look: ``--accounts 20000
--tinydb-accounts 5000 --per-proc 25``); exits 1 if a target is missed.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:   # the workers run with -P: _common is imported by the bench side only
    from _common import PipeWorker

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
PYTHON = sys.executable
sys.path.insert(0, str(HERE))
from bench_store_scale import (  # noqa: E402  (stdlib only)
    add_all,
    card_no,
    id_no,
    log,
    make_account,
    ms,
    one_then_many,
)

DEFAULT_ACCOUNTS = 1_000_000
DEFAULT_TINYDB = 100_000
TABLE = "nhi_kiosk.accounts"
LOOKUP_TARGET = 2.0   # kiosk lookup / bare SELECT
COMMIT_TARGET = 2.0   # kiosk add / bare INSERT
WARMUP = 10           # untimed rounds before (2) and (3): psycopg prepares after 5


# -- the store processes (this file run with --worker) --------------------------------------
def _reply(**fields: Any) -> None:
    sys.stdout.write(json.dumps(fields) + "\n")
    sys.stdout.flush()


def _traced_store_class() -> Any:
    """A PgStore that keeps the connections its pool makes (to trace them)."""
    from store.pg import PgStore

    class TracedPgStore(PgStore):
        def _configure(self, conn: Any) -> None:
            super()._configure(conn)
            self.__dict__.setdefault("traced", []).append(conn)

    return TracedPgStore


def _round_trips(store: Any, action: Any) -> int:
    """ReadyForQuery messages the server sends the store's connections during ``action``:
    libpq's trace writes one line per message, ``<when>\\tB\\t<length>\\tReadyForQuery...``
    (buffered: flushed by the untrace)."""
    with tempfile.NamedTemporaryFile() as trace:
        conns = list(store.__dict__.get("traced", []))
        for conn in conns:
            conn.pgconn.trace(trace.fileno())
        try:
            action()
        finally:
            for conn in conns:
                conn.pgconn.untrace()
        if len(store.__dict__.get("traced", [])) != len(conns):
            raise RuntimeError("the pool made a connection during the traced action")
        text = Path(trace.name).read_text(errors="replace")
    return sum(1 for line in text.splitlines() if "\tB\t" in line and "ReadyForQuery" in line)


class _Served:
    """One open store in a worker process; ``op_<name>`` answers the command ``name``."""

    def __init__(self, backend: str, where: str, files: str | None) -> None:
        import store as package

        self.backend = backend
        self.where = where
        self.files = Path(files) if files else None
        if backend == "pg":
            from store.pg import PgStore

            assert self.files is not None
            self.store: Any = PgStore.open(where, files=self.files)
        else:
            from store import Store

            self.store = Store.open(where)
        self.accounts = self.store.accounts()
        self.rng = random.Random(17)
        self.prepared: list[dict[str, Any]] = []
        self._bare: Any = None
        _reply(ready=True, code=package.__file__)

    @property
    def bare(self) -> Any:
        if self._bare is None:
            import psycopg

            self._bare = psycopg.connect(self.where, autocommit=True)
        return self._bare

    def close(self) -> None:
        if self._bare is not None:
            self._bare.close()
        self.store.close()

    # fill -----------------------------------------------------------------------------
    def op_fill(self, start: int, count: int) -> dict[str, Any]:
        t = time.perf_counter()
        if self.backend == "tinydb":
            docs = [make_account(n, self.rng) for n in range(start, start + count)]
            with self.store.transaction():
                self.store.append("accounts", docs)
            return {"s": time.perf_counter() - t}
        import psycopg

        codec = self.codec
        with psycopg.connect(self.where) as conn:   # one transaction
            with conn.cursor() as cur, cur.copy(
                    f"COPY {TABLE} ({codec.sql_columns}) FROM STDIN") as copy:
                for n in range(start, start + count):
                    copy.write_row(codec.row(make_account(n, self.rng)))
        copied = time.perf_counter() - t
        with psycopg.connect(self.where, autocommit=True) as conn:
            conn.execute(f"ANALYZE {TABLE}")
            rows = conn.execute(f"SELECT count(*), pg_total_relation_size('{TABLE}') "
                                f"FROM {TABLE}").fetchone()
        assert rows is not None
        return {"s": time.perf_counter() - t, "copy_s": copied, "count": rows[0],
                "mb": rows[1] / 1e6}

    # (2) and (3) ------------------------------------------------------------------------
    def _kiosk_get(self, n: int) -> float:
        t = time.perf_counter()
        doc = self.accounts.get_by_id(id_no(n))
        s = time.perf_counter() - t
        if doc is None or doc.get("card_no") != card_no(n):
            raise RuntimeError(f"kiosk lookup of {id_no(n)} found {doc!r}")
        return s

    @property
    def codec(self) -> Any:
        """How the store makes an account a row of its columns (store/pg/codec.py)."""
        from store.pg.schema import COLLECTIONS

        return COLLECTIONS["accounts"].codec

    def _bare_get(self, n: int) -> float:
        t = time.perf_counter()
        row = self.bare.execute(f'SELECT {self.codec.sql_columns} FROM {TABLE} '
                                'WHERE "id_no" = %s', (id_no(n),)).fetchone()
        s = time.perf_counter() - t
        if row is None or row[1] != card_no(n):
            raise RuntimeError(f"bare lookup of {id_no(n)} found {row!r}")
        return s

    def _same_get(self, n: int) -> float:
        """The statement of a kiosk lookup, by hand."""
        t = time.perf_counter()
        row = self.bare.execute(f"SELECT id, {self.codec.sql_columns} FROM {TABLE} "
                                'WHERE "id_no" = %s ORDER BY id', (id_no(n),)).fetchall()
        s = time.perf_counter() - t
        if not row:
            raise RuntimeError(f"lookup of {id_no(n)} found nothing")
        return s

    def _ping(self, n: int) -> float:
        """One round trip: the empty query the pool's connection check sends."""
        t = time.perf_counter()
        self.bare.execute("")
        return time.perf_counter() - t

    def _kiosk_add(self, n: int) -> float:
        account = make_account(n, self.rng)
        t = time.perf_counter()
        self.accounts.add(account)
        return time.perf_counter() - t

    def _bare_add(self, n: int) -> float:
        """The same row's INSERT, its values made before the clock starts."""
        codec = self.codec
        values = codec.row(make_account(n, self.rng))
        sql = (f"INSERT INTO {TABLE} ({codec.sql_columns}) "
               f"VALUES ({', '.join(['%s'] * len(values))})")
        t = time.perf_counter()
        self.bare.execute(sql, values)
        return time.perf_counter() - t

    def _same_add(self, n: int) -> float:
        """The statements of a kiosk commit, by hand (store/pg/store.py write_alone): the
        store's transaction-level lock and the INSERT as one query string."""
        import psycopg

        codec = self.codec
        account = make_account(n, self.rng)
        t = time.perf_counter()
        values = codec.row(account)
        with psycopg.ClientCursor(self.bare) as cur:
            cur.execute(f"SELECT pg_advisory_xact_lock(%s); INSERT INTO {TABLE} "
                        f"({codec.sql_columns}) VALUES ({', '.join(['%s'] * len(values))}) "
                        'ON CONFLICT ("id_no") DO NOTHING RETURNING id',
                        (self.store._lock_key, *values))
            cur.nextset()
            if not cur.fetchall():
                raise RuntimeError(f"{account['id_no']} exists")
        return time.perf_counter() - t

    def op_measure(self, ids: list[int], fresh: int) -> dict[str, Any]:
        """Every kind once per round, the order reversed every other round; a new account
        for every commit, numbered from ``fresh``."""
        kinds: dict[str, Any] = {"kiosk_get": self._kiosk_get, "kiosk_add": self._kiosk_add}
        if self.backend == "pg":
            kinds.update(bare_get=self._bare_get, same_get=self._same_get,
                         bare_add=self._bare_add, same_add=self._same_add, ping=self._ping)
        samples: dict[str, list[float]] = {name: [] for name in kinds}
        names = list(kinds)
        for round_no, n in enumerate(ids):
            for name in names if round_no % 2 else reversed(names):
                if name.endswith("_add"):
                    samples[name].append(kinds[name](fresh))
                    fresh += 1
                else:
                    samples[name].append(kinds[name](n))
        return {"samples": samples, "fresh": fresh}

    def op_round_trips(self, n: int, fresh: int) -> dict[str, Any]:
        """Round trips of one kiosk lookup and one kiosk add, on a store of its own whose
        connections are traced (the bare statement: one each)."""
        assert self.files is not None
        store = _traced_store_class().open(self.where, files=self.files)
        try:
            accounts = store.accounts()
            account = make_account(fresh, self.rng)
            return {"get": _round_trips(store, lambda: accounts.get_by_id(id_no(n))),
                    "add": _round_trips(store, lambda: accounts.add(account))}
        finally:
            store.close()

    # (4) --------------------------------------------------------------------------------
    def op_prepare(self, start: int, count: int) -> dict[str, Any]:
        self.prepared = [make_account(n, self.rng) for n in range(start, start + count)]
        return {"count": count}

    def op_go(self) -> dict[str, Any]:
        return add_all(self.accounts, self.prepared)

    def op_verify(self, start: int, count: int) -> dict[str, Any]:
        found = 0
        for n in range(start, start + count):
            doc = self.accounts.get_by_id(id_no(n))
            found += doc is not None and doc.get("card_no") == card_no(n)
        return {"found": found}


def _serve(backend: str, where: str, files: str | None) -> int:
    served = _Served(backend, where, files)
    while line := sys.stdin.readline():
        cmd = json.loads(line)
        op = cmd.pop("op")
        if op == "quit":
            served.close()
            _reply(bye=True)
            return 0
        _reply(**getattr(served, f"op_{op}")(**cmd))
    return 1   # the bench went away


# -- the bench's side of the pipes ----------------------------------------------------------
def _from_this_tree(role: str, code: str) -> None:
    if not Path(code).resolve().is_relative_to((REPO / "store").resolve()):
        raise RuntimeError(f"{role} imported store from {code}, not {REPO}")


def workers(*specs: tuple[str, Sequence[str], dict[str, str], Path]
            ) -> contextlib.AbstractContextManager[list[PipeWorker]]:
    """Store processes (role, worker arguments, env, working dir) of this tree's store."""
    from _common import PipeWorker, pipe_workers

    def start(role: str, args: Sequence[str], env: dict[str, str], cwd: Path
              ) -> Callable[[], PipeWorker]:
        return lambda: PipeWorker(role, Path(__file__).resolve(), args, env, cwd,
                                  _from_this_tree)

    return pipe_workers([start(*spec) for spec in specs])


def med(xs: Sequence[float]) -> float:
    return float(statistics.median(xs))


# -- the scenarios ----------------------------------------------------------------------------
def concurrent_adds(name: str, spec: Sequence[str], fresh: int, args: argparse.Namespace,
                    env: dict[str, str], cwd: Path) -> dict[str, Any]:
    """(4): one process adding procs x per_proc accounts, then procs processes at once."""
    run = one_then_many(
        lambda roles: workers(*[(f"{name} {r}", spec, env, cwd) for r in roles]),
        fresh, args.procs, args.per_proc, f"{name}:")
    total, many = run["total"], run.pop("many")
    with workers((f"{name} verifier", spec, env, cwd)) as (verifier,):
        found = (verifier.ask("verify", start=fresh, count=total)["found"]
                 + verifier.ask("verify", start=many, count=total)["found"])
    return {**run, "found": found}


def measure(worker: PipeWorker, size: int, fresh: int, runs: int) -> tuple[dict[str, Any], int]:
    rng = random.Random(size)
    warm = worker.ask("measure", ids=rng.sample(range(size), WARMUP), fresh=fresh)
    timed = worker.ask("measure", ids=rng.sample(range(size), runs), fresh=warm["fresh"])
    return {k: med(v) for k, v in timed["samples"].items()}, int(timed["fresh"])


def run(args: argparse.Namespace, tmp: Path) -> tuple[list[Any], list[str]]:
    from _common import Row, child_env

    from tests.integration.postgres import PgServer

    env = child_env(tmp / "home")
    rows: list[Row] = []
    server = PgServer()
    t = time.monotonic()
    server.start()
    try:
        dsn = server.new_database("bench_pg_scale")
        log(f"PostgreSQL started in {time.monotonic() - t:.1f} s ({server.bindir})")
        pg_spec = ["pg", dsn, str(tmp / "pg-files")]
        tiny_path = tmp / "tinydb" / "kiosk.json"
        tiny_path.parent.mkdir(mode=0o700)
        tiny_spec = ["tinydb", str(tiny_path)]
        size, tiny = args.accounts, args.tinydb_accounts

        with workers(("pg", pg_spec, env, tmp)) as (pg,):
            fill = pg.ask("fill", start=0, count=size)
            if fill["count"] != size:
                raise RuntimeError(f"filled {fill['count']:,} accounts, not {size:,}")
            log(f"{size:,} accounts copied in {fill['copy_s']:.1f} s, with ANALYZE "
                f"{fill['s']:.1f} s ({fill['mb']:.0f} MB)")
            pg_med, fresh = measure(pg, size, size, args.runs)
            trips = pg.ask("round_trips", n=size // 2, fresh=fresh)
            fresh += 1
        log(f"  PgStore: lookup {ms(pg_med['kiosk_get'])} (bare {ms(pg_med['bare_get'])}), "
            f"commit {ms(pg_med['kiosk_add'])} (bare {ms(pg_med['bare_add'])}); round trips "
            f"{trips}")

        with workers(("tinydb", tiny_spec, env, tmp)) as (tdb,):
            tiny_fill = tdb.ask("fill", start=0, count=tiny)["s"]
            log(f"TinyDB: {tiny:,} accounts in {tiny_fill:.1f} s")
            tiny_med, tiny_fresh = measure(tdb, tiny, tiny, args.runs)
        log(f"  TinyDB: lookup {ms(tiny_med['kiosk_get'])}, "
            f"commit {ms(tiny_med['kiosk_add'])}")

        pg_conc = concurrent_adds("PostgreSQL", pg_spec, fresh, args, env, tmp)
        tiny_conc = concurrent_adds("TinyDB", tiny_spec, tiny_fresh, args, env, tmp)
    finally:
        server.stop()

    rows.append(Row(f"(1) fill {size:,} accounts: COPY + ANALYZE (table + indexes "
                    f"{fill['mb']:,.0f} MB)", f"{fill['s']:.1f} s",
                    f"COPY alone {fill['copy_s']:.1f} s", None, "(report)", None))
    for what, kind, target in (("lookup by ID", "get", LOOKUP_TARGET),
                               ("one committed registration", "add", COMMIT_TARGET)):
        kiosk, bare, same = (pg_med[f"kiosk_{kind}"], pg_med[f"bare_{kind}"],
                             pg_med[f"same_{kind}"])
        bare_name = "SELECT" if kind == "get" else "INSERT (autocommit)"
        rows.append(Row(f"(2) {what} at {size:,}: PgStore vs bare {bare_name}", ms(kiosk),
                        ms(bare), kiosk / bare, f"<= {target:.2f}x", kiosk / bare <= target))
        rows.append(Row(f"(2)   the kiosk's statements by hand (round trips: "
                        f"{trips[kind]}) vs bare",
                        ms(same), ms(bare), same / bare, "(report)", None))
        rows.append(Row("(2)   PgStore vs its statements by hand (Python, pool)", ms(kiosk),
                        ms(same), kiosk / same, "(report)", None))
    rows.append(Row("(2)   one round trip (an empty query) on the plain connection",
                    ms(pg_med["ping"]), "", None, "(report)", None))
    for what, kind in (("lookup by ID", "get"), ("one committed registration", "add")):
        rows.append(Row(f"(3) {what}: TinyDB at {tiny:,} vs PgStore at {size:,}",
                        ms(tiny_med[f"kiosk_{kind}"]), ms(pg_med[f"kiosk_{kind}"]),
                        tiny_med[f"kiosk_{kind}"] / pg_med[f"kiosk_{kind}"], "(report)",
                        None))
    for name, at, c in (("PostgreSQL", size, pg_conc), ("TinyDB", tiny, tiny_conc)):
        rows.append(Row(
            f"(4) {name} at {at:,}: {args.procs} processes x {args.per_proc:,} adds (wall)",
            f"{c['many_s']:.2f} s, {c['total'] / c['many_s']:,.0f} commits/s",
            f"1 process: {c['single_s']:.2f} s, {c['total'] / c['single_s']:,.0f} commits/s",
            c["many_s"] / c["single_s"], "(report)", None))
        rows.append(Row(f"(4)   {name}: those accounts present afterwards (fresh process)",
                        f"{c['found']:,}", f"{2 * c['total']:,}", None, "all",
                        c["found"] == 2 * c["total"]))
        rows.append(Row(f"(4)   {name}: adds that timed out waiting for the lock (retried)",
                        f"{c['many_timeouts']:,} ({args.procs} processes)",
                        f"{c['timeouts']:,} (1 process)", None, "(report)", None))
    notes = [
        f"(2), (3): medians of {args.runs} interleaved samples each in one process, after "
        f"{WARMUP} untimed rounds; round trips counted in a libpq trace: lookup "
        f"{trips['get']}, commit {trips['add']} (bare statement: 1)",
        f"PostgreSQL {server.bindir}: private cluster, fsync on, shared_buffers 32MB "
        "(tests/integration/postgres.py)",
        f"(4) runs after (2) on the same stores: one process first, then {args.procs} at once",
    ]
    return rows, notes


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--accounts", type=int, default=DEFAULT_ACCOUNTS,
                    help="accounts in the PostgreSQL store (default: %(default)s)")
    ap.add_argument("--tinydb-accounts", type=int, default=DEFAULT_TINYDB,
                    help="accounts in the TinyDB store (default: %(default)s)")
    ap.add_argument("--runs", type=int, default=200, help="samples of each of (2) and (3)")
    ap.add_argument("--procs", type=int, default=8, help="processes of (4)")
    ap.add_argument("--per-proc", type=int, default=250, help="adds per process of (4)")
    args = ap.parse_args(argv)
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    from _common import print_table

    from tests.integration.postgres import missing_parts

    missing = missing_parts()
    if missing:
        log(f"cannot run: missing {', '.join(missing)}")
        return 1
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="bench-pg-scale-") as tmp:
        rows, notes = run(args, Path(tmp))
    notes.append(f"total {time.monotonic() - started:.0f} s")
    ok = print_table("PostgreSQL store at scale (issue 17)", rows, notes)
    return 0 if ok else 1


if __name__ == "__main__":
    if sys.argv[1:2] == ["--worker"]:
        backend = sys.argv[2]
        raise SystemExit(_serve(backend, sys.argv[3], sys.argv[4] if backend == "pg" else None))
    raise SystemExit(main())
