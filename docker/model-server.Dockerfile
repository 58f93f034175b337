# syntax=docker/dockerfile:1
# privacy-proxy model server: llama.cpp's llama-server built with CUDA, running as UID 10001.
# The chart's default model image is llama.cpp's official CUDA server image (pinned by digest);
# build this one when your registry accepts only images you built, or for other GPU architectures.
#
# llama.cpp is fetched by commit, not by tag: a moved tag cannot change what is built. Resolve the
# commit of the release once and review it (the build also checks that the tag still names it):
#   git ls-remote https://github.com/ggml-org/llama.cpp refs/tags/b11206
# Build (any directory works as the context; it copies nothing from it):
#   docker build -f docker/model-server.Dockerfile \
#     --build-arg LLAMA_CPP_REF=b11206 --build-arg LLAMA_CPP_COMMIT=<40-hex commit> \
#     --build-arg CUDA_ARCHITECTURES="80;86;89;90" \
#     -t registry.example.com/privacy-proxy/model-server:b11206 docker/
#   docker push registry.example.com/privacy-proxy/model-server:b11206
# Then: helm install ... --set model.images.llamaServer.registry=registry.example.com \
#   --set model.images.llamaServer.repository=privacy-proxy/model-server \
#   --set model.images.llamaServer.tag=b11206 --set model.images.llamaServer.digest=sha256:<pushed digest>
# Both bases are pinned by tag and digest. Bump them together:
#   docker buildx imagetools inspect nvidia/cuda:12.4.1-devel-ubuntu22.04

ARG CUDA_DEVEL_IMAGE=nvidia/cuda:12.4.1-devel-ubuntu22.04@sha256:da6791294b0b04d7e65d87b7451d6f2390b4d36225ab0701ee7dfec5769829f5
ARG CUDA_RUNTIME_IMAGE=nvidia/cuda:12.4.1-runtime-ubuntu22.04@sha256:517da2300c184c9999ec203c2665244bdebd3578d12fcc7065e83667932643d9

FROM ${CUDA_DEVEL_IMAGE} AS build
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
ARG LLAMA_CPP_REF=b11206
# Required: the full commit of LLAMA_CPP_REF (see above); the build stops without it.
ARG LLAMA_CPP_COMMIT=""
# 80: A100, 86: A10/RTX 30, 89: L4/L40S, 90: H100/H200.
ARG CUDA_ARCHITECTURES="80;86;89;90"
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential ca-certificates cmake git libssl-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src/llama.cpp
RUN printf '%s' "${LLAMA_CPP_COMMIT}" | grep -Eqx '[0-9a-f]{40}' \
      || { echo "set --build-arg LLAMA_CPP_COMMIT to the 40-hex commit of ${LLAMA_CPP_REF}" >&2; exit 1; } \
    && git init --quiet . \
    && git remote add origin https://github.com/ggml-org/llama.cpp \
    && git fetch --quiet --depth 1 origin "${LLAMA_CPP_COMMIT}" \
    && git checkout --quiet --detach FETCH_HEAD \
    && test "$(git rev-parse HEAD)" = "${LLAMA_CPP_COMMIT}" \
    && git fetch --quiet --depth 1 origin "refs/tags/${LLAMA_CPP_REF}:refs/tags/${LLAMA_CPP_REF}" \
    && test "$(git rev-parse "${LLAMA_CPP_REF}^{commit}")" = "${LLAMA_CPP_COMMIT}" \
      || { echo "tag ${LLAMA_CPP_REF} does not name ${LLAMA_CPP_COMMIT}" >&2; exit 1; }
# Static ggml, no libcurl (the server never downloads models: the chart's fetch Job does, with a
# SHA-256 check), OpenSSL for --ssl-cert-file/--ssl-key-file (the chart's model.tls), linked
# against the CUDA driver stub of the devel image.
RUN cmake -B build \
      -DCMAKE_BUILD_TYPE=Release \
      -DGGML_CUDA=ON \
      -DGGML_NATIVE=OFF \
      -DCMAKE_CUDA_ARCHITECTURES="${CUDA_ARCHITECTURES}" \
      -DBUILD_SHARED_LIBS=OFF \
      -DLLAMA_CURL=OFF \
      -DLLAMA_OPENSSL=ON \
      -DLLAMA_SERVER_SSL=ON \
      -DLLAMA_BUILD_TESTS=OFF \
      -DLLAMA_BUILD_EXAMPLES=OFF \
      -DLLAMA_BUILD_SERVER=ON \
      -DCMAKE_EXE_LINKER_FLAGS="-Wl,--allow-shlib-undefined" \
    && cmake --build build --config Release --target llama-server -j"$(nproc)" \
    && install -D -m 0755 build/bin/llama-server /out/app/llama-server

FROM ${CUDA_RUNTIME_IMAGE}
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
# curl and sha256sum (coreutils) also serve the chart's fetch Job; libssl3 serves TLS.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl libgomp1 libssl3 \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 llama \
    && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
       --shell /usr/sbin/nologin llama
COPY --from=build /out/app/llama-server /app/llama-server
ENV HOME=/tmp \
    LLAMA_ARG_HOST=0.0.0.0 \
    LLAMA_ARG_PORT=8080
ARG LLAMA_CPP_COMMIT=""
LABEL org.opencontainers.image.revision="${LLAMA_CPP_COMMIT}" \
      org.opencontainers.image.title="privacy-proxy-model-server" \
      org.opencontainers.image.description="llama.cpp llama-server with CUDA" \
      org.opencontainers.image.licenses="MIT"
USER 10001:10001
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=10m CMD ["curl", "-fsS", "http://127.0.0.1:8080/health"]
ENTRYPOINT ["/app/llama-server"]
CMD ["--model", "/models/model.gguf"]
