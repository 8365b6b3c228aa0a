"""``doctool batch``: the command-line face of the bulk runner.

Exit 0 when every record was rendered or skipped as already done; 1 when some records
failed (the rest are still rendered); 2 when the input cannot be read at all (found
before the first letter) or another run holds OUTDIR.

``doctool batch --check`` reads, validates and checks every record the same way and
makes no letter: OUTDIR gets only the report (``failures.jsonl``, ``failures.csv``,
``warnings.csv``, ``summary.json``). Exit 0 when every letter would be made, 1 when some
record would fail, 2 when the input cannot be read (or OUTDIR holds a batch run's letters).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from doctool.batch.package import combined_pdf, notify_problems, zip_batch
from doctool.batch.progress import ProgressBar
from doctool.batch.records import read_records
from doctool.batch.report import FAILURES_CSV, SUMMARY, WARNINGS_CSV, Tally
from doctool.batch.runner import FAILURES, MANIFEST, SUPERSEDED, Summary, check_batch, hold_outdir, run_batch
from doctool.errors import InputError
from doctool.output import atomic_write

FORMATS = {"pdf": ("pdf",), "docx": ("docx",), "both": ("pdf", "docx")}
TOP = 10  # reasons shown at the terminal; summary.json and the CSV files have them all


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("batch", help="render charging letters in bulk from JSON Lines or CSV (or --check them first)")
    p.add_argument("input", metavar="RECORDS.jsonl|RECORDS.csv")
    p.add_argument("--mapping", metavar="MAP.toml", help="CSV column to record field mapping")
    p.add_argument("--check", action="store_true",
                   help="read, validate and check every record and make no letter: only the report is written to OUTDIR")
    p.add_argument("--format", choices=sorted(FORMATS), default="pdf")
    p.add_argument("-o", "--output", required=True, metavar="OUTDIR",
                   help="the folder for the letters and the report (with --check: the report only)")
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="worker processes (default: every core)")
    p.add_argument("--profile", default="england")
    p.add_argument("--combined-pdf", action="store_true", help="also write combined.pdf with every letter in order")
    p.add_argument("--zip", action="store_true", help="also write letters.zip with the letters and manifest")
    p.add_argument("--queue", metavar="URL",
                   help="render on the doctool worker processes of this Redis queue (redis://HOST:PORT/DB), not on this machine")
    p.add_argument("--data-dir", help="with --queue: the data folder the workers share (env DOCTOOL_DATA_DIR)")
    p.set_defaults(func=cmd_batch)


def _report_files(outdir: Path) -> dict[str, str]:
    return {"failures": FAILURES, "failures_csv": FAILURES_CSV, "warnings_csv": WARNINGS_CSV, "summary": SUMMARY}


def _reasons_text(summary: Summary, outdir: Path, unused: list[str], check: bool = False) -> str:
    """The top reasons for failures and warnings, counted; never a value from the input."""
    lines = []
    if summary.reasons:
        lines.append(f"Why records {'would fail' if check else 'failed'} (each row's column and value in {outdir / FAILURES_CSV}):")
        lines += Tally.lines(summary.reasons[:TOP])
        if len(summary.reasons) > TOP:
            lines.append(f"       ... and {len(summary.reasons) - TOP} other reason(s), in {outdir / SUMMARY}")
    if summary.warning_reasons:
        lines.append(f"Warnings on the letters {'that would be made' if check else 'made'} (each in {outdir / WARNINGS_CSV}):")
        lines += Tally.lines(summary.warning_reasons[:TOP])
        if len(summary.warning_reasons) > TOP:
            lines.append(f"       ... and {len(summary.warning_reasons) - TOP} other warning(s), in {outdir / SUMMARY}")
    if unused:
        lines.append("Columns in the file that the mapping does not use: " + ", ".join(repr(u) for u in unused))
    return "\n".join(lines)


def _check(records: Any, outdir: Path, profile: str) -> int:
    summary = check_batch(records, outdir, profile)
    result = {
        "check": True,
        "total": summary.total,
        "would_make": summary.done,
        "would_fail": summary.failed,
        "warnings": summary.warnings,
        "warning_rules": summary.warning_rules,
        "seconds": round(summary.seconds, 3),
        "rows_per_second": round(summary.total / summary.seconds, 1) if summary.seconds else 0.0,
        "reasons": summary.reasons,
        "warning_reasons": summary.warning_reasons,
        "columns_not_mapped": getattr(records, "unused", []),
        **_report_files(outdir),
    }
    atomic_write(outdir / SUMMARY, (json.dumps(result, indent=2, ensure_ascii=False) + "\n").encode())
    print(
        f"Checked {summary.total} record(s) in {summary.seconds:.1f} s ({result['rows_per_second']} rows/s); no letter was made. "
        f"{summary.done} would be made, {summary.failed} would fail; {summary.warnings} warning(s) on the letters that would be made.",
        file=sys.stderr,
    )
    text = _reasons_text(summary, outdir, list(getattr(records, "unused", [])), check=True)
    if text:
        print(text, file=sys.stderr)
    print(f"Report: {outdir / FAILURES_CSV}, {outdir / WARNINGS_CSV}, {outdir / FAILURES}, {outdir / SUMMARY}", file=sys.stderr)
    if not sys.stdout.isatty():  # the same as summary.json, for a script
        print(json.dumps(result, ensure_ascii=False))
    return 1 if summary.failed else 0


def _queued(args: argparse.Namespace, source: Path, outdir: Path, formats: tuple[str, ...], bar: ProgressBar | None) -> Summary:
    """The batch rendered by the queue's workers, its files brought into OUTDIR."""
    from doctool.queue.config import queue_kind
    from doctool.queue.submit import run_queued
    from doctool.service.settings import Settings

    settings = Settings.from_env(queue_url=args.queue, data_dir=args.data_dir)
    if queue_kind(settings.queue_url) != "redis":
        raise InputError("--queue takes a Redis URL: redis://HOST:PORT/DB")
    return run_queued(source, Path(args.mapping) if args.mapping else None, outdir, formats, args.profile, settings, on_progress=bar)


def cmd_batch(args: argparse.Namespace) -> int:
    source = Path(args.input)
    if args.workers < 1:
        raise InputError("--workers must be at least 1")
    if args.check and args.queue:
        raise InputError("--check makes no letter and runs here, in one process: leave out --queue")
    if args.check and (args.combined_pdf or args.zip):
        raise InputError("--check makes no letter, so there is nothing for --combined-pdf or --zip to hold")
    records = read_records(source, Path(args.mapping) if args.mapping else None)  # the whole file, checked
    outdir = Path(args.output)
    interactive = sys.stderr.isatty()
    if args.check:
        return _check(records, outdir, args.profile)
    formats = FORMATS[args.format]
    bar = ProgressBar(records.count) if interactive else None
    extras: dict[str, object] = {}
    with hold_outdir(outdir):  # the run and its packaging: one run at a time in OUTDIR
        if args.queue:
            summary = _queued(args, source, outdir, formats, bar)
        else:
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
        result = {**summary.as_dict(), "manifest": MANIFEST, **_report_files(outdir),
                  "columns_not_mapped": list(getattr(records, "unused", [])), **extras}
        atomic_write(outdir / SUMMARY, (json.dumps(result, indent=2, ensure_ascii=False) + "\n").encode())
    if interactive:
        print(
            f"{summary.done} rendered, {summary.skipped} already done, {summary.failed} failed "
            f"of {summary.total} in {summary.seconds:.1f} s ({summary.rate:.1f} letters/s); "
            f"{summary.warnings} warning(s) on the letters made, listed with each in the manifest. "
            + (f"{summary.superseded} earlier letter(s) whose records now fail or are gone moved to {outdir / SUPERSEDED}. "
               if summary.superseded else "")
            + f"Manifest: {outdir / MANIFEST}; failures: {outdir / FAILURES} and {outdir / FAILURES_CSV}",
            file=sys.stderr,
        )
        text = _reasons_text(summary, outdir, list(getattr(records, "unused", [])))
        if text:
            print(text, file=sys.stderr)
    print(json.dumps(result, ensure_ascii=False))
    return 1 if summary.failed else 0
