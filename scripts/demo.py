"""The main job on the bundled samples: every document each plan needs, in Word and PDF.

Usage: python scripts/demo.py OUTDIR. Complete plans render every document that applies
and, with --for-person, the formats each person asked for; the incomplete drafts render
with --draft so their DRAFT marking and missing-element box show; each standalone letter
renders; each review record renders (for the person, and its draft marked); the April bulk file runs through `doctool batch` (its deliberately broken
records are listed in failures.jsonl, as they should be).
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
        failures += run(["render", str(plan), "--all", "--force", "-o", str(outdir / "plans" / plan.stem)]) != 0
    for plan in sorted((ROOT / "samples" / "plans").glob("*.json")):
        failures += run(["render", str(plan), "--for-person", "--force", "-o", str(outdir / "for-person" / plan.stem)]) != 0
    for draft in sorted((ROOT / "samples" / "drafts").glob("[0-9]*.json")):  # not EXPECTED.json
        failures += run(["render", str(draft), "--all", "--draft", "--force", "-o", str(outdir / "drafts" / draft.stem)]) != 0
    for letter in sorted((ROOT / "samples" / "letters").glob("*.json")):
        failures += run(["render", str(letter), "--all", "--force", "-o", str(outdir / "letters" / letter.stem)]) != 0
    for review in sorted((ROOT / "samples" / "reviews").glob("*.json")):
        failures += run(["render", str(review), "--for-person", "--force", "-o", str(outdir / "reviews" / review.stem)]) != 0
    for review in sorted((ROOT / "samples" / "reviews" / "drafts").glob("[0-9]*.json")):  # not EXPECTED.json
        failures += run(["render", str(review), "--all", "--draft", "--force", "-o", str(outdir / "reviews" / "drafts" / review.stem)]) != 0
    bulk = ROOT / "samples" / "letters" / "bulk-april-2027.jsonl"
    code = run(["batch", str(bulk), "--format", "pdf", "-o", str(outdir / "bulk"), "--combined-pdf", "--zip"])
    failures += code not in (0, 1)  # 1: the broken records are listed, the rest rendered
    print(f"\nDocuments written under {outdir}/ ({failures} sample(s) failed)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "out")))
