"""Text extraction: every string of an OpenAI request that would leave the proxy, each with a way
to write its replacement back.

Each endpoint has a request schema (``proxy.api.schema``) that says, field by field, what is
allowed through unscanned because the API defines it to carry no free text, what is scanned and
what is refused. Anything a schema does not name is scanned: an unknown field's name and every
string and number in its value. Content the proxy cannot inspect (images, audio, files, token
arrays, unknown part types, built-in tools) is refused with a 400 naming the field, never
forwarded unseen. SECURITY.md's inspection list is generated from the same schemas
(``python -m proxy.api.extract --write SECURITY.md``).

A new endpoint is one schema module and one line in ``SCHEMAS``.
"""

from __future__ import annotations

import sys
from typing import Any

from proxy.api.fields import Extracted, TextField
from proxy.api.schema import chat, completions, embeddings, responses
from proxy.api.schema.nodes import Node
from proxy.api.schema.walk import At, Walk

__all__ = ["CHAT", "COMPLETIONS", "EMBEDDINGS", "RESPONSES", "SCHEMAS", "Extracted",
           "TextField", "extract_texts"]

CHAT = "chat.completions"
COMPLETIONS = "completions"
EMBEDDINGS = "embeddings"
RESPONSES = "responses"

SCHEMAS: dict[str, Node] = {
    CHAT: chat.REQUEST,
    COMPLETIONS: completions.REQUEST,
    EMBEDDINGS: embeddings.REQUEST,
    RESPONSES: responses.REQUEST,
}


def extract_texts(endpoint: str, body: dict[str, Any]) -> Extracted:
    """Collect every text of ``body`` (written back in place by ``TextField.set``)."""
    w = Walk()
    SCHEMAS[endpoint].walk(w, [body], 0, At())
    return w.out


if __name__ == "__main__":
    from pathlib import Path

    from proxy.api.schema.doc import markdown, write

    if sys.argv[1:2] == ["--write"] and len(sys.argv) == 3:
        write(Path(sys.argv[2]), SCHEMAS)
    else:
        sys.stdout.write(markdown(SCHEMAS))
