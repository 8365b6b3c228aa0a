"""Puts PNG pages side by side in one image, for looking at a whole document at once.

Usage: python scripts/contact_sheet.py OUT.png PAGE.png [PAGE.png ...]
"""

import sys

from PIL import Image


def main() -> None:
    out, pages = sys.argv[1], [Image.open(p) for p in sys.argv[2:]]
    w, h = pages[0].size
    cols = min(4, len(pages))
    rows = (len(pages) + cols - 1) // cols
    sheet = Image.new("RGB", (w * cols, h * rows), "white")
    for i, page in enumerate(pages):
        sheet.paste(page, ((i % cols) * w, (i // cols) * h))
    sheet.save(out)


if __name__ == "__main__":
    main()
