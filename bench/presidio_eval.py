"""Presidio's own evaluation sentences (``presidio-evaluator`` 0.3.2, ``PresidioSentenceFaker``,
English) as a public yardstick: our detector and vanilla Presidio on the same sentences.

presidio-evaluator pins packages the project does not use (pandas, scikit-learn, transformers,
numpy 2.4...), so it lives in a venv of its own, ``bench/.venvs/presidio-evaluator``, created on
first use (like ``overhead.py``'s LiteLLM venv). Only the sentence generation runs there: it
writes the sentences and their gold spans as JSON, which this process reads; both detectors run
here, with the project's own presidio-analyzer and spaCy pipeline.

Per gold entity type, three readings of recall:

- ``protected``: the value does not reach the provider in clear (after every detected span is
  replaced, the value's text no longer appears): what the held-out evaluation counted;
- ``covered``: every character of the value lies inside a detected span (of any type);
- ``typed``: a detected span of the matching type overlaps the value (GPE: LOCATION; ORGANIZATION,
  NRP, DATE_TIME, TITLE, AGE...: Presidio's own names).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
VENV = BENCH / ".venvs" / "presidio-evaluator"
SPEC = "presidio-evaluator==0.3.2"
# Gold types that are personal data on their own (the identifier types); the others
# (organizations, nationalities, dates, titles, ages, domain names) are reported too.
PERSONAL_TYPES = {
    "PERSON", "PHONE_NUMBER", "STREET_ADDRESS", "GPE", "US_SSN", "EMAIL_ADDRESS", "IBAN_CODE",
    "CREDIT_CARD", "IP_ADDRESS", "US_DRIVER_LICENSE", "ZIP_CODE",
}  # fmt: skip
# Which detected types count as the gold type, for the typed reading.
TYPED = {
    "GPE": {"LOCATION"},
    "STREET_ADDRESS": {"STREET_ADDRESS"},
    "ZIP_CODE": {"STREET_ADDRESS", "ZIP_CODE"},
    "DATE_TIME": {"DATE_TIME", "DATE_OF_BIRTH"},
    "US_SSN": {"US_SSN", "NATIONAL_ID"},
}

_GENERATE = """
import json, sys
from presidio_evaluator.data_generator import PresidioSentenceFaker
faker = PresidioSentenceFaker("en_US", lower_case_ratio=0.05, random_seed=int(sys.argv[1]))
out = [
    {"text": s.full_text,
     "spans": [[x.start_position, x.end_position, x.entity_type] for x in s.spans]}
    for s in faker.generate_new_fake_sentences(int(sys.argv[2]))
]
json.dump(out, open(sys.argv[3], "w"))
"""


def ensure_venv(venv: Path = VENV, spec: str = SPEC) -> Path:
    """The venv's python, created and filled on first use."""
    python = venv / "bin" / "python"
    if python.exists():
        return python
    print(f"creating {venv} and installing {spec} (once)...", file=sys.stderr)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "-q", spec], check=True)
    return python


def sentences(seed: int, n: int) -> list[dict[str, Any]]:
    """``n`` sentences of PresidioSentenceFaker with ``seed``: ``{"text", "spans"}``."""
    python = ensure_venv()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "sentences.json"
        subprocess.run(
            [str(python), "-c", _GENERATE, str(seed), str(n), str(out)],
            check=True,
            capture_output=True,
        )
        data: list[dict[str, Any]] = json.loads(out.read_text())
    return data


def _anonymized(text: str, spans: list[tuple[int, int, str]]) -> str:
    out, last = [], 0
    for s, e, _ in sorted(spans):
        s = max(s, last)
        if e <= s:
            continue
        out += [text[last:s], "<X>"]
        last = e
    return "".join(out + [text[last:]])


def score(data: list[dict[str, Any]], preds: list[list[tuple[int, int, str]]]) -> dict[str, Any]:
    """Per gold type: count and the three recalls."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for d, pred in zip(data, preds, strict=True):
        text = d["text"]
        anon = _anonymized(text, pred)
        for s, e, t in d["spans"]:
            value = text[s:e]
            c = counts[t]
            c[0] += 1
            c[1] += value not in anon
            c[2] += sum(min(e, b) - max(s, a) for a, b, _ in pred if a < e and s < b) >= e - s
            c[3] += any(
                a < e and s < b and pt in TYPED.get(t, {t}) for a, b, pt in pred
            )
    return {
        t: {
            "n": n,
            "protected": p / n,
            "covered": cov / n,
            "typed": typ / n,
            "personal_data": t in PERSONAL_TYPES,
        }
        for t, (n, p, cov, typ) in sorted(counts.items())
    }
