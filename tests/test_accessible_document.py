"""The plain-text, braille and audio copies, written straight from the document model.

Each test builds a small :class:`~doctool.document.Document` by hand: no plan, no HTML.
Braille tests need liblouis (``lou_translate``); one audio test runs espeak-ng on a few
sentences.
"""

from __future__ import annotations

import ast
import datetime as dt
import io
import shutil
import subprocess
import wave
from decimal import Decimal
from pathlib import Path

import pytest

from doctool.accessible import audio, braille, text
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
    Postcode,
    Reference,
    Section,
    SignOff,
    Slip,
    Table,
)

from conftest import REPO

needs_louis = pytest.mark.skipif(shutil.which("lou_translate") is None, reason="liblouis-bin (lou_translate) is not installed")
needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")

WORDS: dict[str, str] = {}  # the built-in accessible wording
HEAD = Letterhead("Eastbrook Council", "Adult Social Care", ("1 High Street", "Eastbrook"), "0300 555 0100", "care@eastbrook.gov.uk")
REF = Reference("ASC-987654")


def meta(title: str = "My care and support plan", **kw) -> Meta:
    return Meta(kw.pop("kind", "plan"), title, "Margaret Ellen Dawson", "ASC-987654", dt.date(2027, 1, 5), "Confidential", **kw)


def plan(draft: bool = False, extra: tuple[Section, ...] = ()) -> Document:
    return Document(
        meta=meta(),
        letterhead=HEAD,
        draft=Draft(draft, "DRAFT: not for sending", "What is missing", "This plan is not finished.", (("PLAN-001", "No date of birth", "person.dob"),)),
        preamble=(Paragraph("This is your plan."),),
        sections=(
            Section("About me", (
                Fields((
                    Field("Name", "Margaret Ellen Dawson"),
                    Field("Phone", Phone("0300 123 4567")),
                    Field("Postcode", Postcode("EB4 2QT")),
                )),
                Picture(Path("garden.png"), "Margaret in her garden"),
                Picture(Path("logo.png"), "logo"),
            )),
            Section("My needs", (Paragraph("These are my needs."),)),
            Section("Washing", (
                Paragraph("Help to wash at 9:30am."),
                Table(("How", "Who", "What", "When"), (
                    ("Home care", "Brightcare Home Support", "Help to wash", "Mornings"),
                    ("Family", "My daughter", "", "Evenings"),
                )),
            ), level=3),
            Section("Eating", (Items(("Hot meals", "Drinks")),), level=3),
            Section("My budget", (
                Table(("Income", "Amount"), (("State Pension", Money(Decimal("230.25"), "weekly")),), numeric=(1,)),
                Paragraph(Phrase(("You pay ", Money(Decimal("1234.50"), "weekly"), " from ", Date(dt.date(2027, 4, 5)), "."))),
                Paragraph(Phrase(("Quote ", REF, " when you call."))),
            )),
            *extra,
        ),
    )


def letter() -> Document:
    return Document(
        meta=meta("What you will pay", kind="charging-letter"),
        letterhead=HEAD,
        draft=Draft(False),
        letter=LetterFrame(
            ("Mrs Margaret Dawson", "12 Some Road", "Eastbrook", "EB4 2QT"),
            (Field("Date", Date(dt.date(2027, 1, 5))), Field("Reference", REF), Field("Email", Email("finance@eastbrook.gov.uk"))),
            ("Adult Social Care", "1 High Street"),
        ),
        preamble=(Paragraph("Dear Mrs Dawson"), Callout("What you will pay", Money(Decimal("85.20"), "weekly"), "From April.")),
        sections=(
            Section("What to do next", (
                Paragraph("Sign and return the slip."),
                SignOff("Yours sincerely", "Jo Bloggs", "Finance officer", "Eastbrook Council"),
                Slip("Cut here", "Return slip", "I agree to pay.", (Field("Reference", REF),), ("Printed name", "Signature"), "", "Send it to us."),
            )),
        ),
    )


def txt(doc: Document) -> str:
    content = text.render_text(doc, WORDS)
    return content.decode("utf-8")


def said(doc: Document) -> list[str]:
    return [str(v) for k, v in audio.script(doc, WORDS) if k == "say"]


# --- plain text ------------------------------------------------------------------------------


def test_sections_are_numbered_and_listed_in_the_contents() -> None:
    lines = txt(plan()).splitlines()
    assert lines[lines.index("1. About me") + 1] == "-" * len("1. About me")
    assert lines[lines.index("My care and support plan") + 1] == "=" * len("My care and support plan")
    assert "2.1 Washing" in lines and "2.2 Eating" in lines  # level 3: numbered inside its part
    start = lines.index("Contents") + 2  # after its blank line; level 3 sections are not listed
    assert lines[start : start + 4] == ["  1. About me", "  2. My needs", "  3. My budget", ""]
    assert lines.index("Contents") < lines.index("1. About me")
    assert all(len(line) <= text.WIDTH for line in lines)


def test_fields_and_tables_are_label_value_lines() -> None:
    lines = txt(plan()).splitlines()
    assert "Name: Margaret Ellen Dawson" in lines
    assert "Phone: 0300 123 4567" in lines
    at = lines.index("- How: Home care")  # each table row a record, led by its first cell
    assert lines[at + 1 : at + 4] == ["  Who: Brightcare Home Support", "  What: Help to wash", "  When: Mornings"]
    second = lines.index("- How: Family")
    assert lines[second + 1 : second + 3] == ["  Who: My daughter", "  When: Evenings"]  # empty cell left out
    assert "State Pension: £230.25 a week" in lines  # two columns read as label: value
    assert "You pay £1,234.50 a week from 5 April 2027." in lines
    assert "[Picture: Margaret in her garden]" in lines
    assert "logo" not in txt(plan()).lower().replace("eastbrook", "")


def test_draft_comes_first() -> None:
    lines = txt(plan(draft=True)).splitlines()
    assert lines[0] == "DRAFT: not for sending"
    assert lines.index("- PLAN-001: No date of birth (person.dob)") < lines.index("Eastbrook Council") < lines.index("My care and support plan")
    assert "DRAFT" not in txt(plan())
    steps = said(plan(draft=True))
    assert steps[:4] == ["DRAFT: not for sending.", "What is missing.", "This plan is not finished.", "No date of birth."]


def test_letterhead_and_letter_frame_come_before_the_letter() -> None:
    lines = txt(letter()).splitlines()
    assert lines[:6] == [
        "Eastbrook Council",
        "Adult Social Care",
        "1 High Street",
        "Date: 5 January 2027",
        "Reference: ASC-987654",
        "Email: finance@eastbrook.gov.uk",
    ]
    assert lines[7:11] == ["Mrs Margaret Dawson", "12 Some Road", "Eastbrook", "EB4 2QT"]
    assert lines.index("EB4 2QT") < lines.index("What you will pay") < lines.index("Dear Mrs Dawson")
    # a document that is not a letter prints the council's own phone and email instead
    assert "Phone: 0300 555 0100" in txt(plan()).splitlines()


def test_callout_sign_off_and_slip() -> None:
    lines = txt(letter()).splitlines()
    assert lines[lines.index("Dear Mrs Dawson") + 2 : lines.index("Dear Mrs Dawson") + 5] == ["What you will pay", "", "£85.20 a week"]
    assert lines.index("Yours sincerely") < lines.index("Jo Bloggs") < lines.index("Return slip")
    slip = lines[lines.index("Return slip") :]
    assert "I agree to pay." in slip
    at = slip.index("Reference: ASC-987654")
    assert slip[at + 1 : at + 3] == ["Printed name: ______", "Signature: ______"]
    assert "Send it to us." in slip


def test_text_never_breaks_an_email_a_reference_or_a_phone_number() -> None:
    for n in range(40, 70):
        doc = replace_sections(plan(), Section("Contact", (
            Paragraph(Phrase(("x" * n + " call ", Phone("0300 123 4567"), " or write to ", Email("someone@example.org.uk"), "."))),
        )))
        body = txt(doc)
        assert any("0300 123 4567" in line for line in body.splitlines()), n
        assert any("someone@example.org.uk" in line for line in body.splitlines()), n


def replace_sections(doc: Document, *sections: Section) -> Document:
    from dataclasses import replace

    return replace(doc, sections=sections)


def test_wording_object_or_table() -> None:
    from doctool.profiles import load_profile
    from doctool.wording import Wording

    wording = Wording("accessible", load_profile("england"))
    assert text.render_text(plan(), wording) == text.render_text(plan(), wording["text"]) == text.render_text(plan(), {})
    assert "Inhoud" in txt_with(plan(), {"contents": "Inhoud"})


def txt_with(doc: Document, words: dict[str, str]) -> str:
    return text.render_text(doc, words).decode("utf-8")


def test_renderers_read_neither_the_record_nor_the_profile_nor_html() -> None:
    for name in ("text", "braille", "audio", "words"):
        tree = ast.parse((REPO / "doctool" / "accessible" / f"{name}.py").read_text(encoding="utf-8"))
        modules = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        modules |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        bad = {m for m in modules if m and m.startswith(("doctool.model", "doctool.profiles", "doctool.view", "doctool.accessible.source", "lxml"))}
        assert not bad, (name, bad)
    assert not (REPO / "doctool" / "accessible" / "outline.py").exists()


# --- audio -----------------------------------------------------------------------------------


def test_audio_speaks_values_from_the_value_objects(monkeypatch: pytest.MonkeyPatch) -> None:
    # with the free-text fallback switched off, every value is still spoken: it says itself
    monkeypatch.setattr(audio, "_free_text", lambda s: s)
    steps = said(plan()) + said(letter())
    assert "Phone: zero three zero zero, one two three, four five six seven." in steps
    assert "Postcode: E B 4, 2 Q T." in steps
    assert "State Pension: 230 pounds 25 a week." in steps
    assert "You pay 1,234 pounds 50 a week from 5 April 2027." in steps
    assert "Quote A S C, 9 8 7 6 5 4 when you call." in steps
    assert "Reference: A S C, 9 8 7 6 5 4." in steps
    assert "Email: finance at eastbrook dot gov dot uk." in steps
    assert "Email: care at eastbrook dot gov dot uk." in steps  # the letterhead's, as an Email
    assert "85 pounds 20 a week." in steps
    assert not any("£" in s for s in steps)


def test_audio_fallback_is_only_for_free_text() -> None:
    assert "Help to wash at 9 30 a m." in said(plan())
    assert audio.speakable("Phone 0300 123 4567 at 8:00") == "Phone 0 3 0 0, 1 2 3, 4 5 6 7 at 8 o'clock"
    assert audio.say(Phrase(("Ring ", Phone("0300 123 4567"), " at 9:30am"))) == "Ring zero three zero zero, one two three, four five six seven at 9 30 a m"


def test_audio_announces_sections_in_order() -> None:
    steps = audio.script(plan(), WORDS)
    words = said(plan())
    assert "This document has 3 sections." in words
    assert words.index("Section 1 of 3: About me.") < words.index("Section 2 of 3: My needs.") < words.index("Washing.")
    assert words.index("Washing.") < words.index("Section 3 of 3: My budget.")
    assert words[-1] == "End of My care and support plan."
    assert "Item 1 of 2." in words and "Who: Brightcare Home Support." in words
    assert "Picture: Margaret in her garden." in words and not any("logo" in w for w in words)
    assert [v for k, v in steps if k == "pause"].count(audio.PAUSE_SECTION) == 4
    ssml = audio.ssml(steps)
    assert ssml.startswith('<speak xml:lang="en-GB">') and '<break time="1500ms"/>' in ssml
    assert "A S C, 9 8 7 6 5 4" in ssml


def test_audio_letter_frame_and_slip() -> None:
    words = said(letter())
    assert words[0] == "This is the audio version of What you will pay, for Margaret Ellen Dawson."
    assert words.index("Date: 5 January 2027.") < words.index("Mrs Margaret Dawson, 12 Some Road, Eastbrook, E B 4, 2 Q T.") < words.index("Dear Mrs Dawson.")
    slip = words[words.index("Return slip.") :]
    assert slip[:3] == ["Return slip.", "I agree to pay.", "Reference: A S C, 9 8 7 6 5 4."]
    assert "To fill in: Printed name, Signature." in slip


def test_audio_reads_easy_read_sentences_not_the_picture() -> None:
    doc = replace_sections(plan(), Section("Your money", (
        Illustrated(Picture(Path("coins.png"), "A pile of coins"), ("You pay £12 a week.",), ("Rent",), sign_here=("Your name",)),
    )))
    words = said(doc)
    assert "You pay 12 pounds a week." in words and "Rent." in words
    assert "To fill in: Your name." in words
    assert not any("coins" in w for w in words)
    body = txt(doc)
    assert "You pay £12 a week." in body and "- Rent" in body and "Your name: ______" in body and "coins" not in body


@pytest.mark.integration
@needs_espeak
def test_audio_renders_with_espeak() -> None:
    doc = Document(meta("Short"), Letterhead("Eastbrook Council"), Draft(False), (Section("One", (Paragraph(Money(Decimal("1.50"))),)),))
    content, ext, media = audio.render_audio(doc, WORDS, "wav")
    assert (ext, media) == ("wav", "audio/wav")
    with wave.open(io.BytesIO(content)) as w:
        assert w.getnchannels() == 1 and w.getnframes() / w.getframerate() > 2


# --- braille ---------------------------------------------------------------------------------


def brf_lines(content: bytes) -> list[str]:
    """Every text line of a BRF, page-number lines left out."""
    return [line for page in content.decode("ascii").split("\f") for line in page.split("\r\n")[:-2]]


def back(lines: list[str]) -> list[str]:
    done = subprocess.run(
        # lou_translate reads backslash escapes: the braille cell "\\" (ou) is written as two
        ["lou_translate", "--backward", braille.TABLE], input="\n".join(line.replace("\\", "\\\\") for line in lines) + "\n",
        capture_output=True, text=True, check=True,
    )
    return done.stdout.split("\n")[: len(lines)]


@needs_louis
def test_braille_back_translates_emails_references_and_money() -> None:
    paragraphs = tuple(
        # a filler word of 1 to 30 cells puts each value at another column, many across a line end
        Paragraph(Phrase(("z" * n + " write to ", Email("finance.team@eastbrook.gov.uk"), " quoting ", REF, " about ", Money(Decimal("1234.50")), ".")))
        for n in range(1, 31)
    )
    doc = replace_sections(plan(), Section("Contact", paragraphs))
    content = braille.render_braille(doc, WORDS)
    lines = brf_lines(content)
    assert all(len(line) <= braille.CELLS for line in lines)
    printed = back(lines)
    assert sum(line.count("finance.team@eastbrook.gov.uk") for line in printed) == 30
    assert sum(line.count("ASC-987654") for line in printed) == 30 + 1  # and the closing "Reference:" line
    assert sum(line.count("£1,234.50") for line in printed) == 30
    assert not any(line.rstrip().endswith("-") and "@" in line for line in printed)


def test_braille_long_unbroken_piece_breaks_at_a_cell_without_hyphen() -> None:
    word = "X" * 50
    lines = braille.wrap_cells("AB " + word, 0, 0, keep=[False] * 3 + [True] * 50)
    assert lines == ["AB", "X" * 40, "X" * 10]
    # a piece that does not fit moves whole to the next line; a space inside it is no break
    lines = braille.wrap_cells("A" * 30 + " #JCJJ #ABC", 0, 0, keep=[False] * 31 + [True] * 10)
    assert lines == ["A" * 30, "#JCJJ #ABC"]
    assert braille.wrap_cells("A" * 50, 0, 0) == ["A" * 39 + "-", "A" * 11]  # ordinary words keep the hyphen


@needs_louis
def test_braille_leaves_out_what_liblouis_cannot_write() -> None:
    doc = replace_sections(plan(), Section("Nguyễn Văn", (Paragraph("Bùi Thị Nguyễn 😀 ț ı ok"),)))
    content = braille.render_braille(doc, WORDS).decode("ascii")
    assert not braille._ESCAPE.search(content)
    assert "'\\" not in content
    assert braille.translate(["ễ"]) == ["^%E"]  # written with the accent liblouis knows (ê)
    back_text = " ".join(back(brf_lines(content.encode("ascii"))))
    assert "Nguyên" in back_text and "ok" in back_text


@needs_louis
def test_braille_pages_and_no_heading_at_a_page_foot() -> None:
    extra = []
    for i in range(30):
        extra.append(Section(f"Part {i}", tuple(Paragraph("Lorem ipsum dolor sit amet. " * (i % 6 + 1)) for _ in range(i % 4 + 1))))
        extra.append(Section(f"Sub {i}", (Items(tuple(f"item {n}" for n in range(i % 3 + 1))),), level=3))
    doc = plan(draft=True, extra=tuple(extra))
    pages = braille.braille_layout(doc, WORDS)
    assert len(pages) > 10
    for page in pages[:-1]:
        kinds = [kind for kind, _ in page if kind != "blank"]
        assert kinds[-1] not in braille.HEADINGS, page[-3:]
    content = braille.render_braille(doc, WORDS)
    for number, page in enumerate(content.decode("ascii").split("\f"), 1):
        rows = page.split("\r\n")[:-1]
        assert len(rows) == braille.LINES and all(len(r) <= braille.CELLS for r in rows)
        assert rows[-1].strip() == braille.braille_number(number)
    assert set(content.decode("ascii")) <= braille.BRF_CHARS | {"\r", "\n", "\f"}


def test_layout_moves_a_heading_off_the_page_foot() -> None:
    blocks = [("para", [f"L{i}" for i in range(21)]), ("blank", [""]), ("section", ["HEAD"]), ("blank", [""]), ("para", [f"P{i}" for i in range(5)])]
    pages = braille.layout(blocks)
    assert pages[0][-1] == ("para", "L20")
    assert pages[1][0] == ("section", "HEAD")
    # a run of headings moves together; a heading with room under it stays and its text runs on
    blocks = [("para", [f"L{i}" for i in range(19)]), ("blank", [""]), ("section", ["S"]), ("blank", [""]), ("subheading", ["H"]), ("para", [f"P{i}" for i in range(5)])]
    assert braille.layout(blocks)[1][:2] == [("section", "S"), ("blank", "")]
    blocks = [("para", [f"L{i}" for i in range(20)]), ("blank", [""]), ("section", ["S"]), ("para", [f"P{i}" for i in range(5)])]
    pages = braille.layout(blocks)
    assert pages[0][-3:] == [("section", "S"), ("para", "P0"), ("para", "P1")] and pages[1][0] == ("para", "P2")


LONG_EMAIL = "adult.social.care.direct.payments@eastbrook-borough-council.example.gov.uk"  # 75 characters
# without "https:": liblouis back-translates a colon after letters as the groupsign "cc"
# (both are dots 2-5), so "https:" would come back as "httpscc" though the braille is right
LICENCE = "creativecommons.org/licenses/by-sa/4.0/"


@needs_louis
def test_braille_never_hyphenates_an_address_or_an_amount_in_free_text() -> None:
    """Emails, web addresses and sums written in free text (not typed values), one longer
    than a braille line: back-translated by liblouis, each comes back exactly, and no line
    ends in a hyphen inside one of them."""
    paragraphs = [
        Paragraph(f"{'w' * n} email {LONG_EMAIL} or janet.morley@example.com, see {LICENCE}, pay £1,234.50 quoting ASC-987654.")
        for n in range(1, 31)
    ]
    paragraphs.append(Paragraph(Phrase(("Or write to ", Email(LONG_EMAIL), " quoting ", REF, "."))))
    doc = replace_sections(plan(), Section("Contact", tuple(paragraphs)))
    lines = brf_lines(braille.render_braille(doc, WORDS))
    assert all(len(line) <= braille.CELLS for line in lines)
    printed = back(lines)
    assert sum(line.count("janet.morley@example.com") for line in printed) == 30  # shorter than a line: never divided
    assert sum(line.count("£1,234.50") for line in printed) == 30
    assert sum(line.count("ASC-987654") for line in printed) == 31 + 1  # and the closing "Reference:" line
    # longer than a line: divided with no hyphen, so the parts run together back to the address
    paragraphs_in_braille: list[list[str]] = []
    for line in lines:  # a paragraph starts in cell 3, its runovers in cell 1
        if line.startswith("  ") or not paragraphs_in_braille:
            paragraphs_in_braille.append([])
        paragraphs_in_braille[-1].append(line.strip())
    joined = "\n".join(back(["".join(group) for group in paragraphs_in_braille]))
    assert joined.count(LONG_EMAIL) == 31
    assert joined.count(LICENCE.rstrip("/")) == 30
    for braille_line, print_line in zip(lines, printed):
        assert not braille_line.endswith("-"), (braille_line, print_line)
    # a long address is divided after a full stop, so each part is a whole part of it
    divided = [b for b in lines if b.strip().endswith("4") and "@" in b]
    assert divided and all(p.rstrip().endswith(".") for b, p in zip(lines, printed) if b in divided)


@needs_louis
def test_braille_keeps_a_backslash_in_the_data() -> None:
    """lou_translate reads backslash escapes: a "\\n" in the data must not become a new line
    (which moved every later line of the document) nor "\\x41" an A."""
    assert braille.translate(["folder\\new\\x41 ok", "next"]) == ["FOLD]_*NEW_*X#DA OK", "NEXT"]
    assert back(braille.translate(["folder\\new\\x41 ok"])) == ["folder\\new\\x41 ok"]
