"""The finance officer's batch (issue 15, "Built for its four users"): check a file first,
failures by CSV row and column, warnings kept, UK dates and amounts, a Windows-1252 file
named for what it is.

The main test makes a 3,000-row export from the sample's good rows, seeds 30 problems and
as many cells that look wrong but must pass the mapping, and checks that ``--check`` names
exactly the 30 failing rows and their columns, writes no letter, and says nothing of the
values at the terminal.
"""

from __future__ import annotations

import csv
import io
import json
import time
from pathlib import Path

import pytest
from test_batch import LETTERS, batch, record, write_jsonl

from doctool.batch.cells import CellProblem, heading_key, month_first, read_date, read_money
from doctool.batch.records import Mapping, read_records
from doctool.batch.report import guard, value_at
from doctool.errors import ConfigError, InputError

SAMPLE_CSV = LETTERS / "finance-export.csv"
MAPPING = LETTERS / "finance-export.mapping.toml"


def sample_rows() -> tuple[list[str], list[dict[str, str]]]:
    rows = list(csv.DictReader(SAMPLE_CSV.open(encoding="utf-8", newline="")))
    return list(rows[0]), [r for r in rows if r["Client Ref"] in ("ASC-400001", "ASC-400002", "ASC-400003")]


def write_csv(path: Path, header: list[str], rows: list[dict[str, str]], file_header: list[str] | None = None) -> Path:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(file_header or header)
    for row in rows:
        writer.writerow([row[h] for h in header])
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def read_report(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(path.open(encoding="utf-8-sig", newline="")))


# (column, cell, rule): each makes its row fail at that column
PROBLEMS = [
    ("Postcode", "EX8 9S", "CL-ADDRESS-POSTCODE"),  # not a postcode
    ("Postcode", "EX1", "CL-ADDRESS-POSTCODE"),
    ("Postcode", "12345", "CL-ADDRESS-POSTCODE"),
    ("Postcode", "QQ1 1AA", "CL-ADDRESS-POSTCODE"),  # not a real postcode area
    ("Postcode", "ZZ9 9ZZ", "CL-ADDRESS-POSTCODE"),
    ("Postcode", "XY4 2QT", "CL-ADDRESS-POSTCODE"),
    ("Letter Date", "31/02/2027", "CSV-DATE"),  # impossible dates
    ("Letter Date", "29/02/2027", "CSV-DATE"),
    ("Assessed On", "00/02/2027", "CSV-DATE"),
    ("Charge From", "32/01/2027", "CSV-DATE"),
    ("Charge From", "2027-04-31", "CSV-DATE"),
    ("Assessed On", "22/02/27", "CSV-DATE"),  # a two-digit year
    ("Letter Date", "15 March 2027", "CSV-DATE"),
    ("Letter Date", "", "SCHEMA"),  # missing values
    ("Addressee", "", "SCHEMA"),
    ("Weekly Charge", "", "CL-ASSESSED-AMOUNT"),
    ("Weekly Charge", "", "CL-ASSESSED-AMOUNT"),
    ("State Pension", "", "SCHEMA"),
    ("Client Ref", "", "SCHEMA"),
    ("Weekly Charge", "12,34", "CSV-AMOUNT"),  # bad amounts
    ("Weekly Charge", "£9.00p", "CSV-AMOUNT"),
    ("Capital", "1.000,00", "CSV-AMOUNT"),
    ("Housing", "-5.00", "CSV-AMOUNT"),
    ("DRE", "=SUM(A1:A9)", "CSV-AMOUNT"),
    ("MIG", "two hundred", "CSV-AMOUNT"),
    ("Tariff", "£0.001", "SCHEMA"),  # reads as an amount; the record's own check refuses 3 places
    ("Weekly Charge", "£10.00", "CL-ARITHMETIC"),  # a well-written amount that does not add up
    ("Address 1", "=HYPERLINK(\"http://x\")", "CL-ADDRESS-CHAR"),
    ("", "Carter, Edith", "INPUT"),  # an unquoted comma shifts the columns: the row fails whole (no column)
    ("Postcode", "SW1A 2AA, London", "CL-ADDRESS-POSTCODE"),
]

# cells written the way finance systems and Excel write them: every one must pass
LENIENT = [
    ("Weekly Charge", lambda r: "£" + r["Weekly Charge"]),
    ("Capital", lambda r: f"£{float(r['Capital']):,.2f}"),
    ("State Pension", lambda r: f"£ {r['State Pension']}"),
    ("Weekly Care Cost", lambda r: f"{float(r['Weekly Care Cost']):,.2f}"),
    ("Letter Date", lambda r: "15/03/2027"),
    ("Assessed On", lambda r: "-".join(reversed(r["Assessed On"].split("-")))),
    ("Charge From", lambda r: "12/4/2027"),
]


def make_export(tmp_path: Path, n: int = 3000) -> tuple[Path, dict[int, tuple[str, str]]]:
    header, good = sample_rows()
    rows = []
    for i in range(n):
        row = dict(good[i % len(good)])
        row["Client Ref"] = f"ASC-{600000 + i}"
        rows.append(row)
    step = n // len(PROBLEMS)
    expected: dict[int, tuple[str, str]] = {}  # CSV line -> (column, rule)
    for k, (column, cell, rule) in enumerate(PROBLEMS):
        i = k * step + 7
        if column:
            rows[i][column] = cell
        else:
            rows[i]["Addressee"] = cell
        expected[i + 2] = (column, rule)
    for k, (column, change) in enumerate(LENIENT * 20):  # 140 lenient cells in rows that stay good
        i = k * 19 + 3
        if i + 2 not in expected:
            rows[i][column] = change(rows[i])
    file_header = [RENAMED.get(h, h) for h in header]
    path = write_csv(tmp_path / "april.csv", header, rows, file_header)
    path.write_text(path.read_text().replace('"Carter, Edith"', "Carter, Edith"))  # unquoted
    return path, expected


# headings in another case and spacing, as another export might write them
RENAMED = {"Client Ref": "CLIENT REF", "Postcode": " postcode ", "Weekly Charge": "Weekly  charge"}


def test_check_names_exactly_the_failing_rows_and_columns_of_3000(tmp_path):
    source, expected = make_export(tmp_path)
    out = tmp_path / "report"
    started = time.monotonic()
    run = batch("--check", source, "--mapping", MAPPING, "-o", out, timeout=120)
    seconds = time.monotonic() - started
    assert run.returncode == 1, run.stderr
    assert seconds < 60, seconds

    assert sorted(p.name for p in out.iterdir()) == ["failures.csv", "failures.jsonl", "summary.json", "warnings.csv"]
    lines = read_report(out / "failures.csv")
    assert list(lines[0]) == ["row", "reference", "column", "value", "rule", "message"]
    rows = {int(x["row"]) for x in lines}
    assert rows == set(expected), sorted(rows ^ set(expected))
    for line, (column, rule) in expected.items():
        mine = [x for x in lines if int(x["row"]) == line]
        wanted = RENAMED.get(column, column).strip()
        assert any(x["column"] == wanted and x["rule"] == rule for x in mine), (line, column, rule, mine)
    by_value = {x["value"] for x in lines}
    assert "'=SUM(A1:A9)" in by_value and "'-5.00" in by_value, "CSV injection guarded"
    assert "'=HYPERLINK(\"http://x\")" in by_value and "EX8 9S" in by_value

    summary = json.loads((out / "summary.json").read_text())
    assert summary == json.loads(run.stdout)
    assert (summary["total"], summary["would_make"], summary["would_fail"]) == (3000, 2970, 30)
    assert summary["rows_per_second"] > 100
    assert sum(r["count"] for r in summary["reasons"]) == len(lines)
    assert len(read_report(out / "warnings.csv")) == summary["warnings"] == sum(summary["warning_rules"].values())
    assert len((out / "failures.jsonl").read_text().splitlines()) == 30

    # the terminal: counts and reasons, never a value from the file
    assert "rows/s" in run.stderr and "no letter was made" in run.stderr
    assert "× postcode:" in run.stderr and "CSV-DATE" in run.stderr
    for secret in ("EX8 9S", "QQ1 1AA", "=SUM", "12,34", "Carter", "two hundred", "Edith", "HYPERLINK", "£10.00", "£236.00"):
        assert secret not in run.stderr and secret not in json.dumps(summary["reasons"]), secret
    assert "SW1A 2AA" in run.stderr, "the example in a rule's wording stays"
    print(f"\n--check: 3000 rows in {seconds:.1f} s wall ({summary['rows_per_second']} rows/s inside the check)")


def test_check_of_the_sample_export_and_exit_0_when_all_would_be_made(tmp_path):
    run = batch("--check", SAMPLE_CSV, "--mapping", MAPPING, "-o", tmp_path / "r")
    assert run.returncode == 1
    got = [(x["row"], x["reference"], x["column"], x["value"], x["rule"]) for x in read_report(tmp_path / "r" / "failures.csv")]
    assert got == [("5", "ASC-400004", "Postcode", "EX8 9S", "CL-ADDRESS-POSTCODE"),
                   ("6", "ASC-400005", "Weekly Charge", "", "CL-ASSESSED-AMOUNT")]
    assert not (tmp_path / "r" / "letters").exists() and not (tmp_path / "r" / "manifest.jsonl").exists()
    header, good = sample_rows()
    clean = write_csv(tmp_path / "clean.csv", header, good)
    run = batch("--check", clean, "--mapping", MAPPING, "-o", tmp_path / "r2")
    assert run.returncode == 0, run.stderr
    assert read_report(tmp_path / "r2" / "failures.csv") == []


def test_check_refuses_a_folder_with_letters(tmp_path):
    source = write_jsonl(tmp_path / "in.jsonl", [record("ASC-1")])
    (tmp_path / "out" / "letters").mkdir(parents=True)
    run = batch("--check", source, "-o", tmp_path / "out")
    assert run.returncode == 2 and "folder of its own" in run.stderr, run.stderr
    assert not (tmp_path / "out" / "failures.csv").exists()


def test_check_with_packaging_options_is_refused(tmp_path):
    source = write_jsonl(tmp_path / "in.jsonl", [record("ASC-1")])
    run = batch("--check", source, "--zip", "-o", tmp_path / "r")
    assert run.returncode == 2 and "--check makes no letter" in run.stderr and not (tmp_path / "r").exists()


def test_a_runaway_quote_stops_the_check_with_its_line(tmp_path):
    header, good = sample_rows()
    path = write_csv(tmp_path / "in.csv", header, good * 10)
    text = path.read_text().splitlines()
    text[5] = text[5].replace("Eastbrook", '"Eastbrook', 1)
    path.write_text("\n".join(text) + "\n")
    run = batch("--check", path, "--mapping", MAPPING, "-o", tmp_path / "r")
    assert run.returncode == 2 and "line 6" in run.stderr, run.stderr
    assert not (tmp_path / "r").exists()


def test_a_windows_1252_export_is_refused_naming_it_and_how_to_save_utf8(tmp_path):
    header, good = sample_rows()
    good[1]["Weekly Charge"] = "£33.25"
    path = write_csv(tmp_path / "in.csv", header, good)
    path.write_bytes(path.read_text(encoding="utf-8").encode("cp1252"))
    for args in (["--check"], ["--format", "docx", "--workers", "1"]):
        out = tmp_path / f"out{len(args)}"
        run = batch(*args, path, "--mapping", MAPPING, "-o", out)
        assert run.returncode == 2, run.stderr
        assert "Windows-1252" in run.stderr and "0xa3" in run.stderr and "'£'" in run.stderr
        assert "CSV UTF-8" in run.stderr and "File > Save As" in run.stderr and "line 3" in run.stderr
        assert "Traceback" not in run.stderr and not out.exists()


def test_a_bad_json_lines_record_names_its_line_in_the_file(tmp_path):
    lines: list[dict | str] = [record(f"ASC-{i}") for i in range(40)]
    lines[33] = '{"record_type": "charging_letter", oops}'
    source = write_jsonl(tmp_path / "in.jsonl", lines)
    run = batch("--check", source, "-o", tmp_path / "r")
    assert run.returncode == 1
    (bad,) = read_report(tmp_path / "r" / "failures.csv")
    assert bad["row"] == "34" and bad["rule"] == "INPUT" and bad["column"] == "$"
    assert bad["message"].startswith("line 34 of the input is not valid JSON (at column 36: "), bad["message"]
    assert "line 1," not in run.stderr


def test_a_run_writes_failures_csv_and_each_letters_warnings(tmp_path):
    """A normal run: failures.csv beside failures.jsonl, every manifest line lists its
    warnings (rule, path, column, message), and the summary counts them by rule."""
    header, good = sample_rows()
    good[2]["Officer"] = ""  # CL-CONTACT: a warning; the letter is still made
    good[2]["Officer Phone"] = good[2]["Officer Email"] = ""
    good[1]["Tariff"] = "5.00"  # CL-TARIFF, and CL-ARITHMETIC (the charge no longer adds up): fails
    good[0]["Capital"] = "£1,000.00"
    path = write_csv(tmp_path / "in.csv", header, good)
    out = tmp_path / "out"
    run = batch(path, "--mapping", MAPPING, "--format", "docx", "--workers", "1", "-o", out)
    assert run.returncode == 1, run.stderr
    summary = json.loads(run.stdout)
    assert summary["failures_csv"] == "failures.csv" and summary == json.loads((out / "summary.json").read_text())
    assert (summary["done"], summary["failed"]) == (2, 1)
    assert summary["warning_rules"]["CL-CONTACT"] == 1 and summary["warnings"] == sum(summary["warning_rules"].values())
    entries = [json.loads(x) for x in (out / "manifest.jsonl").read_text().splitlines()]
    assert [e["reference"] for e in entries] == ["ASC-400001", "ASC-400003"]
    warned = {w["rule"]: w for w in entries[1]["warnings"]}
    assert [f["rule"] for f in entries[1]["findings"] if f["severity"] == "warning"] == list(warned)
    assert warned["CL-CONTACT"]["path"] == "$.contact" and warned["CL-CONTACT"]["column"] == "Officer / Officer Phone / Officer Email"
    assert set(warned["CL-CONTACT"]) == {"rule", "path", "column", "message"}
    failed = read_report(out / "failures.csv")
    assert {(x["row"], x["column"], x["rule"]) for x in failed} == {("3", "Weekly Charge", "CL-ARITHMETIC")}
    warnings = read_report(out / "warnings.csv")
    assert len(warnings) == summary["warnings"] and ("4", "ASC-400003", "CL-CONTACT") in {(x["row"], x["reference"], x["rule"]) for x in warnings}
    assert [f["column"] for f in json.loads((out / "failures.jsonl").read_text())["findings"] if f["rule"] == "CL-ARITHMETIC"] == ["Weekly Charge"]


# --- the mapping's leniency, and nothing more ---------------------------------------------------


@pytest.mark.parametrize("given,wanted", [
    ("22/02/2027", "2027-02-22"), ("22-02-2027", "2027-02-22"), ("2/3/2027", "2027-03-02"),
    ("2027-02-22", "2027-02-22"), ("29/02/2028", "2028-02-29"),
])
def test_uk_dates_are_read_day_first(given, wanted):
    assert read_date(given) == wanted


@pytest.mark.parametrize("given,words", [
    ("31/02/2027", "not a real date"), ("29/02/2027", "not a real date"), ("2027-02-30", "not a real date"),
    ("22/02/27", "two-digit year"), ("02/22/2027", "month first"), ("22/02-2027", "not a date"),
    ("22.02.2027", "not a date"), ("tomorrow", "not a date"), ("2027/02/22", "not a date"), ("00/00/2027", "not a real date"),
])
def test_impossible_and_ambiguous_dates_are_refused(given, words):
    with pytest.raises(CellProblem) as err:
        read_date(given)
    assert words in err.value.message and given not in err.value.message


def test_a_column_with_a_month_first_date_refuses_its_dates_that_read_either_way():
    assert month_first("02/22/2027") and not month_first("22/02/2027") and not month_first("03/04/2027")
    with pytest.raises(CellProblem, match=r"ambiguous.*row 17"):
        read_date("03/04/2027", month_first_row=17)
    assert read_date("04/04/2027", month_first_row=17) == "2027-04-04"  # the same either way
    assert read_date("22/04/2027", month_first_row=17) == "2027-04-22"  # a day over 12 cannot be a month


@pytest.mark.parametrize("given,wanted", [
    ("£9.00", "9.00"), ("£1,234.50", "1234.50"), ("1,234.50", "1234.50"), ("£ 12", "12"), ("1,000,000.00", "1000000.00"),
    ("0", "0"), ("9.999", "9.999"),  # three places: passed on for the record's own check to refuse
])
def test_pound_signs_and_thousands_separators_are_read(given, wanted):
    assert read_money(given) == wanted


@pytest.mark.parametrize("given", ["12,34", "1.234,50", "£9.00p", "9.00 GBP", "$9.00", "£", "1,2345", "-5", "-£5.00", "£-5", "9 00", "١٢"])
def test_other_amounts_are_refused(given):
    with pytest.raises(CellProblem):
        read_money(given)


def test_headings_match_whatever_their_case_and_spacing_and_a_missing_one_is_suggested(tmp_path):
    assert heading_key(" Client  REF ") == heading_key("client ref") == "clientref"
    header, good = sample_rows()
    renamed = ["Postcde" if h == "Postcode" else h.upper() for h in header]
    path = write_csv(tmp_path / "in.csv", header, good, renamed)
    with pytest.raises(InputError, match="'Postcode'; did you mean 'Postcde'"):
        read_records(path, MAPPING)
    path = write_csv(tmp_path / "in.csv", header, good, [RENAMED.get(h, h) for h in header])
    records = read_records(path, MAPPING)
    assert records.columns is not None and records.columns["$.reference"] == "CLIENT REF"
    assert records.columns["$.recipient.address.postcode"] == "postcode" and records.unused == []


def test_a_file_without_a_heading_row_is_refused_without_quoting_it(tmp_path):
    header, good = sample_rows()
    path = tmp_path / "in.csv"
    path.write_text("\n".join(",".join(r[h] for h in header) for r in good) + "\n")
    with pytest.raises(InputError) as err:
        read_records(path, MAPPING)
    assert "heading row" in err.value.message and "Edith" not in err.value.message


def test_a_mapping_to_a_field_the_record_does_not_have_is_refused_with_a_suggestion(tmp_path):
    bad = tmp_path / "map.toml"
    bad.write_text(MAPPING.read_text().replace('"recipient.address.postcode"', '"recipient.address.postkode"'))
    with pytest.raises(ConfigError, match=r"no field 'postkode'.*did you mean 'postcode'"):
        Mapping.load(bad)


def test_what_the_mapping_made_is_what_is_validated(tmp_path):
    """A cell refused by the mapping is left out of the record; the row still fails, with
    the cell's own problem and the row's other findings, and no 'is required' for it."""
    header, good = sample_rows()
    good[0]["Weekly Charge"] = "£9.00p"
    good[0]["Postcode"] = "QQ1 1AA"
    path = write_csv(tmp_path / "in.csv", header, good[:1])
    (rec,) = list(read_records(path, MAPPING))
    assert "weekly_charge" not in json.loads(rec.raw)["financial_assessment"]
    assert [(p.column, p.value, p.rule) for p in rec.problems] == [("Weekly Charge", "£9.00p", "CSV-AMOUNT")]
    run = batch("--check", path, "--mapping", MAPPING, "-o", tmp_path / "r")
    got = {(x["column"], x["rule"]) for x in read_report(tmp_path / "r" / "failures.csv")}
    assert got == {("Weekly Charge", "CSV-AMOUNT"), ("Postcode", "CL-ADDRESS-POSTCODE")}, got
    assert run.returncode == 1


def test_csv_injection_guard_and_values_by_json_path():
    assert [guard(x) for x in ("=1+1", "+44", "-5", "@SUM", "\tx", "ok", "")] == ["'=1+1", "'+44", "'-5", "'@SUM", "'\tx", "ok", ""]
    data = json.loads('{"a": {"b": [1.50, "x"]}, "c d": "y"}', parse_float=str, parse_int=str)
    assert value_at(data, "$.a.b[0]") == "1.50" and value_at(data, "$.a.b[1]") == "x"
    assert value_at(data, '$["c d"]') == "y" and value_at(data, "$.a.q") == "" and value_at(data, "$.a") == '{"b":["1.50","x"]}'
