"""Helpers for the charging letter and direct payment summary tests: run doctool, read back text.

PDF text comes from poppler's ``pdftotext`` and Word text from python-docx (body, tables,
headers, footers), both with whitespace collapsed so a sentence wrapped by the layout still
matches.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import re
import subprocess
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import docx

from doctool.api import render_bytes
from doctool.cli import main as cli_main

REPO = Path(__file__).resolve().parent.parent
LETTERS = sorted((REPO / "samples" / "letters").glob("*.json"))
PLANS = sorted((REPO / "samples" / "plans").glob("*.json"))
BY_SCENARIO = {json.loads(p.read_text(encoding="utf-8"))["financial_assessment"]["scenario"]: p for p in LETTERS}
MM = 72 / 25.4  # PDF points in a millimetre


def load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)


def letter(scenario: str) -> dict[str, Any]:
    """A fresh copy of the letter sample for ``scenario``."""
    return copy.deepcopy(load(BY_SCENARIO[scenario]))


def dump(data: Any) -> bytes:
    return json.dumps(data, default=str, ensure_ascii=False, indent=1).encode("utf-8")


def cli(args: list[Any]) -> tuple[int, str, str]:
    """``doctool ARGS`` in this process: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = cli_main([str(a) for a in args])
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 2
    return code, out.getvalue(), err.getvalue()


def render(raw: bytes, document: str, fmt: str, profile: str = "england", draft: bool = False) -> bytes:
    _report, files = render_bytes(raw, [document], [fmt], profile, draft)
    return files[0].content


def norm(text: str) -> str:
    text = text.replace("\u00a0", " ").replace("\u200b", "").replace("\u00ad", "")
    return re.sub(r"\s+", " ", text).strip()


def pdf_text(pdf: bytes, first: int | None = None, last: int | None = None, *area: float, layout: bool = True) -> str:
    """Text of the PDF (pages ``first``..``last``); ``area`` = x, y, w, h in points crops page text.

    In layout mode (the default) a table row reads as one line: "Total income £359.40".
    """
    args = ["pdftotext", "-enc", "UTF-8", *(["-layout"] if layout else [])]
    if first:
        args += ["-f", str(first)]
    if last:
        args += ["-l", str(last)]
    if area:
        args += ["-x", str(int(area[0])), "-y", str(int(area[1])), "-W", str(int(area[2])), "-H", str(int(area[3]))]
    result = subprocess.run([*args, "-", "-"], input=pdf, capture_output=True, check=True)
    return result.stdout.decode("utf-8")


def docx_text(content: bytes) -> str:
    """Every paragraph of the Word file: body (tables included), headers and footers."""
    document = docx.Document(io.BytesIO(content))
    parts: list[str] = []

    def walk(container: Any) -> None:
        for block in container.iter_inner_content():
            if hasattr(block, "rows"):
                for row in block.rows:
                    for cell in row.cells:
                        walk(cell)
            else:
                parts.append(block.text)

    walk(document)
    for section in document.sections:
        for part in (section.header, section.footer):
            walk(part)
    return norm("\n".join(parts))


def docx_xml(content: bytes, name: str = "word/document.xml") -> str:
    with zipfile.ZipFile(io.BytesIO(content)) as zf:
        return zf.read(name).decode("utf-8")
