"""The easy-read plan's view model: ready-formatted strings for the PDF and Word templates.

``build_easyread_view`` has the same signature as ``build_plan_view``, so the document
registry can treat easy read like any other document; ``pictures`` and ``extra_files``
give the Word renderer its pictures and the PDF renderer the files it may read.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from doctool.findings import Report
from doctool.easyread.compose import Block, Composition, compose
from doctool.easyread.pictures import PictureBook, PictureFile, word_pngs
from doctool.easyread.readability import HardWords
from doctool.easyread.sentences import Sentence
from doctool.model.plan import Plan, PlanStatus
from doctool.profiles import Profile
from doctool.render.docx import Picture
from doctool.view.common import council_view, document_meta
from doctool.wording import Wording

HTML_TEMPLATE = "easyread.html.j2"
DOCX_TEMPLATE = "easyread.docx"


def _sentence(s: Sentence, hard: HardWords | None) -> dict[str, Any]:
    parts = hard.parts(s.text) if hard else [{"text": s.text, "bold": False}]
    return {"text": s.text, "parts": parts, "strong": s.strong}


def _picture(pic: PictureFile) -> dict[str, str]:
    return {"concept": pic.concept, "word": f"pic_{pic.concept}", "src": pic.path.as_uri(), "alt": pic.alt, "path": str(pic.path)}


def _block(b: Block, book: PictureBook, hard: HardWords) -> dict[str, Any]:
    return {
        "picture": _picture(book.get(b.picture)),
        "sentences": [_sentence(s, hard) for s in b.sentences],
        "items": [_sentence(s, hard) for s in b.items],
        "sign_here": b.sign_here,
    }


def composition_view(comp: Composition, book: PictureBook) -> dict[str, Any]:
    """The parts of the view that come from the composition (cover, sections, word list)."""
    hard = comp.hard
    sections = []
    for sec in comp.sections:
        sections.append(
            {
                "key": sec.key,
                "id": f"er-{sec.key}",
                "heading": sec.heading,
                "new_page": sec.new_page,
                "blocks": [_block(b, book, hard) for b in sec.blocks],
                "glossary": (
                    [
                        {"word": word, "sentences": [_sentence(s, None) for s in explanation]}
                        for word, explanation in comp.glossary
                    ]
                    if sec.key == "words"
                    else []
                ),
            }
        )
    return {
        "cover": {
            "title": comp.title,
            "name": comp.name,
            "date": comp.date,
            "blocks": [_block(b, book, hard) for b in comp.cover],
        },
        "sections": sections,
    }


# Page arithmetic for estimate_pages (A4, the margins and sizes in easyread.css).
_BODY_MM = 297 - 28 - 26
_LINE_MM = 16 * 1.5 * 25.4 / 72
_CHAR_MM = 2.9  # average width of a character of Atkinson Hyperlegible at 16 pt
_TEXT_MM = 210 - 20 - 18


def _lines(text: str, width_mm: float) -> int:
    per_line = max(int(width_mm / _CHAR_MM), 10)
    lines, length = 1, 0
    for word in text.split():
        if length and length + 1 + len(word) > per_line:
            lines, length = lines + 1, len(word)
        else:
            length += (1 if length else 0) + len(word)
    return lines


def estimate_pages(view: dict[str, Any], compact: bool = False) -> int:
    """About how many pages the PDF will have: each main section on a new page, or, when
    ``compact``, one section straight after another (what a long plan gets)."""
    picture = view["picture_mm"]
    width = _TEXT_MM - picture - 10

    def block_mm(b: dict[str, Any]) -> float:
        rows = [*b["sentences"], *b["items"]]
        text = sum(_lines(s["text"], width) * _LINE_MM + 3 for s in rows) + (45 if b["sign_here"] else 0)
        return max(picture, text) + 11

    pages, used = 1, 120.0 + sum(block_mm(b) for b in view["cover"]["blocks"])
    pages, used = pages + 1, 25 + 12.0 * len(view["sections"])  # the contents page
    for sec in view["sections"]:
        if sec["new_page"] and not compact:
            pages, used = (pages + 1 if used > 0 else pages), 0.0
        used += 25 if sec["new_page"] and not compact else 35
        for b in sec["blocks"]:
            height = block_mm(b)
            if used + height > _BODY_MM:
                pages, used = pages + 1, 0.0
            used += height
        for entry in sec["glossary"]:
            used += sum(_lines(s["text"], _TEXT_MM - 64) * _LINE_MM for s in entry["sentences"]) + 6
            if used > _BODY_MM:
                pages, used = pages + 1, used - _BODY_MM
    return pages


def outline(comp: Composition) -> dict[str, Any]:
    """Just enough of the view to estimate the page count (no pictures needed)."""

    def block(b: Block) -> dict[str, Any]:
        return {"sentences": [{"text": x.text} for x in b.sentences], "items": [{"text": x.text} for x in b.items], "sign_here": b.sign_here}

    return {
        "picture_mm": float(comp.settings["picture_mm"]),
        "cover": {"blocks": [block(b) for b in comp.cover]},
        "sections": [
            {
                "new_page": sec.new_page,
                "blocks": [block(b) for b in sec.blocks],
                "glossary": [{"sentences": [{"text": x.text} for x in e]} for _, e in comp.glossary] if sec.key == "words" else [],
            }
            for sec in comp.sections
        ],
    }


def build_easyread_view(plan: Plan, profile: Profile, report: Report, draft: bool) -> dict[str, Any]:
    """The template context for the easy-read plan (PDF and Word)."""
    w = Wording("easyread", profile)
    text = w["text"]
    comp = compose(plan, profile)
    book = PictureBook(profile)
    view = composition_view(comp, book)
    is_draft = draft or plan.status is PlanStatus.draft or not report.complete
    council = council_view(profile)
    doc = document_meta(comp.title, plan.person.full_name, plan.person.reference, plan.plan_date, text["footer"])
    doc["day_date"] = comp.date
    used: dict[str, dict[str, str]] = {}
    for block in [*view["cover"]["blocks"], *(b for s in view["sections"] for b in s["blocks"])]:
        used.setdefault(block["picture"]["concept"], block["picture"])
    draft_block = None
    if is_draft:
        draft_block = _block(Block("draft", [Sentence(t, "$", personal=False) for t in text["draft_sentences"]]), book, comp.hard)
        used.setdefault("draft", draft_block["picture"])
    view.update(
        {
            "doc": doc,
            "council": council,
            "w": {"heading": w["heading"], "text": text, "sign_here": w["agree"]["sign_here"], "date_here": w["agree"]["date_here"]},
            "draft": {
                "on": is_draft,
                "banner": text["draft_banner"],
                "block": draft_block,
                "staff": text["draft_staff"],
                "rules": sorted({f.rule for f in report.errors}),
            },
            "contents": [{"id": s["id"], "heading": s["heading"]} for s in view["sections"] if s["new_page"]],
            "picture_files": used,
            "picture_mm": float(comp.settings["picture_mm"]),
            "readability": comp.readability().as_dict(),
            "compact": False,
        }
    )
    # A long plan would pass the 24-page limit with a new page for every section: then the
    # sections follow on one after another (both PDF and Word use this flag).
    view["compact"] = estimate_pages(view) > int(comp.settings["max_pages"]) - 1
    return view


def view_sentences(view: dict[str, Any]) -> list[str]:
    """Every sentence and list item the view prints, in order (for tests and checks)."""
    blocks = list(view["cover"]["blocks"])
    if view["draft"]["block"]:
        blocks.append(view["draft"]["block"])
    for section in view["sections"]:
        blocks += section["blocks"]
    out = [s["text"] for b in blocks for s in (*b["sentences"], *b["items"])]
    out += [s["text"] for sec in view["sections"] for entry in sec["glossary"] for s in entry["sentences"]]
    return out


def pictures(view: dict[str, Any]) -> dict[str, Picture]:
    """Word picture variables: ``pic_<concept>`` for each picture used, and ``logo``.

    SVGs become cached PNGs (see :mod:`doctool.easyread.pictures`). The Word template
    reaches them through the ``pictures`` mapping: ``{{ pictures[block.picture.word] }}``.
    """
    files = [PictureFile(c, Path(p["path"]), p["alt"], p["path"].endswith(".svg")) for c, p in view["picture_files"].items()]
    pngs = word_pngs(files)
    size = view["picture_mm"]
    out = {f"pic_{concept}": Picture(pngs[concept], view["picture_files"][concept]["alt"], size) for concept in pngs}
    council = view["council"]
    if council["logo_path"]:
        out["logo"] = Picture(Path(council["logo_path"]), council["logo_alt"], 50)
    return out


def extra_files(view: dict[str, Any]) -> tuple[Path, ...]:
    """The files the PDF may read besides doctool's assets: the pictures and the logo."""
    files = [Path(p["path"]) for p in view["picture_files"].values()]
    if view["council"]["logo_path"]:
        files.append(Path(view["council"]["logo_path"]))
    return tuple(dict.fromkeys(files))
