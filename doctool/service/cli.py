"""``doctool serve`` and ``doctool keys new``.

The main command line adds these with two lines (``from doctool.service.cli import
add_parsers as add_service_parsers`` and ``add_service_parsers(sub)``); ``python -m
doctool.service`` runs them alone. Nothing heavy is imported until a command runs, so the
rest of the command line does not pay for the web stack.
"""

from __future__ import annotations

import argparse
import os
import sys


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("serve", help="run the HTTP service (API and the practitioners' page)")
    p.add_argument("--host", help="address to listen on (env DOCTOOL_HOST; default 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (env DOCTOOL_PORT; default 8000)")
    p.add_argument("--workers", type=int, help="uvicorn worker processes (env DOCTOOL_WORKERS; default 1)")
    p.add_argument("--data-dir", help="jobs, batch inputs and results (env DOCTOOL_DATA_DIR; default ./doctool-data)")
    p.add_argument(
        "--insecure-no-auth",
        action="store_true",
        help="run without API keys, on a loopback address only (env DOCTOOL_INSECURE_NO_AUTH=1)",
    )
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("keys", help="manage API keys for the HTTP service")
    keys = p.add_subparsers(dest="keys_command", required=True, metavar="ACTION")
    k = keys.add_parser("new", help="print a fresh API key and the SHA-256 hash to configure")
    k.set_defaults(func=cmd_keys_new)


def cmd_keys_new(args: argparse.Namespace) -> int:
    from doctool.service.security import new_key

    key, digest = new_key()
    print(f"key:    {key}")
    print(f"sha256: {digest}")
    print(
        "Give the key to the system or person that calls the service, once, by a secure route.\n"
        "Configure only the hash: DOCTOOL_API_KEY_HASHES (comma-separated) or a line in DOCTOOL_API_KEY_FILE.",
        file=sys.stderr,
    )
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from doctool.service.settings import Settings

    settings = Settings.from_env(
        host=args.host,
        port=args.port,
        workers=args.workers,
        data_dir=args.data_dir,
        insecure_no_auth=args.insecure_no_auth,
    ).check()
    # uvicorn's worker processes build the app from the environment: hand the flags on.
    os.environ.update(
        {
            "DOCTOOL_HOST": settings.host,
            "DOCTOOL_PORT": str(settings.port),
            "DOCTOOL_WORKERS": str(settings.workers),
            "DOCTOOL_DATA_DIR": str(settings.data_dir.resolve()),
            "DOCTOOL_INSECURE_NO_AUTH": "1" if settings.insecure_no_auth else "0",
        }
    )
    if not settings.auth_enabled:
        print("doctool serve: WARNING: no API keys; anyone on this machine can call the service", file=sys.stderr)
    uvicorn.run(
        "doctool.service.app:create_app_from_env",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        access_log=False,  # uvicorn's access log writes query strings; ours writes route templates
        server_header=False,
        timeout_graceful_shutdown=30,
    )
    return 0
