"""A batch fails one record, never the run ("Every letter goes out", part 3).

A record that makes a renderer raise, or kills its worker process, is that record's
failure; unreadable input (a runaway CSV quote, bytes that are not UTF-8, a huge field) is
refused whole before the first letter; one run at a time holds an OUTDIR; and a re-run
moves aside the letters of records that now fail or are gone.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_batch import LETTERS, RUN_FILES, batch, failures, manifest, record, write_jsonl

from doctool.batch.records import read_records
from doctool.batch.runner import LOCK, hold_outdir

SAMPLE_CSV = LETTERS / "finance-export.csv"
MAPPING = LETTERS / "finance-export.mapping.toml"
POISON_NAME = "Mrs Vera\x0bSecret"
SABOTAGE = Path(__file__).parent / "sabotage"  # a vertical tab: a Word document cannot hold it


def summary_of(run) -> dict:
    return json.loads(run.stdout.strip().splitlines()[-1])


def csv_rows(n: int) -> tuple[str, list[str]]:
    """The sample export's header and ``n`` good rows, each with its own reference."""
    header, first, *_ = SAMPLE_CSV.read_text().splitlines()
    return header, [first.replace("ASC-400001", f"ASC-{500000 + i}") for i in range(n)]


def sabotaged_batch(tmp_path, refs: list[str], formats: tuple[str, ...], how: str):
    """``run_batch`` in a fresh Python whose processes (its fork server's workers too) break
    the renderer for one reference (tests/sabotage/sitecustomize.py); its summary."""
    source = write_jsonl(tmp_path / "in.jsonl", [record(r) for r in refs])
    out = tmp_path / "out"
    code = (
        "import json\n"
        "from pathlib import Path\n"
        "from doctool.batch.records import read_records\n"
        "from doctool.batch.runner import run_batch\n"
        f"s = run_batch(read_records(Path({str(source)!r})), Path({str(out)!r}), {formats!r}, 2)\n"
        "print(json.dumps([s.total, s.done, s.failed]))\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SABOTAGE), os.environ.get("PYTHONPATH", "")]),
           "DOCTOOL_TEST_SABOTAGE": how}
    run = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    return out, tuple(json.loads(run.stdout.strip().splitlines()[-1]))


def test_a_record_that_breaks_the_renderer_is_one_failure(tmp_path):
    refs = [f"ASC-{i:03d}" for i in range(50)]
    out, counts = sabotaged_batch(tmp_path, refs, ("docx", "pdf"), "raise:ASC-017")
    assert counts == (50, 49, 1)
    good = [r for r in refs if r != "ASC-017"]
    assert [e["reference"] for e in manifest(out)] == good
    assert sorted(p.name for p in (out / "letters").iterdir()) == sorted(f"{r}.{x}" for r in good for x in ("docx", "pdf"))
    [failed] = failures(out)
    assert (failed["line"], failed["reference"], failed["status"]) == (18, "ASC-017", "failed")
    [finding] = failed["findings"]
    assert finding["rule"] == "RENDER" and finding["message"].startswith("ValueError")
    assert "Vera" not in (out / "failures.jsonl").read_text(), "no personal data: the message is ours, not the exception's"


def test_a_control_character_is_one_listed_failure_at_its_field(tmp_path):
    """A vertical tab in a name once broke the Word renderer; the schema now refuses it, and
    the batch lists that one record at the field while the others are made."""
    refs = [f"ASC-{i:03d}" for i in range(5)]
    records = [record(r) for r in refs]
    records[2] = record(refs[2], recipient__name=POISON_NAME)
    out = tmp_path / "out"
    run = batch(write_jsonl(tmp_path / "in.jsonl", records), "--format", "both", "-o", out, "--workers", "1")
    assert run.returncode == 1, run.stderr
    assert (summary_of(run)["done"], summary_of(run)["failed"]) == (4, 1)
    [failed] = failures(out)
    assert failed["reference"] == refs[2] and failed["findings"][0]["path"] == "$.recipient.name"
    assert "U+000B" in failed["findings"][0]["message"] and "Vera" not in (out / "failures.jsonl").read_text()


def test_a_worker_that_dies_is_replaced_and_only_its_killer_fails(tmp_path):
    refs = ["ASC-1", "ASC-2", "ASC-KILL", "ASC-4", "ASC-5", "ASC-6"]
    out, counts = sabotaged_batch(tmp_path, refs, ("docx",), "exit:ASC-KILL")
    assert counts == (6, 5, 1)
    assert [e["reference"] for e in manifest(out)] == [r for r in refs if r != "ASC-KILL"]
    [failed] = failures(out)
    assert failed["reference"] == "ASC-KILL" and failed["findings"][0]["rule"] == "WORKER-DIED"
    assert sorted(p.name for p in (out / "letters").iterdir()) == sorted(f"{r}.docx" for r in refs if r != "ASC-KILL")
    assert not (out / LOCK).exists()


def test_a_runaway_csv_quote_is_refused_before_any_letter(tmp_path):
    header, rows = csv_rows(5)
    rows[2] = rows[2].replace("Mrs Edith Carter", '"Mrs Edith Carter')  # opens on line 4, never closes
    source = tmp_path / "in.csv"
    source.write_text("\n".join([header, *rows]) + "\n")
    out = tmp_path / "out"
    run = batch(source, "--mapping", MAPPING, "--format", "docx", "-o", out, "--workers", "1")
    assert run.returncode == 2, run.stdout
    assert "line 4" in run.stderr and "quote" in run.stderr and "Traceback" not in run.stderr
    assert not out.exists(), "no letter, no folder"


def test_a_stray_quote_closed_rows_later_is_refused_naming_its_line(tmp_path):
    header, rows = csv_rows(6)
    rows[1] = rows[1].replace("Mrs Edith Carter", '"Mrs Edith Carter')
    rows[4] = rows[4].replace("Mrs Edith Carter", 'Mrs Edith Carter"')  # the quote "closes" three rows on
    source = tmp_path / "in.csv"
    source.write_text("\n".join([header, *rows]) + "\n")
    run = batch(source, "--mapping", MAPPING, "--format", "docx", "-o", tmp_path / "out", "--workers", "1")
    assert run.returncode == 2 and "line 3" in run.stderr, run.stderr
    assert not (tmp_path / "out").exists()


def test_a_csv_not_utf8_at_row_100_is_refused_before_any_letter(tmp_path):
    header, rows = csv_rows(120)
    lines = [(r + "\n").encode() for r in [header, *rows]]
    lines[100] = lines[100].replace(b"Edith", "Édith".encode("latin-1"))  # row 100 is on line 101
    source = tmp_path / "in.csv"
    source.write_bytes(b"".join(lines))
    offset = sum(len(x) for x in lines[:100]) + lines[100].index(b"\xc9")
    out = tmp_path / "out"
    run = batch(source, "--mapping", MAPPING, "--format", "docx", "-o", out, "--workers", "1")
    assert run.returncode == 2, run.stdout
    assert "not UTF-8" in run.stderr and "line 101" in run.stderr and f"byte offset {offset:,}" in run.stderr
    assert not out.exists()


def test_json_lines_not_utf8_is_refused_before_any_letter(tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_bytes(json.dumps(record("ASC-1")).encode() + b"\n" + json.dumps(record("ASC-2")).encode().replace(b"Mrs", b"M\xe9s") + b"\n")
    run = batch(source, "--format", "docx", "-o", tmp_path / "out", "--workers", "1")
    assert run.returncode == 2 and "line 2" in run.stderr, run.stderr
    assert not (tmp_path / "out").exists()


def test_a_field_over_the_csv_limit_is_refused(tmp_path):
    header, rows = csv_rows(3)
    rows[1] = rows[1].replace("Mrs Edith Carter", '"' + "x" * 200_000 + '"')
    source = tmp_path / "in.csv"
    source.write_text("\n".join([header, *rows]) + "\n")
    run = batch(source, "--mapping", MAPPING, "--format", "docx", "-o", tmp_path / "out", "--workers", "1")
    assert run.returncode == 2 and "line 3" in run.stderr and "limit" in run.stderr, run.stderr
    assert not (tmp_path / "out").exists()


def test_a_row_with_shifted_columns_is_that_rows_failure(tmp_path):
    header, rows = csv_rows(3)
    rows[1] = rows[1].replace("Mrs Edith Carter", "Carter, Edith")  # an unquoted comma: every later column shifts
    source = tmp_path / "in.csv"
    source.write_text("\n".join([header, *rows]) + "\n")
    records = list(read_records(source, MAPPING))
    assert [r.line for r in records] == [2, 3, 4] and len(read_records(source, MAPPING)) == 3
    assert records[1].raw is None and "22 fields" in records[1].error


def test_a_second_run_on_the_same_folder_exits_2(tmp_path):
    source = write_jsonl(tmp_path / "in.jsonl", [record("ASC-1")])
    out = tmp_path / "out"
    with hold_outdir(out):  # a run in progress
        run = batch(source, "--format", "docx", "-o", out, "--workers", "1")
        assert run.returncode == 2, run.stdout
        assert "in use" in run.stderr and "Traceback" not in run.stderr
        assert not (out / "letters").exists() and not (out / "manifest.jsonl").exists()
    run = batch(source, "--format", "docx", "-o", out, "--workers", "1")
    assert run.returncode == 0, run.stderr
    assert sorted(p.name for p in out.iterdir()) == RUN_FILES, "the lock file goes"


def test_two_runs_at_once_on_one_folder(tmp_path):
    """The second of two real runs exits 2 and leaves the first's journal alone."""
    refs = [f"ASC-{i:04d}" for i in range(300)]
    source = write_jsonl(tmp_path / "in.jsonl", [record(r) for r in refs])
    out = tmp_path / "out"
    first = subprocess.Popen(
        [sys.executable, "-m", "doctool", "batch", str(source), "--format", "docx", "-o", str(out), "--workers", "1"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    deadline = time.monotonic() + 120
    while not (out / "manifest.jsonl").exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    second = batch(source, "--format", "docx", "-o", out, "--workers", "1")
    _stdout, stderr = first.communicate(timeout=300)
    assert first.returncode == 0, stderr
    assert second.returncode == 2 and "in use" in second.stderr, (second.returncode, second.stderr)
    assert [e["reference"] for e in manifest(out)] == refs
    assert sorted(p.name for p in out.iterdir()) == RUN_FILES


def test_a_rerun_moves_aside_letters_whose_records_now_fail_or_are_gone(tmp_path):
    out = tmp_path / "out"
    source = write_jsonl(tmp_path / "in.jsonl", [record("ASC-1"), record("ASC-2"), record("ASC-3")])
    assert batch(source, "--format", "docx", "-o", out, "--workers", "1").returncode == 0
    old = {r: (out / "letters" / f"{r}.docx").read_bytes() for r in ("ASC-2", "ASC-3")}

    write_jsonl(source, [record("ASC-1"), record("ASC-2", financial_assessment__weekly_charge=None)])  # ASC-3 gone
    run = batch(source, "--format", "docx", "-o", out, "--workers", "1")
    assert run.returncode == 1, run.stderr
    summary = summary_of(run)
    assert (summary["skipped"], summary["failed"], summary["superseded"]) == (1, 1, 2)
    assert sorted(p.name for p in (out / "letters").iterdir()) == ["ASC-1.docx"], "only the manifest's letters"
    [failed] = failures(out)
    [moved] = failed["superseded"]
    assert failed["reference"] == "ASC-2" and moved.startswith("superseded/ASC-2.") and moved.endswith(".docx")
    assert (out / moved).read_bytes() == old["ASC-2"]
    [gone] = [p for p in (out / "superseded").iterdir() if p.name.startswith("ASC-3.")]
    assert gone.read_bytes() == old["ASC-3"]

    again = batch(source, "--format", "docx", "-o", out, "--workers", "1")  # nothing more to move
    assert summary_of(again)["superseded"] == 0
    assert len(list((out / "superseded").iterdir())) == 2


@pytest.mark.skipif(sys.platform != "linux", reason="fork and flock")
def test_the_lock_is_released_when_a_run_raises(tmp_path):
    out = tmp_path / "out"
    with pytest.raises(RuntimeError), hold_outdir(out):
        raise RuntimeError
    with hold_outdir(out):
        assert (out / LOCK).exists()
    assert not (out / LOCK).exists()


def test_a_quoted_field_over_two_lines_is_still_one_record(tmp_path):
    header, rows = csv_rows(3)
    rows[1] = rows[1].replace("Mrs Edith Carter", '"Mrs Edith\nCarter"')  # a real line break in a quoted cell
    source = tmp_path / "in.csv"
    source.write_text("\n".join([header, *rows]) + "\n")
    records = read_records(source, MAPPING)
    assert len(records) == 3
    assert [(r.line, r.raw is not None) for r in records] == [(2, True), (3, True), (5, True)]
