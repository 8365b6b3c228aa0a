"""The generic Word renderer: any Document laid into a shell (``doctool.render.word``).

Every test builds a small Document here and reads the .docx back the way a reader's
tools would: python-docx for paragraphs, styles and properties, the XML for what
python-docx does not expose (header rows, alt text, languages), LibreOffice and
pdftotext for the one test that the file really opens and reads in order.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import re
import shutil
import subprocess
import zipfile
from dataclasses import replace
from decimal import Decimal

import docx
import pytest
from lxml import etree

from doctool.document import (
    Callout,
    Date,
    Document,
    Draft,
    Email,
    Field,
    Fields,
    Illustrated,
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
)
from doctool.errors import ConfigError
from doctool.render.word import render_word

from render_helpers import REPO, docx_parts, norm, pdf_pages_text, soffice_to_pdf

SHELLS = REPO / "templates" / "docx"
PLAN = SHELLS / "plan.docx"
LETTER = SHELLS / "charging-letter.docx"
EASYREAD = SHELLS / "easyread.docx"
LOGO = Picture(REPO / "assets" / "img" / "eastbrook-logo.png", "Eastbrook Borough Council logo", 50)
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = {
    "w": W,
    "wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
    "pic": "http://schemas.openxmlformats.org/drawingml/2006/picture",
}
HOSTILE = "Tom & Jerry <b>{{ 7*7 }}</b> {% raw %}{{ x }}{% endraw %} {# c #} ]]> &amp;"
WHEN = dt.date(2027, 1, 5)


def meta(**changes) -> Meta:
    base = Meta(kind="plan", title="Care and support plan", person="Peggy Smith", reference="ASC-100001", date=WHEN,
                footer="Confidential: this plan contains personal information", subtitle=("Peggy Smith · ASC-100001",))
    return replace(base, **changes)


HEAD = Letterhead(council="Eastbrook Borough Council", department="Adult Social Care", address=("Town Hall", "Eastbrook EX1 1AA"),
                  phone="0300 123 4567", email="care@eastbrook.example.gov.uk", logo=LOGO)
RISKS = Table(
    ("Risk", "Likely harm", "What we do first", "What we do if it happens"),
    tuple((f"Fall {i}", "A broken hip", "Grab rails in the bathroom", "Call 999, then her daughter") for i in range(3)),
    caption="Risks and what we do",
)
BUDGET = Table(("Item", "Weekly cost"), (("Home care", Money(Decimal("240"), "weekly")), ("Total", Money(Decimal("240"), "weekly"))),
               numeric=(1,), totals=(1,))


def plan_doc(**changes) -> Document:
    sections = (
        Section("About me", (Fields((Field("Name", "Peggy Smith"), Field("Phone", Phone("0300 123-4567")), Field("Budget", Money(Decimal(240)), strong=True))),
                             Paragraph("I like my garden.", style="lead"), Items(("Seeing my daughter", "My cat")))),
        Section("What matters to me", (Paragraph("Staying at home."),), level=3),
        Section("Keeping safe", (RISKS,)),
        Section("My budget", (BUDGET, Callout("The council pays", Money(Decimal("240"), "weekly"), "from 5 January 2027")), style="card"),
        Section("A picture", (Picture(LOGO.path, "The council's wave logo, in blue", 40),), level=3),
    )
    doc = Document(meta=meta(), letterhead=HEAD, draft=Draft(on=False), sections=sections,
                   preamble=(Paragraph("This plan says what help I get."),), words={"page": "Page", "of": "of"})
    return replace(doc, **changes)


def letter_doc(**changes) -> Document:
    frame = LetterFrame(
        address=("Mrs Margaret Thompson", "12 Station Road", "Eastbrook", "EB2 3CD"),
        contact=(Field("Date", Date(WHEN)), Field("Reference", Reference("ASC-400001")), Field("Phone", Phone("0300 123 4567")),
                 Field("Email", Email("care@eastbrook.example.gov.uk"))),
        contact_intro=("Adult Social Care", "Town Hall"),
        address_fit="fit-normal",
    )
    weekly = Money(Decimal("123.45"), "weekly")
    sections = (
        Section("How we worked this out", (Paragraph(Phrase(("You will pay ", weekly, " from ", Date(WHEN), "."))), BUDGET)),
        Section("Please sign and return this slip", (
            SignOff("Yours sincerely", "Sam Patel", "Financial assessment officer", "for Eastbrook Borough Council"),
            Slip("Cut along this line", "Your agreement", "I agree to pay what this letter says.",
                 (Field("Name", "Margaret Thompson"), Field("Reference", Reference("ASC-400001"))), ("Signature", "Date"),
                 return_to="Return it to Eastbrook Borough Council."),
        )),
    )
    doc = Document(meta=meta(kind="charging-letter", title="Your contribution towards the cost of your care", person="Margaret Thompson",
                             reference="ASC-400001", footer="Reference: ASC-400001", subtitle=()),
                   letterhead=HEAD, draft=Draft(on=False), sections=sections,
                   preamble=(Paragraph("Dear Mrs Thompson"), Callout("You will pay", weekly, "from 5 January 2027")),
                   letter=frame, words={"page": "Page", "of": "of"})
    return replace(doc, **changes)


def easy_doc() -> Document:
    blocks = tuple(
        Illustrated(Picture(LOGO.path, f"A picture for block {i}", 30), (f"This is block {i}.", "I get help with this."),
                    items=("Tea", "Toast") if i == 1 else (), emphasis=(0,), sign_here=("Sign here",) if i == 2 else ())
        for i in range(3)
    )
    return Document(meta=meta(kind="easyread", title="My care plan", subtitle=("Peggy Smith",)), letterhead=HEAD, draft=Draft(on=False),
                    sections=(Section("About me", blocks[:2], style="new-page"), Section("Signing", blocks[2:], style="new-page")),
                    words={"page": "Page", "of": "of"})


def opened(content: bytes):
    return docx.Document(io.BytesIO(content))


def xml(content: bytes, name: str = "word/document.xml"):
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        return etree.fromstring(z.read(name))


def parts(content: bytes, pattern: str) -> list:
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        return [etree.fromstring(z.read(n)) for n in z.namelist() if re.fullmatch(pattern, n)]


def text_of(el) -> str:
    return "".join(el.itertext())


@pytest.fixture(scope="module")
def plan_docx() -> bytes:
    return render_word(plan_doc(), PLAN)


# --- structure ------------------------------------------------------------------------------


def test_headings_are_title_then_heading_1_and_2_in_order(plan_docx):
    styled = [(p.style.name, p.text) for p in opened(plan_docx).paragraphs if p.style.name.startswith(("Title", "Heading"))]
    assert styled == [
        ("Title", "Care and support plan"),
        ("Heading 1", "About me"),
        ("Heading 2", "What matters to me"),
        ("Heading 1", "Keeping safe"),
        ("Heading 1", "My budget"),
        ("Heading 2", "A picture"),
    ]


def test_heading_levels_never_skip():
    """A level-3 section straight under the title becomes Heading 1, not Heading 2."""
    doc = plan_doc(sections=(Section("Inside", (Paragraph("x"),), level=3), Section("Deeper", (Paragraph("y"),), level=4)))
    styled = [p.style.name for p in opened(render_word(doc, PLAN)).paragraphs if p.style.name.startswith(("Title", "Heading"))]
    assert styled == ["Title", "Heading 1", "Heading 2"]


def test_the_shell_letterhead_header_and_footer_are_filled_in(plan_docx):
    found = docx_parts(plan_docx)
    assert "Eastbrook Borough Council, Adult Social Care" in found["body"]
    assert found["body"].index("Eastbrook Borough Council, Adult Social Care") < found["body"].index("Care and support plan")
    assert any("ASC-100001" in line for line in found["header"])
    footer = " ".join(found["footer"])
    assert "Confidential: this plan contains personal information" in footer and "Page" in footer and " of " in footer
    instructions = {el.get(f"{{{W}}}instr").split()[0] for f in parts(plan_docx, r"word/footer\d*\.xml") for el in f.iter(f"{{{W}}}fldSimple")}
    assert {"PAGE", "NUMPAGES"} <= instructions
    assert "{{" not in "".join(found["header"] + found["footer"] + found["body"])


def test_data_tables_repeat_their_header_row_with_header_cells():
    root = xml(render_word(plan_doc(), PLAN))
    tables = [t for t in root.iter(f"{{{W}}}tbl") if t.find("w:tblPr/w:tblLook", NS).get(f"{{{W}}}firstRow") == "1"]
    assert len(tables) == 2  # the risks and the budget
    for table in tables:
        head, *rows = table.findall("w:tr", NS)
        assert head.find("w:trPr/w:tblHeader", NS) is not None
        assert head.find("w:trPr/w:cantSplit", NS) is not None
        for cell in head.findall("w:tc", NS):
            assert cell.find(".//w:rPr/w:b", NS) is not None, "header cells are bold"
            assert cell.find("w:tcPr/w:shd", NS) is not None, "and shaded"
        assert all(r.find("w:trPr/w:tblHeader", NS) is None for r in rows)
    budget = tables[1]
    assert budget.find("w:tblPr/w:tblStyle", NS).get(f"{{{W}}}val") == "TableGrid"
    head, home, total = budget.findall("w:tr", NS)
    for row in (head, home, total):
        amount = row.findall("w:tc", NS)[1]
        assert amount.find(".//w:pPr/w:jc", NS).get(f"{{{W}}}val") == "right", "sums are right-aligned"
    assert home.find(".//w:rPr/w:b", NS) is None
    assert all(tc.find(".//w:rPr/w:b", NS) is not None for tc in total.findall("w:tc", NS)), "the total is bold"
    risks = tables[0]
    assert risks.find("w:tblPr/w:tblCaption", NS).get(f"{{{W}}}val") == "Risks and what we do"


def test_fields_are_a_two_column_table_with_row_headers(plan_docx):
    document = opened(plan_docx)
    fields = document.tables[0]  # python-docx reads a no-break hyphen as "-"
    assert [[c.text for c in row.cells] for row in fields.rows] == [["Name", "Peggy Smith"], ["Phone", "0300\u00a0123-4567"], ["Budget", "£240.00"]]
    look = fields._tbl.tblPr.find(f"{{{W}}}tblLook")
    assert look.get(f"{{{W}}}firstColumn") == "1" and look.get(f"{{{W}}}firstRow") == "0"
    for row in fields.rows:
        assert row.cells[0].paragraphs[0].runs[0].bold, "the labels are row headers"
    assert fields.rows[2].cells[1].paragraphs[0].runs[0].bold, "a strong field is bold"


def test_phone_numbers_never_break(plan_docx):
    root = xml(plan_docx)
    phone = next(r.getparent() for r in root.iter(f"{{{W}}}t") if r.text and r.text.startswith("0300"))
    assert "\u00a0" in text_of(phone) and " " not in text_of(phone)
    assert phone.find("w:noBreakHyphen", NS) is not None


def test_lists_use_list_bullet(plan_docx):
    bullets = [p.text for p in opened(plan_docx).paragraphs if p.style.name == "List Bullet"]
    assert bullets == ["Seeing my daughter", "My cat"]


def test_callout_is_a_box_with_the_amount_larger(plan_docx):
    root = xml(plan_docx)
    amount = next(p for p in root.iter(f"{{{W}}}p") if text_of(p) == "£240.00 a week" and p.find("w:pPr/w:pBdr", NS) is not None)
    assert amount.find("w:pPr/w:shd", NS) is not None
    size = int(amount.find(".//w:rPr/w:sz", NS).get(f"{{{W}}}val")) / 2
    assert size >= 12 * 1.5


def test_card_sections_keep_together(plan_docx):
    document = opened(plan_docx)
    heading = next(p for p in document.paragraphs if p.text == "My budget")
    assert heading.paragraph_format.keep_with_next
    callout_title = next(p for p in document.paragraphs if p.text == "The council pays")
    assert callout_title.paragraph_format.keep_with_next


# --- pictures -------------------------------------------------------------------------------


def test_every_picture_has_alt_text_and_no_title(plan_docx):
    doc_prs = [d for part in parts(plan_docx, r"word/(document|header\d*|footer\d*)\.xml") for d in part.iter(f"{{{NS['wp']}}}docPr")]
    assert len(doc_prs) == 2  # the logo in the letterhead and the picture block
    alts = {d.get("descr") for d in doc_prs}
    assert alts == {"Eastbrook Borough Council logo", "The council's wave logo, in blue"}
    for d in doc_prs:  # a title would be read with it: "Picture - The council's wave logo, in blue"
        assert d.get("title") is None
    ids = [d.get("id") for d in doc_prs]
    assert len(set(ids)) == len(ids)


def test_no_logo_no_picture():
    content = render_word(plan_doc(letterhead=replace(HEAD, logo=None), sections=()), PLAN)
    assert not list(xml(content).iter(f"{{{NS['wp']}}}docPr"))


# --- properties, language, reproducibility ------------------------------------------------------


def test_core_properties_come_from_the_document(plan_docx):
    props = opened(plan_docx).core_properties
    assert props.title == "Care and support plan: Peggy Smith"
    assert props.author == props.last_modified_by == "Eastbrook Borough Council"
    assert props.language == "en-GB"
    stamp = dt.datetime(2027, 1, 5, tzinfo=dt.UTC)
    assert props.created == props.modified == props.last_printed == stamp


def test_language_is_en_gb_in_styles_and_settings(plan_docx):
    lang = xml(plan_docx, "word/styles.xml").find("w:docDefaults/w:rPrDefault/w:rPr/w:lang", NS)
    assert lang.get(f"{{{W}}}val") == "en-GB"
    theme = xml(plan_docx, "word/settings.xml").find("w:themeFontLang", NS)
    assert theme.get(f"{{{W}}}val") == "en-GB"


def test_same_document_same_bytes(plan_docx):
    assert render_word(plan_doc(), PLAN) == plan_docx
    letter = letter_doc(draft=Draft(on=True, banner="DRAFT", findings=(("R-1", "m", "s"),)))
    assert render_word(letter, LETTER) == render_word(letter, LETTER)
    with zipfile.ZipFile(io.BytesIO(plan_docx)) as z:
        assert {i.date_time for i in z.infolist()} == {(2027, 1, 5, 0, 0, 0)}


def test_a_changed_shell_is_read_again(tmp_path):
    shell = tmp_path / "plan.docx"
    shutil.copy(PLAN, shell)
    before = render_word(plan_doc(), shell)
    document = docx.Document(str(shell))
    document.sections[0].footer.paragraphs[0].runs[0].text = "Edited footer {{ doc.meta.footer }}"
    document.save(str(shell))
    after = render_word(plan_doc(), shell)
    assert before != after
    assert "Edited footer Confidential" in " ".join(docx_parts(after)["footer"])


# --- any text prints literally ---------------------------------------------------------------


def test_hostile_text_prints_literally_everywhere():
    doc = plan_doc(
        meta=meta(title=HOSTILE, person=HOSTILE, reference=HOSTILE, footer=HOSTILE),
        letterhead=replace(HEAD, council=HOSTILE),
        sections=(Section(HOSTILE, (Paragraph(HOSTILE), Items((HOSTILE,)), Fields((Field(HOSTILE, HOSTILE),)),
                                    Table((HOSTILE, "b", "c"), ((HOSTILE, HOSTILE, HOSTILE),)))),),
    )
    content = render_word(doc, PLAN)
    found = docx_parts(content)
    for where in ("body", "header", "footer"):
        assert any(HOSTILE in line for line in found[where]), where
    everything = "\n".join(found["body"] + found["header"] + found["footer"])
    assert "49" not in everything
    assert everything.count(HOSTILE) >= 8
    assert opened(content).core_properties.title == f"{HOSTILE}: {HOSTILE}"


def test_control_characters_tabs_and_line_breaks():
    doc = plan_doc(sections=(Section("Text", (Paragraph("One\ttwo\nthree\x00\x0bfour"),)),))
    root = xml(render_word(doc, PLAN))
    p = next(p for p in root.iter(f"{{{W}}}p") if "three" in text_of(p))
    assert p.find(".//w:tab", NS) is not None and p.find(".//w:br", NS) is not None
    assert "threefour" in text_of(p)


# --- drafts and letters ---------------------------------------------------------------------


def test_a_draft_says_draft_in_every_header_and_lists_its_findings():
    draft = Draft(on=True, banner="DRAFT", title="Draft: this plan is not final", intro="Missing:",
                  findings=(("CA-25-ADVICE", "Record the advice given", "Care Act s.25(1)(g)"),))
    for shell, doc in ((PLAN, plan_doc(draft=draft)), (EASYREAD, replace(easy_doc(), draft=draft))):
        content = render_word(doc, shell)
        headers = parts(content, r"word/header\d*\.xml")
        assert headers and all(text_of(h).startswith("DRAFT") for h in headers), shell.name
        body = docx_parts(content)["body"]
        assert "Draft: this plan is not final" in body
        assert "CA-25-ADVICE: Record the advice given (Care Act s.25(1)(g))" in body
    final = render_word(plan_doc(), PLAN)
    assert not any("DRAFT" in text_of(h) for h in parts(final, r"word/header\d*\.xml"))


def test_a_letter_frame_puts_the_address_lines_first():
    content = render_word(letter_doc(), LETTER)
    body = [line for line in docx_parts(content)["body"] if line.strip()]
    # the letterhead (logo) paragraph is empty text; then the address, then the contact block
    assert body[:4] == ["Mrs Margaret Thompson", "12 Station Road", "Eastbrook", "EB2 3CD"]
    assert body.index("Adult Social Care") > 3
    # 12 pt: a value too long for the contact column goes on the line under its label
    assert body.index("Email") + 1 == body.index("care@eastbrook.example.gov.uk")
    assert body.index("Your contribution towards the cost of your care") > body.index("care@eastbrook.example.gov.uk")
    frame = xml(content).find(".//w:tbl", NS)
    assert frame.find("w:tblPr/w:tblBorders/w:top", NS).get(f"{{{W}}}val") == "nil", "borderless"
    indent_mm = int(frame.find("w:tblPr/w:tblInd", NS).get(f"{{{W}}}w")) * 25.4 / 1440
    assert abs(indent_mm + 15 - 26.1) < 0.2, "the address starts in the envelope window"


def test_a_slip_has_a_cut_line_and_rows_to_write_in():
    content = render_word(letter_doc(), LETTER)
    document = opened(content)
    slip = document.tables[-1]
    assert [row.cells[0].text for row in slip.rows] == ["Name", "Reference", "Signature", "Date"]
    assert [row.cells[1].text for row in slip.rows][2:] == ["", ""]
    cut = next(p for p in document.paragraphs if p.text == "Cut along this line")
    assert cut._p.pPr.find(f"{{{W}}}pBdr/{{{W}}}top").get(f"{{{W}}}val") == "dashed"
    assert ("Heading 2", "Your agreement") in [(p.style.name, p.text) for p in document.paragraphs]
    assert "Sam Patel" in [p.text for p in document.paragraphs]


def test_easy_read_blocks_are_a_borderless_table_picture_left_words_right():
    content = render_word(easy_doc(), EASYREAD)
    document = opened(content)
    assert document.styles["Normal"].font.size.pt == 16
    table = document.tables[0]
    assert len(table.rows) == 2 and len(table.columns) == 2
    pic, words = table.rows[0].cells
    assert pic._tc.find(f".//{{{NS['wp']}}}docPr").get("descr") == "A picture for block 0"
    assert [p.text for p in words.paragraphs] == ["This is block 0.", "I get help with this."]
    assert words.paragraphs[0].runs[0].bold and not words.paragraphs[1].runs[0].bold
    assert [p.style.name for p in table.rows[1].cells[1].paragraphs][-2:] == ["List Bullet", "List Bullet"]
    tbl_pr = table._tbl.tblPr
    assert tbl_pr.find(f"{{{W}}}tblBorders/{{{W}}}left").get(f"{{{W}}}val") == "nil"
    assert "Layout table" in tbl_pr.find(f"{{{W}}}tblDescription").get(f"{{{W}}}val")
    assert table._tbl.tr_lst[0].trPr.find(f"{{{W}}}tblHeader") is None
    sign = document.tables[1].rows[0].cells[1]
    assert "Sign here" in [p.text for p in sign.paragraphs]
    headings = [p for p in document.paragraphs if p.style.name == "Heading 1"]
    assert all(h.paragraph_format.page_break_before for h in headings)


# --- large and clear print ------------------------------------------------------------------


def _sizes(content: bytes) -> list[float]:
    sizes = []
    for part in parts(content, r"word/(document|styles|header\d*|footer\d*)\.xml"):
        sizes += [int(el.get(f"{{{W}}}val")) / 2 for el in part.iter(f"{{{W}}}sz")]
    return sizes


@pytest.mark.parametrize("size", [18, 24])
def test_large_print_sizes_are_applied(size):
    content = render_word(plan_doc(), PLAN, size_pt=size)
    styles = opened(content).styles
    assert styles["Normal"].font.size.pt == size
    assert styles["Title"].font.size.pt == pytest.approx(size * 1.4, abs=0.5)
    assert styles["Heading 1"].font.size.pt == pytest.approx(size * 1.3, abs=0.5)
    assert styles["Heading 2"].font.size.pt == pytest.approx(size * 1.2, abs=0.5)
    assert styles["Heading 3"].font.size.pt == pytest.approx(size * 1.1, abs=0.5)
    assert min(_sizes(content)) >= size, "nothing smaller than the body text, headers and footers included"
    for part in parts(content, r"word/(document|styles|header\d*|footer\d*)\.xml"):
        assert part.find(f".//{{{W}}}i") is None, "no italics"
    normal = styles["Normal"].paragraph_format
    assert normal.line_spacing == 1.5 and normal.space_after.pt >= size / 2


def test_clear_print_keeps_wide_tables_as_tables():
    content = render_word(plan_doc(), PLAN, size_pt=14)
    assert opened(content).styles["Normal"].font.size.pt == 14
    assert any(len(t.columns) == 4 for t in opened(content).tables)


def test_stacked_lays_wide_tables_out_one_record_a_row():
    content = render_word(plan_doc(), PLAN, size_pt=24, stacked=True)
    document = opened(content)
    assert all(len(t.columns) <= 3 for t in document.tables), "the four-column table is gone"
    assert any(len(t.columns) == 2 for t in document.tables), "two-column tables stay"
    lines = [p.text for p in document.paragraphs]
    first = lines.index("Risk: Fall 0")
    assert lines[first : first + 4] == ["Risk: Fall 0", "Likely harm: A broken hip", "What we do first: Grab rails in the bathroom",
                                        "What we do if it happens: Call 999, then her daughter"]
    record = [p for p in document.paragraphs if p.text.startswith(("Risk: Fall 0", "Likely harm"))][:2]
    assert record[0].paragraph_format.keep_with_next
    assert record[0].runs[0].bold and record[0].runs[0].text == "Risk: "


def test_stacked_letters_put_the_address_above_the_contact_lines():
    content = render_word(letter_doc(), LETTER, size_pt=20, stacked=True)
    body = [line for line in docx_parts(content)["body"] if line.strip()]
    assert body[:5] == ["Mrs Margaret Thompson", "12 Station Road", "Eastbrook", "EB2 3CD", "Adult Social Care"]
    assert min(_sizes(content)) >= 20


# --- shells ---------------------------------------------------------------------------------


def test_a_council_edited_shell_keeps_its_styles_and_branding(tmp_path):
    shell = tmp_path / "testshire-plan.docx"
    document = docx.Document(str(PLAN))
    document.styles["Normal"].font.name = "Verdana"
    document.styles["Heading 1"].font.color.rgb = docx.shared.RGBColor(0x80, 0x00, 0x80)
    for p in document.paragraphs:
        if p.text.startswith("{{ doc.letterhead.address"):
            p.runs[0].text = "Testshire branding line"
            for run in p.runs[1:]:
                run.text = ""
    document.save(str(shell))
    content = render_word(plan_doc(), shell)
    out = opened(content)
    assert out.styles["Normal"].font.name == "Verdana"
    assert str(out.styles["Heading 1"].font.color.rgb) == "800080"
    assert "Testshire branding line" in docx_parts(content)["body"]


def test_a_shell_without_a_body_paragraph_is_refused(tmp_path):
    shell = tmp_path / "no-body.docx"
    document = docx.Document(str(PLAN))
    for p in document.paragraphs:
        if p.text == "{{ body }}":
            p.runs[0].text = "nothing here"
    document.save(str(shell))
    with pytest.raises(ConfigError, match=r"\{\{ body \}\}"):
        render_word(plan_doc(), shell)


def test_an_undefined_name_in_a_shell_is_a_config_error(tmp_path):
    shell = tmp_path / "typo.docx"
    document = docx.Document(str(PLAN))
    document.sections[0].footer.paragraphs[0].runs[0].text = "{{ doc.meta.refrence }}"
    document.save(str(shell))
    with pytest.raises(ConfigError, match="refrence"):
        render_word(plan_doc(), shell)


# --- LibreOffice opens the file and reads it in order ----------------------------------------------


@pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdftotext") is None, reason="needs LibreOffice and poppler")
def test_libreoffice_converts_it_and_the_words_come_in_order(tmp_path):
    source = tmp_path / "letter.docx"
    source.write_bytes(render_word(letter_doc(), LETTER))
    done = soffice_to_pdf([source], tmp_path / "out", tmp_path / "profile")
    pdf = tmp_path / "out" / "letter.pdf"
    assert pdf.is_file(), done.stdout + done.stderr
    pages = pdf_pages_text(pdf)
    text = norm(" ".join(pages))
    order = ["Mrs Margaret Thompson", "EB2 3CD", "Your contribution towards the cost of your care", "Dear Mrs Thompson",
             "£123.45 a week", "How we worked this out", "You will pay £123.45 a week from 5 January 2027.", "Home care",
             "Yours sincerely", "Sam Patel", "Your agreement", "I agree to pay what this letter says.", "Signature"]
    positions = [text.find(norm(words)) for words in order]
    assert -1 not in positions, dict(zip(order, positions))
    assert positions == sorted(positions)
    for i, page in enumerate(pages, start=1):
        assert f"Page {i} of {len(pages)}" in norm(page)
        assert "Reference: ASC-400001" in norm(page)
    with subprocess.Popen(["pdfinfo", str(pdf)], stdout=subprocess.PIPE, text=True) as info:
        assert "Title:" in info.communicate()[0]


def test_svg_pictures_become_png_for_word():
    """Easy-read pictures are OpenMoji SVGs; Word gets each as a PNG (made once, cached)."""
    from doctool.easyread.pictures import openmoji_svg_dir

    svg = sorted(openmoji_svg_dir().glob("*.svg"))[0]
    doc = replace(easy_doc(), sections=(Section("Pictures", (
        Illustrated(Picture(svg, "A smiling face", 30), ("I am happy.",)),
        Illustrated(Picture(svg, "A smiling face again", 30), ("Still happy.",)),
    )),))
    content = render_word(doc, EASYREAD)
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        media = [n for n in z.namelist() if n.startswith("word/media/")]
    assert len(media) == 2 and all(n.endswith(".png") for n in media), media  # the logo and the one picture, stored once
    alts = [d.get("descr") for d in xml(content).iter(f"{{{NS['wp']}}}docPr")]
    assert alts == ["Eastbrook Borough Council logo", "A smiling face", "A smiling face again"]


def test_tables_never_touch_and_the_body_ends_with_a_paragraph():
    doc = plan_doc(sections=(Section("Two tables", (Fields((Field("Name", "Peggy"),)), BUDGET)),))
    body = xml(render_word(doc, PLAN)).find("w:body", NS)
    tags = [etree.QName(el).localname for el in body]
    assert "tbl" in tags
    assert all(not (a == b == "tbl") for a, b in itertools.pairwise(tags)), tags
    assert tags[-2:] == ["p", "sectPr"]
