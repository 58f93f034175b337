"""How the texts of a request are cut into pieces and the pieces grouped into jobs, and how the
pieces' spans go back onto their texts.

A job is bounded (``JOB_CHARS``), whatever the request: a long text is cut into pieces of about
``PIECE_CHARS`` (``bound``), so no single job holds a worker for long and the requests waiting
behind it are served in turn.
"""

from __future__ import annotations

import math
import re
from typing import Any

from proxy.detect.filters import SpanTuple, merge
from proxy.detect.types import DetectionError

PIECE_CHARS = 8_000  # a long text is cut into pieces of about this size
OVERLAP_CHARS = 512  # consecutive pieces share this much text, so no value is cut in two
JOB_CHARS = 16_000  # at most about this much text in one job (per-text cost included)
TEXT_COST = 64  # what one more text costs a job, in characters of analysis
# An idle pool splits one request's text between sentences over several workers, so a single
# request uses every idle core; pieces shorter than this are not worth a worker.
MIN_PIECE_CHARS = 120
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])[ \t]+(?=[\"'(\[]?[A-ZÀ-Þ0-9])")
_SPACE = re.compile(r"\s")
Piece = tuple[int, int, int]  # (text index, start, end)


def cost(text: str) -> int:
    return len(text) + TEXT_COST


def split_batch(
    texts: list[str], parts: int, min_chars: int = 2000, max_chars: int | None = None
) -> list[list[str]]:
    """Consecutive chunks of about equal size; one chunk when the batch is small; as many as
    ``max_chars`` asks for when it is large."""
    total = sum(cost(t) for t in texts)
    n = max(1, min(parts, len(texts), total // min_chars))
    if max_chars is not None:
        n = max(n, min(len(texts), math.ceil(total / max_chars)))
    if n == 1:
        return [texts]
    out: list[list[str]] = [[]]
    size, target = 0, total / n
    for t in texts:
        if size >= target * len(out) and len(out) < n:
            out.append([])
        out[-1].append(t)
        size += cost(t)
    return out


def split_text(text: str, parts: int, min_chars: int = MIN_PIECE_CHARS) -> list[tuple[int, int]]:
    """``(start, end)`` of up to ``parts`` consecutive pieces of about equal size, cut only where
    one sentence ends and the next begins on the same line; ``[(0, len(text))]`` otherwise."""
    if parts < 2 or len(text) < 2 * min_chars:
        return [(0, len(text))]
    cuts = [m.end() for m in _SENTENCE_BREAK.finditer(text)]
    starts = [0]
    for k in range(1, parts):
        target = len(text) * k / parts
        best = min(cuts, key=lambda c: abs(c - target), default=None)
        if best is not None and best - starts[-1] >= min_chars and len(text) - best >= min_chars:
            starts.append(best)
    ends = starts[1:] + [len(text)]
    return list(zip(starts, ends, strict=True))


def bound(
    text: str, size: int = PIECE_CHARS, overlap: int = OVERLAP_CHARS
) -> list[tuple[int, int]]:
    """``(start, end)`` of pieces of at most about ``size`` characters covering ``text``: each
    ends where a sentence or a line ends, or else at a space, never inside a word, and the next
    begins up to ``overlap`` characters earlier (at a word), so a value and its context cut at one
    piece's end stand whole in the next. A run of more than ``size`` characters without a space
    stays whole."""
    n = len(text)
    out: list[tuple[int, int]] = []
    start = 0
    while n - start > size:
        cut = _cut(text, start + size // 2, start + size)
        out.append((start, cut))
        if cut >= n:
            return out
        m = _SPACE.search(text, max(start + 1, cut - overlap), cut)
        start = m.end() if m is not None else cut
    out.append((start, n))
    return out


def _cut(text: str, lo: int, hi: int) -> int:
    """The best end for a piece in ``[lo, hi]``: the last sentence break, else the last line
    break, else the last space; else the first space after ``hi`` (or the text's end)."""
    last = None
    for m in _SENTENCE_BREAK.finditer(text, lo, hi):
        last = m.start()
    if last is not None:
        return last
    for sep in ("\n", " ", "\t"):
        k = text.rfind(sep, lo, hi)
        if k > lo:
            return k
    after = _SPACE.search(text, hi)
    return after.start() if after is not None else len(text)


def reassemble(n: int, pieces: list[Piece], raw: list[Any]) -> list[list[SpanTuple]]:
    """Spans of the pieces back on their texts, at the texts' offsets, in order; where pieces of
    a text overlap, what both found is one span."""
    if len(raw) != len(pieces):
        raise DetectionError("detection returned a result count that does not match the input")
    out: list[list[SpanTuple]] = [[] for _ in range(n)]
    overlapping: set[int] = set()
    last_end: dict[int, int] = {}
    for (i, start, end), spans in zip(pieces, raw, strict=True):
        if start < last_end.get(i, 0):
            overlapping.add(i)
        last_end[i] = end
        out[i].extend((s + start, e + start, t, sc) for s, e, t, sc in spans)
    for i in overlapping:
        out[i] = merge(out[i])
    return out
