"""The easy-read plan, composed from the plan (and the easy-read review, from a review record): pictures on the left, short sentences on the right.

The sentences come from :mod:`doctool.easyread.compose` (the person's own easy-read words,
or wording patterns filled from the data); this module turns that composition into the
one document model, with each picture chosen from the council's picture book.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from doctool.compose.common import bullets, draft_state, letterhead, para, section
from doctool.document import Document, Field, Fields, Illustrated, Meta, Phrase, Picture, Section, Term, Text
from doctool.easyread.compose import Block, Composition, compose
from doctool.easyread.pages import estimate_pages, outline
from doctool.easyread.pictures import PictureBook, PictureFile, word_pngs
from doctool.easyread.readability import HardWords
from doctool.easyread.review import compose_review
from doctool.easyread.sentences import Sentence
from doctool.findings import Report
from doctool.model.plan import Plan, PlanStatus
from doctool.model.review import ReviewRecord
from doctool.profiles import Profile
from doctool.wording import Wording


def _text(s: Sentence, hard: HardWords | None) -> Text:
    """A sentence, with the hard words the word list explains marked as terms (bold)."""
    if hard is None:
        return s.text
    parts = hard.parts(s.text)
    if not any(p["bold"] for p in parts):
        return s.text
    return Phrase(tuple(Term(p["text"]) if p["bold"] else p["text"] for p in parts))


class _Pictures:
    """Each concept's picture once, with a PNG beside any SVG for Word."""

    def __init__(self, book: PictureBook, size_mm: float) -> None:
        self.book, self.size, self.files = book, size_mm, {}  # type: ignore[var-annotated]

    def note(self, concept: str) -> None:
        if concept not in self.files:
            self.files[concept] = self.book.get(concept)

    def pictures(self) -> dict[str, Picture]:
        files: list[PictureFile] = list(self.files.values())
        pngs = word_pngs(files)
        return {f.concept: Picture(f.path, f.alt, self.size, pngs.get(f.concept)) for f in files}


def _illustrated(b: Block, pics: dict[str, Picture], hard: HardWords | None, sign: tuple[str, ...]) -> Illustrated:
    picture = pics[b.picture]
    return Illustrated(
        # the alt text says what the picture means here ("A bus: help to get out and about")
        picture=replace(picture, alt=b.alt) if b.alt else picture,
        sentences=tuple(_text(s, hard) for s in b.sentences),
        items=tuple(_text(s, hard) for s in b.items),
        emphasis=tuple(i for i, s in enumerate(b.sentences) if s.strong),
        sign_here=sign if b.sign_here else (),
    )


def compose_easyread(plan: Plan, profile: Profile, report: Report, draft: bool) -> Document:
    """The easy-read plan as a document."""
    w = Wording("easyread", profile)
    text = w["text"]
    return _document(
        compose(plan, profile), profile, report,
        draft or plan.status is PlanStatus.draft or not report.complete,
        Meta(
            kind="easyread",
            title="",
            person=plan.person.full_name,
            reference=plan.person.reference,
            date=plan.plan_date,
            footer=text["footer"],
        ),
        list(text["draft_sentences"]),
        w["heading"]["contents"],
    )


def compose_easyread_review(review: ReviewRecord, profile: Profile, report: Report, draft: bool) -> Document:
    """The easy-read review (the person's easy-read copy of a review of their plan) as a document."""
    t: dict[str, Any] = Wording("easyread", profile).data["review_record"]
    return _document(
        compose_review(review, profile), profile, report,
        draft or not report.complete,
        Meta(
            kind="easyread-review",
            title="",
            person=review.person.full_name,
            reference=review.person.reference,
            date=review.review_date,
            footer=t["footer"],
        ),
        list(t["draft_sentences"]),
        t["heading"]["contents"],
    )


def _document(
    comp: Composition, profile: Profile, report: Report, is_draft: bool, meta: Meta, draft_sentences: list[str], contents: str
) -> Document:
    """An easy-read composition laid out as a document: each idea a picture and its sentences."""
    w = Wording("easyread", profile)
    text = w["text"]
    size = float(comp.settings["picture_mm"])
    book = _Pictures(PictureBook(profile), size)
    draft_block = Block("draft", [Sentence(t, "$", personal=False) for t in draft_sentences]) if is_draft else None
    for b in [*comp.cover, *(b for s in comp.sections for b in s.blocks), *([draft_block] if draft_block else [])]:
        book.note(b.picture)
    pics = book.pictures()
    sign = (w["agree"]["sign_here"], w["agree"]["date_here"])
    hard = comp.hard
    # A long plan would pass the page limit with a new page for every section: then the
    # sections follow on one after another.
    compact = estimate_pages(outline(comp)) > int(comp.settings["max_pages"]) - 1
    marking: list[Any] = []
    if draft_block is not None:
        marking.append(_illustrated(draft_block, pics, hard, sign))
        rules = sorted({f.rule for f in report.errors})
        if rules:
            marking += [para(text["draft_staff"], "muted"), bullets(rules)]
    preamble = [_illustrated(b, pics, hard, sign) for b in comp.cover]
    sections: list[Section] = []
    for sec in comp.sections:
        blocks: list[Any] = [_illustrated(b, pics, hard, sign) for b in sec.blocks]
        if sec.key == "words" and comp.glossary:
            blocks.append(
                Fields(
                    tuple(Field(word, " ".join(s.text for s in explanation)) for word, explanation in comp.glossary),
                    text["words_table"],  # its own name: a screen reader says it on entering the table
                )
            )
        style = "new-page" if sec.new_page and not compact else ""
        sections.append(section(sec.heading, *blocks, key=sec.key, style=style))
    return Document(
        meta=replace(meta, title=comp.title, subtitle=(comp.name, comp.date)),
        letterhead=letterhead(profile),
        draft=replace(
            draft_state(is_draft, report, {**text, "draft_title": "", "draft_intro": "", "draft_status": ""}),
            blocks=tuple(b for b in marking if b is not None),
        ),
        sections=tuple(sections),
        preamble=tuple(b for b in preamble if b is not None),
        words={"contents": contents, "page": text["page"], "of": text["of"], "picture_mm": f"{size:g}"},
    )
