"""The main job on the bundled samples: every document each plan needs, in Word and PDF.

Usage: python scripts/demo.py OUTDIR. Complete plans render as final documents; the
incomplete drafts render with --draft so their DRAFT marking and missing-element box show.
"""

from __future__ import annotations

import sys
from pathlib import Path

from doctool.cli import main as doctool

ROOT = Path(__file__).resolve().parent.parent


def run(args: list[str]) -> int:
    print("$ doctool " + " ".join(args), flush=True)
    return doctool(args)


def main(outdir: Path) -> int:
    failures = 0
    for plan in sorted((ROOT / "samples" / "plans").glob("*.json")):
        failures += run(["render", str(plan), "--all", "-o", str(outdir / "plans" / plan.stem)]) != 0
    for draft in sorted((ROOT / "samples" / "drafts").glob("*.json")):
        failures += run(["render", str(draft), "--all", "--draft", "-o", str(outdir / "drafts" / draft.stem)]) != 0
    print(f"\nDocuments written under {outdir}/ ({failures} sample(s) failed)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "out")))
