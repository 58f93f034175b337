"""Command line: ``privacy-proxy serve | policy | audit | keys``."""

from __future__ import annotations

import argparse
import os
import sys

from proxy.config import settings_from


def _serve(args: argparse.Namespace) -> int:
    from proxy.server import serve

    settings = settings_from(args)
    if args.port is not None:
        settings.server.port = args.port
    if args.workers is not None:
        settings.server.workers = args.workers
        if "workers" not in settings.detection.model_fields_set:
            settings.detection.workers = max(1, (os.cpu_count() or 1) // args.workers)
    return serve(settings)


def build_parser() -> argparse.ArgumentParser:
    from proxy.audit.cli import register as register_audit
    from proxy.decide.cli import register as register_policy

    parser = argparse.ArgumentParser(prog="privacy-proxy", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("serve", help="run the proxy")
    p.add_argument("--config", help="YAML configuration file (default: embedded defaults)")
    p.add_argument("--port", type=int, help="override server.port")
    p.add_argument("--workers", type=int, help="override server.workers")
    p.set_defaults(func=_serve)
    register_policy(sub)
    register_audit(sub)
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    sys.exit(args.func(args) or 0)
