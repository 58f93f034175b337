"""api: the OpenAI wire side.

``endpoint`` (the Endpoint protocol, the extension point for a new API) and one adapter module per
endpoint (``chat``, ``embeddings``), registered in ``endpoints``; ``extract`` (every text field of a
request); ``body`` (decoding and checking request bodies); ``handlers`` (HTTP to a request context
and back), ``health``, ``middleware``.
"""
