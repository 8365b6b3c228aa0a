"""A wheel built from the tree renders every document and format with nothing from the checkout.

The wheel is built from a copy of the project's files, installed without dependencies
into a new virtual environment in an empty folder, and run from a folder outside the
checkout. The new environment borrows this environment's installed dependencies
through a ``.pth`` file (no download), which does not make the checkout's ``doctool``
importable: a path in a ``.pth`` file is only added to ``sys.path``; the ``.pth`` files
inside it (the editable install's finder) are not run.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from concurrent.futures import ThreadPoolExecutor
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pytest

from doctool.api import ALL_FORMATS
from doctool.cli import main

REPO = Path(__file__).resolve().parents[1]
# A direct payment: --all renders the plan, the charging letter, the direct payment
# summary and the easy-read plan, each as PDF and Word.
SAMPLE = REPO / "samples" / "plans" / "02-learning-disability-direct-payment-pa.json"
ALL_DOCUMENTS = {"plan", "charging-letter", "dp-summary", "easyread"}
PROJECT_FILES = ("pyproject.toml", "README.md", "MANIFEST.in", "doctool", "templates", "assets", "samples")


def _magic_ok(path: Path) -> bool:
    data = path.read_bytes()
    match path.suffix:
        case ".pdf":
            return data.startswith(b"%PDF-")
        case ".docx":
            return data.startswith(b"PK\x03\x04") and "word/document.xml" in zipfile.ZipFile(path).namelist()
        case ".mp3":
            return data.startswith(b"ID3") or (len(data) > 2 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0)
        case ".html":
            return data.lstrip().lower().startswith(b"<!doctype html")
        case ".brf":  # North American braille ASCII: printable ASCII, line and page breaks
            return bool(data) and all(32 <= b < 127 or b in b"\r\n\f" for b in data)
        case ".txt":
            return bool(data.decode("utf-8").strip())
    return False


def _setuptools_builds() -> bool:
    """Whether this environment's setuptools can build the project without isolation
    (``license = "MIT"`` needs setuptools 77); otherwise pip builds in an isolated
    environment from its configured index (a local one on the build machines)."""
    try:
        major = int(version("setuptools").split(".")[0])
    except (PackageNotFoundError, ValueError):
        return False
    return major >= 77


#: The environment without what would make the checkout's doctool importable.
CLEAN_ENV = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "PYTHONSAFEPATH")}


def _run(cmd: list, **kw) -> subprocess.CompletedProcess:
    kw.setdefault("env", CLEAN_ENV)
    result = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, **kw)
    assert result.returncode == 0, f"{cmd}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(python of a new venv with only the wheel installed, an empty folder to run in, the wheel)."""
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    src.mkdir()
    junk = shutil.ignore_patterns("__pycache__", "*.egg-info", "build")
    for name in PROJECT_FILES:
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, src / name, symlinks=True, ignore=junk)
        elif (REPO / name).exists():
            shutil.copy2(REPO / name, src / name)

    dist = tmp / "dist"
    isolation = ["--no-build-isolation"] if _setuptools_builds() else []
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", *isolation, "-w", dist, src])
    (wheel,) = dist.glob("doctool-*.whl")

    venv = tmp / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", venv])
    python = venv / "bin" / "python"
    _run([sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index", "-q", wheel])
    site = Path(_run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip())
    borrowed = dict.fromkeys(sysconfig.get_paths()[key] for key in ("purelib", "platlib"))
    (site / "_borrowed_dependencies.pth").write_text("".join(f"{p}\n" for p in borrowed))

    elsewhere = tmp / "elsewhere"
    elsewhere.mkdir()
    return python, elsewhere, wheel


def test_wheel_carries_templates_assets_and_samples(installed):
    *_, wheel = installed
    names = set(zipfile.ZipFile(wheel).namelist())
    wanted = [
        *(p for folder in ("templates", "assets") for p in (REPO / folder).rglob("*") if p.is_file()),
        *(REPO / "samples").glob("plans/*.json"),
        *(REPO / "samples").glob("letters/*.json"),
    ]
    missing = [str(p.relative_to(REPO)) for p in wanted if f"doctool/{p.relative_to(REPO).as_posix()}" not in names]
    assert not missing, f"not in the wheel: {missing}"
    assert not any(n.startswith("doctool/samples/drafts/") for n in names)


def test_installed_wheel_renders_outside_the_checkout(installed, tmp_path):
    python, elsewhere, _wheel = installed
    where = _run([python, "-c", "import doctool.paths as p; print(p.__file__); print(p.TEMPLATES)"], cwd=elsewhere)
    module, templates = where.stdout.split()
    venv = python.parent.parent
    assert Path(module).is_relative_to(venv) and Path(templates).is_relative_to(venv), where.stdout
    assert not Path(module).is_relative_to(REPO)

    # Every document the sample calls for, as PDF and Word, with a manifest; meanwhile the
    # same from the checkout, in this process.
    wheel_run = subprocess.Popen(
        [str(c) for c in (python, "-m", "doctool", "render", SAMPLE, "--all", "-o", "all")],
        cwd=elsewhere, env=CLEAN_ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    assert main(["render", str(SAMPLE), "--all", "-o", str(tmp_path / "checkout")]) == 0
    out, err = wheel_run.communicate()
    assert wheel_run.returncode == 0, out + err
    manifest = json.loads((elsewhere / "all" / "manifest.json").read_text())
    assert {f["document"] for f in manifest["files"]} == ALL_DOCUMENTS
    assert {f["format"] for f in manifest["files"]} == {"pdf", "docx"}
    for f in manifest["files"]:
        assert _magic_ok(elsewhere / "all" / f["path"]), f["path"]

    # The same manifest as the checkout's: template names are project-relative in both.
    from_checkout = json.loads((tmp_path / "checkout" / "manifest.json").read_text())
    assert all(f["template"].startswith(("templates/docx/", "templates/html/", "templates/easyread/", "templates/typst/")) for f in manifest["files"])

    # Byte for byte, PDFs included: every file a document reads has a URL that does not
    # depend on where doctool is installed (doctool/render/urls.py).
    assert manifest == from_checkout

    # The plan in every format (``doctool render --document plan --format X`` each, in one
    # process to spare the start-up), and bundled templates checked against the bundled samples.
    one = elsewhere / "one"
    one.mkdir()
    every_format = (
        "import sys\nfrom doctool.cli import main\n"
        f"for fmt in {ALL_FORMATS!r}:\n"
        f"    if main(['render', {str(SAMPLE)!r}, '--document', 'plan', '--format', fmt, '-o', {str(one)!r}]):\n"
        "        sys.exit(f'failed: {fmt}')\n"
    )
    (templates_dir,) = venv.glob("lib/python*/site-packages/doctool/templates")
    commands = [
        [python, "-c", every_format],
        [python, "-m", "doctool", "check-template", templates_dir / "docx" / "plan.docx"],
        [python, "-m", "doctool", "check-template", templates_dir / "html" / "charging-letter.html.j2"],
    ]
    with ThreadPoolExecutor(max_workers=2) as pool:
        rendered, *checked = pool.map(lambda cmd: _run(cmd, cwd=elsewhere), commands)
    written = [Path(line) for line in rendered.stdout.splitlines()]
    assert len(set(written)) == len(ALL_FORMATS), rendered.stdout
    for path in written:
        assert path.is_relative_to(one) and _magic_ok(path), path
    for result in checked:
        assert "no problems found" in result.stdout, result.stdout
