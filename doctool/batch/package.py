"""Print and Notify packaging: one combined print-ready PDF in record order, and a zip."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from pypdf import PdfReader, PdfWriter

from doctool.batch.runner import MANIFEST, Outcome
from doctool.output import atomic_write

#: GOV.UK Notify precompiled letter limits, checked for every letter.
NOTIFY_MAX_PAGES = 10
NOTIFY_MAX_BYTES = 2 * 1024 * 1024


def pdf_outputs(outdir: Path, outcomes: list[Outcome]) -> list[Path]:
    return [outdir / o["path"] for oc in outcomes if oc.status != "failed" for o in oc.outputs if o["path"].endswith(".pdf")]


def combined_pdf(outdir: Path, outcomes: list[Outcome], name: str = "combined.pdf") -> tuple[Path, int]:
    """Every letter PDF, in input order, in one file for the print room. Returns its page count."""
    writer = PdfWriter()
    for path in pdf_outputs(outdir, outcomes):
        writer.append(PdfReader(path))
    buffer = io.BytesIO()
    writer.write(buffer)
    target = outdir / name
    atomic_write(target, buffer.getvalue())
    return target, len(writer.pages)


def notify_problems(outdir: Path, outcomes: list[Outcome]) -> list[str]:
    """Letters that would break Notify's precompiled letter limits (pages, size)."""
    problems = []
    for path in pdf_outputs(outdir, outcomes):
        size = path.stat().st_size
        pages = len(PdfReader(path).pages)
        if pages > NOTIFY_MAX_PAGES or size > NOTIFY_MAX_BYTES:
            problems.append(f"{path.name}: {pages} pages, {size:,} bytes")
    return problems


def zip_batch(outdir: Path, outcomes: list[Outcome], name: str = "letters.zip") -> Path:
    """The letters and the manifest in one zip, with fixed timestamps so it is reproducible."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        paths = [outdir / o["path"] for oc in outcomes if oc.status != "failed" for o in oc.outputs]
        for path in [*paths, outdir / MANIFEST]:
            info = zipfile.ZipInfo(str(path.relative_to(outdir)), date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, path.read_bytes())
    target = outdir / name
    atomic_write(target, buffer.getvalue())
    return target
