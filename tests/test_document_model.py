"""Fast tests of each stage of the one document model, on tiny inputs: values, composing,
the HTML layout, and prepare(). No PDF, Word, LibreOffice, Chromium or espeak."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import html as lxml_html

from doctool import pipeline
from doctool.compose.plan import compose_plan
from doctool.document import (
    Date,
    Document,
    Draft,
    Email,
    Field,
    Fields,
    Letterhead,
    Meta,
    Money,
    Paragraph,
    Phone,
    Phrase,
    Postcode,
    Reference,
    Section,
    Table,
    Term,
    fill,
    printed,
    spoken,
)
from doctool.documents import DOCUMENTS
from doctool.loading import load_document_bytes
from doctool.profiles import load_profile
from doctool.render.html import render_html

from conftest import COMPLETE_SAMPLE, REPO

ENGLAND = load_profile("england")


# --- values: printed and spoken ---------------------------------------------------------


def test_values_have_a_printed_and_a_spoken_form() -> None:
    assert Money(Decimal("1234.5"), "weekly").printed == "£1,234.50 a week"
    assert Money(Decimal("1234.5"), "weekly").spoken == "1,234 pounds 50 a week"
    assert Money(Decimal("120"), whole_pounds=True).printed == "£120"
    assert Money(Decimal("1")).spoken == "1 pound"
    assert Date(dt.date(2027, 1, 5)).printed == "5 January 2027"
    assert Phone("0300 123 4567").spoken == "zero three zero zero, one two three, four five six seven"
    assert Postcode("TS1 1AA").spoken == "T S 1, 1 A A"
    assert Email("care@testshire.gov.uk").spoken == "care at testshire dot gov dot uk"
    assert Reference("ASC-12").spoken == "A S C, 1 2"


def test_fill_keeps_values_as_values() -> None:
    text = fill("Pay {amount} from {date}, {name}.", amount=Money(Decimal(5), "weekly"), date=Date(dt.date(2027, 4, 6)), name="Peggy")
    assert isinstance(text, Phrase)
    assert printed(text) == "Pay £5.00 a week from 6 April 2027, Peggy."
    assert spoken(text) == "Pay 5 pounds a week from 6 April 2027, Peggy."
    assert fill("No {placeholder} here", other="x") == "No {placeholder} here"


@given(st.text(max_size=60))
def test_fill_never_evaluates_the_data(value: str) -> None:
    """A value is placed, never read as a pattern: braces or format codes in data stay text."""
    assert printed(fill("[{v}]", v=value)) == f"[{value}]"


def test_an_explained_word_is_bold_in_html_and_plain_when_spoken() -> None:
    phrase = Phrase(("An ", Term("advocate"), " <helps> me."))
    assert phrase.__html__() == "An <strong>advocate</strong> &lt;helps&gt; me."
    assert spoken(phrase) == "An advocate <helps> me."


# --- composing ----------------------------------------------------------------------------


def test_the_plan_is_composed_in_the_order_a_reader_needs() -> None:
    plan = load_document_bytes(COMPLETE_SAMPLE.read_bytes())
    doc = compose_plan(plan, ENGLAND, DOCUMENTS["plan"].check(plan, ENGLAND), False)
    parts = [s.heading for s in doc.sections if s.level == 2]
    assert parts == [
        "About me",
        "My needs",
        "What I want to achieve",
        "My personal budget",
        "Information and advice",
        "Keeping safe",
        "Other plans",
        "Reviewing my plan",
        "Agreement",
    ]
    assert [s.key for s in doc.sections if s.style == "card" and s.key.startswith("N")] == [n.id for n in plan.needs]
    assert not doc.draft.on and doc.meta.date == plan.plan_date


def test_a_draft_plan_marks_every_document_made_from_it() -> None:
    prepared = pipeline.prepare((REPO / "samples" / "drafts" / "01-no-advice.json").read_bytes())
    assert prepared.record.status.value == "draft"
    assert all(d.document.draft.on for d in prepared.documents.values())


# --- the HTML layout ------------------------------------------------------------------------


def _tiny(text: str) -> Document:
    return Document(
        meta=Meta("plan", "My plan", "Peggy", "ASC-1", dt.date(2027, 1, 5), "Private"),
        letterhead=Letterhead("Testshire County Council"),
        draft=Draft(False),
        sections=(
            Section("About me", (Paragraph(text), Fields((Field("Phone", Phone("0300 000 0000")),)))),
            Section("Costs", (Table(("What", "Amount"), (("Care", Money(Decimal(10), "weekly")),), numeric=(1,), totals=(0,)),), level=3),
        ),
    )


def test_the_html_layout_places_every_block_and_escapes_the_data() -> None:
    hostile = 'Tom & Jerry <b>{{ 7*7 }}</b> <img src="file:///etc/passwd">'
    page = render_html(_tiny(hostile), "plan.html.j2")
    root = lxml_html.document_fromstring(page)
    assert root.get("lang") == "en-GB"
    assert [h.tag for h in root.iter("h1", "h2", "h3")] == ["h1", "h2", "h3"]
    assert hostile in root.text_content() and not root.xpath("//main//img") and not root.xpath("//main//b")
    assert root.xpath("//th[@scope='row']")[0].text_content() == "Phone"
    assert root.xpath("//td[@class='num']//strong")[0].text_content() == "£10.00 a week"


@pytest.mark.parametrize("name", list(DOCUMENTS))
def test_every_document_kind_has_a_template_that_takes_only_doc(name: str) -> None:
    from jinja2 import meta

    from doctool.render.templating import html_env

    kind = DOCUMENTS[name]
    env = html_env()
    source = env.loader.get_source(env, kind.html_template)[0]  # type: ignore[union-attr]
    assert meta.find_undeclared_variables(env.parse(source)) <= {"doc", "body_classes", "extra_css"}


# --- prepare: one report for every face -----------------------------------------------------


def test_prepare_merges_the_findings_of_every_document() -> None:
    prepared = pipeline.prepare((REPO / "samples" / "plans" / "02-learning-disability-direct-payment-pa.json").read_bytes())
    assert set(prepared.documents) == {"plan", "charging-letter", "dp-summary", "easyread"}
    assert set(prepared.report.findings) == {f for d in prepared.documents.values() for f in d.report.findings}
