"""Request bodies: decoded (``Content-Encoding``), bounded once decoded, parsed as JSON, and
checked to be text the proxy can inspect. Every refusal is a client error with an OpenAI body.

- Encodings: ``identity``, ``gzip`` (``x-gzip``) and ``deflate``, also stacked; any other is 415.
  The body's decoded size is bounded by ``server.max_body_bytes`` (413), so a small compressed body
  cannot expand without limit.
- Text: JSON in UTF-8 (or UTF-16/32, as RFC 8259's detection allows); a byte sequence that is not
  valid in its encoding, or a ``\\uD800``-``\\uDFFF`` escape that does not pair up into one
  character (a lone surrogate, which is no Unicode text), is 400.
- Nesting: at most ``MAX_DEPTH`` objects and arrays deep (the default limit of serde_json and
  other parsers built to take untrusted input); deeper is 400.
"""

from __future__ import annotations

import asyncio
import json
import re
import zlib
from typing import Any

from aiohttp import web

from proxy.errors import ErrorCode, ProxyError

MAX_DEPTH = 128
OFF_LOOP_BYTES = 256 * 1024  # a larger body is decoded, parsed and walked in a thread

_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


async def read_json(request: web.Request, limit: int) -> Any:
    """The request's JSON value (anything JSON, a mapping or not), or a ProxyError."""
    value, _ = await read_json_sized(request, limit)
    return value


async def read_json_sized(request: web.Request, limit: int) -> tuple[Any, int]:
    """The request's JSON value and the decoded body's size. A body over ``OFF_LOOP_BYTES`` is
    decoded and parsed in a thread, so the event loop goes on serving other requests."""
    try:
        raw = await request.read()
    except web.HTTPRequestEntityTooLarge as e:
        raise ProxyError(ErrorCode.payload_too_large, "request body too large") from e
    encodings = request.headers.get("Content-Encoding", "")
    plain = all(c.strip().lower() in ("", "identity") for c in encodings.split(","))
    if plain and len(raw) <= OFF_LOOP_BYTES:
        return _decode_and_parse(raw, encodings, limit)
    return await asyncio.to_thread(_decode_and_parse, raw, encodings, limit)


def _decode_and_parse(raw: bytes, encodings: str, limit: int) -> tuple[Any, int]:
    raw = decode(raw, encodings, limit)
    return parse(raw), len(raw)


def decode(raw: bytes, encodings: str, limit: int) -> bytes:
    """Undo ``Content-Encoding`` (codings applied in order, so undone in reverse)."""
    for coding in reversed([c.strip().lower() for c in encodings.split(",") if c.strip()]):
        if coding == "identity":
            continue
        if coding in ("gzip", "x-gzip"):
            raw = _inflate(raw, 16 + zlib.MAX_WBITS, "gzip", limit)
        elif coding == "deflate":
            # RFC 9110's deflate is the zlib format; some clients send raw deflate.
            try:
                raw = _inflate(raw, zlib.MAX_WBITS, "deflate", limit)
            except ProxyError as e:
                if e.code is not ErrorCode.invalid_request:
                    raise
                raw = _inflate(raw, -zlib.MAX_WBITS, "deflate", limit)
        else:
            raise ProxyError(
                ErrorCode.unsupported_content_encoding,
                "unsupported Content-Encoding: send the body as identity, gzip or deflate",
            )
    if len(raw) > limit:
        raise ProxyError(ErrorCode.payload_too_large, "request body too large")
    return raw


def _inflate(data: bytes, wbits: int, name: str, limit: int) -> bytes:
    d = zlib.decompressobj(wbits)
    try:
        out = d.decompress(data, limit + 1)
    except zlib.error as e:
        raise ProxyError(ErrorCode.invalid_request, f"the body is not valid {name} data") from e
    if len(out) > limit or d.unconsumed_tail:
        raise ProxyError(ErrorCode.payload_too_large, "request body too large once decoded")
    if not d.eof:
        raise ProxyError(ErrorCode.invalid_request, f"the body is truncated {name} data")
    return out


def parse(raw: bytes) -> Any:
    """JSON text as a Python value, refused unless every string is Unicode text and the nesting
    stays within ``MAX_DEPTH``."""
    try:
        text = raw.decode(json.detect_encoding(raw))
    except UnicodeDecodeError as e:
        raise ProxyError(ErrorCode.invalid_request, "the body must be JSON text in UTF-8") from e
    try:
        value = json.loads(text)
    except RecursionError as e:
        raise _too_deep() from e
    except ValueError as e:
        raise ProxyError(ErrorCode.invalid_request, "the body must be a JSON object") from e
    surrogates = _SURROGATE_ESCAPE.search(text) is not None
    # Fewer brackets than the limit cannot nest deeper than it: most bodies need no walk.
    if surrogates or text.count("[") + text.count("{") > MAX_DEPTH:
        _check(value, surrogates)
    return value


def parse_embedded(text: str) -> Any:
    """JSON held in a string of the body (tool-call arguments, tool results): its value, or
    ``None`` when it is not JSON; nested deeper than ``MAX_DEPTH`` is 400, as in the body."""
    try:
        value = json.loads(text)
    except RecursionError as e:
        raise _too_deep() from e
    except ValueError:
        return None
    if text.count("[") + text.count("{") > MAX_DEPTH:
        _check(value, False)
    return value


def _too_deep() -> ProxyError:
    return ProxyError(ErrorCode.invalid_request,
                      f"the body is nested more than {MAX_DEPTH} levels deep")


def _lone(s: str) -> bool:
    return _LONE_SURROGATE.search(s) is not None


def _check(value: Any, surrogates: bool) -> None:
    """Walk the containers (no recursion): depth, and lone surrogates in keys and strings."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    if surrogates and isinstance(value, str) and _lone(value):
        raise _lone_surrogate()
    while stack:
        node, depth = stack.pop()
        if not isinstance(node, dict | list):
            continue
        if depth > MAX_DEPTH:
            raise _too_deep()
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for k, v in items:
            if surrogates and ((isinstance(k, str) and _lone(k)) or (isinstance(v, str)
                                                                     and _lone(v))):
                raise _lone_surrogate()
            if isinstance(v, dict | list):
                stack.append((v, depth + 1))


def _lone_surrogate() -> ProxyError:
    return ProxyError(ErrorCode.invalid_request,
                      "the body holds a lone UTF-16 surrogate (\\ud800-\\udfff), which is not "
                      "Unicode text")
