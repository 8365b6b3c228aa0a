"""Bulk charging letters: `doctool batch` never loses or doubles a letter.

Through the command line: failures listed with their line and findings, a run killed
with SIGKILL and re-run ends with exactly one good PDF per valid record, CSV mapping,
unsafe references, the combined PDF and the zip, and the exit-code contract.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader

REPO = Path(__file__).resolve().parent.parent
LETTERS = REPO / "samples" / "letters"
BASE = json.loads((LETTERS / "02-assessed.json").read_text())


#: What a finished run leaves in OUTDIR (with no --combined-pdf or --zip).
RUN_FILES = ["failures.csv", "failures.jsonl", "letters", "manifest.jsonl", "summary.json", "warnings.csv"]


def record(ref: str, **changes: object) -> dict:
    rec = json.loads(json.dumps(BASE))
    rec["reference"] = ref
    for dotted, value in changes.items():
        node = rec
        *parents, last = dotted.split("__")
        for part in parents:
            node = node[part]
        node[last] = value
    return rec


def write_jsonl(path: Path, records: list[dict | str]) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records))
    return path


def batch(*args: object, timeout: int = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "doctool", "batch", *map(str, args)], capture_output=True, text=True, timeout=timeout
    )


def manifest(outdir: Path) -> list[dict]:
    return [json.loads(line) for line in (outdir / "manifest.jsonl").read_text().splitlines()]


def failures(outdir: Path) -> list[dict]:
    return [json.loads(line) for line in (outdir / "failures.jsonl").read_text().splitlines()]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def assert_consistent(outdir: Path, valid_refs: set[str], formats: tuple[str, ...] = ("pdf",)) -> None:
    """Exactly one good file per valid record and format, each in the manifest once."""
    entries = manifest(outdir)
    refs = [e["reference"] for e in entries]
    assert sorted(refs) == sorted(valid_refs), "one manifest line per valid record"
    files = sorted(p.name for p in (outdir / "letters").iterdir())
    assert files == sorted(f"{r}.{ext}" for r in valid_refs for ext in formats), "no missing, extra or partial files"
    for entry in entries:
        for out in entry["outputs"]:
            assert sha256(outdir / out["path"]) == out["sha256"]
            if out["path"].endswith(".pdf"):
                assert len(PdfReader(outdir / out["path"]).pages) >= 1


def test_invalid_records_are_listed_and_the_rest_rendered(tmp_path):
    records = [
        record("ASC-1"),
        record("ASC-2", financial_assessment__weekly_charge=None),  # assessed, no amount
        "{ this is not json",
        record("ASC-4", recipient__address={"lines": ["1 High St"], "postcode": "NOT A CODE"}),
        record("ASC-5", letter_date="2026-02-30"),  # schema error
        record("ASC-6"),
    ]
    out = tmp_path / "out"
    run = batch(write_jsonl(tmp_path / "in.jsonl", records), "--format", "pdf", "-o", out, "--workers", "2")
    assert run.returncode == 1, run.stderr
    summary = json.loads(run.stdout.strip().splitlines()[-1])
    assert (summary["done"], summary["failed"], summary["total"]) == (2, 4, 6)
    assert_consistent(out, {"ASC-1", "ASC-6"})
    assert [f["line"] for f in failures(out)] == [2, 3, 4, 5], "failures in input order"
    failed = {f["line"]: f for f in failures(out)}
    assert failed[2]["reference"] == "ASC-2" and "CL-ASSESSED-AMOUNT" in {x["rule"] for x in failed[2]["findings"]}
    assert failed[3]["findings"][0]["rule"] == "INPUT" and "JSON" in failed[3]["findings"][0]["message"]
    assert "CL-ADDRESS-POSTCODE" in {x["rule"] for x in failed[4]["findings"]}
    assert failed[5]["findings"][0]["path"] == "$.letter_date"
    assert "Traceback" not in run.stderr


def test_killed_run_resumes_to_exactly_one_letter_each(tmp_path):
    refs = [f"ASC-{i:04d}" for i in range(40)]
    records = [record(r) for r in refs] + [record("ASC-BAD", financial_assessment__weekly_charge=None)]
    source = write_jsonl(tmp_path / "in.jsonl", records)
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [sys.executable, "-m", "doctool", "batch", str(source), "--format", "pdf", "-o", str(out), "--workers", "2"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        done = list((out / "letters").glob("*.pdf")) if (out / "letters").is_dir() else []
        if len(done) >= 6:
            break
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)  # the whole pool, mid-run, no clean-up
    proc.wait()
    assert len(manifest(out)) < len(refs), "the run was killed before it finished"

    rerun = batch(source, "--format", "pdf", "-o", out, "--workers", "2")
    assert rerun.returncode == 1, rerun.stderr  # the one bad record still fails
    summary = json.loads(rerun.stdout.strip().splitlines()[-1])
    assert summary["skipped"] >= 1 and summary["done"] + summary["skipped"] == len(refs)
    assert_consistent(out, set(refs))
    assert [e["reference"] for e in manifest(out)] == refs, "the manifest is in input order, whatever finished first"
    assert [f["reference"] for f in failures(out)] == ["ASC-BAD"]
    assert sorted(p.name for p in out.iterdir()) == RUN_FILES, "no temporary files left"

    again = batch(source, "--format", "pdf", "-o", out, "--workers", "2")
    summary = json.loads(again.stdout.strip().splitlines()[-1])
    assert (summary["done"], summary["skipped"]) == (0, len(refs)), "a finished batch is not redone"
    assert_consistent(out, set(refs))


def test_a_damaged_letter_is_redone(tmp_path):
    source = write_jsonl(tmp_path / "in.jsonl", [record("ASC-1"), record("ASC-2")])
    out = tmp_path / "out"
    assert batch(source, "-o", out, "--workers", "1").returncode == 0
    (out / "letters" / "ASC-2.pdf").write_bytes(b"%PDF-1.7 truncated")
    run = batch(source, "-o", out, "--workers", "1")
    summary = json.loads(run.stdout.strip().splitlines()[-1])
    assert (summary["done"], summary["skipped"]) == (1, 1)
    assert_consistent(out, {"ASC-1", "ASC-2"})


def test_csv_with_a_column_mapping(tmp_path):
    out = tmp_path / "out"
    run = batch(LETTERS / "finance-export.csv", "--mapping", LETTERS / "finance-export.mapping.toml", "--format", "both", "-o", out)
    assert run.returncode == 1, run.stderr
    assert_consistent(out, {"ASC-400001", "ASC-400002", "ASC-400003"}, ("docx", "pdf"))
    failed = {f["reference"]: {x["rule"] for x in f["findings"] if x["severity"] == "error"} for f in failures(out)}
    assert failed == {"ASC-400004": {"CL-ADDRESS-POSTCODE"}, "ASC-400005": {"CL-ASSESSED-AMOUNT"}}
    text = subprocess.run(["pdftotext", str(out / "letters" / "ASC-400003.pdf"), "-"], capture_output=True, text=True).stdout
    assert "Ms Priya Shah" in text and "22 Beacon Terrace" in text and "£57.30" in text


def test_csv_without_a_mapped_column_cannot_be_read(tmp_path):
    csv_file = tmp_path / "in.csv"
    csv_file.write_text("Reference,Name\nASC-1,Someone\n")
    out = tmp_path / "out"
    run = batch(csv_file, "--mapping", LETTERS / "finance-export.mapping.toml", "-o", out)
    assert run.returncode == 2
    assert "Client Ref" in run.stderr and "Traceback" not in run.stderr
    assert not out.exists(), "nothing is written when the input cannot be read"


@pytest.mark.parametrize("args", [["missing.jsonl"], ["in.csv"]])
def test_unreadable_input_exits_2(tmp_path, args):
    (tmp_path / "in.csv").write_text("a,b\n1,2\n")
    run = batch(*(tmp_path / a for a in args), "-o", tmp_path / "out")
    assert run.returncode == 2
    assert "Traceback" not in run.stderr


def test_unsafe_and_duplicate_references_stay_in_the_folder(tmp_path):
    records = [record("../../etc/passwd"), record("..\\evil"), record("/abs/path"), record("../../etc/passwd")]
    out = tmp_path / "out"
    run = batch(write_jsonl(tmp_path / "in.jsonl", records), "-o", out, "--workers", "1")
    assert run.returncode == 1  # the duplicate
    names = sorted(p.name for p in (out / "letters").iterdir())
    assert names == ["abs-path.pdf", "etc-passwd.pdf", "evil.pdf"]
    assert all(p.resolve().parent == (out / "letters").resolve() for p in (out / "letters").iterdir())
    dup = failures(out)
    assert [d["line"] for d in dup] == [4] and dup[0]["findings"][0]["rule"] == "DUPLICATE"


def test_combined_pdf_and_zip(tmp_path):
    refs = ["ASC-3", "ASC-1", "ASC-2"]
    out = tmp_path / "out"
    run = batch(write_jsonl(tmp_path / "in.jsonl", [record(r) for r in refs]), "-o", out, "--combined-pdf", "--zip")
    assert run.returncode == 0, run.stderr
    summary = json.loads(run.stdout.strip().splitlines()[-1])
    pages = [len(PdfReader(out / "letters" / f"{r}.pdf").pages) for r in refs]
    combined = PdfReader(out / "combined.pdf")
    assert len(combined.pages) == sum(pages) == summary["combined_pdf"]["pages"]
    first_page = combined.pages[0].extract_text()
    assert "ASC-3" in first_page, "combined in input order"
    assert summary["notify_problems"] == []
    with zipfile.ZipFile(out / "letters.zip") as z:
        assert sorted(z.namelist()) == sorted([f"letters/{r}.pdf" for r in refs] + ["manifest.jsonl"])
        assert z.read("letters/ASC-1.pdf") == (out / "letters" / "ASC-1.pdf").read_bytes()


def test_notify_limits_read_the_page_count_the_batch_recorded(tmp_path):
    """Each PDF's page count goes into the manifest from its layout, and the end-of-run
    check against Notify's limits reads it there instead of opening every letter again;
    a manifest from before (no page count) still gets its letters counted."""
    from doctool.batch.package import notify_problems

    out = tmp_path / "out"
    run = batch(write_jsonl(tmp_path / "in.jsonl", [record("ASC-1"), record("ASC-2")]), "-o", out, "--format", "both")
    assert run.returncode == 0, run.stderr
    entries = [json.loads(line) for line in (out / "manifest.jsonl").read_text().splitlines()]
    for entry in entries:
        pdf, docx = sorted(entry["outputs"], key=lambda o: o["path"].endswith(".docx"))
        assert pdf["pages"] == len(PdfReader(out / pdf["path"]).pages) >= 2
        assert "pages" not in docx, "a Word file's pages are Word's to count"
    size = (out / "letters" / "ASC-1.pdf").stat().st_size

    def rewrite(change) -> None:
        for entry in entries:
            for o in entry["outputs"]:
                change(entry["reference"], o)
        (out / "manifest.jsonl").write_text("".join(json.dumps(e) + "\n" for e in entries))

    rewrite(lambda ref, o: o.update(pages=11) if ref == "ASC-1" and "pages" in o else None)
    assert notify_problems(out) == [f"ASC-1.pdf: 11 pages, {size:,} bytes"], "the manifest's count is used"
    rewrite(lambda ref, o: o.pop("pages", None))
    assert notify_problems(out) == [], "no count recorded: the letter itself is counted"


def test_machine_readable_output_when_not_a_terminal(tmp_path):
    run = batch(write_jsonl(tmp_path / "in.jsonl", [record("ASC-1")]), "-o", tmp_path / "out")
    assert run.returncode == 0
    assert run.stderr == ""  # no progress bar or prose when piped
    summary = json.loads(run.stdout)
    assert set(summary) >= {"total", "done", "skipped", "failed", "seconds", "letters_per_second", "manifest", "failures"}


def test_each_manifest_line_carries_the_findings_validate_gives(tmp_path):
    """A letter made despite a warning says so in its manifest line, with exactly the findings
    `doctool validate --json` gives for that record; the summary counts the warnings, and a
    re-run that skips the letter keeps them."""
    warned = record("ASC-W")
    del warned["contact"]  # CL-CONTACT: a warning, the letter is still made
    source = write_jsonl(tmp_path / "in.jsonl", [record("ASC-1"), warned, record("ASC-2", financial_assessment__weekly_charge=None)])
    expected = {}
    for rec in (record("ASC-1"), warned, record("ASC-2", financial_assessment__weekly_charge=None)):
        single = tmp_path / f"{rec['reference']}.json"
        single.write_text(json.dumps(rec))
        run = subprocess.run([sys.executable, "-m", "doctool", "validate", str(single), "--json"], capture_output=True, text=True)
        expected[rec["reference"]] = json.loads(run.stdout)["findings"]
    assert [f["rule"] for f in expected["ASC-W"]] == ["CL-CONTACT"]
    out = tmp_path / "out"
    for attempt, status in ((1, "done"), (2, "skipped")):
        run = batch(source, "-o", out, "--format", "docx", "--workers", "1")
        assert run.returncode == 1, run.stderr
        summary = json.loads(run.stdout.strip().splitlines()[-1])
        assert summary["warnings"] == 1, (attempt, summary)
        lines = {e["reference"]: e for e in manifest(out)}
        assert {r: e["status"] for r, e in lines.items()} == {"ASC-1": status, "ASC-W": status}
        assert {r: e["findings"] for r, e in lines.items()} == {"ASC-1": expected["ASC-1"], "ASC-W": expected["ASC-W"]}
        [failed] = failures(out)
        assert failed["reference"] == "ASC-2" and failed["findings"] == expected["ASC-2"]
