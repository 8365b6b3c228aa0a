"""The readability gate: the ER- rules, run on the easy-read text doctool would print.

Each rule yields hits at the JSON path of the field a sentence came from; wording and
severity come from ``data/rules/easyread.toml`` and the profile, as for every other rule.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from doctool.checks.catalog import all_rules
from doctool.checks.engine import Hit, hit, run
from doctool.datafiles import DATA, load_toml
from doctool.easyread.compose import Composition, LeftOut, compose
from doctool.easyread.readability import Readability
from doctool.easyread.review import compose_review
from doctool.findings import Report
from doctool.model.plan import Plan
from doctool.model.review import ReviewRecord
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
        if gone.reason != "length":
            continue
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


@cache
def _field_names() -> dict[str, str]:
    names: dict[str, str] = load_toml(DATA / "easyread" / "fields.toml").get("fields", {})
    return names


def field_name(path: str) -> str:
    """What a practitioner calls the field at ``path`` ("Risk" for $.contingency.risks[2].risk)."""
    key = re.sub(r"\[\d+\]", "[]", path.removeprefix("$.").removeprefix("$"))
    return _field_names().get(key, "This field")


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _why(gone: LeftOut, minimum: int) -> str:
    """The reasons a free-text sentence is not easy read, in the catalogue's words. Quotes
    only abbreviations and number words (never a name or a personal word): other hard
    words are named by their place in the sentence."""
    spec = all_rules()["ER-EASY-WORDING"]
    v = gone.verdict
    parts = []
    for reason in v.reasons if v else ():
        if reason == "hard_word" and v is not None:
            count = len(v.hard_positions)
            positions = _and([str(n) for n in v.hard_positions])
            plural = "s" if count > 1 else ""
            parts.append(spec.message("why_hard_word", count=f"{count} word{plural}", positions=f"word{plural} {positions}"))
        elif reason == "abbreviation" and v is not None:
            parts.append(spec.message("why_abbreviation", words=_and([f'"{w}"' for w in v.abbreviations] or ['"."'])))
        elif reason == "number_words" and v is not None:
            parts.append(spec.message("why_number_words", words=_and([f'"{w.lower()}"' for w in v.number_words])))
        else:
            parts.append(spec.message(f"why_{reason}", min=minimum))
    return "; it ".join(parts)


def easy_wording(comp: Composition) -> Iterator[Hit]:
    """Free text left out because it failed the stricter gate: one finding a field, naming
    it as a practitioner would and asking for easy-read wording."""
    spec = all_rules()["ER-EASY-WORDING"]
    minimum = int(comp.min_sentence_words)
    seen: set[str] = set()
    for gone in comp.left_out:
        if gone.reason != "plain" or gone.path in seen:
            continue
        seen.add(gone.path)
        why = _why(gone, minimum)
        if gone.path.endswith((".frequency", ".times")):
            yield hit("ER-EASY-WORDING", gone.path, "left_out_value", section=gone.section, field=field_name(gone.path), why=why)
            continue
        outcome = spec.message("instead" if gone.instead else "left_out", document=comp.document)
        ask = spec.message("ask_easy", easy_field=gone.easy_field) if gone.easy_field else spec.message("ask_plain")
        values = {"section": gone.section, "field": field_name(gone.path), "number": gone.number, "why": why, "outcome": outcome, "ask": ask}
        element = _essential(gone.path)
        if element:
            yield hit("ER-ESSENTIAL-LEFT-OUT", gone.path, "not_easy", element=element, **values)
        else:
            yield hit("ER-EASY-WORDING", gone.path, "not_easy", **values)


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


EASYREAD_RULES = (sentence_length, easy_wording, reading_ease, hard_words, page_count)


@dataclass
class EasyReadReport(Report):
    """The gate's findings, plus the readability measures (Flesch score and sentence lengths)."""

    readability: Readability | None = None

    def as_dict(self) -> dict[str, Any]:
        d = super().as_dict()
        d["readability"] = self.readability.as_dict() if self.readability else None
        return d


def _naming(rule: Callable[[Composition], Iterable[Hit]]) -> Callable[[Composition], Iterator[Hit]]:
    """The rule with each message naming the document checked ("the easy-read review")."""

    def named(comp: Composition) -> Iterator[Hit]:
        for h in rule(comp):
            yield dataclasses.replace(h, params={"document": comp.document, **h.params})

    return named


def check_composition(comp: Composition, profile: Profile) -> EasyReadReport:
    # Only the ER- rules: the profile's own [[require]] entries are about the plan, not
    # the easy-read text, and are reported by the plan's own checks.
    report = run(comp, [_naming(rule) for rule in EASYREAD_RULES], dataclasses.replace(profile, requirements=()))
    return EasyReadReport(profile=report.profile, findings=report.findings, readability=comp.readability())


def check_easyread(plan: Plan, profile: Profile) -> EasyReadReport:
    """Run the readability gate on the easy-read version of ``plan``."""
    return check_composition(compose(plan, profile), profile)


def check_easyread_review(review: ReviewRecord, profile: Profile) -> EasyReadReport:
    """Run the readability gate on the easy-read review of ``review``: free text left out
    is reported at its path in the review record, as in the easy-read plan."""
    return check_composition(compose_review(review, profile), profile)
