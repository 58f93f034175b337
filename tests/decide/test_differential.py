"""OPA's Go engine and regopy decide every generated input identically (the generator:
tests/decide/differential.py; a bigger run: bench/policy.py --differential N)."""

from __future__ import annotations

import json
import subprocess
import sys

from proxy.config import ROOT

N = 10_000


def test_engines_agree_on_generated_inputs() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "tests.decide.differential", "--n", str(N), "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode in (0, 1), f"died ({run.returncode}): {run.stderr[-2000:]}"
    result = json.loads(run.stdout.splitlines()[-1])
    assert result["inputs"] >= N
    assert result["disagreements"] == 0, json.dumps(result["examples"], default=repr)[:4000]
    # The inputs reach every branch and every reason of the policy.
    assert set(result["routes"]) == {
        "deny/none",
        "local/none",
        "external/none",
        "external/pseudonymize",
        "external/redact",
    }
    reasons = json.loads((ROOT / "policies" / "data.json").read_text())["privacy"]["reasons"]
    assert set(reasons) <= set(result["reasons"]), set(reasons) - set(result["reasons"])
    assert {"transfer_scc", "transfer_adequacy"} <= set(result["reasons"])
