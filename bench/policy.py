"""Policy decision latency of each engine, warm, and a large differential run of the two embedded
engines.

For each scenario (one input document per rule outcome) it times ``await engine.decide(doc)``:
- ``opa-go``: OPA's own Go engine in process (opa-golib-python-bindings), evaluated every time
  (cache off): input encoding, the prepared query, strict parsing;
- ``regopy``: the same with rego-cpp (regopy);
  for both, wall-clock median and p99, and the mean CPU time of the process per decision (what
  the decision costs, Go's own threads included, whatever else the machine is running);
- ``cache``: the same input again (the cache hit a conversation's next turn gets);
- ``opa (fake)``: the OPA client over HTTP against ``tests/fakes/fake_opa.py`` (OPA's Go engine
  behind aiohttp on 127.0.0.1, not the OPA binary): the client and HTTP overhead, for orientation.

``--differential N`` also feeds both embedded engines N generated inputs
(tests/decide/differential.py) and reports the disagreements (the suite runs 10,000).

Run: ``.venv/bin/python bench/policy.py [--n 2000] [--differential 200000]`` (writes
``bench/results/policy.json``).
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
from proxy.decide.opa import OpaEngine  # noqa: E402
from proxy.decide.opa_go import OpaGoEngine  # noqa: E402
from proxy.decide.regopy_engine import RegopyEngine  # noqa: E402
from tests.decide import differential  # noqa: E402
from tests.decide.conftest import make_input  # noqa: E402
from tests.fakes.fake_opa import FakeOPA, RunningFakeOPA  # noqa: E402

POLICIES = ROOT / "policies"
SCENARIOS: dict[str, dict[str, Any]] = {
    "clean -> external": make_input(),
    "personal, EU -> US (scc)": make_input(entities=["PERSON", "EMAIL_ADDRESS", "PHONE_NUMBER"]),
    "Art. 9 -> local": make_input(entities=["PERSON", "HEALTH_DATA"]),
    "strict tenant -> local": make_input(entities=["PERSON"], tenant={"strict": True}),
    "no transfer tool -> local": make_input(entities=["PERSON"], provider="deepseek"),
    "Art. 10 -> local": make_input(entities=["PERSON", "CRIMINAL_OFFENCE"]),
    "unrecognised region -> local": make_input(entities=["PERSON"], tenant={"region": "eu-x"}),
    "purpose not listed -> local": make_input(entities=["PERSON"], request={"purpose": "ads"}),
    "model not allowed -> deny": make_input(tenant={"allowed_models": ["gpt-4o-mini"]}),
    "invalid input -> deny": make_input(request={"endpoint": "images"}),
}


async def _time(engine: Any, doc: dict[str, Any], n: int) -> dict[str, float]:
    """Wall-clock median and p99 per decision, and the mean CPU time of the process per decision
    (what the decision costs, whatever else the machine is running)."""
    for _ in range(min(200, n)):
        await engine.decide(doc)
    wall = []
    cpu0 = time.process_time_ns()
    for _ in range(n):
        t0 = time.perf_counter_ns()
        await engine.decide(doc)
        wall.append((time.perf_counter_ns() - t0) / 1000)
    cpu = (time.process_time_ns() - cpu0) / 1000 / n
    q = statistics.quantiles(wall, n=100)
    return {
        "median_us": round(statistics.median(wall), 1),
        "p99_us": round(q[98], 1),
        "cpu_mean_us": round(cpu, 1),
    }


async def run(n: int) -> dict[str, Any]:
    config = PolicyConfig(path=POLICIES, cache_size=0)
    engines = {"opa-go": OpaGoEngine(config), "regopy": RegopyEngine(config)}
    cached = OpaGoEngine(config.model_copy(update={"cache_size": 4096}))
    for engine in (*engines.values(), cached):
        await engine.start()
    results: dict[str, Any] = {}
    async with RunningFakeOPA(FakeOPA(POLICIES)) as fake:
        opa = OpaEngine(
            config.model_copy(update={"engine": "opa", "opa": OpaConfig(url=fake.url, timeout_s=2)})
        )
        await opa.start()
        try:
            for name, doc in SCENARIOS.items():
                decision = await engines["opa-go"].decide(doc)
                results[name] = {
                    "decision": f"{decision.route}/{decision.transform}",
                    **{k: await _time(e, doc, n) for k, e in engines.items()},
                    "cache": await _time(cached, doc, n),
                    "opa (fake)": await _time(opa, doc, max(50, n // 10)),
                }
        finally:
            await opa.close()
    return {"revision": cached.revision, "scenarios": results}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=2000, help="timed decisions per scenario")
    parser.add_argument(
        "--differential", type=int, default=0, help="also compare both engines on N inputs"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "policy.json")
    args = parser.parse_args()
    res = asyncio.run(run(args.n))
    scen = res["scenarios"]
    console = Console(width=140)
    table = Table(
        "scenario",
        "decision",
        "opa-go p50 µs",
        "p99 µs",
        "CPU µs",
        "regopy p50 µs",
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
            *(
                str(s[e][k])
                for e in ("opa-go", "regopy")
                for k in ("median_us", "p99_us", "cpu_mean_us")
            ),
            str(s["cache"]["median_us"]),
            str(s["opa (fake)"]["median_us"]),
        )
    console.print(table)
    summary = {}
    for engine in ("opa-go", "regopy"):
        medians = [s[engine]["median_us"] for s in scen.values()]
        cpu = [s[engine]["cpu_mean_us"] for s in scen.values()]
        summary[engine] = {
            "median_us": round(statistics.median(medians), 1),
            "slowest_scenario_median_us": round(max(medians), 1),
            "cpu_mean_us": round(statistics.mean(cpu), 1),
        }
        console.print(
            f"{engine}: median decision {summary[engine]['median_us']:.0f} µs over the scenarios, "
            f"slowest scenario {summary[engine]['slowest_scenario_median_us']:.0f} µs, "
            f"{summary[engine]['cpu_mean_us']:.0f} µs CPU per decision"
        )
    console.print(f"load average (1 min) {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    if args.differential:
        diff = asyncio.run(differential.run(args.differential, seed=int(time.time())))
        console.print(
            f"differential: {diff['inputs']} inputs, {diff['disagreements']} disagreements "
            f"(seed {diff['seed']}, {diff['seconds']} s)"
        )
        res["differential"] = {k: v for k, v in diff.items() if k != "examples"}
        res["differential"]["examples"] = diff["examples"][:3]
    res.update(
        n=args.n,
        engines=summary,
        time=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        machine={
            "platform": platform.platform(),
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "regopy": version("regopy"),
            "opa-golib-python-bindings": version("opa-golib-python-bindings"),
            "load_average_1m": round(os.getloadavg()[0], 2),  # other work on the machine
        },
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(res, indent=2, default=repr) + "\n")
    console.print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
