"""Audio: the document read aloud by espeak-ng (British English voice), as WAV or MP3.

The spoken version follows the document outline: it says what it is, how many sections
there are, announces each one ("Section 2 of 9: My needs."), reads headings with a short
pause around them, reads tables as "label, value" and table rows as numbered items, and
leaves a longer pause between sections. Text is first made speakable: money is read as
"230 pounds 50", phone numbers, references and postcodes digit by digit, times as
"8 45 a m". espeak-ng is a formant synthesiser, so the same text always gives the same
audio; ``lame`` (when installed) makes a much smaller MP3 of it.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from xml.sax.saxutils import escape

from doctool.accessible.outline import Block, Fields, Heading, Items, Outline, Para, Records
from doctool.accessible.source import Source
from doctool.errors import ConfigError
from doctool.wording import Wording

VOICE = "en-gb"
SPEED = 160  # words a minute; espeak-ng's default (175) is fast for a long document
PAUSE_SECTION = 1500  # milliseconds
PAUSE_HEADING = 700
PAUSE_ITEM = 400
MP3_BITRATE = 48  # kbit/s, mono speech

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
    spoken = f"{pounds} {'pound' if pounds == '1' else 'pounds'}"
    if pence and pence != "00":
        spoken += f" {int(pence)}"
    return spoken


def _time(match: re.Match[str]) -> str:
    hour, minute, half = match.group(1), match.group(2), match.group(3)
    spoken = hour if minute == "00" else f"{hour} {minute}"
    if half:
        spoken += " " + " ".join(half.lower())
    elif minute == "00":
        spoken += " o'clock"
    return spoken


def speakable(text: str) -> str:
    """Text rewritten so espeak-ng reads numbers, money and codes the way a person would."""
    text = text.replace("·", ",").replace("&", " and ")
    text = _MONEY.sub(_money, text)
    text = _TIME.sub(_time, text)
    text = _AMPM.sub(lambda m: f"{m.group(1)} {' '.join(m.group(2).lower())}", text)
    text = _POSTCODE.sub(lambda m: _spell(f"{m.group(1)} {m.group(2)}"), text)
    text = _PHONE.sub(lambda m: _spell(m.group(0)), text)
    text = _CODE.sub(lambda m: _spell(m.group(0)), text)
    text = _LONG_NUMBER.sub(lambda m: _spell(m.group(0)), text)
    return " ".join(text.split())


def _sentence(text: str) -> str:
    text = text.strip()
    return text if not text or text[-1] in ".!?:;" else text + "."


def _block_script(block: Block, words: Wording) -> list[tuple[str, str | int]]:
    """(``say``, text) and (``pause``, ms) steps for one block."""
    steps: list[tuple[str, str | int]] = []
    if isinstance(block, Heading):
        steps += [("pause", PAUSE_HEADING), ("say", _sentence(block.text)), ("pause", PAUSE_ITEM)]
    elif isinstance(block, Para):
        steps.append(("say", _sentence(block.text)))
    elif isinstance(block, Items):
        for item in block.items:
            steps += [("say", _sentence(item)), ("pause", PAUSE_ITEM)]
    elif isinstance(block, Fields):
        if block.caption:
            steps += [("say", _sentence(block.caption)), ("pause", PAUSE_ITEM)]
        for label, value in block.pairs:
            steps += [("say", _sentence(f"{label}: {value}" if label else value)), ("pause", PAUSE_ITEM)]
    elif isinstance(block, Records):
        if block.caption:
            steps += [("say", _sentence(block.caption)), ("pause", PAUSE_ITEM)]
        total = len(block.records)
        for number, record in enumerate(block.records, 1):
            if total > 1:
                steps.append(("say", words.text("item", number=str(number), total=str(total))))
            for label, value in record:
                steps.append(("say", _sentence(f"{label}: {value}" if label else value)))
            steps.append(("pause", PAUSE_ITEM))
    return steps


def script(outline: Outline, words: Wording) -> list[tuple[str, str | int]]:
    """The spoken version as steps: what to say, and the pauses between."""
    total = len(outline.sections)
    steps: list[tuple[str, str | int]] = [("say", words.text("audio_intro", title=outline.title, name=outline.name))]
    if outline.draft_banner:
        steps.append(("say", _sentence(outline.draft_banner)))
    if outline.sender:
        steps.append(("say", _sentence(", ".join(outline.sender[:2]))))
    steps.append(("pause", PAUSE_HEADING))
    for block in outline.preamble:
        steps += _block_script(block, words)
    if total > 1:
        steps.append(("say", words.text("sections_intro", total=str(total))))
    for number, section in enumerate(outline.sections, 1):
        announce = words.text("section", number=str(number), total=str(total), heading=section.heading.rstrip("."))
        steps += [("pause", PAUSE_SECTION), ("say", announce), ("pause", PAUSE_HEADING)]
        for block in section.blocks:
            steps += _block_script(block, words)
    steps += [("pause", PAUSE_SECTION), ("say", words.text("end", title=outline.title))]
    return steps


def ssml(steps: list[tuple[str, str | int]], lang: str = "en-GB") -> str:
    """The steps as the SSML espeak-ng reads (``-m``): escaped text and ``<break>`` pauses."""
    parts = [f'<speak xml:lang="{escape(lang)}">']
    for kind, value in steps:
        if kind == "pause":
            parts.append(f'<break time="{int(value)}ms"/>')
        else:
            parts.append(escape(speakable(str(value))))
    parts.append("</speak>")
    return "\n".join(parts)


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


def render_audio(source: Source, container: str | None = None) -> tuple[bytes, str, str]:
    """The spoken document: (bytes, extension, media type). MP3 when lame is installed
    (or ``container="mp3"``), otherwise WAV (or ``container="wav"``)."""
    outline = source.outline
    wav = speak_wav(ssml(script(outline, source.words), outline.lang))
    container = container or ("mp3" if mp3_available() else "wav")
    if container == "wav":
        return wav, "wav", "audio/wav"
    if container != "mp3":
        raise ConfigError(f"unknown audio container {container!r}: use mp3 or wav")
    return wav_to_mp3(wav, outline.full_title, source.doc.letterhead.council), "mp3", "audio/mpeg"
