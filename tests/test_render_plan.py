"""The person's copy of their plan, in Word and PDF: what `doctool render` writes and says.

Every complete sample is rendered once per session with ``doctool render FILE --all -o DIR``
(see render_helpers.rendered_samples); the tests then read the text back out of both files
and compare it with facts computed from the JSON, independently of doctool's formatting.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import re
import subprocess
import zipfile
from decimal import Decimal
from pathlib import Path

import pikepdf
import pytest

from doctool.api import Incomplete, prepare, render_bytes, validate_bytes
from doctool.documents import DOCUMENTS
from doctool.errors import DoctoolError
from doctool.loading import load_plan_bytes
from doctool.profiles import load_profile

from conftest import complete_plan_dict, dump_json
from render_helpers import (
    DOCX_DRAFT_WORD,
    DRAFT_SAMPLES,
    DRAFT_TITLE,
    PLAN_DOCX,
    PLANS,
    REPO,
    budget_keys,
    cli,
    contains,
    document_texts,
    docx_parts,
    docx_text,
    domain_label,
    expected_facts,
    fresh_process_hashes,
    gbp,
    long_date,
    missing,
    norm,
    open_docx,
    render_api,
    render_cli_all,
    rendered_samples,
    session_cached,
    struct_elements,
)

pytestmark = pytest.mark.skipif(not PLANS, reason="no complete samples in samples/plans")

IDS = [p.name for p in PLANS]
PERIOD_PHRASE = {"weekly": "a week", "four_weekly": "every 4 weeks", "annual": "a year", "monthly": "a month"}


@pytest.fixture(scope="session")
def samples(tmp_path_factory):
    return rendered_samples(tmp_path_factory)


@pytest.fixture(params=IDS)
def sample(request, samples):
    return samples[request.param]


def test_there_are_complete_samples():
    assert len(PLANS) >= 1


# --- doctool render FILE --all -o DIR --------------------------------------------------------


def test_render_all_exits_0_and_writes_pdf_docx_and_manifest(sample):
    assert sample.code == 0, sample.stderr
    assert "Traceback" not in sample.stdout + sample.stderr
    stem = sample.data["person"]["reference"]  # files are named from the record's reference
    on_disk = sorted(p.name for p in sample.outdir.iterdir())
    # the plan in both formats (other documents that apply to the plan may be there too)
    assert {f"{stem}-plan.pdf", f"{stem}-plan.docx", "manifest.json"} <= set(on_disk)
    # every file written is in the manifest, and nothing else is left behind (no .part files)
    assert on_disk == sorted([f["path"] for f in sample.manifest["files"]] + ["manifest.json"])
    # the paths written are printed, one a line
    printed = [Path(line).name for line in sample.stdout.splitlines() if line.strip()]
    assert sorted(printed) == sorted(f["path"] for f in sample.manifest["files"])
    assert sample.pdf.startswith(b"%PDF-")
    assert sample.docx.startswith(b"PK")


def test_manifest_records_each_file_its_template_and_the_input(sample):
    manifest = sample.manifest
    assert manifest["input_sha256"] == hashlib.sha256(sample.source.read_bytes()).hexdigest()
    assert manifest["complete"] is True
    assert manifest["profile"] == "england"
    assert manifest["doctool_version"]
    for entry in manifest["files"]:
        path = sample.outdir / entry["path"]
        assert path.parent == sample.outdir and path.is_file(), entry
        content = path.read_bytes()
        assert entry["sha256"] == hashlib.sha256(content).hexdigest()
        assert entry["bytes"] == len(content)
        assert (REPO / entry["template"]).is_file(), entry
    plan = {f["format"]: f for f in manifest["files"] if f["document"] == "plan"}
    assert set(plan) == {"pdf", "docx"}
    reference = sample.data["person"]["reference"]
    assert plan["pdf"]["path"] == f"{reference}-plan.pdf"
    assert plan["pdf"]["template"] == "templates/html/plan.html.j2"
    assert plan["docx"]["path"] == f"{reference}-plan.docx"
    assert manifest["draft"] is False and not any(f["draft"] for f in manifest["files"])
    # the manifest carries every finding, exactly as validate gives them
    assert manifest["findings"] == validate_bytes(sample.source.read_bytes()).as_dict()["findings"]
    assert plan["docx"]["template"] == "templates/docx/plan.docx"


# --- the facts, read back from both files -----------------------------------------------------


def test_pdf_says_every_fact(sample):
    facts = expected_facts(sample.data)
    assert missing(facts, sample.pdf_text, loose=True) == {}


def test_pdf_facts_agree_with_pypdf(sample):
    """A second, independent reader of the PDF finds the same facts."""
    facts = expected_facts(sample.data)
    assert missing(facts, sample.pypdf_text, loose=True) == {}


def test_docx_says_every_fact(sample):
    facts = expected_facts(sample.data)
    assert missing(facts, sample.docx_text) == {}


def test_docx_budget_figures_are_in_table_cells(sample):
    """The budget is a table in Word: the figures must be read from its cells."""
    budget = sample.data.get("personal_budget")
    if not budget:
        pytest.skip("no personal budget")
    document = sample.document
    cells = {norm(c.text) for t in document.tables for r in t.rows for c in r.cells}
    period = PERIOD_PHRASE[budget.get("period") or "weekly"]
    for key in budget_keys(sample.data):
        if budget.get(key) is not None:
            assert f"{gbp(budget[key])} {period}" in cells, key


def test_budget_amounts_name_their_period(sample):
    budget = sample.data.get("personal_budget")
    if not budget:
        pytest.skip("no personal budget")
    period = PERIOD_PHRASE[budget.get("period") or "weekly"]
    for key in budget_keys(sample.data):
        if budget.get(key) is not None:
            phrase = f"{gbp(budget[key])} {period}"
            assert contains(sample.pdf_text, phrase, loose=True), (key, phrase)
            assert contains(sample.docx_text, phrase), (key, phrase)


PENDING = [
    p.name for p in PLANS if (json.loads(p.read_text()).get("financial_assessment") or {}).get("scenario") == "pending"
]


@pytest.mark.parametrize("name", PENDING)
def test_pending_assessment_says_the_persons_amount_is_not_known_yet(samples, name):
    sample = samples[name]
    for text in (sample.pdf_text, sample.docx_text):
        assert contains(text, "Not known yet: your financial assessment will work this out", loose=True)


def test_every_need_has_its_domain_heading_in_both(sample):
    for need in sample.data.get("needs") or []:
        label = domain_label(need["domain"])
        assert contains(sample.pdf_text, label, loose=True), label
        assert contains(sample.docx_text, label), label


_MONEY = re.compile(r"£[\d,.]*\d")
_GOOD_MONEY = re.compile(r"£\d{1,3}(,\d{3})*\.\d\d")
_ISO_DATE = re.compile(r"\b(?:19|20)\d\d-[01]\d-[0-3]\d\b")


def _in_own_words(data, pattern: re.Pattern) -> set[str]:
    """Matches of ``pattern`` inside the plan's sentences (string values that are not
    themselves just a date or an amount): those are the person's words, printed as written."""
    found: set[str] = set()

    def walk(value):
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, str) and not pattern.fullmatch(value):
            found.update(pattern.findall(value))

    walk(data)
    return found


#: Fixed wording may name a sum ("Minor adaptation up to £1,000 (free)").
_WORDING_MONEY = {
    m for f in (REPO / "doctool" / "data" / "wording").glob("*.toml") for m in _MONEY.findall(f.read_text(encoding="utf-8"))
}


def test_money_is_always_written_like_1234_50(sample):
    allowed = _in_own_words(sample.data, _MONEY) | _WORDING_MONEY
    for name, text in (("pdf", sample.pdf_text), ("docx", sample.docx_text)):
        bad = [m for m in _MONEY.findall(text) if not _GOOD_MONEY.fullmatch(m) and m not in allowed]
        assert bad == [], name


def test_dates_are_never_written_as_iso(sample):
    allowed = _in_own_words(sample.data, _ISO_DATE)
    for name, text in (("pdf", sample.pdf_text), ("docx", sample.docx_text)):
        leaked = [m for m in _ISO_DATE.findall(text) if m not in allowed]
        assert leaked == [], name


# --- both formats carry the same facts --------------------------------------------------------

def _document(sample):
    """The plan as composed for every format (``doctool.document.Document``)."""
    profile = load_profile("england")
    plan = load_plan_bytes(sample.source.read_bytes())
    kind = DOCUMENTS["plan"]
    return kind.compose(plan, profile, kind.check(plan, profile), False)


def test_pdf_and_docx_carry_the_same_facts(sample):
    """Every text the composed document holds (headings, sentences, labels and values, table
    cells, contact emails) appears in both files, or in neither. The PDF is read without its
    running header and footer, so a sentence a page break splits is still found."""
    doc = _document(sample)
    only_pdf, only_docx, neither = [], [], []
    for path, value in document_texts(doc):
        in_pdf = contains(sample.pdf_flow_text, value, loose=True)
        in_docx = contains(sample.docx_text, value)
        if in_pdf and not in_docx:
            only_pdf.append((path, value))
        elif in_docx and not in_pdf:
            only_docx.append((path, value))
        elif not in_pdf and not in_docx:
            neither.append((path, value))
    assert only_pdf == [], "in the PDF but not the Word file"
    assert only_docx == [], "in the Word file but not the PDF"
    assert neither == [], "in the plan but in neither file"


def _delivery_label(code: str) -> str:
    import tomllib

    labels = tomllib.loads((REPO / "doctool" / "data" / "wording" / "labels.toml").read_text(encoding="utf-8"))
    return labels["delivery"][code]


def test_both_files_print_the_plan_number_language_contacts_services_and_assessment_dates(sample):
    """Facts the plan prints from the record, computed here from the JSON: the plan's number,
    the language the person reads, every contact's email, how each service is arranged and
    what it costs a week (units x unit cost), and the financial assessment's dates."""
    data = sample.data
    facts = {"plan_id": data["plan_id"]}
    language = (data["person"].get("communication") or {}).get("language")
    if language:
        facts["person.communication.language"] = language
    contacts = [("person.support_network", c) for c in data["person"].get("support_network") or []]
    contacts += [("contingency.emergency_contacts", c) for c in (data.get("contingency") or {}).get("emergency_contacts") or []]
    for i, (where, contact) in enumerate(contacts):
        if contact.get("email"):
            facts[f"{where}[{i}].email"] = contact["email"]
    for i, service in enumerate(data.get("services") or []):
        facts[f"services[{i}].delivery_mechanism"] = _delivery_label(service["delivery_mechanism"])
        facts[f"services[{i}].weekly"] = gbp(Decimal(service["unit_cost"]) * Decimal(service["units_per_week"]))
        facts[f"services[{i}].unit_cost"] = gbp(service["unit_cost"])
    fa = data.get("financial_assessment") or {}
    for key in ("assessment_date", "charging_information_given", "charge_from"):
        if fa.get(key):
            facts[f"financial_assessment.{key}"] = long_date(fa[key])
    assert missing(facts, sample.pdf_text, loose=True) == {}
    assert missing(facts, sample.docx_text) == {}


def test_person_name_and_reference_on_page_1_of_the_pdf(sample):
    first = sample.pdf_pages[0]
    assert contains(first, sample.data["person"]["full_name"], loose=True)
    assert contains(first, sample.data["person"]["reference"], loose=True)


def test_council_name_and_contact_details_in_both(sample):
    profile = load_profile("england")
    council = profile.council
    for value in (council["name"], council["phone"], council["email"]):
        assert contains(sample.pdf_text, value, loose=True), value
        assert contains(sample.docx_text, value), value


# --- determinism -------------------------------------------------------------------------------


#: Rendering twice in one process (warm font, stylesheet and template caches): a few samples,
#: the first, the longest and the last, since each render takes a second or two.
SAME_PROCESS = sorted({IDS[0], IDS[-1], max(IDS, key=lambda n: (REPO / "samples" / "plans" / n).stat().st_size)}) if IDS else []


@pytest.mark.parametrize("name", SAME_PROCESS)
def test_same_plan_same_bytes_in_the_same_process(samples, name):
    sample = samples[name]
    by_format = render_api(sample.source.read_bytes())
    assert by_format["pdf"] == sample.pdf
    assert by_format["docx"] == sample.docx


def test_same_plan_same_bytes_in_a_fresh_process(samples):
    """Another interpreter, another hash seed, another working folder: the same bytes.
    (The fresh process was started in the background when the samples were first rendered.)"""
    fresh = fresh_process_hashes()
    assert set(fresh) == set(samples)
    for name, sample in samples.items():
        assert fresh[name]["pdf"] == hashlib.sha256(sample.pdf).hexdigest(), name
        assert fresh[name]["docx"] == hashlib.sha256(sample.docx).hexdigest(), name


def _pdf_date(value: str) -> dt.date:
    m = re.match(r"D:(\d{4})(\d\d)(\d\d)", value)
    assert m, value
    return dt.date(int(m[1]), int(m[2]), int(m[3]))


def test_pdf_dates_are_the_plan_date_not_the_clock(sample):
    plan_date = dt.date.fromisoformat(sample.data["plan_date"])
    with pikepdf.open(io.BytesIO(sample.pdf)) as pdf:
        info = pdf.docinfo
        assert _pdf_date(str(info["/CreationDate"])) == plan_date
        assert _pdf_date(str(info["/ModDate"])) == plan_date
        with pdf.open_metadata() as xmp:
            assert str(xmp.get("xmp:CreateDate", "")).startswith(sample.data["plan_date"])


def test_docx_dates_are_the_plan_date_not_the_clock(sample):
    plan_date = dt.date.fromisoformat(sample.data["plan_date"])
    props = sample.document.core_properties
    assert props.created.date() == plan_date
    assert props.modified.date() == plan_date
    with zipfile.ZipFile(io.BytesIO(sample.docx)) as z:
        stamps = {info.date_time[:3] for info in z.infolist()}
    assert stamps == {(plan_date.year, plan_date.month, plan_date.day)}


# --- refusal and drafts -----------------------------------------------------------------------


def _generated_draft() -> dict:
    """Sample 01 without outcomes or advice: two blocking findings (s25(1)(d) and (f))."""
    data = complete_plan_dict()
    data.pop("outcomes")
    data.pop("advice")
    return data


def _draft_cases() -> list[tuple[str, bytes]]:
    cases = [("generated-no-outcomes-no-advice", dump_json(_generated_draft()))]
    cases += [(p.name, p.read_bytes()) for p in DRAFT_SAMPLES]
    return cases


DRAFT_CASES = _draft_cases()


def _blocking(raw: bytes):
    try:
        report = validate_bytes(raw)
    except DoctoolError as exc:  # a draft sample that does not fit the schema is another test's business
        pytest.skip(f"not a schema-valid plan: {exc}")
    if report.complete:
        pytest.skip("no blocking findings")
    return report.errors


@pytest.mark.parametrize("name,raw", DRAFT_CASES, ids=[c[0] for c in DRAFT_CASES])
def test_blocking_findings_refuse_a_single_file_and_write_nothing(tmp_path, monkeypatch, name, raw):
    _blocking(raw)
    src = tmp_path / "in" / "draft.json"
    src.parent.mkdir()
    src.write_bytes(raw)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    for fmt in ("pdf", "docx"):
        target = tmp_path / "out" / f"plan.{fmt}"
        code, out, err = cli(["render", src, "--document", "plan", "--format", fmt, "-o", target])
        assert code == 1, err
        assert "Nothing was written" in err
        assert "Traceback" not in out + err
        assert not target.exists()
        assert not target.parent.exists()
    # and without -o nothing lands in the working folder either
    code, _out, _err = cli(["render", src, "--document", "plan", "--format", "pdf"])
    assert code == 1
    assert list(work.iterdir()) == []


@pytest.mark.parametrize("name,raw", DRAFT_CASES, ids=[c[0] for c in DRAFT_CASES])
def test_blocking_findings_refuse_all_and_leave_outdir_empty(tmp_path, name, raw):
    errors = _blocking(raw)
    src = tmp_path / "draft.json"
    src.write_bytes(raw)
    outdir = tmp_path / "out"
    outdir.mkdir()
    code, _out, err = cli(["render", src, "--all", "-o", outdir])
    assert code == 1
    assert list(outdir.iterdir()) == []  # no documents, no manifest, no temporary files
    for finding in errors:
        assert finding.rule in err
    missing_dir = tmp_path / "never-made"
    code, _out, _err = cli(["render", src, "--all", "-o", missing_dir])
    assert code == 1
    assert not missing_dir.exists()


def test_line_breaks_and_tabs_in_text_become_words_own_marks():
    """A line break or a tab in the person's text becomes Word's own break and tab, never a
    raw control character."""
    data = complete_plan_dict()
    data["needs"][0]["description"] = "Mornings are hardest.\nShe needs help to stand.\tAsk first."
    xml = zipfile.ZipFile(io.BytesIO(render_api(dump_json(data), ("docx",))["docx"])).read("word/document.xml").decode()
    start = xml.index("Mornings are hardest.")
    passage = xml[start : xml.index("Ask first.") + 10]
    assert "<w:br/>" in passage and "<w:tab/>" in passage
    assert "\n" not in passage and "\t" not in passage
    assert "She needs help to stand." in passage


def test_output_naming_a_folder_writes_the_usual_file_inside_it(tmp_path):
    letter = REPO / "samples" / "letters" / "02-assessed.json"
    code, out, err = cli(["render", letter, "--document", "charging-letter", "--format", "docx", "-o", tmp_path])
    assert (code, err) == (0, "")
    written = Path(out.strip())
    assert written.parent == tmp_path and written.suffix == ".docx"
    assert [p.name for p in tmp_path.iterdir()] == [written.name]
    assert docx_text(written.read_bytes())


def test_an_output_path_that_cannot_be_written_is_a_clear_error_not_a_crash(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    letter = REPO / "samples" / "letters" / "02-assessed.json"
    code, out, err = cli(["render", letter, "--document", "charging-letter", "--format", "docx", "-o", blocker / "letter.docx"])
    assert code == 2 and out == ""
    assert err.startswith("doctool: ") and "internal error" not in err and "Traceback" not in err
    assert str(blocker) in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]


def test_library_refuses_too():
    with pytest.raises(Incomplete) as info:
        render_bytes(dump_json(_generated_draft()), ["plan"], ["pdf"])
    assert info.value.exit_code == 1
    assert {f.rule for f in info.value.report.errors} == {"CA-25-1-d", "CA-25-1-f"}


# The marked drafts: rendered once per session (each is a second or two).


def _forms_drawn(pdf: bytes) -> list[int]:
    """For each page, how many Form XObjects its content draws (the DRAFT watermark is one;
    the only other picture, the logo, is an Image)."""
    counts = []
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        for page in doc.pages:
            xobjects = page.Resources.get("/XObject", {})
            n = 0
            for operands, op in pikepdf.parse_content_stream(page):
                if str(op) == "Do" and xobjects[str(operands[0])].get("/Subtype") == "/Form":
                    n += 1
            counts.append(n)
    return counts


def _watermark_pixels(pdf: bytes, tmp: Path) -> list[int]:
    """For each page, how many pixels are the watermark's pale red (#e6b8b8) at 20 dpi."""
    from PIL import Image

    (tmp / "in.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "20", "-png", str(tmp / "in.pdf"), str(tmp / "pg")], check=True, timeout=120)
    counts = []
    for png in sorted(tmp.glob("pg-*.png")):
        with Image.open(png) as img:
            data = img.convert("RGB").tobytes()
        pixels = (data[i : i + 3] for i in range(0, len(data), 3))
        counts.append(sum(1 for r, g, b in pixels if r > 200 and 20 < r - g < 90 and abs(g - b) < 25))
    return counts


@pytest.fixture(scope="session")
def drafts(tmp_path_factory):
    """``--draft`` renders of a plan with blocking findings (the generated case and up to two
    samples from samples/drafts), a complete plan with status "draft", and a complete final
    plan rendered with ``--draft``."""

    def make():
        root = tmp_path_factory.mktemp("drafts")
        out = {}
        for name, raw in DRAFT_CASES[:3]:
            try:
                if validate_bytes(raw).complete:
                    continue
            except Exception:  # noqa: BLE001 - not schema-valid: not a draft to render
                continue
            src = root / f"{Path(name).stem}.json"
            src.write_bytes(raw)
            out[name] = render_cli_all(src, root / f"out-{Path(name).stem}", "--draft")
            # what the plan's page 1 lists: the plan's own blocking findings
            out[name].data = {"errors": prepare(raw).documents["plan"].report.errors}
        status = complete_plan_dict()
        status["status"] = "draft"
        src = root / "status-draft.json"
        src.write_bytes(dump_json(status))
        out["status-draft"] = render_cli_all(src, root / "out-status-draft")
        out["status-draft"].data = {"errors": []}
        final = root / "final.json"
        final.write_bytes(dump_json(complete_plan_dict()))
        out["final-with-draft-flag"] = render_cli_all(final, root / "out-final-draft", "--draft")
        out["final-with-draft-flag"].data = {"errors": []}
        return out

    return session_cached("drafts", make)


DRAFT_RENDER_IDS = [*[c[0] for c in DRAFT_CASES][:3], "status-draft", "final-with-draft-flag"]


@pytest.fixture(params=DRAFT_RENDER_IDS)
def draft(request, drafts):
    if request.param not in drafts:
        pytest.skip("this draft sample has no blocking findings")
    return drafts[request.param]


def test_draft_flag_writes_files_and_exits_0(draft):
    assert draft.code == 0, draft.stderr
    assert draft.path("pdf").is_file() and draft.path("docx").is_file()
    assert (draft.outdir / "manifest.json").is_file()
    assert draft.manifest["complete"] is validate_bytes(draft.source.read_bytes()).complete
    assert draft.manifest["complete"] is (not draft.data["errors"])
    # a file marked DRAFT is named so, and says so in the manifest; the plan always is here
    reference = json.loads(draft.source.read_text(encoding="utf-8"))["person"]["reference"]
    assert draft.path("pdf").name == f"{reference}-plan-DRAFT.pdf"
    assert draft.manifest["draft"] is True
    for entry in draft.manifest["files"]:
        assert entry["path"].endswith(f"-DRAFT.{entry['path'].rsplit('.', 1)[1]}") is entry["draft"], entry


def test_every_pdf_page_of_a_draft_carries_the_watermark(draft, tmp_path):
    forms = _forms_drawn(draft.pdf)
    assert all(n >= 1 for n in forms), forms
    pixels = _watermark_pixels(draft.pdf, tmp_path)
    assert len(pixels) == len(forms)
    assert all(n > 100 for n in pixels), pixels


def test_page_1_of_a_draft_lists_each_missing_element(draft):
    first = draft.pdf_pages[0]
    assert contains(first, DRAFT_TITLE, loose=True)
    errors = draft.data["errors"]
    for finding in errors:
        assert contains(first, finding.rule, loose=True), finding.rule
        assert contains(first, finding.source, loose=True), finding.source
        assert contains(draft.docx_text, f"{finding.rule}: {finding.message} ({finding.source})"), finding.rule
    if not errors:
        assert contains(first, "This plan is a draft", loose=True)


def test_docx_header_of_a_draft_says_draft(draft):
    header = " ".join(docx_parts(draft.docx)["header"])
    assert DOCX_DRAFT_WORD in header
    assert contains(draft.docx_text, DRAFT_TITLE)


def test_a_final_complete_plan_is_not_marked(sample, tmp_path):
    if sample.data.get("status") == "draft":
        pytest.skip("this sample is a draft")
    assert _forms_drawn(sample.pdf) == [0] * len(sample.pdf_pages)
    assert max(_watermark_pixels(sample.pdf, tmp_path)) < 20
    assert not contains(sample.pdf_text, DRAFT_TITLE)
    header = " ".join(docx_parts(sample.docx)["header"])
    assert DOCX_DRAFT_WORD not in header
    assert not contains(sample.docx_text, DRAFT_TITLE)


# --- a council's own profile: branding, wording and Word template --------------------------------

TESTSHIRE = "Testshire County Council"
MARKER = "TESTSHIRE TEMPLATE MARKER 7Q"


def _edited_template(path: Path) -> Path:
    """A copy of the built-in Word shell with a marker sentence of the council's own just
    before the paragraph that says ``{{ body }}`` (where the document goes)."""
    document = open_docx(PLAN_DOCX)
    for paragraph in document.paragraphs:
        if paragraph.text.strip() == "{{ body }}":
            paragraph.insert_paragraph_before(MARKER)
            break
    else:
        raise AssertionError("the built-in shell has no {{ body }} paragraph")
    document.save(str(path))
    return path


@pytest.fixture(scope="session")
def testshire(tmp_path_factory):
    def make():
        root = tmp_path_factory.mktemp("testshire")
        (root / "testshire-logo.png").write_bytes((REPO / "assets" / "img" / "eastbrook-logo.png").read_bytes())
        _edited_template(root / "testshire-plan.docx")
        profile = root / "testshire.toml"
        profile.write_text(
            f'''name = "testshire"
title = "Testshire"
extends = "england"

[council]
name = "{TESTSHIRE}"
department = "Adults and Health"
address = ["County Hall", "Testshire", "TS1 1AA"]
phone = "01234 567890"
email = "care@testshire.example.gov.uk"
website = "www.testshire.example.gov.uk"
logo = "testshire-logo.png"
logo_alt = "{TESTSHIRE} logo"

[wording.plan.heading]
needs = "What I need help with"

[templates.docx]
plan = "testshire-plan.docx"
''',
            encoding="utf-8",
        )
        # sample 01, with the places in the person's own text renamed too, so that any
        # "Eastbrook" left in the output can only be the default council's branding
        text = (REPO / "samples" / "plans" / "01-older-person-home-care.json").read_text(encoding="utf-8")
        src = root / "testshire-plan-input.json"
        src.write_text(text.replace("Eastbrook", "Testville").replace("eastbrook", "testville"), encoding="utf-8")
        return render_cli_all(src, root / "out", "--profile", profile)

    return session_cached("testshire", make)


def test_profile_render_exits_0(testshire):
    assert testshire.code == 0, testshire.stderr
    assert testshire.manifest["profile"] == "testshire"


def test_profile_branding_replaces_the_default_council(testshire):
    for name, text, loose in (("pdf", testshire.pdf_text, True), ("docx", testshire.docx_text, False)):
        assert contains(text, TESTSHIRE, loose), name
        assert contains(text, "care@testshire.example.gov.uk", loose), name
        assert contains(text, "01234 567890", loose), name
        assert "eastbrook" not in text.lower(), name
    with pikepdf.open(io.BytesIO(testshire.pdf)) as pdf:
        assert str(pdf.docinfo["/Author"]) == TESTSHIRE
        assert b"eastbrook" not in pdf.Root.Metadata.read_bytes().lower()
        assert TESTSHIRE.encode() in pdf.Root.Metadata.read_bytes()
    assert testshire.document.core_properties.author == TESTSHIRE
    with zipfile.ZipFile(io.BytesIO(testshire.docx)) as z:
        for part in z.namelist():
            if part.endswith((".xml", ".rels")):
                assert b"eastbrook" not in z.read(part).lower(), part


def test_profile_logo_alt_text_in_both(testshire):
    assert f'descr="{TESTSHIRE} logo"'.encode() in zipfile.ZipFile(io.BytesIO(testshire.docx)).read("word/document.xml")
    with pikepdf.open(io.BytesIO(testshire.pdf)) as pdf:
        alts = [str(el.get("/Alt")) for _depth, el in struct_elements(pdf.Root.StructTreeRoot) if el.get("/S") == "/Figure"]
    assert alts == [f"{TESTSHIRE} logo"]


def test_profile_wording_changes_the_heading_in_both(testshire):
    assert contains(testshire.pdf_text, "What I need help with", loose=True)
    headings = [p.text for p in testshire.document.paragraphs if p.style.name == "Heading 1"]
    assert "What I need help with" in headings
    assert "My needs" not in headings
    assert "My needs" not in testshire.pdf_text


def test_profile_word_template_is_used(testshire):
    assert MARKER in testshire.docx_text
    assert MARKER not in testshire.pdf_text  # the Word template does not touch the PDF
    entry = {(f["document"], f["format"]): f for f in testshire.manifest["files"]}["plan", "docx"]
    assert entry["template"] == "testshire-plan.docx"


def test_profile_that_only_renames_the_council_renders(tmp_path):
    profile = tmp_path / "renamed.toml"
    profile.write_text(
        f'extends = "england"\n[council]\nname = "{TESTSHIRE}"\n[wording.plan.heading]\nneeds = "What I need help with"\n',
        encoding="utf-8",
    )
    src = REPO / "samples" / "plans" / "01-older-person-home-care.json"
    rendered = render_cli_all(src, tmp_path / "out", "--profile", profile)
    assert rendered.code == 0, rendered.stderr
    assert contains(rendered.pdf_text, TESTSHIRE, loose=True)
    assert contains(rendered.docx_text, TESTSHIRE)
    assert contains(rendered.docx_text, "What I need help with")


def test_profile_template_that_does_not_exist_is_a_clear_error(tmp_path):
    profile = tmp_path / "broken.toml"
    (tmp_path / "logo.png").write_bytes((REPO / "assets" / "img" / "eastbrook-logo.png").read_bytes())
    profile.write_text(
        'extends = "england"\n[council]\nlogo = "logo.png"\n[templates.docx]\nplan = "no-such.docx"\n', encoding="utf-8"
    )
    src = REPO / "samples" / "plans" / "01-older-person-home-care.json"
    outdir = tmp_path / "out"
    code, out, err = cli(["render", src, "--all", "-o", outdir, "--profile", profile])
    assert code == 2
    assert "no-such.docx" in err
    assert "Traceback" not in out + err
    assert not outdir.exists()
