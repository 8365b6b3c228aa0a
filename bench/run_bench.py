"""Benchmark: bulk charging letters with doctool against the usual LibreOffice route.

Usage:  .venv/bin/python bench/run_bench.py [N ...] [--workers W] [--skip-libreoffice] [--skip-naive]
        (default N = 100 1000 10000; `make bench` runs it)

For each N it generates N realistic letter records and measures, on this machine, in one run:
  1. doctool batch to PDF (every core);
  2. LibreOffice headless converting doctool's own .docx letters to PDF,
     (a) one soffice instance, as Gotenberg deploys it, and (b) one instance per core;
  3. doctool batch to .docx (every core) against a naive docxtpl mail merge that opens the
     whole-letter template for every letter (one process, as a typical mail-merge script
     does; see naive_mailmerge.py).
Then it checks what doctool's PDF batch made: a letter for every record, each through the
Notify page check as it was made, and 100 of them (evenly spread) through PyPI ``pdfua``.
It reports letters per second, the ratios, and peak memory of the whole process tree,
sampled every 200 ms (PSS, each shared page counted once; and the RSS sum, an upper
bound), and writes bench/results.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCTOOL = [sys.executable, "-m", "doctool"]

FIRST = "Joan Peter Amir Grace Tomasz Niamh Oluwaseun Wei Fatima Derek Siobhan Rhys Priya Kwame Elsie".split()
LAST = "Whitfield Okafor Kowalski Begum Thompson Nguyen Hughes Patel Mensah Byrne Clarke Hussain Evans".split()
STREETS = "Beacon Terrace|Mill Lane|Orchard Close|Station Road|Church View|Victoria Street|Elm Grove".split("|")


def make_records(n: int, path: Path) -> None:
    """N assessed letters like April's uprating run, varied but valid, deterministic."""
    base = json.loads((ROOT / "samples" / "letters" / "02-assessed.json").read_text())
    rnd = random.Random(2027)
    with open(path, "w") as fh:
        for i in range(n):
            rec = json.loads(json.dumps(base))
            name = f"{rnd.choice(FIRST)} {rnd.choice(LAST)}"
            rec["reference"] = f"ASC-{300000 + i}"
            rec["recipient"]["name"] = name
            rec["recipient"]["salutation"] = name
            rec["recipient"]["address"]["lines"] = [f"{rnd.randint(1, 199)} {rnd.choice(STREETS)}", "Eastbrook"]
            rec["recipient"]["address"]["postcode"] = f"EX{rnd.randint(1, 9)} {rnd.randint(1, 9)}{rnd.choice('ABDEFGHJLNPQRSTUWXYZ')}{rnd.choice('ABDEFGHJLNPQRSTUWXYZ')}"
            fh.write(json.dumps(rec) + "\n")


class PeakMemory:
    """Peak memory of a process and all its descendants (from /proc), two ways:

    - ``peak`` sums each process's proportional set size (PSS): a page shared by several
      processes (the forked workers share everything loaded before the fork, and the
      soffice processes share their libraries) is counted once, split between them. This is
      the memory the whole tree really takes from the machine.
    - ``peak_rss`` sums each resident set (RSS), counting every shared page once per process:
      an upper bound, shown alongside.
    """

    def __init__(self, pid: int) -> None:
        self.pid, self.peak, self.peak_rss, self._stop = pid, 0, 0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _tree(self) -> list[int]:
        """The process and its descendants, from each process's children list (cheap: no
        scan of all of /proc, so the sampler does not steal CPU from what it measures)."""
        out, todo = [], [self.pid]
        while todo:
            pid = todo.pop()
            out.append(pid)
            try:
                for task in os.listdir(f"/proc/{pid}/task"):
                    todo += [int(c) for c in Path(f"/proc/{pid}/task/{task}/children").read_text().split()]
            except OSError:
                pass
        return out

    def _sample(self) -> tuple[int, int]:
        pss = rss = 0
        for pid in self._tree():
            try:
                for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                    if line.startswith("Rss:"):
                        rss += int(line.split()[1]) * 1024
                    elif line.startswith("Pss:"):
                        pss += int(line.split()[1]) * 1024
            except OSError:
                pass
        return pss, rss

    def _run(self) -> None:
        while not self._stop.is_set():
            pss, rss = self._sample()
            self.peak, self.peak_rss = max(self.peak, pss), max(self.peak_rss, rss)
            time.sleep(0.2)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def figures(n: int, seconds: float, peak: int, peak_rss: int, **extra: object) -> dict[str, object]:
    """One measurement as reported: throughput and peak memory in MB."""
    return {**extra, "seconds": round(seconds, 2), "letters_per_second": round(n / seconds, 2), "peak_mb": round(peak / 2**20), "peak_rss_mb": round(peak_rss / 2**20)}


def timed(cmd: list[str], **kw: object) -> tuple[float, int, int]:
    """Run a command; return (seconds, peak PSS and peak RSS of its process tree in bytes)."""
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **kw)  # type: ignore[call-overload]
    with PeakMemory(proc.pid) as mem:
        _out, err = proc.communicate()
    if proc.returncode not in (0,):
        raise SystemExit(f"{' '.join(map(str, cmd[:4]))}... failed ({proc.returncode}): {err.decode()[-500:]}")
    return time.monotonic() - start, mem.peak, mem.peak_rss


#: Files per soffice launch: one soffice given 1,000 files stopped part-way here (247
#: converted), so each instance works through its share in chunks, one launch at a time.
CHUNK = 200


def _soffice_worker(files: list[Path], outdir: Path, profile: str, peaks: list[tuple[int, int]]) -> None:
    for start in range(0, len(files), CHUNK):
        todo = [f for f in files[start : start + CHUNK] if not (outdir / (f.stem + ".pdf")).exists()]
        for _attempt in range(2):  # a crashed launch is retried once for the files it missed
            if not todo:
                break
            cmd = ["soffice", f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf", "--outdir", str(outdir), *map(str, todo)]
            proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            with PeakMemory(proc.pid) as mem:
                proc.wait()
            peaks.append((mem.peak, mem.peak_rss))
            todo = [f for f in todo if not (outdir / (f.stem + ".pdf")).exists()]


def soffice_convert(files: list[Path], outdir: Path, instances: int, work: Path) -> tuple[float, int, int]:
    """Convert with `instances` soffice processes side by side, each with its own profile."""
    groups = [files[i::instances] for i in range(instances)]
    start = time.monotonic()
    peaks: list[list[tuple[int, int]]] = [[] for _ in groups]
    threads = [
        threading.Thread(target=_soffice_worker, args=(group, outdir, (work / f"lo-profile-{i}").as_uri(), peaks[i]))
        for i, group in enumerate(groups)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    converted = len(list(outdir.glob("*.pdf")))
    if converted != len(files):
        raise SystemExit(f"LibreOffice converted {converted} of {len(files)} letters")
    # Each instance's own peaks (PSS, RSS), added up: they may not coincide, so an upper bound.
    pss, rss = (sum(max((p[i] for p in ps), default=0) for ps in peaks) for i in (0, 1))
    return time.monotonic() - start, pss, rss


NAIVE = Path(__file__).with_name("naive_mailmerge.py")  # the baseline for the Word path
PDFUA = Path(sys.executable).with_name("pdfua")
CHECKED = 100  # letters an N-letter run hands to the independent PDF/UA checker (evenly spread)


def verify(n: int, outdir: Path) -> dict[str, object]:
    """What the batch made is what may be posted: every record a letter (each passed
    CL-NOTIFY-PAGE, Notify's page check, as it was made, or it would be in failures.jsonl),
    and an evenly spread sample checked by PyPI ``pdfua`` (errors and the rules it skipped)."""
    letters = sorted((outdir / "letters").glob("*.pdf"))
    failed = [ln for ln in (outdir / "failures.jsonl").read_text().splitlines() if ln.strip()]
    sample = letters[:: max(1, len(letters) // CHECKED)]
    run = subprocess.run([str(PDFUA), "check", "--format", "json", *map(str, sample)], capture_output=True, text=True, check=False)
    reports, text, decoder, at = [], run.stdout, json.JSONDecoder(), 0
    while text[at:].strip():
        at += len(text[at:]) - len(text[at:].lstrip())
        report, at = decoder.raw_decode(text, at)
        reports.append(report)
    if len(reports) != len(sample):
        raise SystemExit(f"pdfua reported on {len(reports)} of {len(sample)} letters: {run.stderr[-500:]}")
    return {
        "letters": len(letters), "failed": len(failed), "pdfua_checked": len(sample),
        "pdfua_errors": sum(r["summary"]["errors"] for r in reports),
        "pdfua_findings": sum(len(r["findings"]) for r in reports),
        "pdfua_skipped_rules": sorted({s["rule_id"] for r in reports for s in r["skipped"]}),
        "all_posted": len(letters) == n and not failed,
    }


def bench(n: int, workers: int, work: Path, with_lo: bool, with_naive: bool = True) -> dict[str, object]:
    records = work / f"records-{n}.jsonl"
    make_records(n, records)
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    res: dict[str, object] = {"n": n}

    pdf_dir = work / f"pdf-{n}"
    res["doctool_pdf"] = figures(n, *timed([*DOCTOOL, "batch", str(records), "--format", "pdf", "-o", str(pdf_dir), "--workers", str(workers)], env=env))
    res["pdf_letters_checked"] = verify(n, pdf_dir)  # after the timing, so it is not in the rate

    docx_dir = work / f"docx-{n}"
    res["doctool_docx"] = figures(n, *timed([*DOCTOOL, "batch", str(records), "--format", "docx", "-o", str(docx_dir), "--workers", str(workers)], env=env))

    if with_naive:
        naive_dir = work / f"naive-{n}"
        naive_dir.mkdir()
        res["naive_docxtpl"] = figures(n, *timed([sys.executable, str(NAIVE), str(records), str(naive_dir)], env=env))
        res["ratio_docx_vs_naive"] = round(
            res["doctool_docx"]["letters_per_second"] / res["naive_docxtpl"]["letters_per_second"], 2  # type: ignore[index]
        )

    if with_lo and shutil.which("soffice"):
        letters = sorted((docx_dir / "letters").glob("*.docx"))
        for label, instances in (("libreoffice_one", 1), ("libreoffice_per_core", workers)):
            out = work / f"{label}-{n}"
            out.mkdir()
            res[label] = figures(n, *soffice_convert(letters, out, instances, work), instances=instances)
        pdf = res["doctool_pdf"]["letters_per_second"]  # type: ignore[index]
        res["ratio_pdf_vs_lo_one"] = round(pdf / res["libreoffice_one"]["letters_per_second"], 2)  # type: ignore[index]
        res["ratio_pdf_vs_lo_per_core"] = round(pdf / res["libreoffice_per_core"]["letters_per_second"], 2)  # type: ignore[index]
    return res


def machine() -> dict[str, object]:
    cpu = next((ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines() if ln.startswith("model name")), "")
    mem = next((int(ln.split()[1]) // 1024 for ln in Path("/proc/meminfo").read_text().splitlines() if ln.startswith("MemTotal")), 0)
    lo = subprocess.run(["soffice", "--version"], capture_output=True, text=True).stdout.strip() if shutil.which("soffice") else ""
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_mb": mem, "python": platform.python_version(), "libreoffice": lo}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[100, 1000, 10000])
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--skip-libreoffice", action="store_true")
    # --skip-naive leaves out the naive docxtpl loop (for a long run of the rest).
    parser.add_argument("--skip-naive", action="store_true")
    parser.add_argument("--output", default=str(ROOT / "bench" / "results.json"))
    args = parser.parse_args()
    results = {"machine": machine(), "workers": args.workers, "runs": []}
    with tempfile.TemporaryDirectory(prefix="doctool-bench-") as tmp:
        for n in args.sizes:
            run = bench(n, args.workers, Path(tmp), not args.skip_libreoffice, not args.skip_naive)
            results["runs"].append(run)  # type: ignore[union-attr]
            print(json.dumps(run), flush=True)
    Path(args.output).write_text(json.dumps(results, indent=2) + "\n")
    print(f"results written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
