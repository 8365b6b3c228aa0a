"""The practitioners' page in headless Chromium (Debian's /usr/bin/chromium driven by
Playwright; no browser is downloaded): upload a plan, read the findings, download the
PDF, keyboard only, under the real Content-Security-Policy, and axe-core finds nothing.

``test_walk_through_with_screenshots`` drives the page step by step, runs axe-core at every
step, and takes the screenshots of docs/service.md; with DOCTOOL_PAGE_SHOTS=1 it writes them
to docs/images/page-*.png (the committed ones), otherwise next to the test's files."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip("headless tests need Debian's chromium at /usr/bin/chromium (apt-get install chromium)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="needs the playwright Python package (pip install playwright)")

from conftest import COMPLETE_SAMPLE, REPO  # noqa: E402
from test_service_server import KEY, running_server  # noqa: E402

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
AXE_DIR = REPO / "tools" / "axe"
DRAFT = REPO / "samples" / "drafts" / "01-no-advice.json"
IMAGES = REPO / "docs" / "images"
VIEWPORT = {"width": 1000, "height": 860}


def axe_script() -> Path:
    """axe.min.js from the npm package axe-core in tools/axe (installed with npm ci there,
    as scripts/axe.sh does, if it is not yet)."""
    candidates = [Path(os.environ["DOCTOOL_AXE_JS"])] if os.environ.get("DOCTOOL_AXE_JS") else []
    candidates.append(AXE_DIR / "node_modules" / "axe-core" / "axe.min.js")
    for c in candidates:
        if c.is_file():
            return c
    if (AXE_DIR / "package-lock.json").is_file() and shutil.which("npm"):
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=AXE_DIR, env={**os.environ, "CHROMEDRIVER_SKIP_DOWNLOAD": "true"}, check=False, timeout=600,
        )
        if candidates[-1].is_file():
            return candidates[-1]
    pytest.fail("axe-core is not installed: run 'npm ci' in tools/axe (or set DOCTOOL_AXE_JS to axe.min.js)")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("page")
    with running_server(folder / "data", folder / "server.log", DOCTOOL_RENDER_WORKERS="1") as s:
        yield s


@pytest.fixture(scope="module")
def browser() -> Iterator:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser, server):
    """A fresh page under the service's real CSP; any console error or CSP report fails the test."""
    context = browser.new_context(accept_downloads=True, viewport=VIEWPORT)
    pg = context.new_page()
    problems: list[str] = []
    pg.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: problems.append(str(e)))
    pg.goto(server.url + "/")
    yield pg
    context.close()
    # fetch() answers of 4xx are logged by Chromium as "Failed to load resource"; only those are allowed
    unexpected = [p for p in problems if "Failed to load resource" not in p]
    assert not unexpected, unexpected


def check_plan(page, plan: Path, key: str = KEY) -> None:
    page.fill("#api-key", key)
    page.set_input_files("#plan-file", str(plan))
    page.click("#check-button")


def axe_violations(page) -> list:
    """axe-core's violations (every rule: WCAG 2.1 A/AA and best practice) on the page as it
    is now. axe is evaluated through the DevTools protocol, which the page's CSP does not
    govern, so the page itself stays under its real policy."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(axe_script().read_text(encoding="utf-8") + "\n;undefined")
    found = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
    return [(v["id"], v["help"], [n["target"] for n in v["nodes"]]) for v in found]


def assert_axe_clean(page) -> None:
    violations = axe_violations(page)
    assert violations == [], violations


def shot(page, name: str, tmp_path: Path, height: int = VIEWPORT["height"]) -> Path:
    """The page as it is now (the viewport, ``height`` pixels tall), as
    docs/images/page-NAME.png with DOCTOOL_PAGE_SHOTS=1, otherwise in the test's folder."""
    folder = IMAGES if os.environ.get("DOCTOOL_PAGE_SHOTS") == "1" else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"page-{name}.png"
    scroll = page.evaluate("window.scrollY")
    page.set_viewport_size({"width": VIEWPORT["width"], "height": height})
    page.evaluate("(y) => window.scrollTo(0, y)", scroll)
    page.screenshot(path=str(path))
    page.set_viewport_size(VIEWPORT)
    assert path.read_bytes().startswith(b"\x89PNG") and path.stat().st_size > 10_000
    return path


def error_summary_links(page) -> list[tuple[str, str]]:
    return [tuple(x) for x in page.locator("#error-list a").evaluate_all("(as) => as.map((a) => [a.textContent, a.getAttribute('href')])")]


def test_walk_through_with_screenshots(page, tmp_path):
    """What a social worker does, step by step, under the real CSP, axe-clean at every step:
    the landing page; a draft plan's findings (where first, details with the law linked) and,
    on asking for the final PDF, the "There is a problem" summary linking to each blocking
    finding; the marked draft named -DRAFT; a complete plan naming the person and offering
    what they asked for (large print, 18 pt) first; the PDF preview."""
    # 1. landing
    assert_axe_clean(page)
    shot(page, "landing", tmp_path)

    # 2. a draft: findings, then the error summary when the final PDF is asked for
    check_plan(page, DRAFT)
    page.wait_for_selector("#downloads:not([hidden])")
    assert "Plan for Bernard Ernest Fairweather (Bernie), reference ASC-119578" in page.inner_text("#whose")
    first = page.locator("#finding-error-0")
    assert first.locator(".where").inner_text() == "Information and advice"
    assert first.locator("details").get_attribute("open") is None  # rule, path and source wait under "Details"
    first.locator("summary").click()  # open in the screenshot too
    details = first.locator("details").inner_text()
    assert "CA-25-1-f" in details and "$.advice" in details and "Care Act 2014 s25(1)(f)" in details
    link = first.locator("details a")
    assert link.get_attribute("href") == "https://www.legislation.gov.uk/ukpga/2014/23/section/25"
    assert "legislation.gov.uk" in link.inner_text()
    assert_axe_clean(page)
    page.evaluate("document.getElementById('results').scrollIntoView()")
    shot(page, "draft-findings", tmp_path, height=1100)
    page.click("button.download[data-document='plan'][data-format='pdf']")
    page.wait_for_selector("#error-summary:not([hidden])")
    assert page.evaluate("document.activeElement.id") == "error-summary"
    assert page.inner_text("#error-summary h2") == "There is a problem"
    links = error_summary_links(page)
    assert ("Information and advice: No information and advice is recorded.", "#finding-error-0") in links
    assert links[-1][1] == "#draft"
    page.evaluate("window.scrollTo(0, 0)")
    assert_axe_clean(page)
    shot(page, "draft-error-summary", tmp_path)
    # the summary's link takes the keyboard to the finding
    page.click("#error-list a[href='#finding-error-0']")
    assert page.evaluate("document.activeElement.id") == "finding-error-0"
    # a marked draft is named as one
    page.check("#draft")
    with page.expect_download() as info:
        page.click("button.download[data-document='plan'][data-format='pdf']")
    assert info.value.suggested_filename == "ASC-119578-plan-DRAFT.pdf"
    assert page.locator("#error-summary").is_hidden()

    # 3. a complete plan: whose it is, what Peggy asked for first
    page.set_input_files("#plan-file", str(COMPLETE_SAMPLE))
    page.click("#check-button")
    page.wait_for_selector("#downloads:not([hidden])")
    assert "Plan for Margaret Ellen Dawson (Peggy), reference ASC-104233" in page.inner_text("#whose")
    assert page.inner_text("#asked-heading") == "What Peggy asked for"
    assert page.inner_text("#asked-text") == "Peggy asked for large print, 18 pt."
    asked = page.locator("#asked-list button").all_inner_texts()
    assert asked[:2] == ["Download care and support plan: Large print PDF (18 pt)", "Download care and support plan: Large print Word (18 pt)"]
    assert asked[-1] == "Download everything Peggy needs: standard copies and large print, 18 pt (zip)"
    # the person's formats come before the documents' own buttons
    assert page.evaluate("document.getElementById('asked').compareDocumentPosition(document.getElementById('document-list')) & 4")
    with page.expect_download() as info:
        page.click("#asked-list button[data-document='plan'][data-format='large-print-pdf']")
    assert info.value.suggested_filename == "ASC-104233-plan-large-print.pdf"
    assert Path(info.value.path()).read_bytes().startswith(b"%PDF-")
    with page.expect_download() as info:
        page.click("#asked-list button[data-set='for-person']")
    assert info.value.suggested_filename == "ASC-104233-for-person.zip"
    assert_axe_clean(page)
    page.evaluate("document.getElementById('downloads').scrollIntoView()")
    shot(page, "formats", tmp_path, height=1100)

    # 4. the preview: the PDF in a frame, named, with a download fallback
    page.click("button.preview[data-document='plan']")
    page.wait_for_selector("#preview:not([hidden])")
    assert page.evaluate("document.activeElement.id") == "preview-heading"
    assert page.inner_text("#preview-heading") == "Preview: Care and support plan for Margaret Ellen Dawson"
    assert "ASC-104233-plan.pdf" in page.inner_text("#preview-text")
    src = page.get_attribute("#preview-frame", "src")
    assert src and src.startswith("blob:")
    assert page.get_attribute("#preview-frame", "title") == "Preview of the care and support plan for Margaret Ellen Dawson (PDF)"
    assert page.get_attribute("#preview-download", "download") == "ASC-104233-plan.pdf"
    assert page.get_attribute("#preview-download", "href") == src  # the fallback is the same file
    page.wait_for_timeout(1500)  # the PDF viewer draws the first page
    assert_axe_clean(page)
    page.evaluate("document.getElementById('preview').scrollIntoView()")
    shot(page, "preview", tmp_path, height=1100)
    with page.expect_download() as info:
        page.click("#preview-download")
    assert info.value.suggested_filename == "ASC-104233-plan.pdf"
    assert Path(info.value.path()).read_bytes().startswith(b"%PDF-")
    assert "To print it, use the printer button" in page.inner_text("#preview-text")
    page.click("#preview-close")
    assert page.locator("#preview").is_hidden()


def test_upload_see_findings_download_pdf(page):
    check_plan(page, COMPLETE_SAMPLE)
    page.wait_for_selector("#results:not([hidden])")
    assert "Nothing blocking is missing" in page.inner_text("#summary")
    page.wait_for_selector("#downloads:not([hidden])")
    buttons = page.locator("button.download")
    labels = buttons.all_inner_texts()
    assert "Download PDF" in labels and "Download Word (.docx)" in labels
    with page.expect_download() as info:
        page.click("button.download[data-document='plan'][data-format='pdf']")
    download = info.value
    assert download.suggested_filename == "ASC-104233-plan.pdf"
    assert Path(download.path()).read_bytes().startswith(b"%PDF-")
    page.wait_for_function("document.getElementById('status').textContent.includes('Downloaded')")


def test_the_page_shows_validates_findings_and_offers_every_format_and_the_sets(page):
    """The findings are /v1/validate's (sample 01's easy-read warnings too); each document
    offers every other format in a list, and the sets download as zips."""
    check_plan(page, COMPLETE_SAMPLE)
    page.wait_for_selector("#downloads:not([hidden])")
    from doctool.pipeline import prepare

    warnings = len(prepare(COMPLETE_SAMPLE.read_bytes()).report.warnings)  # what validate says, however many
    assert warnings and f"Warnings: advice, not blocking ({warnings})" in page.inner_text("#findings")
    page.locator("#findings details").evaluate_all("(ds) => ds.forEach((d) => { d.open = true; })")
    assert "ER-SENTENCE-LENGTH" in page.inner_text("#findings")
    options = page.locator("#format-plan option").evaluate_all("(os) => os.map((o) => o.value)")
    assert options == ["large-print-pdf", "large-print-docx", "clear-print-pdf", "clear-print-docx", "braille", "audio", "txt", "html"]
    page.select_option("#format-plan", "braille")
    with page.expect_download() as info:
        page.click("button.download-other[data-document='plan']")
    assert info.value.suggested_filename == "ASC-104233-plan.brf"
    with page.expect_download() as info:
        page.click("button.download-set[data-set='all']")
    assert info.value.suggested_filename == "ASC-104233-all.zip"
    assert Path(info.value.path()).read_bytes().startswith(b"PK")


def test_a_person_who_asked_for_nothing_else_is_told_so(page):
    """Sample 01 of the letters is a charging letter record: the recipient is named, no
    other format was asked for, and the for-person set is still offered with the others."""
    check_plan(page, REPO / "samples" / "letters" / "01-pending.json")
    page.wait_for_selector("#downloads:not([hidden])")
    assert page.inner_text("#whose") == "Letter for Mr Samuel Okoro, reference ASC-220871"
    assert "has not asked for another format" in page.inner_text("#asked-text")
    assert page.locator("#asked-list button").count() == 0
    assert page.locator("button.download-set[data-set='for-person']").count() == 1


def test_a_review_record_is_checked_and_made_like_a_plan(page, tmp_path):
    """A review that changes what the person pays: whose review it is, validate's findings
    (the letter's estimate warning, named by the review's part), the review and its charging
    letter to download; what Derek asked for (large print) first; axe finds nothing."""
    review = REPO / "samples" / "reviews" / "03-carer-cannot-cope-revised-plan.json"
    check_plan(page, review)
    page.wait_for_selector("#downloads:not([hidden])")
    assert page.inner_text("#whose") == "Review for Derek John Hollis, reference ASC-120331"
    assert page.inner_text("#downloads-note") == "These documents apply to this review."
    assert "Warnings: advice, not blocking (1)" in page.inner_text("#findings")
    page.locator("#findings details").evaluate_all("(ds) => ds.forEach((d) => { d.open = true; })")
    findings = page.inner_text("#findings")
    assert "Financial assessment" in findings and "CL-FIGURES-ESTIMATE" in findings
    documents = page.locator("button.download[data-format='pdf']").evaluate_all("(bs) => bs.map((b) => b.dataset.document)")
    assert set(documents) == {"review", "charging-letter"}
    assert page.locator("#asked-list button[data-format='large-print-pdf']").count() >= 1
    for document in ("review", "charging-letter"):
        with page.expect_download() as info:
            page.click(f"button.download[data-document='{document}'][data-format='pdf']")
        assert info.value.suggested_filename == f"ASC-120331-{document}.pdf"
        assert Path(info.value.path()).read_bytes().startswith(b"%PDF-")
    assert_axe_clean(page)
    page.evaluate("document.getElementById('downloads').scrollIntoView()")
    shot(page, "review", tmp_path, height=1100)


def test_a_word_file_is_explained(page, tmp_path):
    """A .docx (a zip) dropped by mistake: said plainly, with the way to the JSON export, in
    the error summary and by the field; nothing is sent to the service."""
    docx = tmp_path / "Peggy care plan.docx"
    docx.write_bytes(b"PK\x03\x04" + b"\x14\x00\x06\x00" + b"[Content_Types].xml" + b"\x00" * 64)
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url) if "/v1/" in r.url else None)
    check_plan(page, docx)
    page.wait_for_selector("#error-summary:not([hidden])")
    text = page.inner_text("#error-summary")
    assert "There is a problem" in text
    assert "“Peggy care plan.docx” is a Word document" in text and "JSON export" in text
    assert "UTF-8" not in text
    assert error_summary_links(page)[0][1] == "#plan-file"
    assert page.locator("#plan-file-error").is_visible()
    assert "Word document" in page.inner_text("#plan-file-error")
    assert "plan-file-error" in (page.get_attribute("#plan-file", "aria-describedby") or "")
    assert page.evaluate("document.activeElement.id") == "error-summary"
    assert requests == []
    assert_axe_clean(page)


def test_paste_instead_of_upload(page):
    page.fill("#api-key", KEY)
    page.fill("#plan-text", COMPLETE_SAMPLE.read_text(encoding="utf-8"))
    page.click("#check-button")
    page.wait_for_selector("#downloads:not([hidden])")


def test_schema_errors_are_shown_with_their_paths(page):
    page.fill("#api-key", KEY)
    page.fill("#plan-text", '{"plan_id": "X", "colour": "blue"}')
    page.click("#check-button")
    page.wait_for_selector("#results:not([hidden])")
    assert "does not fit the schema" in page.inner_text("#summary")
    findings = page.inner_text("#findings")
    assert "The field colour\n\nis not a field of this schema" in findings  # named first, before "Details"
    assert "The field schema_version\n\nis required but missing" in findings
    page.locator("#findings details").evaluate_all("(ds) => ds.forEach((d) => { d.open = true; })")
    assert "$.colour" in page.inner_text("#findings")
    assert page.locator("#downloads").is_hidden()


def test_wrong_key_is_explained_in_the_error_summary(page):
    check_plan(page, COMPLETE_SAMPLE, key="not-the-key")
    page.wait_for_selector("#error-summary:not([hidden])")
    assert "API key was not accepted" in page.inner_text("#error-summary")
    assert error_summary_links(page)[0][1] == "#api-key"
    assert "API key was not accepted" in page.inner_text("#api-key-error")
    page.click("#error-list a")
    assert page.evaluate("document.activeElement.id") == "api-key"
    assert page.evaluate("sessionStorage.length") == 0  # a refused key is not kept
    assert_axe_clean(page)


def test_nothing_chosen_is_explained(page):
    page.fill("#api-key", KEY)
    page.click("#check-button")
    page.wait_for_selector("#error-summary:not([hidden])")
    assert "Choose the plan's JSON file" in page.inner_text("#error-summary")
    assert error_summary_links(page)[0][1] == "#plan-file"


def test_keyboard_only(page):
    """Tab from the top reaches every control in order; Enter checks; a download button
    is reached with Tab and works with Enter; a finding's details open with Enter."""
    order = []
    for _ in range(8):
        page.keyboard.press("Tab")
        order.append(page.evaluate("document.activeElement.id || document.activeElement.className"))
    assert order[:6] == ["skip-link", "api-key", "plan-file", "plan-text", "profile", "check-button"], order
    page.focus("#api-key")
    page.keyboard.type(KEY)
    page.focus("#plan-text")
    page.keyboard.insert_text(DRAFT.read_text(encoding="utf-8"))
    page.focus("#check-button")
    page.keyboard.press("Enter")
    page.wait_for_selector("#downloads:not([hidden])")
    assert page.evaluate("document.activeElement.id") == "results-heading"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.tagName") == "SUMMARY"
    page.keyboard.press("Enter")
    assert page.locator("#finding-error-0 details").get_attribute("open") is not None
    page.keyboard.press("Space")  # a space on the finding's summary closes it again
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "draft":
            break
    else:
        pytest.fail("the draft box cannot be reached with Tab")
    page.keyboard.press("Space")
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.dataset.format") == "pdf":
            break
    else:
        pytest.fail("the PDF download button cannot be reached with Tab")
    with page.expect_download() as info:
        page.keyboard.press("Enter")
    assert info.value.suggested_filename == "ASC-119578-plan-DRAFT.pdf"


def test_the_key_is_kept_for_the_tab_only_and_can_be_forgotten(page):
    """After a check the key is in sessionStorage (this tab, until it closes), never in
    localStorage or a cookie; a reload keeps it; "Forget the key" removes it."""
    check_plan(page, COMPLETE_SAMPLE)
    page.wait_for_selector("#results:not([hidden])")
    assert page.evaluate("[localStorage.length, document.cookie]") == [0, ""]
    assert page.evaluate("sessionStorage.getItem('doctool-api-key')") == KEY
    assert page.get_attribute("#api-key", "type") == "password"
    page.reload()
    assert page.input_value("#api-key") == KEY
    assert page.locator("#forget-key").is_visible()
    page.click("#forget-key")
    assert page.input_value("#api-key") == ""
    assert page.evaluate("[sessionStorage.length, localStorage.length]") == [0, 0]
    assert page.locator("#forget-key").is_hidden()
    assert page.evaluate("document.activeElement.id") == "api-key"
    page.reload()
    assert page.input_value("#api-key") == ""


def test_a_new_tab_does_not_get_the_key(browser, server):
    """sessionStorage belongs to one tab: another tab (another context here) starts empty."""
    first = browser.new_context()
    try:
        pg = first.new_page()
        pg.goto(server.url + "/")
        check_plan(pg, COMPLETE_SAMPLE)
        pg.wait_for_selector("#results:not([hidden])")
        other = first.new_page()
        other.goto(server.url + "/")
        assert other.input_value("#api-key") == ""
    finally:
        first.close()
