"""``privacy-proxy audit ...`` and ``privacy-proxy keys ...`` commands."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from proxy.config import ConfigError, Settings, hash_key, load_settings


def _settings(args: argparse.Namespace) -> Settings:
    try:
        return load_settings(args.config)
    except ConfigError as e:
        sys.exit(str(e))


def _config_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", help="YAML configuration file (default: embedded defaults)")


def register(subparsers: Any) -> None:
    """Add the ``audit`` and ``keys`` command groups; each command sets ``func(args) -> int``."""
    keys = subparsers.add_parser("keys", help="checkpoint signing keys and proxy API key digests")
    ksub = keys.add_subparsers(dest="keys_command", required=True)
    p = ksub.add_parser("rotate", help="start a new checkpoint signing key")
    _config_arg(p)
    p.set_defaults(func=_keys_rotate)
    p = ksub.add_parser("list", help="list checkpoint signing keys and their validity")
    _config_arg(p)
    p.set_defaults(func=_keys_list)
    p = ksub.add_parser("hash", help="print the sha256 of a proxy API key for the config")
    p.add_argument("key")
    p.set_defaults(func=lambda a: print(hash_key(a.key)) or 0)


def _keys_rotate(args: argparse.Namespace) -> int:
    from proxy.audit import open_audit_log

    settings = _settings(args)

    async def run() -> str:
        log = open_audit_log(settings)
        await log.start()
        try:
            kid = log.store.sequencer.keyring.rotate()
            await log.append({"kind": "admin.keys", "action": "rotate", "key_id": kid})
            await log.checkpoint("export")
            return kid
        finally:
            await log.close()

    print(f"new signing key {asyncio.run(run())}")
    return 0


def _keys_list(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table

    from proxy.audit.signing import KeyRing

    ring = KeyRing(_settings(args).signing_key_dir)
    ring.ensure()
    table = Table("key id", "not before", "not after", "status")
    for k in ring.public_keys():
        table.add_row(k.key_id, k.not_before, k.not_after or "", "current" if k.not_after is None else "retired")
    Console().print(table)
    return 0


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="privacy-proxy")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    sys.exit(args.func(args) or 0)


if __name__ == "__main__":
    main()
