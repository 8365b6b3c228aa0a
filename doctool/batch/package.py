"""Print and Notify packaging: one combined print-ready PDF in record order, and a zip."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

from doctool.batch.runner import MANIFEST, letter_files, letter_outputs
from doctool.notify import within_limits
from doctool.output import atomic_file


def combined_pdf(outdir: Path, name: str = "combined.pdf") -> tuple[Path, int]:
    """Every letter PDF, in input order, in one file for the print room. Returns its page
    count. (pypdf keeps the combined document in memory while writing it: a print file of
    tens of thousands of pages is better made per run of a few thousand letters.)"""
    from pypdf import PdfReader, PdfWriter  # here, not at start-up: a Word batch never needs it

    writer = PdfWriter()
    for path in letter_files(outdir, "pdf"):
        writer.append(PdfReader(path))
    target = outdir / name
    with atomic_file(target) as fh:
        writer.write(fh)
    return target, len(writer.pages)


def notify_problems(outdir: Path) -> list[str]:
    """Letters that would break Notify's precompiled letter limits (pages, size). The page
    count is the manifest's, from the letter's layout; only a letter listed without one
    (by a batch before doctool recorded it) is opened to count its pages, so a run of
    10,000 letters is not read again on one core while the workers sit idle."""
    from pypdf import PdfReader

    problems = []
    for out in letter_outputs(outdir, "pdf"):
        path = outdir / out["path"]
        size = path.stat().st_size
        pages = out.get("pages") or len(PdfReader(path).pages)
        if not within_limits(pages, size):
            problems.append(f"{path.name}: {pages} pages, {size:,} bytes")
    return problems


def zip_batch(outdir: Path, name: str = "letters.zip") -> Path:
    """The letters and the manifest in one zip, with fixed timestamps so it is reproducible;
    streamed file by file to disk, so it never sits in memory."""
    target = outdir / name
    with atomic_file(target) as fh, zipfile.ZipFile(fh, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in [*letter_files(outdir), outdir / MANIFEST]:
            info = zipfile.ZipInfo(str(path.relative_to(outdir)), date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            with open(path, "rb") as src, zf.open(info, "w") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
    return target
