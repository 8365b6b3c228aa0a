"""One pipeline for every face: the same findings, files, names and manifest whichever way
an input comes in.

For every sample: ``doctool validate --json`` shows exactly the findings that
``render --all --draft`` acts on and writes into its manifest, that ``POST /v1/validate``
returns, and (for letter records) that the batch writes on the record's manifest line. The
service renders every document in every format, and the for-person set as a zip.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import re
import subprocess
import sys
import warnings
import zipfile
from pathlib import Path

import pytest

with warnings.catch_warnings():  # starlette's notice that its TestClient will move to httpx2
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from test_service import AUTH, FILENAME, make_settings

from doctool import pipeline
from doctool.documents import DOCUMENTS
from doctool.errors import Incomplete, InputError, NotApplicable
from doctool.service.app import create_app

from conftest import REPO
from render_helpers import cli

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

PLANS = sorted((REPO / "samples" / "plans").glob("*.json"))
LETTERS = sorted((REPO / "samples" / "letters").glob("*.json"))
DRAFTS = sorted(p for p in (REPO / "samples" / "drafts").glob("*.json") if p.name != "EXPECTED.json")
SAMPLES = [*PLANS, *LETTERS, *DRAFTS]
SAMPLE_01 = PLANS[0]
SAMPLE_02 = REPO / "samples" / "plans" / "02-learning-disability-direct-payment-pa.json"
DOCX_MEDIA = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _id(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    settings = make_settings(tmp_path_factory.mktemp("pipeline-service"), render_timeout=180)
    with TestClient(create_app(settings)) as c:
        yield c


@pytest.fixture(scope="module")
def batch_lines(tmp_path_factory) -> dict[str, dict]:
    """Every letter sample through ``doctool batch`` once: manifest and failures lines by reference."""
    folder = tmp_path_factory.mktemp("pipeline-batch")
    source = folder / "letters.jsonl"
    source.write_text("".join(json.dumps(json.loads(p.read_text(encoding="utf-8"))) + "\n" for p in LETTERS))
    out = folder / "out"
    run = subprocess.run(
        [sys.executable, "-m", "doctool", "batch", str(source), "--format", "docx", "--workers", "1", "-o", str(out)],
        capture_output=True, text=True, timeout=600,
    )
    assert run.returncode in (0, 1), run.stderr
    lines = [json.loads(line) for name in ("manifest.jsonl", "failures.jsonl") for line in (out / name).read_text().splitlines()]
    return {line["reference"]: line for line in lines}


# --- the same findings on every face -----------------------------------------------------------------


@pytest.mark.parametrize("path", SAMPLES, ids=_id)
def test_every_face_shows_the_same_findings(path, tmp_path, client, batch_lines):
    raw = path.read_bytes()
    code, out, err = cli(["validate", path, "--json"])
    assert code in (0, 1), err
    validated = json.loads(out)

    # what render acts on is prepare's report: the same, finding for finding
    prepared = pipeline.prepare(raw, draft=True)
    assert prepared.report.as_dict() == validated
    assert validated["complete"] is (code == 0)

    # render --all --draft writes those findings into its manifest, and prints them as validate does
    code, _out, err = cli(["render", path, "--all", "--draft", "-o", tmp_path])
    assert code == 0, err
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["findings"] == validated["findings"]
    assert manifest["complete"] is validated["complete"] and manifest["profile"] == validated["profile"]
    assert manifest["input_sha256"] == hashlib.sha256(raw).hexdigest()
    assert sorted({f["document"] for f in manifest["files"]}) == sorted(prepared.documents)
    if validated["findings"]:
        code, text, _ = cli(["validate", path])
        assert text.strip() in err  # the same report validate prints
    for finding in validated["findings"]:
        assert finding["rule"] in err

    # the service's validate
    r = client.post("/v1/validate", content=raw, headers=AUTH)
    assert r.status_code == 200
    assert r.json() == validated

    # a letter record through the batch: its line carries the same findings
    data = json.loads(raw)
    if data.get("record_type") == "charging_letter":
        assert batch_lines[data["reference"]]["findings"] == validated["findings"]


def test_render_prints_the_findings_validate_prints(tmp_path):
    """Sample 01 has easy-read warnings: render prints them as validate does, not just a count."""
    code, validated, _ = cli(["validate", SAMPLE_01])
    assert code == 0 and "ER-SENTENCE-LENGTH" in validated
    code, _out, err = cli(["render", SAMPLE_01, "--document", "plan", "--format", "txt", "-o", tmp_path])
    assert code == 0
    assert validated.strip() in err


# --- prepare once, render many ---------------------------------------------------------------------------------


def test_a_document_is_built_once_for_all_its_formats(monkeypatch):
    calls = []
    kind = DOCUMENTS["plan"]

    def counting(*args):
        calls.append(args)
        return kind.compose(*args)

    monkeypatch.setitem(DOCUMENTS, "plan", dataclasses.replace(kind, compose=counting))
    prepared = pipeline.prepare(SAMPLE_01.read_bytes())
    rendered = pipeline.render_set(prepared, pipeline.Selection.of(["plan"], ["docx", "txt", "html", "braille", "large-print-docx"]))
    assert [f.format for f in rendered.files] == ["docx", "txt", "html", "braille", "large-print-docx"]
    assert len(calls) == 1


def test_prepared_holds_each_document_and_their_merged_report():
    prepared = pipeline.prepare(SAMPLE_02.read_bytes())
    assert list(prepared.documents) == ["plan", "charging-letter", "dp-summary", "easyread"]
    assert prepared.complete and prepared.stem == "ASC-118906"
    every = {f for d in prepared.documents.values() for f in d.report.findings}
    assert set(prepared.report.findings) == every
    assert {f.rule for f in prepared.documents["easyread"].report.warnings} >= {"ER-SENTENCE-LENGTH"}
    assert prepared.documents["plan"].report.findings == []


def test_file_names_come_from_the_reference_and_say_draft():
    prepared = pipeline.prepare((REPO / "samples" / "drafts" / "01-no-advice.json").read_bytes(), draft=True)
    rendered = pipeline.render_set(prepared, pipeline.Selection.of(["plan"], ["docx", "large-print-docx", "braille"]))
    assert [f.name for f in rendered.files] == [
        "ASC-119578-plan-DRAFT.docx",
        "ASC-119578-plan-large-print-DRAFT.docx",
        "ASC-119578-plan-DRAFT.brf",
    ]
    assert rendered.draft and all(f.draft for f in rendered.files)
    assert [e["path"] for e in rendered.manifest["files"]] == [f.name for f in rendered.files]


def test_a_set_with_a_blocking_finding_is_refused_with_every_finding():
    raw = (REPO / "samples" / "drafts" / "01-no-advice.json").read_bytes()
    prepared = pipeline.prepare(raw)
    with pytest.raises(Incomplete) as caught:
        pipeline.render_set(prepared, pipeline.Selection.all())
    assert caught.value.report is prepared.report
    # a document with no blocking finding of its own may still be made alone; made from a
    # plan whose status is draft, it is marked draft too (a draft marks every document)
    letter = pipeline.render_set(prepared, pipeline.Selection.one("charging-letter", "docx"))
    assert prepared.record.status.value == "draft"
    assert letter.draft and letter.files[0].name == "ASC-119578-charging-letter-DRAFT.docx"


@pytest.mark.parametrize(
    "make,message",
    [
        (lambda: pipeline.Selection.one("plna", "pdf"), "did you mean 'plan'"),
        (lambda: pipeline.Selection.one("plan", "brail"), "did you mean 'braille'"),
        (lambda: pipeline.Selection.named("for_person"), "did you mean 'for-person'"),
        (lambda: pipeline.Selection.one("plan", "braille", 20), "print size applies to large and clear print"),
        (lambda: pipeline.Selection.one("plan", "clear-print-pdf", 20), "clear print size must be"),
    ],
)
def test_a_bad_selection_is_an_input_error_that_helps(make, message):
    with pytest.raises(InputError, match=message):
        make()


def test_cli_suggests_the_format_meant(tmp_path):
    code, _out, err = cli(["render", SAMPLE_01, "--document", "plan", "--format", "pfd", "-o", tmp_path / "x.pdf"])
    assert code == 2 and "did you mean 'pdf'" in err and not (tmp_path / "x.pdf").exists()


def test_a_document_that_does_not_apply():
    prepared = pipeline.prepare(SAMPLE_01.read_bytes())
    with pytest.raises(NotApplicable, match="direct payment"):
        pipeline.render_set(prepared, pipeline.Selection.one("dp-summary", "pdf"))


# --- the service: every format, and sets as zips -------------------------------------------------------------


def _looks_like(fmt: str, content: bytes) -> bool:
    if fmt.endswith("pdf"):
        return content.startswith(b"%PDF-")
    if fmt.endswith("docx"):
        return content.startswith(b"PK\x03\x04") and zipfile.ZipFile(io.BytesIO(content)).testzip() is None
    if fmt == "braille":  # BRF: ASCII braille, lines of at most 40 cells, pages split by form feeds
        text = content.decode("ascii")
        return all(len(line) <= 40 for line in text.replace("\f", "\n").splitlines()) and text.strip() != ""
    if fmt == "audio":  # MP3: an ID3 tag or an MPEG frame sync
        return content.startswith(b"ID3") or (content[0] == 0xFF and content[1] & 0xE0 == 0xE0)
    if fmt == "html":
        return content.lstrip()[:15].lower() == b"<!doctype html>" and b"</html>" in content
    if fmt == "txt":
        return len(content.decode("utf-8").strip()) > 100
    raise AssertionError(fmt)


def test_the_service_renders_every_document_in_every_format(client):
    raw = SAMPLE_02.read_bytes()
    catalogue = client.get("/v1/documents", headers=AUTH).json()
    prepared = pipeline.prepare(raw)
    warnings_count = len(prepared.report.warnings)
    made = set()
    applies = [doc for doc in catalogue["documents"] if doc["name"] in prepared.documents]  # not the review record's
    assert len(applies) == 4
    for doc in applies:
        assert doc["formats"] == pipeline.ALL_FORMATS
        for fmt in doc["formats"]:
            r = client.post(f"/v1/documents/{doc['name']}", params={"format": fmt}, content=raw, headers=AUTH)
            assert r.status_code == 200, (doc["name"], fmt, r.text[:300])
            media_type, extension = pipeline.format_media(fmt)
            assert r.headers["content-type"].split(";")[0] == media_type.split(";")[0], (doc["name"], fmt)
            assert catalogue["formats"][fmt]["media_type"] == media_type
            name = FILENAME.match(r.headers["content-disposition"]).group(1)
            assert name.startswith(f"ASC-118906-{doc['name']}") and name.endswith(f".{extension}"), name
            assert name not in made  # every format of a document has its own name
            made.add(name)
            assert _looks_like(fmt, r.content), (doc["name"], fmt, r.content[:20])
            assert r.headers["x-doctool-draft"] == "false"
            assert r.headers["x-doctool-warnings"] == str(warnings_count)
    assert len(made) == sum(len(d["formats"]) for d in applies) >= 4 * 9


def test_the_service_makes_large_print_at_the_size_asked(client):
    raw = SAMPLE_01.read_bytes()
    r = client.post("/v1/documents/plan", params={"format": "large-print-docx", "size": 24}, content=raw, headers=AUTH)
    assert r.status_code == 200
    assert FILENAME.match(r.headers["content-disposition"]).group(1) == "ASC-104233-plan-large-print.docx"
    assert r.content == pipeline.render_set(pipeline.prepare(raw), pipeline.Selection.one("plan", "large-print-docx", 24)).files[0].content
    r = client.post("/v1/documents/plan", params={"format": "braille", "size": 24}, content=raw, headers=AUTH)
    assert r.status_code == 400 and {e["path"] for e in r.json()["errors"]} == {"query.size"}


def test_the_for_person_set_as_a_zip(client):
    raw = SAMPLE_01.read_bytes()  # asks for standard and large print (18 pt)
    r = client.post("/v1/documents", params={"set": "for-person"}, content=raw, headers=AUTH)
    assert r.status_code == 200, r.text[:300]
    assert r.headers["content-type"] == "application/zip"
    assert FILENAME.match(r.headers["content-disposition"]).group(1) == "ASC-104233-for-person.zip"
    # sample 01's warnings: 2 sentences too long and 7 fields not easy read as written (easy
    # read), and the letter's 2026/27 charging figures still estimates: as validate counts them
    warnings = len(pipeline.prepare(raw).report.warnings)
    assert warnings == 10
    assert (r.headers["x-doctool-draft"], r.headers["x-doctool-warnings"]) == ("false", str(warnings))
    zf = zipfile.ZipFile(io.BytesIO(r.content))
    names = zf.namelist()
    assert names == sorted(names)
    assert all(info.date_time == (1980, 1, 1, 0, 0, 0) for info in zf.infolist())
    manifest = json.loads(zf.read("manifest.json"))
    expected = pipeline.render_set(pipeline.prepare(raw), pipeline.Selection.for_person())
    assert [(f["path"], f["sha256"]) for f in manifest["files"]] == [(f.name, f.sha256) for f in expected.files]
    assert {(f["document"], f["format"]) for f in manifest["files"]} == {
        (d, f) for d in ("plan", "charging-letter") for f in ("pdf", "docx", "large-print-pdf", "large-print-docx")
    }
    for entry in manifest["files"]:
        assert hashlib.sha256(zf.read(entry["path"])).hexdigest() == entry["sha256"]
        assert _looks_like(entry["format"], zf.read(entry["path"]))
    assert set(names) == {f["path"] for f in manifest["files"]} | {"manifest.json"}
    assert manifest["findings"] == client.post("/v1/validate", content=raw, headers=AUTH).json()["findings"]
    again = client.post("/v1/documents", params={"set": "for-person"}, content=raw, headers=AUTH)
    assert again.content == r.content  # the same set, the same bytes


def test_a_set_of_an_incomplete_plan_is_refused_unless_draft(client, run_cli):
    path = REPO / "samples" / "drafts" / "01-no-advice.json"
    raw = path.read_bytes()
    r = client.post("/v1/documents", params={"set": "all"}, content=raw, headers=AUTH)
    assert r.status_code == 422
    _code, out, _err = run_cli(["validate", path, "--json"])
    assert r.json()["findings"] == json.loads(out)["findings"]
    r = client.post("/v1/documents", params={"set": "all", "draft": "true"}, content=raw, headers=AUTH)
    assert r.status_code == 200 and r.headers["x-doctool-draft"] == "true"
    names = zipfile.ZipFile(io.BytesIO(r.content)).namelist()
    assert FILENAME.match(r.headers["content-disposition"]).group(1) == "ASC-119578-all-DRAFT.zip"
    assert all(re.fullmatch(r"ASC-119578-[a-z-]+-DRAFT\.(pdf|docx)", n) for n in names if n != "manifest.json"), names
    r = client.post("/v1/documents/plan", params={"format": "txt", "draft": "true"}, content=raw, headers=AUTH)
    assert r.status_code == 200 and r.headers["x-doctool-draft"] == "true"
    assert FILENAME.match(r.headers["content-disposition"]).group(1) == "ASC-119578-plan-DRAFT.txt"


def test_an_unknown_set_is_a_bad_parameter(client):
    r = client.post("/v1/documents", params={"set": "everything"}, content=SAMPLE_01.read_bytes(), headers=AUTH)
    assert r.status_code == 400
    assert {e["path"] for e in r.json()["errors"]} == {"query.set"}


def test_easy_read_leaving_out_a_care_act_element_is_a_finding_a_council_can_block(tmp_path):
    """Sample 01's first 'how this need is met' sentence is too long for easy read: the
    easy-read plan leaves it out and says so on every face (validate, render, the service);
    a council that makes the finding blocking refuses the easy-read plan, and the standard
    plan can still be issued alone."""
    raw = SAMPLE_01.read_bytes()
    prepared = pipeline.prepare(raw)
    left_out = [f for f in prepared.report.findings if f.rule == "ER-ESSENTIAL-LEFT-OUT"]
    assert [(f.severity.value, f.path) for f in left_out] == [("warning", "$.needs[0].met_by[0].what")]
    assert "how a need is met" in left_out[0].message and prepared.complete
    profile = tmp_path / "firm.toml"
    profile.write_text('extends = "england"\nname = "firm"\n[severity]\n"ER-ESSENTIAL-LEFT-OUT" = "error"\n', encoding="utf-8")
    strict = pipeline.prepare(raw, str(profile))
    assert not strict.complete
    with pytest.raises(Incomplete):
        pipeline.render_set(strict, pipeline.Selection.one("easyread", "pdf"))
    plan = pipeline.render_set(strict, pipeline.Selection.one("plan", "pdf"))
    assert plan.files[0].content.startswith(b"%PDF") and not plan.draft
