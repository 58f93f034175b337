"""``privacy-proxy audit ...`` and ``privacy-proxy keys ...`` commands.

Every command takes ``--config FILE`` and exits non-zero on failure; ``audit verify`` exits 1 when
it finds anything wrong and names each finding.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn
from rich.table import Table

from proxy.audit.log import MerkleAuditLog
from proxy.audit.types import AuditError
from proxy.config import Settings, hash_key, settings_from

err = Console(stderr=True)


def _common(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    p.add_argument("--config", help="YAML configuration file (default: embedded defaults)")
    return p


def _range(p: argparse.ArgumentParser) -> None:
    p.add_argument("--tenant", help="only this tenant")
    p.add_argument("--since", help="from this time (RFC 3339 UTC or a date), inclusive")
    p.add_argument("--until", help="up to this time (RFC 3339 UTC or a date), exclusive")


def _out(p: argparse.ArgumentParser) -> None:
    p.add_argument("--output", "-o", type=Path, help="file to write (default: stdout)")


def register(subparsers: Any) -> None:
    """Add the ``audit`` and ``keys`` command groups; each command sets ``func(args) -> int``."""
    audit = subparsers.add_parser("audit", help="verify and export the tamper-evident audit log")
    asub = audit.add_subparsers(dest="audit_command", required=True)

    p = _common(asub.add_parser("verify", help="verify the whole log, or a subject export"))
    p.add_argument("--proof", type=Path, help="verify this subject export offline instead")
    p.add_argument(
        "--public-keys",
        type=Path,
        help="trusted keys.json (default: the configured signing key directory)",
    )
    p.add_argument(
        "--no-tail-check",
        action="store_true",
        help="do not require a recent checkpoint (log copied from a running proxy)",
    )
    p.add_argument(
        "--checkpoint",
        type=Path,
        action="append",
        default=[],
        help="a checkpoint kept outside the log (from `audit checkpoint`); repeatable",
    )
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(func=_verify)

    p = _common(
        asub.add_parser("checkpoint", help="sign a checkpoint now and print it, to keep elsewhere")
    )
    _out(p)
    p.set_defaults(func=_checkpoint)

    p = _common(asub.add_parser("export", help="export records as JSONL or CSV"))
    p.add_argument("--format", choices=["jsonl", "csv"], default="jsonl")
    _range(p)
    _out(p)
    p.set_defaults(func=_export)

    p = _common(asub.add_parser("report", help="GDPR Art. 30 records-of-processing report"))
    p.add_argument("--format", choices=["html", "csv"], default="html")
    _range(p)
    _out(p)
    p.set_defaults(func=_report)

    p = _common(asub.add_parser("subject", help="a data subject's records with inclusion proofs"))
    p.add_argument("--email", action="append", default=[])
    p.add_argument("--phone", action="append", default=[])
    p.add_argument("--value", action="append", default=[], help="any other identifier")
    p.add_argument("--region", help="default region for national phone numbers, e.g. GB")
    _out(p)
    p.set_defaults(func=_subject)

    p = _common(asub.add_parser("prune", help="drop record content past each tenant's retention"))
    p.set_defaults(func=_prune)

    keys = subparsers.add_parser("keys", help="checkpoint signing keys and proxy API key digests")
    ksub = keys.add_subparsers(dest="keys_command", required=True)
    p = _common(ksub.add_parser("rotate", help="start a new checkpoint signing key"))
    p.set_defaults(func=_keys_rotate)
    p = _common(ksub.add_parser("list", help="list checkpoint signing keys and their validity"))
    p.set_defaults(func=_keys_list)
    p = ksub.add_parser("hash", help="print the sha256 of a proxy API key for the config")
    p.add_argument("key")
    p.set_defaults(func=_keys_hash)


@asynccontextmanager
async def writer(settings: Settings) -> AsyncIterator[MerkleAuditLog]:
    """The log for a short-lived writer next to (or instead of) running proxies: it signs no
    ``start`` checkpoint and leaves the log as stopped as it found it, so a CLI command after a
    proxy's shutdown does not turn the expected silence into a missing heartbeat."""
    from proxy.audit import open_audit_log

    log = open_audit_log(settings)
    await log.start(announce=False)
    try:
        async with log.store.reader() as reader:
            last = await reader.last_checkpoint()
        was_stopped = last is not None and json.loads(last.body).get("reason") == "stop"
        yield log
    finally:
        await log.close(stop=was_stopped)


def _time_arg(s: str | None) -> str | None:
    """Normalise a time argument to the log's ``logged_at`` form so string order is time order."""
    if s is None:
        return None
    from proxy.audit.records import parse_time, rfc3339

    try:
        return rfc3339(parse_time(s if "T" in s else s + "T00:00:00Z"))
    except ValueError:
        sys.exit(f"not an RFC 3339 time or date: {s!r}")


def _run(coro: Any) -> Any:
    try:
        return asyncio.run(coro)
    except AuditError as e:
        err.print(f"[red]audit error:[/] {e}")
        sys.exit(2)


def _write(args: argparse.Namespace, text: str) -> None:
    if args.output:
        args.output.write_text(text)
        err.print(f"wrote {args.output}")
    else:
        sys.stdout.write(text)


async def _with_reader(settings: Settings, fn: Any) -> Any:
    from proxy.audit import open_store

    async with open_store(settings, sign=False).reader() as reader:
        return await fn(reader)


def _verify(args: argparse.Namespace) -> int:
    from proxy.audit.signing import load_public_keys
    from proxy.audit.verify import read_checkpoint_file, verify_bundle, verify_store

    settings = settings_from(args)
    keys_file = args.public_keys or settings.signing_key_dir / "keys.json"
    if args.proof:
        try:
            bundle = json.loads(args.proof.read_text())
        except (OSError, ValueError) as e:
            err.print(f"[red]cannot read proof bundle:[/] {e}")
            return 2
        keys = load_public_keys(keys_file) if keys_file.exists() else None
        if keys is None:
            err.print(
                "[yellow]no trusted keys.json given: checking against the bundle's own "
                "public key[/]"
            )
        rep = verify_bundle(bundle, keys)
    else:
        try:
            keys = load_public_keys(keys_file)
            witnessed = [read_checkpoint_file(json.loads(f.read_text())) for f in args.checkpoint]
        except (OSError, ValueError, AuditError) as e:
            err.print(f"[red]audit error:[/] {e}")
            return 2

        async def go(reader: Any) -> Any:
            return await verify_store(
                reader,
                keys,
                origin=settings.audit.origin,
                interval_s=settings.audit.checkpoint_interval_s,
                now=None if args.no_tail_check else time.time(),
                witnessed=witnessed,
            )

        rep = _run(_with_reader(settings, go))
    if args.json:
        print(json.dumps(rep.as_json(), indent=2))
    else:
        con = Console()
        if rep.ok:
            newer = rep.size - rep.verified_size
            con.print(
                f"[green]OK[/] {rep.size} records, {rep.checkpoints} checkpoints, "
                f"signed tree verified up to size {rep.verified_size}, {rep.pruned} pruned"
                + (f"; {newer} newer records await the next checkpoint" if newer > 0 else "")
            )
        else:
            table = Table("problem", "at", "details", title="audit verify: FAILED")
            for f in rep.findings:
                table.add_row(f.kind, "" if f.index is None else str(f.index), f.message)
            con.print(table)
    return 0 if rep.ok else 1


def _checkpoint(args: argparse.Namespace) -> int:
    from proxy.audit.verify import checkpoint_file

    settings = settings_from(args)

    async def go() -> dict[str, str]:
        async with writer(settings) as log:
            await log.checkpoint("export")
            async with log.store.reader() as reader:
                last = await reader.last_checkpoint()
        assert last is not None
        return checkpoint_file(last)

    _write(args, json.dumps(_run(go()), indent=2) + "\n")
    return 0


def _export(args: argparse.Namespace) -> int:
    from proxy.audit.export import iter_records

    settings = settings_from(args)
    since, until = _time_arg(args.since), _time_arg(args.until)

    async def go(reader: Any) -> int:
        n = 0
        out = args.output.open("w", newline="") if args.output else sys.stdout
        total = await reader.count(tenant=args.tenant, since=since, until=until)
        progress = Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=err,
            disable=args.output is None,
        )
        try:
            with progress:
                task = progress.add_task("exporting", total=total)
                async for line in iter_records(
                    reader, args.format, tenant=args.tenant, since=since, until=until
                ):
                    out.write(line)
                    if not (args.format == "csv" and n == 0 and line.startswith("index,")):
                        progress.advance(task)
                    n += 1
        finally:
            if args.output:
                out.close()
        return int(total)

    total = _run(_with_reader(settings, go))
    err.print(f"exported {total} records")
    return 0


def _report(args: argparse.Namespace) -> int:
    from proxy.audit.export import art30_report, tenant_of

    settings = settings_from(args)
    tenants = [args.tenant] if args.tenant else [t.id for t in settings.tenants]
    if not tenants:
        sys.exit("no tenant given and none configured")
    if len(tenants) > 1 and args.format == "html" and args.output is None:
        sys.exit("several tenants: give --tenant or --output DIR")
    since, until = _time_arg(args.since), _time_arg(args.until)

    async def go(reader: Any) -> list[Any]:
        return [
            await art30_report(reader, tenant_of(settings, t), since=since, until=until)
            for t in tenants
        ]

    reports = _run(_with_reader(settings, go))
    if len(reports) == 1:
        _write(args, reports[0].html() if args.format == "html" else reports[0].csv())
    elif args.format == "csv":
        body = "".join(r.csv().split("\n", 1)[1] if i else r.csv() for i, r in enumerate(reports))
        _write(args, body)
    else:
        args.output.mkdir(parents=True, exist_ok=True)
        for r in reports:
            (args.output / f"art30-{r.tenant}.html").write_text(r.html())
        err.print(f"wrote {len(reports)} reports under {args.output}")
    return 0


def _subject(args: argparse.Namespace) -> int:
    from proxy.audit.export import subject_bundle, subject_digests

    settings = settings_from(args)
    if not (args.email or args.phone or args.value):
        sys.exit("give at least one --email, --phone or --value")

    async def go() -> dict[str, Any]:
        async with writer(settings) as log:
            digests = subject_digests(
                log.digest,
                emails=args.email,
                phones=args.phone,
                values=args.value,
                region=args.region,
            )
            await log.append({"kind": "admin.subject_export", "value_digests": digests})
            await log.checkpoint("export")
            keys = log.store.sequencer.keyring.public_keys()
            async with log.store.reader() as reader:
                return await subject_bundle(reader, digests, keys, settings.audit.origin)

    bundle = _run(go())
    _write(args, json.dumps(bundle, indent=2, ensure_ascii=False) + "\n")
    err.print(
        f"{len(bundle['records'])} records with inclusion proofs against checkpoint size "
        f"{json.loads(bundle['checkpoint']['body'])['size']}"
    )
    return 0


def prune_specs(settings: Settings, now: float) -> list[Any]:
    from proxy.audit.records import rfc3339
    from proxy.audit.store import PruneSpec

    when = datetime.fromtimestamp(now, UTC)
    return [
        PruneSpec(t.id, rfc3339((when - timedelta(days=t.retention_days)).timestamp()))
        for t in settings.tenants
    ]


def _prune(args: argparse.Namespace) -> int:
    settings = settings_from(args)

    async def go() -> list[int]:
        async with writer(settings) as log:
            return await log.prune(prune_specs(settings, time.time()))

    indexes = _run(go())
    print(f"pruned per tenant retention; prune records at {indexes}")
    return 0


def _keys_hash(args: argparse.Namespace) -> int:
    print(hash_key(args.key))
    return 0


def _keys_rotate(args: argparse.Namespace) -> int:
    settings = settings_from(args)

    async def go() -> str:
        async with writer(settings) as log:
            kid = log.store.sequencer.keyring.rotate()
            await log.append({"kind": "admin.keys", "action": "rotate", "key_id": kid})
            await log.checkpoint("export")
            return kid

    print(f"new signing key {_run(go())}")
    return 0


def _keys_list(args: argparse.Namespace) -> int:
    from proxy.audit.signing import KeyRing

    ring = KeyRing(settings_from(args).signing_key_dir)
    ring.ensure()
    table = Table("key id", "not before", "not after", "status")
    for k in ring.public_keys():
        table.add_row(
            k.key_id,
            k.not_before,
            k.not_after or "",
            "current" if k.not_after is None else "retired",
        )
    Console().print(table)
    return 0


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="privacy-proxy")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    sys.exit(args.func(args) or 0)


if __name__ == "__main__":
    main()
