"""QR codes: generation + half-block terminal rendering per code, segno vs qrcode.

Target: the path the kiosk uses (``kiosk.domain.qr.qr_lines``: segno, quiet zone 2,
level M) draws an 8-character device code in <= 5 ms (median) per code. The same work
with the qrcode library (``QRCode(border=2, error_correction=M)``, ``make(fit=True)``,
``get_matrix()``, then the same ``half_block_lines``) is the baseline, measured in the
same run, alternating in blocks so that neither gets a warmer machine; a link-sized
payload (version 3) is measured too, for information. Payloads vary per iteration
(a counter in the code) so no library can cache a result.

    /tmp/venv/bin/python benchmarks/bench_qr.py [--iterations 300]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from _common import Row, ensure_repo_importable, median, p90, print_table

ensure_repo_importable()

import qrcode  # noqa: E402
from qrcode.constants import ERROR_CORRECT_M  # noqa: E402

from kiosk.domain.qr import QUIET_ZONE, half_block_lines, qr_lines  # noqa: E402

TARGET_MS = 5.0
ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def device_code(i: int) -> str:
    out = []
    for _ in range(8):
        i, r = divmod(i * 7919 + 104729, len(ALPHABET))
        out.append(ALPHABET[r])
    return "".join(out)


def link(i: int) -> str:
    return f"nhi-kiosk://register/verify?code={device_code(i)}"


def segno_path(text: str) -> list[str]:
    return qr_lines(text)


def qrcode_path(text: str) -> list[str]:
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=QUIET_ZONE)
    code.add_data(text)
    code.make(fit=True)
    return half_block_lines(code.get_matrix())


def measure(paths: dict[str, Callable[[str], list[str]]], payload: Callable[[int], str],
            iterations: int, block: int = 25) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {name: [] for name in paths}
    for fn in paths.values():  # warm-up (imports, tables), untimed
        for i in range(10):
            fn(payload(i))
    done = 0
    while done < iterations:
        n = min(block, iterations - done)
        order = list(paths) if (done // block) % 2 == 0 else list(reversed(paths))
        for name in order:
            fn = paths[name]
            for i in range(done, done + n):
                text = payload(i)
                t0 = time.perf_counter()
                fn(text)
                times[name].append(time.perf_counter() - t0)
        done += n
    return times


def fmt(xs: list[float]) -> str:
    return f"{median(xs) * 1e3:.2f} ms (p90 {p90(xs) * 1e3:.2f})"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--iterations", type=int, default=300, help="codes per library and payload")
    args = ap.parse_args(argv)
    iterations = max(args.iterations, 1)
    paths = {"segno": segno_path, "qrcode": qrcode_path}
    for i in range(50):  # both paths must draw the same code (same masks, same modules)
        for text in (device_code(i), link(i)):
            assert len(segno_path(text)) == len(qrcode_path(text)), text

    rows: list[Row] = []
    faster: list[str] = []
    for label, payload, target in (
        ("8-char device code (v1)", device_code, True),
        ("nhi-kiosk:// link (v3)", link, False),
    ):
        times = measure(paths, payload, iterations)
        ours, base = times["segno"], times["qrcode"]
        ratio = median(ours) / median(base)
        faster.append(f"{label}: {'segno' if ratio < 1 else 'qrcode'} is faster "
                      f"({min(ratio, 1 / ratio):.2f}x the time of the other)")
        ok = median(ours) * 1e3 <= TARGET_MS if target else None
        rows.append(Row(f"generate + half-block render, {label} (median)", fmt(ours), fmt(base),
                        ratio, f"<= {TARGET_MS:g} ms" if target else "", ok))
    ok = print_table(
        "QR: generation + half-block rendering per code, segno (ours) vs qrcode", rows,
        [f"{iterations} codes per library and payload, alternating in blocks of 25 after a "
         "warm-up; ours = segno (kiosk.domain.qr.qr_lines), baseline = qrcode + the same "
         "half_block_lines.", *faster],
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
