"""Normalization before detection, with every normalized character mapped back to the original.

Evasions undone: NFKC (full-width and mathematical letters), zero-width and other invisible
characters, confusable letters from other scripts inside otherwise Latin tokens, percent-encoding,
``[at]`` / ``(dot)`` spellings of e-mail addresses. Base64 and hex blobs that decode to text are
returned separately so the caller can scan them and flag the whole blob.
"""

from __future__ import annotations

import base64
import binascii
import re
import unicodedata
from dataclasses import dataclass

# Cyrillic and Greek letters that look like Latin ones (from Unicode's confusables.txt).
_CONFUSABLES = dict(
    zip(
        "аеорсхуіјѕԁһӏԛԝкмнтвАВЕКМНОРСТХУІЈЅԜαοριυνκτΑΒΕΖΗΙΚΜΝΟΡΤΥΧɡɑ",
        "aeopcxyijsdhlqwkmhtbABEKMHOPCTXYIJSWaopiuvktABEZHIKMNOPTYXga",
        strict=True,
    )
)
_OBFUSCATED = re.compile(r"\s*[\[\(\{]\s*(at|dot)\s*[\]\)\}]\s*", re.IGNORECASE)
_PERCENT = re.compile(r"(?:%[0-9A-Fa-f]{2})+")
_UNICODE_ESCAPE = re.compile(r"(?:\\u[0-9A-Fa-f]{4})+")
# "\n" written out (JSON or code pasted into a message): a line break between words.
_ESCAPED_SPACE = re.compile(r"(?<!\\)\\[nrt]")
_SPACES = {"n": "\n", "r": "\n", "t": "\t"}
_TOKEN = re.compile(r"\S+")
_B64 = re.compile(r"(?<![A-Za-z0-9+/=_-])[A-Za-z0-9+/_-]{16,}={0,2}(?![A-Za-z0-9+/=_-])")
_HEX = re.compile(r"(?<![0-9A-Fa-f])(?:[0-9A-Fa-f]{2}){8,}(?![0-9A-Fa-f])")


@dataclass(frozen=True, slots=True)
class Normalized:
    """``text`` and, for each of its characters, the original span ``[starts[i], ends[i])``."""

    text: str
    starts: list[int] | None
    ends: list[int] | None

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        if self.starts is None or self.ends is None:
            return start, end
        return self.starts[start], self.ends[end - 1]


def _invisible(ch: str) -> bool:
    return unicodedata.category(ch) == "Cf" or ch in "\u034f\u115f\u1160\u3164\uffa0"


def _needs_work(text: str) -> bool:
    if not text.isascii():
        return True
    return bool(
        ("%" in text and _PERCENT.search(text))
        or ("\\" in text and (_UNICODE_ESCAPE.search(text) or _ESCAPED_SPACE.search(text)))
        or (any(c in text for c in "[({") and _OBFUSCATED.search(text))
    )


def normalize(text: str) -> Normalized:
    if not _needs_work(text):
        return Normalized(text, None, None)
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []

    def emit(s: str, a: int, b: int) -> None:
        out.append(s)
        starts.extend([a] * len(s))
        ends.extend([b] * len(s))

    decoded = _percent_decoded(text)
    i = 0
    for m_start, m_end, repl in decoded:
        _emit_plain(text, i, m_start, emit)
        emit(repl, m_start, m_end)
        i = m_end
    _emit_plain(text, i, len(text), emit)
    norm = "".join(out)
    norm, starts, ends = _unobfuscate(norm, starts, ends)
    norm, starts, ends = _deconfuse(norm, starts, ends)
    if norm == text:
        return Normalized(text, None, None)
    return Normalized(norm, starts, ends)


def _percent_decoded(text: str) -> list[tuple[int, int, str]]:
    """Runs of percent-encoded bytes (URLs), \\u escapes (JSON in tool arguments) and escaped
    line breaks and tabs, decoded."""
    spaces = [(m.start(), m.end(), _SPACES[m.group()[1]]) for m in _ESCAPED_SPACE.finditer(text)]
    return sorted(spaces + _escapes_decoded(text))


def _escapes_decoded(text: str) -> list[tuple[int, int, str]]:
    found: list[tuple[int, int, str]] = []
    if "\\u" in text:
        for m in _UNICODE_ESCAPE.finditer(text):
            try:
                raw = m.group().encode().decode("unicode_escape").encode("utf-16", "surrogatepass")
                s = raw.decode("utf-16")
            except UnicodeError:
                continue
            if s.isprintable():
                found.append((m.start(), m.end(), s))
        if found:
            return found + [
                f
                for f in _percent_runs(text)
                if not any(a < f[1] and f[0] < b for a, b, _ in found)
            ]
    return _percent_runs(text)


def _percent_runs(text: str) -> list[tuple[int, int, str]]:
    found = []
    for m in _PERCENT.finditer(text):
        raw = bytes.fromhex(m.group().replace("%", ""))
        try:
            s = raw.decode("utf-8")
        except UnicodeDecodeError:
            continue
        if s.isprintable():
            found.append((m.start(), m.end(), s))
    return found


def _emit_plain(text: str, a: int, b: int, emit) -> None:  # type: ignore[no-untyped-def]
    for k in range(a, b):
        ch = text[k]
        if ch.isascii():
            emit(ch, k, k + 1)
        elif not _invisible(ch):
            emit(unicodedata.normalize("NFKC", ch), k, k + 1)


def _unobfuscate(norm: str, starts: list[int], ends: list[int]) -> tuple[str, list[int], list[int]]:
    if not _OBFUSCATED.search(norm):
        return norm, starts, ends
    out, s2, e2, i = [], [], [], 0
    for m in _OBFUSCATED.finditer(norm):
        out.append(norm[i : m.start()])
        s2 += starts[i : m.start()]
        e2 += ends[i : m.start()]
        out.append("@" if m.group(1).lower() == "at" else ".")
        s2.append(starts[m.start()])
        e2.append(ends[m.end() - 1])
        i = m.end()
    out.append(norm[i:])
    s2 += starts[i:]
    e2 += ends[i:]
    return "".join(out), s2, e2


def _deconfuse(norm: str, starts: list[int], ends: list[int]) -> tuple[str, list[int], list[int]]:
    chars = list(norm)
    for m in _TOKEN.finditer(norm):
        tok = m.group()
        if any(c in _CONFUSABLES for c in tok) and any(
            c.isascii() and (c.isalnum() or c == "@") for c in tok
        ):
            for k in range(m.start(), m.end()):
                chars[k] = _CONFUSABLES.get(chars[k], chars[k])
    return "".join(chars), starts, ends


def decoded_blobs(text: str) -> list[tuple[int, int, str]]:
    """Base64 and hex runs of ``text`` that decode to readable text: (start, end, decoded)."""
    found: list[tuple[int, int, str]] = []
    for m in _HEX.finditer(text):
        s = _as_text(binascii.unhexlify(m.group()))
        if s is not None:
            found.append((m.start(), m.end(), s))
    taken = {(a, b) for a, b, _ in found}
    for m in _B64.finditer(text):
        if (m.start(), m.end()) in taken:
            continue
        blob = m.group().rstrip("=")
        blob += "=" * (-len(blob) % 4)
        try:
            raw = base64.b64decode(blob, altchars=b"-_" if ("-" in blob or "_" in blob) else None)
        except (binascii.Error, ValueError):
            continue
        s = _as_text(raw)
        if s is not None:
            found.append((m.start(), m.end(), s))
    return found


def _as_text(raw: bytes) -> str | None:
    if len(raw) < 6:
        return None
    try:
        s = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    printable = sum(c.isprintable() or c in "\n\t\r" for c in s)
    return s if printable / len(s) > 0.95 and any(c.isalpha() for c in s) else None
