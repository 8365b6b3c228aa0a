"""The stricter gate for free text in the easy-read plan: plain, whole, first-person sentences.

A practitioner's note ("Structured week.", "Appointee manages money.", "Fridays.") reads
badly in easy read even when it is short. Free text from the plan goes into the easy-read
plan only when it is the person's own easy-read wording (``easy_read`` on an item,
``person.communication.easy_read_words``) or when every sentence of it passes
:meth:`PlainWords.judge`:

- ``fragment``: a sentence, not a note: it ends with a full stop (or ! or ?), has a verb and
  at least ``min_sentence_words`` words (4);
- ``third_person``: it does not name the reader ("Tony starts drinking again."): the plan is
  in the first person;
- ``not_personal``: it says "I", "me", "my" (or "we", "us", "our"), or names someone in the
  plan, so the reader knows who does what;
- ``abbreviation``: no abbreviation ("PA", "ISF", "DP", "etc") unless the hard-words list
  explains it;
- ``number_words``: numbers in digits ("20 years", not "twenty years");
- ``times``: times written one way ("4pm", "1:30pm"), not "16:00" or "4:00";
- ``hard_word``: every word is in the plain-words list (textstat's copy of the Dale-Chall
  list of about 2,950 everyday words, plus ``data/easyread/plain_words.toml`` and the
  profile's ``[easyread.plain_words]``), or is explained in the hard-words list, or is a name.

The word lists are data a council can edit; see docs/easyread.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from doctool.datafiles import DATA, load_toml
from doctool.easyread.readability import HardWords
from doctool.profiles import Profile, _merge

PLAIN_WORDS_TOML = DATA / "easyread" / "plain_words.toml"

#: Reasons a sentence is refused, in the order a finding reports them.
REASONS = ("fragment", "third_person", "not_personal", "abbreviation", "number_words", "times", "hard_word")

_TOKEN = re.compile(r"[A-Za-z£0-9][A-Za-z0-9£'’.:\-]*")
_TIME_OK = re.compile(r"^(?:\d{1,2}(?::\d{2})?(?:am|pm)|\d{1,2}(?::\d{2})?)$")
_CLOCK = re.compile(r"\b\d{1,2}[:.]\d{2}\b(?!\s*(?:am|pm|a\.m\.|p\.m\.))", re.IGNORECASE)
_NUMBERISH = re.compile(r"^[£]?\d[\d,.:]*(?:am|pm|st|nd|rd|th|s|p|kg|km|m)?$", re.IGNORECASE)
_CAPITALS = re.compile(r"^[A-Z]{2,5}s?$")
_FIRST_PERSON = {"i", "me", "my", "mine", "myself", "we", "us", "our", "ours", "ourselves", "i'm", "i've", "i'd", "i'll"}


@cache
def _dale_chall() -> frozenset[str]:
    """textstat's copy of the Dale-Chall list of everyday English words (a dependency)."""
    text = resources.files("textstat").joinpath("resources/en/easy_words.txt").read_text(encoding="utf-8")
    return frozenset(w.strip().lower() for w in text.split() if w.strip())


@cache
def _builtin() -> dict[str, Any]:
    return load_toml(PLAIN_WORDS_TOML)


def _lower(word: str) -> str:
    return word.lower().replace("’", "'")


def _possessive(word: str) -> str:
    """A name without its possessive: "tony's" -> "tony"."""
    return word.removesuffix("'s").removesuffix("s'")


@dataclass(frozen=True)
class Verdict:
    """Why a sentence is refused (empty when it passes), with the words to name in a finding."""

    reasons: tuple[str, ...] = ()
    abbreviations: tuple[str, ...] = ()
    number_words: tuple[str, ...] = ()
    hard_positions: tuple[int, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.reasons


class PlainWords:
    """The plain-words list, verbs, number words and refused short forms for one profile."""

    def __init__(self, profile: Profile, hard: HardWords) -> None:
        data = _merge(_builtin(), profile.section("easyread").get("plain_words", {}))
        self.hard = hard
        settings = data.get("settings", {})
        self.min_words = int(settings.get("min_sentence_words", 4))
        base = _dale_chall() if settings.get("use_dale_chall", True) else frozenset()
        add = {_lower(w) for w in data.get("plain", {}).get("words", [])}
        add |= {_lower(w) for w in data.get("plain", {}).get("add", [])}
        remove = {_lower(w) for w in data.get("plain", {}).get("remove", [])}
        self.words = (set(base) | add) - remove
        verbs = data.get("verbs", {})
        self.verbs = {_lower(w) for w in verbs.get("words", [])} | {_lower(w) for w in verbs.get("forms", [])}
        self.number_words = {_lower(w) for w in data.get("numbers", {}).get("words", [])}
        self.digits: dict[str, str] = {_lower(k): str(v) for k, v in data.get("numbers", {}).get("digits", {}).items()}
        self.short_forms = {_lower(w).rstrip(".") for w in data.get("abbreviations", {}).get("refuse", [])}

    # --- words ------------------------------------------------------------------------

    def _forms(self, word: str) -> list[str]:
        """``word`` and the base forms it may come from (plurals, -ed, -ing, -ly, -er)."""
        w = word.strip("'").removesuffix("'s").removesuffix("s'")
        out = [w]
        for suffix, swaps in (
            ("ies", ("y",)), ("es", ("", "e")), ("s", ("",)), ("ied", ("y",)), ("ed", ("", "e")),
            ("d", ("",)), ("ing", ("", "e")), ("ily", ("y",)), ("ly", ("", "le")), ("ier", ("y",)),
            ("iest", ("y",)), ("er", ("", "e")), ("est", ("", "e")), ("ers", ("", "e")), ("ness", ("",)),
            ("ful", ("",)), ("n't", ("",)),
        ):
            if w.endswith(suffix) and len(w) > len(suffix) + 1:
                stem = w[: -len(suffix)]
                out += [stem + s for s in swaps]
                if len(stem) > 2 and stem[-1] == stem[-2]:  # "stopped" -> "stop", "shopping" -> "shop"
                    out.append(stem[:-1])
        if "-" in w:
            out += [part for part in w.split("-") if part]
        return out

    def is_plain(self, word: str) -> bool:
        lw = _lower(word)
        if "-" in lw:
            return all(self.is_plain(part) for part in lw.split("-") if part)
        return any(f in self.words or f in self.verbs for f in self._forms(lw))

    def is_verb(self, word: str) -> bool:
        return any(f in self.verbs for f in self._forms(_lower(word)))

    # --- the verdict ------------------------------------------------------------------

    def judge(self, sentence: str, ended: bool, reader: set[str], names: set[str]) -> Verdict:
        """Whether ``sentence`` may go into the easy-read plan as written.

        ``ended``: the sentence ended with . ! or ? in the plan (not a note cut off by a
        semicolon or a line break). ``reader``: the reader's names (first, preferred, full);
        ``names``: words of other names in the plan (helpers, contacts, places), lower case.
        """
        reasons: list[str] = []
        tokens = [t.rstrip(".:,;!?)'\"’”") for t in _TOKEN.findall(sentence)]
        tokens = [t for t in tokens if t]
        lowered = [_lower(t) for t in tokens]
        found = self.hard.find(sentence)
        covered = [(h.start, h.end) for h in found if h.kind == "explained"]
        avoided = [(h.start, h.end) for h in found if h.kind == "avoid"]

        if not ended or len(tokens) < self.min_words or not any(self.is_verb(t) for t in lowered):
            reasons.append("fragment")
        reader_l = {_lower(n) for n in reader if n}
        bare = [_possessive(t) for t in lowered]
        if any(t in reader_l for t in bare):
            reasons.append("third_person")
        if not (_FIRST_PERSON & set(lowered)) and not any(t in names for t in bare if t not in reader_l):
            reasons.append("not_personal")

        abbreviations: list[str] = []
        for h in found:
            if h.kind in ("abbreviation", "avoid") and _CAPITALS.match(h.word):
                abbreviations.append(h.word)
        abbreviations += [t for t, lt in zip(tokens, lowered) if lt.rstrip(".") in self.short_forms]
        if abbreviations or re.search(r"\b(?:[a-z]\.){2,}", sentence, re.IGNORECASE):
            reasons.append("abbreviation")
        numbers = [t for t, lt in zip(tokens, lowered) if lt in self.number_words]
        if numbers:
            reasons.append("number_words")
        if _CLOCK.search(sentence):
            reasons.append("times")

        hard_positions: list[int] = []
        at = 0
        for i, (token, lt) in enumerate(zip(tokens, lowered)):
            start = sentence.find(token, at)
            at = start + len(token) if start >= 0 else at
            if any(s <= start < e for s, e in avoided):
                hard_positions.append(i + 1)
                continue
            if any(s <= start < e for s, e in covered) or _NUMBERISH.match(token) or _TIME_OK.match(lt) or any(c.isdigit() for c in token):
                continue
            if _possessive(lt) in names or _possessive(lt) in reader_l or lt.rstrip(".") in self.short_forms or _CAPITALS.match(token):
                continue
            if token[:1].isupper() and i > 0:  # a name or a place in the middle of a sentence
                continue
            if lt in self.number_words or self.is_plain(lt):
                continue
            hard_positions.append(i + 1)
        if hard_positions:
            reasons.append("hard_word")
        return Verdict(tuple(reasons), tuple(dict.fromkeys(abbreviations)), tuple(dict.fromkeys(numbers)), tuple(hard_positions))


def raw_sentences(text: str) -> list[tuple[str, bool]]:
    """Free text as (sentence, ended) pairs: ``ended`` is false for a piece that did not end
    with . ! or ? (a note cut off by a semicolon or a new line)."""
    from doctool.easyread.sentences import split_sentences

    out: list[tuple[str, bool]] = []
    for line in re.split(r"\n+|;\s*", text):
        line = line.strip()
        if not line:
            continue
        ended = line.rstrip("\"'”’)").endswith((".", "!", "?"))
        pieces = split_sentences(line)
        out += [(p, ended or i < len(pieces) - 1) for i, p in enumerate(pieces)]
    return out


# --- times, written one way ----------------------------------------------------------------

_RANGE = re.compile(
    r"\b(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm|noon)?\s*(to|-|–|until)\s*(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm|noon(?:time)?)?",
    re.IGNORECASE,
)
_ONE = re.compile(r"\b(\d{1,2})[:.](\d{2})\s*(am|pm)\b", re.IGNORECASE)


def _clock(hour: str, minute: str | None, half: str) -> str:
    h, m = int(hour), minute or "00"
    if half == "noon" or (h == 12 and m == "00" and half == "pm"):
        return "12 noon" if m == "00" else f"12:{m}pm"
    if h > 12:
        h, half = h - 12, "pm"
    return f"{h}{'' if m == '00' else ':' + m}{half}"


def one_way_times(text: str) -> str:
    """Times written one way: "4:00 to 7:00pm" -> "4pm to 7pm", "9:00am" -> "9am",
    "12:30 to 12:45pm" -> "12:30pm to 12:45pm", "12:00 noon" -> "12 noon"."""

    def whole_range(m: re.Match[str]) -> str:
        h1, m1, a1, sep, h2, m2, a2 = m.groups()
        if not (m1 or a1 or m2 or a2):
            return m.group(0)  # "2 to 3 times a week": not times
        a2 = (a2 or "").lower().replace("noontime", "noon")
        a1 = (a1 or "").lower()
        if not a2 and not a1:
            if int(h1) > 12 or int(h2) > 12:
                a1 = a2 = "pm" if int(h2) > 12 else ""
            if not a2:
                return m.group(0)
        if not a1:
            a1 = a2 if a2 != "noon" else ("am" if int(h1) < 12 else "pm")
            if a2 == "pm" and int(h1) > int(h2) and int(h1) != 12:
                a1 = "am"  # "11:00 to 2:00pm"
        if a2 == "noon":
            a2 = "noon"
        word = "to" if sep.lower() in ("to", "-", "–") else sep
        return f"{_clock(h1, m1, a1)} {word} {_clock(h2, m2, a2)}"

    text = _RANGE.sub(whole_range, text)
    text = _ONE.sub(lambda m: _clock(m.group(1), m.group(2), m.group(3).lower()), text)
    return re.sub(r"\b12 noon noon\b", "12 noon", text.replace("12:00 noon", "12 noon"))


def digits(text: str, numbers: dict[str, str]) -> str:
    """Number words as digits: "Two evenings a week" -> "2 evenings a week"."""

    def swap(m: re.Match[str]) -> str:
        word = m.group(0)
        return numbers.get(word.lower(), word)

    if not numbers:
        return text
    pattern = r"\b(?:" + "|".join(sorted((re.escape(w) for w in numbers), key=len, reverse=True)) + r")\b"
    return re.sub(pattern, swap, text, flags=re.IGNORECASE)
