"""The baseline the Word path is measured against: a typical docxtpl mail merge.

Usage:  python bench/naive_mailmerge.py RECORDS.jsonl OUTDIR

One process; for every letter it prepares the record with doctool (the same validation,
checks and wording as doctool's own batch, so both sides compose the same letter), then
does what a mail-merge script does: opens the whole-letter template, renders it with
docxtpl and saves it. The template, ``naive-letter.docx``, is the whole-letter docxtpl
template doctool itself used before the one document model (letterhead and logo, address
window, contact block, tables of sums, sign-off and reply slip, header and footer), so
the baseline is a real letter, as the 6.4x of November was measured against.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from docx.shared import Mm
from docxtpl import DocxTemplate, InlineImage

from doctool import pipeline
from doctool.document.model import Callout, Document, Fields, Items, Paragraph, SignOff, Slip, Table

TEMPLATE = Path(__file__).with_name("naive-letter.docx")


def _block(b: Any) -> dict[str, Any]:
    if isinstance(b, Paragraph):
        return {"kind": "p", "text": str(b.text)}
    if isinstance(b, Items):
        return {"kind": "ul", "items": [str(i) for i in b.items]}
    if isinstance(b, Fields):
        return {"kind": "kv", "rows": [{"label": f.label, "value": str(f.value)} for f in b.rows]}
    if isinstance(b, Table) and len(b.head) == 2:
        rows = [{"label": str(r[0]), "value": str(r[1]), "strong": i in b.totals} for i, r in enumerate(b.rows)]
        return {"kind": "table", "head": list(b.head), "rows": rows}
    if isinstance(b, Table):
        return {"kind": "grid", "head": list(b.head), "cells": [[str(c) for c in r] for r in b.rows]}
    raise TypeError(type(b).__name__)


def view(doc: Document, tpl: DocxTemplate) -> dict[str, Any]:
    """The old template's context, from doctool's prepared letter."""
    assert doc.letter is not None
    contact = {f.label: str(f.value) for f in doc.letter.contact}
    callout = next(b for b in doc.preamble if isinstance(b, Callout))
    *body, last = doc.sections  # the last section is "who to contact", the sign-off and the slip
    fields = next(b for b in last.blocks if isinstance(b, Fields))
    sign_off = next(b for b in last.blocks if isinstance(b, SignOff))
    slip = next(b for b in last.blocks if isinstance(b, Slip))
    quote = next(b for b in last.blocks if isinstance(b, Paragraph))
    head = doc.letterhead
    labels = {"date": "Date", "reference": "Your reference", "contact_officer": "Contact", "phone": "Phone",
              "email": "Email", "item": "Item", "details": "Details", "signature": "Signature"}
    return {
        "w": {"common": {"label": labels, "heading": {"contact": last.heading}}, "label": {"printed_name": slip.blanks[0]}},
        "council": {"name": head.council, "department": head.department, "address": list(head.address),
                    "logo_path": str(head.logo.path) if head.logo else ""},
        "logo": InlineImage(tpl, str(head.logo.path), width=Mm(head.logo.width_mm)) if head.logo else "",
        "date": contact.get("Date", ""), "reference": doc.meta.reference,
        "contact": {"name": sign_off.name, "job_title": sign_off.job_title,
                    "phone": contact.get("Phone", ""), "email": contact.get("Email", "")},
        "address": {"lines": list(doc.letter.address)},
        "dear": doc.letter.salutation, "heading": doc.meta.heading, "about_person": "",
        "draft": {"on": False, "banner": "", "title": "", "intro": "", "findings": []},
        "headline": {"title": str(callout.title), "amount": str(callout.amount), "detail": str(callout.detail)},
        "intro": [_block(b) for b in doc.preamble if not isinstance(b, Callout)],
        "sections": [{"heading": s.heading, "blocks": [_block(b) for b in s.blocks]} for s in body],
        "contact_rows": [{"label": f.label, "value": str(f.value)} for f in fields.rows],
        "quote_reference": str(quote.text),
        "sign_off": {"closing": sign_off.closing, "name": sign_off.name, "job_title": sign_off.job_title,
                     "for_council": sign_off.for_council},
        "slip": {"cut": slip.cut, "heading": slip.heading, "statement": str(slip.statement), "about": str(slip.about),
                 "reference": doc.meta.reference, "return": str(slip.return_to)},
        "doc": {"reference": doc.meta.reference},
    }


def main(records: Path, out: Path) -> None:
    with open(records, "rb") as lines:
        for i, line in enumerate(lines):
            letter = pipeline.prepare(line).document("charging-letter").document
            tpl = DocxTemplate(str(TEMPLATE))  # opened and compiled again for every letter
            tpl.render(view(letter, tpl), autoescape=True)
            tpl.save(out / f"{i}.docx")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
