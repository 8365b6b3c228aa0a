"""``doctool batch``: the command-line face of the bulk runner.

Exit 0 when every record was rendered or skipped as already done; 1 when some records
failed (the rest are still rendered); 2 when the input cannot be read at all (found
before the first letter) or another run holds OUTDIR.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from doctool.batch.package import combined_pdf, notify_problems, zip_batch
from doctool.batch.progress import ProgressBar
from doctool.batch.records import read_records
from doctool.batch.runner import FAILURES, MANIFEST, SUPERSEDED, hold_outdir, run_batch
from doctool.errors import InputError

FORMATS = {"pdf": ("pdf",), "docx": ("docx",), "both": ("pdf", "docx")}


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("batch", help="render charging letters in bulk from JSON Lines or CSV")
    p.add_argument("input", metavar="RECORDS.jsonl|RECORDS.csv")
    p.add_argument("--mapping", metavar="MAP.toml", help="CSV column to record field mapping")
    p.add_argument("--format", choices=sorted(FORMATS), default="pdf")
    p.add_argument("-o", "--output", required=True, metavar="OUTDIR")
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="worker processes (default: every core)")
    p.add_argument("--profile", default="england")
    p.add_argument("--combined-pdf", action="store_true", help="also write combined.pdf with every letter in order")
    p.add_argument("--zip", action="store_true", help="also write letters.zip with the letters and manifest")
    p.set_defaults(func=cmd_batch)


def cmd_batch(args: argparse.Namespace) -> int:
    source = Path(args.input)
    if args.workers < 1:
        raise InputError("--workers must be at least 1")
    records = read_records(source, Path(args.mapping) if args.mapping else None)  # the whole file, checked
    outdir = Path(args.output)
    formats = FORMATS[args.format]
    interactive = sys.stderr.isatty()
    bar = ProgressBar(records.count) if interactive else None
    extras: dict[str, object] = {}
    with hold_outdir(outdir):  # the run and its packaging: one run at a time in OUTDIR
        summary = run_batch(records, outdir, formats, args.workers, args.profile, on_progress=bar, lock=False)
        if bar:
            bar.close()
        if args.combined_pdf and "pdf" in formats:
            path, pages = combined_pdf(outdir)
            extras["combined_pdf"] = {"path": path.name, "pages": pages}
        if args.zip:
            extras["zip"] = zip_batch(outdir).name
        if "pdf" in formats:
            extras["notify_problems"] = notify_problems(outdir)
    result = {**summary.as_dict(), "manifest": MANIFEST, "failures": FAILURES, **extras}
    if interactive:
        print(
            f"{summary.done} rendered, {summary.skipped} already done, {summary.failed} failed "
            f"of {summary.total} in {summary.seconds:.1f} s ({summary.rate:.1f} letters/s); "
            f"{summary.warnings} warning(s) on the letters made, listed with each in the manifest. "
            + (f"{summary.superseded} earlier letter(s) whose records now fail or are gone moved to {outdir / SUPERSEDED}. "
               if summary.superseded else "")
            + f"Manifest: {outdir / MANIFEST}; failures: {outdir / FAILURES}",
            file=sys.stderr,
        )
    print(json.dumps(result))
    return 1 if summary.failed else 0
