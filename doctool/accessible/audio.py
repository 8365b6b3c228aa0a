"""Audio: the document read aloud by espeak-ng (British English voice), as WAV or MP3.

Spoken straight from the document model (:class:`~doctool.document.Document`), never from
another renderer's output. It says the draft first (when it is one: the banner and what
is missing), then what it is and for whom, the council and, for a letter, the contact
details and the address; it says how many parts there are, announces each level 2
section ("Section 2 of 9: My needs."), reads a level 3 section's heading with a short
pause around it, reads fields as "label: value" and table rows as numbered items, and
leaves a longer pause between sections. A slip's printed fields are read and the lines
to write on named ("To fill in: Printed name, Signature, Date.").

Pictures: an easy-read block's picture only illustrates the sentences beside it, so its
alt text is never read (it would say everything twice); a picture on its own is read by
its alt text ("Picture: ...") when that says something, and skipped when it is empty,
"logo" or a file name (:func:`doctool.accessible.text.meaningful_alt`).

Every value is spoken from its value object (:func:`say`, :attr:`Money.spoken
<doctool.document.Money.spoken>`): money as "1,234 pounds 50 a week", a phone number
digit by digit, a postcode or a reference character by character, an email as "care at
eastbrook dot gov dot uk". Nothing formatted is read back with regular expressions;
:func:`speakable` is only the fallback for free text typed by a practitioner ("call at
9:30am"), the plain strings around the values.

espeak-ng is a formant synthesiser, so the same text always gives the same audio;
``lame`` (when installed) makes a much smaller MP3 of it.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from doctool.accessible.text import meaningful_alt, numbered, parts
from doctool.accessible.words import WordingLike, Words
from doctool.document import (
    Block,
    Callout,
    Document,
    Email,
    Fields,
    Illustrated,
    Items,
    Paragraph,
    Phone,
    Phrase,
    Picture,
    SignOff,
    Slip,
    Table,
    Text,
    printed,
)
from doctool.errors import ConfigError

VOICE = "en-gb"
SPEED = 160  # words a minute; espeak-ng's default (175) is fast for a long document
PAUSE_SECTION = 1500  # milliseconds
PAUSE_HEADING = 700
PAUSE_ITEM = 400
MP3_BITRATE = 48  # kbit/s, mono speech

#: ("say", text already in its spoken form) or ("pause", milliseconds).
Step = tuple[str, str | int]

# The fallback for free text only (values are spoken from their value objects).
_MONEY = re.compile(r"£(\d{1,3}(?:,\d{3})*|\d+)(?:\.(\d\d))?")
_TIME = re.compile(r"\b(\d{1,2}):(\d\d)(?:\s*(am|pm))?\b", re.I)
_AMPM = re.compile(r"\b(\d{1,2})\s*(am|pm)\b", re.I)
_POSTCODE = re.compile(r"\b([A-Z]{1,2}\d[A-Z\d]?) ?(\d[A-Z]{2})\b")
_PHONE = re.compile(r"(?<![\d,.])(?:\+44\s?|0)\d{2,4}(?:[ -]?\d{3,4}){1,3}(?![\d,])")
_CODE = re.compile(r"\b(?=[A-Z0-9-]*\d)(?=[A-Z0-9-]*[A-Z])[A-Z0-9]+(?:-[A-Z0-9]+)+\b|\b[A-Z]{1,4}\d{3,}\b")
_LONG_NUMBER = re.compile(r"(?<![\d,.])\d{5,}(?![\d,])|(?<![\d,.])\d{3}(?: \d{3,4}){2,}(?![\d,])")


def _spell(text: str) -> str:
    """Characters one by one, groups separated by a comma: "EB4 2QT" -> "E B 4, 2 Q T"."""
    groups = [g for g in re.split(r"[\s-]+", text) if g]
    return ", ".join(" ".join(g) for g in groups)


def _money(match: re.Match[str]) -> str:
    pounds, pence = match.group(1), match.group(2)
    said = f"{pounds} {'pound' if pounds == '1' else 'pounds'}"
    if pence and pence != "00":
        said += f" {int(pence)}"
    return said


def _time(match: re.Match[str]) -> str:
    hour, minute, half = match.group(1), match.group(2), match.group(3)
    said = hour if minute == "00" else f"{hour} {minute}"
    if half:
        said += " " + " ".join(half.lower())
    elif minute == "00":
        said += " o'clock"
    return said


def _free_text(text: str) -> str:
    """The fallback rewrite of one plain string, its white space left as it is."""
    text = text.replace("·", ",").replace("&", " and ")
    text = _MONEY.sub(_money, text)
    text = _TIME.sub(_time, text)
    text = _AMPM.sub(lambda m: f"{m.group(1)} {' '.join(m.group(2).lower())}", text)
    text = _POSTCODE.sub(lambda m: _spell(f"{m.group(1)} {m.group(2)}"), text)
    text = _PHONE.sub(lambda m: _spell(m.group(0)), text)
    text = _CODE.sub(lambda m: _spell(m.group(0)), text)
    return _LONG_NUMBER.sub(lambda m: _spell(m.group(0)), text)


def speakable(text: str) -> str:
    """FALLBACK for free text typed by a practitioner (a plain ``str``, never a value): a
    time ("9:30am"), or money, a phone number, a postcode or a reference written into a
    sentence by hand, rewritten with regular expressions so espeak-ng reads it as a
    person would. Values (:class:`~doctool.document.Money`, :class:`~doctool.document.Phone`,
    ...) never come here: they say themselves (:func:`say`)."""
    return " ".join(_free_text(text).split())


def say(text: Text) -> str:
    """What to say for any text: each value's own spoken form (``value.spoken``), and the
    free-text fallback (:func:`speakable`) only for the plain strings around them."""
    if isinstance(text, str):
        return speakable(text)
    if isinstance(text, Phrase):
        return " ".join("".join(_free_text(p) if isinstance(p, str) else p.spoken for p in text.parts).split())
    return text.spoken


def _sentence(text: str) -> str:
    text = text.strip()
    return text if not text or text[-1] in ".!?:;" else text + "."


def _say(*texts: Text) -> Step:
    """One thing to say: the texts spoken, one after the other, ended as a sentence."""
    return ("say", _sentence(" ".join(" ".join(say(t) for t in texts).split())))


def _field(label: str, value: Text) -> Step:
    """ "Label: value." with the value in its spoken form."""
    return _say(f"{label}:", value) if label else _say(value)


def _fill_in(labels: tuple[str, ...], words: Words) -> list[Step]:
    """The lines to write on, named: "To fill in: Printed name, Signature, Date."."""
    return [_say(words.fill("fill_in", labels=", ".join(labels)))] if labels else []


def block_script(block: Block, words: Words) -> list[Step]:
    """(``say``, text) and (``pause``, ms) steps for one block."""
    steps: list[Step] = []
    if isinstance(block, Paragraph):
        steps.append(_say(block.text))
    elif isinstance(block, Items):
        for item in block.items:
            steps += [_say(item), ("pause", PAUSE_ITEM)]
    elif isinstance(block, Fields):
        if block.caption:
            steps += [_say(block.caption), ("pause", PAUSE_ITEM)]
        for entry in block.rows:
            steps += [_field(entry.label, entry.value), ("pause", PAUSE_ITEM)]
    elif isinstance(block, Table):
        if block.caption:
            steps += [_say(block.caption), ("pause", PAUSE_ITEM)]
        if len(block.head) == 2:  # two columns: "State Pension: 230 pounds 25 a week."
            for row in block.rows:
                label, value = ((*row, "", ""))[:2]
                steps += [_field(printed(label), value), ("pause", PAUSE_ITEM)]
            return steps
        total = len(block.rows)
        for number, row in enumerate(block.rows, 1):
            if total > 1:
                steps.append(_say(words.fill("item", number=str(number), total=str(total))))
            for i, cell in enumerate(row):
                if printed(cell).strip():
                    steps.append(_field(block.head[i] if i < len(block.head) else "", cell))
            steps.append(("pause", PAUSE_ITEM))
    elif isinstance(block, Picture):
        if alt := meaningful_alt(block):
            steps.append(_say(words.fill("picture", alt=alt)))
    elif isinstance(block, Callout):
        steps += [("pause", PAUSE_ITEM), _say(block.title)]
        steps += [_say(text) for text in (block.amount, block.detail) if printed(text)]
        steps.append(("pause", PAUSE_ITEM))
    elif isinstance(block, Illustrated):
        steps += [_say(sentence) for sentence in block.sentences]
        for item in block.items:
            steps += [_say(item), ("pause", PAUSE_ITEM)]
        steps += _fill_in(block.sign_here, words)
    elif isinstance(block, SignOff):
        steps += [("pause", PAUSE_ITEM), _say(block.closing)]
        steps += [_say(text) for text in (block.name, block.job_title, block.for_council) if text]
    elif isinstance(block, Slip):
        steps += [("pause", PAUSE_HEADING), _say(block.heading), ("pause", PAUSE_ITEM), _say(block.statement)]
        if printed(block.about):
            steps.append(_say(block.about))
        for entry in block.fields:
            steps += [_field(entry.label, entry.value), ("pause", PAUSE_ITEM)]
        steps += _fill_in(block.blanks, words)
        if printed(block.return_to):
            steps.append(_say(block.return_to))
    return steps


def _opening(doc: Document, words: Words) -> list[Step]:
    """The draft, what this is and for whom, the council, a letter's contact details and address."""
    steps: list[Step] = []
    draft = doc.draft
    if draft.on:
        steps += [_say(text) for text in (draft.banner, draft.title, draft.intro) if text]
        steps += [_say(message) for _, message, _ in draft.findings if message]
        steps.append(("pause", PAUSE_HEADING))
    meta = doc.meta
    steps.append(_say(words.fill("audio_intro", title=meta.title, name=meta.person)))
    steps += [_say(text) for text in meta.subtitle if printed(text) and printed(text) != meta.person]
    head, frame = doc.letterhead, doc.letter
    sender = [head.council]
    sender += list(frame.contact_intro) if frame is not None and frame.contact_intro else [head.department, *head.address]
    if any(sender):
        steps.append(_say(", ".join(s for s in sender if s)))
    if frame is None:
        if head.phone:
            steps.append(_say(words.fill("phone", phone=Phone(head.phone))))
        if head.email:
            steps.append(_say(words.fill("email", email=Email(head.email))))
    else:
        steps += [_field(f.label, f.value) for f in frame.contact]
        if frame.address:
            steps += [("pause", PAUSE_ITEM), _say(", ".join(frame.address))]
        if frame.salutation:
            steps += [("pause", PAUSE_ITEM), _say(frame.salutation), _say(meta.h1)]
    steps.append(("pause", PAUSE_HEADING))
    return steps


def script(doc: Document, words: Mapping[str, Any] | WordingLike | Words) -> list[Step]:
    """The spoken version as steps: what to say (already in its spoken form) and the pauses
    between. :func:`ssml` turns them into what espeak-ng reads; a council wanting a natural
    voice can send the same steps to another synthesiser."""
    w = words if isinstance(words, Words) else Words(words)
    total = len(parts(doc.sections))
    steps = _opening(doc, w)
    for block in doc.preamble:
        steps += block_script(block, w)
    if total > 1:
        steps.append(_say(w.fill("sections_intro", total=str(total))))
    for number, section in numbered(doc.sections):
        if section.level <= 2:
            announce = w.fill("section", number=number, total=str(total), heading=section.heading.rstrip("."))
            steps += [("pause", PAUSE_SECTION), _say(announce), ("pause", PAUSE_HEADING)]
        else:
            steps += [("pause", PAUSE_HEADING), _say(section.heading), ("pause", PAUSE_ITEM)]
        for block in section.blocks:
            steps += block_script(block, w)
    steps += [("pause", PAUSE_SECTION), _say(w.fill("end", title=doc.meta.title))]
    return steps


def ssml(steps: list[Step], lang: str = "en-GB") -> str:
    """The steps as the SSML espeak-ng reads (``-m``): escaped text and ``<break>`` pauses.
    The text is said as it is: :func:`script` has already put every value in its spoken form."""
    out = [f'<speak xml:lang="{escape(lang)}">']
    for kind, value in steps:
        if kind == "pause":
            out.append(f'<break time="{int(value)}ms"/>')
        else:
            out.append(escape(str(value)))
    out.append("</speak>")
    return "\n".join(out)


def _run(args: list[str], what: str, stdin: bytes | None = None, timeout: int = 300) -> None:
    try:
        done = subprocess.run(args, input=stdin, capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise ConfigError(f"{what} did not finish within {timeout} seconds") from None
    if done.returncode != 0:
        raise ConfigError(f"{what} failed ({done.returncode}): {done.stderr.decode(errors='replace').strip()[:200]}")


def speak_wav(text_ssml: str) -> bytes:
    """SSML to a WAV file (22,050 Hz, 16-bit mono) with espeak-ng."""
    exe = shutil.which("espeak-ng")
    if exe is None:
        raise ConfigError("audio needs espeak-ng: install the Debian package espeak-ng (scripts/install-system-deps.sh)")
    with tempfile.TemporaryDirectory(prefix="doctool-audio-") as tmp:
        out = Path(tmp) / "speech.wav"
        _run([exe, "-v", VOICE, "-s", str(SPEED), "-m", "--stdin", "-w", str(out)], "espeak-ng", text_ssml.encode("utf-8"))
        return out.read_bytes()


def mp3_available() -> bool:
    return shutil.which("lame") is not None


def wav_to_mp3(wav: bytes, title: str = "", artist: str = "") -> bytes:
    """A WAV as a constant-bitrate mono MP3 with lame, with title and author tags."""
    exe = shutil.which("lame")
    if exe is None:
        raise ConfigError("MP3 needs lame: install the Debian package lame, or ask for WAV")
    with tempfile.TemporaryDirectory(prefix="doctool-audio-") as tmp:
        src, dst = Path(tmp) / "in.wav", Path(tmp) / "out.mp3"
        src.write_bytes(wav)
        args = [exe, "--quiet", "-m", "m", "--cbr", "-b", str(MP3_BITRATE), "--id3v2-only"]
        if title:
            args += ["--tt", title[:200]]
        if artist:
            args += ["--ta", artist[:200]]
        _run([*args, str(src), str(dst)], "lame")
        return dst.read_bytes()


def render_audio(
    doc: Document, words: Mapping[str, str] | WordingLike, container: str | None = None
) -> tuple[bytes, str, str]:
    """The spoken document: (bytes, extension, media type). MP3 when lame is installed
    (or ``container="mp3"``), otherwise WAV (or ``container="wav"``). ``words`` is the
    accessible wording table (``Wording("accessible", profile)["text"]``, or the Wording)."""
    if container not in (None, "mp3", "wav"):
        raise ConfigError(f"unknown audio container {container!r}: use mp3 or wav")
    wav = speak_wav(ssml(script(doc, words), doc.meta.lang))
    container = container or ("mp3" if mp3_available() else "wav")
    if container == "wav":
        return wav, "wav", "audio/wav"
    return wav_to_mp3(wav, doc.meta.full_title, doc.letterhead.council), "mp3", "audio/mpeg"
