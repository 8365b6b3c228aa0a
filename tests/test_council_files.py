"""A council's own files are confined to its profile's folder and checked before use: its
logo must be a real PNG or JPEG of a sane size, and it is embedded without its metadata."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from doctool.errors import ConfigError
from doctool.pipeline import Selection, prepare, render_set
from doctool.profiles import load_profile

from conftest import COMPLETE_SAMPLE, REPO

LOGO = REPO / "assets" / "img" / "eastbrook-logo.png"


def _profile(folder: Path, logo: str) -> Path:
    path = folder / "testshire.toml"
    path.write_text(
        f'extends = "england"\nname = "testshire"\n[council]\nname = "Testshire County Council"\nlogo = "{logo}"\n'
        'logo_alt = "Testshire County Council logo"\n',
        encoding="utf-8",
    )
    return path


@pytest.fixture(autouse=True)
def _own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCTOOL_CACHE_DIR", str(tmp_path / "cache"))
    load_profile.cache_clear()


@pytest.mark.parametrize("named", ["/etc/hostname", "../outside.png", "link.png"])
def test_a_logo_outside_the_profile_folder_is_refused(tmp_path: Path, named: str) -> None:
    council = tmp_path / "council"
    council.mkdir()
    (tmp_path / "outside.png").write_bytes(LOGO.read_bytes())
    (council / "link.png").symlink_to(tmp_path / "outside.png")
    with pytest.raises(ConfigError, match=r"council\.logo .* is outside the profile's folder"):
        load_profile(str(_profile(council, named)))


def test_a_logo_that_is_not_a_picture_is_refused(tmp_path: Path) -> None:
    (tmp_path / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n this is not really a PNG")
    with pytest.raises(ConfigError, match=r"council\.logo: the picture cannot be read"):
        load_profile(str(_profile(tmp_path, "logo.png")))
    (tmp_path / "logo.gif").write_bytes(_encoded(Image.new("RGB", (10, 10)), "GIF"))
    with pytest.raises(ConfigError, match="the picture is GIF; use a PNG or JPEG"):
        load_profile(str(_profile(tmp_path, "logo.gif")))


def test_a_huge_logo_is_refused(tmp_path: Path) -> None:
    (tmp_path / "logo.png").write_bytes(_encoded(Image.new("1", (6000, 6000)), "PNG"))
    with pytest.raises(ConfigError, match="6000 x 6000 pixels"):
        load_profile(str(_profile(tmp_path, "logo.png")))


def _encoded(image: Image.Image, fmt: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def test_a_logo_is_embedded_without_its_metadata(tmp_path: Path) -> None:
    exif = Image.Exif()
    exif[0x013B] = "Jane Secret, /home/jane/private/logos"  # Artist
    with Image.open(LOGO) as original:
        photo = original.convert("RGB")
    (tmp_path / "logo.jpg").write_bytes(_encoded(photo, "JPEG", exif=exif))
    assert b"Jane Secret" in (tmp_path / "logo.jpg").read_bytes()
    profile = load_profile(str(_profile(tmp_path, "logo.jpg")))
    clean = Path(profile.council["logo"])
    assert clean.suffix == ".png" and b"Jane Secret" not in clean.read_bytes()
    rendered = render_set(prepare(COMPLETE_SAMPLE.read_bytes(), profile), Selection.of(["plan"], ["pdf", "docx"]))
    pdf, docx = (f.content for f in rendered.files)
    assert b"Jane Secret" not in pdf
    with zipfile.ZipFile(io.BytesIO(docx)) as package:
        media = [n for n in package.namelist() if n.startswith("word/media/")]
        assert media and all(b"Jane Secret" not in package.read(n) for n in media)
