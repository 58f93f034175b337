"""A bounded cache of decisions per identical policy input and policy revision."""

from __future__ import annotations

import json
from collections import OrderedDict
from typing import Any

from proxy.decide.types import Decision


class DecisionCache:
    """LRU of decisions keyed by the whole input, its entities reduced to their types, and revision.

    Entity counts and scores are left out of the key on purpose: a conversation's next turn with
    the same kinds of personal data reuses the decision. Policies must therefore decide on entity
    types only (policies/privacy/decision.rego does); set ``policy.cache_size: 0`` otherwise.
    A new revision empties the cache.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self.hits = 0
        self.misses = 0
        self._revision: str | None = None
        self._items: OrderedDict[str, Decision] = OrderedDict()

    def __len__(self) -> int:
        return len(self._items)

    def key(self, input_doc: dict[str, Any], revision: str) -> str | None:
        """The cache key, or None when this input is not cacheable."""
        if self.size <= 0 or not revision:
            return None
        detection = input_doc.get("detection")
        entities = detection.get("entities") if isinstance(detection, dict) else None
        if not isinstance(detection, dict) or not isinstance(entities, dict):
            return None
        if revision != self._revision:
            self._items.clear()
            self._revision = revision
        # Everything but the entities' counts and scores, so added input fields are keyed too.
        return json.dumps(
            [revision, {**input_doc, "detection": {**detection, "entities": sorted(entities)}}],
            sort_keys=True,
            separators=(",", ":"),
            default=repr,
        )

    def get(self, key: str | None) -> Decision | None:
        if key is None:
            return None
        decision = self._items.get(key)
        if decision is None:
            self.misses += 1
            return None
        self._items.move_to_end(key)
        self.hits += 1
        return decision

    def put(self, key: str | None, decision: Decision) -> None:
        if key is None or decision.revision != self._revision:
            return
        self._items[key] = decision
        self._items.move_to_end(key)
        while len(self._items) > self.size:
            self._items.popitem(last=False)

    def clear(self) -> None:
        self._items.clear()
