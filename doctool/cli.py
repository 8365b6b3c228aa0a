"""The ``doctool`` command line.

Exit codes (a contract that council integrations rely on):
0 the document fits the schema and nothing blocking is missing (warnings may exist);
1 it fits the schema but blocking findings exist (nothing is written);
2 it cannot be used: unreadable, invalid JSON, schema errors, a bad profile or option.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from doctool import __version__
from doctool.batch import command as batch_command
from doctool.documents import DOCUMENTS
from doctool.errors import DoctoolError, Incomplete, InputError
from doctool.findings import Finding, Report, Severity
from doctool.loading import load_document_bytes, read_bytes
from doctool.notify_send import command as notify_command
from doctool.output import atomic_write
from doctool.paths import SAMPLES
from doctool.pipeline import ALL_FORMATS, MANIFEST, Selection, format_media, prepare, render_set
from doctool.queue import worker as worker_command
from doctool.report import format_error, format_report
from doctool.schema import SCHEMAS, schema_text
from doctool.service.cli import add_parsers as add_service_parsers


def _schema_findings(exc: DoctoolError) -> Report:
    """A schema failure in the same JSON shape as findings, so callers parse one format."""
    findings = [Finding("SCHEMA", Severity.error, e.path, e.message, "doctool published schema") for e in exc.errors]
    if not findings:
        findings = [Finding("SCHEMA", Severity.error, "$", exc.message, "doctool published schema")]
    return Report(profile="", findings=findings, valid=False)


def cmd_validate(args: argparse.Namespace) -> int:
    path = Path(args.file)
    try:
        report = prepare(read_bytes(path), args.profile).report
    except InputError as exc:
        if args.json:
            out = _schema_findings(exc).as_dict()
            out["profile"] = args.profile
            print(json.dumps(out, indent=2))
        else:
            print(format_error(exc, path.name), file=sys.stderr)
        return exc.exit_code
    if args.json:
        print(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
    else:
        print(format_report(report, path.name))
    return 0 if report.complete else 1


def _selection(args: argparse.Namespace) -> Selection:
    if args.all and args.for_person:
        raise InputError("use --all or --for-person, not both")
    if args.all or args.for_person:
        if not args.output:
            raise InputError("--all and --for-person need -o OUTDIR, the folder to write the documents into")
        if args.document or args.format or args.size is not None:
            raise InputError("--document, --format and --size choose one document; --all and --for-person choose a set")
        return Selection.all() if args.all else Selection.for_person()
    if not (args.document and args.format):
        raise InputError("say which document and format: --document NAME --format FORMAT, or --all / --for-person -o OUTDIR")
    return Selection.one(args.document, args.format, args.size)


def _extension_formats() -> dict[str, str]:
    """The format an output file's extension names (``x.docx`` -> docx, ``x.brf`` -> braille);
    ``.pdf`` and ``.docx`` name the standard formats, not their large-print variants."""
    by_ext: dict[str, str] = {}
    for fmt in reversed(ALL_FORMATS):  # the standard formats come first, so they win
        by_ext[format_media(fmt)[1]] = fmt
    by_ext["wav"] = by_ext.get("mp3", "audio")
    return by_ext


def _output_format(args: argparse.Namespace) -> None:
    """Without --format, the output's extension says it; with both, they must agree."""
    suffix = Path(args.output).suffix.lower().lstrip(".") if args.output and not Path(args.output).is_dir() else ""
    by_ext = _extension_formats()
    if args.format is None and args.document and suffix in by_ext:
        args.format = by_ext[suffix]
        return
    if args.format and suffix:
        wanted = format_media(args.format)[1] if args.format in ALL_FORMATS else None
        if wanted and suffix != wanted and not (args.format == "audio" and suffix in ("mp3", "wav")):
            raise InputError(
                f"the output {Path(args.output).name} ends .{suffix}, but --format {args.format} makes a .{wanted} file: "
                f"change one (or leave out --format and the extension decides)"
            )


def _refuse_overwrite(path: Path, force: bool) -> None:
    if path.exists() and not force:
        raise InputError(f"{path} already exists; nothing was written (use --force to replace it)")


def cmd_render(args: argparse.Namespace) -> int:
    path = Path(args.file)
    raw = read_bytes(path)
    if args.format:
        args.format = args.format.lower() if args.format.lower() in ALL_FORMATS else args.format
    if not (args.all or args.for_person):
        _output_format(args)
    selection = _selection(args)
    if selection.set:
        _refuse_overwrite(Path(args.output) / MANIFEST, args.force)
    elif args.output and not Path(args.output).is_dir():
        _refuse_overwrite(Path(args.output), args.force)
    prepared = prepare(raw, args.profile, draft=args.draft)
    try:
        rendered = render_set(prepared, selection)
    except Incomplete as exc:
        print(format_report(exc.report, path.name), file=sys.stderr)
        print("Nothing was written. Put the blocking items right, or use --draft for a marked draft.", file=sys.stderr)
        return exc.exit_code
    if rendered.report.findings:  # the same findings validate shows, so the two never disagree
        print(format_report(rendered.report, path.name), file=sys.stderr)
    if selection.set:
        outdir = Path(args.output)
        for f in rendered.files:
            atomic_write(outdir / f.name, f.content)
        atomic_write(outdir / MANIFEST, rendered.manifest_bytes())
        for f in rendered.files:
            print(outdir / f.name)
        return 0
    made = rendered.files[0]
    target = Path(args.output) if args.output else Path(made.name)
    if target.is_dir():  # like cp: a folder given as the output gets the usual file name
        target = target / made.name
    _refuse_overwrite(target, args.force)
    atomic_write(target, made.content)
    print(target)
    return 0


def cmd_check_template(args: argparse.Namespace) -> int:
    from doctool.template_check import check_template

    path = Path(args.template)
    problems = check_template(path, args.document)
    if not problems:
        print(f"{path.name}: no problems found")
        return 0
    print(f"{path.name}: {len(problems)} problem(s)")
    for problem in problems:
        print(f"  {problem}")
    return 1


def cmd_schema(args: argparse.Namespace) -> int:
    sys.stdout.write(schema_text(args.name))
    return 0


def cmd_fields(args: argparse.Namespace) -> int:
    """What templates receive; with a document, the sections it makes from a sample."""
    from doctool.template_context import outline, reference

    if not args.document:
        sys.stdout.write(reference())
        return 0
    if args.document not in DOCUMENTS:
        Selection.one(args.document, "pdf")  # raises, naming the nearest document
    kind = DOCUMENTS[args.document]
    samples = [*sorted((SAMPLES / "plans").glob("*.json")), *sorted((SAMPLES / "letters").glob("*.json"))]
    bundled = (p for p in samples if kind.usable(load_document_bytes(p.read_bytes())))
    path = Path(args.sample) if args.sample else next(bundled)
    prepared = prepare(read_bytes(path), args.profile, draft=True)
    document = prepared.document(args.document).document
    print(f"# {path.name}")
    for line in outline(args.document, prepared.record, document):
        print(line)
    return 0


EXIT_CODES = """exit codes:
  0  done (warnings may have been printed)
  1  the record fits the schema but blocking findings exist: nothing was written
  2  it cannot be used: unreadable, invalid JSON, schema errors, a bad profile or option
  3  an internal error (a bug: please report it with DOCTOOL_DEBUG=1 output)"""


def _help(examples: str, codes: str = EXIT_CODES) -> dict[str, Any]:
    """The epilog every subcommand's --help ends with: examples, then what each exit code means."""
    return {"epilog": f"examples:\n{examples}\n\n{codes}", "formatter_class": argparse.RawDescriptionHelpFormatter}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="doctool",
        description="Validate care and support plans and produce the documents a person receives.",
        **_help(
            "  doctool validate plan.json\n"
            "  doctool render plan.json --all -o out/\n"
            "  doctool batch letters.csv --mapping finance.toml -o out/april\n"
            "  doctool COMMAND --help    (each command's options, examples and exit codes)"
        ),
    )
    parser.add_argument("--version", action="version", version=f"doctool {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser(
        "validate",
        help="check a plan or letter record against the schema and the law",
        description="Check a plan or letter record against the published schema and the Care Act checks.",
        **_help(
            "  doctool validate samples/plans/01-older-person-home-care.json\n"
            "  doctool validate plan.json --profile kent --json > findings.json",
            EXIT_CODES.replace("nothing was written", "the plan is not ready to issue"),
        ),
    )
    p.add_argument("file", metavar="FILE.json")
    p.add_argument("--profile", default="england", help="council profile name or .toml file (default: england)")
    p.add_argument("--json", action="store_true", help="print the findings as JSON")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser(
        "render",
        help="write the documents a plan (or a letter record) needs, in Word and PDF",
        description="Write one document in one format, every document (--all), or what the person asked for (--for-person).",
        **_help(
            "  doctool render plan.json --document plan -o ASC-104233-plan.pdf      (the extension picks the format)\n"
            "  doctool render plan.json --document easyread --format docx\n"
            "  doctool render plan.json --document plan --format large-print-pdf --size 18\n"
            "  doctool render plan.json --all -o out/ASC-104233\n"
            "  doctool render plan.json --for-person -o out/ASC-104233 --force      (replace an earlier set)\n"
            "  doctool render draft.json --all --draft -o out/draft                  (files named ...-DRAFT.pdf)"
        ),
    )
    p.add_argument("file", metavar="FILE.json")
    p.add_argument("--document", metavar="NAME", help=f"which document: {', '.join(DOCUMENTS)}")
    p.add_argument(
        "--format", metavar="FORMAT", help=f"which format: {', '.join(ALL_FORMATS)} (default: from the -o extension)"
    )
    p.add_argument("--size", type=int, metavar="PT", help="print size for large-print and clear-print formats")
    p.add_argument("--all", action="store_true", help="every document that applies, in Word and PDF, with a manifest")
    p.add_argument(
        "--for-person", action="store_true", help="the standard copies plus exactly the formats the person asked for"
    )
    p.add_argument("-o", "--output", help="output file (or folder with --all)")
    p.add_argument("--draft", action="store_true", help="write a marked DRAFT even if blocking items are missing")
    p.add_argument("--force", action="store_true", help="replace a file (or a folder's set) that already exists")
    p.add_argument("--profile", default="england", help="council profile name or .toml file (default: england)")
    p.set_defaults(func=cmd_render)

    p = sub.add_parser(
        "check-template",
        help="check an edited Word or HTML template before use",
        description="Check an edited Word shell (.docx) or HTML template before a council uses it. "
        "The document it is for is read from its file name (plan, easyread, charging-letter, dp-summary) unless --document says.",
        **_help(
            "  doctool check-template templates/docx/charging-letter.docx\n"
            "  doctool check-template council/templates/plan.html.j2\n"
            "  doctool check-template council/our-letter.docx --document charging-letter",
            "exit codes:\n  0  no problems found\n  1  problems found (each listed)\n  2  not a template, or no such file",
        ),
    )
    p.add_argument("template", metavar="TEMPLATE")
    p.add_argument("--document", choices=sorted(DOCUMENTS), help="which document the template is for")
    p.set_defaults(func=cmd_check_template)

    p = sub.add_parser(
        "fields",
        help="what templates receive (the document model), or the sections a document makes",
        description="What templates receive (the document model), or the sections a document makes from a sample.",
        **_help(
            "  doctool fields\n  doctool fields charging-letter\n  doctool fields plan --sample plan.json",
            "exit codes:\n  0  printed\n  2  an unknown document, or a sample that cannot be read",
        ),
    )
    p.add_argument("document", nargs="?", metavar="DOCUMENT", help=f"show the sections of: {', '.join(DOCUMENTS)}")
    p.add_argument("--sample", metavar="FILE.json", help="the plan or letter record to compose (default: a bundled sample)")
    p.add_argument("--profile", default="england", help="council profile name or .toml file (default: england)")
    p.set_defaults(func=cmd_fields)

    p = sub.add_parser(
        "schema",
        help="print a published JSON Schema",
        description="Print a published JSON Schema (the same as schemas/NAME.schema.json).",
        **_help("  doctool schema plan > plan.schema.json\n  doctool schema charging-letter", "exit codes:\n  0  printed\n  2  an unknown schema"),
    )
    p.add_argument("name", nargs="?", default="plan", choices=sorted(SCHEMAS))
    p.set_defaults(func=cmd_schema)

    batch_command.add_parser(sub)
    notify_command.add_parser(sub)
    add_service_parsers(sub)
    worker_command.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except DoctoolError as exc:
        print(format_error(exc, "doctool"), file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("doctool: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into `head`: not an error
        sys.stderr.close()
        return 0
    except OSError as exc:  # a path that cannot be read or written: the user's to fix
        print(f"doctool: {exc.strerror or type(exc).__name__}: {exc.filename or ''}".rstrip(": "), file=sys.stderr)
        return 2
    except Exception as exc:
        if os.environ.get("DOCTOOL_DEBUG"):
            raise
        print(f"doctool: internal error ({type(exc).__name__}); set DOCTOOL_DEBUG=1 for details", file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
