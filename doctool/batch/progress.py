"""Progress for people at a terminal; silence (then one JSON summary) for machines."""

from __future__ import annotations

import sys
from typing import TextIO

from doctool.batch.runner import Summary


class ProgressBar:
    """``[#######.......]  450/1000  12.3 letters/s  0:45 left`` redrawn on one line."""

    def __init__(self, total: int | None, stream: TextIO = sys.stderr, width: int = 30) -> None:
        self.total, self.stream, self.width = total, stream, width

    def __call__(self, s: Summary) -> None:
        handled = s.done + s.skipped + s.failed
        rate = s.done / s.seconds if s.seconds else 0.0
        if self.total:
            filled = int(self.width * handled / self.total)
            bar = "#" * filled + "." * (self.width - filled)
            left = (self.total - handled) / rate if rate else 0.0
            eta = f"{int(left // 60)}:{int(left % 60):02d} left"
            line = f"\r[{bar}] {handled}/{self.total}  {rate:.1f} letters/s  {eta}  ({s.failed} failed)"
        else:
            line = f"\r{handled} records  {rate:.1f} letters/s  ({s.failed} failed)"
        self.stream.write(line)
        self.stream.flush()

    def close(self) -> None:
        self.stream.write("\n")
        self.stream.flush()
