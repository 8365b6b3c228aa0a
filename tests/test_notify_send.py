"""`doctool notify send|status`: a batch goes out through Notify once, and only once.

Against a local fake of Notify's v2 API (tests/notify_fake.py) that checks each request's
JWT as Notify does. Three letters are rendered once with `doctool batch` and copied per test.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import jwt
import pytest
import requests
from notify_fake import FakeNotify, make_key
from pypdf import PdfWriter

from doctool.cli import main
from doctool.notify_send.api import ApiKey, Notify, Retry, TokenBucket
from doctool.notify_send.sending import send_batch
from doctool.pipeline import prepare

REPO = Path(__file__).resolve().parent.parent
BULK = REPO / "samples" / "letters" / "bulk-april-2027.jsonl"


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished batch of the first three valid records of the April sample."""
    lines = [line for line in BULK.read_bytes().splitlines() if line.strip()]
    valid = [line for line in lines if prepare(line, "england").report.complete][:3]
    assert len(valid) == 3
    base = tmp_path_factory.mktemp("batch")
    (base / "in.jsonl").write_bytes(b"\n".join(valid) + b"\n")
    done = subprocess.run(
        [sys.executable, "-m", "doctool", "batch", str(base / "in.jsonl"), "--format", "pdf", "--workers", "1", "-o", str(base / "out")],
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return base / "out"


@pytest.fixture
def outdir(rendered: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(rendered, tmp_path / "out"))


@pytest.fixture
def fake():
    with FakeNotify() as server:
        yield server


def manifest(outdir: Path) -> list[dict]:
    return [json.loads(line) for line in (outdir / "manifest.jsonl").read_text().splitlines()]


def journal(outdir: Path) -> list[dict]:
    return [json.loads(line) for line in (outdir / "notify.jsonl").read_text().splitlines()]


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def set_pdf(outdir: Path, index: int, pages: int) -> None:
    """Replace the index-th letter with a blank PDF of so many pages, as a re-run of the batch would."""
    entries = manifest(outdir)
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(595, 842)
    path = outdir / entries[index]["outputs"][0]["path"]
    with open(path, "wb") as fh:
        writer.write(fh)
    entries[index]["outputs"][0]["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    (outdir / "manifest.jsonl").write_text("".join(json.dumps(e) + "\n" for e in entries))


def posts(fake: FakeNotify) -> list[int]:
    return [status for method, path, status in fake.requests if method == "POST"]


def test_a_batch_is_sent_once_with_its_references_postage_and_pdfs(outdir, fake, capsys, monkeypatch):
    key = fake.add_service()
    monkeypatch.setenv("NOTIFY_API_KEY", key)
    code, out, err = run(capsys, "notify", "send", str(outdir), "--postage", "first", "--base-url", fake.url)
    assert code == 0, err
    summary = json.loads(out)
    assert (summary["sent"], summary["skipped"], summary["failed"]) == (3, 0, 0)
    entries = manifest(outdir)
    assert [u["reference"] for u in fake.uploads] == [e["reference"] for e in entries]
    for upload, entry in zip(fake.uploads, entries):
        assert upload["postage"] == "first"
        assert upload["pdf"] == (outdir / entry["outputs"][0]["path"]).read_bytes()
    sent = [e for e in journal(outdir) if e["event"] == "sent"]
    assert {e["id"] for e in sent} == set(fake.letters)
    assert [e["sha256"] for e in sent] == [e["outputs"][0]["sha256"] for e in entries]
    assert key not in out + err and key[-36:] not in out + err

    code, out, err = run(capsys, "notify", "send", str(outdir), "--base-url", fake.url)  # the re-run
    assert code == 0, err
    assert (json.loads(out)["sent"], json.loads(out)["skipped"]) == (0, 3)
    assert len(fake.uploads) == 3 and posts(fake) == [201, 201, 201]


def test_a_re_rendered_letter_is_sent_again_but_not_the_others(outdir, fake, capsys, monkeypatch):
    """The journal is keyed by reference and the PDF's sha256: a letter made anew (a
    corrected record re-run through doctool batch) is a new letter; the rest are skipped."""
    monkeypatch.setenv("NOTIFY_API_KEY", fake.add_service())
    assert run(capsys, "notify", "send", str(outdir), "--base-url", fake.url)[0] == 0
    entries = manifest(outdir)
    changed = outdir / entries[0]["outputs"][0]["path"]
    set_pdf(outdir, 0, 1)
    code, out, err = run(capsys, "notify", "send", str(outdir), "--base-url", fake.url)
    assert code == 0, err
    assert (json.loads(out)["sent"], json.loads(out)["skipped"]) == (1, 2)
    assert [u["reference"] for u in fake.uploads][3:] == [entries[0]["reference"]]
    assert fake.uploads[3]["pdf"] == changed.read_bytes()


def test_a_file_that_no_longer_matches_the_manifest_is_not_sent(outdir, fake, capsys, monkeypatch):
    monkeypatch.setenv("NOTIFY_API_KEY", fake.add_service())
    entries = manifest(outdir)
    (outdir / entries[0]["outputs"][0]["path"]).write_bytes(b"%PDF-1.7 changed")
    code, _, err = run(capsys, "notify", "send", str(outdir), "--base-url", fake.url)
    assert code == 1 and "changed since the batch: re-run doctool batch" in err
    assert [u["reference"] for u in fake.uploads] == [e["reference"] for e in entries[1:]]


def test_429_then_success_is_retried_with_backoff(outdir, fake):
    key = ApiKey.parse(fake.add_service())
    fake.fail_next = [429, 503]
    waits: list[float] = []
    notify = Notify(key, fake.url, retry=Retry(attempts=4, base=0.25), sleep=waits.append)
    summary = send_batch(outdir, notify, "second")
    assert (summary.sent, summary.failed) == (3, [])
    assert posts(fake) == [429, 503, 201, 201, 201]
    assert waits == [0.25, 0.5]
    assert len(fake.uploads) == 3


def test_the_daily_limit_stops_the_run_without_retrying_and_tomorrow_sends_the_rest(outdir, fake):
    key = ApiKey.parse(fake.add_service())
    fake.daily_limit = 1
    waits: list[float] = []
    notify = Notify(key, fake.url, retry=Retry(attempts=4, base=0.25), sleep=waits.append)
    summary = send_batch(outdir, notify, "second")
    assert summary.sent == 1 and waits == [], "a daily limit is not retried"
    assert posts(fake) == [201, 429], "the letters after the refused one are not tried"
    [failed] = summary.failed
    assert "TooManyRequestsError" not in failed["error"] and "for today" in failed["error"]
    assert "daily letter limit" in summary.stopped and "again tomorrow" in summary.stopped
    fake.daily_limit = None  # the next day
    summary = send_batch(outdir, notify, "second")
    assert (summary.sent, summary.skipped, summary.failed) == (2, 1, [])
    assert len(fake.uploads) == 3 and len({u["reference"] for u in fake.uploads}) == 3


def test_retries_are_bounded(outdir, fake):
    key = ApiKey.parse(fake.add_service())
    fake.fail_next = [500] * 3
    notify = Notify(key, fake.url, retry=Retry(attempts=3, base=0.01), sleep=lambda s: None)
    summary = send_batch(outdir, notify, "second")
    assert summary.sent == 2 and len(summary.failed) == 1 and summary.failed[0]["error"].startswith("500")
    assert posts(fake) == [500, 500, 500, 201, 201]


def test_a_lost_answer_does_not_become_a_second_letter(outdir, fake):
    """Notify made the letter but the answer was a 500: before retrying, the sender finds it."""
    key = ApiKey.parse(fake.add_service())
    fake.lose_next = 1
    notify = Notify(key, fake.url, retry=Retry(base=0.01), sleep=lambda s: None)
    summary = send_batch(outdir, notify, "second")
    assert (summary.sent, summary.failed) == (3, [])
    assert len(fake.uploads) == 3 and len(fake.letters) == 3
    assert {e["id"] for e in journal(outdir) if e["event"] == "sent"} == set(fake.letters)


def test_a_run_stopped_mid_upload_finds_the_letter_on_the_rerun(outdir, fake):
    key = ApiKey.parse(fake.add_service())
    notify = Notify(key, fake.url, sleep=lambda s: None)
    send_batch(outdir, notify, "second")
    # As if the process died after Notify made the first letter but before "sent" was written.
    lines = (outdir / "notify.jsonl").read_text().splitlines()
    first_sent = next(i for i, line in enumerate(lines) if json.loads(line)["event"] == "sent")
    (outdir / "notify.jsonl").write_text("\n".join(lines[:first_sent]) + "\n")
    summary = send_batch(outdir, notify, "second")
    assert (summary.sent, summary.skipped) == (3, 0)  # 1 recovered from Notify, 2 uploaded
    assert len(fake.uploads) == 5  # the first letter was not uploaded again


def test_a_wrong_key_gets_403_and_exit_1_without_the_key(outdir, fake, capsys, monkeypatch):
    fake.add_service()
    wrong, _, secret = make_key()  # a well-formed key of a service Notify does not know
    monkeypatch.setenv("NOTIFY_API_KEY", wrong)
    code, out, err = run(capsys, "notify", "send", str(outdir), "--base-url", fake.url)
    assert code == 1
    assert posts(fake) == [403]  # not retried, and the run stops: every letter would be refused
    assert "403" in err and "Invalid token" in err and "were not tried" in err
    assert json.loads(out)["stopped"]
    assert wrong not in out + err and secret not in out + err
    assert fake.uploads == []


def test_the_key_file_and_bad_input(outdir, fake, capsys, monkeypatch, tmp_path):
    monkeypatch.delenv("NOTIFY_API_KEY", raising=False)
    assert run(capsys, "notify", "send", str(outdir), "--base-url", fake.url)[0] == 2  # no key
    bad = "doctool-not-a-real-key-secret-123"
    monkeypatch.setenv("NOTIFY_API_KEY", bad)
    code, out, err = run(capsys, "notify", "send", str(outdir), "--base-url", fake.url)
    assert code == 2 and bad not in out + err and "format" in err
    key_file = tmp_path / "key"
    key_file.write_text(fake.add_service() + "\n")
    assert run(capsys, "notify", "send", str(tmp_path / "nowhere"), "--key-file", str(key_file), "--base-url", fake.url)[0] == 2
    code, out, _ = run(capsys, "notify", "send", str(outdir), "--key-file", str(key_file), "--base-url", fake.url)
    assert code == 0 and json.loads(out)["sent"] == 3


def test_a_letter_over_notifys_limits_is_not_sent(outdir, fake, capsys, monkeypatch):
    monkeypatch.setenv("NOTIFY_API_KEY", fake.add_service())
    lines = manifest(outdir)
    set_pdf(outdir, 1, 11)
    code, out, err = run(capsys, "notify", "send", str(outdir), "--base-url", fake.url)
    assert code == 1
    assert [u["reference"] for u in fake.uploads] == [lines[0]["reference"], lines[2]["reference"]]
    assert f"{lines[1]['reference']}: over Notify's limits (11 pages" in err
    assert json.loads(out)["failures"][0]["reference"] == lines[1]["reference"]


def test_status_reports_validation_failed(outdir, fake, capsys, monkeypatch):
    monkeypatch.setenv("NOTIFY_API_KEY", fake.add_service())
    assert run(capsys, "notify", "send", str(outdir), "--base-url", fake.url)[0] == 0
    refs = [e["reference"] for e in manifest(outdir)]
    fake.mark[refs[1]] = "validation-failed"
    code, out, _ = run(capsys, "notify", "status", str(outdir), "--base-url", fake.url)
    assert code == 1
    assert "accepted: 2" in out and "validation-failed: 1" in out
    assert f"failed: {refs[1]} validation-failed" in out
    statuses = {e["reference"]: e["status"] for e in journal(outdir) if e["event"] == "status"}
    assert statuses == {refs[0]: "accepted", refs[1]: "validation-failed", refs[2]: "accepted"}
    fake.mark.clear()
    assert run(capsys, "notify", "status", str(outdir), "--base-url", fake.url)[0] == 0


def test_the_fake_checks_the_jwt_as_notify_does(fake):
    key = fake.add_service()
    service, secret = key[-73:-37], key[-36:]
    url = f"{fake.url}/v2/notifications"

    def get(token: str | None) -> int:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return requests.get(url, headers=headers, timeout=10).status_code

    now = int(time.time())
    assert get(jwt.encode({"iss": service, "iat": now}, secret, algorithm="HS256")) == 200
    assert get(None) == 401
    assert get(jwt.encode({"iss": service, "iat": now}, "another secret of 32 bytes or more", algorithm="HS256")) == 403
    assert get(jwt.encode({"iss": service, "iat": now - 40}, secret, algorithm="HS256")) == 403
    assert get(jwt.encode({"iss": service, "iat": now + 40}, secret, algorithm="HS256")) == 403
    assert get(jwt.encode({"iss": service}, secret, algorithm="HS256")) == 403
    assert get(jwt.encode({"iss": service, "iat": now}, secret * 2, algorithm="HS512")) == 403


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_the_token_bucket_keeps_under_3000_a_minute():
    clock = FakeClock()
    bucket = TokenBucket(clock=clock, sleep=clock.sleep)
    times = []
    for _ in range(6000):
        bucket.take()
        times.append(clock.now)
    assert times[49] == 0.0 and times[50] > 0  # a burst of 50, then paced
    for i, start in enumerate(times):  # any 60-second window holds at most 3,000
        j = next((k for k in range(i, len(times)) if times[k] >= start + 60), len(times))
        assert j - i <= 3000
        if i > 200:
            break
    assert times[-1] == pytest.approx((6000 - 50) / ((3000 - 50) / 60))


def test_the_key_is_split_as_the_client_does_and_never_shown():
    key, service, secret = make_key("council_live")
    parsed = ApiKey.parse(key)
    assert (parsed.service_id, parsed.secret) == (service, secret) == (key[-73:-37], key[-36:])
    assert secret not in repr(parsed) and parsed.shown == f"service {service[:8]}…"
    assert parsed.scrub(f"oops {key}") == "oops ***"
