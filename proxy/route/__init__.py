"""route: where a decided request goes.

``base`` (the Backend protocol and its answer), ``http`` (any OpenAI-compatible server: the external
provider, or a self-hosted llama.cpp/vLLM server on the local route), ``llama`` (llama.cpp in
process), ``backends`` (the configured pair, built at startup). The route stage itself is
``proxy.stages.route``.
"""
