"""Hostile text in a plan prints literally in both files, runs no template code, fetches nothing.

A plan is untrusted text: a need description can hold markup, Jinja syntax, a file URL,
right-to-left scripts, emoji or thousands of characters. The HTML and Word templates escape
it; the PDF's URL fetcher serves only doctool's own assets; ``css_string`` keeps data inside
a CSS string. Property-based tests run the HTML template (fast, 100 examples) and the full
PDF + Word render (slow, a dozen examples).
"""

from __future__ import annotations

import io
import re
import zipfile

import pikepdf
import pytest
import tinycss2
import tinyhtml5
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from weasyprint.urls import FatalURLFetchingError

from doctool.checks import check_plan
from doctool.compose.plan import compose_plan
from doctool.document import Document
from doctool.documents import DOCUMENTS
from doctool.loading import load_plan_bytes
from doctool.model.common import refused_character
from doctool.profiles import load_profile
from doctool.render import pdf as pdf_render
from doctool.render.html import render_html
from doctool.render.pdf import AssetFetcher
from doctool.render.templating import css_string
from doctool.render.urls import council_url, file_url, resolve

from conftest import complete_plan_dict, dump_json
from render_helpers import (
    ASSETS,
    FOOTER,
    contains,
    docx_text,
    norm,
    pdf_pages_text,
    render_api,
    render_cli_all,
    session_cached,
    squash,
    struct_elements,
)

HOSTILE = 'Tom & Jerry <b>{{ 7*7 }}</b> {% if x %} <img src="file:///etc/passwd">'
RTL = "مرحبا بالعالم، أحتاج مساعدة في الصباح. שלום עולם, אני צריך עזרה בבוקר."
EMOJI = "I like 😀 and 🐈 cats 👍🏽 and tea ☕"
LONG_PROSE = " ".join(f"word{i:04d}" for i in range(445))[:4000]
LONG_TOKEN = ("0123456789abcdefghijklmnopqrstuvwxyz" * 112)[:4000]
HOSTILE_REF = 'REF-1"; } body { display: none } @page { @top-right { content: "PWNED'
SCRIPT_NAME = "<script>alert('x')</script>"
MARKUP_NAME = 'Zoë O\'Brien & "Co" <i>'

assert len(LONG_PROSE) == 4000 and len(LONG_TOKEN) == 4000


def hostile_plan() -> dict:
    data = complete_plan_dict()
    data["needs"][0]["description"] = HOSTILE
    data["needs"][1]["description"] = RTL
    data["needs"][2]["description"] = EMOJI
    data["needs"][3]["description"] = LONG_TOKEN
    data["person"]["about_me"] = LONG_PROSE
    data["person"]["reference"] = HOSTILE_REF
    data["person"]["preferred_name"] = SCRIPT_NAME
    data["person"]["full_name"] = MARKUP_NAME
    data["outcomes"][0]["in_own_words"] = HOSTILE + " " + RTL
    return data


class FetchSpy:
    """Records every URL an AssetFetcher is asked for, and what it refused."""

    def __init__(self) -> None:
        self.urls: list[str] = []
        self.refused: list[str] = []
        self._real = AssetFetcher.fetch

    def install(self, monkeypatch) -> None:
        spy = self

        def fetch(fetcher, url, headers=None):
            spy.urls.append(url)
            try:
                return spy._real(fetcher, url, headers)
            except Exception:
                spy.refused.append(url)
                raise

        monkeypatch.setattr(AssetFetcher, "fetch", fetch)


@pytest.fixture(scope="session")
def hostile(tmp_path_factory):
    """The hostile plan rendered once with ``render --all``, with the URL fetcher watched.

    The stylesheet (and its fonts) is parsed once per process and may already be cached;
    it is cleared here so its fetches are watched too."""

    def make():
        root = tmp_path_factory.mktemp("hostile")
        src = root / "hostile.json"
        src.write_bytes(dump_json(hostile_plan()))
        spy = FetchSpy()
        with pytest.MonkeyPatch.context() as mp:
            spy.install(mp)
            pdf_render.stylesheet.cache_clear()
            rendered = render_cli_all(src, root / "out")
        pdf_render.stylesheet.cache_clear()
        return rendered, spy

    return session_cached("hostile", make)


@pytest.fixture
def rendered(hostile):
    rendered, _spy = hostile
    assert rendered.code == 0, rendered.stderr
    return rendered


def _body(rendered) -> str:
    """The PDF's text without the running header and footer, so a long passage that runs
    over a page break reads as one."""
    furniture = [FOOTER, f"Reference: {HOSTILE_REF}"]
    pages = []
    for i, page in enumerate(rendered.pdf_pages, start=1):
        text = norm(page)
        for item in [*furniture, f"Page {i} of {len(rendered.pdf_pages)}"]:
            text = text.replace(norm(item), " ")
        pages.append(text)
    return " ".join(pages)


def test_hostile_plan_renders(rendered):
    assert "Traceback" not in rendered.stdout + rendered.stderr
    assert rendered.pdf.startswith(b"%PDF-") and rendered.docx.startswith(b"PK")


@pytest.mark.parametrize(
    "text",
    [HOSTILE, EMOJI, LONG_PROSE, SCRIPT_NAME, MARKUP_NAME],
    ids=["markup-and-jinja", "emoji", "long-prose", "script", "name"],
)
def test_hostile_text_prints_literally_in_the_pdf(rendered, text):
    assert contains(_body(rendered), text), text[:60]


def test_rtl_text_is_in_the_pdf(rendered):
    """Right-to-left text is drawn in visual order; both PDF readers put each right-to-left
    run back in reading order, but may order the sentences of a mixed paragraph differently,
    so the words are checked, and each phrase between punctuation."""
    for text in (_body(rendered), rendered.pypdf_text):
        for phrase in re.split(r"[،.,]\s*", RTL):
            if phrase:
                assert contains(text, phrase), phrase


@pytest.mark.parametrize(
    "text",
    [HOSTILE, RTL, EMOJI, LONG_PROSE, LONG_TOKEN, SCRIPT_NAME, MARKUP_NAME, HOSTILE + " " + RTL],
    ids=["markup-and-jinja", "rtl", "emoji", "long-prose", "long-token", "script", "name", "outcome"],
)
def test_hostile_text_prints_literally_in_the_docx(rendered, text):
    assert contains(rendered.docx_text, text), text[:60]


def test_a_4000_character_word_is_not_cut_off_in_the_pdf(rendered):
    """Without wrapping, a word wider than the page runs off it and is lost."""
    assert LONG_TOKEN in squash(_body(rendered))


def test_hostile_text_also_reads_back_with_pypdf(rendered):
    text = rendered.pypdf_text
    for item in (HOSTILE, SCRIPT_NAME, MARKUP_NAME):
        assert contains(text, item, loose=True), item[:60]


def test_template_syntax_in_data_is_not_run(rendered):
    for text in (rendered.pdf_text, rendered.docx_text):
        assert "{{ 7*7 }}" in text
        assert "{% if x %}" in text
        assert "<b>49</b>" not in text and "Jerry 49" not in text and "Jerry <b>49" not in text


def test_reference_cannot_break_out_of_the_page_header_css(rendered):
    """The reference is printed in the page header through CSS ``content``: on every page
    it reads exactly as written, and the body (display: none in the payload) is still there."""
    pages = rendered.pdf_pages
    assert len(pages) > 1
    for page in pages:
        assert contains(page, f"Reference: {HOSTILE_REF}"), page[:200]
    assert contains(rendered.pdf_text, "My needs")
    assert "PWNED" not in rendered.pdf_text.replace(HOSTILE_REF, "")


def test_pdf_metadata_holds_the_name_as_text(rendered):
    with pikepdf.open(io.BytesIO(rendered.pdf)) as pdf:
        assert str(pdf.docinfo["/Title"]).endswith(f": {MARKUP_NAME}")
        with pdf.open_metadata() as xmp:
            assert xmp.get("dc:title").endswith(f": {MARKUP_NAME}")


def test_the_img_in_the_data_is_not_an_image_or_a_link(rendered):
    with pikepdf.open(io.BytesIO(rendered.pdf)) as pdf:
        images = set()
        for page in pdf.pages:
            for _name, xobject in (page.Resources.get("/XObject") or {}).items():
                if xobject.get("/Subtype") == "/Image":
                    images.add(xobject.objgen)
            for annot in page.get("/Annots") or []:
                action = annot.get("/A") or {}
                assert action.get("/S") not in ("/Launch", "/URI", "/GoToR"), repr(annot)
        assert len(images) == 1, "only the council logo"
        figures = [el for _depth, el in struct_elements(pdf.Root.StructTreeRoot) if el.get("/S") == "/Figure"]
        assert len(figures) == 1


def test_docx_is_a_sound_package_with_the_text_escaped(rendered):
    with zipfile.ZipFile(io.BytesIO(rendered.docx)) as z:
        assert z.testzip() is None
        for name in z.namelist():
            if name.endswith((".xml", ".rels")):
                etree.fromstring(z.read(name))  # raises if the markup is broken
        document = z.read("word/document.xml").decode("utf-8")
    assert "Tom &amp; Jerry &lt;b&gt;{{ 7*7 }}&lt;/b&gt; {% if x %} &lt;img src=" in document
    assert "<b>" not in document and "<img" not in document and "<script" not in document


def test_pdf_passes_qpdf_check(rendered, tmp_path):
    import shutil
    import subprocess

    if shutil.which("qpdf") is None:
        pytest.skip("qpdf is not installed")
    path = tmp_path / "hostile.pdf"
    path.write_bytes(rendered.pdf)
    done = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


def test_only_doctools_own_assets_were_fetched(hostile):
    rendered, spy = hostile
    assert rendered.code == 0
    assert spy.urls, "the logo and fonts are fetched through the fetcher"
    assert spy.refused == []
    from doctool.easyread.pictures import openmoji_svg_dir

    # doctool's assets, and the easy-read plan's pictures from the installed OpenMoji set
    pictures = frozenset(openmoji_svg_dir().resolve().glob("*.svg"))
    for url in spy.urls:
        # every URL is a virtual one (the same wherever doctool is installed), and names
        # doctool's own assets or one of the easy-read plan's pictures, by content
        assert url.startswith(("file:///doctool/assets/", "file:///doctool/files/")), url
        path = resolve(url, pictures, None)
        assert path is not None and (path.is_relative_to(ASSETS.resolve()) or path in pictures), url
    assert not any("passwd" in url for url in spy.urls)


# --- the fetcher itself -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://example.com/x.png",
        "https://example.com/x.png",
        "ftp://example.com/x.png",
        "data:image/png;base64,iVBORw0KGgo=",
        f"file://{ASSETS.as_posix()}/../pyproject.toml",
        f"file://{ASSETS.as_posix()}/%2e%2e/pyproject.toml",
        f"file://{ASSETS.as_posix()}/img/../../doctool/api.py",
        f"file://evil.example{ASSETS.as_posix()}/css/document.css",
        f"file://{ASSETS.as_posix()}/img/no-such-file.png",
        f"file://{ASSETS.as_posix()}/img",
        "/etc/passwd",
        "../pyproject.toml",
    ],
)
def test_fetcher_refuses_anything_outside_the_assets(url):
    fetcher = AssetFetcher()
    with pytest.raises(FatalURLFetchingError):
        fetcher.fetch(url)
    assert fetcher.refused == [url]


def test_fetcher_refuses_a_symlink_out_of_an_allowed_folder(tmp_path):
    allowed = tmp_path / "allowed"
    allowed.mkdir()
    (allowed / "innocent.png").symlink_to("/etc/passwd")
    fetcher = AssetFetcher(folder=allowed)  # a council's template folder
    with pytest.raises(FatalURLFetchingError):
        fetcher.fetch(council_url("innocent.png"))
    with pytest.raises(FatalURLFetchingError):
        fetcher.fetch(council_url("../../../../etc/passwd"))


@pytest.mark.parametrize("relative", ["css/document.css", "img/draft-watermark.svg", "fonts/DejaVuSans.ttf"])
def test_fetcher_serves_a_real_asset(relative):
    path = ASSETS / relative
    response = AssetFetcher().fetch(file_url(path))
    try:
        assert response.read() == path.read_bytes()
    finally:
        response.close()


def test_fetcher_serves_an_extra_file_only_when_named(tmp_path):
    logo = tmp_path / "council-logo.png"
    logo.write_bytes((ASSETS / "img" / "eastbrook-logo.png").read_bytes())
    other = tmp_path / "other.png"
    other.write_bytes(b"x")
    fetcher = AssetFetcher(files=(logo,))
    response = fetcher.fetch(file_url(logo))
    response.close()
    assert response.content_type == "image/png"
    for refused in (file_url(other), logo.as_uri(), (ASSETS / "css" / "document.css").as_uri()):
        with pytest.raises(FatalURLFetchingError):  # not named, or a real path: never served
            fetcher.fetch(refused)


# --- css_string ----------------------------------------------------------------------------------

_ESCAPED_BODY = re.compile(r"(?:[A-Za-z0-9]|\\[0-9a-f]{6} )*")


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_css_string_escapes_everything_but_letters_and_digits(text):
    out = str(css_string(text))
    assert out.startswith('"') and out.endswith('"') and len(out) >= 2
    inner = out[1:-1]
    assert _ESCAPED_BODY.fullmatch(inner), inner
    for dangerous in ('"', "'", ";", "}", "{", "\n", "\r", "<", ">", "/", "(", ")"):
        assert dangerous not in inner


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_css_string_reads_back_as_the_same_text(text):
    """A CSS parser (the one WeasyPrint uses) reads one string token holding the text."""
    tokens = [t for t in tinycss2.parse_component_value_list(str(css_string(text))) if t.type != "whitespace"]
    assert len(tokens) == 1 and tokens[0].type == "string"
    assert tokens[0].value == text.replace("\x00", "\ufffd")


@pytest.mark.parametrize("text", ['"', "\\", "a;b", "}", "\n", '"; } * { display: none } /*', "</style><script>"])
def test_css_string_examples(text):
    out = str(css_string(text))
    tokens = tinycss2.parse_component_value_list(f"content: {out};")
    strings = [t for t in tokens if t.type == "string"]
    assert [s.value for s in strings] == [text]
    assert "</style" not in out


# --- property-based: the HTML template (fast) ------------------------------------------------------

def storable(text: str, multiline: bool = True) -> str:
    """``text`` without the characters the schema refuses (invisible, bidi and control
    characters: tests/test_safe_text.py shows each is refused), so it reaches the renderer."""
    while True:
        bad = {i for i in range(len(text)) if refused_character(text, i, multiline)}
        if not bad:
            return text
        text = "".join(c for i, c in enumerate(text) if i not in bad)


HTML_SAFE_TEXT = (
    st.text(
        alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Cn")) | st.sampled_from(list(" \n\t<>&\"'{}%#")),
        min_size=1,
        max_size=200,
    )
    .map(storable)
    .filter(lambda s: s.strip())
)

TOKENS = [
    "<", ">", "&", "&amp;", '"', "'", "{{", "}}", "{%", "%}", "{#", "#}", "<script>", "</p>", "<img src=x>",
    "<!--", "-->", "]]>", "<![CDATA[", "file:///etc/passwd", "url(file:///etc/passwd)", "@import", "\\", "\u202e",
    "\u200f", "שלום", "مرحبا", "😀", " ", "7*7", "x", "\u00a0",
]
SPLICED_TEXT = (
    st.lists(
        st.sampled_from(TOKENS) | st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Cn")), max_size=4),
        min_size=1,
        max_size=25,
    )
    .map("".join)
    .map(storable)
    .filter(lambda s: s.strip())
)

PROFILE = None


def _doc_with_description(text: str, field: str = "description") -> Document:
    """Sample 01 with ``text`` as its first need's description (or as a person field),
    composed as the plan document."""
    global PROFILE
    PROFILE = PROFILE or load_profile("england")
    data = complete_plan_dict()
    if field == "description":
        data["needs"][0]["description"] = text
    else:
        data["person"][field] = text
    plan = load_plan_bytes(dump_json(data))
    return compose_plan(plan, PROFILE, check_plan(plan, PROFILE), False)


def _plan_html(doc: Document) -> str:
    """The plan's HTML (the page its PDF is laid out from), through the public HTML renderer."""
    return render_html(doc, DOCUMENTS["plan"].html_template, profile=PROFILE)


def _element_count(html: str) -> int:
    return sum(1 for _ in tinyhtml5.parse(html).iter())


BASELINE_ELEMENTS = None


def _baseline() -> int:
    global BASELINE_ELEMENTS
    if BASELINE_ELEMENTS is None:
        BASELINE_ELEMENTS = _element_count(_plan_html(_doc_with_description("plain")))
    return BASELINE_ELEMENTS


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(HTML_SAFE_TEXT | SPLICED_TEXT)
def test_html_escapes_any_description(text):
    """Whatever the description, the HTML has exactly the same elements as with plain text,
    and the parsed page (as WeasyPrint parses it) holds the text as written."""
    html = _plan_html(_doc_with_description(text))
    assert _element_count(html) == _baseline()
    page_text = "".join(tinyhtml5.parse(html).itertext())
    assert norm(text.replace("\x00", "\ufffd")) in norm(page_text)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=200)
    .map(lambda s: storable(s, multiline=False))
    .filter(lambda s: s.strip())
)
def test_html_reference_stays_inside_its_css_string(text):
    """The reference goes into the page header through CSS: whatever it is, the <style>
    element reads as the template wrote it, with the reference as one string."""
    doc = _doc_with_description(text, field="reference")
    reference = doc.meta.reference  # as stored: the model trims surrounding whitespace
    html = _plan_html(doc)
    assert _element_count(html) == _baseline()
    style = "".join(el.text or "" for el in tinyhtml5.parse(html).iter("{http://www.w3.org/1999/xhtml}style"))
    rules = tinycss2.parse_stylesheet(style, skip_whitespace=True, skip_comments=True)
    assert [r.type for r in rules] == ["at-rule"]
    strings = [t.value for t in _walk_tokens(rules[0].content) if t.type == "string"]
    assert f"Reference: {reference}".replace("\x00", "\ufffd") in strings


def _walk_tokens(tokens):
    for token in tokens or []:
        yield token
        yield from _walk_tokens(getattr(token, "content", None))


# --- property-based: the whole render (slow, a dozen examples) ---------------------------------------

#: Characters the shipped fonts draw, written left to right, plus everything markup-ish.
RENDERABLE = st.text(
    alphabet=st.sampled_from(
        list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        + list("<>&\"'{}%#;:/\\=!?()[]*+_.,@$^~|£€")
        + list("éüßøÅçñŁœ")
        + list("αβΓЖщ")
        + [" ", " ", " "]
    ),
    min_size=1,
    max_size=120,
).filter(lambda s: s.strip())


def _small_plan(text: str) -> bytes:
    data = complete_plan_dict()
    data["needs"][0]["description"] = text
    data["outcomes"][0]["in_own_words"] = text
    return dump_json(data)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(text=RENDERABLE | st.sampled_from([HOSTILE, "{{ 7*7 }}", "{%p if 1 %}", "</w:t><w:t>", "]]>&lt;"]))
def test_any_text_prints_literally_in_pdf_and_docx(monkeypatch, text):
    spy = FetchSpy()
    with monkeypatch.context() as mp:
        spy.install(mp)
        by_format = render_api(_small_plan(text))
    assert spy.refused == []
    pdf_text = "\n".join(pdf_pages_text(by_format["pdf"]))
    assert contains(pdf_text, text, loose=True)
    assert contains(docx_text(by_format["docx"]), text)
