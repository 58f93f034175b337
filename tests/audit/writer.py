"""A load-generating audit writer process for the cluster tests.

``python -m tests.audit.writer CONFIG NAME COUNT CONCURRENCY`` appends COUNT request records as the
proxy writes them (decision ids ``NAME-<n>``) from CONCURRENCY tasks through ``open_audit_log`` and
prints ``ACK <decision_id> <index>`` (flushed) as soon as each append returned, i.e. once the
record is committed; then ``DONE``.
"""

from __future__ import annotations

import asyncio
import sys

from proxy.audit import open_audit_log
from proxy.audit.records import request_record
from proxy.config import load_settings
from tests.audit.helpers import request_context


async def main(config: str, name: str, count: int, concurrency: int) -> None:
    log = open_audit_log(load_settings(config))
    await log.start()
    counter = iter(range(count))

    async def worker() -> None:
        for n in counter:
            did = f"{name}-{n}"
            ctx = request_context(n + 1, "acme", [f"person{n}@example.com"], decision_id=did)
            idx = await log.append(request_record(ctx, "forwarded", log.digest))
            sys.stdout.write(f"ACK {did} {idx}\n")
            sys.stdout.flush()

    await asyncio.gather(*[worker() for _ in range(concurrency)])
    await log.close()
    print("DONE", flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])))
