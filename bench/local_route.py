"""Tokens per second of the local route: privacy-proxy against the same model called directly.

Two ways to run the model, each measured directly and through ``python -m proxy serve`` (one
serving process, no external provider, so every request takes the local route):

- in process (default): llama-cpp-python loads the GGUF twice with the same settings (the proxy's
  own ``LlamaCppBackend`` loader, so ``n_gpu_layers``, ``n_ctx`` and threads match), once here,
  called through ``create_chat_completion(stream=True)``, once inside the proxy
  (``local.kind: llama_cpp``);
- ``--server URL``: an OpenAI-compatible model server already running (``python -m
  llama_cpp.server`` or llama.cpp's ``llama-server``, as the Helm chart deploys them), called
  directly at ``URL/chat/completions`` and
  through the proxy with ``local.kind: openai_compatible``.

The prompt carries personal data and is new on every run (so no detection cache answers):
detection, policy, audit and restore all run. Runs alternate direct / proxy with the same prompt,
``temperature: 0`` and ``seed``, so both produce the same tokens.

Reported per side: streamed tokens (content chunks), time to first token, decode rate (chunks after
the first over the time from the first to the last) and end-to-end rate (chunks over the whole
request), medians over ``--runs`` runs, and the proxy/direct ratios.

    .venv/bin/python bench/local_route.py                       # the SmolLM2 model, CPU
    python3 bench/local_route.py --model m.gguf --n-gpu-layers -1 --label gpu-8b
    python3 bench/local_route.py --server http://127.0.0.1:8081/v1 --label llama-server-8b
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import hashlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import aiohttp
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from overhead import Service, free_port  # noqa: E402

from proxy.config import LocalBackendConfig  # noqa: E402

KEY = "sk-bench-local"
PROMPT = (
    "My name is Anna Schmidt and my e-mail is anna.schmidt@example.com. Write a long story about "
    "a lighthouse keeper on a stormy northern island, with many details about the sea."
)


def gpu_name() -> str | None:
    try:
        out = subprocess.run(
            ["nvidia-smi", "--query-gpu=name", "--format=csv,noheader"],
            capture_output=True, text=True, timeout=20, check=True,
        )
        return out.stdout.strip().splitlines()[0]
    except (OSError, subprocess.SubprocessError, IndexError):
        return None


def rates(t0: float, stamps: list[float]) -> dict[str, float]:
    n = len(stamps)
    decode = (n - 1) / (stamps[-1] - stamps[0]) if n > 1 and stamps[-1] > stamps[0] else 0.0
    return {
        "tokens": n,
        "ttft_ms": (stamps[0] - t0) * 1000 if n else float("nan"),
        "decode_tok_s": decode,
        "e2e_tok_s": n / (stamps[-1] - t0) if n else 0.0,
    }


def prompt(run: int) -> str:
    """A new text for every run, so the proxy's detection cache never answers for it."""
    return f"{PROMPT} This is story number {run}."


def run_direct(llm: Any, args: argparse.Namespace, run: int) -> dict[str, float]:
    t0 = time.perf_counter()
    stamps: list[float] = []
    for chunk in llm.create_chat_completion(
        messages=[{"role": "user", "content": prompt(run)}], max_tokens=args.max_tokens,
        temperature=0, seed=7, stream=True,
    ):
        if chunk["choices"] and chunk["choices"][0]["delta"].get("content"):
            stamps.append(time.perf_counter())
    return rates(t0, stamps)


async def run_http(session: aiohttp.ClientSession, url: str, key: str | None,
                   args: argparse.Namespace, run: int) -> tuple[dict[str, float], dict[str, str]]:
    """One streamed chat completion over HTTP: (rates, the proxy's response headers)."""
    body = {"model": "local", "messages": [{"role": "user", "content": prompt(run)}],
            "max_tokens": args.max_tokens, "temperature": 0, "seed": 7, "stream": True}
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    t0 = time.perf_counter()
    stamps: list[float] = []
    async with session.post(url, json=body, headers=headers) as r:
        if r.status != 200:
            raise RuntimeError(f"{url} answered {r.status}: {(await r.text())[:300]}")
        seen = {k: v for k, v in r.headers.items() if k.lower().startswith("x-privacy-proxy")}
        async for line in r.content:
            if not line.startswith(b"data: ") or line.strip() == b"data: [DONE]":
                continue
            chunk = json.loads(line[6:])
            if chunk.get("choices") and chunk["choices"][0]["delta"].get("content"):
                stamps.append(time.perf_counter())
    return rates(t0, stamps), seen


def proxy_config(tmp: Path, port: int, args: argparse.Namespace) -> Path:
    cfg: dict[str, Any] = {
        "server": {"host": "127.0.0.1", "port": port, "workers": 1,
                   "data_dir": str(tmp / "data"), "log_level": "WARNING"},
        "tenants": [{"id": "bench", "region": "EU",
                     "api_key_sha256": [hashlib.sha256(KEY.encode()).hexdigest()]}],
        "local": (
            {"kind": "openai_compatible", "base_url": args.server, "model_name": "local"}
            if args.server
            else {"kind": "llama_cpp", "model_path": str(args.model),
                  "n_gpu_layers": args.n_gpu_layers, "n_ctx": args.n_ctx}
        ),
    }
    cfg["detection"] = {"workers": args.detection_workers}
    if args.languages:
        cfg["detection"]["languages"] = args.languages.split(",")
    path = tmp / "config.yaml"
    path.write_text(yaml.safe_dump(cfg, sort_keys=False))
    return path


def med(rows: list[dict[str, float]], key: str) -> float:
    return statistics.median(r[key] for r in rows)


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    llm: Any = None
    load_s = None
    if not args.server:
        from proxy.route.llama import LlamaCppBackend

        cfg = LocalBackendConfig(kind="llama_cpp", model_path=args.model,
                                 n_gpu_layers=args.n_gpu_layers, n_ctx=args.n_ctx)
        t = time.perf_counter()
        llm = LlamaCppBackend(cfg)._load(False)  # the proxy's own loader: the same settings
        load_s = round(time.perf_counter() - t, 2)
    with tempfile.TemporaryDirectory(prefix="pp-local-") as tmp_s:
        tmp = Path(tmp_s)
        port = free_port()
        env = {"PRIVACY_PROXY_EXTERNAL__API_KEY": "", "OPENAI_API_KEY": ""}
        svc = Service("proxy", [sys.executable, "-m", "proxy", "serve", "--config",
                                str(proxy_config(tmp, port, args))],
                      f"http://127.0.0.1:{port}/readyz", tmp, env)
        svc.start()
        try:
            timeout = aiohttp.ClientTimeout(total=args.request_timeout_s)
            async with aiohttp.ClientSession(timeout=timeout) as session:
                await svc.wait_ready(session, args.ready_timeout_s)
                url = f"http://127.0.0.1:{port}/v1/chat/completions"

                async def direct(run: int) -> dict[str, float]:
                    if llm is not None:
                        return run_direct(llm, args, run)
                    return (await run_http(session, f"{args.server}/chat/completions", None,
                                           args, run))[0]

                await direct(0)  # warm-up, both sides
                _, headers = await run_http(session, url, KEY, args, 0)
                if headers.get("x-privacy-proxy-route") != "local":
                    raise RuntimeError(f"the proxy did not take the local route: {headers}")
                direct_rows, proxy_rows = [], []
                for run in range(1, args.runs + 1):
                    direct_rows.append(await direct(run))
                    proxy_rows.append((await run_http(session, url, KEY, args, run))[0])
        finally:
            svc.stop()
            log = tmp / "proxy.log"
            if args.keep_log and log.exists():
                shutil.copyfile(log, args.keep_log)
    llm = None  # frees the model before the summary
    gc.collect()
    keys = ("tokens", "ttft_ms", "decode_tok_s", "e2e_tok_s")
    summary = {
        side: {k: round(med(rows, k), 2) for k in keys}
        for side, rows in (("direct", direct_rows), ("proxy", proxy_rows))
    }
    d, p = summary["direct"], summary["proxy"]
    ratios = {
        "decode_proxy_over_direct": round(p["decode_tok_s"] / d["decode_tok_s"], 3),
        "e2e_proxy_over_direct": round(p["e2e_tok_s"] / d["e2e_tok_s"], 3),
        "added_ttft_ms": round(p["ttft_ms"] - d["ttft_ms"], 1),
    }
    try:  # the installed version, without loading the library into this process
        llama_version: str | None = metadata.version("llama_cpp_python")
    except metadata.PackageNotFoundError:
        llama_version = None
    return {
        "label": args.label,
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "device": gpu_name() if (args.n_gpu_layers or args.server) else None,
        "cpu_count": os.cpu_count(),
        "machine": platform.machine(),
        "python": platform.python_version(),
        "llama_cpp_python": llama_version,
        "model": args.server or Path(args.model).name,
        "n_gpu_layers": None if args.server else args.n_gpu_layers,
        "max_tokens": args.max_tokens,
        "runs": args.runs,
        "load_s": load_s,
        "summary": summary,
        "ratios": ratios,
        "direct_runs": direct_rows,
        "proxy_runs": proxy_rows,
    }


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", type=Path,
                    default=ROOT / "models" / "SmolLM2-135M-Instruct.Q4_1.gguf")
    ap.add_argument("--n-gpu-layers", type=int, default=0, help="-1: every layer on the GPU")
    ap.add_argument("--n-ctx", type=int, default=2048)
    ap.add_argument("--max-tokens", type=int, default=128)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--languages", default="",
                    help="detection.languages for the proxy, comma-separated (default: its own)")
    ap.add_argument("--detection-workers", type=int, default=1,
                    help="the proxy's detection.workers (one client needs one)")
    ap.add_argument("--label", default="cpu")
    ap.add_argument("--server", help="an OpenAI-compatible model server's base URL (…/v1)")
    ap.add_argument("--out", type=Path,
                    help="JSON file (default: bench/results/local_route-LABEL.json)")
    ap.add_argument("--keep-log", help="copy the proxy's log here")
    ap.add_argument("--ready-timeout-s", type=float, default=300)
    ap.add_argument("--request-timeout-s", type=float, default=600)
    return ap.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    result = asyncio.run(main_async(args))
    out = args.out or ROOT / "bench" / "results" / f"local_route-{args.label}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    s, r = result["summary"], result["ratios"]
    where = result["device"] or ("a model server" if args.server else "CPU")
    print(f"{result['label']}: {result['model']} on {where}, "
          f"{s['direct']['tokens']:.0f} tokens, median of {result['runs']}")
    for side in ("direct", "proxy"):
        row = s[side]
        print(f"  {side:6s} ttft {row['ttft_ms']:8.1f} ms  decode {row['decode_tok_s']:8.1f}"
              f" tok/s  end-to-end {row['e2e_tok_s']:8.1f} tok/s")
    print(f"  proxy/direct: decode {r['decode_proxy_over_direct']}, end-to-end "
          f"{r['e2e_proxy_over_direct']}, added ttft {r['added_ttft_ms']} ms")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
