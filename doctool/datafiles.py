"""doctool's data files: wording, rules, profiles, figures. TOML, read one way."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from doctool.errors import ConfigError

DATA = Path(__file__).resolve().parent / "data"


def load_toml(path: Path) -> dict[str, Any]:
    """Read a TOML data file, reporting a malformed one as a configuration error."""
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"data file not found: {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from None
