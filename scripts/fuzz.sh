#!/usr/bin/env bash
# Fuzzes the Matrix Market reader, the LIBSVM reader and the simulator's checkpoint loader with
# libFuzzer (harnesses in tests/fuzz/), each for SECONDS (default 60), under AddressSanitizer,
# LeakSanitizer and UBSan. Every harness also writes back what it parsed and reads it again: a
# round trip that changes anything aborts. Fails (exit 1) on any crash, leak, timeout or mismatch,
# leaving the input under build-fuzz/artifacts/. Prints one line per harness with its execution
# count. Needs clang (Debian's, with libFuzzer: libclang-rt-dev).   scripts/fuzz.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
dir=build-fuzz
command -v clang >/dev/null || { echo "fuzz: clang not found (apt-get install clang)" >&2; exit 1; }

# The library with clang, sanitizers and coverage for libFuzzer; FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
# makes the checkpoint loader skip its checksum, so that mutations reach the fields behind it.
san=(-fsanitize=address,undefined -fno-sanitize-recover=all)
# The readers take no part in the device backend or MPI: those stay out, and with them C++ (the
# harnesses link with clang's C runtime of the sanitizers, which lacks UBSan's C++ handlers).
opts=(-Db_sanitize=address,undefined -Db_lundef=false -Dtests=disabled -Dtools=false -Ddevice=none -Dmpi=disabled
      "-Dc_args=-DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION -fsanitize=fuzzer-no-link -fno-sanitize-recover=all")
if [ -f "$dir/build.ninja" ]; then
  meson setup --reconfigure "$dir" "${opts[@]}" >/dev/null
else
  CC=clang meson setup "$dir" "${opts[@]}" >/dev/null
fi
ninja -C "$dir" lib/libtmx_internal.a >"$dir/build.log" 2>&1 || { tail -40 "$dir/build.log"; exit 1; }

# The harnesses: public headers only, linked with the static library and the dependencies that
# meson records for it in the generated topomix.pc (less -ltopomix itself, and less gslcblas:
# OpenBLAS provides CBLAS, as in meson.build).
libs=("$dir/lib/libtmx_internal.a")
for flag in $(PKG_CONFIG_PATH=$dir/meson-private pkg-config --static --libs topomix); do
  case $flag in -ltopomix | -lgslcblas | -L/usr/local/*) ;; *) libs+=("$flag") ;; esac
done
mkdir -p "$dir/fuzz"
fuzzers=(mtx libsvm checkpoint)
for f in "${fuzzers[@]}"; do
  clang -std=c11 -g -O1 -Wall -Wextra -Werror -fsanitize=fuzzer "${san[@]}" -Ilib/include -I"$dir/lib/include" \
    "tests/fuzz/fuzz_$f.c" "${libs[@]}" -o "$dir/fuzz/fuzz_$f"
done

export ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 OMP_NUM_THREADS=1
fail=0
for f in "${fuzzers[@]}"; do
  # Fuzz a scratch copy of the seeds: the committed corpus never grows from a run.
  corpus=$dir/corpus/$f
  rm -rf "$corpus"
  mkdir -p "$corpus" "$dir/artifacts"
  if [ "$f" = checkpoint ]; then
    # Checkpoint seeds are written by the harness's own configuration at each run rather than
    # committed, so they follow the checkpoint format as it changes.
    TMX_FUZZ_WRITE_SEEDS=$corpus "$dir/fuzz/fuzz_$f"
  else
    cp tests/fuzz/corpus/"$f"/* "$corpus"/
  fi
  # inputs up to 4 KiB, or the largest seed (a checkpoint's size follows the format)
  maxlen=$(find "$corpus" -type f -printf '%s\n' | sort -n | tail -1)
  [ "${maxlen:-0}" -gt 4096 ] || maxlen=4096
  log=$dir/fuzz/fuzz_$f.log
  rc=0
  "$dir/fuzz/fuzz_$f" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len="$maxlen" \
    -print_final_stats=1 -artifact_prefix="$dir/artifacts/$f-" "$corpus" >"$log" 2>&1 || rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  [ -n "$execs" ] || execs=$(sed -n 's/^#\([0-9]*\).*/\1/p' "$log" | tail -1)
  if [ "$rc" -eq 0 ]; then
    echo "fuzz_$f: ${execs:-?} executions in $secs s, corpus $(find "$corpus" -type f | wc -l) inputs, no failure"
  else
    echo "fuzz_$f: FAILED (exit $rc) after ${execs:-?} executions; log $log"
    grep -E '^(fuzz: |==[0-9]+==ERROR|SUMMARY|artifact_prefix|Test unit written)' "$log" | head -20 || true
    echo "  reproduce: $dir/fuzz/fuzz_$f INPUT; minimise: $dir/fuzz/fuzz_$f -minimize_crash=1 -runs=10000 INPUT"
    fail=1
  fi
done
exit $fail
