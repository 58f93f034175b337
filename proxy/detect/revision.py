"""What the detector's results depend on: the installed models and a digest of everything."""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
from pathlib import Path

from proxy.detect.engine import EngineConfig
from proxy.detect.types import DetectionError

_CODE_DIR = Path(__file__).parent
_LIBRARIES = (
    "presidio-analyzer",
    "spacy",
    "python-stdnum",
    "phonenumbers",
    "lingua-language-detector",
)


def check_models(models: dict[str, str]) -> None:
    """Raise ``DetectionError`` naming each configured spaCy pipeline that is not installed."""
    for lang, name in models.items():
        if importlib.util.find_spec(name) is None and not Path(name).exists():
            raise DetectionError(
                f"spaCy model '{name}' configured for language '{lang}' "
                f"(detection.spacy_models) is not installed: "
                f"pip install {name.replace('_', '-')}"
            )


def code_revision(cfg: EngineConfig) -> str:
    """Digest of the recognizer code, lexicons, library and model versions, and thresholds."""
    h = hashlib.sha256()
    for p in sorted(_CODE_DIR.rglob("*")):
        if p.suffix in (".py", ".json") and "__pycache__" not in p.parts:
            h.update(str(p.relative_to(_CODE_DIR)).encode())
            h.update(p.read_bytes())
    for dist in _LIBRARIES:
        h.update(f"{dist}={_version(dist)}".encode())
    for lang, model in sorted(cfg.spacy_models.items()):
        h.update(f"{lang}:{model}={_version(model)}".encode())
    h.update(f"threshold={cfg.score_threshold}".encode())
    h.update(f"languages={','.join(cfg.languages)}".encode())
    return h.hexdigest()


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "?"
