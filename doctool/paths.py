"""Where doctool's own files are: templates, fonts, stylesheets, pictures.

doctool runs from its project folder (installed editable), so templates stay plain
files a template editor can open in Word or a text editor.
"""

from __future__ import annotations

from pathlib import Path

from doctool.errors import ConfigError
from doctool.profiles import ROOT, Profile

ASSETS = ROOT / "assets"
TEMPLATES = ROOT / "templates"


def profile_file(profile: Profile, named: str) -> Path:
    """A file a profile names (made absolute when the profile was loaded), checked to exist."""
    path = Path(named)
    if not path.is_file():
        raise ConfigError(f"profile {profile.name!r} names a file that does not exist: {display_path(path)}")
    return path


def display_path(path: Path) -> str:
    """A path as recorded in a manifest: project-relative for doctool's own files."""
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else path.name
