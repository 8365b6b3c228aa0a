"""Sentences: splitting free text, counting words, and the sentence record every block holds.

Every sentence in the easy-read plan remembers the JSON path of the field it came from,
so the readability gate can say *which field* to fix without quoting personal text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Short forms that end with a full stop but do not end a sentence.
_ABBREVIATIONS = {"dr", "mr", "mrs", "ms", "st", "e.g", "i.e", "etc", "no", "approx", "tel", "mx", "prof", "rd"}

# A sentence ends at . ! or ? followed by space and the start of a new sentence, or at a
# semicolon (each clause of a "this; that; the other" list is its own idea).
_END = re.compile(r"(?<=[.!?])[\"'”’)]?\s+(?=[\"'“‘(]?[A-Z0-9£])|;\s+|\n+")
_WORD = re.compile(r"[A-Za-z0-9£]")


@dataclass(frozen=True)
class Sentence:
    """One sentence of the easy-read text.

    ``path`` is the JSON path of the field it came from (``$.needs[2].met_by[0].what``);
    ``personal`` is true when any of it comes from the plan (free text, names, amounts),
    so a finding must not quote it; ``strong`` prints it in bold (a block's lead line);
    ``gate`` is false for fixed legal text (the picture licence) the gate does not score.
    """

    text: str
    path: str = "$"
    personal: bool = True
    strong: bool = False
    gate: bool = True

    @property
    def words(self) -> int:
        return word_count(self.text)


def words(text: str) -> list[str]:
    """The words of ``text``: whitespace-separated tokens holding a letter, digit or £."""
    return [tok for tok in text.split() if _WORD.search(tok)]


def word_count(text: str) -> int:
    return len(words(text))


def _is_abbreviation(piece: str) -> bool:
    last = piece.rstrip().split()[-1] if piece.strip() else ""
    return last.rstrip(".").lower() in _ABBREVIATIONS or bool(re.fullmatch(r"(?:[A-Za-z]\.){1,3}", last))


def capitalise(text: str) -> str:
    """Upper-case the first letter only (never lower-case anything)."""
    for i, ch in enumerate(text):
        if ch.isalpha():
            return text[:i] + ch.upper() + text[i + 1 :]
        if ch.isdigit() or ch == "£":
            return text
    return text


def finish(text: str) -> str:
    """Tidy one sentence: single spaces, a capital first letter, a full stop at the end."""
    text = " ".join(text.split()).strip(" ,;-–")
    text = text[:-1].rstrip() + ":" if text.endswith(":") else text
    if not text or text == ":":
        return ""
    text = capitalise(text)
    if text[-1] not in ".!?:\"'”’)":
        text += "."
    elif text[-1] in "\"'”’)" and len(text) > 1 and text[-2] not in ".!?":
        text += "."
    return text


def split_sentences(text: str) -> list[str]:
    """Split free text into tidy sentences.

    Splits at full stops, question and exclamation marks followed by a new sentence, at
    semicolons and at line breaks; "Dr. Ward" and "p.m." do not end a sentence.
    """
    pieces: list[str] = []
    start = 0
    for match in _END.finditer(text):
        sep = match.group(0)
        closing = sep[0] if sep[0] in "\"'”’)" else ""
        before = text[start : match.start()]
        after_full_stop = ";" not in sep and "\n" not in sep and before.endswith(".")
        if after_full_stop and _is_abbreviation(before):
            continue
        pieces.append(before + closing)
        start = match.end()
    pieces.append(text[start:])
    return [tidy for tidy in (finish(piece) for piece in pieces) if tidy]


def lower_first(text: str) -> str:
    """Lower-case the first letter when the first word is an ordinary word ("Mum" -> "mum",
    but "GP" and "NHS" stay as they are)."""
    first = text.split(" ", 1)[0]
    if len(first) >= 2 and first[0].isupper() and first[1:].replace("-", "").replace("'", "").islower():
        return text[0].lower() + text[1:]
    return text


def strip_end(text: str) -> str:
    """A value to put inside a sentence: no full stop at the end."""
    return " ".join(text.split()).rstrip(" .;:")
