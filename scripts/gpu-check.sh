#!/usr/bin/env bash
# On a machine with a GPU, one command: builds the simulator's CUDA device backend (-Ddevice=cuda,
# release) in its own build directory, runs the device tests against the CPU backend, then the GPU
# benchmark (tests/bench/bench_device.c: gossip bandwidth as a fraction of a device copy, D-SGD
# iterations/s on the GPU vs the CPU backend, n = 1024 x d = 10^6 in f32 and n = 10^6 x d = 100),
# and, when PyTorch is installed, an eager PyTorch D-SGD of the same sizes; prints the figures.
# Sized to finish within 8 minutes on one H200 (most of it building with nvcc and the CPU side of
# the largest configurations).
#   scripts/gpu-check.sh [BUILD_DIR]          (default build-gpu)
# Needs nvcc (on PATH, or /usr/local/cuda/bin), meson, ninja, and the Debian -dev packages of
# scripts/deps.sh (libthrust-dev is not needed: nvcc brings its own Thrust).
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build-gpu}
nvcc=$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)
if [ ! -x "$nvcc" ]; then echo "gpu-check: nvcc not found (PATH or /usr/local/cuda/bin)" >&2; exit 1; fi
export PATH=$(dirname "$nvcc"):$PATH
if command -v nvidia-smi >/dev/null; then
    nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
fi
t0=$(date +%s)
opts=(-Ddevice=cuda -Dbuildtype=release -Dwerror=true -Dpython=disabled)
if [ -f "$dir/build.ninja" ]; then meson setup --reconfigure "$dir" "${opts[@]}" >/dev/null
else meson setup "$dir" "${opts[@]}" >/dev/null; fi
ninja -C "$dir" tests/test_device tests/test_devgrad tests/test_sim tests/bench/bench_device
echo "gpu-check: built in $(( $(date +%s) - t0 )) s"
meson test -C "$dir" --no-rebuild --print-errorlogs devgrad device sim
echo "== benchmark"
"$dir/tests/bench/bench_device" --large
if python3 -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
    echo "== eager PyTorch D-SGD (the same sizes)"
    python3 tests/bench/torch_dsgd.py
else
    echo "== eager PyTorch D-SGD: skipped (no torch with CUDA here)"
fi
echo "gpu-check: done in $(( $(date +%s) - t0 )) s"
