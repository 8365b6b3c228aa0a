"""Warm render time of one letter-sized Document with ``render_word`` (the bulk-letter hot path).

Usage:  .venv/bin/python bench/word_render.py [--renders 200] [--size PT --stacked]

Builds a representative charging letter (three pages: the address and contact block,
a callout, a sums table of 13 rows, label-value rows, a list, a sign-off and a slip),
renders it once to warm the shell cache, then times ``--renders`` renders and prints the
mean wall time and process CPU time per render (CPU time is steadier on a busy machine).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from doctool.document import (  # noqa: E402
    Callout,
    Date,
    Document,
    Draft,
    Email,
    Field,
    Fields,
    Items,
    LetterFrame,
    Letterhead,
    Meta,
    Money,
    Paragraph,
    Phone,
    Phrase,
    Picture,
    Reference,
    Section,
    SignOff,
    Slip,
    Table,
    fill,
)
from doctool.render.word import render_word  # noqa: E402

SHELL = ROOT / "templates" / "docx" / "charging-letter.docx"


def letter() -> Document:
    when = dt.date(2027, 4, 6)
    weekly = Money(Decimal("123.45"), "weekly")
    rows = tuple((f"Income item {i}", Money(Decimal(i * 10 + 5), "weekly")) for i in range(12))
    return Document(
        meta=Meta(kind="charging-letter", title="Your contribution towards the cost of your care", person="Margaret Thompson",
                  reference="ASC-400001", date=when, footer="Reference: ASC-400001"),
        letterhead=Letterhead(council="Eastbrook Borough Council", department="Adult Social Care", address=("Town Hall", "Eastbrook EX1 1AA"),
                              phone="0300 123 4567", email="care@eastbrook.example.gov.uk",
                              logo=Picture(ROOT / "assets" / "img" / "eastbrook-logo.png", "Eastbrook Borough Council logo", 50)),
        draft=Draft(on=False),
        letter=LetterFrame(
            address=("Mrs Margaret Thompson", "12 Station Road", "Eastbrook", "EB2 3CD"),
            contact=(Field("Date", Date(when)), Field("Reference", Reference("ASC-400001")), Field("Contact", "Sam Patel"),
                     Field("Phone", Phone("0300 123 4567")), Field("Email", Email("care@eastbrook.example.gov.uk"))),
            contact_intro=("Adult Social Care", "Town Hall", "Eastbrook EX1 1AA"),
        ),
        preamble=(Paragraph("Dear Mrs Thompson"), Callout("You will pay", weekly, fill("from {date}", date=Date(when))),
                  Paragraph(fill("We have worked out that you can afford to pay {amount} towards the cost of your care and support. " * 2, amount=weekly))),
        sections=(
            Section("How we worked this out", (
                Paragraph("We looked at your income and the money the law says you must keep for yourself. " * 4),
                Table(("What", "Amount"), (*rows, ("Total income", Money(Decimal(720), "weekly"))), numeric=(1,), totals=(12,)),
                Items(tuple(f"Point {i}: what we counted and why, in a sentence of ordinary length." for i in range(5))),
            )),
            Section("Your savings and property", (
                Paragraph("You told us about your savings and your home. " * 6),
                Fields((Field("Savings", Money(Decimal(12000))), Field("Property", "Not counted: you live there", strong=True))),
            )),
            Section("If you think we got it wrong", (
                Paragraph("You can ask us to look again at any time. " * 8),
                Paragraph(Phrase(("Call us on ", Phone("0300 123 4567"), " from 9am to 5pm, Monday to Friday."))),
            )),
            Section("Paying", (
                Paragraph("Direct debit is the easiest way to pay. " * 6),
                SignOff("Yours sincerely", "Sam Patel", "Financial assessment officer", "for Eastbrook Borough Council"),
            )),
            Section("Please sign and return this slip", (
                Slip("Cut along this line", "Your agreement", "I agree to pay what this letter says.",
                     (Field("Name", "Margaret Thompson"), Field("Reference", Reference("ASC-400001"))), ("Signature", "Date"),
                     return_to="Return it to Eastbrook Borough Council, Town Hall, Eastbrook EX1 1AA."),
            )),
        ),
        words={"page": "Page", "of": "of"},
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--renders", type=int, default=200)
    parser.add_argument("--size", type=int, default=None)
    parser.add_argument("--stacked", action="store_true")
    args = parser.parse_args()
    doc = letter()
    first = render_word(doc, SHELL, size_pt=args.size, stacked=args.stacked)
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(args.renders):
        render_word(doc, SHELL, size_pt=args.size, stacked=args.stacked)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"{args.renders} renders, {len(first):,} bytes each: {wall / args.renders * 1000:.1f} ms wall, "
          f"{cpu / args.renders * 1000:.1f} ms CPU per render")


if __name__ == "__main__":
    main()
