#!/bin/bash
# The local route on an offline GPU host (issue: tokens per second through the proxy against the
# same model called directly). Run from the repository root there, with the carry folder made by
# the shared GPU recipe in .gpu/ (make-carry.sh: trimmed llama.cpp sources, Llama-3 tokenizer GGUF,
# randmodel.py) plus site312.tar.xz: privacy-proxy's dependencies for the host's Python 3.12 that
# its image lacks, unpacked and stripped (see bench/README.md, "The local route on a GPU").
#
# llama.cpp's llama-server runs the model in its own process (as the Helm chart deploys it); the
# proxy reaches it with local.kind: openai_compatible. In-process llama-cpp-python could not be
# measured on that host: a CUDA build loaded into one process with numpy, aiohttp or spaCy crashed
# (see bench/README.md).
set -u
export PYTHONUNBUFFERED=1
repo=$(pwd); carry=$repo/.gpu; out=${OUT:-/tmp/out}; mkdir -p "$out"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv
mkdir -p /tmp/site && tar xJf "$carry/site312.tar.xz" -C /tmp/site || exit 1
tar xzf "$carry/llama-trim.tar.gz" -C /tmp
src=$(echo /tmp/llama_cpp_python-*/vendor/llama.cpp)
SECONDS=0
(cd "$src" && cmake -B build -G Ninja -DGGML_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES=90 \
  -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=ON \
  -DLLAMA_USE_PREBUILT_UI=OFF -DLLAMA_BUILD_UI=OFF -DLLAMA_OPENSSL=OFF -DLLAMA_CURL=OFF \
  > /tmp/cm.log 2>&1 && cmake --build build --target llama-server -j16 > /tmp/b.log 2>&1) \
  || { tail -30 /tmp/cm.log /tmp/b.log; exit 1; }
echo "server_build_s=$SECONDS"
export PYTHONPATH=/tmp/site:$src/gguf-py
python3 -c "import proxy.app" || exit 1
for size in ${SIZES:-1b 8b}; do
  python3 "$carry/randmodel.py" "$carry/ggml-vocab-llama-bpe.gguf" /tmp/m-$size.gguf $size || continue
  "$src/build/bin/llama-server" -m /tmp/m-$size.gguf -ngl 99 -np 1 -c 4096 --host 127.0.0.1 \
    --port 8999 > "$out/llama-server-$size.log" 2>&1 &
  pid=$!
  for _ in $(seq 240); do curl -sf http://127.0.0.1:8999/health >/dev/null && break; sleep 0.5; done
  timeout 240 python3 bench/local_route.py --server http://127.0.0.1:8999/v1 --languages en \
    --max-tokens 256 --runs 7 --label "gpu-llama-server-$size" \
    --out "$out/local_route-$size.json" --keep-log "$out/proxy-$size.log"
  kill $pid; wait $pid 2>/dev/null
  rm -f /tmp/m-$size.gguf
done
echo "total_s=$SECONDS"
