"""Placeholders back to original values, in whole answers and in streams.

Only placeholders issued for this request (the vault's) are restored. In a stream, text flows on as
it arrives; the only text held back is a tail that could still be the start of an issued
placeholder, so the hold-back is never longer than the longest placeholder minus one character.
"""

from __future__ import annotations

import json
import re
from typing import Any

from proxy.transform.vault import Vault


def holds_json(text: str) -> bool:
    """Whether a whole text is a JSON object or array (an answer in JSON mode)."""
    if text.lstrip()[:1] not in ("{", "["):
        return False
    try:
        return isinstance(json.loads(text), dict | list)
    except (ValueError, RecursionError):
        return False


class Restorer:
    """Restores one request's placeholders; ``json_escape`` for text inside a JSON string."""

    def __init__(self, vault: Vault) -> None:
        # Models sometimes drop the angle brackets of a placeholder, change its case or write the
        # underscores of its tag as spaces (``Email Address_…``); the tail is a keyed HMAC, so
        # matching the rest loosely cannot hit unrelated text.
        self._originals = {_norm(ph[1:-1]): value for ph, value in vault.originals.items()}
        cores = sorted(self._originals, key=len, reverse=True)
        # One branch per shared prefix (a trie), not one alternative per placeholder: a long
        # answer with thousands of placeholders is matched in time linear in its length.
        self._re = (re.compile("<?" + _trie(cores) + ">?", re.IGNORECASE | re.ASCII)
                    if cores else None)
        forms = [f"<{c}>" for c in cores] + [f"{c}>" for c in cores]
        self._prefixes = {f[:k] for f in forms for k in range(1, len(f))}
        self.max_hold = max((len(f) - 1 for f in forms), default=0)

    def _value(self, m: re.Match[str]) -> str:
        return self._originals[_norm(m.group(0).strip("<>"))]

    def __bool__(self) -> bool:
        return self._re is not None

    def restore(self, text: str, *, json_escape: bool = False) -> str:
        if self._re is None or not text:
            return text
        if json_escape:
            return self._re.sub(lambda m: json.dumps(self._value(m), ensure_ascii=False)[1:-1],
                                text)
        return self._re.sub(self._value, text)

    def stream(self, *, json_escape: bool | None = False) -> StreamRestorer:
        """A stream channel; ``json_escape=None``: decided by the channel's first non-blank
        character (``{`` or ``[``: an answer in JSON mode)."""
        return StreamRestorer(self, json_escape)

    def hold_index(self, buf: str) -> int:
        """Index from which ``buf`` could still be the start of a placeholder (len: none)."""
        if not self._prefixes:
            return len(buf)
        tail = _norm(buf[max(0, len(buf) - self.max_hold):])
        for i in range(len(tail)):
            if tail[i:] in self._prefixes:
                return len(buf) - len(tail) + i
        return len(buf)


def _trie(words: list[str]) -> str:
    """A regular expression matching exactly ``words`` (normalized cores), longest first, with
    ``_`` also matching a space."""
    root: dict[str, Any] = {}
    for w in words:
        node = root
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}
    return _branch(root)


def _branch(node: dict[str, Any]) -> str:
    ends = "" in node
    alts = [("[_ ]" if ch == "_" else re.escape(ch)) + _branch(child)
            for ch, child in sorted(node.items()) if ch]
    if not alts:
        return ""
    body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
    return f"(?:{body})?" if ends else body


def _norm(text: str) -> str:
    """ASCII lower case and spaces as underscores, one character for one (indices hold)."""
    return text.translate(_NORM)


_NORM = str.maketrans({**{chr(c): chr(c + 32) for c in range(65, 91)}, " ": "_"})


class StreamRestorer:
    """One stream channel (a choice's content, or one tool call's arguments)."""

    def __init__(self, restorer: Restorer, json_escape: bool | None) -> None:
        self._r = restorer
        self._json = json_escape
        self._buf = ""

    def feed(self, piece: str) -> str:
        if not self._r:
            return piece
        if self._json is None and piece.strip():
            self._json = piece.lstrip()[0] in "{["
        buf = self._buf + piece
        h = self._r.hold_index(buf)
        self._buf = buf[h:]
        return self._r.restore(buf[:h], json_escape=bool(self._json))

    def flush(self) -> str:
        buf, self._buf = self._buf, ""
        return self._r.restore(buf, json_escape=bool(self._json))

    @property
    def held(self) -> int:
        return len(self._buf)
