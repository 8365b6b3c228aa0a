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

from doctool import __version__
from doctool.api import validate_file
from doctool.checks.findings import Finding, Report, Severity
from doctool.errors import DoctoolError, InputError
from doctool.report import format_error, format_report
from doctool.schema import SCHEMAS, schema_text


def _schema_findings(exc: DoctoolError) -> Report:
    """A schema failure in the same JSON shape as findings, so callers parse one format."""
    findings = [Finding("SCHEMA", Severity.error, e.path, e.message, "doctool published schema") for e in exc.errors]
    if not findings:
        findings = [Finding("SCHEMA", Severity.error, "$", exc.message, "doctool published schema")]
    return Report(profile="", findings=findings, valid=False)


def cmd_validate(args: argparse.Namespace) -> int:
    path = Path(args.file)
    try:
        report = validate_file(path, args.profile)
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


def cmd_schema(args: argparse.Namespace) -> int:
    sys.stdout.write(schema_text(args.name))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="doctool",
        description="Validate care and support plans and produce the documents a person receives.",
    )
    parser.add_argument("--version", action="version", version=f"doctool {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("validate", help="check a plan or letter record against the schema and the law")
    p.add_argument("file", metavar="FILE.json")
    p.add_argument("--profile", default="england", help="council profile name or .toml file (default: england)")
    p.add_argument("--json", action="store_true", help="print the findings as JSON")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("schema", help="print a published JSON Schema")
    p.add_argument("name", nargs="?", default="plan", choices=sorted(SCHEMAS))
    p.set_defaults(func=cmd_schema)
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
    except Exception as exc:  # noqa: BLE001 - a bug: say so without dumping data
        if os.environ.get("DOCTOOL_DEBUG"):
            raise
        print(f"doctool: internal error ({type(exc).__name__}); set DOCTOOL_DEBUG=1 for details", file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
