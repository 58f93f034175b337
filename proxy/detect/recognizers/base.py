"""The base of our own Presidio recognizers that are not a plain ``PatternRecognizer``."""

from __future__ import annotations

from presidio_analyzer import EntityRecognizer


class OwnRecognizer(EntityRecognizer):
    """One entity type for one language; patterns and lexicons are compiled at import, so
    there is nothing to load. Subclasses implement ``analyze``."""

    def __init__(
        self, entity: str, language: str, name: str, context: list[str] | None = None
    ) -> None:
        super().__init__(
            supported_entities=[entity], supported_language=language, name=name, context=context
        )

    def load(self) -> None:
        """Nothing to load."""
