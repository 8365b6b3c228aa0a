"""Readable reports of findings and input errors, for a practitioner at a terminal."""

from __future__ import annotations

from doctool.errors import DoctoolError
from doctool.findings import Finding, Report


def _block(title: str, findings: list[Finding]) -> list[str]:
    lines = [title]
    for f in findings:
        about = f"{f.where} \u00b7 " if f.where else ""  # what it is about, as a practitioner names it
        lines += [f"  {f.rule}  {about}{f.path}", f"      {f.message}", f"      Source: {f.source}"]
    return lines


def format_report(report: Report, label: str) -> str:
    """Findings grouped by severity, blocking first."""
    errors, warnings = report.errors, report.warnings
    verdict = "complete" if report.complete else "INCOMPLETE"
    lines = [
        f"{label}: {verdict} under profile '{report.profile}' "
        f"({len(errors)} blocking, {len(warnings)} warning{'s' if len(warnings) != 1 else ''})"
    ]
    if errors:
        lines += _block("Blocking (must be put right before the document is issued as final):", errors)
    if warnings:
        lines += _block("Warnings (good practice; the document can still be issued):", warnings)
    if not errors and not warnings:
        lines.append("No findings.")
    return "\n".join(lines)


def format_error(exc: DoctoolError, label: str) -> str:
    """An input or configuration error, each field by its JSON path."""
    lines = [f"{label}: error: {exc.message}"]
    lines += [f"  {e.path}: {e.message}" for e in exc.errors]
    return "\n".join(lines)
