"""The readability gate: the ER- rules, run on the easy-read text doctool would print.

Each rule yields hits at the JSON path of the field a sentence came from; wording and
severity come from ``data/rules/easyread.toml`` and the profile, as for every other rule.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from doctool.checks.engine import Hit, hit, run
from doctool.easyread.compose import Composition, compose
from doctool.easyread.readability import Readability
from doctool.findings import Report
from doctool.model.plan import Plan
from doctool.profiles import Profile

#: How many words of a sentence made only from fixed wording a finding may quote.
_QUOTE_WORDS = 5


#: The Care Act s25(1) elements by where they sit in the plan (the CA-25-1-a to f rules).
ESSENTIAL = (
    (re.compile(r"^\$\.needs\[\d+\]\.met_by\b"), "how a need is met"),
    (re.compile(r"^\$\.needs\[\d+\]\.eligibility"), "the eligibility decision"),
    (re.compile(r"^\$\.needs\b"), "a need"),
    (re.compile(r"^\$\.outcomes\b"), "an outcome the person wants to achieve"),
    (re.compile(r"^\$\.(personal_budget|direct_payment)\b"), "the personal budget"),
    (re.compile(r"^\$\.advice\b"), "the information and advice"),
)


def _essential(path: str) -> str | None:
    return next((what for where, what in ESSENTIAL if where.match(path)), None)


def sentence_length(comp: Composition) -> Iterator[Hit]:
    most = int(comp.settings["max_sentence_words"])
    for gone in comp.left_out:
        key = "left_out_own" if gone.own_words else "left_out"
        element = _essential(gone.path)
        if element:  # a Care Act element left out of the easy-read plan: its own rule, so a council can block it
            yield hit("ER-ESSENTIAL-LEFT-OUT", gone.path, key, section=gone.section, number=gone.number, words=gone.words, max=most, element=element)
        else:
            yield hit("ER-SENTENCE-LENGTH", gone.path, key, section=gone.section, number=gone.number, words=gone.words, max=most)
    for section, number, sentence in comp.located():
        if not sentence.gate or sentence.words <= most:
            continue
        if sentence.personal:
            yield hit("ER-SENTENCE-LENGTH", sentence.path, "too_long", section=section, number=number, words=sentence.words, max=most)
        else:
            start = " ".join(sentence.text.split()[:_QUOTE_WORDS])
            yield hit(
                "ER-SENTENCE-LENGTH", sentence.path, "too_long_wording",
                section=section, number=number, words=sentence.words, max=most, start=start,
            )


def reading_ease(comp: Composition) -> Iterator[Hit]:
    score = comp.readability().flesch_reading_ease
    least = float(comp.settings["min_reading_ease"])
    if score < least:
        yield hit("ER-READING-EASE", "$", "low", score=f"{score:.0f}", min=f"{least:.0f}")


def hard_words(comp: Composition) -> Iterator[Hit]:
    for section, _, sentence in comp.located():
        if not sentence.gate:
            continue
        for h in comp.hard.find(sentence.text):
            if h.kind in ("avoid", "abbreviation"):
                yield hit("ER-HARD-WORD", sentence.path, h.kind, section=section, word=h.word)


def page_count(comp: Composition) -> Iterator[Hit]:
    from doctool.easyread.pages import estimate_pages, outline

    most = int(comp.settings["max_pages"])
    pages = estimate_pages(outline(comp), compact=True)
    if pages > most:
        yield hit("ER-PAGES", "$.needs", "long", pages=pages, max=most)


EASYREAD_RULES = (sentence_length, reading_ease, hard_words, page_count)


@dataclass
class EasyReadReport(Report):
    """The gate's findings, plus the readability measures (Flesch score and sentence lengths)."""

    readability: Readability | None = None

    def as_dict(self) -> dict[str, Any]:
        d = super().as_dict()
        d["readability"] = self.readability.as_dict() if self.readability else None
        return d


def check_composition(comp: Composition, profile: Profile) -> EasyReadReport:
    # Only the ER- rules: the profile's own [[require]] entries are about the plan, not
    # the easy-read text, and are reported by the plan's own checks.
    report = run(comp, EASYREAD_RULES, dataclasses.replace(profile, requirements=()))
    return EasyReadReport(profile=report.profile, findings=report.findings, readability=comp.readability())


def check_easyread(plan: Plan, profile: Profile) -> EasyReadReport:
    """Run the readability gate on the easy-read version of ``plan``."""
    return check_composition(compose(plan, profile), profile)
