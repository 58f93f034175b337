"""Exports: JSONL/CSV round-trip, the Art. 30 report (rendered by headless Chromium), subject
exports whose proofs verify offline, retention prune."""

from __future__ import annotations

import asyncio
import csv
import hashlib
import io
import json
import shutil
import sqlite3
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
from PIL import Image

from proxy.audit import open_store
from proxy.audit.export import (
    Art30,
    art30_report,
    iter_records,
    subject_bundle,
    subject_digests,
)
from proxy.audit.log import MerkleAuditLog
from proxy.audit.merkle import leaf_hash
from proxy.audit.records import canonical, from_row, rfc3339
from proxy.audit.signing import load_public_keys
from proxy.audit.store import PruneSpec
from proxy.audit.verify import verify_bundle, verify_store
from proxy.config import Settings
from tests.audit.helpers import T0, Clock, build_log, config_file, make_settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
async def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, Clock]:
    tmp = tmp_path_factory.mktemp("exports")
    s, clock = make_settings(tmp), Clock()
    log = await build_log(s, clock)
    await log.close()
    return s, clock


async def _lines(s: Settings, fmt: str, **kw: str | None) -> list[str]:
    args = {"tenant": None, "since": None, "until": None, **kw}
    async with open_store(s).reader() as r:
        return [line async for line in iter_records(r, fmt, **args)]


async def test_jsonl_lines_rehash_to_the_log(built: tuple[Settings, Clock]) -> None:
    s, _ = built
    lines = await _lines(s, "jsonl")
    assert len(lines) == 45
    for i, line in enumerate(lines):
        obj = json.loads(line)
        lh = obj.pop("leaf_hash")
        assert obj["index"] == i and leaf_hash(canonical(obj)).hex() == lh
    assert json.loads(lines[3])["record"]["entities"] == {"EMAIL_ADDRESS": 1}


async def test_csv_round_trips_to_the_same_leaves(built: tuple[Settings, Clock]) -> None:
    s, _ = built
    leaves = [json.loads(x) for x in await _lines(s, "jsonl")]
    rows = list(csv.DictReader(io.StringIO("".join(await _lines(s, "csv")))))
    assert len(rows) == 45
    for row, want in zip(rows, leaves, strict=True):
        leaf, lh = from_row(row)
        assert {**leaf, "leaf_hash": lh} == want
        assert leaf_hash(canonical(leaf)).hex() == lh


async def test_export_filters_by_tenant_and_time(built: tuple[Settings, Clock]) -> None:
    s, _ = built
    acme = [json.loads(x) for x in await _lines(s, "jsonl", tenant="acme")]
    assert len(acme) == 22 and {x["record"]["tenant"] for x in acme} == {"acme"}
    window = [
        json.loads(x)
        for x in await _lines(s, "jsonl", since=rfc3339(T0 + 30), until=rfc3339(T0 + 60))
    ]
    assert [x["index"] for x in window] == list(range(5, 15))


async def test_art30_report_counts(built: tuple[Settings, Clock]) -> None:
    s, _ = built
    async with open_store(s).reader() as r:
        rep = await art30_report(r, s.tenants[0], since=None, until=None)
    assert rep.tenant == "acme" and rep.purpose == "customer support"
    assert rep.requests == 22 and rep.with_personal_data == 3
    assert rep.categories == {"EMAIL_ADDRESS": 3}
    odd = range(1, 45, 2)
    assert rep.recipients[("openai", "US")] == sum(1 for i in odd if i % 3)
    assert rep.transfers == {"SCC": sum(1 for i in odd if i % 3)}
    rows = list(csv.reader(io.StringIO(rep.csv())))
    assert ["acme", "category", "EMAIL_ADDRESS", "", "3"] in rows
    assert ["acme", "recipient", "openai", "US", str(rep.recipients[("openai", "US")])] in rows


async def test_art30_html_renders_its_charts_in_headless_chromium(
    built: tuple[Settings, Clock], tmp_path: Path
) -> None:
    chromium = shutil.which("chromium")
    assert chromium, "Debian package chromium is required (make test installs it)"
    s, _ = built
    async with open_store(s).reader() as r:
        page = (await art30_report(r, s.tenants[0], since=None, until=None)).html()
    # Self-contained: nothing is fetched (the only URL is the SVG namespace).
    assert "<script src" not in page and "<link" not in page
    assert page.replace('xmlns="http://www.w3.org/2000/svg"', "").count("http") == 0
    html_file, png = tmp_path / "report.html", tmp_path / "report.png"
    html_file.write_text(page)
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
    ]
    dump = await asyncio.to_thread(
        subprocess.run,
        [chromium, *flags, "--dump-dom", html_file.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    dom = dump.stdout
    for chart in ("chart-daily", "chart-categories", "chart-recipients"):
        part = dom.split(f'id="{chart}"', 1)[1].split("</div>", 1)[0]
        assert "<svg" in part and 'class="bar"' in part, chart
    await asyncio.to_thread(
        subprocess.run,
        [chromium, *flags, "--window-size=1000,1400", f"--screenshot={png}", html_file.as_uri()],
        capture_output=True,
        timeout=120,
        check=True,
    )
    img = Image.open(png).convert("RGB")
    painted = {c: n for n, c in img.getcolors(maxcolors=1 << 22)}
    # Bars painted in the chart colours, well beyond the 12x12 legend swatches.
    assert painted.get((0x3B, 0x6E, 0xA5), 0) > 2000
    assert painted.get((0xC0, 0x50, 0x4D), 0) > 2000


async def test_subject_export_proofs_verify_offline(tmp_path: Path) -> None:
    s, clock = make_settings(tmp_path), Clock()
    log = await build_log(s, clock)
    try:
        digests = subject_digests(log.digest, emails=["ALICE@example.com"])
        await log.append({"kind": "admin.subject_export", "value_digests": digests})
        await log.checkpoint("export")
        keys = log.store.sequencer.keyring.public_keys()
        async with log.store.reader() as r:
            bundle = await subject_bundle(r, digests, keys, s.audit.origin)
    finally:
        await log.close()
    idx = [rec["leaf"]["index"] for rec in bundle["records"]]
    assert idx == [3, 17, 31, 45]
    assert "alice" not in json.dumps(bundle).lower()
    assert verify_bundle(bundle).ok
    assert verify_bundle(bundle, load_public_keys(s.signing_key_dir / "keys.json")).ok
    proof_file = tmp_path / "subject.json"
    proof_file.write_text(json.dumps(bundle))
    cfg = config_file(s, tmp_path)
    ok = _cli("audit", "verify", "--config", str(cfg), "--proof", str(proof_file))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    tampered = json.loads(json.dumps(bundle))
    tampered["records"][1]["leaf"]["record"]["route"] = "local"
    proof_file.write_text(json.dumps(tampered))
    bad = _cli("audit", "verify", "--config", str(cfg), "--proof", str(proof_file))
    assert bad.returncode == 1 and "modified" in bad.stdout
    assert verify_bundle(tampered).kinds == {"modified"}
    forged = json.loads(json.dumps(bundle))
    forged["checkpoint"]["body"] = forged["checkpoint"]["body"].replace('"size":46', '"size":47')
    assert verify_bundle(forged).kinds == {"forged_signature"}


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "proxy.audit.cli", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


async def _prune_and_verify(
    log: MerkleAuditLog, s: Settings, clock: Clock, spec: PruneSpec
) -> tuple[list[int], object]:
    (idx,) = await log.prune([spec])
    keys = log.store.sequencer.keyring.public_keys()
    async with log.store.reader() as r:
        rep = await verify_store(r, keys, origin=s.audit.origin, interval_s=60, now=clock.t)
    return [idx], rep


async def test_prune_keeps_hashes_verifies_and_records_itself(tmp_path: Path) -> None:
    s, clock = make_settings(tmp_path), Clock()
    log = await build_log(s, clock)
    try:
        [pi], rep = await _prune_and_verify(log, s, clock, PruneSpec("acme", rfc3339(T0 + 80)))
        assert rep.ok, rep.findings  # type: ignore[attr-defined]
        async with log.store.reader() as r:
            leaves = [x async for x in r.leaves()]
            found = await r.find([log.digest("alice@example.com")])
        pruned = [x.idx for x in leaves if x.data is None]
        assert pruned == [i for i in range(25) if i % 2]
        assert found == [31]
        prune_rec = json.loads(leaves[pi].data)["record"]  # type: ignore[arg-type]
        assert prune_rec == {
            "kind": "admin.prune",
            "tenant": "acme",
            "before": rfc3339(T0 + 80),
            "count": 12,
        }
    finally:
        await log.close()
    # Emptying a record outside a prune is named as a deletion.
    conn = sqlite3.connect(s.audit_sqlite_path)
    conn.execute("UPDATE leaves SET data = NULL WHERE idx = 30")
    conn.commit()
    conn.close()
    async with open_store(s).reader() as r:
        rep2 = await verify_store(
            r,
            load_public_keys(s.signing_key_dir / "keys.json"),
            origin=s.audit.origin,
            interval_s=60,
            now=None,
        )
    assert rep2.kinds == {"deleted"}


def test_cli_verify_export_report_and_keys(built: tuple[Settings, Clock], tmp_path: Path) -> None:
    s, _ = built
    cfg = config_file(s, tmp_path)
    v = _cli("audit", "verify", "--config", str(cfg), "--no-tail-check", "--json")
    assert v.returncode == 0 and json.loads(v.stdout)["ok"], v.stdout + v.stderr
    out = tmp_path / "acme.csv"
    e = _cli(
        "audit",
        "export",
        "--config",
        str(cfg),
        "--format",
        "csv",
        "--tenant",
        "acme",
        "--output",
        str(out),
    )
    assert e.returncode == 0, e.stderr
    assert len(list(csv.DictReader(out.read_text().splitlines()))) == 22
    rep = _cli("audit", "report", "--config", str(cfg), "--tenant", "beta", "--format", "csv")
    assert rep.returncode == 0 and "beta,purpose,marketing copy" in rep.stdout
    h = _cli("keys", "hash", "sk-test")
    assert h.stdout.strip() == hashlib.sha256(b"sk-test").hexdigest()


async def test_checkpoint_kept_elsewhere_reveals_a_log_cut_back_with_its_checkpoints(
    tmp_path: Path,
) -> None:
    s, clock = make_settings(tmp_path), Clock()
    await (await build_log(s, clock)).close()
    cfg = config_file(s, tmp_path)
    kept = tmp_path / "witness.json"
    out = await asyncio.to_thread(
        _cli, "audit", "checkpoint", "--config", str(cfg), "-o", str(kept)
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(json.loads(kept.read_text())["body"])["size"] == 45
    conn = sqlite3.connect(s.audit_sqlite_path)
    conn.execute("DELETE FROM leaves WHERE idx >= 40")
    conn.execute("DELETE FROM checkpoints WHERE size > 40")
    conn.execute("UPDATE head SET size = 40")
    conn.commit()
    conn.close()
    v = await asyncio.to_thread(
        _cli, "audit", "verify", "--config", str(cfg), "--no-tail-check", "--checkpoint", str(kept)
    )
    assert v.returncode == 1 and "truncated" in v.stdout, v.stdout + v.stderr


def test_long_periods_are_charted_per_week_and_per_month() -> None:
    rep = Art30("t", "p", "EU", 30, None, None)
    start = date(2026, 1, 1)
    for i in range(400):
        rep.daily[(start + timedelta(days=i)).isoformat()]["external"] += 1
    weeks = rep.buckets()
    assert len(weeks) == 58 and sum(c["external"] for c in weeks.values()) == 400
    assert "per week" in rep.html()
    rep.daily[date(2029, 1, 1).isoformat()]["local"] += 1
    months = rep.buckets()
    assert "2026-01" in months and months["2026-01"]["external"] == 31
    assert "2029-01" in months and "per month" in rep.html()


async def test_cli_writer_after_shutdown_keeps_the_log_stopped(tmp_path: Path) -> None:
    s, clock = make_settings(tmp_path), Clock()
    await (await build_log(s, clock)).close()  # the proxy shut down (a "stop" checkpoint)
    cfg = config_file(s, tmp_path)
    out = await asyncio.to_thread(_cli, "audit", "prune", "--config", str(cfg))
    assert out.returncode == 0, out.stderr
    keys = load_public_keys(s.signing_key_dir / "keys.json")
    async with open_store(s, sign=False).reader() as r:
        reasons = [json.loads(c.body)["reason"] for c in await r.checkpoints()]
        # An hour later, with no proxy running, nothing is missing.
        rep = await verify_store(
            r, keys, origin=s.audit.origin, interval_s=60, now=time.time() + 3600
        )
    assert "start" not in reasons[-2:] and reasons[-1] == "stop"
    assert rep.ok, rep.findings
