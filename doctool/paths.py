"""Where doctool's own files are: templates, fonts, stylesheets, pictures, samples.

They are found through the package, never through a project folder, so an installed
wheel renders as well as a checkout. The project keeps them in its top-level
``templates/``, ``assets/`` and ``samples/`` folders, plain files a template editor can
open in Word or a text editor; ``doctool/templates``, ``doctool/assets`` and
``doctool/samples`` are symlinks to those folders. An editable install follows the
symlinks; building a wheel copies the files they point at into the package.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from doctool.errors import ConfigError

if TYPE_CHECKING:
    from doctool.profiles import Profile

#: The installed ``doctool`` package folder.
PACKAGE = Path(__file__).resolve().parent

# Resolved, so a checkout sees its top-level folders (the symlinks' targets) and an
# installed wheel the copies inside the package.
TEMPLATES = (PACKAGE / "templates").resolve()
ASSETS = (PACKAGE / "assets").resolve()
SAMPLES = (PACKAGE / "samples").resolve()

#: doctool's own folders by the name a manifest records them under.
_OWN = {"templates": TEMPLATES, "assets": ASSETS, "samples": SAMPLES}


def profile_file(profile: Profile, named: str) -> Path:
    """A file a profile names (made absolute when the profile was loaded), checked to exist."""
    path = Path(named)
    if not path.is_file():
        raise ConfigError(f"profile {profile.name!r} names a file that does not exist: {display_path(path)}")
    return path


def display_path(path: Path) -> str:
    """A path as recorded in a manifest: ``templates/docx/plan.docx`` for doctool's own
    files, the same in a checkout and an installed wheel; just the name for anyone else's."""
    for name, folder in _OWN.items():
        for base in (folder, PACKAGE / name):
            if path.is_relative_to(base):
                return f"{name}/{path.relative_to(base).as_posix()}"
    return path.name
