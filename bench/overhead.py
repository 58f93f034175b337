"""How much privacy-proxy adds over calling the provider directly, next to LiteLLM + Presidio.

One run starts, on 127.0.0.1 only, the fast fake upstream (``tests/fakes/fake_openai.py``),
privacy-proxy, and LiteLLM's proxy with its Presidio guardrail (LiteLLM in its own virtual
environment, created here on first use; Presidio's analyzer and anonymizer REST services from
``bench/peers/presidio_service.py``), both gateways pointing at that fake. Each phase runs against
every target back to back, the fake itself first, with a closed-loop aiohttp client:

- latency p50/p99 and requests per second at 1, 16 and 64 concurrent clients, non-streaming and
  streaming (time to first content chunk too), with a PII-free prompt and a prompt with several
  personal data items, each either repeated ("same") or new for every request ("unique", so no
  cache helps); errors are counted, and answers that do not come back as the exact echo of what
  was sent are counted apart ("unfaithful");
- a ten-turn conversation replayed turn by turn (each turn re-sends the whole history), with
  privacy-proxy's own stage timings from its ``x-privacy-proxy-timing`` response header.

"Added" figures are a target's minus the fake's, measured in the same run at the same
concurrency. It prints tables and the acceptance ratios of issue 7 and writes JSON (default
``bench/results/overhead.json``). Run: ``.venv/bin/python bench/overhead.py [--quick]``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import itertools
import json
import os
import platform
import random
import secrets
import shlex
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import yaml
from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
LITELLM_SPEC = "litellm[proxy]==1.108.7"
LITELLM_VENV = BENCH / ".venvs" / "litellm"
MODEL = "gpt-4o"
TARGETS = ("fake", "proxy", "litellm")
console = Console(width=None if sys.stdout.isatty() else 160)


# --------------------------------------------------------------------------- prompts


_NEUTRAL = [
    "Summarise the main trade-offs between batch and stream processing for analytics pipelines.",
    "Explain how a bloom filter answers membership queries with a small memory footprint.",
    "List three ways to reduce the cold start time of a containerised web service.",
    "Describe what a write-ahead log protects against in a relational database.",
    "Give an example of when eventual consistency is an acceptable design choice.",
    "Compare optimistic and pessimistic locking in a few short sentences.",
    "Suggest a naming scheme for configuration keys that stays readable as it grows.",
    "Outline the steps to profile a slow endpoint before changing any code.",
    "What are common causes of memory growth in long running Python processes?",
    "Propose a checklist for reviewing a pull request that touches the data model.",
    "Explain the difference between throughput and latency with a simple analogy.",
    "Describe how exponential backoff with jitter avoids thundering herds.",
    "Recommend a strategy for rolling out a schema change without downtime.",
    "Explain why idempotent request handlers make retries safe.",
    "Summarise the purpose of a circuit breaker in service to service calls.",
    "Describe how consistent hashing limits data movement when nodes join.",
    "Give two reasons to prefer structured logs over free text messages.",
    "Explain what backpressure is and why a queue needs a bound.",
    "Suggest how to test a parser with generated inputs rather than examples.",
    "Describe the role of a load balancer health check in a rolling deploy.",
    "Explain how copy on write speeds up taking snapshots of large structures.",
    "Compare pull based and push based metrics collection.",
    "Outline how to keep a changelog useful for the people who read it.",
    "Describe when a cache should be invalidated rather than allowed to expire.",
]


def _unique(make: Any, n: int, rng: random.Random) -> list[str]:
    out: list[str] = []
    seen: set[str] = set()
    while len(out) < n:
        p = make(rng)
        if p not in seen:
            seen.add(p)
            out.append(p)
    return out


def clean_prompt(rng: random.Random) -> str:
    """About 70 words of neutral technical questions, a different combination each time."""
    return " ".join(rng.sample(_NEUTRAL, 5))


def _faker(seed: int) -> Any:
    from faker import Faker

    fake = Faker("en_US")
    fake.seed_instance(seed)
    return fake


def pii_prompt_factory(seed: int) -> Any:
    fake = _faker(seed)

    def make(rng: random.Random) -> str:
        name, other = fake.name(), fake.name()
        return (
            f"Please draft a short reply to {name}, who wrote to us from {fake.email()} about "
            f"the invoice. Their phone number is {fake.phone_number()} and they live at "
            f"{fake.street_address()}, {fake.city()}. The card on file is "
            f"{fake.credit_card_number(card_type='visa16')}, and {other} from their office "
            f"asked to be copied. {rng.choice(_NEUTRAL)} Keep the reply friendly, mention that "
            "the refund was approved yesterday, and thank them for their patience."
        )

    return make


def conversation(seed: int, turns: int = 10) -> tuple[str, list[str]]:
    """A system prompt and ``turns`` user messages about one person, some with personal data."""
    fake = _faker(seed)
    rng = random.Random(seed)
    name = fake.name()
    templates = [
        f"Hi, I am {name} and I need help planning a move to {fake.city()} next spring.",
        f"My current address is {fake.street_address()}, {fake.city()}; what should I do first?",
        "What paperwork is usually needed when renting a flat in a new city?",
        f"You can reach me at {fake.email()} if you want to send a checklist.",
        "How early should I give notice to my current landlord?",
        f"My partner {fake.name()} will join later; how do we split the deposit fairly?",
        "Which utilities should be transferred before the moving day?",
        f"Call me on {fake.phone_number()} if anything is unclear.",
        "How can I keep moving costs under control without cutting corners?",
        "Please summarise everything we discussed in a short list.",
    ]
    users = [t + " " + rng.choice(_NEUTRAL) for t in templates[:turns]]
    return "You are a helpful assistant. Answer briefly.", users


# --------------------------------------------------------------------------- services


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Service:
    """A child process serving HTTP on 127.0.0.1, started in its own process group."""

    name: str
    argv: list[str]
    health_url: str
    log_dir: Path
    env: dict[str, str] = field(default_factory=dict)
    proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        log = open(self.log_dir / f"{self.name}.log", "wb")  # noqa: SIM115 (kept open by the child)
        self.proc = subprocess.Popen(
            self.argv, cwd=ROOT, env={**os.environ, **self.env}, stdout=log,
            stderr=subprocess.STDOUT, start_new_session=True,
        )

    async def wait_ready(self, session: aiohttp.ClientSession, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        assert self.proc is not None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}; "
                                   f"see {self.log_dir / (self.name + '.log')}")
            with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                async with session.get(self.health_url, timeout=aiohttp.ClientTimeout(2)) as r:
                    if r.status == 200:
                        return
            await asyncio.sleep(0.25)
        raise RuntimeError(f"{self.name} not ready after {timeout_s:.0f}s; "
                           f"see {self.log_dir / (self.name + '.log')}")

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=5)


@dataclass
class Target:
    name: str
    base_url: str
    api_key: str
    services: list[Service] = field(default_factory=list)
    timing_header: str | None = None


def ensure_litellm_venv(venv: Path = LITELLM_VENV, spec: str = LITELLM_SPEC) -> Path:
    """LiteLLM lives in its own virtual environment, never in the project's."""
    exe = venv / "bin" / "litellm"
    if exe.exists():
        return exe
    console.print(f"[bold]creating {venv} and installing {spec} (once)…")
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", spec], check=True)
    return exe


def proxy_config(tmp: Path, port: int, upstream: str, key: str, workers: int | None,
                 overrides: list[str]) -> Path:
    cfg: dict[str, Any] = {
        "server": {"host": "127.0.0.1", "port": port, "data_dir": str(tmp / "proxy-data"),
                   "log_level": "WARNING"},
        "tenants": [{"id": "bench", "api_key_sha256": [hashlib.sha256(key.encode()).hexdigest()],
                     "region": "EU", "allow_external": True}],
        "external": {"base_url": upstream, "api_key": "sk-fake-upstream"},
        "local": {"kind": "none"},
    }
    if workers:
        cfg["server"]["workers"] = workers
    for item in overrides:
        dotted, _, raw = item.partition("=")
        *parents, leaf = dotted.split(".")
        node = cfg
        for p in parents:
            node = node.setdefault(p, {})
        node[leaf] = yaml.safe_load(raw)
    path = tmp / "privacy-proxy.yaml"
    path.write_text(yaml.safe_dump(cfg, sort_keys=False))
    return path


def build_targets(args: argparse.Namespace, tmp: Path, fake_url: str) -> dict[str, Target]:
    py = sys.executable
    targets: dict[str, Target] = {"fake": Target("fake", fake_url, "sk-fake")}
    if "proxy" in args.targets:
        port, key = free_port(), "sk-bench-" + secrets.token_hex(8)
        cfg = proxy_config(tmp, port, fake_url, key, args.proxy_workers, args.proxy_set)
        argv = [a.replace("{config}", str(cfg)) for a in shlex.split(args.proxy_command)]
        svc = Service("privacy-proxy", argv, f"http://127.0.0.1:{port}/readyz", tmp)
        targets["proxy"] = Target("proxy", f"http://127.0.0.1:{port}/v1", key, [svc],
                                  timing_header="x-privacy-proxy-timing")
    if "litellm" in args.targets:
        exe = ensure_litellm_venv()
        an_port, anon_port, port = free_port(), free_port(), free_port()
        key = "sk-bench-" + secrets.token_hex(8)
        peer = [py, "-m", "bench.peers.presidio_service"]
        services = [
            Service("presidio-analyzer", [*peer, "analyzer", "--port", str(an_port),
                                          "--workers", str(args.presidio_workers)],
                    f"http://127.0.0.1:{an_port}/health", tmp),
            Service("presidio-anonymizer", [*peer, "anonymizer", "--port", str(anon_port)],
                    f"http://127.0.0.1:{anon_port}/health", tmp),
            Service("litellm", [str(exe), "--config", str(BENCH / "peers" / "litellm.yaml"),
                                "--host", "127.0.0.1", "--port", str(port),
                                "--num_workers", str(args.litellm_workers)],
                    f"http://127.0.0.1:{port}/health/liveliness", tmp,
                    env={"BENCH_UPSTREAM_BASE": fake_url, "BENCH_UPSTREAM_KEY": "sk-fake",
                         "BENCH_LITELLM_KEY": key,
                         "PRESIDIO_ANALYZER_API_BASE": f"http://127.0.0.1:{an_port}",
                         "PRESIDIO_ANONYMIZER_API_BASE": f"http://127.0.0.1:{anon_port}",
                         "LITELLM_LOCAL_MODEL_COST_MAP": "True", "LITELLM_LOG": "ERROR",
                         "LITELLM_TELEMETRY": "False"}),
        ]
        targets["litellm"] = Target("litellm", f"http://127.0.0.1:{port}/v1", key, services)
    return targets


# --------------------------------------------------------------------------- load client


@dataclass
class Sample:
    ok: bool
    latency_s: float
    ttfc_s: float | None = None
    faithful: bool = True
    timings: dict[str, float] | None = None
    error: str | None = None


def _body(messages: list[dict[str, str]], stream: bool) -> bytes:
    return json.dumps({"model": MODEL, "messages": messages, "stream": stream}).encode()


def parse_timing(value: str | None) -> dict[str, float] | None:
    """privacy-proxy's ``x-privacy-proxy-timing``: ``stage=ms`` pairs separated by ``;``."""
    if not value:
        return None
    out: dict[str, float] = {}
    for part in value.replace(",", ";").split(";"):
        k, sep, v = part.strip().partition("=")
        if sep:
            with contextlib.suppress(ValueError):
                out[k.strip()] = float(v.strip().removesuffix("ms"))
    return out or None


def _error_kind(status: int, raw: bytes) -> str:
    """``HTTP <status>`` and the OpenAI-shaped error's ``code`` (never its message)."""
    try:
        code = json.loads(raw)["error"].get("code")
    except (ValueError, KeyError, TypeError, AttributeError):
        code = None
    return f"HTTP {status}" + (f" {code}" if code else "")


async def one_request(session: aiohttp.ClientSession, target: Target, body: bytes, stream: bool,
                      expect: str | None) -> tuple[Sample, str]:
    """Send one chat completion; returns the sample and the answer's text."""
    headers = {"Authorization": f"Bearer {target.api_key}", "Content-Type": "application/json"}
    t0 = time.perf_counter()
    ttfc: float | None = None
    text = ""
    try:
        async with session.post(target.base_url + "/chat/completions", data=body,
                                headers=headers) as resp:
            timings = parse_timing(resp.headers.get(target.timing_header or "", None))
            if stream and resp.status != 200:
                raw = await resp.read()
                return Sample(False, time.perf_counter() - t0,
                              error=_error_kind(resp.status, raw)), ""
            if not stream:
                raw = await resp.read()
                latency = time.perf_counter() - t0
                if resp.status != 200:
                    return Sample(False, latency, error=_error_kind(resp.status, raw)), ""
                text = json.loads(raw)["choices"][0]["message"]["content"] or ""
            else:
                lines: list[bytes] = []
                done = False
                async for line in resp.content:
                    if not line.startswith(b"data: "):
                        continue
                    if line.startswith(b"data: [DONE]"):
                        done = True
                        continue
                    if ttfc is None and b'"content"' in line:
                        delta = json.loads(line[6:])["choices"]
                        if delta and delta[0].get("delta", {}).get("content"):
                            ttfc = time.perf_counter() - t0
                    lines.append(line)
                latency = time.perf_counter() - t0
                if not done:
                    return Sample(False, latency, error="stream without [DONE]"), ""
                for line in lines:
                    choices = json.loads(line[6:]).get("choices") or []
                    if choices:
                        text += choices[0].get("delta", {}).get("content") or ""
    except (TimeoutError, aiohttp.ClientError, ValueError, KeyError) as e:
        return Sample(False, time.perf_counter() - t0, error=type(e).__name__), ""
    faithful = expect is None or text == expect
    return Sample(True, latency, ttfc, faithful, timings), text


@dataclass
class Phase:
    target: str
    stream: bool
    prompt: str
    variant: str
    clients: int
    requests: int = 0
    errors: int = 0
    error_kinds: dict[str, int] = field(default_factory=dict)
    unfaithful: int = 0
    duration_s: float = 0.0
    rps: float = 0.0
    latency_ms: dict[str, float] = field(default_factory=dict)
    ttfc_ms: dict[str, float] = field(default_factory=dict)
    added_ms: dict[str, float] = field(default_factory=dict)
    added_ttfc_ms: dict[str, float] = field(default_factory=dict)
    stage_ms_p50: dict[str, float] = field(default_factory=dict)
    loadavg_1m: float = 0.0


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[round(q) - 1]


def summary_ms(values_s: list[float]) -> dict[str, float]:
    ms = [v * 1000 for v in values_s]
    if not ms:
        return {}
    return {"p50": round(pct(ms, 50), 3), "p99": round(pct(ms, 99), 3),
            "mean": round(statistics.fmean(ms), 3)}


async def run_phase(session: aiohttp.ClientSession, target: Target, stream: bool, prompt: str,
                    variant: str, prompts: list[str], clients: int, max_s: float) -> Phase:
    """Closed loop: ``clients`` workers send one request after another until the prompts or the
    time run out; each request takes the next prompt of the list."""
    bodies = [_body([{"role": "user", "content": p}], stream) for p in prompts]
    samples: list[Sample] = []
    next_i = 0
    deadline = time.perf_counter() + max_s

    async def worker() -> None:
        nonlocal next_i
        while next_i < len(bodies) and time.perf_counter() < deadline:
            i = next_i
            next_i += 1
            sample, _ = await one_request(session, target, bodies[i], stream,
                                          "ECHO: " + prompts[i])
            samples.append(sample)

    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(clients)))
    wall = time.perf_counter() - t0
    ok = [s for s in samples if s.ok]
    ph = Phase(target.name, stream, prompt, variant, clients, requests=len(samples),
               errors=len(samples) - len(ok), unfaithful=sum(not s.faithful for s in ok),
               duration_s=round(wall, 3), rps=round(len(ok) / wall, 1) if wall else 0.0)
    for s in samples:
        if s.error:
            ph.error_kinds[s.error] = ph.error_kinds.get(s.error, 0) + 1
    ph.latency_ms = summary_ms([s.latency_s for s in ok])
    if stream:
        ph.ttfc_ms = summary_ms([s.ttfc_s for s in ok if s.ttfc_s is not None])
    stages: dict[str, list[float]] = {}
    for s in ok:
        for k, v in (s.timings or {}).items():
            stages.setdefault(k, []).append(v)
    ph.stage_ms_p50 = {k: round(pct(v, 50), 3) for k, v in stages.items()}
    return ph


async def run_conversation(session: aiohttp.ClientSession, target: Target, seed: int,
                           turns: int) -> list[Sample]:
    """Replay one conversation turn by turn; each turn re-sends the whole history."""
    system, users = conversation(seed, turns)
    messages = [{"role": "system", "content": system}]
    out: list[Sample] = []
    for user in users:
        messages.append({"role": "user", "content": user})
        sample, answer = await one_request(session, target, _body(messages, False), False,
                                           "ECHO: " + user)
        out.append(sample)
        messages.append({"role": "assistant", "content": answer or "ECHO: " + user})
    return out


# --------------------------------------------------------------------------- the run


@dataclass
class Sizes:
    clients: list[int]
    requests: dict[int, int]
    max_phase_s: float
    warmup: int
    conversations: int
    variants: list[str]
    modes: list[bool]
    kinds: list[str]


def sizes(args: argparse.Namespace) -> Sizes:
    if args.quick:
        req = {1: 40, 16: 120, 64: 256}
        s = Sizes(args.clients, req, 10.0, 10, 2, args.variants, args.modes, args.kinds)
    else:
        req = {1: 100, 16: 300, 64: 600}
        s = Sizes(args.clients, req, 20.0, 30, 5, args.variants, args.modes, args.kinds)
    s.requests = {c: args.requests or req.get(c, max(100, 8 * c)) for c in s.clients}
    if args.conversations is not None:
        s.conversations = args.conversations
    return s


async def warm_up(session: aiohttp.ClientSession, target: Target, n: int, seed: int) -> None:
    """Connections, lazy imports, first-request paths: sent, not recorded."""
    warm = _unique(pii_prompt_factory(seed - 1), n, random.Random(seed - 1))
    for i, p in enumerate(warm):
        stream = i % 2 == 1
        await one_request(session, target, _body([{"role": "user", "content": p}], stream),
                          stream, None)


def _cpu_times() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs since boot, from /proc/stat."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return sum(fields) - idle, sum(fields)


async def settle(limit_s: float = 30.0, busy_below: float = 0.15) -> float:
    """Wait until the machine is idle again (under ``busy_below`` of all cores over half a
    second), at most ``limit_s``: a phase cut short at its time limit leaves its target working
    off abandoned requests, which must not weigh on the next target's phase. Returns seconds
    waited."""
    if not os.path.exists("/proc/stat"):  # noqa: ASYNC240 - one stat call, not I/O to wait on
        return 0.0
    start = time.monotonic()
    while time.monotonic() - start < limit_s:
        b0, t0 = _cpu_times()
        await asyncio.sleep(0.5)
        b1, t1 = _cpu_times()
        if t1 > t0 and (b1 - b0) / (t1 - t0) < busy_below:
            break
    return time.monotonic() - start


async def bench_all(session: aiohttp.ClientSession, targets: list[Target], sz: Sizes,
                    seed: int) -> tuple[list[Phase], dict[str, list[list[Sample]]]]:
    """Each phase runs against every target back to back (same prompts), so that whatever else
    the machine is doing weighs on all targets alike; each starts once the machine is idle."""
    for target in targets:
        await warm_up(session, target, sz.warmup, seed)
    phases: list[Phase] = []
    k = 0
    for stream, prompt, variant, clients in itertools.product(
        sz.modes, sz.kinds, sz.variants, sz.clients
    ):
        k += 1
        rng = random.Random(seed * 1000 + k)
        make = clean_prompt if prompt == "clean" else pii_prompt_factory(seed * 1000 + k)
        n = sz.requests[clients]
        prompts = _unique(make, n, rng) if variant == "unique" else [make(rng)] * n
        for target in targets:
            await settle()
            ph = await run_phase(session, target, stream, prompt, variant, prompts, clients,
                                 sz.max_phase_s)
            ph.loadavg_1m = round(os.getloadavg()[0], 2)
            console.print(
                f"  {target.name:8} {'stream' if stream else 'plain ':6} {prompt:5} "
                f"{variant:6} "
                f"c={clients:<3} n={ph.requests:<4} err={ph.errors:<3} "
                f"p50={ph.latency_ms.get('p50', float('nan')):8.2f} ms  "
                f"rps={ph.rps:8.1f}"
                + (f"  ttfc p50={ph.ttfc_ms.get('p50', float('nan')):.2f} ms"
                   if stream else "")
                + (f"  errors: {ph.error_kinds}" if ph.error_kinds else ""))
            phases.append(ph)
    convs: dict[str, list[list[Sample]]] = {t.name: [] for t in targets}
    for i in range(sz.conversations):
        for target in targets:
            await settle()
            convs[target.name].append(await run_conversation(session, target, seed * 7 + i, 10))
    return phases, convs


def add_deltas(phases: list[Phase]) -> None:
    base = {(p.stream, p.prompt, p.variant, p.clients): p for p in phases if p.target == "fake"}
    for p in phases:
        b = base.get((p.stream, p.prompt, p.variant, p.clients))
        if b is None:
            continue
        for q in ("p50", "p99"):
            if q in p.latency_ms and q in b.latency_ms:
                p.added_ms[q] = round(p.latency_ms[q] - b.latency_ms[q], 3)
            if q in p.ttfc_ms and q in b.ttfc_ms:
                p.added_ttfc_ms[q] = round(p.ttfc_ms[q] - b.ttfc_ms[q], 3)


def conversation_summary(convs: dict[str, list[list[Sample]]]) -> dict[str, Any]:
    """Median per turn over the replayed conversations; 'added' is over the fake's same turn."""
    out: dict[str, Any] = {}
    fake_turns = _per_turn(convs.get("fake", []), lambda s: s.latency_s * 1000)
    for name, runs in convs.items():
        lat = _per_turn(runs, lambda s: s.latency_s * 1000)
        turns = []
        for i, v in enumerate(lat):
            row: dict[str, Any] = {"turn": i + 1, "latency_ms_p50": _r(v)}
            if fake_turns and i < len(fake_turns) and name != "fake":
                row["added_ms_p50"] = _r(v - fake_turns[i])
            turns.append(row)
        detect = _per_turn(runs, lambda s: (s.timings or {}).get("detect"))
        if any(d is not None for d in detect):
            for row, d in zip(turns, detect, strict=True):
                row["detect_ms_p50"] = _r(d)
        errors = sum(not s.ok for run in runs for s in run)
        entry: dict[str, Any] = {"conversations": len(runs), "errors": errors, "turns": turns}
        if name != "fake" and len(turns) >= 10:
            key = "detect_ms_p50" if "detect_ms_p50" in turns[0] else "added_ms_p50"
            first, last = turns[0].get(key), turns[9].get(key)
            if first and last is not None and first > 0:
                entry["turn10_over_turn1"] = {"basis": key, "ratio": round(last / first, 3)}
        out[name] = entry
    return out


def _r(v: float | None) -> float | None:
    return None if v is None else round(v, 3)


def _per_turn(runs: list[list[Sample]], get: Any) -> list[float | None]:
    if not runs:
        return []
    res: list[float | None] = []
    for i in range(max(len(r) for r in runs)):
        vals = [get(r[i]) for r in runs if i < len(r) and r[i].ok]
        vals = [v for v in vals if v is not None]
        res.append(statistics.median(vals) if vals else None)
    return res


def _find(phases: list[Phase], *key: object) -> Phase | None:
    """The phase with (target, stream, prompt, variant, clients) == key."""
    for p in phases:
        if (p.target, p.stream, p.prompt, p.variant, p.clients) == key:
            return p
    return None


def acceptance(phases: list[Phase], conv: dict[str, Any], top: int) -> list[dict[str, Any]]:
    """Issue 7's acceptance figures, each as measured value, bound and verdict."""
    rows: list[dict[str, Any]] = []

    def add(name: str, value: float | None, bound: str, ok: bool | None, detail: str) -> None:
        rows.append({"criterion": name, "value": None if value is None else round(value, 3),
                     "bound": bound, "pass": ok, "detail": detail})

    variants = sorted({p.variant for p in phases}, reverse=True)  # "unique" first
    for var in variants:
        note = "every request a new prompt" if var == "unique" else "one prompt, repeated"
        p = _find(phases, "proxy", False, "clean", var, 1)
        v = p.added_ms.get("p50") if p else None
        add(f"added p50 at 1 client, PII-free, {var} (ms)", v, "<= 10",
            None if v is None else v <= 10, f"privacy-proxy minus fake, non-streaming; {note}")
    for var in variants:
        p = _find(phases, "proxy", False, "pii", var, 1)
        q = _find(phases, "litellm", False, "pii", var, 1)
        a, b = (p.added_ms.get("p50") if p else None), (q.added_ms.get("p50") if q else None)
        r = a / b if a is not None and b else None
        add(f"added p50 at 1 client with PII, {var}, proxy / LiteLLM", r, "<= 0.25",
            None if r is None else r <= 0.25, f"proxy {a} ms, LiteLLM {b} ms")
    for prompt in ("pii", "clean"):
        p = _find(phases, "proxy", False, prompt, "unique", top)
        q = _find(phases, "litellm", False, prompt, "unique", top)
        r = p.rps / q.rps if p and q and q.rps else None
        errs = p.errors if p else None
        add(f"rps at {top} clients, {prompt}, unique, proxy / LiteLLM", r, ">= 5 and no errors",
            None if r is None else (r >= 5 and errs == 0),
            f"proxy {p.rps if p else None} rps ({errs} errors), LiteLLM "
            f"{q.rps if q else None} rps ({q.errors if q else None} errors); non-streaming")
    for var in variants:
        p = _find(phases, "proxy", True, "pii", var, 1)
        v = p.added_ttfc_ms.get("p50") if p else None
        add(f"added time to first chunk at 1 client, with PII, {var} (ms)", v, "<= 5",
            None if v is None else v <= 5, "streaming, restore on; proxy minus fake")
    c = conv.get("proxy", {}).get("turn10_over_turn1")
    add("conversation: turn 10 detection / turn 1", c["ratio"] if c else None, "<= 2",
        None if c is None else c["ratio"] <= 2, f"basis: {c['basis'] if c else None}")
    return rows


# --------------------------------------------------------------------------- output


def _f(v: float | None, nd: int = 1) -> str:
    return "–" if v is None or v != v else f"{v:.{nd}f}"


def print_tables(phases: list[Phase], conv: dict[str, Any], acc: list[dict[str, Any]]) -> None:
    for stream in (False, True):
        t = Table(title=f"Chat completions, {'streaming' if stream else 'non-streaming'} "
                        "(ms; added = target minus fake at the same concurrency)")
        for col in ("target", "prompt", "prompts", "clients", "n", "err", "unfaithful", "p50",
                    "p99", "added p50", "added p99", "rps"):
            t.add_column(col, justify="left" if col in ("target", "prompt", "prompts")
                         else "right")
        if stream:
            t.add_column("TTFC p50", justify="right")
            t.add_column("added TTFC p50", justify="right")
        for p in phases:
            if p.stream != stream:
                continue
            row = [p.target, p.prompt, p.variant, str(p.clients), str(p.requests),
                   str(p.errors), str(p.unfaithful), _f(p.latency_ms.get("p50"), 2),
                   _f(p.latency_ms.get("p99"), 2), _f(p.added_ms.get("p50"), 2),
                   _f(p.added_ms.get("p99"), 2), _f(p.rps)]
            if stream:
                row += [_f(p.ttfc_ms.get("p50"), 2), _f(p.added_ttfc_ms.get("p50"), 2)]
            t.add_row(*row)
        console.print(t)
    staged = [p for p in phases if p.stage_ms_p50]
    stages = list(dict.fromkeys(k for p in staged for k in p.stage_ms_p50))
    if staged:
        t = Table(title="privacy-proxy stage times, p50 ms (x-privacy-proxy-timing)")
        for col in ("mode", "prompt", "prompts", "clients", *stages):
            t.add_column(col, justify="left" if col in ("mode", "prompt", "prompts")
                         else "right")
        for p in staged:
            t.add_row("stream" if p.stream else "plain", p.prompt, p.variant, str(p.clients),
                      *(_f(p.stage_ms_p50.get(k), 2) for k in stages))
        console.print(t)
    t = Table(title="Ten-turn conversation, 1 client (median per turn, ms)")
    t.add_column("turn", justify="right")
    names = [n for n in conv if n != "fake"]
    t.add_column("fake", justify="right")
    for n in names:
        t.add_column(f"{n} added", justify="right")
        if any("detect_ms_p50" in row for row in conv[n]["turns"]):
            t.add_column(f"{n} detect", justify="right")
    fake_turns = conv.get("fake", {}).get("turns", [])
    for i in range(10):
        row = [str(i + 1), _f(fake_turns[i]["latency_ms_p50"], 2) if i < len(fake_turns) else "–"]
        for n in names:
            turns = conv[n]["turns"]
            row.append(_f(turns[i].get("added_ms_p50"), 2) if i < len(turns) else "–")
            if any("detect_ms_p50" in r for r in turns):
                row.append(_f(turns[i].get("detect_ms_p50"), 2) if i < len(turns) else "–")
        t.add_row(*row)
    console.print(t)
    t = Table(title="Issue 7 acceptance (this run)")
    for col in ("criterion", "value", "bound", "verdict", "detail"):
        t.add_column(col)
    for a in acc:
        verdict = {True: "[green]pass", False: "[red]FAIL", None: "–"}[a["pass"]]
        t.add_row(a["criterion"], _f(a["value"], 3), a["bound"], verdict, a["detail"])
    console.print(t)


README_START, README_END = "<!-- overhead:start -->", "<!-- overhead:end -->"


def markdown(result: dict[str, Any]) -> str:
    """The run's tables in Markdown, for bench/README.md."""
    meta = result["meta"]
    st = meta["settings"]
    lines = [
        f"Run {meta['date']} on {meta['machine']['cpus']} cores ({meta['machine']['platform']}), "
        f"commit {meta['versions'].get('privacy-proxy commit')}, {meta['versions']['litellm']}; "
        f"load average before/after: {meta['loadavg_before'][0]} / {meta['loadavg_after'][0]}; "
        "requests per phase: "
        + ", ".join(f"{n} at {c} client{'s' * (c != '1')}" for c, n in st["requests"].items())
        + (" (quick)." if st["quick"] else "."),
        "",
    ]
    for stream in (False, True):
        head = ["target", "prompt", "prompts", "clients", "n", "errors", "unfaithful", "p50 ms",
                "p99 ms", "added p50", "added p99", "rps"]
        if stream:
            head += ["TTFC p50", "added TTFC p50", "added TTFC p99"]
        lines += [f"**{'Streaming' if stream else 'Non-streaming'}**", "",
                  "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for p in result["phases"]:
            if p["stream"] != stream:
                continue
            row = [p["target"], p["prompt"], p["variant"], str(p["clients"]), str(p["requests"]),
                   str(p["errors"]), str(p["unfaithful"]), _f(p["latency_ms"].get("p50"), 2),
                   _f(p["latency_ms"].get("p99"), 2), _f(p["added_ms"].get("p50"), 2),
                   _f(p["added_ms"].get("p99"), 2), _f(p["rps"])]
            if stream:
                row += [_f(p["ttfc_ms"].get("p50"), 2), _f(p["added_ttfc_ms"].get("p50"), 2),
                        _f(p["added_ttfc_ms"].get("p99"), 2)]
            lines.append("| " + " | ".join(row) + " |")
        lines.append("")
    failed = [p for p in result["phases"] if p.get("error_kinds")]
    if failed:
        lines += ["Errors by kind: " + "; ".join(
            f"{p['target']} {'stream' if p['stream'] else 'plain'} {p['prompt']} {p['variant']} "
            f"c={p['clients']}: " + ", ".join(f"{k} ×{n}" for k, n in p["error_kinds"].items())
            for p in failed) + ".", ""]
    staged = [p for p in result["phases"] if p["stage_ms_p50"]]
    stages = list(dict.fromkeys(k for p in staged for k in p["stage_ms_p50"]))
    if staged:
        head = ["mode", "prompt", "prompts", "clients", *stages]
        lines += ["**privacy-proxy stage times**, p50 ms from `x-privacy-proxy-timing`", "",
                  "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for p in staged:
            row = ["stream" if p["stream"] else "plain", p["prompt"], p["variant"],
                   str(p["clients"]), *(_f(p["stage_ms_p50"].get(k), 2) for k in stages)]
            lines.append("| " + " | ".join(row) + " |")
        lines.append("")
    conv = result["conversation"]
    names = [n for n in conv if n != "fake"]
    head = ["turn", "fake ms"]
    for n in names:
        head.append(f"{n} added ms")
        if any("detect_ms_p50" in r for r in conv[n]["turns"]):
            head.append(f"{n} detect ms")
    lines += ["**Ten-turn conversation** (1 client, median per turn over "
              f"{conv.get('fake', {}).get('conversations')} conversations)", "",
              "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for i in range(len(conv.get("fake", {}).get("turns", []))):
        row = [str(i + 1), _f(conv["fake"]["turns"][i]["latency_ms_p50"], 2)]
        for n in names:
            t = conv[n]["turns"][i] if i < len(conv[n]["turns"]) else {}
            row.append(_f(t.get("added_ms_p50"), 2))
            if any("detect_ms_p50" in r for r in conv[n]["turns"]):
                row.append(_f(t.get("detect_ms_p50"), 2))
        lines.append("| " + " | ".join(row) + " |")
    lines += ["", "**Issue 7 acceptance**", "", "| criterion | value | bound | verdict | detail |",
              "|---|---|---|---|---|"]
    for a in result["acceptance"]:
        verdict = {True: "pass", False: "FAIL", None: "–"}[a["pass"]]
        lines.append(f"| {a['criterion']} | {_f(a['value'], 3)} | {a['bound']} | {verdict} | "
                     f"{a['detail']} |")
    return "\n".join(lines) + "\n"


def update_readme(path: Path, result: dict[str, Any]) -> None:
    text = path.read_text()
    start, end = text.index(README_START), text.index(README_END)
    path.write_text(text[: start + len(README_START)] + "\n" + markdown(result) + text[end:])


def versions() -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for dist in ("presidio-analyzer", "spacy", "aiohttp"):
        with contextlib.suppress(Exception):
            from importlib.metadata import version

            out[dist] = version(dist)
    with contextlib.suppress(Exception):
        git = ["git", "-C", str(ROOT)]
        head = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, check=True).stdout.strip()
        dirty = subprocess.run([*git, "status", "--porcelain", "--", "proxy", "policies"],
                               capture_output=True, text=True, check=True).stdout.strip()
        out["privacy-proxy commit"] = head + (" with uncommitted changes" if dirty else "")
    out["litellm"] = LITELLM_SPEC
    return out


@contextlib.contextmanager
def running(services: list[Service]) -> Iterator[None]:
    try:
        for s in services:
            s.start()
        yield
    finally:
        for s in reversed(services):
            s.stop()


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    sz = sizes(args)
    vers = versions()
    with tempfile.TemporaryDirectory(prefix="bench-overhead-") as tmp_s:
        tmp = Path(args.log_dir) if args.log_dir else Path(tmp_s)
        tmp.mkdir(parents=True, exist_ok=True)
        fake_port = free_port()
        fake = Service("fake-openai", [sys.executable, "-m", "tests.fakes.fake_openai",
                                       "--port", str(fake_port), "--chunk-size",
                                       str(args.chunk_size)],
                       f"http://127.0.0.1:{fake_port}/v1/models", tmp)
        targets = build_targets(args, tmp, f"http://127.0.0.1:{fake_port}/v1")
        connector = aiohttp.TCPConnector(limit=0, ttl_dns_cache=None)
        timeout = aiohttp.ClientTimeout(total=args.request_timeout)
        order = [targets[n] for n in TARGETS if n in targets]
        services = [fake, *(svc for t in order for svc in t.services)]
        load_before = os.getloadavg()
        async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
            with running(services):
                for svc in services:
                    await svc.wait_ready(session, args.start_timeout)
                for t in order:
                    console.print(f"[bold]{t.name}[/] ready at {t.base_url}")
                phases, convs = await bench_all(session, order, sz, args.seed)
        load_after = os.getloadavg()
    add_deltas(phases)
    conv = conversation_summary(convs)
    top = max(sz.clients)
    acc = acceptance(phases, conv, top)
    print_tables(phases, conv, acc)
    return {
        "meta": {
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                        "python": platform.python_version()},
            "versions": vers,
            "loadavg_before": [round(x, 2) for x in load_before],
            "loadavg_after": [round(x, 2) for x in load_after],
            "settings": {"quick": args.quick, "targets": ["fake", *args.targets],
                         "clients": sz.clients, "variants": sz.variants,
                         "modes": ["stream" if m else "plain" for m in sz.modes],
                         "kinds": sz.kinds,
                         "requests": sz.requests,
                         "max_phase_s": sz.max_phase_s, "conversations": sz.conversations,
                         "proxy_workers": args.proxy_workers, "proxy_set": args.proxy_set,
                         "litellm_workers": args.litellm_workers,
                         "presidio_workers": args.presidio_workers,
                         "chunk_size": args.chunk_size, "seed": args.seed},
        },
        "phases": [asdict(p) for p in phases],
        "conversation": conv,
        "acceptance": acc,
    }


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--targets", default="proxy,litellm",
                    help="comma-separated, besides the fake itself: proxy, litellm")
    ap.add_argument("--clients", default="1,16,64", help="concurrency levels, comma-separated")
    ap.add_argument("--variants", default="same,unique",
                    help="same: one prompt repeated (caches may help); unique: a new prompt "
                    "for every request")
    ap.add_argument("--modes", default="plain,stream", help="plain (non-streaming), stream")
    ap.add_argument("--kinds", default="clean,pii", help="prompt kinds: clean, pii")
    ap.add_argument("--requests", type=int, default=None, help="requests per phase (all levels)")
    ap.add_argument("--conversations", type=int, default=None, help="ten-turn replays per target")
    ap.add_argument("--quick", action="store_true", help="small phases, for a first look")
    ap.add_argument("--proxy-workers", type=int, default=None,
                    help="privacy-proxy server.workers (default: its own, the core count)")
    ap.add_argument("--proxy-set", action="append", default=[], metavar="KEY=VALUE",
                    help="extra privacy-proxy setting, e.g. detection.workers=2 (repeatable)")
    ap.add_argument("--proxy-command",
                    default=f"{sys.executable} -m proxy serve --config {{config}}",
                    help="how to start privacy-proxy; {config} is the generated config file")
    ap.add_argument("--litellm-workers", type=int, default=1, help="LiteLLM --num_workers")
    ap.add_argument("--presidio-workers", type=int, default=1,
                    help="Presidio analyzer processes (the Docker image's default is 1)")
    ap.add_argument("--chunk-size", type=int, default=3, help="fake's streamed chunk size")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--request-timeout", type=float, default=60.0)
    ap.add_argument("--start-timeout", type=float, default=180.0)
    ap.add_argument("--log-dir", default=None, help="keep the services' logs here")
    ap.add_argument("--out", default=str(BENCH / "results" / "overhead.json"))
    ap.add_argument("--readme", action="store_true",
                    help="also put the tables into bench/README.md")
    ap.add_argument("--render", metavar="JSON",
                    help="run nothing: put the tables of an earlier run into bench/README.md")
    args = ap.parse_args(argv)
    args.targets = [t for t in args.targets.split(",") if t and t != "fake"]
    unknown = set(args.targets) - set(TARGETS)
    if unknown:
        ap.error(f"unknown targets: {', '.join(sorted(unknown))}")
    args.clients = sorted({int(c) for c in args.clients.split(",")})
    args.variants = [v for v in ("same", "unique") if v in args.variants.split(",")]
    args.modes = [m == "stream" for m in ("plain", "stream") if m in args.modes.split(",")]
    args.kinds = [k for k in ("clean", "pii") if k in args.kinds.split(",")]
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.render:
        update_readme(BENCH / "README.md", json.loads(Path(args.render).read_text()))
        return
    with contextlib.suppress(ImportError):
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    result = asyncio.run(main_async(args))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(result, indent=2) + "\n")
    tmp.replace(out)
    console.print(f"wrote {out}")
    if args.readme:
        update_readme(BENCH / "README.md", result)
        console.print(f"updated {BENCH / 'README.md'}")


if __name__ == "__main__":
    main()
