"""Differential test of the two in-process Rego engines: OPA's Go engine and rego-cpp (regopy).

Generates policy inputs (tenants, regions in every letter case and odd ones, entity sets, providers,
endpoints, purposes, malformed documents) and evaluates each on both engines, over the repository's
policy data and over a variant with more providers and tenant data (adequacy, the DPF, BCRs, mixed,
empty and unrecognised regions, malformed tenant facts). Two answers agree when the raw decision
documents are equal, or when both engines refuse the input with the same error code.

Run: ``python -m tests.decide.differential --n 10000 [--seed S] [--json]`` (a child process in
the test suite: regopy can abort its process).
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import json
import random
import shutil
import string
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from proxy.config import ROOT, PolicyConfig
from proxy.decide.opa_go import OpaGoEngine
from proxy.decide.regopy_engine import RegopyEngine
from proxy.decide.types import PolicyError

ORDINARY = ["PERSON", "EMAIL_ADDRESS", "PHONE_NUMBER", "IBAN_CODE", "US_SSN", "CUSTOM_TERM"]
SPECIAL = [
    "BIOMETRIC_DATA",
    "ETHNIC_ORIGIN",
    "GENETIC_DATA",
    "HEALTH_DATA",
    "POLITICAL_OPINION",
    "RELIGIOUS_BELIEF",
    "SEXUAL_ORIENTATION",
    "TRADE_UNION_MEMBERSHIP",
]
TYPES = ORDINARY + SPECIAL + ["CRIMINAL_OFFENCE", "SOMETHING_NEW"]
CODES = ["DE", "FR", "NO", "IE", "US", "GB", "CH", "JP", "CN", "IN", "BR", "EU", "EEA", "CA"]
ODD_REGIONS: list[Any] = [
    "",
    " ",
    "eu-west-1",
    "UK",
    "Europe",
    "XX",
    "DEU",
    "Ｄe",
    "d\u0435",
    "EU ",
    None,
    49,
    ["DE"],
]
PROVIDERS = ["openai", "azure-openai-eu", "mistral", "deepseek", "unlisted", ""]
MORE_PROVIDERS: dict[str, Any] = {
    "uk-ai": {"name": "UK AI", "regions": ["GB"], "transfer_mechanism": "adequacy"},
    "cn-ai": {"name": "CN AI", "regions": ["cn"], "transfer_mechanism": "adequacy"},
    "us-dpf": {"name": "US", "regions": ["US"], "transfer_mechanism": "dpf", "dpf_certified": True},
    "us-dpf-no": {"name": "US2", "regions": ["US"], "transfer_mechanism": "dpf"},
    "us-adequacy": {
        "name": "US3",
        "regions": ["US", "JP"],
        "transfer_mechanism": "adequacy",
        "dpf_certified": True,
    },
    "in-bcr": {"name": "IN AI", "regions": ["IN"], "transfer_mechanism": "bcr"},
    "mixed-scc": {"name": "Mixed", "regions": ["FR", "us"], "transfer_mechanism": "scc"},
    "mixed-none": {"name": "Mixed2", "regions": ["FR", "CH"], "transfer_mechanism": "none"},
    "no-regions": {"name": "Nowhere", "regions": [], "transfer_mechanism": "scc"},
    "no-region-key": {"name": "Nowhere2", "transfer_mechanism": "scc"},
    "cloud-region": {"name": "Cloud", "regions": ["us-east-1"], "transfer_mechanism": "scc"},
    "regions-string": {"name": "Odd", "regions": "US", "transfer_mechanism": "scc"},
    "regions-numbers": {"name": "Odd2", "regions": [1], "transfer_mechanism": "scc"},
    "mechanism-number": {"name": "Odd3", "regions": ["US"], "transfer_mechanism": 5},
    "dpf-string": {
        "name": "Odd4",
        "regions": ["US"],
        "transfer_mechanism": "dpf",
        "dpf_certified": "yes",
    },
}
MORE_TENANTS: dict[str, Any] = {
    "t-strict-string": {"strict": "no"},
    "t-pdl": {"personal_data_local": True},
    "t-purposes-string": {"purposes": "research"},
    "t-purposes-mixed": {"purposes": [1, "Research", "support"]},
    "t-no-providers": {"allowed_providers": []},
    "t-redact": {"external_transform": "redact"},
    "t-rot13": {"external_transform": "rot13"},
}
TENANT_IDS = [
    "acme",
    "example-clinic",
    "example-research",
    *MORE_TENANTS,
]
PURPOSES: list[Any] = ["general", "support", "Support", "research", "marketing", "billing", ""]
MODELS: list[Any] = ["gpt-4o", "gpt-4o-mini", "smollm2-135m-instruct", "text-embedding-3-small"]
ENDPOINTS: list[Any] = ["chat.completions", "completions", "embeddings", "responses"]


def variants(root: Path) -> dict[str, Path]:
    """Policy directories: the repository's, and one whose data holds more providers and
    tenant facts (some of them malformed)."""
    out = {"repository data": ROOT / "policies"}
    more = root / "more"
    shutil.copytree(ROOT / "policies", more)
    data = json.loads((more / "data.json").read_text())
    data["privacy"]["providers"].update(MORE_PROVIDERS)
    data["privacy"]["tenants"].update(MORE_TENANTS)
    (more / "data.json").write_text(json.dumps(data))
    out["more providers and tenants"] = more
    return out


def _case(rng: random.Random, code: str) -> str:
    return rng.choice([code, code.lower(), code.title(), f" {code.lower()} ", code])


def _region(rng: random.Random) -> Any:
    return rng.choice(ODD_REGIONS) if rng.random() < 0.15 else _case(rng, rng.choice(CODES))


def _bool(rng: random.Random, p_true: float = 0.5) -> Any:
    if rng.random() < 0.005:
        return rng.choice(["yes", 1, None, "false"])
    return rng.random() < p_true


def _entities(rng: random.Random) -> Any:
    if rng.random() < 0.01:
        return rng.choice([["PERSON"], None, "PERSON", 3])
    k = rng.choice([0, 0, 0, 1, 1, 2, 3])
    types = rng.sample(TYPES[: len(ORDINARY)], min(k, len(ORDINARY)))
    if rng.random() < 0.2:
        types.append(rng.choice(SPECIAL))
    if rng.random() < 0.1:
        types.append("CRIMINAL_OFFENCE")
    if rng.random() < 0.05:
        types.append("SOMETHING_NEW")
    return {t: {"count": rng.randint(1, 9), "max_score": round(rng.random(), 4)} for t in types}


def _purposes(rng: random.Random, requested: Any) -> Any:
    roll = rng.random()
    if roll < 0.02:
        return rng.choice([None, "support", [1], {"a": 1}])
    listed = rng.sample(PURPOSES[:6], rng.randint(0, 3))
    if roll < 0.75 and isinstance(requested, str):  # mostly, the request names a listed one
        listed.append(rng.choice([requested, requested.upper(), requested.lower()]))
    return listed


def document(rng: random.Random, providers: list[str]) -> Any:
    """One policy input, well-formed most of the time."""
    entities = _entities(rng)
    purpose = rng.choice(PURPOSES) if rng.random() < 0.99 else rng.choice([None, 3])
    doc: dict[str, Any] = {
        "tenant": {
            "id": rng.choice(TENANT_IDS) if rng.random() < 0.95 else rng.choice(["", "x-y", 5]),
            "region": _region(rng),
            "allow_external": _bool(rng, 0.85),
            "strict": _bool(rng, 0.05),
            "personal_data_local": _bool(rng, 0.05),
            "allowed_models": None
            if rng.random() < 0.85
            else rng.choice([[], MODELS[:2], MODELS[1:]]),
            "purpose": rng.choice(PURPOSES[:6]),
            "purposes": _purposes(rng, purpose),
        },
        "request": {
            "endpoint": rng.choice(ENDPOINTS) if rng.random() < 0.99 else rng.choice(["x", None]),
            "model": rng.choice(MODELS) if rng.random() < 0.99 else 5,
            "stream": _bool(rng),
            "purpose": purpose,
        },
        "detection": {
            "entities": entities,
            "has_personal_data": bool(entities),
            "special_categories": sorted(set(SPECIAL) & set(entities))
            if isinstance(entities, dict)
            else [],
        },
        "destinations": {
            "local": {
                "available": _bool(rng, 0.8),
                "model": "smollm2-135m-instruct",
                "region": _region(rng) if rng.random() < 0.2 else rng.choice(["EU", "de", "CH"]),
            },
            "external": {
                "available": _bool(rng, 0.85),
                "provider": _provider(rng, providers),
                "model": "gpt-4o",
            },
        },
    }
    roll = rng.random()
    if roll < 0.02:
        return rng.choice([[], "tenant", None, 3, {"tenant": None}])
    if roll < 0.05:  # a key missing
        part = rng.choice(list(doc))
        if rng.random() < 0.5:
            del doc[part]
        elif isinstance(doc[part], dict) and doc[part]:
            del doc[part][rng.choice(list(doc[part]))]
    elif roll < 0.07:  # an odd value somewhere
        part = rng.choice(["tenant", "request", "destinations"])
        field = rng.choice(list(doc[part]))
        doc[part][field] = rng.choice(
            [{"nested": [1, 2]}, [], "".join(rng.choices(string.printable, k=40)), 1e308, True]
        )
    elif roll < 0.08:  # an unknown key: ignored by both
        doc["extra"] = {"anything": rng.random()}
    return doc


def _provider(rng: random.Random, providers: list[str]) -> Any:
    roll = rng.random()
    if roll < 0.01:
        return 7
    return "openai" if roll < 0.4 else rng.choice(providers)


def _outcome(engine: Any, doc: Any) -> tuple[str, Any]:
    try:
        return "ok", engine.evaluate(doc)
    except PolicyError as e:
        return "error", e.code
    except Exception as e:  # an engine failing otherwise is a finding, not a crash of the run
        return "exception", type(e).__name__


async def run(n: int, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    started = time.perf_counter()
    disagreements: list[dict[str, Any]] = []
    reasons: Counter[str] = Counter()
    routes: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    with tempfile.TemporaryDirectory() as tmp:
        dirs = variants(Path(tmp))
        per_variant = n // len(dirs) + 1
        total = 0
        for name, path in dirs.items():
            config = PolicyConfig(path=path, cache_size=0, reload=False)
            go, cpp = OpaGoEngine(config), RegopyEngine(config)
            await go.start()
            await cpp.start()
            providers = PROVIDERS + (list(MORE_PROVIDERS) if "more" in name else [])
            for _ in range(per_variant):
                doc = document(rng, providers)
                a, b = _outcome(go, copy.deepcopy(doc)), _outcome(cpp, copy.deepcopy(doc))
                total += 1
                if a != b:
                    disagreements.append({"data": name, "input": doc, "opa-go": a, "regopy": b})
                    continue
                if a[0] == "error":
                    errors[a[1]] += 1
                    continue
                routes[f"{a[1]['route']}/{a[1]['transform']}"] += 1
                reasons.update(r["code"] for r in a[1]["reasons"])
            await go.close()
            await cpp.close()
    return {
        "seed": seed,
        "inputs": total,
        "disagreements": len(disagreements),
        "examples": disagreements[:5],
        "routes": dict(routes),
        "reasons": dict(reasons),
        "errors": dict(errors),
        "seconds": round(time.perf_counter() - started, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(2**32)
    result = asyncio.run(run(args.n, seed))
    if args.json:
        print(json.dumps(result, default=repr))
    else:
        print(
            f"{result['inputs']} inputs, {result['disagreements']} disagreements "
            f"(seed {seed}, {result['seconds']} s)"
        )
        for ex in result["examples"]:
            print(json.dumps(ex, default=repr)[:2000])
    return 1 if result["disagreements"] else 0


if __name__ == "__main__":
    sys.exit(main())
