"""The easy-read plan: layout rules, pictures and alt text, facts, and the readability gate.

Every sample in samples/plans is rendered once per session in PDF and Word (see the
``rendered`` fixture); the other tests read those files back.
"""

from __future__ import annotations

import copy
import io
import json
import re
import shutil
import subprocess
import zipfile
from collections import Counter
from functools import cached_property
from pathlib import Path
from typing import Any

import docx
import pdfplumber
import pikepdf
import pytest

from doctool.checks import check_plan
from doctool.findings import Report
from doctool.easyread import check_easyread
from doctool.easyread.view import build_easyread_view, extra_files, pictures
from doctool.easyread.compose import compose
from doctool.easyread.pictures import PictureBook, openmoji_svg_dir
from doctool.easyread.readability import HardWords, flesch_reading_ease
from doctool.api import render_plan
from doctool.api import render_view as render_document_view
from doctool.documents import DOCUMENTS
from doctool.easyread.sentences import split_sentences, word_count
from doctool.easyread.view import view_sentences
from doctool.formatting import day_date, easy_money
from doctool.loading import load_plan_bytes
from doctool.model.plan import MetBy, Plan
from doctool.profiles import load_profile

EASYREAD = DOCUMENTS["easyread"]


def render_view(view, fmt, profile, plan) -> bytes:
    """The easy-read document laid out from a built view, through the public renderer."""
    return render_document_view(EASYREAD, view, fmt, profile, draft=False).content


def render_easyread(plan, fmt, profile, report, draft) -> bytes:
    return render_plan(plan, EASYREAD, fmt, profile, report, draft).content


REPO = Path(__file__).resolve().parent.parent
SAMPLES = sorted((REPO / "samples" / "plans").glob("*.json"))
MAX_WORDS = 15
MM = 72 / 25.4


def _plan(data: dict[str, Any] | bytes) -> Plan:
    raw = data if isinstance(data, bytes) else json.dumps(data, default=str).encode()
    return load_plan_bytes(raw)


def _sample(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


class Rendered:
    """One sample, rendered in easy read as PDF and Word, with its view and gate report."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.data = _sample(path)
        self.plan = _plan(path.read_bytes())
        self.profile = load_profile("england")
        self.report = check_plan(self.plan, self.profile)
        self.draft = not self.report.complete
        self.view = build_easyread_view(self.plan, self.profile, self.report, self.draft)
        self.pdf = render_view(self.view, "pdf", self.profile, self.plan)
        self.docx = render_view(self.view, "docx", self.profile, self.plan)
        self.gate = check_easyread(self.plan, self.profile)
        with pdfplumber.open(io.BytesIO(self.pdf)) as pdf:
            self.pages = len(pdf.pages)
            self.sizes = Counter(round(c["size"], 1) for page in pdf.pages for c in page.chars)
            self.fonts = {c["fontname"] for page in pdf.pages for c in page.chars}
            self.page_text = [page.extract_text() or "" for page in pdf.pages]
            self.paragraphs = [p for page in pdf.pages for p in _paragraphs(page)]

    @cached_property
    def pdf_text(self) -> str:
        return " ".join(" ".join(self.page_text).split())

    @cached_property
    def docx_text(self) -> str:
        return " ".join(" ".join(_docx_texts(self.docx)).split())


def _paragraphs(page) -> list[str]:
    """The page's body text as paragraphs: lines are joined while they follow on closely
    in the same column (a wrapped sentence); a bigger gap starts a new paragraph."""
    top, bottom = 26 * MM, page.height - 24 * MM
    lines = [ln for ln in page.extract_text_lines() if ln["top"] > top and ln["bottom"] < bottom]
    lines.sort(key=lambda ln: (round(ln["x0"]), ln["top"]))
    out: list[list[dict]] = []
    for ln in lines:
        last = out[-1][-1] if out else None
        if last and abs(last["x0"] - ln["x0"]) < 3 and 0 < ln["top"] - last["top"] < 27:
            out[-1].append(ln)
        else:
            out.append([ln])
    return [" ".join(ln["text"] for ln in group) for group in out]


def _docx_texts(data: bytes) -> list[str]:
    document = docx.Document(io.BytesIO(data))
    out = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                out += [p.text for p in cell.paragraphs]
    for section in document.sections:
        for part in (section.header, section.footer, section.first_page_header, section.first_page_footer):
            out += [p.text for p in part.paragraphs]
    return out


@pytest.fixture(scope="session")
def rendered() -> dict[str, Rendered]:
    return {path.name: Rendered(path) for path in SAMPLES}


@pytest.fixture(params=[p.name for p in SAMPLES])
def sample(request, rendered) -> Rendered:
    return rendered[request.param]


def test_there_are_samples():
    assert len(SAMPLES) >= 2


# --- layout -------------------------------------------------------------------------------


def test_pdf_is_tagged_pdf_ua_in_english(sample):
    pdf = pikepdf.open(io.BytesIO(sample.pdf))
    assert str(pdf.Root.Lang) == "en-GB"
    assert pdf.Root.MarkInfo.Marked
    assert "pdfuaid" in str(pdf.open_metadata())


def test_every_character_is_at_least_14_pt_and_body_text_is_16(sample):
    assert min(sample.sizes) >= 14, sample.sizes
    assert sample.sizes.most_common(1)[0][0] == 16


def test_at_most_24_pages(sample):
    assert sample.pages <= 24
    assert not any(f.rule == "ER-PAGES" for f in sample.gate.findings)


def test_sections_in_order_with_headings_on_every_page(sample):
    headings = [s["heading"] for s in sample.view["sections"]]
    assert headings[:7] == [
        "About me",
        "What I need help with",
        "Who helps me",
        "My money for support",
        "If something goes wrong",
        "Checking my plan",
        "Saying yes to my plan",
    ]
    assert headings[7] == "Hard words"
    text = sample.pdf_text
    positions = [text.find(h) for h in headings[:8]]
    assert all(p >= 0 for p in positions)
    # Every page after the title page starts with the running header (the section's name).
    names = set(headings) | {"What is in my plan"}
    for page in sample.page_text[1:]:
        assert any(page.lstrip().startswith(n) for n in names), page[:80]


def test_title_page(sample):
    first = " ".join(sample.page_text[0].split())
    title = {"adult": "My plan", "carer": "My plan as a carer", "combined": "Our plan"}[sample.plan.plan_type.value]
    assert first.startswith(title)
    assert sample.plan.person.full_name in first
    assert day_date(sample.plan.plan_date) in first
    assert re.search(r"This is (my|our) plan( as a carer)?\.", first)


def test_no_italics_underline_or_capital_blocks(sample):
    assert not any(re.search("italic|oblique", f, re.I) for f in sample.fonts), sample.fonts
    for paragraph in sample.paragraphs:
        letters = [c for c in paragraph if c.isalpha()]
        assert len(letters) < 12 or not all(c.isupper() for c in letters), paragraph
    xml = zipfile.ZipFile(io.BytesIO(sample.docx)).read("word/document.xml").decode()
    assert "<w:i/>" not in xml and "<w:u " not in xml and "<w:caps" not in xml


def test_word_sizes_are_at_least_14_pt(sample):
    with zipfile.ZipFile(io.BytesIO(sample.docx)) as z:
        for name in z.namelist():
            if re.fullmatch(r"word/(document|header\d*|footer\d*)\.xml", name):
                sizes = [int(v) for v in re.findall(r'<w:sz w:val="(\d+)"', z.read(name).decode())]
                assert all(v >= 28 for v in sizes), (name, sizes)
    document = docx.Document(io.BytesIO(sample.docx))
    assert document.styles["Normal"].font.size.pt == 16
    for name in ("Header", "Footer", "List Bullet", "Heading 1", "Title"):
        assert document.styles[name].font.size.pt >= 14


def test_word_blocks_are_layout_tables_with_a_picture_and_words(sample):
    document = docx.Document(io.BytesIO(sample.docx))
    assert document.tables
    for table in document.tables:
        xml = table._tbl.xml
        assert "Layout table" in xml and "tblHeader" not in xml
        assert len(table.columns) == 2
        for row in table.rows:
            assert "<w:cantSplit/>" in row._tr.xml
            assert row.cells[0]._tc.xpath(".//wp:docPr"), "every block has its picture on the left"
            assert row.cells[1].text.strip()
    assert document.core_properties.language == "en-GB"
    assert document.core_properties.title.endswith(sample.plan.person.full_name)


# --- sentences and readability ------------------------------------------------------------


def test_every_sentence_in_the_view_is_short(sample):
    sentences = view_sentences(sample.view)
    assert len(sentences) > 40
    long = [s for s in sentences if word_count(s) > MAX_WORDS]
    assert not long


def test_every_sentence_in_the_pdf_is_short(sample):
    checked = 0
    for paragraph in sample.paragraphs:
        for sentence in split_sentences(paragraph):
            checked += 1
            assert word_count(sentence) <= MAX_WORDS, sentence
    assert checked > 40


def test_every_sentence_in_word_is_short(sample):
    for text in _docx_texts(sample.docx):
        for sentence in split_sentences(text):
            assert word_count(sentence) <= MAX_WORDS, sentence


def test_flesch_reading_ease_is_reported(sample):
    r = sample.gate.readability
    assert r is not None and r.flesch_reading_ease >= 60
    assert r.longest_sentence <= MAX_WORDS
    assert sample.view["readability"]["flesch_reading_ease"] == r.flesch_reading_ease
    d = sample.gate.as_dict()
    assert d["readability"]["flesch_reading_ease"] == r.flesch_reading_ease
    assert not any(f.rule == "ER-READING-EASE" for f in sample.gate.findings)


def test_hard_words_are_bold_and_explained(sample):
    hard = HardWords(sample.profile)
    explained = {e["word"] for s in sample.view["sections"] for e in s["glossary"]}
    for text in view_sentences(sample.view):
        for h in hard.find(text):
            if h.kind == "explained":
                assert h.word in explained
    glossary = next(s for s in sample.view["sections"] if s["key"] == "words")["glossary"]
    for entry in glossary:
        assert entry["word"] in sample.pdf_text and entry["word"] in sample.docx_text
    bold = [p for s in sample.view["sections"] for b in s["blocks"] for x in b["sentences"] for p in x["parts"] if p["bold"]]
    assert bold and all(hard.find(p["text"])[0].kind == "explained" for p in bold)


def test_builtin_flesch_agrees_with_textstat(rendered):
    sample = rendered[SAMPLES[0].name]
    sentences = [s.text for s in compose(sample.plan, sample.profile).sentences() if s.gate]
    ours = flesch_reading_ease(sentences)
    theirs = flesch_reading_ease(sentences, method="textstat")
    assert abs(ours - theirs) < 5


# --- facts ----------------------------------------------------------------------------------


def _who(a) -> str:
    who = " ".join(a.who.split()).rstrip(" .;:")
    return re.sub(r"\s*\([^)]*\)", "", who)


def test_every_helper_appears(sample):
    person = sample.plan.person
    me = {person.full_name.lower(), person.full_name.split()[0].lower(), (person.preferred_name or "").lower()}
    for need in sample.plan.needs or []:
        for a in need.met_by:
            if a.how is MetBy.self or _who(a).lower() in me:
                continue
            who = _who(a)
            assert who in sample.pdf_text, who
            assert who in sample.docx_text, who


def test_money_matches_the_budget(sample):
    budget = sample.plan.personal_budget
    if budget is None:
        pytest.skip("no personal budget")
    for amount in (budget.total_cost, budget.person_amount, budget.authority_amount):
        if amount:
            assert easy_money(amount) in sample.pdf_text
            assert easy_money(amount) in sample.docx_text
    assert "£" in sample.pdf_text and not re.search(r"£[\d,]+\.00\b", sample.pdf_text)


def test_review_dates_match(sample):
    review = sample.plan.review
    for date in (review.light_touch_date, review.next_review_date) if review else ():
        if date:
            assert day_date(date) in sample.pdf_text
            assert day_date(date) in sample.docx_text


def test_signatures_match(sample):
    sig = sample.plan.signatures
    if sig and sig.person and sig.person.signed and sig.person.date:
        assert day_date(sig.person.date) in sample.pdf_text


# --- pictures -----------------------------------------------------------------------------


def _figures(pdf_bytes: bytes) -> list[str]:
    """The alt text of every /Figure in the tag tree ("" where it has none)."""
    pdf = pikepdf.open(io.BytesIO(pdf_bytes))
    found: list[str] = []

    def walk(node):
        if isinstance(node, pikepdf.Array):
            for child in node:
                walk(child)
        elif isinstance(node, pikepdf.Dictionary):
            if node.get("/S") == pikepdf.Name("/Figure"):
                found.append(str(node.get("/Alt", "")))
            if "/K" in node:
                walk(node["/K"])

    walk(pdf.Root.StructTreeRoot)
    return found


def test_every_pdf_picture_has_alt_text(sample):
    figures = _figures(sample.pdf)
    blocks = sum(len(s["blocks"]) for s in sample.view["sections"]) + len(sample.view["cover"]["blocks"])
    assert len(figures) >= blocks
    for alt in figures:
        assert alt.strip()


def test_every_word_picture_has_alt_text(sample):
    xml = zipfile.ZipFile(io.BytesIO(sample.docx)).read("word/document.xml").decode()
    doc_prs = re.findall(r"<wp:docPr [^>]*>", xml)
    blocks = sum(len(s["blocks"]) for s in sample.view["sections"]) + len(sample.view["cover"]["blocks"])
    assert len(doc_prs) >= blocks
    for tag in doc_prs:
        descr = re.search(r'descr="([^"]*)"', tag)
        assert descr and descr.group(1).strip(), tag


def test_openmoji_attribution_on_the_last_page(sample):
    last = " ".join(sample.page_text[-1].split())
    assert "OpenMoji" in last and "CC BY-SA 4.0" in last
    assert "OpenMoji" in sample.docx_text


def test_pictures_resolve_to_openmoji_svgs():
    book = PictureBook(load_profile("england"))
    folder = openmoji_svg_dir()
    for concept in book.entries:
        pic = book.get(concept)
        assert pic.openmoji and pic.path.parent == folder and pic.path.is_file()
        assert pic.alt and pic.alt[0].isupper()


def test_pictures_and_extra_files(rendered):
    sample = rendered[SAMPLES[0].name]
    files = extra_files(sample.view)
    assert all(f.is_file() for f in files)
    assert any(f.suffix == ".svg" for f in files)
    word = pictures(sample.view)
    assert "logo" in word
    for name, picture in word.items():
        assert picture.path.is_file() and picture.alt
        if name != "logo":
            assert picture.path.suffix == ".png" and picture.width_mm == 30


def test_a_council_can_use_its_own_pictures(tmp_path, rendered):
    folder = tmp_path / "pictures"
    folder.mkdir()
    shutil.copyfile(REPO / "assets" / "img" / "eastbrook-logo.png", folder / "washing.png")
    profile_path = tmp_path / "council.toml"
    profile_path.write_text(
        'extends = "england"\nname = "council"\n[council]\nlogo = ""\n[easyread]\npictures_dir = "pictures"\n'
        'pictures_credit = "Some pictures are from our own library."\n'
        '[easyread.pictures.food]\nopenmoji = "1F35D"\nalt = "A plate of spaghetti"\n',
        encoding="utf-8",
    )
    profile = load_profile(str(profile_path))
    book = PictureBook(profile)
    washing = book.get("washing")
    assert washing.path == (folder / "washing.png").resolve() and not washing.openmoji
    assert book.get("food").path.name == "1F35D.svg" and book.get("food").alt == "A plate of spaghetti"
    plan = rendered[SAMPLES[0].name].plan
    view = build_easyread_view(plan, profile, check_plan(plan, profile), False)
    assert (folder / "washing.png").resolve() in extra_files(view)
    assert pictures(view)["pic_washing"].path == (folder / "washing.png").resolve()
    assert "Some pictures are from our own library." in view_sentences(view)
    pdf = render_view(view, "pdf", profile, plan)
    assert pdf.startswith(b"%PDF")


# --- the readability gate -------------------------------------------------------------------


def _findings(report: Report, rule: str) -> list:
    return [f for f in report.findings if f.rule == rule]


LONG = "I really like going out to the big park near my house on Sunday mornings with my brother and our two dogs."


@pytest.fixture
def england():
    return load_profile("england")


def _with_words(text: str) -> dict[str, Any]:
    data = _sample(SAMPLES[0])
    data["person"].setdefault("communication", {})["easy_read_words"] = text
    return data


def test_long_own_words_sentence_is_reported_at_its_field(england):
    assert word_count(LONG) > 20
    plan = _plan(_with_words(f"I am Peggy. {LONG} I like baking."))
    report = check_easyread(plan, england)
    found = [f for f in _findings(report, "ER-SENTENCE-LENGTH") if f.path == "$.person.communication.easy_read_words"]
    assert len(found) == 1
    assert "About me" in found[0].message and "sentence 2" in found[0].message
    # The message names the field and the sentence number, never the person's words.
    for word in ("park", "brother", "dogs", "Sunday"):
        assert word not in found[0].message
    # The long sentence is left out; the short ones are kept.
    sentences = view_sentences(build_easyread_view(plan, england, check_plan(plan, england), False))
    assert "I am Peggy." in sentences and "I like baking." in sentences
    assert not any("park" in s for s in sentences)


def test_short_own_words_pass(england):
    plan = _plan(_with_words("I am Peggy. I like baking. I have a cat called Biscuit."))
    report = check_easyread(plan, england)
    assert not [f for f in report.findings if f.path == "$.person.communication.easy_read_words"]
    sentences = view_sentences(build_easyread_view(plan, england, check_plan(plan, england), False))
    assert "I have a cat called Biscuit." in sentences


def test_long_free_text_is_left_out_and_reported(england):
    data = _sample(SAMPLES[0])
    data["needs"][0]["met_by"][0]["what"] = "Help me wash. " + LONG
    plan = _plan(data)
    report = check_easyread(plan, england)
    paths = {f.path for f in _findings(report, "ER-SENTENCE-LENGTH")}
    assert "$.needs[0].met_by[0].what" in paths
    sentences = view_sentences(build_easyread_view(plan, england, check_plan(plan, england), False))
    assert not any("park" in s for s in sentences)
    assert "They help me wash." not in sentences  # all of a field, or none of it
    # The structured sentence (who, and the need) is still there.
    who = data["needs"][0]["met_by"][0]["who"]
    assert any(s.startswith(who) for s in sentences)


def test_a_long_name_in_a_pattern_is_reported_at_the_name(england):
    data = _sample(SAMPLES[0])
    data["needs"][0]["met_by"][0]["who"] = "The Eastbrook and Westbrook Joint Community Home Support and Enablement Service for Older People"
    report = check_easyread(_plan(data), england)
    found = [f for f in _findings(report, "ER-SENTENCE-LENGTH") if f.path == "$.needs[0].met_by[0].who"]
    assert found and "Who helps me, sentence" in found[0].message
    assert "Westbrook" not in found[0].message


def test_reading_ease_below_the_threshold_is_a_warning(tmp_path, england):
    profile_path = tmp_path / "strict.toml"
    profile_path.write_text('extends = "england"\nname = "strict"\n[easyread]\nmin_reading_ease = 99\n', encoding="utf-8")
    plan = _plan(_sample(SAMPLES[0]))
    report = check_easyread(plan, load_profile(str(profile_path)))
    found = _findings(report, "ER-READING-EASE")
    assert len(found) == 1 and found[0].severity.value == "warning" and found[0].path == "$"
    assert not _findings(check_easyread(plan, england), "ER-READING-EASE")


def test_unexplained_hard_words_and_abbreviations(england):
    plan = _plan(_with_words("I am Peggy. I am eligible for help. My CPN visits me. I have a direct payment."))
    report = check_easyread(plan, england)
    found = {(f.path, f.message.split('"')[1]) for f in _findings(report, "ER-HARD-WORD")}
    assert ("$.person.communication.easy_read_words", "eligible") in found
    assert ("$.person.communication.easy_read_words", "CPN") in found
    # "direct payment" has an explanation, so it goes in the word list instead.
    view = build_easyread_view(plan, england, check_plan(plan, england), False)
    assert "direct payment" in {e["word"] for s in view["sections"] for e in s["glossary"]}
    assert not any("direct payment" in m for _, m in found)


def test_explained_words_in_a_name_are_not_hard_words(england):
    hard = HardWords(england)
    assert not hard.find("This plan is from Eastbrook Borough Council.")
    assert [h.word for h in hard.find("The council pays £120 each week.")] == ["council"]


def test_a_profile_can_raise_severity(tmp_path):
    profile_path = tmp_path / "firm.toml"
    profile_path.write_text('extends = "england"\nname = "firm"\n[severity]\n"ER-SENTENCE-LENGTH" = "error"\n', encoding="utf-8")
    plan = _plan(_with_words(f"I am Peggy. {LONG}"))
    report = check_easyread(plan, load_profile(str(profile_path)))
    assert any(f.rule == "ER-SENTENCE-LENGTH" for f in report.errors)


def test_a_very_long_plan_runs_sections_together(england):
    data = _sample(SAMPLES[1] if len(SAMPLES) > 1 else SAMPLES[0])
    extra = copy.deepcopy(data["needs"])
    for round_ in range(3):
        for need in copy.deepcopy(extra):
            need["id"] = f"{need['id']}-{round_}"
            data["needs"].append(need)
    plan = _plan(data)
    view = build_easyread_view(plan, england, check_plan(plan, england), True)
    assert view["compact"]
    pdf = render_view(view, "pdf", england, plan)
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        assert len(doc.pages) <= 24


# --- safety -------------------------------------------------------------------------------


HOSTILE = "I like <b>cake</b> & tea. I write {{ 7*7 }} on walls."


def test_hostile_text_appears_literally(england):
    data = _with_words(HOSTILE)
    data["person"]["full_name"] = 'Peggy <i>"Dawson"</i> & {{ 7*7 }}'
    data["needs"][0]["met_by"][0]["who"] = "Bright <care> & {% if 1 %}x{% endif %}"
    plan = _plan(data)
    report = check_plan(plan, england)
    pdf = render_easyread(plan, "pdf", england, report, True)
    word = render_easyread(plan, "docx", england, report, True)
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        text = " ".join(" ".join(page.extract_text() or "" for page in doc.pages).split())
    word_text = " ".join(" ".join(_docx_texts(word)).split())
    for literal in ("I like <b>cake</b> & tea.", "I write {{ 7*7 }} on walls.", 'Peggy <i>"Dawson"</i> & {{ 7*7 }}', "Bright <care> & {% if 1 %}x{% endif %}"):
        assert literal in text, literal
        assert literal in word_text, literal
    assert "49" not in text.replace("0300 123 4567", "")


def test_draft_is_marked(england):
    data = _sample(SAMPLES[0])
    del data["personal_budget"]
    plan = _plan(data)
    report = check_plan(plan, england)
    assert not report.complete
    view = build_easyread_view(plan, england, report, True)
    assert view["draft"]["on"] and "CA-25-1-e" in view["draft"]["rules"]
    pdf = render_view(view, "pdf", england, plan)
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        pages = [page.extract_text() or "" for page in doc.pages]
    assert all("DRAFT" in page for page in pages)
    assert "CA-25-1-e" in pages[0]
    assert "My money for support is not worked out yet." in " ".join(" ".join(pages).split())
    word = render_view(view, "docx", england, plan)
    assert "DRAFT" in " ".join(_docx_texts(word))


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_word_opens_in_libreoffice_within_24_pages(rendered, tmp_path):
    longest = max(rendered.values(), key=lambda r: sum(len(s["blocks"]) for s in r.view["sections"]))
    source = tmp_path / "easyread.docx"
    source.write_bytes(longest.docx)
    subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{tmp_path}/lo", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(source)],
        check=True, capture_output=True, timeout=240,
    )
    with pdfplumber.open(tmp_path / "easyread.pdf") as pdf:
        assert len(pdf.pages) <= 24
        assert min(c["size"] for page in pdf.pages for c in page.chars) >= 14
