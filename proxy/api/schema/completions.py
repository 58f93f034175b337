"""``POST /v1/completions``: what each field of a request is, for inspection."""

from __future__ import annotations

from proxy.api.schema.common import MODEL, SAMPLING, STOP, USER
from proxy.api.schema.nodes import BOOLEAN, INTEGER, Alt, ListOf, Obj, Refuse, Text, Where

TOKENS = Refuse("a token-array prompt (token ids cannot be inspected)")

REQUEST = Obj({
    "model": MODEL,
    "prompt": Where("prompt", Alt(
        "a string or a list of strings", string=Text(),
        list=ListOf(Alt("a string", string=Text(), number=TOKENS, list=TOKENS)))),
    "suffix": Where("prompt", Text()),
    **SAMPLING,
    "best_of": INTEGER,
    "echo": BOOLEAN,
    "logprobs": INTEGER,
    "stop": STOP,
    "user": USER,
}, required=("prompt",))
