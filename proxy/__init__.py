"""privacy-proxy: an OpenAI-compatible privacy gateway."""

__version__ = "0.1.0"
