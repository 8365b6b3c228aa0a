"""``doctool render --for-person`` through the command line: each format the person asked
for, of each document they get, the easy-read plan included.

The audio is checked with a decoder doctool does not use to make it: ``lame --decode``
(its mpglib decoder, not the encoder doctool runs) turns each MP3 back into PCM, and the
WAV it writes is read with Python's own ``wave`` module for a duration.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import wave
from pathlib import Path

import pytest

from conftest import REPO

SAMPLE = REPO / "samples" / "plans" / "02-learning-disability-direct-payment-pa.json"

needs_audio = pytest.mark.skipif(
    not (shutil.which("espeak-ng") and shutil.which("lame")), reason="needs espeak-ng and lame (Debian packages)"
)


def decoded_seconds(mp3: Path, tmp: Path) -> float:
    """The MP3's length in seconds, decoded to PCM by ``lame --decode``."""
    wav = tmp / (mp3.stem + ".wav")
    subprocess.run(["lame", "--quiet", "--decode", str(mp3), str(wav)], check=True, timeout=300)
    with wave.open(str(wav)) as w:
        assert w.getnframes() > 0
        return w.getnframes() / w.getframerate()


@needs_audio
def test_for_person_easy_read_and_audio_makes_the_easy_read_plans_audio(tmp_path: Path) -> None:
    plan = json.loads(SAMPLE.read_text(encoding="utf-8"))
    assert plan["person"]["communication"]["formats"] == ["easy_read", "audio"]
    out = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, "-m", "doctool", "render", str(SAMPLE), "--for-person", "-o", str(out)],
        capture_output=True, text=True, cwd=REPO, timeout=900, check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    names = sorted(p.name for p in out.iterdir())
    stem = "ASC-118906"
    documents = ["plan", "charging-letter", "dp-summary", "easyread"]  # every document the person gets
    for document in documents:
        for ext in ("pdf", "docx", "mp3"):  # the standard copies and the audio asked for
            assert f"{stem}-{document}.{ext}" in names, names
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    listed = {(f["document"], f["format"]) for f in manifest["files"]}
    assert ("easyread", "audio") in listed
    for document in documents:
        mp3 = out / f"{stem}-{document}.mp3"
        assert mp3.read_bytes()[:3] == b"ID3" or mp3.read_bytes()[:2] in (b"\xff\xfb", b"\xff\xf3")
        seconds = decoded_seconds(mp3, tmp_path)
        assert seconds > 20, (document, seconds)
