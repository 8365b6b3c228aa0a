"""Writes the charging letter and direct payment summary Word templates from code.

Run ``python scripts/build_letter_templates.py`` after changing this file; it writes
``templates/docx/charging-letter.docx`` and ``templates/docx/dp-summary.docx``. Both use
the building blocks in ``docx_builder.py`` (styles, en-GB, repeating header rows, "Page X
of Y" footers) and the same view models as the PDF templates.

The Word letter is for printing in-house and editing: it puts the logo, the contact block
and the address in frames near the GOV.UK Notify zones (the address in the window 24.6 mm
from the left and 39.5 mm from the top) so it fits a windowed envelope, but only the PDF
letter is proven against Notify's pixel zones.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from docx.enum.table import WD_TABLE_ALIGNMENT  # noqa: E402
from docx.enum.text import WD_TAB_ALIGNMENT, WD_TAB_LEADER  # noqa: E402
from docx.oxml import OxmlElement  # noqa: E402
from docx.oxml.ns import qn  # noqa: E402
from docx.shared import Mm, Pt  # noqa: E402

from build_docx_templates import draft_box, opening  # noqa: E402
from docx_builder import _repeat_header, _shade, footer, header, loop_table, new_document, save, tag  # noqa: E402

OUT = Path(__file__).resolve().parent.parent / "templates" / "docx"

#: Elements that come after w:framePr, w:pBdr and w:shd in a paragraph's properties.
_AFTER_FRAME = ("w:widowControl", "w:numPr", "w:suppressLineNumbers", "w:pBdr", "w:shd", "w:tabs",
                "w:suppressAutoHyphens", "w:spacing", "w:ind", "w:jc", "w:rPr")
_AFTER_BORDER = ("w:shd", "w:tabs", "w:suppressAutoHyphens", "w:spacing", "w:ind", "w:jc", "w:rPr")
_AFTER_SHADE = ("w:tabs", "w:suppressAutoHyphens", "w:spacing", "w:ind", "w:jc", "w:rPr")


def _twips(mm: float) -> str:
    return str(round(mm * 1440 / 25.4))


def frame(paragraph, x_mm: float, y_mm: float, w_mm: float, h_mm: float) -> None:
    """Fix a paragraph at a place on the page (a Word frame). Consecutive paragraphs with
    the same frame share it; no body text is set beside it."""
    ppr = paragraph._p.get_or_add_pPr()
    fp = OxmlElement("w:framePr")
    for attr, value in (("w", _twips(w_mm)), ("h", _twips(h_mm)), ("hRule", "exact"), ("wrap", "notBeside"),
                        ("vAnchor", "page"), ("hAnchor", "page"), ("x", _twips(x_mm)), ("y", _twips(y_mm))):
        fp.set(qn(f"w:{attr}"), value)
    ppr.insert_element_before(fp, *_AFTER_FRAME)


def box(paragraph, fill: str = "EEF5F6", colour: str = "005E6E") -> None:
    """A shaded paragraph with a thick rule on the left: the amount box."""
    ppr = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    left = OxmlElement("w:left")
    for attr, value in (("val", "single"), ("sz", "36"), ("space", "8"), ("color", colour)):
        left.set(qn(f"w:{attr}"), value)
    borders.append(left)
    ppr.insert_element_before(borders, *_AFTER_BORDER)
    shd = OxmlElement("w:shd")
    for attr, value in (("val", "clear"), ("color", "auto"), ("fill", fill)):
        shd.set(qn(f"w:{attr}"), value)
    ppr.insert_element_before(shd, *_AFTER_SHADE)


def cut_line(paragraph) -> None:
    """A dashed rule above the paragraph: where to cut the slip off."""
    ppr = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    top = OxmlElement("w:top")
    for attr, value in (("val", "dashed"), ("sz", "8"), ("space", "4"), ("color", "0B0C0C")):
        top.set(qn(f"w:{attr}"), value)
    borders.append(top)
    ppr.insert_element_before(borders, *_AFTER_BORDER)


def small(paragraph, size: float = 9.5, exact: float | None = None) -> None:
    fmt = paragraph.paragraph_format
    fmt.space_after = Pt(0)
    fmt.space_before = Pt(0)
    if exact:
        fmt.line_spacing = Pt(exact)
    for run in paragraph.runs:
        run.font.size = Pt(size)


def line(doc, text: str, bold: str = "", size: float = 9.5, exact: float | None = None):
    p = doc.add_paragraph()
    if bold:
        p.add_run(bold).bold = True
    if text:
        p.add_run(text)
    small(p, size, exact)
    return p


def sums_table(doc) -> None:
    """The two-column table of sums for a block ``b``: header row, then one row per item,
    totals (``row.strong``) in bold."""
    table = doc.add_table(rows=4, cols=2)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    head = table.rows[0]
    _repeat_header(head)
    for cell, expr in zip(head.cells, ("{{ b.head[0] }}", "{{ b.head[1] }}")):
        cell.text = ""
        cell.paragraphs[0].add_run(expr).bold = True
        _shade(cell, "EEF5F6")
    table.rows[1].cells[0].text = "{%tr for row in b.rows %}"
    for cell, key in zip(table.rows[2].cells, ("label", "value")):
        cell.text = ""
        para = cell.paragraphs[0]
        para.add_run("{% if row.strong %}{{ row." + key + " }}{% endif %}").bold = True
        para.add_run("{% if not row.strong %}{{ row." + key + " }}{% endif %}")
    table.rows[3].cells[0].text = "{%tr endfor %}"
    table.autofit = False
    for column, width in zip(table.columns, (Mm(140), Mm(40))):
        column.width = width
    for row in table.rows:
        row.cells[0].width, row.cells[1].width = Mm(140), Mm(40)
    doc.add_paragraph()


def blocks(doc, source: str = "s.blocks") -> None:
    """Every kind of block a section holds: paragraph, list, sums, label-value rows, grid."""
    tag(doc, f"{{%p for b in {source} %}}")
    tag(doc, '{%p if b.kind == "p" %}')
    doc.add_paragraph("{{ b.text }}")
    tag(doc, "{%p endif %}")
    tag(doc, '{%p if b.kind == "ul" %}')
    tag(doc, '{%p for item in b["items"] %}')
    doc.add_paragraph("{{ item }}", style="List Bullet")
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p endif %}")
    tag(doc, '{%p if b.kind == "table" %}')
    sums_table(doc)
    tag(doc, "{%p endif %}")
    tag(doc, '{%p if b.kind == "kv" %}')
    loop_table(doc, ["{{ w.common.label.item }}", "{{ w.common.label.details }}"], "row in b.rows",
               ["row.label", "row.value"], [60, 120])
    tag(doc, "{%p endif %}")
    tag(doc, '{%p if b.kind == "grid" %}')
    loop_table(doc, ["{{ b.head[0] }}", "{{ b.head[1] }}", "{{ b.head[2] }}"], "row in b.cells",
               ["row[0]", "row[1]", "row[2]"], [45, 80, 55])
    tag(doc, "{%p endif %}")
    tag(doc, "{%p endfor %}")


def sections(doc) -> None:
    tag(doc, "{%p for s in sections %}")
    doc.add_heading("{{ s.heading }}", level=2)
    blocks(doc)
    tag(doc, "{%p endfor %}")


def write_in(doc, label: str, width_mm: float = 180) -> None:
    """A label and a ruled line to write on (signature, date)."""
    p = doc.add_paragraph()
    p.paragraph_format.tab_stops.add_tab_stop(Mm(width_mm), WD_TAB_ALIGNMENT.RIGHT, WD_TAB_LEADER.LINES)
    p.paragraph_format.space_before = Pt(14)
    p.add_run(label).bold = True
    p.add_run("\t")


def letter_template() -> None:
    doc = new_document(body_pt=11)
    section = doc.sections[0]
    section.left_margin = section.right_margin = Mm(15)
    section.top_margin, section.bottom_margin = Mm(15), Mm(15)
    doc.core_properties.title = "{{ doc.full_title }}"
    header(doc, "{% if draft.on %}{{ draft.banner }}{% endif %}", "")
    footer(doc, "{{ w.common.label.reference }}: {{ doc.reference }}", width_mm=180)

    # page 1: the logo zone (x 15-125 mm, y 5-30 mm)
    tag(doc, "{%p if council.logo_path %}")
    frame(doc.add_paragraph("{{ logo }}"), 15, 8, 110, 22)
    tag(doc, "{%p else %}")
    p = doc.add_paragraph()
    p.add_run("{{ council.name }}").bold = True
    frame(p, 15, 8, 110, 22)
    tag(doc, "{%p endif %}")

    # the contact block (x 125-195 mm, y 5-95 mm)
    contact = [line(doc, "{{ council.department }}", size=10.5)]
    contact[0].runs[0].bold = True
    tag(doc, "{%p for l in council.address %}")
    contact.append(line(doc, "{{ l }}"))
    tag(doc, "{%p endfor %}")
    for label, value in (("date", "date"), ("reference", "reference")):
        contact.append(line(doc, "", "{{ w.common.label." + label + " }}"))
        contact.append(line(doc, "{{ " + value + " }}"))
    tag(doc, "{%p if contact.name %}")
    contact.append(line(doc, "", "{{ w.common.label.contact_officer }}"))
    contact.append(line(doc, "{{ contact.name }}"))
    tag(doc, "{%p if contact.job_title %}")
    contact.append(line(doc, "{{ contact.job_title }}"))
    tag(doc, "{%p endif %}")
    tag(doc, "{%p endif %}")
    for label, value in (("phone", "contact.phone"), ("email", "contact.email")):
        contact.append(line(doc, "", "{{ w.common.label." + label + " }}"))
        contact.append(line(doc, "{{ " + value + " }}"))
    for p in contact:
        frame(p, 128, 8, 67, 85)
        if p.runs and p.runs[0].bold and p is not contact[0]:
            p.paragraph_format.space_before = Pt(4)

    # the address, in the envelope window (24.6 mm from the left, 39.5 mm from the top)
    tag(doc, "{%p for l in address.lines %}")
    address = line(doc, "{{ l }}", size=9.5, exact=10.5)  # 7 lines fit the 26.8 mm window
    frame(address, 26.1, 40, 92.4, 26.3)
    tag(doc, "{%p endfor %}")

    # the body, from 95 mm down
    doc.add_paragraph("{{ dear }}")
    doc.add_heading("{{ heading }}", level=1)
    tag(doc, "{%p if about_person %}")
    doc.add_paragraph("{{ about_person }}")
    tag(doc, "{%p endif %}")
    draft_box(doc)
    title = doc.add_paragraph()
    title.add_run("{{ headline.title }}").bold = True
    box(title)
    tag(doc, "{%p if headline.amount %}")
    amount = doc.add_paragraph()
    run = amount.add_run("{{ headline.amount }}")
    run.bold, run.font.size = True, Pt(22)
    box(amount)
    tag(doc, "{%p endif %}")
    detail = doc.add_paragraph("{{ headline.detail }}")
    box(detail)
    for p in (title, amount, detail):
        p.paragraph_format.space_after = Pt(0)
        p.paragraph_format.keep_with_next = p is not detail
    doc.add_paragraph()
    blocks(doc, "intro")
    sections(doc)

    doc.add_heading("{{ w.common.heading.contact }}", level=2)
    loop_table(doc, ["{{ w.common.label.item }}", "{{ w.common.label.details }}"], "row in contact_rows",
               ["row.label", "row.value"], [60, 120])
    doc.add_paragraph("{{ quote_reference }}")
    doc.add_paragraph("{{ sign_off.closing }}")
    tag(doc, "{%p if sign_off.name %}")
    p = doc.add_paragraph()
    p.add_run("{{ sign_off.name }}").bold = True
    tag(doc, "{%p if sign_off.job_title %}")
    doc.add_paragraph("{{ sign_off.job_title }}")
    tag(doc, "{%p endif %}")
    tag(doc, "{%p endif %}")
    doc.add_paragraph("{{ sign_off.for_council }}")

    # the tear-off slip: a dashed cut line, then the slip, kept together
    cut = doc.add_paragraph("{{ slip.cut }}")
    cut_line(cut)
    cut.paragraph_format.space_before = Pt(18)
    cut.runs[0].font.size = Pt(9)
    cut.paragraph_format.keep_with_next = True
    slip_heading = doc.add_heading("{{ slip.heading }}", level=2)
    slip_heading.paragraph_format.keep_with_next = True
    statement = doc.add_paragraph()
    statement.add_run("{{ slip.statement }}").bold = True
    statement.paragraph_format.keep_with_next = True
    tag(doc, "{%p if slip.about %}")
    doc.add_paragraph("{{ slip.about }}").paragraph_format.keep_with_next = True
    tag(doc, "{%p endif %}")
    ref = doc.add_paragraph()
    ref.add_run("{{ w.common.label.reference }}: ").bold = True
    ref.add_run("{{ slip.reference }}")
    ref.paragraph_format.keep_with_next = True
    for label in ("{{ w.label.printed_name }}", "{{ w.common.label.signature }}", "{{ w.common.label.date }}"):
        write_in(doc, label)
        doc.paragraphs[-1].paragraph_format.keep_with_next = True
    doc.add_paragraph("{{ slip.return }}").paragraph_format.space_before = Pt(10)
    save(doc, OUT / "charging-letter.docx")


def dp_summary_template() -> None:
    doc = opening(
        "{{ w.common.label.reference }}: {{ doc.reference }}",
        "{{ doc.name }} · {{ w.common.label.reference }} {{ doc.reference }} · {{ doc.date }}",
    )
    tag(doc, "{%p for s in sections %}")
    doc.add_heading("{{ s.heading }}", level=1)
    blocks(doc)
    tag(doc, "{%p endfor %}")
    doc.add_heading("{{ signature.heading }}", level=1)
    p = doc.add_paragraph()
    p.add_run("{{ signature.declaration }}").bold = True
    name = doc.add_paragraph()
    name.add_run("{{ signature.name_label }}: ").bold = True
    name.add_run("{{ signature.holder }}")
    write_in(doc, "{{ signature.signature_label }}", width_mm=174)
    write_in(doc, "{{ signature.date_label }}", width_mm=174)
    save(doc, OUT / "dp-summary.docx")


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    letter_template()
    dp_summary_template()
    print(f"wrote {OUT / 'charging-letter.docx'} and {OUT / 'dp-summary.docx'}")
