"""The service as an integrator over HTTP meets it: RFC 9457 problem details for every
error kind, the published schemas in the OpenAPI document, signed batch callbacks to a
real receiver, Retry-After and ISO 8601 times, listing and deleting batches, CSV batches
read with a named mapping, and the Doctool-Draft / Doctool-Warnings headers."""

from __future__ import annotations

import hashlib
import hmac
import http.server
import io
import json
import shutil
import sys
import threading
import time
import uuid
import warnings
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from doctool import api
from doctool.batch.records import read_records
from doctool.documents import DOCUMENTS
from doctool.schema import schema
from doctool.service.app import create_app
from doctool.service.callbacks import url_problem
from doctool.service.render_pool import RenderTimeout, RenderUnavailable
from doctool.service.security import new_key
from doctool.service.settings import Settings
from doctool.service.store import JobStore

from conftest import COMPLETE_SAMPLE, REPO

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

PLAN = COMPLETE_SAMPLE.read_bytes()
DRAFT = (REPO / "samples" / "drafts" / "01-no-advice.json").read_bytes()
LETTERS = REPO / "samples" / "letters"
CSV = LETTERS / "finance-export.csv"
MAPPING = LETTERS / "finance-export.mapping.toml"
KEY, KEY_HASH = new_key()
OTHER_KEY, OTHER_HASH = new_key()
AUTH = {"Authorization": f"Bearer {KEY}"}
OTHER_AUTH = {"Authorization": f"Bearer {OTHER_KEY}"}
SECRET = "whsec-" + "x" * 40
STANDARD = ("type", "title", "status", "detail", "instance")

needs_letters = pytest.mark.skipif("charging-letter" not in DOCUMENTS, reason="the charging letter is not registered")


def settings_for(tmp_path: Path, **changes: Any) -> Settings:
    mappings = tmp_path / "mappings"
    mappings.mkdir(exist_ok=True)
    shutil.copyfile(MAPPING, mappings / "finance-export.toml")
    base = Settings(
        data_dir=tmp_path / "data",
        api_key_hashes=(KEY_HASH, OTHER_HASH),
        render_workers=1,
        batch_workers=1,
        mappings_dir=mappings,
        callback_secret=SECRET,
        callback_allow_loopback=True,
        callback_attempts=3,
        callback_backoff=0.05,
    )
    return base.with_(**changes)


def problem_of(r: Any, status: int, code: str) -> dict[str, Any]:
    """The body of an error answer, checked against RFC 9457 and doctool's extensions."""
    assert r.status_code == status, (r.status_code, r.text[:300])
    assert r.headers["content-type"] == "application/problem+json", r.headers.get("content-type")
    body = r.json()
    assert all(member in body for member in STANDARD), body
    assert body["type"] == f"https://doctool.example/problems/{code.replace('_', '-')}"
    assert body["status"] == status and body["error"] == code
    assert body["title"] and body["detail"] and body["message"] == body["detail"]
    assert body["request_id"] == r.headers["x-request-id"]
    assert body["instance"] == uuid.UUID(body["request_id"]).urn
    assert "Traceback" not in r.text
    return body


class IdleQueue:
    """A JobQueue that records jobs and never runs them (queued batches stay queued)."""

    def __init__(self, store: JobStore) -> None:
        self.store = store

    def start(self) -> None: ...

    def stop(self, timeout: float = 60.0) -> None: ...

    def submit(self, job_id, input_path, formats, profile, owner="", callback_url=None):
        self.store.add(job_id, input_path, formats, profile, owner=owner, total=1, callback_url=callback_url)

    def status(self, job_id):
        return self.store.get(job_id)

    def list_for(self, owner, limit, before=None):
        return self.store.owned_by(owner, limit, before)

    def delete(self, job_id):
        if not self.store.delete_unless_running(job_id):
            return False
        shutil.rmtree(Path(self.store.path).parent / "batches" / job_id, ignore_errors=True)
        return True

    def open_count(self, owner):
        return self.store.open_count(owner)

    def health(self):
        return {"queue": "embedded", "reachable": True, "depth": 0}


@pytest.fixture(scope="module")
def idle(tmp_path_factory):
    """A service whose batches never run: for errors, listing and deleting."""
    settings = settings_for(tmp_path_factory.mktemp("idle"), max_body_bytes=20_000, max_open_batches=3)
    app = create_app(settings, queue=IdleQueue(JobStore(settings.data_dir / "jobs.sqlite3")))
    with TestClient(app) as c:
        yield c


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """A service that runs batches and delivers callbacks."""
    with TestClient(create_app(settings_for(tmp_path_factory.mktemp("live")))) as c:
        yield c


def jsonl_letters(n: int = 2) -> bytes:
    records = []
    for i, path in enumerate(sorted(LETTERS.glob("*.json"))):
        record = json.loads(path.read_bytes())
        if api.validate_bytes(json.dumps(record).encode()).complete:
            record["reference"] = f"{record['reference']}-{i}"
            records.append(json.dumps(record))
        if len(records) == n:
            break
    return ("\n".join(records) + "\n").encode()


def wait_for(client, job_id: str, timeout: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = client.get(f"/v1/batches/{job_id}", headers=AUTH).json()
        if body["status"] in ("done", "failed"):
            return body
        time.sleep(0.2)
    raise AssertionError(f"batch not finished: {body}")


def is_utc_iso(text: str | None) -> bool:
    return text is not None and text.endswith("Z") and datetime.fromisoformat(text).tzinfo is not None


# --- 1. every error is application/problem+json --------------------------------------------


def test_every_error_kind_is_problem_details(idle, monkeypatch):
    c = idle
    body = problem_of(c.post("/v1/validate", content=b'{"plan_id": ', headers=AUTH), 400, "invalid_input")
    assert body["errors"][0]["path"] == "$" and body["findings"]  # the validate --json findings ride along
    body = problem_of(c.post("/v1/documents/plan?format=exe", content=PLAN, headers=AUTH), 400, "invalid_request")
    assert body["errors"][0]["path"].startswith("query.")
    problem_of(c.post("/v1/validate?profile=nosuchcouncil", content=PLAN, headers=AUTH), 400, "invalid_profile")
    r = c.post("/v1/validate", content=PLAN)
    problem_of(r, 401, "unauthorized")
    assert r.headers["www-authenticate"].startswith("Bearer")
    problem_of(c.get("/v1/nothing-here", headers=AUTH), 404, "not_found")
    assert problem_of(c.post("/v1/documents/plann?format=pdf", content=PLAN, headers=AUTH), 404, "unknown_document")["documents"]
    problem_of(c.get("/v1/schema/nope", headers=AUTH), 404, "unknown_schema")
    problem_of(c.get(f"/v1/batches/{'0' * 32}", headers=AUTH), 404, "unknown_batch")
    problem_of(c.get("/v1/validate", headers=AUTH), 405, "method_not_allowed")
    assert problem_of(c.post("/v1/validate", content=b" " * 30_000, headers=AUTH), 413, "too_large")["limit"] == 20_000
    problem_of(c.post("/v1/batches", content=b"%PDF-1.7", headers={**AUTH, "Content-Type": "application/pdf"}), 415,
               "unsupported_media_type")
    body = problem_of(c.post("/v1/documents/plan?format=pdf", content=DRAFT, headers=AUTH), 422, "incomplete")
    assert body["complete"] is False and any(f["severity"] == "error" for f in body["findings"])
    assert problem_of(c.post("/v1/batches?mapping=nope", content=CSV.read_bytes(), headers={**AUTH, "Content-Type": "text/csv"}),
                      400, "unknown_mapping")["mappings"] == ["finance-export"]
    # 409s and 429 need batches: the idle queue keeps them queued
    job = c.post("/v1/batches", content=b"{}\n", headers=OTHER_AUTH).json()
    body = problem_of(c.get(f"/v1/batches/{job['id']}/result", headers=OTHER_AUTH), 409, "not_ready")
    assert body["batch_status"] == "queued" and body["status"] == 409
    c.app.state.store.claim(job["id"])
    r = c.delete(f"/v1/batches/{job['id']}", headers=OTHER_AUTH)
    assert problem_of(r, 409, "batch_running")["batch_status"] == "running" and int(r.headers["retry-after"]) > 0
    for _ in range(2):
        assert c.post("/v1/batches", content=b"{}\n", headers=OTHER_AUTH).status_code == 202
    r = c.post("/v1/batches", content=b"{}\n", headers=OTHER_AUTH)
    assert problem_of(r, 429, "too_many_batches")["limit"] == 3 and int(r.headers["retry-after"]) > 0

    async def unavailable(*args):
        raise RenderUnavailable("no render worker was free")

    monkeypatch.setattr(c.app.state.pool, "run", unavailable)
    r = c.post("/v1/documents/plan?format=pdf", content=PLAN, headers=AUTH)
    assert problem_of(r, 503, "render_unavailable") and int(r.headers["retry-after"]) > 0

    async def too_slow(*args):
        raise RenderTimeout("the render took longer than 60 s")

    monkeypatch.setattr(c.app.state.pool, "run", too_slow)
    problem_of(c.post("/v1/documents/plan?format=pdf", content=PLAN, headers=AUTH), 504, "render_timeout")

    def boom(raw, profile):
        raise RuntimeError("Margaret Dawson")

    monkeypatch.setattr(api, "prepare", boom)
    r = c.post("/v1/validate", content=PLAN, headers=AUTH)
    assert "Margaret" not in problem_of(r, 500, "internal")["detail"]


def test_every_documented_error_response_is_problem_json(idle):
    doc = idle.get("/openapi.json").json()
    seen = 0
    for item in doc["paths"].values():
        for op in item.values():
            for code, response in op["responses"].items():
                if code[0] in "45":
                    assert list(response["content"]) == ["application/problem+json"], (code, response)
                    seen += 1
    assert seen > 20
    problem = doc["components"]["schemas"]["Problem"]
    assert set(STANDARD) | {"error", "request_id"} <= set(problem["required"])


# --- 2. the published schemas in the OpenAPI document -------------------------------------------


def resolve(doc: dict[str, Any], ref: str) -> dict[str, Any]:
    assert ref.startswith("#/")
    node: Any = doc
    for part in ref[2:].split("/"):
        node = node[part]
    return node


def test_openapi_request_bodies_are_the_published_schemas(idle):
    import jsonschema

    doc = idle.get("/openapi.json").json()
    plan = resolve(doc, "#/components/schemas/CareAndSupportPlan")
    letter = resolve(doc, "#/components/schemas/ChargingLetterRecord")
    assert plan["required"] == schema("plan")["required"] and "person" in plan["required"]
    assert set(plan["properties"]) == set(schema("plan")["properties"])
    assert letter["required"] == schema("charging-letter")["required"]
    assert plan["x-doctool-schema"] == schema("plan")["$id"]
    for path in ("/v1/validate", "/v1/applicable", "/v1/documents/{document}", "/v1/documents"):
        body = doc["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]
        refs = [alt["$ref"] for alt in body["oneOf"]]
        assert refs == [
            "#/components/schemas/CareAndSupportPlan",
            "#/components/schemas/ChargingLetterRecord",
            "#/components/schemas/CareAndSupportPlanReview",
        ]
    # every $ref in the document resolves
    text = json.dumps(doc)
    refs = {part.split('"')[0] for part in text.split('"$ref": "')[1:]}
    for ref in refs:
        assert isinstance(resolve(doc, ref), dict), ref
    assert not any("$defs" in r for r in refs)
    # and the rewritten schemas still accept the samples and refuse what the published ones refuse
    validator = jsonschema.Draft202012Validator({"$ref": "#/components/schemas/CareAndSupportPlan", "components": doc["components"]})
    for sample in sorted((REPO / "samples" / "plans").glob("*.json")):
        validator.validate(json.loads(sample.read_bytes()))
    reviews = jsonschema.Draft202012Validator({"$ref": "#/components/schemas/CareAndSupportPlanReview", "components": doc["components"]})
    for sample in sorted((REPO / "samples" / "reviews").glob("*.json")):
        reviews.validate(json.loads(sample.read_bytes()))
    assert not validator.is_valid({"plan_id": "x"})
    letters = jsonschema.Draft202012Validator({"$ref": "#/components/schemas/ChargingLetterRecord", "components": doc["components"]})
    for sample in sorted(LETTERS.glob("*.json")):
        letters.validate(json.loads(sample.read_bytes()))


# --- 3. signed callbacks, to a real receiver --------------------------------------------------


def verify_signature(secret: str, body: bytes, header: str, tolerance: int = 300) -> bool:
    """The receiver's check, exactly as docs/service.md shows it."""
    parts = dict(item.split("=", 1) for item in header.split(","))
    timestamp = int(parts["t"])
    if abs(time.time() - timestamp) > tolerance:
        return False  # too old: a replay
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts["v1"])


class Receiver:
    """An HTTP server on a free loopback port that records what it is sent; it answers
    ``fail_first`` requests with 500, then 204."""

    def __init__(self, fail_first: int = 0) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.fail_first = fail_first
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(500 if len(outer.received) <= outer.fail_first else 204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/doctool"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()

    def wait(self, count: int, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while len(self.received) < count:
            assert time.monotonic() < deadline, f"{len(self.received)} of {count} callbacks received"
            time.sleep(0.05)


def wait_callback(client, job_id: str, status: str, timeout: float = 30) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        body = client.get(f"/v1/batches/{job_id}", headers=AUTH).json()
        if body["callback"]["status"] == status:
            return body
        assert time.monotonic() < deadline, body["callback"]
        time.sleep(0.05)


@needs_letters
def test_callback_is_signed_and_verified_by_a_real_receiver(live):
    with Receiver() as receiver:
        r = live.post("/v1/batches", params={"format": "pdf", "callback_url": receiver.url}, content=jsonl_letters(2),
                      headers={**AUTH, "Content-Type": "application/x-ndjson"})
        assert r.status_code == 202, r.text
        job = r.json()
        assert job["callback"] == {"url": receiver.url, "status": "pending", "attempts": 0, "last_error": None, "last_attempt_at": None}
        done = wait_for(live, job["id"])
        receiver.wait(1)
        headers, raw = receiver.received[0]
        assert verify_signature(SECRET, raw, headers["doctool-signature"])
        assert not verify_signature("another-secret-" + "y" * 30, raw, headers["doctool-signature"])
        assert not verify_signature(SECRET, raw.replace(b'"done"', b'"failed"'), headers["doctool-signature"])
        assert headers["content-type"] == "application/json"
        sent = json.loads(raw)
        assert sent["event"] == "batch.finished" and sent["id"] == job["id"] and sent["status"] == "done"
        assert sent["counts"] == {"total": 2, "done": 2, "skipped": 0, "failed": 0}
        assert sent["links"] == {"self": f"/v1/batches/{job['id']}", "result": f"/v1/batches/{job['id']}/result"}
        assert is_utc_iso(sent["finished_at"]) and sent["finished_at"] == done["finished_at"]
        after = wait_callback(live, job["id"], "delivered")
        assert after["callback"]["attempts"] == 1 and is_utc_iso(after["callback"]["last_attempt_at"])


@needs_letters
def test_callback_is_retried_with_backoff_and_the_attempts_recorded(live):
    with Receiver(fail_first=2) as receiver:
        job = live.post("/v1/batches", params={"callback_url": receiver.url}, content=jsonl_letters(1), headers=AUTH).json()
        wait_for(live, job["id"])
        receiver.wait(3)
        after = wait_callback(live, job["id"], "delivered")
        assert after["callback"]["attempts"] == 3
        bodies = {raw for _h, raw in receiver.received}
        assert len(bodies) == 1  # the same event each time: a receiver can de-duplicate on id
    with Receiver(fail_first=99) as receiver:
        job = live.post("/v1/batches", params={"callback_url": receiver.url}, content=jsonl_letters(1), headers=AUTH).json()
        wait_for(live, job["id"])
        after = wait_callback(live, job["id"], "failed")
        assert after["callback"]["attempts"] == 3 and after["callback"]["last_error"] == "the receiver answered 500"
        assert len(receiver.received) == 3  # bounded


@pytest.mark.parametrize(
    "url,why",
    [
        ("http://example.com/hook", "https"),
        ("https://10.1.2.3/hook", "private"),
        ("https://169.254.169.254/latest", "private"),
        ("https://[::ffff:192.168.0.1]/hook", "private"),
        ("https://user:pw@8.8.8.8/hook", "user name"),
        ("not a url", "https"),
    ],
)
def test_callback_url_is_validated(idle, url, why):
    body = problem_of(idle.post("/v1/batches", params={"callback_url": url}, content=b"{}\n", headers=AUTH), 400, "invalid_request")
    assert body["errors"][0]["path"] == "query.callback_url" and why in body["detail"]


def test_loopback_callbacks_only_when_allowed():
    assert url_problem("http://127.0.0.1:8080/x", allow_loopback=True) == ""
    assert "loopback" in url_problem("http://127.0.0.1:8080/x", allow_loopback=False) or "https" in url_problem("http://127.0.0.1/x")
    assert url_problem("https://127.0.0.1/x", allow_loopback=False) != ""
    assert url_problem("https://localhost/x", allow_loopback=False) != ""
    assert url_problem("http://8.8.8.8/x", allow_loopback=True) != ""  # http only to loopback
    assert url_problem("https://8.8.8.8/x", allow_loopback=False) == ""


def test_no_callbacks_without_a_secret(tmp_path):
    settings = settings_for(tmp_path, callback_secret="")
    with TestClient(create_app(settings, queue=IdleQueue(JobStore(settings.data_dir / "jobs.sqlite3")))) as c:
        r = c.post("/v1/batches", params={"callback_url": "https://8.8.8.8/x"}, content=b"{}\n", headers=AUTH)
        assert "not configured" in problem_of(r, 400, "invalid_request")["errors"][0]["message"]


# --- 4 and 5. Retry-After, ISO times, listing and deleting -----------------------------------------


def test_list_is_the_callers_own_newest_first_and_paginated(tmp_path):
    settings = settings_for(tmp_path)
    with TestClient(create_app(settings, queue=IdleQueue(JobStore(settings.data_dir / "jobs.sqlite3")))) as c:
        ids = []
        for _ in range(5):
            r = c.post("/v1/batches", content=b"{}\n", headers=AUTH)
            assert r.status_code == 202 and int(r.headers["retry-after"]) >= 1
            assert r.headers["location"] == f"/v1/batches/{r.json()['id']}"
            ids.append(r.json()["id"])
            time.sleep(0.01)
        c.post("/v1/batches", content=b"{}\n", headers=OTHER_AUTH)
        r = c.get("/v1/batches?limit=2", headers=AUTH)
        page = r.json()
        assert [b["id"] for b in page["batches"]] == ids[::-1][:2]
        assert r.headers["link"] == f'<{page["next"]}>; rel="next"'
        got = [b["id"] for b in page["batches"]]
        while page["next"]:
            page = c.get(page["next"], headers=AUTH).json()
            got += [b["id"] for b in page["batches"]]
        assert got == ids[::-1]
        first = c.get("/v1/batches", headers=AUTH).json()["batches"][0]
        assert "failures" not in first and first["links"]["self"] == f"/v1/batches/{ids[-1]}"
        assert is_utc_iso(first["created_at"]) and first["finished_at"] is None and "created" not in first
        assert len(c.get("/v1/batches", headers=OTHER_AUTH).json()["batches"]) == 1
        problem_of(c.get("/v1/batches?cursor=bm9wZQ", headers=AUTH), 400, "invalid_request")
        # status of a queued batch: a polling hint
        r = c.get(f"/v1/batches/{ids[0]}", headers=AUTH)
        assert r.status_code == 200 and int(r.headers["retry-after"]) >= 1
        # delete: 204, gone at once, files and all; another key's batch is not found
        folder = settings.data_dir / "batches" / ids[0]
        assert folder.is_dir()
        problem_of(c.delete(f"/v1/batches/{ids[0]}", headers=OTHER_AUTH), 404, "unknown_batch")
        r = c.delete(f"/v1/batches/{ids[0]}", headers=AUTH)
        assert r.status_code == 204 and r.content == b""
        assert not folder.exists()
        problem_of(c.get(f"/v1/batches/{ids[0]}", headers=AUTH), 404, "unknown_batch")
        problem_of(c.delete(f"/v1/batches/{ids[0]}", headers=AUTH), 404, "unknown_batch")
        assert ids[0] not in [b["id"] for b in c.get("/v1/batches?limit=100", headers=AUTH).json()["batches"]]


@needs_letters
def test_delete_a_finished_batch_removes_its_letters(live):
    job = live.post("/v1/batches", content=jsonl_letters(1), headers=AUTH).json()
    done = wait_for(live, job["id"])
    assert done["status"] == "done" and is_utc_iso(done["finished_at"]) and is_utc_iso(done["started_at"])
    r = live.get(f"/v1/batches/{job['id']}", headers=AUTH)
    assert "retry-after" not in r.headers  # finished: nothing to poll for
    folder = live.app.state.settings.data_dir / "batches" / job["id"]
    assert any(folder.rglob("*.pdf"))
    assert live.delete(f"/v1/batches/{job['id']}", headers=AUTH).status_code == 204
    assert not folder.exists()
    problem_of(live.get(f"/v1/batches/{job['id']}/result", headers=AUTH), 404, "unknown_batch")


# --- 6. CSV batches with a named mapping --------------------------------------------------------------


@needs_letters
def test_csv_batch_with_a_named_mapping_reads_as_the_cli_does(live):
    expected = read_records(CSV, MAPPING).count
    r = live.post("/v1/batches?mapping=finance-export&format=pdf", content=CSV.read_bytes(),
                  headers={**AUTH, "Content-Type": "text/csv; charset=utf-8"})
    assert r.status_code == 202, r.text
    job = r.json()
    assert job["input"] == "csv" and job["total"] == expected
    done = wait_for(live, job["id"])
    assert done["status"] == "done", done
    assert done["done"] + done["failed"] == expected
    names = zipfile.ZipFile(io.BytesIO(live.get(done["result"], headers=AUTH).content)).namelist()
    assert sum(n.endswith(".pdf") for n in names) == done["done"] > 0
    assert not (live.app.state.settings.data_dir / "batches" / job["id"] / "input.csv").exists()


def test_csv_batch_errors(idle):
    csv_headers = {**AUTH, "Content-Type": "text/csv"}
    body = problem_of(idle.post("/v1/batches", content=CSV.read_bytes(), headers=csv_headers), 400, "invalid_request")
    assert body["errors"][0]["path"] == "query.mapping" and body["mappings"] == ["finance-export"]
    body = problem_of(idle.post("/v1/batches?mapping=finance-export", content=b"{}\n", headers=AUTH), 400, "invalid_request")
    assert body["errors"][0]["path"] == "query.mapping"
    broken = CSV.read_bytes().replace(b"Mrs Edith Carter", b'"Mrs Edith Carter', 1)
    body = problem_of(idle.post("/v1/batches?mapping=finance-export", content=broken, headers=csv_headers), 400, "invalid_input")
    assert "line 2" in body["detail"] and "quote" in body["detail"] and str(idle.app.state.settings.data_dir) not in body["detail"]
    wrong = b"Name,Town\nJoan,Leeds\n"
    body = problem_of(idle.post("/v1/batches?mapping=finance-export", content=wrong, headers=csv_headers), 400, "invalid_input")
    assert "Client Ref" in body["detail"]


# --- 7. headers on a render -------------------------------------------------------------------------------


def test_render_headers_say_draft_and_warnings(idle):
    r = idle.post("/v1/documents/plan?format=docx", content=PLAN, headers=AUTH)
    assert r.status_code == 200
    warnings_count = sum(f["severity"] == "warning" for f in idle.post("/v1/validate", content=PLAN, headers=AUTH).json()["findings"])
    assert (r.headers["doctool-draft"], r.headers["doctool-warnings"]) == ("false", str(warnings_count))
    assert (r.headers["x-doctool-draft"], r.headers["x-doctool-warnings"]) == ("false", str(warnings_count))
    r = idle.post("/v1/documents/plan?format=docx&draft=true", content=DRAFT, headers=AUTH)
    assert r.status_code == 200 and r.headers["doctool-draft"] == "true" and int(r.headers["doctool-warnings"]) >= 0
    r = idle.post("/v1/documents?set=all&draft=true", content=DRAFT, headers=AUTH)
    assert r.status_code == 200 and r.headers["doctool-draft"] == "true"
    doc = idle.get("/openapi.json").json()
    assert {"Doctool-Draft", "Doctool-Warnings"} <= set(doc["paths"]["/v1/documents/{document}"]["post"]["responses"]["200"]["headers"])


# --- 8. the typed client example, generated from the OpenAPI document ---------------------------------


def test_the_generated_client_models_are_up_to_date(tmp_path):
    """The committed example is what the generator makes from today's OpenAPI document: a
    schema change without `make docs` fails here, not in an integrator's build."""
    import os
    import subprocess

    fresh = tmp_path / "models.py"
    run = subprocess.run(["sh", str(REPO / "scripts" / "gen_service_client.sh")], cwd=REPO, capture_output=True, text=True,
                         env={**os.environ, "OUTPUT": str(fresh), "PYTHON": sys.executable,
                              "DATAMODEL_CODEGEN": str(Path(sys.executable).parent / "datamodel-codegen")}, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    committed = REPO / "docs" / "examples" / "doctool_client_models.py"
    assert fresh.read_text(encoding="utf-8") == committed.read_text(encoding="utf-8"), "stale: run make docs"


def test_the_generated_client_models_read_real_answers(idle, monkeypatch):
    """docs/examples/doctool_client_models.py (scripts/gen_service_client.sh) is usable: it
    reads the samples and the service's real answers, errors included."""
    import importlib.util

    path = REPO / "docs" / "examples" / "doctool_client_models.py"
    spec = importlib.util.spec_from_file_location("doctool_client_models", path)
    assert spec and spec.loader
    models = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, models)  # pydantic's generic models look their module up
    spec.loader.exec_module(models)
    for sample in sorted((REPO / "samples" / "plans").glob("*.json")):
        models.CareAndSupportPlan.model_validate_json(sample.read_bytes())
    for sample in sorted(LETTERS.glob("*.json")):
        models.ChargingLetterRecord.model_validate_json(sample.read_bytes())
    report = models.ReportOut.model_validate_json(idle.post("/v1/validate", content=PLAN, headers=AUTH).content)
    assert report.valid is True
    problem = models.Problem.model_validate_json(idle.post("/v1/validate", content=b"{", headers=AUTH).content)
    assert problem.status == 400 and problem.error == "invalid_input" and problem.errors[0].path == "$"
    job = idle.post("/v1/batches", content=b"{}\n", headers=AUTH)
    if job.status_code == 202:
        assert models.BatchOut.model_validate_json(job.content).status == "queued"
    listing = models.BatchListOut.model_validate_json(idle.get("/v1/batches", headers=AUTH).content)
    assert all(b.links.self.startswith("/v1/batches/") for b in listing.batches)
    # every model the service declares is in the generated module (regenerate it when one is added)
    names = set(idle.get("/openapi.json").json()["components"]["schemas"])
    ours = {"Problem", "ReportOut", "BatchOut", "BatchSummaryOut", "BatchListOut", "CallbackOut", "DocumentsOut",
            "CareAndSupportPlan", "ChargingLetterRecord"}
    assert ours <= names
    assert all(hasattr(models, n) for n in ours)


# --- the job store across versions, and callbacks across a restart ------------------------------------------


def test_an_older_job_database_gains_the_callback_columns(tmp_path):
    import sqlite3

    path = tmp_path / "jobs.sqlite3"
    with sqlite3.connect(path) as db:  # the table as the first release made it
        db.execute(
            "CREATE TABLE jobs (id TEXT PRIMARY KEY, owner TEXT NOT NULL DEFAULT '', created REAL NOT NULL, started REAL, finished REAL, "
            "status TEXT NOT NULL, input_path TEXT NOT NULL, formats TEXT NOT NULL, profile TEXT NOT NULL, total INTEGER NOT NULL DEFAULT 0, "
            "done INTEGER NOT NULL DEFAULT 0, skipped INTEGER NOT NULL DEFAULT 0, failed INTEGER NOT NULL DEFAULT 0, "
            "attempts INTEGER NOT NULL DEFAULT 0, result_path TEXT, error TEXT)"
        )
        db.execute("INSERT INTO jobs (id, created, status, input_path, formats, profile) VALUES (?, 1, 'done', 'x', 'pdf', 'england')", ("e" * 32,))
    store = JobStore(path)
    old = store.get("e" * 32)
    assert old is not None and old.callback_url is None and old.callback_status is None
    store.add("f" * 32, tmp_path / "input.jsonl", ("pdf",), "england", callback_url="https://8.8.8.8/x")
    assert store.get("f" * 32).callback_status == "pending"
    JobStore(path)  # opening it again changes nothing


def test_a_callback_cut_short_by_a_stop_is_sent_when_the_service_starts(tmp_path):
    settings = settings_for(tmp_path)
    settings.data_dir.mkdir(parents=True)
    store = JobStore(settings.data_dir / "jobs.sqlite3")
    with Receiver() as receiver:
        store.add("9" * 32, settings.data_dir / "input.jsonl", ("pdf",), "england", owner=KEY_HASH, callback_url=receiver.url)
        store.claim("9" * 32)
        store.finish("9" * 32, "failed", error="stopped")
        with TestClient(create_app(settings)) as c:
            receiver.wait(1)
            headers, raw = receiver.received[0]
            assert verify_signature(SECRET, raw, headers["doctool-signature"])
            assert json.loads(raw)["status"] == "failed" and json.loads(raw)["links"]["result"] is None
            assert wait_callback(c, "9" * 32, "delivered")["callback"]["attempts"] == 1


def test_the_page_offers_exactly_the_for_person_set(idle):
    """/v1/applicable's ``for_person`` (what the page offers first) is the set --for-person
    makes, easy read included, for a person who asked for easy read and audio."""
    from doctool import pipeline

    raw = (REPO / "samples" / "plans" / "02-learning-disability-direct-payment-pa.json").read_bytes()
    answer = idle.post("/v1/applicable", content=raw, headers=AUTH).json()
    offered = [(f["document"], f["format"], f["size"]) for f in answer["for_person"]]
    made = pipeline.Selection.for_person().jobs(pipeline.prepare(raw))
    assert offered == made
    assert ("easyread", "audio", None) in offered
