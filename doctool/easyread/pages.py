"""About how many pages an easy-read plan will take, from its composition alone.

The readability gate and the composer both ask, so a long plan is laid out compactly
(sections one after another) before it passes the page limit.
"""

from __future__ import annotations

from typing import Any

from doctool.easyread.compose import Block, Composition

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
    picture: float = view["picture_mm"]
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
