"""Each normalization case is detected, and replacing the span in the ORIGINAL text removes the
whole value (no fragment of it is left for the provider)."""

from __future__ import annotations

import base64
import urllib.parse
from typing import Any

import pytest

from proxy.detect.filters import merge
from proxy.detect.normalize import decoded_blobs, normalize
from tests.detect.conftest import TENANT, replaced

EMAIL = "jane.doe@example.com"

EVASIONS = [
    # (name, text, entity type, the piece of the value that must not survive)
    ("zero-width", "write to jane\u200b.doe@exa\u200cmple.com today", "EMAIL_ADDRESS", "doe@exa"),
    ("soft hyphen", "write to jane.d\u00adoe@example.com", "EMAIL_ADDRESS", "example.com"),
    (
        "full-width",
        "write to ｊａｎｅ．ｄｏｅ＠ｅｘａｍｐｌｅ．ｃｏｍ",
        "EMAIL_ADDRESS",
        "ｅｘａｍｐｌｅ",
    ),
    ("math letters", "write to 𝐣𝐚𝐧𝐞@example.com", "EMAIL_ADDRESS", "example.com"),
    ("cyrillic", "write to jаne.dое@exаmple.com", "EMAIL_ADDRESS", "mple.com"),
    ("url-encoded", "mailto:jane.doe%40example.com", "EMAIL_ADDRESS", "%40example"),
    ("obfuscated", "write to jane.doe [at] example [dot] com", "EMAIL_ADDRESS", "example"),
    (
        "invisible in iban",
        "IBAN DE89\u200b3704\u200b0044\u200b0532\u200b0130\u200b00",
        "IBAN_CODE",
        "0532",
    ),
    ("nbsp phone", "call +49\u00a030\u00a0901820", "PHONE_NUMBER", "901820"),
    (
        "base64",
        "payload " + base64.b64encode(f"contact {EMAIL} asap".encode()).decode() + " end",
        "EMAIL_ADDRESS",
        base64.b64encode(f"contact {EMAIL} asap".encode()).decode()[:12],
    ),
    ("hex", "blob " + f"mail {EMAIL}".encode().hex() + " end", "EMAIL_ADDRESS", "6d61696c"),
    (
        "json escapes",
        '{"customer": "J\\u00fcrgen M\\u00fcller", "mail": "j\\u00fcrgen@example.de"}',
        "PERSON",
        "M\\u00fcller",
    ),
    (
        "url-encoded text",
        "q=" + urllib.parse.quote("IBAN DE89 3704 0044 0532 0130 00"),
        "IBAN_CODE",
        "0532",
    ),
]


@pytest.mark.parametrize(
    ("name", "text", "entity", "piece"), EVASIONS, ids=[e[0] for e in EVASIONS]
)
async def test_evasion_detected_and_replaced(
    detector: Any, name: str, text: str, entity: str, piece: str
) -> None:
    [spans] = await detector.detect([text], TENANT)
    assert entity in {s.entity_type for s in spans}
    out = replaced(text, spans)
    assert piece not in out
    assert f"<{entity}>" in out


def test_normalize_maps_offsets_back() -> None:
    text = "a\u200bb ｃ %41 z"
    n = normalize(text)
    assert n.text == "ab c A z"
    assert n.to_original(0, 2) == (0, 3)
    assert n.to_original(3, 4) == (4, 5)
    assert n.to_original(5, 6) == (6, 9)


def test_plain_ascii_is_not_copied() -> None:
    n = normalize("plain ascii text")
    assert n.starts is None and n.to_original(2, 5) == (2, 5)


def test_hashes_are_not_text() -> None:
    sha = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
    assert decoded_blobs(f"sha256 {sha} and token dGhpcyBpcyBub3QgcGlp") != []
    assert all(b[2] != "" for b in decoded_blobs(sha)) and decoded_blobs(sha) == []


def test_merge_resolves_overlaps_into_one_span() -> None:
    spans = [
        (0, 10, "PERSON", 0.8),
        (5, 20, "EMAIL_ADDRESS", 1.0),
        (20, 25, "X", 0.5),
        (30, 31, "Y", 0.1),
    ]
    assert merge(spans) == [(0, 20, "EMAIL_ADDRESS", 1.0), (20, 25, "X", 0.5), (30, 31, "Y", 0.1)]
