"""What the local route adds to a request that leaves it unset: an answer length limit and the
sampling parameters that keep a small self-hosted model on track (``local.default_max_tokens``,
``local.sampling``). Without them a small model can repeat itself until its context is full."""

from __future__ import annotations

from typing import Any

from proxy.config import LocalBackendConfig

# Other servers' names for a llama.cpp parameter, sent beside it to OpenAI-compatible servers
# (each server ignores the names it does not know).
ALIASES: dict[str, tuple[str, ...]] = {"repeat_penalty": ("repetition_penalty",)}
COMPLETIONS_MAX_TOKENS = 16  # OpenAI's default for the legacy completions endpoint


def with_local_defaults(
    endpoint: str, body: dict[str, Any], cfg: LocalBackendConfig, *, aliases: bool
) -> dict[str, Any]:
    """``body`` with the local defaults for whatever it leaves unset (a copy; embeddings as is)."""
    if endpoint not in ("chat.completions", "completions"):
        return body
    out = dict(body)
    if out.get("max_tokens") is None and out.get("max_completion_tokens") is None:
        out["max_tokens"] = (cfg.default_max_tokens if endpoint == "chat.completions"
                             else COMPLETIONS_MAX_TOKENS)
    for name, value in cfg.sampling.items():
        names = (name, *ALIASES.get(name, ())) if aliases else (name,)
        if all(out.get(n) is None for n in names):
            out.update(dict.fromkeys(names, value))
    return out
