"""The cluster engine: an OPA server (sidecar) asked through opa-python-client's aiohttp client.

Unreachable, slow (over ``policy.opa.timeout_s``, no retries), erroring, undefined or malformed
answers all raise PolicyError, which the pipeline turns into a deny. The revision is the digest of
the local policy directory (the sidecar is fed the same files); without one it is ``unknown`` and
decisions are not cached.
"""

from __future__ import annotations

import asyncio
import json
from contextlib import AsyncExitStack
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from opa_client import AsyncOpaClient

from proxy.config import PolicyConfig
from proxy.decide.engine import BaseEngine
from proxy.decide.parse import parse_decision
from proxy.decide.types import PolicyError

# A complete, valid input: readiness asks for a decision on it, so a server whose policy is not
# loaded yet (undefined or malformed answer) is not ready.
PROBE_INPUT: dict[str, Any] = {
    "tenant": {
        "id": "readiness-probe",
        "region": "EU",
        "allow_external": False,
        "strict": True,
        "personal_data_local": True,
        "allowed_models": None,
        "purpose": "general",
        "purposes": ["general"],
    },
    "request": {
        "endpoint": "chat.completions",
        "model": "probe",
        "stream": False,
        "purpose": "general",
    },
    "detection": {"entities": {}, "has_personal_data": False, "special_categories": []},
    "destinations": {
        "local": {"available": True, "model": "probe", "region": "EU"},
        "external": {"available": False, "provider": "probe", "model": "probe"},
    },
}


class OpaEngine(BaseEngine):
    name = "opa"
    needs_local_policy = False

    def __init__(self, config: PolicyConfig) -> None:
        super().__init__(config)
        url = urlsplit(config.opa.url)  # validated by OpaConfig: http(s)://host[:port]
        self._base = f"{url.scheme}://{url.netloc}"
        self._path = config.opa.decision_path.strip("/")
        self._timeout = config.opa.timeout_s
        self._client = AsyncOpaClient(
            host=url.hostname or "",
            port=url.port or (443 if url.scheme == "https" else 80),
            ssl=url.scheme == "https",
            retries=0,
            timeout=config.opa.timeout_s,
        )
        self._stack = AsyncExitStack()
        self._started = False

    async def start(self) -> None:
        await self._stack.enter_async_context(self._client)
        self._started = True
        self.refresh(force=True)

    async def close(self) -> None:
        self._started = False
        await self._stack.aclose()

    async def ready(self) -> bool:
        """OPA answers its health check and a well-formed decision for a probe input."""
        health = self._base + "/" + self.config.opa.health_path.lstrip("/")
        try:
            async with asyncio.timeout(self._timeout):
                if not await self._client.check_health(diagnostic_url=health):
                    return False
            parse_decision(await self._evaluate(PROBE_INPUT), revision="", engine=self.name)
        except (PolicyError, TimeoutError):
            return False
        return True

    async def _evaluate(self, input_doc: dict[str, Any]) -> Any:
        if not self._started:
            raise PolicyError("policy_not_loaded", "the OPA client is not started")
        try:
            async with asyncio.timeout(self._timeout):
                body = await self._client.query_rule(input_doc, self._path)
        except TimeoutError as e:
            raise PolicyError(
                "policy_timeout", f"OPA did not answer within {self._timeout}s"
            ) from e
        except aiohttp.ContentTypeError as e:
            raise PolicyError("policy_malformed", "OPA answered something other than JSON") from e
        except aiohttp.ClientResponseError as e:
            raise PolicyError("policy_error", f"OPA answered HTTP {e.status}") from e
        except (aiohttp.ClientError, OSError) as e:
            raise PolicyError("policy_unreachable", f"OPA unreachable: {type(e).__name__}") from e
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise PolicyError("policy_malformed", "OPA answered malformed JSON") from e
        if not isinstance(body, dict):
            raise PolicyError("policy_malformed", "OPA's answer is not an object")
        if "result" not in body:
            raise PolicyError("policy_undefined", f"{self._path} is undefined for this input")
        return body["result"]
