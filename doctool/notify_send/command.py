"""``doctool notify send|status OUTDIR``: post a finished batch through GOV.UK Notify.

send exits 0 when every letter was sent or had been already, 1 when some failed (refused,
over Notify's limits, or still failing after the retries; a refused key, 401 or 403, stops
the run), 2 for bad input (no manifest, no key or a key not in Notify's format). status
exits 1 when some letter failed. The API key is read from ``--key-file`` or ``NOTIFY_API_KEY`` and never printed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from doctool.errors import InputError
from doctool.notify_send.api import LIVE_URL, ApiKey, Notify
from doctool.notify_send.journal import JOURNAL
from doctool.notify_send.sending import POSTAGE, batch_status, send_batch


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("notify", help="send a finished batch of letters through GOV.UK Notify, or check on them")
    actions = p.add_subparsers(dest="notify_command", required=True, metavar="ACTION")
    for name, helptext, func in (
        ("send", "upload each letter as a precompiled letter (never the same one twice)", cmd_send),
        ("status", "ask Notify where each sent letter is", cmd_status),
    ):
        a = actions.add_parser(name, help=helptext)
        a.add_argument("outdir", metavar="OUTDIR", help="the folder doctool batch wrote")
        a.add_argument("--key-file", metavar="FILE", help="file holding the API key (default: $NOTIFY_API_KEY)")
        a.add_argument("--base-url", default=LIVE_URL, help="Notify API address (default: the live service)")
        if name == "send":
            a.add_argument("--postage", choices=POSTAGE, default="second")
        a.set_defaults(func=func)


def _key(args: argparse.Namespace) -> ApiKey:
    if args.key_file:
        try:
            text = Path(args.key_file).read_text(encoding="utf-8")
        except OSError as exc:
            raise InputError(f"cannot read the key file {args.key_file}: {exc.strerror}") from None
    else:
        text = os.environ.get("NOTIFY_API_KEY", "")
        if not text:
            raise InputError("no Notify API key: give --key-file FILE or set NOTIFY_API_KEY")
    return ApiKey.parse(text)


def cmd_send(args: argparse.Namespace) -> int:
    outdir = Path(args.outdir)
    key = _key(args)
    summary = send_batch(outdir, Notify(key, args.base_url), args.postage)
    for failure in summary.failed:
        print(f"not sent: {failure['reference']}: {failure['error']}", file=sys.stderr)
    if summary.stopped:
        print(f"stopped: {summary.stopped}", file=sys.stderr)
    print(json.dumps({**summary.as_dict(), "postage": args.postage, "service": key.shown, "journal": JOURNAL}, ensure_ascii=False))
    return 1 if summary.failed else 0


def cmd_status(args: argparse.Namespace) -> int:
    outdir = Path(args.outdir)
    key = _key(args)
    summary = batch_status(outdir, Notify(key, args.base_url))
    total = sum(summary.by_status.values())
    print(f"{total} letter(s) sent from {outdir} ({key.shown})")
    for status, count in sorted(summary.by_status.items()):
        print(f"  {status}: {count}")
    for failure in summary.failures:
        why = f" ({failure['error']})" if "error" in failure else ""
        print(f"failed: {failure['reference']} {failure['status']} id {failure['id']}{why}")
    return 1 if summary.failures else 0
