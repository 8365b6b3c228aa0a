"""``python -m doctool.service serve|keys new``: the service commands on their own."""

from __future__ import annotations

import argparse
import sys

from doctool.errors import DoctoolError
from doctool.service.cli import add_parsers


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m doctool.service")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    add_parsers(sub)
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except DoctoolError as exc:
        print(f"doctool: {exc.message}", file=sys.stderr)
        return exc.exit_code


if __name__ == "__main__":
    sys.exit(main())
