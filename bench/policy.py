"""Policy decision latency: the embedded engine (regopy), warm, with and without the decision cache.

For each scenario (one input document per rule outcome) it times ``await engine.decide(doc)``:
- ``embedded``: the decision evaluated every time (cache off): input conversion, the compiled
  Rego plan, strict parsing. This is the figure issue 4 asks for (median under 1 ms). Wall-clock
  median and p99, and the mean CPU time of the thread per decision (unaffected by other load);
- ``embedded+cache``: the same input again (the cache hit a conversation's next turn gets);
- ``opa (fake)``: the OPA engine over HTTP against ``tests/fakes/fake_opa.py`` (regopy behind
  aiohttp on 127.0.0.1, not the OPA binary): the client and HTTP overhead, for orientation only.

Run: ``.venv/bin/python bench/policy.py [--n 2000]`` (writes ``bench/results/policy.json``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import sys
import time
from importlib.metadata import version
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from proxy.config import OpaConfig, PolicyConfig  # noqa: E402
from proxy.decide.embedded import EmbeddedEngine  # noqa: E402
from proxy.decide.opa import OpaEngine  # noqa: E402
from tests.decide.conftest import make_input  # noqa: E402
from tests.fakes.fake_opa import FakeOPA, RunningFakeOPA  # noqa: E402

POLICIES = ROOT / "policies"
SCENARIOS: dict[str, dict[str, Any]] = {
    "clean -> external": make_input(),
    "personal, EU -> US (scc)": make_input(entities=["PERSON", "EMAIL_ADDRESS", "PHONE_NUMBER"]),
    "Art. 9 -> local": make_input(entities=["PERSON", "HEALTH_DATA"]),
    "strict tenant -> local": make_input(entities=["PERSON"], tenant={"strict": True}),
    "no transfer tool -> local": make_input(entities=["PERSON"], provider="deepseek"),
    "model not allowed -> deny": make_input(tenant={"allowed_models": ["gpt-4o-mini"]}),
    "invalid input -> deny": make_input(request={"endpoint": "images"}),
}


async def _time(engine: Any, doc: dict[str, Any], n: int) -> dict[str, float]:
    """Wall-clock median and p99 per decision, and the mean CPU time of this thread per decision
    (what the decision costs, whatever else the machine is running)."""
    for _ in range(min(200, n)):
        await engine.decide(doc)
    wall = []
    cpu0 = time.thread_time_ns()
    for _ in range(n):
        t0 = time.perf_counter_ns()
        await engine.decide(doc)
        wall.append((time.perf_counter_ns() - t0) / 1000)
    cpu = (time.thread_time_ns() - cpu0) / 1000 / n
    q = statistics.quantiles(wall, n=100)
    return {
        "median_us": round(statistics.median(wall), 1),
        "p99_us": round(q[98], 1),
        "cpu_mean_us": round(cpu, 1),
    }


async def run(n: int) -> dict[str, Any]:
    config = PolicyConfig(path=POLICIES, cache_size=0)
    uncached, cached = (
        EmbeddedEngine(config),
        EmbeddedEngine(config.model_copy(update={"cache_size": 4096})),
    )
    await uncached.start()
    await cached.start()
    results: dict[str, Any] = {}
    async with RunningFakeOPA(FakeOPA(POLICIES)) as fake:
        opa = OpaEngine(
            config.model_copy(update={"engine": "opa", "opa": OpaConfig(url=fake.url, timeout_s=2)})
        )
        await opa.start()
        try:
            for name, doc in SCENARIOS.items():
                decision = await uncached.decide(doc)
                results[name] = {
                    "decision": f"{decision.route}/{decision.transform}",
                    "embedded": await _time(uncached, doc, n),
                    "embedded+cache": await _time(cached, doc, n),
                    "opa (fake)": await _time(opa, doc, max(50, n // 10)),
                }
        finally:
            await opa.close()
    return {"revision": uncached.revision, "scenarios": results}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=2000, help="timed decisions per scenario")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "policy.json")
    args = parser.parse_args()
    res = asyncio.run(run(args.n))
    scen = res["scenarios"]
    overall = statistics.median(s["embedded"]["median_us"] for s in scen.values())
    worst = max(s["embedded"]["median_us"] for s in scen.values())
    console = Console(width=120)
    table = Table(
        "scenario",
        "decision",
        "embedded p50 µs",
        "p99 µs",
        "CPU µs",
        "cached p50 µs",
        "opa (fake) p50 µs",
        title="policy decision latency (warm, one process)",
    )
    for name, s in scen.items():
        table.add_row(
            name,
            s["decision"],
            str(s["embedded"]["median_us"]),
            str(s["embedded"]["p99_us"]),
            str(s["embedded"]["cpu_mean_us"]),
            str(s["embedded+cache"]["median_us"]),
            str(s["opa (fake)"]["median_us"]),
        )
    console.print(table)
    console.print(f"load average (1 min) {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    verdict = "under" if worst < 1000 else "OVER"
    console.print(
        f"embedded engine, median decision: {overall:.0f} µs over the scenarios, "
        f"slowest scenario {worst:.0f} µs: {verdict} 1 ms"
    )
    res.update(
        n=args.n,
        median_us=round(overall, 1),
        slowest_scenario_median_us=round(worst, 1),
        under_1ms=worst < 1000,
        time=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        machine={
            "platform": platform.platform(),
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "regopy": version("regopy"),
            "load_average_1m": round(os.getloadavg()[0], 2),  # other work on the machine
        },
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(res, indent=2) + "\n")
    console.print(f"wrote {args.out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
