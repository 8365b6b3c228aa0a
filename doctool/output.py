"""Writing outputs safely: whole files or nothing, names that cannot escape the folder."""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")
_UMASK = os.umask(0)
os.umask(_UMASK)


def safe_name(text: str, fallback: str = "document") -> str:
    """A file-name stem from a reference: letters, digits, ``-``, ``_`` and ``.`` only, no
    leading dot, at most 80 characters, so ``../../etc/passwd`` cannot leave the folder."""
    stem = _UNSAFE.sub("-", text).strip(".-")[:80]
    return stem or fallback


@contextmanager
def atomic_file(path: Path) -> Iterator[BinaryIO]:
    """A file opened for writing under a temporary name in the same folder; when the block
    ends it is flushed to disk and renamed into place, so a reader (or a crash) never sees
    half a file. Large outputs are streamed through it, never held in memory."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_UMASK)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write(path: Path, content: bytes) -> None:
    """Write ``content`` whole or not at all (see :func:`atomic_file`)."""
    with atomic_file(path) as fh:
        fh.write(content)


def write_json(path: Path, data: Any) -> None:
    atomic_write(path, (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode())


def read_json_lines(path: Path) -> Iterator[dict[str, Any]]:
    """The objects of an append-only JSON Lines file (a manifest, a journal), in order; a
    line torn by a crash, or one that is not an object, is passed over. No file, nothing."""
    if not path.is_file():
        return
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            item = json.loads(line)
        except ValueError:
            continue
        if isinstance(item, dict):
            yield item
