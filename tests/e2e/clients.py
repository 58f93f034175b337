"""The two ways an application asks for a text answer through the official ``openai`` client:
chat completions and the Responses API. Tests that must hold for both take one of these."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

OnEnd = Callable[[], Awaitable[None]] | None


def records(path: Path, kind: str | None = None) -> list[dict[str, Any]]:
    """The audit records in a proxy's SQLite log (of one ``kind``), oldest first."""
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute("SELECT data FROM leaves ORDER BY idx").fetchall()
    finally:
        conn.close()
    out = [json.loads(r[0])["record"] for r in rows]
    return [r for r in out if kind is None or r.get("kind") == kind]


class Chat:
    name = "chat.completions"
    refused_param = "messages[0].content[1]"

    @staticmethod
    async def create(client: Any, text: str, **kw: Any) -> Any:
        return await client.chat.completions.with_raw_response.create(
            model=kw.pop("model", "gpt-4o"), messages=[{"role": "user", "content": text}], **kw)

    @staticmethod
    def text(out: Any) -> str:
        return out.choices[0].message.content or ""

    @staticmethod
    def served(out: Any) -> str:
        return str(out.model)

    @staticmethod
    async def stream(client: Any, text: str, on_end: OnEnd = None, **kw: Any) -> str:
        stream = await client.chat.completions.create(
            model=kw.pop("model", "gpt-4o"), messages=[{"role": "user", "content": text}],
            stream=True, **kw)
        parts = [c.delta.content or "" async for chunk in stream for c in chunk.choices]
        if on_end is not None:  # the end of a chat stream is its [DONE]
            await on_end()
        return "".join(parts)

    @staticmethod
    async def uninspectable(client: Any, text: str) -> Any:
        return await client.chat.completions.create(model="gpt-4o", messages=[
            {"role": "user", "content": [
                {"type": "text", "text": text},
                {"type": "image_url", "image_url": {"url": "https://example.com/x.png"}}]}])


class Responses:
    name = "responses"
    refused_param = "input[0].content[1]"

    @staticmethod
    async def create(client: Any, text: str, **kw: Any) -> Any:
        if "max_tokens" in kw:
            kw["max_output_tokens"] = kw.pop("max_tokens")
        return await client.responses.with_raw_response.create(
            model=kw.pop("model", "gpt-4o"), input=text, **kw)

    @staticmethod
    def text(out: Any) -> str:
        return str(out.output_text)

    @staticmethod
    def served(out: Any) -> str:
        return str(out.model)

    @staticmethod
    async def stream(client: Any, text: str, on_end: OnEnd = None, **kw: Any) -> str:
        if "max_tokens" in kw:
            kw["max_output_tokens"] = kw.pop("max_tokens")
        stream = await client.responses.create(model=kw.pop("model", "gpt-4o"), input=text,
                                               stream=True, **kw)
        parts: list[str] = []
        async for event in stream:
            if event.type == "response.output_text.delta":
                parts.append(event.delta)
            elif event.type in ("response.completed", "response.incomplete"):
                if on_end is not None:
                    await on_end()
                assert event.response.output_text == "".join(parts)
        return "".join(parts)

    @staticmethod
    async def uninspectable(client: Any, text: str) -> Any:
        return await client.responses.create(model="gpt-4o", input=[
            {"role": "user", "content": [
                {"type": "input_text", "text": text},
                {"type": "input_image", "image_url": "https://example.com/x.png",
                 "detail": "auto"}]}])


APIS = [Chat, Responses]
