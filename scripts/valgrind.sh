#!/usr/bin/env bash
# Runs the unit tests and a few CLI commands under valgrind's memcheck (errors and definite leaks
# fail), and checks that the simulator's iteration loop allocates nothing. Slow: the dense-eigenvalue and 2^20-node suites (kernels, spectral) are left to the
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
            "gap grid -n 64 --format json" "gap grid -n 4900 --format json" "exact onepeer-exp -n 64" \
            "gap ring -n 512 --method dense" "gap hypercube -n 512 --method dense" \
            "sim --topology exp -n 4 --algo gt --problem mlp --dim 5 --samples 10 --iters 3 --quiet"; do
    # shellcheck disable=SC2086
    if "${vg[@]}" "$tmx" $args >/dev/null 2>/tmp/topomix-vg.$$; then echo "valgrind: topomix $args clean"
    else echo "valgrind: topomix $args FAILED"; head -30 /tmp/topomix-vg.$$; fail=1; fi
done
# A checkpoint written, a finished run resumed (its summary reads real final values), a failing output
ck=$(mktemp -d /tmp/topomix-vg-ck.XXXXXX)
simargs=(sim --topology ring -n 4 --algo dmsgd --problem logreg-nc --dim 5 --samples 10 --iters 10)
"$tmx" "${simargs[@]}" --quiet --checkpoint "$ck/ck" --checkpoint-every 10 --log "$ck/log.csv" 2>/dev/null
for args in "--checkpoint $ck/ck2 --checkpoint-every 5 --log $ck/log2.csv" "--resume $ck/ck --log $ck/log.csv" \
            "--resume $ck/ck --iters 20 --log $ck/log.csv --quiet" "--resume $ck/log.csv --quiet"; do
    # shellcheck disable=SC2086
    if "${vg[@]}" "$tmx" "${simargs[@]}" $args >/dev/null 2>/tmp/topomix-vg.$$ || ! grep -q '==[0-9]*==' /tmp/topomix-vg.$$; then
        echo "valgrind: topomix sim ... $args clean"
    else echo "valgrind: topomix sim ... $args FAILED"; head -30 /tmp/topomix-vg.$$; fail=1; fi
done
rm -rf "$ck"
# The device backend (a -Ddevice=omp build runs its Thrust kernels on the host): a run and a resume
if "$tmx" sim --topology ring -n 4 --dim 5 --samples 10 --iters 1 --quiet --device gpu >/dev/null 2>&1; then
    ck=$(mktemp -d /tmp/topomix-vg-ck.XXXXXX)
    for args in "--algo gt --problem mlp --topology matching --checkpoint $ck/d --checkpoint-every 3" \
                "--algo sgp --problem mlp --topology exp" "--algo adpsgd --problem lsq-nc --topology ring" \
                "--algo gt --problem mlp --topology matching --resume $ck/d --iters 6"; do
        # shellcheck disable=SC2086
        if "${vg[@]}" "$tmx" sim -n 4 --dim 5 --samples 10 --iters 3 --quiet --device gpu $args >/dev/null 2>/tmp/topomix-vg.$$; then
            echo "valgrind: topomix sim --device gpu $args clean"
        else echo "valgrind: topomix sim --device gpu $args FAILED"; head -30 /tmp/topomix-vg.$$; fail=1; fi
    done
    rm -rf "$ck"
fi
# The simulator's iteration loop allocates nothing: the heap allocations of a run do not grow
# with --iters (random topologies rebuilt in place, no serialised OpenMP regions), on 1 and 2 threads.
allocs() { # prints the allocation count of one run
    OMP_NUM_THREADS=$1 valgrind "$tmx" sim --topology "$2" -n 8 --algo "$3" --problem logreg-nc --dim "$5" \
        --samples 10 --batch 4 --iters "$4" --log-every 1000 --quiet 2>&1 >/dev/null |
        sed -n 's/.*total heap usage: \([0-9,]*\) allocs.*/\1/p'
}
# (d = 20 runs every operation serially, d = 2000 on two threads in parallel regions)
for case in "1 matching dsgd 20" "2 matching dsgd 2000" "2 equidyn gt 2000" "1 ring qgdmsgd 20" "2 exp coop 2000"; do
    read -r thr topo algo dim <<<"$case"
    a=$(allocs "$thr" "$topo" "$algo" 5 "$dim") b=$(allocs "$thr" "$topo" "$algo" 50 "$dim")
    if [ -n "$a" ] && [ "$a" = "$b" ]; then echo "valgrind: sim $topo $algo d=$dim on $thr thread(s): $a allocations for 5 and 50 iterations"
    else echo "valgrind: sim $topo $algo d=$dim on $thr thread(s) allocates in its loop: $a allocations for 5 iterations, $b for 50"; fail=1; fi
done
rm -f /tmp/topomix-vg.$$
exit $fail
