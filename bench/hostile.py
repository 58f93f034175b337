"""Hostile requests beside ordinary ones: do innocent requests still succeed?

One run starts, on 127.0.0.1 only, the fake OpenAI upstream (``tests/fakes/fake_openai.py``, its
own process) and ``python -m proxy serve`` as users run it: uvloop, the default number of serving
processes and detection workers, SQLite audit in a temporary data dir, ``local.kind: none``. For
``--duration`` seconds, ``--clients`` closed-loop clients send ordinary chat requests (plain and
streamed, with and without personal data, each prompt new) while ``--hostile`` senders send, one
class after the other, requests generated fresh for every send:

- large but within the default limits (served): a 400 kB message, 800 kB over two messages, 300 kB
  of capitalized words without a sentence break;
- beyond them (refused): an 800 kB message, a 5 MB message, 50,000 messages, 30,000 keys in an
  unknown field, a 9 MB body, a gzip bomb;
- malformed: JSON nested 100,000 deep, lone surrogates, ``Content-Encoding: br``.

Reported: innocent requests sent and failed (any status but 200, or a stream without ``[DONE]``,
or no answer: the figure that must be 0), their latency (indicative only on a shared machine), how
each hostile class was answered (status counts, time to answer), and the detection workers that
died or were replaced, from the proxy's log. Writes ``bench/results/hostile.json``; exits 1 when
an innocent request failed. Run: ``.venv/bin/python bench/hostile.py [--duration 60]``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gzip
import hashlib
import itertools
import json
import os
import platform
import random
import re
import signal
import socket
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import yaml
from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent
KEY = "sk-bench-hostile"
console = Console(width=None if sys.stdout.isatty() else 160)
Body = tuple[bytes, dict[str, str]]  # the bytes sent and extra headers
_WORDS = ("the quarterly report covers revenue churn and the roadmap for the next release we "
          "agreed to ship the update after review please check the invoice totals dates and "
          "the delivery schedule with the warehouse team").split()
_NAMES = ["Anna Schmidt", "Marco Rossi", "Chloé Martin", "Jan Kowalski", "Sofia Lindqvist"]


def _prose(rng: random.Random, chars: int) -> str:
    """Business prose with an e-mail address, a phone number or a name every few hundred
    characters (nothing of a special category, so it may go out pseudonymized)."""
    out: list[str] = []
    size = 0
    while size < chars:
        words = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(20, 80)))
        pii = rng.choice([f"write to {rng.choice(_NAMES).split()[0].lower()}{rng.randrange(10**6)}"
                          f"@example.org", f"call +49 30 {rng.randrange(10**7):07d}",
                          f"ask {rng.choice(_NAMES)}"])
        part = f"{words.capitalize()}, then {pii}. "
        out.append(part)
        size += len(part)
    return "".join(out)[:chars]


def _chat(messages: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"model": "gpt-4o", "messages": messages, **extra}


def _json(obj: Any) -> Body:
    return json.dumps(obj, ensure_ascii=False).encode(), {}


def _user(text: str) -> dict[str, str]:
    return {"role": "user", "content": text}


HOSTILE: dict[str, Callable[[random.Random], Body]] = {
    "400 kB message": lambda r: _json(_chat([_user(_prose(r, 400_000))])),
    "800 kB in two messages": lambda r: _json(_chat([_user(_prose(r, 400_000)),
                                                     _user(_prose(r, 400_000))])),
    "300 kB, no sentence break": lambda r: _json(_chat([_user(" ".join(
        r.choice(_NAMES).split()[r.randrange(2)] for _ in range(40_000)))])),
    "800 kB message": lambda r: _json(_chat([_user(_prose(r, 800_000))])),
    "5 MB message": lambda r: _json(_chat([_user(_prose(r, 5_000_000))])),
    "50,000 messages": lambda r: _json(_chat([_user(f"message {i} of {r.random()}")
                                              for i in range(50_000)])),
    "30,000 keys": lambda r: _json(_chat([_user("hello")], x_extra={
        f"k{i}_{r.randrange(10**6)}": i for i in range(30_000)})),
    "9 MB body": lambda r: _json(_chat([_user("w" * (9 << 20))])),
    "gzip bomb": lambda r: (gzip.compress(json.dumps(_chat([_user("a" * (64 << 20))]))
                                          .encode(), 9), {"Content-Encoding": "gzip"}),
    "JSON 100,000 deep": lambda r: (b'{"model": "gpt-4o", "messages": [{"role": "user", '
                                    b'"content": "hi"}], "x": ' + b"[" * 100_000
                                    + b"]" * 100_000 + b"}", {}),
    "lone surrogates": lambda r: (b'{"model": "gpt-4o", "messages": [{"role": "user", '
                                  b'"content": "a \\ud800 b ' + str(r.random()).encode()
                                  + b'"}]}', {}),
    "br encoding": lambda r: (json.dumps(_chat([_user("hello")])).encode(),
                              {"Content-Encoding": "br"}),
}
_GZIP_BOMB_CACHE: dict[str, bytes] = {}


def _ordinary(rng: random.Random, i: int) -> dict[str, Any]:
    text = (_prose(rng, rng.randint(60, 600)) if i % 2 else
            f"Summarize release {i}.{rng.randrange(1000)} in one line: " + " ".join(
                rng.choice(_WORDS) for _ in range(rng.randint(5, 60))))
    return _chat([_user(text)], stream=i % 3 == 0)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _wait_http(url: str, proc: asyncio.subprocess.Process, limit_s: float) -> None:
    deadline = time.monotonic() + limit_s
    async with aiohttp.ClientSession() as s:
        while time.monotonic() < deadline:
            if proc.returncode is not None:
                raise SystemExit(f"{url}: the process exited with {proc.returncode}")
            try:
                async with s.get(url) as r:
                    if r.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.3)
    raise SystemExit(f"{url}: not ready after {limit_s:.0f}s")


class Run:
    """The load: ordinary clients and hostile senders against one proxy, until ``end``."""

    def __init__(self, url: str, end: float, seed: int, senders: int) -> None:
        self.url, self.end, self.seed, self.senders = url, end, seed, senders
        self.innocent: list[dict[str, Any]] = []
        self.hostile: list[dict[str, Any]] = []

    async def _post(self, s: aiohttp.ClientSession, body: bytes, headers: dict[str, str],
                    stream: bool) -> tuple[int, bool, float, bytes]:
        t0 = time.perf_counter()
        hdrs = {"Authorization": f"Bearer {KEY}", "Content-Type": "application/json", **headers}
        try:
            async with s.post(self.url, data=body, headers=hdrs) as r:
                raw = await r.read()
                done = not stream or raw.rstrip().endswith(b"data: [DONE]")
                return r.status, done, time.perf_counter() - t0, raw[:300]
        except (aiohttp.ClientError, TimeoutError) as e:
            return -1, False, time.perf_counter() - t0, type(e).__name__.encode()

    async def client(self, s: aiohttp.ClientSession, n: int) -> None:
        rng = random.Random(self.seed * 1000 + n)
        for i in itertools.count(n * 1_000_000):
            if time.monotonic() >= self.end:
                return
            body = _ordinary(rng, i)
            status, done, took, head = await self._post(
                s, json.dumps(body).encode(), {}, body["stream"])
            self.innocent.append({"ok": status == 200 and done, "status": status,
                                  "complete": done, "s": took, "head": head.decode(errors="replace")
                                  if status != 200 else ""})

    async def sender(self, s: aiohttp.ClientSession, n: int) -> None:
        rng = random.Random(self.seed * 7919 + n)
        names = list(HOSTILE)
        for k in itertools.count(n * len(names) // max(1, self.senders)):  # spread out
            if time.monotonic() >= self.end:
                return
            name = names[k % len(names)]
            if name == "gzip bomb":  # compressing 64 MB takes a while: once per run
                _GZIP_BOMB_CACHE.setdefault(name, HOSTILE[name](rng)[0])
                body, headers = _GZIP_BOMB_CACHE[name], {"Content-Encoding": "gzip"}
            else:
                body, headers = await asyncio.to_thread(HOSTILE[name], rng)
            status, _, took, head = await self._post(s, body, headers, False)
            code = None
            try:
                code = json.loads(head)["error"]["code"] if status != 200 else None
            except (ValueError, KeyError, TypeError):
                pass
            self.hostile.append({"class": name, "status": status, "code": code, "s": took,
                                 "bytes": len(body)})


def _pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))] if xs else float("nan")


def _report(run: Run, log: str, args: argparse.Namespace, meta: dict[str, Any]) -> dict[str, Any]:
    inn = run.innocent
    failed = [x for x in inn if not x["ok"]]
    lat = [x["s"] for x in inn if x["ok"]]
    by_class: dict[str, dict[str, Any]] = {}
    for name in HOSTILE:
        rows = [h for h in run.hostile if h["class"] == name]
        statuses = Counter(f"{h['status']} {h['code'] or ''}".strip() for h in rows)
        by_class[name] = {"sent": len(rows), "answers": dict(statuses),
                          "median_s": statistics.median([h["s"] for h in rows]) if rows else None,
                          "bytes": rows[0]["bytes"] if rows else None}
    deaths = re.findall(r"detection worker \d+ exited[^\n]*", log)
    restarts = max(0, len(re.findall(r"detection workers ready", log)) - meta["serving"])
    return {
        "innocent": {"sent": len(inn), "failed": len(failed),
                     "failures": Counter(str(x["status"]) for x in failed),
                     "examples": [x["head"] for x in failed[:5]],
                     "p50_s": _pct(lat, 0.5), "p95_s": _pct(lat, 0.95),
                     "max_s": max(lat) if lat else None},
        "hostile": by_class,
        "detection_workers": {"died_or_killed": len(deaths), "pool_restarts": restarts,
                              "lines": deaths[:10]},
        "settings": vars(args),
        "meta": meta,
    }


def _print(r: dict[str, Any]) -> None:
    inn = r["innocent"]
    t = Table(title="innocent requests")
    for c in ("sent", "failed", "p50 s", "p95 s", "max s"):
        t.add_column(c, justify="right")
    t.add_row(str(inn["sent"]), str(inn["failed"]), f"{inn['p50_s']:.2f}", f"{inn['p95_s']:.2f}",
              f"{inn['max_s']:.2f}" if inn["max_s"] is not None else "-")
    console.print(t)
    if inn["failed"]:
        console.print(f"failures by status: {dict(inn['failures'])}; e.g. {inn['examples'][:2]}")
    h = Table(title="hostile requests")
    for c in ("class", "size", "sent", "answered", "median s"):
        h.add_column(c, justify="left" if c in ("class", "answered") else "right")
    for name, row in r["hostile"].items():
        size = row["bytes"]
        h.add_row(name, f"{size / 1e6:.2f} MB" if size else "-", str(row["sent"]),
                  ", ".join(f"{k} x{v}" for k, v in sorted(row["answers"].items())),
                  f"{row['median_s']:.2f}" if row["median_s"] is not None else "-")
    console.print(h)
    w = r["detection_workers"]
    console.print(f"detection workers died or killed: {w['died_or_killed']}; "
                  f"pool restarts: {w['pool_restarts']}")


async def main(args: argparse.Namespace) -> dict[str, Any]:
    tmp = Path(tempfile.mkdtemp(prefix="bench-hostile-"))
    fake_port, port = _free_port(), _free_port()
    fake = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.fakes.fake_openai", "--port", str(fake_port),
        "--chunk-size", "8", cwd=ROOT, stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL)
    cfg: dict[str, Any] = {
        "server": {"port": port, "data_dir": str(tmp / "data")},
        "tenants": [{"id": "bench", "api_key_sha256": [hashlib.sha256(KEY.encode()).hexdigest()]}],
        "local": {"kind": "none"},
        "metrics": {"port": _free_port()},
    }
    if args.proxy_workers:
        cfg["server"]["workers"] = args.proxy_workers
    (tmp / "config.yaml").write_text(yaml.safe_dump(cfg))
    log_path = tmp / "proxy.log"
    env = {**os.environ, "PYTHONPATH": str(ROOT),
           "PRIVACY_PROXY_EXTERNAL__API_KEY": "sk-fake",
           "PRIVACY_PROXY_EXTERNAL__BASE_URL": f"http://127.0.0.1:{fake_port}/v1"}
    with log_path.open("wb") as out:
        proxy = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "proxy", "serve", "--config", str(tmp / "config.yaml"),
            cwd=ROOT, env=env, stdout=out, stderr=out, start_new_session=True)
    try:
        await _wait_http(f"http://127.0.0.1:{fake_port}/v1/models", fake, 60)
        await _wait_http(f"http://127.0.0.1:{port}/readyz", proxy, 300)
        console.print(f"proxy ready (log: {log_path}); load for {args.duration:.0f}s: "
                      f"{args.clients} clients, {args.hostile} hostile senders")
        run = Run(f"http://127.0.0.1:{port}/v1/chat/completions",
                  time.monotonic() + args.duration, args.seed, args.hostile)
        timeout = aiohttp.ClientTimeout(total=args.request_timeout_s)
        load0 = os.getloadavg()
        async with aiohttp.ClientSession(timeout=timeout) as s:
            await asyncio.gather(*(run.client(s, n) for n in range(args.clients)),
                                 *(run.sender(s, n) for n in range(args.hostile)))
        load1 = os.getloadavg()
        log = log_path.read_text(errors="replace")  # before the stop: its exits are not deaths
    finally:
        proxy.send_signal(signal.SIGTERM)  # as a supervisor does: the proxy stops its workers
        try:
            await asyncio.wait_for(proxy.wait(), 120)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proxy.pid, signal.SIGKILL)
        fake.terminate()
        await fake.wait()
    serving = args.proxy_workers or (os.cpu_count() or 1)
    meta = {"time": datetime.now(UTC).isoformat(timespec="seconds"), "cores": os.cpu_count(),
            "python": platform.python_version(), "load_before": load0, "load_after": load1,
            "serving": serving}
    return _report(run, log, args, meta)


def cli() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--duration", type=float, default=60.0, help="seconds of load")
    p.add_argument("--clients", type=int, default=8, help="ordinary closed-loop clients")
    p.add_argument("--hostile", type=int, default=4, help="hostile senders")
    p.add_argument("--proxy-workers", type=int, default=0,
                   help="server.workers (default: the proxy's own default, the cores)")
    p.add_argument("--request-timeout-s", type=float, default=180.0)
    p.add_argument("--seed", type=int, default=int(time.time()))
    p.add_argument("--out", default=str(ROOT / "bench" / "results" / "hostile.json"))
    args = p.parse_args()
    report = asyncio.run(main(args))
    _print(report)
    out_path = Path(args.out)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(json.dumps(report, indent=2, default=str) + "\n")
    console.print(f"written: {out_path}")
    sys.exit(1 if report["innocent"]["failed"] else 0)


if __name__ == "__main__":
    cli()
