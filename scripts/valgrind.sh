#!/usr/bin/env bash
# Runs the unit tests and a few CLI commands under valgrind's memcheck (errors and definite leaks
# fail). Slow: the dense-eigenvalue and 2^20-node suites (kernels, spectral) are left to the
# sanitizer build instead.   scripts/valgrind.sh [BUILD_DIR]
set -uo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build-test}
[ -f "$dir/build.ninja" ] || meson setup "$dir" >/dev/null
ninja -C "$dir" >/dev/null || exit 1
vg=(valgrind -q --error-exitcode=9 --leak-check=full --errors-for-leak-kinds=definite
    --suppressions=tests/valgrind.supp --trace-children=yes)
fail=0
for t in csr io topo basek data sim; do
    if "${vg[@]}" "$dir/tests/test_$t" -j1 >/tmp/topomix-vg.$$ 2>&1; then
        echo "valgrind: test_$t clean"
    else
        echo "valgrind: test_$t FAILED"; grep -E '==[0-9]+==' /tmp/topomix-vg.$$ | head -30; fail=1
    fi
done
tmx=$dir/tools/topomix
for args in "topo ring -n 12 --format mtx" "topo base-k -n 17 --format json" "gap exp -n 100 --check" \
            "gap grid -n 64 --format json" "exact onepeer-exp -n 64" \
            "sim --topology exp -n 4 --algo gt --problem mlp --dim 5 --samples 10 --iters 3 --quiet"; do
    # shellcheck disable=SC2086
    if "${vg[@]}" "$tmx" $args >/dev/null 2>/tmp/topomix-vg.$$; then echo "valgrind: topomix $args clean"
    else echo "valgrind: topomix $args FAILED"; head -30 /tmp/topomix-vg.$$; fail=1; fi
done
rm -f /tmp/topomix-vg.$$
exit $fail
