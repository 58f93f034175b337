#!/bin/bash
# The local route on an offline GPU host: tokens per second through privacy-proxy against the same
# model called directly, with llama-cpp-python built with CUDA. Run from the repository root there,
# with the folder made by bench/gpu-carry.sh in .gpu/ (the shared recipe's trimmed
# llama-cpp-python sources, Llama-3 tokenizer GGUF and randmodel.py, plus site312.tar.xz: the
# proxy's and llama_cpp.server's dependencies that the host's Python 3.12 image lacks).
#
#   bash bench/gpu-local-route.sh 2>&1 | tee $OUT/log
#
# For each random-weight Llama GGUF of a real shape (SIZES, default "1b 8b"; speed depends on the
# shapes, not the weights):
#   1. llama-cpp-python's own OpenAI-compatible server (`python -m llama_cpp.server`, the Helm
#      chart's model.engine llama-cpp-python) in its own process, every layer on the GPU; measured
#      directly and through the proxy (local.kind: openai_compatible) by bench/local_route.py;
#   2. last, for the first size, local.kind: llama_cpp (the model inside the proxy's process), which
#      crashed on that host in an earlier session with a build that used OpenMP; this build has
#      OpenMP off (LLAMA_EXTRA_CMAKE_ARGS overrides).
# Environment: SIZES, BUILD=0 (reuse an llama-cpp-python already on PYTHONPATH), PY (python).
set -u
export PYTHONUNBUFFERED=1
repo=$(pwd); carry=$repo/.gpu; out=${OUT:-/tmp/out}; py=${PY:-python3}
mkdir -p "$out" /tmp/pp-logs
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv 2>/dev/null || echo "no GPU"
SECONDS=0
if [ "${BUILD:-1}" = 1 ]; then
  mkdir -p /tmp/site && tar xJf "$carry/site312.tar.xz" -C /tmp/site || exit 1
  "$py" -m pip install -q --no-index --no-deps --target /tmp/site "$carry"/diskcache-*.whl
  tar xzf "$carry/llama-trim.tar.gz" -C /tmp
  src=$(echo /tmp/llama_cpp_python-*)
  (cd "$src" && CMAKE_BUILD_PARALLEL_LEVEL=16 \
    CMAKE_ARGS="-DGGML_CUDA=on -DCMAKE_CUDA_ARCHITECTURES=90 ${LLAMA_EXTRA_CMAKE_ARGS:--DGGML_OPENMP=OFF}" \
    "$py" -m pip wheel -q --no-deps --no-build-isolation -w /tmp/wh . > /tmp/build.log 2>&1) \
    || { tail -40 /tmp/build.log; exit 1; }
  echo "build_s=$SECONDS"
  "$py" -m pip install -q --no-index --no-deps --target /tmp/llama /tmp/wh/*.whl || exit 1
  export PYTHONPATH=/tmp/site:$src/vendor/llama.cpp/gguf-py
fi
base=${PYTHONPATH:-}
with_llama=/tmp/llama:$base
"$py" -c "import proxy.app" || exit 1
sizes=(${SIZES:-1b 8b})
for size in "${sizes[@]}"; do
  model=/tmp/m-$size.gguf
  "$py" "$carry/randmodel.py" "$carry/ggml-vocab-llama-bpe.gguf" "$model" "$size" || continue
  echo "== $size: llama_cpp.server in its own process ($SECONDS s)"
  PYTHONPATH=$with_llama "$py" -m llama_cpp.server --model "$model" --model_alias local \
    --n_gpu_layers -1 --n_ctx 4096 --host 127.0.0.1 --port 8999 > "$out/server-$size.log" 2>&1 &
  pid=$!
  for _ in $(seq 360); do
    curl -sf http://127.0.0.1:8999/v1/models >/dev/null && break
    kill -0 $pid 2>/dev/null || break
    sleep 0.5
  done
  PYTHONPATH=$with_llama timeout 240 "$py" bench/local_route.py \
    --server http://127.0.0.1:8999/v1 --languages en --max-tokens 256 --runs 7 \
    --label "gpu-llama-cpp-python-server-$size" --out "$out/local_route-server-$size.json" \
    --keep-log "/tmp/pp-logs/proxy-server-$size.log" \
    || { echo "server route $size failed"; tail -20 "/tmp/pp-logs/proxy-server-$size.log"; }
  kill $pid 2>/dev/null; wait $pid 2>/dev/null
  [ "$size" = "${sizes[0]}" ] || rm -f "$model"
done
# Last, as it may crash: the first size with the model inside the proxy's own process.
size=${sizes[0]}; model=/tmp/m-$size.gguf
echo "== $size: local.kind llama_cpp, the model inside the proxy's process ($SECONDS s)"
PYTHONPATH=$with_llama timeout 200 "$py" bench/local_route.py --model "$model" \
  --n-gpu-layers -1 --n-ctx 4096 --languages en --max-tokens 256 --runs 7 \
  --label "gpu-in-process-$size" --out "$out/local_route-in-process-$size.json" \
  --keep-log "/tmp/pp-logs/proxy-in-process-$size.log"
echo "in_process_rc=$?"
tail -20 "/tmp/pp-logs/proxy-in-process-$size.log" 2>/dev/null
rm -f "$model"
tar czf "$out/proxy-logs.tar.gz" -C /tmp pp-logs 2>/dev/null
echo "total_s=$SECONDS"
