"""Where doctool's own files are: templates, fonts, stylesheets, pictures, samples.

They are found through the package, never through a project folder, so an installed
wheel renders as well as a checkout. The project keeps them in its top-level
``templates/``, ``assets/`` and ``samples/`` folders, plain files a template editor can
open in Word or a text editor; ``doctool/templates``, ``doctool/assets`` and
``doctool/samples`` are symlinks to those folders. An editable install follows the
symlinks; building a wheel copies the files they point at into the package.

A council's profile may name its own (``[templates]``): a folder searched first for HTML
templates and stylesheets, and a Word shell per document. Both stay inside the profile's
folder.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from doctool.errors import ConfigError
from doctool.profile_spec import DOCUMENT_NAMES

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


def template_folder(profile: Profile | None) -> Path | None:
    """The council's template folder (``[templates] folder``), searched before the
    built-in templates and stylesheets; None when the profile names none."""
    folder = profile.section("templates").get("folder") if profile else None
    return Path(folder) if folder else None


def council_file(folder: Path | None, name: str) -> Path | None:
    """``folder/name`` if it is a file that really lies inside ``folder`` (a symlink that
    leads out of it is refused), else None."""
    if folder is None or Path(name).name != name:
        return None
    path = folder / name
    if not path.is_file():
        return None
    resolved = path.resolve()
    if not resolved.is_relative_to(folder.resolve()):
        raise ConfigError(f"{name} in the council's template folder {folder} leads outside it")
    return resolved


def docx_template(profile: Profile, document: str, builtin: str | None = None) -> Path:
    """The Word template for ``document`` (``plan``, ``easyread``, ``charging-letter``,
    ``dp-summary``): the council's (``[templates.docx]``) if its profile names one, else
    the built-in ``templates/docx/<builtin or document.docx>``."""
    if document not in DOCUMENT_NAMES:
        raise ConfigError(f"no document {document!r}; documents: {', '.join(DOCUMENT_NAMES)}")
    custom = (profile.section("templates").get("docx") or {}).get(document)
    return profile_file(profile, custom) if custom else TEMPLATES / "docx" / (builtin or f"{document}.docx")


def display_path(path: Path) -> str:
    """A path as recorded in a manifest: ``templates/docx/plan.docx`` for doctool's own
    files, the same in a checkout and an installed wheel; just the name for anyone else's."""
    for name, folder in _OWN.items():
        for base in (folder, PACKAGE / name):
            if path.is_relative_to(base):
                return f"{name}/{path.relative_to(base).as_posix()}"
    return path.name


def cache_dir(name: str) -> Path:
    """doctool's cache folder ``name`` (pictures it makes once and reuses): under
    $DOCTOOL_CACHE_DIR, else $XDG_CACHE_HOME/doctool, else ~/.cache/doctool."""
    if os.environ.get("DOCTOOL_CACHE_DIR"):
        base = Path(os.environ["DOCTOOL_CACHE_DIR"])
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "doctool"
    return base / name
