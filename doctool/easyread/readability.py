"""How readable the easy-read text is: Flesch reading ease, sentence lengths, hard words.

Flesch reading ease is computed here (a vowel-group syllable counter), or with
``textstat`` 0.7.8 when the profile sets ``[easyread] reading_ease_method = "textstat"``
(pinned: 0.7.9 and later download NLTK data at run time, which fails offline). Hard words come from
``data/easyread/hard_words.toml`` plus the profile's ``[easyread.hard_words]``.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from functools import cache
from typing import Any

from doctool.datafiles import DATA, load_toml
from doctool.profiles import Profile, _merge

HARD_WORDS_TOML = DATA / "easyread" / "hard_words.toml"


@dataclass(frozen=True)
class Readability:
    """The measures of one easy-read text, reported next to the gate's findings."""

    flesch_reading_ease: float
    min_reading_ease: float
    sentences: int
    words: int
    longest_sentence: int
    max_sentence_words: int
    average_sentence_words: float
    hard_words_explained: tuple[str, ...]

    @property
    def passes(self) -> bool:
        return self.flesch_reading_ease >= self.min_reading_ease and self.longest_sentence <= self.max_sentence_words

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["hard_words_explained"] = list(self.hard_words_explained)
        d["passes"] = self.passes
        return d


def syllables(word: str) -> int:
    """Syllables in one English word, by vowel groups (digits and short words count one).

    Agrees with textstat 0.7.8 (which looks words up in the CMU dictionary) to within
    about 1.5 points of reading ease on the sample plans, and needs no data files.
    """
    w = re.sub(r"[^a-z]", "", word.lower())
    if len(w) <= 3:
        return 1
    w = re.sub(r"(?:[^laeiouy]es|[^laeiouy]ed|[^laeiouy]e)$", "", w)
    w = re.sub(r"^y", "", w)
    return max(1, len(re.findall(r"[aeiouy]{1,2}", w)))


def flesch_reading_ease(sentences: list[str], method: str = "builtin") -> float:
    """Flesch reading ease: 206.835 - 1.015 words/sentence - 84.6 syllables/word.

    ``builtin`` counts the sentences doctool wrote (it knows where each one ends) and
    syllables with :func:`syllables`. ``textstat`` uses textstat 0.7.8 instead, which is
    slower: its first call loads the CMU pronouncing dictionary (several seconds).
    """
    from doctool.easyread.sentences import words

    if method == "textstat":
        import textstat

        text = "\n".join(sentences)
        return round(float(textstat.flesch_reading_ease(text)), 1) if text.strip() else 0.0
    tokens = [w for s in sentences for w in words(s)]
    if not sentences or not tokens:
        return 0.0
    score = 206.835 - 1.015 * len(tokens) / len(sentences) - 84.6 * sum(syllables(w) for w in tokens) / len(tokens)
    return round(score, 1)


@cache
def _builtin() -> dict[str, Any]:
    return load_toml(HARD_WORDS_TOML)


def _is_capitals(word: str) -> bool:
    letters = [c for c in word if c.isalpha()]
    return bool(letters) and all(c.isupper() for c in letters)


def _pattern(phrase: str) -> re.Pattern[str]:
    body = r"\s+".join(re.escape(part) for part in phrase.split())
    flags = 0 if _is_capitals(phrase) else re.IGNORECASE
    return re.compile(rf"(?<![\w-]){body}(?:s|es)?(?![\w-])", flags)


def _in_name(text: str, start: int, word: str) -> bool:
    """Whether a match is part of a proper name ("Eastbrook Borough Council"): it has a
    capital letter, and so has the word before it, which is not the start of a sentence."""
    if _is_capitals(word) or not text[start : start + 1].isupper():
        return False
    before = text[:start].rstrip()
    if not before or before[-1] in ".!?:":
        return False
    previous = before.split()[-1]
    return previous[:1].isupper()


_ABBREVIATION = re.compile(r"(?<![\w-])[A-Z]{2,5}s?(?![\w-])")


@dataclass(frozen=True)
class HardWord:
    """A hard word found in a sentence: ``kind`` is explained, avoid or abbreviation."""

    word: str
    start: int
    end: int
    kind: str


class HardWords:
    """The hard-words list for one profile."""

    def __init__(self, profile: Profile) -> None:
        data = _merge(_builtin(), profile.section("easyread").get("hard_words", {}))
        self.explain: dict[str, str] = {k: v for k, v in data.get("explain", {}).items() if str(v).strip()}
        avoid = list(_builtin().get("avoid", {}).get("words", []))
        extra = data.get("avoid", [])
        avoid += extra if isinstance(extra, list) else list(extra.get("words", []))
        self.avoid = sorted({w for w in avoid if w not in self.explain}, key=lambda w: (-len(w), w))
        self.known = set(data.get("abbreviations", {}).get("known", []))
        # Longest phrases first, so "personal assistant" wins over "PA" and "assistant".
        self._explained = [(w, _pattern(w)) for w in sorted(self.explain, key=lambda w: (-len(w), w))]
        self._avoid = [(w, _pattern(w)) for w in self.avoid]

    def find(self, text: str) -> list[HardWord]:
        """Every hard word in ``text``, left to right, without overlaps."""
        found: list[HardWord] = []
        taken: list[tuple[int, int]] = []

        def free(a: int, b: int) -> bool:
            return all(b <= s or a >= e for s, e in taken)

        for kind, patterns in (("explained", self._explained), ("avoid", self._avoid)):
            for word, pattern in patterns:
                for m in pattern.finditer(text):
                    if _in_name(text, m.start(), word):
                        continue
                    if free(m.start(), m.end()):
                        taken.append((m.start(), m.end()))
                        found.append(HardWord(word, m.start(), m.end(), kind))
        for m in _ABBREVIATION.finditer(text):
            token = m.group(0)
            bare = token[:-1] if token.endswith("s") and token[:-1].isupper() else token
            if bare in self.known or token in self.known or not free(m.start(), m.end()):
                continue
            taken.append((m.start(), m.end()))
            found.append(HardWord(bare, m.start(), m.end(), "abbreviation"))
        return sorted(found, key=lambda h: h.start)

    def parts(self, text: str) -> list[dict[str, Any]]:
        """``text`` cut into runs, with the explained hard words in bold."""
        out: list[dict[str, Any]] = []
        at = 0
        for h in self.find(text):
            if h.kind != "explained":
                continue
            if h.start > at:
                out.append({"text": text[at : h.start], "bold": False})
            out.append({"text": text[h.start : h.end], "bold": True})
            at = h.end
        if at < len(text):
            out.append({"text": text[at:], "bold": False})
        return out
