#!/usr/bin/env bash
# The CUDA device backend (docs/definitions.md §23) checked on a GPU in one command: probes the GPU,
# builds -Ddevice=cuda in a clean build directory (only the targets it runs), runs the device tests
# against the CPU backend, the GPU benchmark (tests/bench/bench_device.c --large) and, when PyTorch
# with CUDA is installed, an eager PyTorch D-SGD of the same sizes (tests/bench/torch_dsgd.py), then
# prints a summary of the figures issue 13 asks for: the gossip's GB/s and its fraction of a
# device-to-device copy, D-SGD iterations/s on the GPU vs the CPU backend vs PyTorch, at
# n = 1024 x d = 10^5 and 10^6 (f32) and n = 10^6 x d = 100 (f32, f64), or a line saying why not.
#
# How to run (from any directory: the repository root is found from this script's path):
#     bash scripts/gpu-check.sh [BUILD_DIR]        BUILD_DIR: default build-gpu, wiped first
# On a lent GPU machine, in ONE device call with a 10-minute limit:
#     run(command="bash scripts/gpu-check.sh 2>&1 | tail -80", timeout_s=600)
# Without a usable GPU it prints one line and exits 3 within seconds (nothing is built);
# GPU_CHECK_BUILD_ONLY=1 builds anyway and stops after the build (to check the build on any machine);
# GPU_CHECK_JOBS=N limits ninja's jobs (default: every core).
#
# Time: every step runs under `timeout`, within a deadline of 470 s from the start (GPU_CHECK_TOTAL
# overrides it), so the script ends within 8 minutes; a step cut by its limit is reported in one line
# and the later steps still run in what is left. Budgets: probe 30 s, configure 60 s, build 200 s,
# tests 90 s, benchmark 180 s, PyTorch 60 s. On the 2-core build machine (shared, under nice -n 10)
# the cuda build of just these targets took 84 s from a clean directory with -j2 (two nvcc compiles
# of Thrust sources, ~40 s each, are most of it); with 16 cores expect under a minute.
# Needs: nvcc (on PATH or /usr/local/cuda/bin), meson, ninja, cc/c++, pkg-config, Criterion and the
# other Debian -dev packages of scripts/deps.sh (not libthrust-dev: nvcc brings its own Thrust).
# Exit status: 0 everything ran and passed; 1 a test or the benchmark failed; 2 configure or build
# failed; 3 no usable GPU or a missing tool; 124 a step ran out of time (the others passed).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 3
dir=${1:-build-gpu}
total=${GPU_CHECK_TOTAL:-470}
t0=$SECONDS
status=0
case "$dir" in "" | / | . | .. | ./ | ../) echo "gpu-check: refusing to wipe '$dir': give a build directory" >&2; exit 3 ;; esac
log=$(mktemp -d /tmp/gpu-check.XXXXXX) || exit 3
trap 'rm -rf "$log"' EXIT
for f in probe configure build tests bench torch; do : > "$log/$f.out"; done

say() { echo "gpu-check: $*"; }
left() { echo $((total - (SECONDS - t0))); }
worse() { if [ "$1" -ne 0 ] && { [ "$status" -eq 0 ] || [ "$status" -eq 124 ]; }; then status=$1; fi; }
# step NAME BUDGET CMD...: CMD under timeout min(BUDGET, time left), its output in $log/NAME.out;
# returns CMD's status (124: cut by the limit, 125: no time left to start it)
step() {
    local name=$1 budget=$2 lim
    shift 2
    lim=$(left)
    [ "$lim" -gt "$budget" ] && lim=$budget
    if [ "$lim" -lt 5 ]; then
        say "$name: skipped, the ${total} s deadline is reached"
        return 125
    fi
    local s=$SECONDS rc
    timeout -k 5 "$lim" "$@" > "$log/$name.out" 2>&1
    rc=$?
    if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
        say "$name: cut at its ${lim} s limit (after $((SECONDS - s)) s)"
        rc=124
    fi
    return $rc
}

# ---- 0. tools and the GPU (fast: no build) ----
nvcc=$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)
missing=""
[ -x "$nvcc" ] || missing+=" nvcc(PATH or /usr/local/cuda/bin)"
for t in meson ninja c++ pkg-config timeout; do command -v $t > /dev/null || missing+=" $t"; done
command -v pkg-config > /dev/null && ! pkg-config --exists criterion && missing+=" criterion(libcriterion-dev)"
if [ -n "$missing" ]; then
    say "missing:$missing"
    exit 3
fi
export PATH=$(dirname "$nvcc"):$PATH
cat > "$log/probe.cpp" <<'EOF'
#include <cstdio>
#include <cuda_runtime.h>
int main()
{
    int n = 0;
    cudaError_t e = cudaGetDeviceCount(&n);
    if (e != cudaSuccess) { std::printf("no usable CUDA GPU (cudaGetDeviceCount: %s: %s)\n", cudaGetErrorName(e), cudaGetErrorString(e)); return 1; }
    if (n < 1) { std::printf("no CUDA GPU (cudaGetDeviceCount: 0)\n"); return 1; }
    cudaDeviceProp p;
    if ((e = cudaGetDeviceProperties(&p, 0)) != cudaSuccess) { std::printf("cudaGetDeviceProperties: %s\n", cudaGetErrorString(e)); return 1; }
    std::printf("%s (sm_%d%d, %.1f GiB), %d GPU(s)\n", p.name, p.major, p.minor, p.totalGlobalMem / 1073741824.0, n);
    return 0;
}
EOF
build_only=${GPU_CHECK_BUILD_ONLY:-0}
step probe 30 sh -c "'$nvcc' -o '$log/probe' '$log/probe.cpp' && '$log/probe'"
rc=$?
if [ $rc -ne 0 ] && [ "$build_only" = 1 ]; then
    say "no GPU ($(tail -n 1 "$log/probe.out")): GPU_CHECK_BUILD_ONLY=1, building only"
elif [ $rc -ne 0 ]; then
    say "$(tail -n 1 "$log/probe.out")"
    exit 3
else
    say "GPU: $(tail -n 1 "$log/probe.out"); nvcc $("$nvcc" --version | sed -n 's/.*release \([0-9.]*\).*/\1/p')"
fi

# ---- 1. configure and build, from a clean directory ----
# werror off: this script checks behaviour on the GPU; warnings are CI's (-Dwerror=true builds),
# and another compiler version here must not stop the run
rm -rf "$dir"
step configure 60 meson setup "$dir" -Ddevice=cuda -Dwerror=false -Dmpi=disabled -Dpython=disabled -Dtools=false
rc=$?
if [ $rc -eq 124 ] || [ $rc -eq 125 ]; then
    exit 124
elif [ $rc -ne 0 ]; then
    say "configure failed (meson setup, status $rc):"
    tail -n 8 "$log/configure.out"
    exit 2
fi
s=$SECONDS
step build 200 ninja -C "$dir" -j "${GPU_CHECK_JOBS:-$(nproc)}" tests/test_device tests/test_devgrad tests/test_sim tests/bench/bench_device
rc=$?
if [ $rc -eq 124 ] || [ $rc -eq 125 ]; then
    exit 124
elif [ $rc -ne 0 ]; then
    say "build failed (status $rc) after $((SECONDS - s)) s:"
    grep -E -A12 '^FAILED|error' "$log/build.out" | head -n 30
    exit 2
fi
say "built in $((SECONDS - s)) s"
if [ "$build_only" = 1 ]; then
    say "GPU_CHECK_BUILD_ONLY=1: stopping after the build, in $((SECONDS - t0)) s"
    exit 0
fi

# ---- 2. the device tests against the CPU backend ----
step tests 90 meson test -C "$dir" --no-rebuild --print-errorlogs devgrad device sim
rc=$?
grep -E '^ *[0-9]+/[0-9]+ ' "$log/tests.out" | sed 's/^/  /'
if [ $rc -ne 0 ]; then
    [ $rc -ne 124 ] && { say "tests FAILED (status $rc):"; grep -E -B2 -A8 'FAIL|ERROR' "$log/tests.out" | head -n 40; }
    worse $([ $rc -eq 124 ] && echo 124 || echo 1)
fi

# ---- 3. the benchmark, then eager PyTorch ----
step bench 180 "$dir/tests/bench/bench_device" --large
rc=$?
sed 's/^/  /' "$log/bench.out"
if [ $rc -ne 0 ]; then
    [ $rc -ne 124 ] && say "benchmark FAILED (status $rc)"
    worse $([ $rc -eq 124 ] && echo 124 || echo 1)
fi
if timeout 30 python3 -c 'import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)' > /dev/null 2>&1; then
    step torch 60 python3 tests/bench/torch_dsgd.py
    rc=$?
    [ $rc -ne 0 ] && [ $rc -ne 124 ] && { say "PyTorch D-SGD failed (status $rc):"; tail -n 3 "$log/torch.out"; }
    have_torch=1
else
    have_torch=0
fi

# ---- summary: one line per configuration ----
echo "== summary ($(tail -n 1 "$log/probe.out"))"
for cfg in "n=1024 x d=100000 f32" "n=1024 x d=1000000 f32" "n=1000000 x d=100 f32" "n=1000000 x d=100 f64"; do
    b=$(grep -F "= $cfg:" "$log/bench.out" | head -n 1 | sed "s/^= $cfg: //")
    why=$(grep -F "$cfg" "$log/bench.out" | grep -F skipped | head -n 1 | sed 's/^[^:]*: //')
    t=$(grep -F "= $cfg:" "$log/torch.out" | head -n 1 | sed "s/^= $cfg: //")
    if [ -n "$b" ]; then
        line="$cfg: $b"
        dev=$(echo "$b" | sed -n 's/.*dsgd \([0-9.e+-]*\) it\/s device.*/\1/p')
        tor=$(echo "$t" | sed -n 's/^torch \([0-9.e+-]*\) it\/s.*/\1/p')
        if [ -n "$tor" ] && [ -n "$dev" ]; then
            line+="; torch $tor it/s ($(awk -v a="$dev" -v b="$tor" 'BEGIN { printf "%.2fx", a / b }'))"
        elif [ "$have_torch" -eq 1 ]; then
            line+="; ${t:-torch: no figure}"
        else
            line+="; torch: not installed with CUDA"
        fi
        echo "  $line"
    elif [ -n "$why" ]; then
        echo "  $cfg: not run: $why"
    else
        echo "  $cfg: not run: the benchmark did not reach it (see above)"
    fi
done
say "done in $((SECONDS - t0)) s, status $status"
exit $status
