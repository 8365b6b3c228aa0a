"""The practitioners' page in headless Chromium (Debian's /usr/bin/chromium driven by
Playwright; no browser is downloaded): upload a plan, read the findings, download the
PDF, keyboard only, under the real Content-Security-Policy, and axe-core finds nothing."""

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

from test_service_server import KEY, running_server  # noqa: E402

from conftest import COMPLETE_SAMPLE, REPO  # noqa: E402

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
    context = browser.new_context(accept_downloads=True)
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


def test_the_page_shows_validates_findings_and_offers_every_format_and_the_person_set(page):
    """The findings are /v1/validate's (sample 01's easy-read warnings too); each document
    offers its accessible formats in a list, and the sets download as zips."""
    check_plan(page, COMPLETE_SAMPLE)
    page.wait_for_selector("#downloads:not([hidden])")
    assert "Warnings: advice, not blocking (2)" in page.inner_text("#findings")
    assert "ER-SENTENCE-LENGTH" in page.inner_text("#findings")
    options = page.locator("#format-plan option").evaluate_all("(os) => os.map((o) => o.value)")
    assert options == ["large-print-pdf", "large-print-docx", "clear-print-pdf", "clear-print-docx", "braille", "audio", "txt", "html"]
    page.select_option("#format-plan", "braille")
    with page.expect_download() as info:
        page.click("button.download-other[data-document='plan']")
    assert info.value.suggested_filename == "ASC-104233-plan.brf"
    with page.expect_download() as info:
        page.click("button.download-set[data-set='for-person']")
    assert info.value.suggested_filename == "ASC-104233-for-person.zip"
    assert Path(info.value.path()).read_bytes().startswith(b"PK")


def test_findings_grouped_by_severity_with_rule_and_source(page):
    check_plan(page, DRAFT)
    page.wait_for_selector("#results:not([hidden])")
    assert "blocking item" in page.inner_text("#summary")
    blocking = page.inner_text("#findings-error")
    assert blocking.startswith("Blocking")
    first = page.locator("ul[aria-labelledby='findings-error'] li.finding").first
    text = first.inner_text()
    assert "Rule" in text and "Source:" in text and "Field: $" in text
    assert "CA-" in page.inner_text("#findings")
    # without the draft box the plan is refused, with the missing items listed; ticking it gives a marked draft
    page.wait_for_selector("#downloads:not([hidden])")
    pdf = page.locator("button.download[data-document='plan'][data-format='pdf']")
    pdf.click()
    page.wait_for_selector("#error:not([hidden])")
    assert "cannot be issued as final" in page.inner_text("#error") and "CA-" in page.inner_text("#error")
    page.check("#draft")
    with page.expect_download() as info:
        pdf.click()
    assert Path(info.value.path()).read_bytes().startswith(b"%PDF-")


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
    assert "$.colour" in page.inner_text("#findings")
    assert page.locator("#downloads").is_hidden()


def test_wrong_key_is_explained(page):
    check_plan(page, COMPLETE_SAMPLE, key="not-the-key")
    page.wait_for_selector("#error:not([hidden])")
    assert "API key was not accepted" in page.inner_text("#error")


def test_nothing_chosen_is_explained(page):
    page.fill("#api-key", KEY)
    page.click("#check-button")
    page.wait_for_selector("#error:not([hidden])")
    assert "Choose a plan file" in page.inner_text("#error")


def test_keyboard_only(page):
    """Tab from the top reaches every control in order; Enter checks; a download button
    is reached with Tab and works with Enter."""
    order = []
    for _ in range(8):
        page.keyboard.press("Tab")
        order.append(page.evaluate("document.activeElement.id || document.activeElement.className"))
    assert order[:6] == ["skip-link", "api-key", "plan-file", "plan-text", "profile", "check-button"], order
    page.focus("#api-key")
    page.keyboard.type(KEY)
    page.focus("#plan-text")
    page.keyboard.insert_text(COMPLETE_SAMPLE.read_text(encoding="utf-8"))
    page.focus("#check-button")
    page.keyboard.press("Enter")
    page.wait_for_selector("#downloads:not([hidden])")
    assert page.evaluate("document.activeElement.id") == "results-heading"
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.dataset.format") == "pdf":
            break
    else:
        pytest.fail("the PDF download button cannot be reached with Tab")
    with page.expect_download() as info:
        page.keyboard.press("Enter")
    assert info.value.suggested_filename.endswith(".pdf")


def test_the_key_is_not_stored(page):
    check_plan(page, COMPLETE_SAMPLE)
    page.wait_for_selector("#results:not([hidden])")
    stored = page.evaluate("[localStorage.length, sessionStorage.length, document.cookie]")
    assert stored == [0, 0, ""]
    assert page.get_attribute("#api-key", "type") == "password"


def run_axe(page) -> list[dict]:
    page.add_script_tag(path=str(axe_script()))
    return page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")


def test_axe_finds_no_violations(browser, server):
    """axe-core (every rule, WCAG 2.1 A/AA and best practice) on the empty page and on the
    page showing findings and downloads. axe is injected, so this context bypasses CSP;
    the other tests run under the real policy."""
    context = browser.new_context(bypass_csp=True)
    pg = context.new_page()
    try:
        pg.goto(server.url + "/")
        violations = run_axe(pg)
        assert violations == [], [(v["id"], v["help"], [n["target"] for n in v["nodes"]]) for v in violations]
        check_plan(pg, DRAFT)
        pg.wait_for_selector("#downloads:not([hidden])")
        violations = pg.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
        assert violations == [], [(v["id"], v["help"], [n["target"] for n in v["nodes"]]) for v in violations]
    finally:
        context.close()


def test_screenshot_for_review(page, tmp_path):
    """Not an assertion of looks: leaves a screenshot next to the test's files for a person."""
    check_plan(page, DRAFT)
    page.wait_for_selector("#downloads:not([hidden])")
    shot = tmp_path / "page.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
