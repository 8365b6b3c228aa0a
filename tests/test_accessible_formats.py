"""Accessible formats: large and clear print, braille, audio, plain text and the HTML copy.

Each format is checked the way a reader would meet it: large print text is never smaller
than the asked size (in the PDF's characters and in every Word run); braille pages fit
40 cells by 25 lines of ASCII braille; the audio is a playable file; the text copy has
every need and the budget; the HTML copy stands alone and passes axe-core (WCAG 2.1 AA).
"""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import wave
from pathlib import Path
from typing import Any

import pytest

from doctool.accessible import audio, braille, large_print
from doctool.accessible.formats import FORMATS, formats_for_person, render_accessible
from doctool.accessible.html_copy import html_copy
from doctool.accessible.source import Source
from doctool.accessible.text import document_text
from doctool.document import printed
from doctool.documents import DOCUMENTS
from doctool.errors import InputError
from doctool.loading import load_plan_bytes
from doctool.profiles import load_profile

from conftest import REPO, complete_plan_dict, dump_json

SAMPLES = sorted((REPO / "samples" / "plans").glob("*.json"))
PROFILE = load_profile("england")
HAVE_LOUIS = shutil.which("lou_translate") is not None
HAVE_ESPEAK = shutil.which("espeak-ng") is not None
HAVE_CHROMIUM = bool(shutil.which("chromium") or shutil.which("chromium-browser")) and bool(shutil.which("chromedriver"))
needs_louis = pytest.mark.skipif(not HAVE_LOUIS, reason="liblouis-bin (lou_translate) is not installed")
needs_espeak = pytest.mark.skipif(not HAVE_ESPEAK, reason="espeak-ng is not installed")


def source_for(data: dict[str, Any] | Path, document: str = "plan", draft: bool = False) -> Source:
    raw = data.read_bytes() if isinstance(data, Path) else dump_json(data)
    plan = load_plan_bytes(raw)
    kind = DOCUMENTS[document]
    report = kind.check(plan, PROFILE)
    return Source.build(plan, kind, PROFILE, report, draft or not report.complete)


@pytest.fixture(scope="module")
def plan_source() -> Source:
    return source_for(complete_plan_dict())


# --- large and clear print -----------------------------------------------------------

_PDFS: dict[int, bytes] = {}


def large_pdf(source: Source, size: int) -> bytes:
    """The complete sample's large-print PDF at ``size``, made once per test run."""
    if size not in _PDFS:
        _PDFS[size] = large_print.render_large_print_pdf(source, size)
    return _PDFS[size]


def pdf_char_sizes(content: bytes) -> list[float]:
    import pdfplumber

    with pdfplumber.open(io.BytesIO(content)) as pdf:
        return [ch["size"] for page in pdf.pages for ch in page.chars if ch["text"].strip()]


@pytest.mark.parametrize("size", [18, 24])
def test_large_print_pdf_text_is_at_least_the_asked_size(plan_source: Source, size: int) -> None:
    sizes = pdf_char_sizes(large_pdf(plan_source, size))
    assert sizes, "no text in the PDF"
    assert min(sizes) >= size - 0.05, f"smallest text is {min(sizes)} pt"
    # the body text is the asked size, headings larger
    assert max(set(sizes), key=sizes.count) == pytest.approx(size, abs=0.05)
    assert max(sizes) > size


def test_large_print_pdf_stays_tagged_with_language_and_title(plan_source: Source) -> None:
    import pikepdf

    with pikepdf.open(io.BytesIO(large_pdf(plan_source, 24))) as pdf:
        assert str(pdf.Root.Lang) == "en-GB"
        assert "/StructTreeRoot" in pdf.Root
        assert pdf.Root.MarkInfo.Marked
        assert "My care and support plan" in str(pdf.docinfo.get("/Title", ""))


def test_large_print_tables_read_one_row_at_a_time(plan_source: Source) -> None:
    from lxml import html as lxml_html

    def body_classes(size: int) -> set[str]:
        return set(lxml_html.document_fromstring(large_print.large_print_html(plan_source, size)).find("body").get("class").split())

    assert {"large-print", "stack-records", "stack-fields"} <= body_classes(24)
    assert 'data-label="Who"' in large_print.large_print_html(plan_source, 24)
    assert "stack-records" not in body_classes(14)


def docx_run_sizes(content: bytes) -> list[tuple[str, float, bool]]:
    """(text, effective size in pt, italic) for every text run in the body, tables, headers and footers."""
    import docx
    from docx.oxml.ns import qn

    document = docx.Document(io.BytesIO(content))
    default = document.styles.element.find(qn("w:docDefaults") + "/" + qn("w:rPrDefault") + "/" + qn("w:rPr") + "/" + qn("w:sz"))
    default_pt = int(default.get(qn("w:val"))) / 2 if default is not None else 10.0

    def style_size(style) -> float:
        while style is not None:
            if style.font.size is not None:
                return style.font.size.pt
            style = style.base_style
        return default_pt

    def paragraphs():
        def walk(container):
            yield from container.paragraphs
            for table in container.tables:
                for row in table.rows:
                    for cell in row.cells:
                        yield from walk(cell)

        yield from walk(document)
        for section in document.sections:
            for part in (section.header, section.footer, section.first_page_header, section.first_page_footer):
                if not part.is_linked_to_previous:
                    yield from walk(part)

    runs = []
    for para in paragraphs():
        for run in para.runs:
            if not run.text.strip():
                continue
            size = run.font.size.pt if run.font.size is not None else style_size(para.style)
            runs.append((run.text, size, bool(run.font.italic or (para.style.font.italic))))
    return runs


@pytest.mark.parametrize("size", [18, 24])
def test_large_print_word_runs_are_at_least_the_asked_size(plan_source: Source, size: int) -> None:
    content = large_print.render_large_print_docx(plan_source, size)
    runs = docx_run_sizes(content)
    assert len(runs) > 50
    small = [(t, s) for t, s, _ in runs if s < size]
    assert not small, small[:5]
    assert not [t for t, _, italic in runs if italic]
    assert any(s > size for _, s, _ in runs), "headings should stay larger than the body"
    assert content == large_print.render_large_print_docx(plan_source, size), "same input, same bytes"


def test_large_print_word_stacks_wide_tables(plan_source: Source) -> None:
    import docx

    from doctool.render.document import render_document

    standard = docx.Document(io.BytesIO(render_document(plan_source.kind, plan_source.document, "docx", PROFILE).content))
    large = docx.Document(io.BytesIO(large_print.render_large_print_docx(plan_source, 24)))
    assert any(len(t.columns) >= 3 for t in standard.tables)
    assert all(len(t.columns) < 3 for t in large.tables)
    text = "\n".join(p.text for p in large.paragraphs)
    assert "Who: Brightcare Home Support" in text


def test_print_sizes_come_from_the_person_or_the_option() -> None:
    data = complete_plan_dict()
    data["person"]["communication"]["large_print_size"] = 24
    plan = load_plan_bytes(dump_json(data))
    assert large_print.large_print_size(plan) == 24
    assert large_print.large_print_size(plan, 20) == 20
    data["person"]["communication"].pop("large_print_size")
    assert large_print.large_print_size(load_plan_bytes(dump_json(data))) == 18
    assert large_print.clear_print_size() == 14
    for bad in (lambda: large_print.large_print_size(plan, 10), lambda: large_print.clear_print_size(16)):
        with pytest.raises(InputError):
            bad()


@pytest.mark.skipif("charging-letter" not in DOCUMENTS, reason="no charging letter in this build")
def test_large_print_letter(plan_source: Source) -> None:
    letter = source_for(complete_plan_dict(), "charging-letter")
    sizes = pdf_char_sizes(large_print.render_large_print_pdf(letter, 20))
    assert min(sizes) >= 20 - 0.05
    runs = docx_run_sizes(large_print.render_large_print_docx(letter, 20))
    assert runs and min(s for _, s, _ in runs) >= 20


# --- plain text (written from source.document, the composer's Document) -------------


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.stem)
def test_text_has_every_need_and_the_budget(sample: Path) -> None:
    source = source_for(sample)
    text = document_text(source.document, source.words)
    flat = " ".join(text.split())
    parts = {s.heading: s for s in source.document.sections}
    for need in source.record.needs or []:
        assert " ".join(need.description.split()) in flat
        assert any(s.key == need.id and s.heading in flat for s in source.document.sections)
    budget = parts.get("My personal budget")
    if source.record.personal_budget:
        for row in budget.blocks[0].rows:
            assert f"{row.label}: {printed(row.value)}" in flat
    for line in text.splitlines():
        assert len(line) <= 70 or " " not in line.strip(), line
    assert re.search(r"^\d\. My needs$", text, re.M)


def test_text_numbers_and_underlines_headings(plan_source: Source) -> None:
    text = document_text(plan_source.document, plan_source.words)
    lines = text.splitlines()
    assert lines[lines.index("My care and support plan") + 1] == "=" * len("My care and support plan")
    assert lines[lines.index("2. My needs") + 1] == "-" * len("2. My needs")
    assert "2.1 Washing and personal hygiene" in lines
    assert "Confidential: this plan contains personal information" in lines


def test_text_reads_tables_as_labels_and_values(plan_source: Source) -> None:
    lines = document_text(plan_source.document, plan_source.words).splitlines()
    assert "Name: Margaret Ellen Dawson" in lines
    assert "  Who: Brightcare Home Support" in lines


def test_draft_is_marked_in_every_copy() -> None:
    data = complete_plan_dict()
    data["status"] = "draft"
    source = source_for(data)
    banner = source.document.draft.banner
    assert banner
    assert banner in document_text(source.document, source.words)
    assert ("say", banner + ".") in audio.script(source.document, source.words)


def test_markup_in_the_data_stays_text() -> None:
    data = complete_plan_dict()
    data["person"]["about_me"] = '</style><script>alert(1)</script><img src="http://evil.example/x.png"> & {{ 7*7 }}'
    source = source_for(data)
    page = html_copy(source)
    from lxml import html as lxml_html

    root = lxml_html.document_fromstring(page)
    assert not root.xpath("//script") and not root.xpath("//img[starts-with(@src, 'http')]")
    assert "</style><script>" in root.xpath("string(//main)")
    assert "{{ 7*7 }}" in document_text(source.document, source.words)


# --- braille -------------------------------------------------------------------------


def brf_pages(content: bytes) -> list[list[str]]:
    text = content.decode("ascii")
    return [page.split("\r\n")[:-1] for page in text.split("\f")]


@needs_louis
@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.stem)
def test_braille_pages_fit_40_cells_by_25_lines(sample: Path) -> None:
    source = source_for(sample)
    content = braille.render_braille(source.document, source.words)
    pages = brf_pages(content)
    assert len(pages) > 1
    for number, page in enumerate(pages, 1):
        assert len(page) <= braille.LINES
        assert all(len(line) <= braille.CELLS for line in page)
        assert page[-1].strip() == braille.braille_number(number)
    assert set(content.decode("ascii")) <= braille.BRF_CHARS | {"\r", "\n", "\f"}
    surname = source.record.person.full_name.split()[-1]
    expected = subprocess.run(
        ["lou_translate", "--forward", "en-us-brf.dis,en-ueb-g2.ctb"], input=surname + "\n",
        capture_output=True, text=True, check=True,
    ).stdout.strip().upper()
    assert expected and expected in content.decode("ascii")


@needs_louis
def test_braille_is_contracted_ueb() -> None:
    # "the" and "and" are single cells in contracted UEB; the capital sign is a comma
    assert braille.translate(["The plan and the budget"]) == [",! PLAN & ! BUDGET"]
    assert braille.TABLE.endswith("en-ueb-g2.ctb") and "en-GB-g2" not in braille.TABLE


@needs_louis
def test_braille_drops_characters_ueb_cannot_write() -> None:
    out = braille.translate(["Peggy 😀 \u0a2a\u0a70\u0a1c\u0a3e\u0a2c\u0a40 ok"])[0]
    assert "\\" not in out and "'" not in out
    assert out == ",PE7Y OK"


def test_braille_wrapping_and_page_numbers() -> None:
    lines = braille.wrap_cells("A" * 90, 2, 0)
    assert [len(line) for line in lines] == [40, 40, 14]
    assert lines[0].startswith("  ") and lines[0].endswith("-")
    assert braille.wrap_cells("AB CD EF", 0, 2, width=5) == ["AB CD", "  EF"]
    assert braille.braille_number(10) == "#AJ"
    pages = braille.paginate([("para", [f"L{i}" for i in range(30)])])
    assert [len(p) for p in pages] == [25, 25]
    assert pages[1][-1].strip() == "#B"


# --- audio ---------------------------------------------------------------------------


def test_speakable_reads_money_numbers_and_times() -> None:
    assert audio.speakable("£230.50 a week") == "230 pounds 50 a week"
    assert audio.speakable("£1") == "1 pound"
    assert audio.speakable("Phone 0300 123 4567") == "Phone 0 3 0 0, 1 2 3, 4 5 6 7"
    assert audio.speakable("Reference ASC-104233") == "Reference A S C, 1 0 4 2 3 3"
    assert audio.speakable("EB4 2QT") == "E B 4, 2 Q T"
    assert audio.speakable("8:00 to 8:45am") == "8 o'clock to 8 45 a m"
    assert audio.speakable("14 March 1939") == "14 March 1939"


def test_audio_script_announces_sections(plan_source: Source) -> None:
    steps = audio.script(plan_source.document, plan_source.words)
    said = [v for k, v in steps if k == "say"]
    total = len([s for s in plan_source.document.sections if s.level == 2])
    assert f"Section 2 of {total}: My needs." in said
    assert f"This document has {total} sections." in said
    assert said[-1] == "End of My care and support plan."
    pauses = [v for k, v in steps if k == "pause"]
    assert pauses.count(audio.PAUSE_SECTION) >= total
    ssml = audio.ssml(steps)
    assert ssml.startswith('<speak xml:lang="en-GB">') and '<break time="1500ms"/>' in ssml


@needs_espeak
def test_audio_is_a_playable_wav(plan_source: Source) -> None:
    content, ext, media = audio.render_audio(plan_source.document, plan_source.words, "wav")
    assert (ext, media) == ("wav", "audio/wav")
    with wave.open(io.BytesIO(content)) as w:
        seconds = w.getnframes() / w.getframerate()
        assert w.getnchannels() == 1 and w.getsampwidth() == 2
    assert seconds > 120, "the whole plan is read"


@needs_espeak
@pytest.mark.skipif(shutil.which("lame") is None, reason="lame is not installed")
def test_audio_mp3_when_lame_is_installed() -> None:
    wav = audio.speak_wav(audio.ssml([("say", "Section 1 of 1: About me."), ("pause", 300), ("say", "End.")]))
    mp3 = audio.wav_to_mp3(wav, "My plan", "Eastbrook")
    assert mp3[:3] == b"ID3" and len(mp3) > 1000
    assert mp3 == audio.wav_to_mp3(wav, "My plan", "Eastbrook")
    assert wav == audio.speak_wav(audio.ssml([("say", "Section 1 of 1: About me."), ("pause", 300), ("say", "End.")]))


# --- HTML copy and axe-core ----------------------------------------------------------

_EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["']?(?!["']?(?:#|data:))|url\(\s*(?!["']?data:)|@import""", re.I)


def test_html_copy_stands_alone(plan_source: Source) -> None:
    page = html_copy(plan_source)
    assert page.startswith("<!DOCTYPE html>")
    assert '<html lang="en-GB">' in page
    assert "<title>My care and support plan: Margaret Ellen Dawson</title>" in page
    assert not _EXTERNAL.search(page), _EXTERNAL.search(page)
    assert '<a href="#main-content" class="skip-link">' in page and '<main id="main-content"' in page
    assert "<footer" in page and "<header" in page
    assert "<th scope=\"col\">" in page and "<ul>" in page and "<h2>" in page
    assert "data:image/png;base64," in page  # the logo, embedded


@pytest.fixture(scope="module")
def axe_files(tmp_path_factory, plan_source: Source) -> list[Path]:
    folder = tmp_path_factory.mktemp("axe")
    files = []
    combined = next((s for s in SAMPLES if s.name.startswith("04")), SAMPLES[0])
    for name, page in (
        ("plan-copy.html", html_copy(plan_source)),
        ("combined-copy.html", html_copy(source_for(combined))),
        ("plan-for-pdf.html", plan_source.html),
        ("plan-large-print.html", large_print.large_print_html(plan_source, 24)),
    ):
        path = folder / name
        path.write_text(page, encoding="utf-8")
        files.append(path)
    if "charging-letter" in DOCUMENTS:
        path = folder / "letter-copy.html"
        path.write_text(html_copy(source_for(complete_plan_dict(), "charging-letter")), encoding="utf-8")
        files.append(path)
    return files


@pytest.mark.skipif(not HAVE_CHROMIUM, reason="Debian chromium and chromium-driver are not installed")
@pytest.mark.skipif(shutil.which("npm") is None, reason="node and npm are not installed")
def test_axe_finds_no_wcag21_aa_violations(axe_files: list[Path]) -> None:
    done = subprocess.run(
        ["bash", str(REPO / "scripts" / "axe.sh"), *map(str, axe_files), "--", "--stdout"],
        capture_output=True, text=True, timeout=600,
    )
    assert done.returncode in (0, 1), done.stderr[-2000:]
    results = json.loads(done.stdout)
    assert len(results) == len(axe_files)
    problems = {
        Path(r["url"]).name: [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in r["violations"]]
        for r in results
    }
    assert not any(problems.values()), problems
    assert all(r["passes"] for r in results)


# --- the format registry and what a person asked for ---------------------------------


def _plan_with(formats: list[str], **communication: Any):
    data = complete_plan_dict()
    data["person"]["communication"] = {"formats": formats, **communication}
    data.pop("financial_assessment", None)
    data.pop("direct_payment", None)
    return load_plan_bytes(dump_json(data))


def test_formats_for_person_standard_only() -> None:
    assert formats_for_person(_plan_with(["standard"])) == [("plan", "pdf", {}), ("plan", "docx", {})]
    assert formats_for_person(_plan_with([])) == [("plan", "pdf", {}), ("plan", "docx", {})]


def test_formats_for_person_large_print_at_the_asked_size() -> None:
    out = formats_for_person(_plan_with(["large_print"], large_print_size=24))
    assert ("plan", "large-print-pdf", {"size": 24}) in out and ("plan", "large-print-docx", {"size": 24}) in out
    assert ("plan", "large-print-pdf", {"size": 18}) in formats_for_person(_plan_with(["large_print"]))


def test_formats_for_person_everything() -> None:
    out = formats_for_person(_plan_with(["easy_read", "braille", "audio", "email", "html", "txt", "clear_print"]))
    assert out == [
        ("plan", "pdf", {}),
        ("plan", "docx", {}),
        ("plan", "clear-print-pdf", {"size": 14}),
        ("plan", "clear-print-docx", {"size": 14}),
        ("plan", "braille", {}),
        ("plan", "audio", {}),
        ("plan", "html", {}),
        ("plan", "txt", {}),
        # the easy-read plan in every format asked for too (its audio, its braille...)
        ("easyread", "pdf", {}),
        ("easyread", "docx", {}),
        ("easyread", "clear-print-pdf", {"size": 14}),
        ("easyread", "clear-print-docx", {"size": 14}),
        ("easyread", "braille", {}),
        ("easyread", "audio", {}),
        ("easyread", "html", {}),
        ("easyread", "txt", {}),
    ]


def test_formats_for_person_covers_every_applicable_document() -> None:
    plan = load_plan_bytes(dump_json(complete_plan_dict()))
    out = formats_for_person(plan)
    documents = [d for d, _, _ in out]
    assert documents[0] == "plan"
    if "charging-letter" in DOCUMENTS:
        assert ("charging-letter", "large-print-pdf", {"size": 18}) in out
    assert formats_for_person(plan, ["plan"])[2:] == [("plan", "large-print-pdf", {"size": 18}), ("plan", "large-print-docx", {"size": 18})]


def test_render_accessible_returns_bytes_extension_and_type() -> None:
    plan = load_plan_bytes(dump_json(complete_plan_dict()))
    report = DOCUMENTS["plan"].check(plan, PROFILE)
    content, ext, media = render_accessible(plan, "plan", "txt", PROFILE, report, False)
    assert (ext, media) == ("txt", "text/plain; charset=utf-8") and content.decode("utf-8")
    with pytest.raises(InputError):
        render_accessible(plan, "plan", "braille", PROFILE, report, False, size=20)
    with pytest.raises(InputError):
        render_accessible(plan, "plan", "large-print-tiff", PROFILE, report, False)
    with pytest.raises(InputError):
        render_accessible(plan, "no-such-document", "txt", PROFILE, report, False)
    assert {"large-print-pdf", "large-print-docx", "braille", "audio", "txt", "html"} <= set(FORMATS)
