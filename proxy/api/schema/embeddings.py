"""``POST /v1/embeddings``: what each field of a request is, for inspection."""

from __future__ import annotations

from proxy.api.schema.common import MODEL, USER
from proxy.api.schema.nodes import INTEGER, Alt, Enum, ListOf, Obj, Refuse, Text, Where

TOKENS = Refuse("a token-array input (token ids cannot be inspected)")

REQUEST = Obj({
    "model": MODEL,
    "input": Where("input", Alt(
        "a string or a non-empty list of strings", string=Text(),
        list=ListOf(Alt("a string", string=Text(), number=TOKENS, list=TOKENS), nonempty=True))),
    "dimensions": INTEGER,
    "encoding_format": Enum("float", "base64"),
    "user": USER,
}, required=("input",))
