"""The manifest written beside a set of documents, so they can be checksummed and audited."""

from __future__ import annotations

import hashlib
from typing import Any

from doctool import __version__
from doctool.findings import Report


def build_manifest(raw: bytes, report: Report, files: list[tuple[str, Any]]) -> dict[str, Any]:
    """Which files were made from which input, with which template, and their sha256."""
    return {
        "doctool_version": __version__,
        "input_sha256": hashlib.sha256(raw).hexdigest(),
        "profile": report.profile,
        "complete": report.complete,
        "files": [
            {
                "path": name,
                "document": f.document,
                "format": f.format,
                "template": f.template,
                "sha256": f.sha256,
                "bytes": len(f.content),
            }
            for name, f in files
        ],
    }
