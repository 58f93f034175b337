"""The self-hosted model in process: llama-cpp-python over a GGUF file.

llama.cpp contexts are not thread-safe, so every call runs on one dedicated thread, one at a time;
streams are bridged to the event loop through a queue. For many concurrent clients run llama.cpp's
``llama-server`` with parallel slots instead and point ``local.kind: openai_compatible`` at it.
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Literal

from proxy.config import LLAMA_CPP_SAMPLING, LocalBackendConfig
from proxy.route.base import BackendUnavailable, UpstreamResponse
from proxy.route.defaults import with_local_defaults

_CHAT_ARGS = ("messages", "tools", "tool_choice", "temperature", "top_p", "stop", "seed",
              "presence_penalty", "frequency_penalty", "logit_bias", "logprobs", "top_logprobs",
              "functions", "function_call")
_COMPLETION_ARGS = ("prompt", "suffix", "temperature", "top_p", "stop", "seed", "echo",
                    "presence_penalty", "frequency_penalty", "logit_bias", "logprobs")
_DONE = object()


class LlamaCppBackend:
    placement: Literal["local"] = "local"

    def __init__(self, cfg: LocalBackendConfig) -> None:
        self.name = "llama_cpp"
        self.region = cfg.region
        self._cfg = cfg
        self._llm: Any = None
        self._embedder: Any = None
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="llama")
        self._failed: str | None = None

    def served_model(self, requested: str) -> str:
        return self._cfg.model_name

    async def start(self) -> None:
        self._llm = await asyncio.get_running_loop().run_in_executor(self._pool, self._load, False)

    def _load(self, embedding: bool) -> Any:
        from llama_cpp import Llama

        path = Path(self._cfg.model_path)
        if not path.is_file():
            raise FileNotFoundError(
                f"local model file not found: {path} (run `make model`, or set local.model_path "
                "to a GGUF file, or local.kind: none)"
            )
        kwargs: dict[str, Any] = {
            "model_path": str(self._cfg.model_path),
            "n_gpu_layers": self._cfg.n_gpu_layers,
            "n_ctx": self._cfg.n_ctx,
            "verbose": False,
            "embedding": embedding,
        }
        if self._cfg.n_threads:
            kwargs["n_threads"] = self._cfg.n_threads
        if self._cfg.chat_format:
            kwargs["chat_format"] = self._cfg.chat_format
        return Llama(**kwargs)

    async def ready(self) -> bool:
        return self._llm is not None

    async def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    async def call(self, endpoint: str, body: dict[str, Any]) -> UpstreamResponse:
        if self._llm is None:
            raise BackendUnavailable("local model not loaded")
        loop = asyncio.get_running_loop()
        if endpoint == "embeddings":
            try:
                out = await loop.run_in_executor(self._pool, self._embed, body)
            except Exception as e:
                raise BackendUnavailable(f"local model failed: {type(e).__name__}") from e
            return UpstreamResponse(status=200, body=out)
        kwargs = self._kwargs(endpoint, body)
        if not body.get("stream"):
            try:
                out = await loop.run_in_executor(self._pool, self._generate, endpoint, kwargs)
            except Exception as e:
                raise BackendUnavailable(f"local model failed: {type(e).__name__}") from e
            out["model"] = self._cfg.model_name
            return UpstreamResponse(status=200, body=out)
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        return UpstreamResponse(status=200, chunks=self._stream(endpoint, kwargs, include_usage))

    def _kwargs(self, endpoint: str, body: dict[str, Any]) -> dict[str, Any]:
        body = with_local_defaults(endpoint, body, self._cfg, aliases=False)
        names = (_CHAT_ARGS if endpoint == "chat.completions" else _COMPLETION_ARGS)
        kwargs = {k: body[k] for k in (*names, *LLAMA_CPP_SAMPLING) if body.get(k) is not None}
        kwargs["max_tokens"] = body.get("max_completion_tokens") or body.get("max_tokens")
        rf = body.get("response_format")
        if endpoint == "chat.completions" and isinstance(rf, dict):
            if rf.get("type") == "json_schema":
                schema = (rf.get("json_schema") or {}).get("schema")
                kwargs["response_format"] = {"type": "json_object", "schema": schema}
            elif rf.get("type") == "json_object":
                kwargs["response_format"] = {"type": "json_object"}
        return kwargs

    def _generate(self, endpoint: str, kwargs: dict[str, Any]) -> Any:
        if endpoint == "chat.completions":
            return self._llm.create_chat_completion(**kwargs)
        return self._llm.create_completion(**kwargs)

    def _embed(self, body: dict[str, Any]) -> dict[str, Any]:
        if self._embedder is None:
            self._embedder = self._load(True)
        out = self._embedder.create_embedding(body["input"])
        out["model"] = self._cfg.model_name
        return dict(out)

    async def _stream(
        self, endpoint: str, kwargs: dict[str, Any], include_usage: bool
    ) -> AsyncIterator[list[dict[str, Any]]]:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[Any] = asyncio.Queue()
        cancel = threading.Event()

        def produce() -> None:
            n = 0
            last: dict[str, Any] | None = None
            try:
                gen: Iterator[dict[str, Any]] = self._generate(endpoint, {**kwargs,
                                                                          "stream": True})
                for chunk in gen:
                    if cancel.is_set():
                        gen.close()  # type: ignore[attr-defined]
                        break
                    n += 1
                    last = chunk
                    loop.call_soon_threadsafe(queue.put_nowait, chunk)
                if include_usage and last is not None and not cancel.is_set():
                    total = int(self._llm.n_tokens)
                    usage = {"prompt_tokens": max(total - n, 0), "completion_tokens": n,
                             "total_tokens": total}
                    loop.call_soon_threadsafe(queue.put_nowait, {
                        "id": last.get("id", f"chatcmpl-{uuid.uuid4().hex}"),
                        "object": last.get("object", "chat.completion.chunk"),
                        "created": last.get("created", int(time.time())),
                        "model": self._cfg.model_name, "choices": [], "usage": usage})
            except Exception as e:  # surfaced to the consumer, never swallowed
                loop.call_soon_threadsafe(queue.put_nowait, e)
            finally:
                loop.call_soon_threadsafe(queue.put_nowait, _DONE)

        fut = loop.run_in_executor(self._pool, produce)
        try:
            done = False
            while not done:
                # What the model produced while the last batch was relayed goes out together.
                items = [await queue.get()]
                batch: list[dict[str, Any]] = []
                while not queue.empty():
                    items.append(queue.get_nowait())
                for item in items:
                    if item is _DONE:
                        done = True
                        break
                    if isinstance(item, Exception):
                        if batch:
                            yield batch
                        raise BackendUnavailable(
                            f"local model failed: {type(item).__name__}") from item
                    item["model"] = self._cfg.model_name
                    batch.append(item)
                if batch:
                    yield batch
        finally:
            cancel.set()
            await asyncio.shield(fut)
