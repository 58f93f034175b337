"""Audit append throughput: records per second, SQLite and PostgreSQL.

For each store and number of concurrent appenders it appends request records of the shape the
request path writes (through ``open_audit_log``, default batching: ``audit.batch_max`` 256,
``audit.batch_wait_ms`` 2, durable commit before each append returns) and reports records/s and
the append latency p50/p99. With PostgreSQL it also runs two writer processes on one log, as two
proxy replicas would. Then ``audit verify`` is timed over the resulting log. Prints a table and
writes ``bench/results/audit.json``. Run: ``.venv/bin/python bench/audit.py [--quick]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from proxy.audit import open_audit_log, open_store  # noqa: E402
from proxy.audit.records import request_record  # noqa: E402
from proxy.audit.signing import load_public_keys  # noqa: E402
from proxy.audit.verify import verify_store  # noqa: E402
from proxy.config import Settings, load_settings  # noqa: E402
from tests.audit.helpers import request_context  # noqa: E402

PG_DSN = os.environ.get("AUDIT_BENCH_DSN", "postgresql://postgres@127.0.0.1:5432/test")
console = Console()


def record(log: Any, n: int) -> dict[str, Any]:
    """A request record of an external, pseudonymized request with two detected values, built by
    the proxy's own record builder."""
    ctx = request_context(n + 1 if n % 3 == 0 else n, "acme",
                          [f"person-{n}@example.com", f"p{n}@example.com"],
                          decision_id=uuid.uuid4().hex)
    return request_record(ctx, "forwarded", log.digest)


def settings(store: str, data_dir: Path, schema: str) -> Settings:
    audit: dict[str, Any] = {"store": store, "hmac_key": "bench-" * 6}
    if store == "postgres":
        audit.update(postgres_dsn=PG_DSN, postgres_schema=schema)
    return load_settings(None, server={"data_dir": str(data_dir)}, audit=audit)


async def append_load(s: Settings, total: int, concurrency: int) -> dict[str, Any]:
    log = open_audit_log(s)
    await log.start()
    lat: list[float] = []
    counter = iter(range(total))

    async def worker() -> None:
        for n in counter:
            t = time.perf_counter()
            await log.append(record(log, n))
            lat.append(time.perf_counter() - t)

    t0, started = time.perf_counter(), time.time()
    await asyncio.gather(*[worker() for _ in range(concurrency)])
    wall, ended = time.perf_counter() - t0, time.time()
    await log.close()
    lat.sort()
    return {
        "records": total,
        "seconds": round(wall, 3),
        "records_per_s": round(total / wall, 1),
        "p50_ms": round(statistics.median(lat) * 1000, 2),
        "p99_ms": round(lat[int(len(lat) * 0.99) - 1] * 1000, 2),
        "started": started,
        "ended": ended,
    }


async def verify_time(s: Settings) -> dict[str, Any]:
    keys = load_public_keys(s.signing_key_dir / "keys.json")
    t0 = time.perf_counter()
    async with open_store(s).reader() as r:
        rep = await verify_store(
            r, keys, origin=s.audit.origin, interval_s=s.audit.checkpoint_interval_s
        )
    wall = time.perf_counter() - t0
    return {
        "records": rep.size,
        "ok": rep.ok,
        "seconds": round(wall, 3),
        "records_per_s": round(rep.size / wall, 1),
    }


def worker_main(argv: list[str]) -> None:
    store, data_dir, schema, total, conc = argv
    res = asyncio.run(append_load(settings(store, Path(data_dir), schema), int(total), int(conc)))
    print(json.dumps(res))


async def two_processes(data_dir: Path, schema: str, total: int, conc: int) -> dict[str, Any]:
    procs = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            __file__,
            "--worker",
            "postgres",
            str(data_dir),
            schema,
            str(total // 2),
            str(conc),
            stdout=subprocess.PIPE,
        )
        for _ in range(2)
    ]
    outs = [json.loads((await p.communicate())[0]) for p in procs]
    # From the first append of either process to the last of both (start-up excluded).
    wall = max(o["ended"] for o in outs) - min(o["started"] for o in outs)
    return {
        "records": total,
        "seconds": round(wall, 3),
        "records_per_s": round(total / wall, 1),
        "p50_ms": round(max(o["p50_ms"] for o in outs), 2),
        "p99_ms": round(max(o["p99_ms"] for o in outs), 2),
    }


async def drop_schema(schema: str) -> None:
    conn = await asyncpg.connect(PG_DSN)
    try:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        await conn.close()


async def main(quick: bool) -> None:
    total = 2_000 if quick else 20_000
    levels = [1, 16, 256]
    results: list[dict[str, Any]] = []
    verifies: dict[str, Any] = {}
    for store in ("sqlite", "postgres"):
        for conc in levels:
            n = min(total, 500 if conc == 1 else total)
            with tempfile.TemporaryDirectory() as d:
                schema = f"bench_audit_{uuid.uuid4().hex[:10]}"
                s = settings(store, Path(d), schema)
                try:
                    res = await append_load(s, n, conc)
                    if conc == levels[-1]:
                        verifies[store] = await verify_time(s)
                finally:
                    if store == "postgres":
                        await drop_schema(schema)
            res.pop("started"), res.pop("ended")
            results.append({"store": store, "concurrency": conc, **res})
            console.print(f"{store} x{conc}: {res['records_per_s']} records/s")
    with tempfile.TemporaryDirectory() as d:
        schema = f"bench_audit_{uuid.uuid4().hex[:10]}"
        try:
            settings("postgres", Path(d), schema)  # keys and schema created once, up front
            res = await two_processes(Path(d), schema, total, 256)
        finally:
            await drop_schema(schema)
    results.append({"store": "postgres, 2 processes", "concurrency": 512, **res})

    table = Table(
        "store",
        "concurrent appends",
        "records",
        "records/s",
        "p50 ms",
        "p99 ms",
        title="audit append throughput (durable commit per append, batched)",
    )
    for r in results:
        table.add_row(
            r["store"],
            str(r["concurrency"]),
            str(r["records"]),
            f"{r['records_per_s']:,.0f}",
            str(r["p50_ms"]),
            str(r["p99_ms"]),
        )
    console.print(table)
    vt = Table("store", "records", "verify s", "records/s", "ok", title="audit verify")
    for store, v in verifies.items():
        vt.add_row(
            store, str(v["records"]), str(v["seconds"]), f"{v['records_per_s']:,.0f}", str(v["ok"])
        )
    console.print(vt)
    out = ROOT / "bench" / "results" / "audit.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(
            {
                "when": datetime.now(UTC).isoformat(),
                "machine": {
                    "cpus": os.cpu_count(),
                    "python": platform.python_version(),
                    "platform": platform.platform(),
                    "load_average_1m_at_end": os.getloadavg()[0],
                },
                "append": results,
                "verify": verifies,
            },
            indent=2,
        )
        + "\n"
    )
    console.print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        worker_main(sys.argv[2:])
    else:
        ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
        ap.add_argument("--quick", action="store_true", help="fewer records")
        asyncio.run(main(ap.parse_args().quick))
