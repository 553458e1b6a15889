"""The print harness itself: a PDF printed with ``lp`` through the private cupsd's cups-pdf
queue comes back as a PDF whose text reads as what was printed.

The jobs go the way the kiosk's will: ``lp -h <server> -d kiosk-pdf -t <title> -`` with the
PDF on stdin, or ``lp`` with ``CUPS_SERVER`` in its environment, through the real filters
(pdftopdf, pdftops) and cups-pdf's Ghostscript. Nothing is mocked.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.integration.cups import CupsServer, job_id, pdf_text

pytestmark = pytest.mark.xdist_group("cups")

#: the papers' fonts (kiosk/domain/replacement/papers.py), from fonts-dejavu-core and
#: fonts-droid-fallback
LATIN_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
CJK_FONT = Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf")
WAIT = 30.0


@pytest.fixture(autouse=True)
def _no_card_left_inserted() -> None:
    """Overrides the PC/SC fixture of tests/integration/conftest.py: no pcscd needed here."""


def minimal_pdf(text: str) -> bytes:
    """One A4 page with *text* (ASCII) in Helvetica: the smallest PDF with real text."""
    stream = f"BT /F1 18 Tf 72 720 Td ({text}) Tj ET".encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return bytes(out)


def run_lp(args: list[str], pdf: bytes, env: dict[str, str] | None = None) -> int:
    done = subprocess.run(["lp", *args, "-"], input=pdf, capture_output=True, timeout=WAIT,
                          check=False, env=env)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    return job_id(done.stdout.decode())


def test_a_pdf_printed_with_lp_h_comes_back_with_its_text(cups: CupsServer) -> None:
    text = "NHI kiosk test slip 20260302-0042"
    job = run_lp(["-h", cups.server, "-d", cups.printer, "-t", "slip"], minimal_pdf(text))

    printed = cups.wait_printed(timeout=WAIT, job=job)

    assert printed.name.startswith(f"job_{job}-")
    assert printed.read_bytes().startswith(b"%PDF-")
    assert text in pdf_text(printed)


def test_a_paper_in_chinese_printed_through_cups_server_keeps_its_text(
        cups: CupsServer) -> None:
    """The papers' case: fpdf2 with TrueType subsets, Chinese and Latin on one line, the
    printer chosen by CUPS_SERVER, the job found in print order (no job id)."""
    fpdf = pytest.importorskip("fpdf")
    missing = [str(font) for font in (LATIN_FONT, CJK_FONT) if not font.is_file()]
    if missing:
        pytest.skip(f"the papers' fonts are not installed: {missing}")
    pdf = fpdf.FPDF()
    pdf.add_page()
    pdf.add_font("latin", fname=str(LATIN_FONT))
    pdf.add_font("cjk", fname=str(CJK_FONT))
    pdf.set_fallback_fonts(["cjk"], exact_match=False)
    pdf.set_font("latin", size=12)
    lines = ["健保卡工本費繳款單 NHI card fee payment slip", "金額 NT$ 200 貳佰元整"]
    pdf.multi_cell(w=150, text="\n".join(lines))
    env = {k: v for k, v in os.environ.items() if k != "CUPS_SERVER"} | cups.env

    run_lp(["-d", cups.printer, "-t", "健保卡工本費繳款單"], bytes(pdf.output()), env=env)
    printed = cups.wait_printed(timeout=WAIT)

    text = pdf_text(printed)
    for line in lines:
        assert line in text
