"""Placeholder tails: how faithfully a model copies them, by length and alphabet, and what each
length buys against collisions.

A longer tail makes it less likely that two people of one tenant share a placeholder (the
provider would see them as one), and harder for a model to copy exactly. For each variant (the
proxy's base32 tails at several lengths, and hex tails for comparison) this runs generated cases
through the proxy's own code: placeholders from ``proxy.transform.vault.Vault``, the request
shaped by the local route (``LlamaCppBackend``: ``local.default_max_tokens`` and
``local.sampling``), the answer restored by ``proxy.restore.restorer.Restorer`` (so the loose
matching the proxy applies counts: a placeholder without its angle brackets, in another case, or
with its tag's underscores written as spaces is still restored).

Cases: new names, e-mail addresses and phone numbers (faker, seeded) in up to four tasks (by
default the two where a model should copy placeholders: repeat a sentence, answer with one value;
also: write a reply, fill a JSON object). For each placeholder in a prompt, the answer either
restored it (the original value is in the restored answer; the model never saw it), mangled it
(not restored, but its tag or the start of its tail is there: the user sees a broken
placeholder), or omitted it. Fidelity = restored / (restored + mangled).

The fake: the recording fake's echo of each prompt, streamed in chunks of 1 to 7 characters
through ``ChunkRestorer``, must restore every placeholder at every length (the stream hold-back
grows with the tail).

    .venv/bin/python bench/placeholders.py            # writes bench/results/placeholders.json
    .venv/bin/python bench/placeholders.py --n 3      # a first look
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import math
import random
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from proxy.config import LocalBackendConfig  # noqa: E402
from proxy.restore.responses import ChunkRestorer  # noqa: E402
from proxy.restore.restorer import Restorer  # noqa: E402
from proxy.route.llama import LlamaCppBackend  # noqa: E402
from proxy.transform import vault as vault_mod  # noqa: E402
from proxy.transform.vault import Vault  # noqa: E402

KEY = b"bench-placeholder-key-0123456789"
TOPICS = ["a delayed order", "a refund", "a meeting next week", "a new password",
          "an invoice", "a broken laptop", "a change of address", "a job interview"]
TASKS = {
    "repeat": "Repeat this sentence exactly: Please send the invoice to {P} at {E} today.",
    "reply": "Write a short, friendly reply to {P} ({E}) about {topic}.",
    "json": 'Return only a JSON object with the keys "name", "email" and "phone" for this '
            "contact: {P}, {E}, {T}.",
    "answer": "Read the note and answer with the e-mail address only. Note: {P} called from {T} "
              "about {topic}; write back to {E}.",
}


class HexVault(Vault):
    """The same HMAC written in hex (4 bits a character), as tails were before base32."""

    def placeholder(self, entity_type: str, value: str) -> str:
        mac = hmac.new(KEY, f"t\x00{entity_type}\x00{value}".encode(), hashlib.sha256)
        ph = f"<{entity_type}_{mac.hexdigest()[: self._tail_len]}>"
        self.originals[ph] = value
        return ph


def variants(hex_lengths: list[int], b32: list[int]) -> list[tuple[str, int, int, type[Vault]]]:
    """(label, characters, bits, vault class) per variant; base32 is the proxy's own Vault."""
    return ([(f"hex{n}", n, 4 * n, HexVault) for n in hex_lengths]
            + [(f"base32-{n}", n, 5 * n, Vault) for n in b32])


def cases(n: int, seed: int, tasks: list[str]) -> list[tuple[str, dict[str, str], str]]:
    """(task, {tag: value}, template) for n generated contacts per task."""
    from faker import Faker

    fake = Faker(["en_US", "en_GB", "de_DE", "fr_FR", "nl_NL", "it_IT"])
    fake.seed_instance(seed)
    rng = random.Random(seed)
    out = []
    for task in tasks:
        template = TASKS[task]
        for _ in range(n):
            values = {"PERSON": fake.name(), "EMAIL_ADDRESS": fake.email(),
                      "PHONE_NUMBER": fake.phone_number()}
            out.append((task, values, template.replace("{topic}", rng.choice(TOPICS))))
    return out


def classify(answer: str, restored: str, issued: dict[str, str]) -> dict[str, int]:
    counts = {"restored": 0, "mangled": 0, "omitted": 0}
    for ph, value in issued.items():
        core = ph[1:-1]
        tag, tail = core.rsplit("_", 1)
        if value in restored:
            counts["restored"] += 1
        elif re.search(re.escape(tag) + "_", answer, re.I) or tail[:4].lower() in answer.lower():
            counts["mangled"] += 1
        else:
            counts["omitted"] += 1
    return counts


def birthday(n: int, bits: int) -> float:
    """Probability that two of n distinct values share a tail of ``bits`` bits."""
    return -math.expm1(-n * (n - 1) / 2 ** (bits + 1))


def fake_echo(prompt: str, restorer: Restorer, original: str, rng: random.Random) -> bool:
    """The fake's echo streamed in random small chunks through the proxy's chunk restorer."""
    text = "ECHO: " + prompt
    cr, out, i = ChunkRestorer(restorer), [], 0
    while i < len(text):
        j = i + rng.randint(1, 7)
        chunk = cr.process({"choices": [{"index": 0, "delta": {"content": text[i:j]}}]})
        out.append(chunk["choices"][0]["delta"]["content"])
        i = j
    last = cr.process({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    out.append(last["choices"][0]["delta"].get("content", ""))
    return "".join(out) == "ECHO: " + original


async def run(args: argparse.Namespace) -> dict[str, Any]:
    backend = LlamaCppBackend(LocalBackendConfig(model_path=args.model, n_ctx=2048))
    await backend.start()
    rng = random.Random(args.seed)
    results: dict[str, Any] = {}
    try:
        for label, chars, bits, cls in variants(args.hex, args.base32):
            totals = {"restored": 0, "mangled": 0, "omitted": 0, "fake_ok": 0, "cases": 0,
                      "tokens": 0, "placeholders": 0}
            by_task: dict[str, dict[str, int]] = {}
            for k, (task, values, template) in enumerate(cases(args.n, args.seed, args.tasks)):
                vault = cls(KEY, "bench", tail_len=chars)
                phs = {tag: vault.placeholder(tag, v) for tag, v in values.items()}
                fill = {"P": "PERSON", "E": "EMAIL_ADDRESS", "T": "PHONE_NUMBER"}
                prompt = template.format(**{s: phs[t] for s, t in fill.items()})
                original = template.format(**{s: values[t] for s, t in fill.items()})
                used = {ph: v for ph, v in vault.originals.items() if ph in prompt}
                restorer = Restorer(vault)
                body = {"model": "local", "seed": args.seed + k,
                        "messages": [{"role": "user", "content": prompt}]}
                if args.max_tokens:
                    body["max_tokens"] = args.max_tokens
                up = await backend.call("chat.completions", body)
                answer = (up.body or {})["choices"][0]["message"]["content"] or ""
                counts = classify(answer, restorer.restore(answer), used)
                for key, v in counts.items():
                    totals[key] += v
                    by_task.setdefault(task, {}).setdefault(key, 0)
                    by_task[task][key] += v
                totals["fake_ok"] += fake_echo(prompt, restorer, original, rng)
                totals["cases"] += 1
                for ph in used:
                    totals["tokens"] += len(backend._llm.tokenize(ph.encode(), add_bos=False))
                    totals["placeholders"] += 1
            seen = totals["restored"] + totals["mangled"]
            results[label] = {
                "tail_chars": chars, "tail_bits": bits,
                "fidelity": round(totals["restored"] / seen, 3) if seen else None,
                **{k: totals[k] for k in ("restored", "mangled", "omitted", "cases")},
                "fake_restored_share": round(totals["fake_ok"] / totals["cases"], 3),
                "tokens_per_placeholder": round(totals["tokens"] / totals["placeholders"], 1),
                "collision_p_1e6_values": birthday(10**6, bits),
                "collision_p_1e7_values": birthday(10**7, bits),
                "by_task": by_task,
            }
            r = results[label]
            print(f"{label:>10}  bits {bits:3d}  fidelity {r['fidelity']}  restored "
                  f"{r['restored']:3d} mangled {r['mangled']:3d} omitted {r['omitted']:3d}  fake "
                  f"{r['fake_restored_share']:.0%}  tokens {r['tokens_per_placeholder']}  "
                  f"P(collision | 1e6) {r['collision_p_1e6_values']:.1e}", flush=True)
    finally:
        await backend.close()
    return results


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=25, help="generated contacts per task and variant")
    ap.add_argument("--hex", type=lambda s: [int(x) for x in s.split(",") if x],
                    default=[6, 10, 16], help="hex tail lengths (for comparison)")
    ap.add_argument("--base32", type=lambda s: [int(x) for x in s.split(",") if x],
                    default=[8, 10, 13, 16], help="base32 tail lengths (the proxy's alphabet)")
    ap.add_argument("--max-tokens", type=int, default=50,
                    help="answer limit (0: the local route's default_max_tokens)")
    ap.add_argument("--tasks", type=lambda s: s.split(","), default=["repeat", "answer"],
                    help="comma-separated, from " + ", ".join(TASKS))
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--model", default=str(ROOT / "models" / "SmolLM2-135M-Instruct.Q4_1.gguf"))
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "placeholders.json"))
    args = ap.parse_args()
    results = asyncio.run(run(args))
    doc = {"model": Path(args.model).name, "n_per_task": args.n, "tasks": args.tasks,
           "max_tokens": args.max_tokens, "seed": args.seed,
           "production_tail_len": vault_mod.TAIL_LEN, "variants": results}
    Path(args.out).write_text(json.dumps(doc, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
