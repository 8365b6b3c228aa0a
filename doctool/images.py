"""A council's own pictures, checked and cleaned before any document uses them.

A logo comes from a council's files, so it is treated like any other input: it must be a
PNG or JPEG that decodes, no larger than :data:`MAX_PIXELS`, and it is re-encoded as a
PNG without its metadata (EXIF, text chunks: an author's name, a file path) before it is
embedded in a document. The clean copy is kept in doctool's cache under the digest of the
original, so it is made once and every document embeds the same bytes.
"""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from doctool.errors import ConfigError
from doctool.paths import cache_dir

#: Largest picture accepted: 25 megapixels (a 5000 x 5000 logo is already far more than print needs).
MAX_PIXELS = 25_000_000
FORMATS = {"PNG", "JPEG"}


def clean_picture(path: Path, what: str) -> Path:
    """A checked copy of the picture at ``path`` without metadata; ConfigError naming
    ``what`` (the profile and key) when it is not a usable PNG or JPEG."""
    data = path.read_bytes()
    target = cache_dir("images") / f"{hashlib.sha256(data).hexdigest()[:32]}.png"
    if target.is_file():
        return target
    try:
        with Image.open(io.BytesIO(data)) as probe:
            kind, size = probe.format, probe.size
            if kind not in FORMATS:
                raise ConfigError(f"{what}: the picture is {kind or 'not an image'}; use a PNG or JPEG file")
            if size[0] * size[1] > MAX_PIXELS:
                raise ConfigError(f"{what}: the picture is {size[0]} x {size[1]} pixels; make it smaller than {MAX_PIXELS:,} pixels")
            probe.verify()  # reads the whole file: a truncated or corrupt picture fails here
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            mode = "RGBA" if image.mode in ("RGBA", "LA", "P") else "RGB"
            clean = Image.new(mode, image.size)
            clean.paste(image.convert(mode))
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as exc:
        raise ConfigError(f"{what}: the picture cannot be read ({type(exc).__name__}); use a PNG or JPEG file") from None
    out = io.BytesIO()
    clean.save(out, "PNG", optimize=True)  # no info, no EXIF, no text chunks
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_suffix(f".{os.getpid()}.tmp")
    temporary.write_bytes(out.getvalue())
    temporary.replace(target)
    return target
