"""The manifest written beside a set of documents, so they can be checksummed and audited."""

from __future__ import annotations

from typing import Any

from doctool import __version__
from doctool.findings import Report


def build_manifest(
    input_sha256: str, report: Report, files: list[tuple[str, Any, bool]], *, draft: bool = False
) -> dict[str, Any]:
    """Which files were made from which input, with which template, and their sha256; whether
    they are marked DRAFT; and every finding about the input (the same as ``validate``)."""
    return {
        "doctool_version": __version__,
        "input_sha256": input_sha256,
        "profile": report.profile,
        "complete": report.complete,
        "draft": draft,
        "files": [
            {
                "path": name,
                "document": f.document,
                "format": f.format,
                "template": f.template,
                "sha256": f.sha256,
                "bytes": len(f.content),
                "draft": marked,
            }
            for name, f, marked in files
        ],
        "findings": [f.as_dict() for f in report.findings],
    }
