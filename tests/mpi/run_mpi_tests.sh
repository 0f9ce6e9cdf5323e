#!/usr/bin/env bash
# The simulator over MPI (docs/definitions.md section 24): logs of R-rank runs equal to the
# one-process log byte for byte (cmp), checkpoints that move between R = 2, R = 3 and one process,
# and the refusals. TAP on stdout.
#   tests/mpi/run_mpi_tests.sh BUILD/tools/topomix
# Runs with OMP_NUM_THREADS=1 on both sides: with several threads the one-process sums are combined
# in the order the threads finish, and no two runs need agree. Every mpirun is bounded by timeout
# so that a hang fails the test instead of stalling it.
set -u
TOPOMIX=$(realpath "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
DATA=$HERE/../data
export OMP_NUM_THREADS=1
# root in containers and CI: Open MPI refuses root without these; 2 cores: oversubscribe
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
export OMPI_MCA_mpi_yield_when_idle=1 # a waiting rank gives its core away (oversubscribed)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
cd "$TMP"
count=0
failed=0
ok() { count=$((count + 1)); echo "ok $count - $1"; }
not_ok() {
    count=$((count + 1)); failed=$((failed + 1))
    echo "not ok $count - $1"
    shift
    for l in "$@"; do echo "# $l"; done
}
skip_all() { echo "1..0 # SKIP $1"; exit 0; }

if [ -n "${TMX_SANITIZE:-}" ] && [ "$TMX_SANITIZE" != none ]; then
    # Open MPI's own allocations (libmpi, open-pal, orte, pmix) are reported as leaks and its
    # shared-memory transport trips the sanitizers; the MPI layer's arithmetic is the CPU backend's,
    # which the other suites run under them.
    skip_all "MPI runs are not checked under sanitizers ($TMX_SANITIZE)"
fi
command -v mpirun >/dev/null || skip_all "mpirun not found (apt-get install openmpi-bin)"

mpi() { # mpi R ARGS... : topomix sim under mpirun -np R, bounded
    local r=$1
    shift
    timeout 90 mpirun -np "$r" "$TOPOMIX" sim "$@"
}
BASE=(-n 7 --dim 13 --samples 20 --iters 12 --log-every 3 --batch 4 --quiet)

# same NAME R ARGS... : the R-rank log equals the one-process log (and the run did something)
same() {
    local name=$1 r=$2
    shift 2
    if ! "$TOPOMIX" sim "$@" --log "$name.1.csv" 2>"$name.err"; then
        not_ok "$name: one process failed" "$(head -3 "$name.err")"
        return
    fi
    mpi "$r" "$@" --log "$name.$r.csv" >"$name.out" 2>&1
    local rc=$?
    if [ $rc -ne 0 ]; then
        not_ok "$name: mpirun -np $r exited $rc" "$(head -5 "$name.out")"
    elif ! cmp -s "$name.1.csv" "$name.$r.csv"; then
        not_ok "$name: the -np $r log differs from one process's" "$(diff "$name.1.csv" "$name.$r.csv" | head -4)"
    elif [ "$(grep -vc '^#' "$name.1.csv")" -lt 3 ]; then
        not_ok "$name: the log has no rows"
    else
        ok "$name: -np $r log equals one process's byte for byte"
    fi
}

# rounds NAME : the run's consensus control added gossip rounds (the log's gossip_rounds > iter)
rounds() {
    local last
    last=$(tail -1 "$1.1.csv")
    IFS=, read -r it _ _ _ _ gr _ <<<"$last"
    if [ "$gr" -gt "$it" ]; then ok "$1: consensus control ran extra rounds ($gr rounds in $it iterations)"
    else not_ok "$1: consensus control ran no extra round" "$last"; fi
}

echo "# static topologies (one distributed graph per cached matrix), n = 7 not divisible by R"
same dsgd-ring 2 "${BASE[@]}" --topology ring --algo dsgd
same dsgd-exp 3 "${BASE[@]}" --topology exp --algo dsgd
same dpsgd-onepeer 2 "${BASE[@]}" --topology onepeer-exp --algo dpsgd
same dpsgd-onepeer 3 "${BASE[@]}" --topology onepeer-exp --algo dpsgd
same dmsgd-exp 2 "${BASE[@]}" --topology exp --algo dmsgd
same gt-ring 3 "${BASE[@]}" --topology ring --algo gt
same gt-onepeer 2 "${BASE[@]}" --topology onepeer-exp --algo gt
same psgd-ring 3 "${BASE[@]}" --topology ring --algo psgd
same vdmsgd-exp 3 "${BASE[@]}" --topology exp --algo vdmsgd
same qgdmsgd-ring 2 "${BASE[@]}" --topology ring --algo qgdmsgd
echo "# random topologies (the step's own exchange pattern)"
same dsgd-matching 2 "${BASE[@]}" --topology matching --algo dsgd
same dmsgd-matching 3 "${BASE[@]}" --topology matching --algo dmsgd
same gt-matching 3 "${BASE[@]}" --topology matching --algo gt
echo "# a user's graph (file:), n = 5"
same dsgd-file 2 -n 5 --dim 13 --samples 20 --iters 12 --log-every 3 --batch 4 --quiet --topology "file:$DATA/ring5.mtx" --algo dsgd
same dpsgd-file 3 -n 5 --dim 13 --samples 20 --iters 12 --log-every 3 --batch 4 --quiet --topology "file:$DATA/ring5.mtx" --algo dpsgd
echo "# consensus control: the kernel's fused statistics, chained"
same control-const-dsgd 2 "${BASE[@]}" --topology ring --algo dsgd --consensus-target const:0.2
rounds control-const-dsgd
same control-const-dpsgd 3 "${BASE[@]}" --topology exp --algo dpsgd --consensus-target const:0.2
same control-adaptive-gt 3 "${BASE[@]}" --topology onepeer-exp --algo gt --consensus-target adaptive:0.002
rounds control-adaptive-gt
same control-adaptive-matching 2 "${BASE[@]}" --topology matching --algo dmsgd --consensus-target adaptive:0.002
echo "# single precision, full batches, other problems, the other algorithms"
same f32-dsgd 3 "${BASE[@]}" --topology ring --algo dsgd --precision f32
same f32-control 2 "${BASE[@]}" --topology exp --algo dpsgd --precision f32 --consensus-target const:0.2
same fullbatch 2 -n 7 --dim 13 --samples 20 --iters 8 --log-every 2 --batch full --quiet --topology exp --algo dsgd
same mlp 3 "${BASE[@]}" --topology ring --algo dsgd --problem mlp --hidden 5
same lsq 2 "${BASE[@]}" --topology exp --algo gt --problem lsq-nc
same sgp 3 "${BASE[@]}" --topology onepeer-exp --algo sgp
same local 2 "${BASE[@]}" --topology ring --algo local --period 3
same easgd 3 "${BASE[@]}" --topology ring --algo easgd --period 3 --alpha 0.05
same coop 3 "${BASE[@]}" --topology ring --algo coop --aux 2 --period 2
same clock 2 "${BASE[@]}" --topology exp --algo dsgd --compute-time exp:0.1 --slow 3:4

echo "# each rank holds its agents' shards alone (generated, or kept from the file), byte-identical logs"
same shards-shuffle 3 "${BASE[@]}" --topology ring --algo dsgd --partition shuffle
same shards-skew 2 "${BASE[@]}" --topology exp --algo dmsgd --partition label-skew:0.5 --hetero 1
same shards-mlp-skew 3 "${BASE[@]}" --topology ring --algo dsgd --problem mlp --hidden 5 --partition label-skew:0.3
same shards-f32-shuffle 3 "${BASE[@]}" --topology ring --algo gt --precision f32 --partition shuffle
same shards-coop-aux 3 -n 4 --dim 13 --samples 20 --iters 12 --log-every 3 --batch 4 --quiet --topology ring --algo coop --aux 5 --period 2
"$TOPOMIX" data gen -n 3 --samples 9 --dim 11 --seed 5 -o gen.svm
# a sparse file: every other feature of gen.svm's rows dropped, and a class problem's labels
awk '{ printf "%s", $1; for (i = 2; i <= NF; i += 2) printf " %s", $i; printf "\n" }' gen.svm >sparse.svm
awk '{ $1 = (NR % 3) * 2 + 1; print }' gen.svm >classes.svm
same svm-contiguous 2 -n 7 --data gen.svm --iters 12 --log-every 3 --batch 4 --quiet --topology ring --algo dsgd
same svm-shuffle 3 -n 7 --data sparse.svm --iters 12 --log-every 3 --batch 4 --quiet --topology exp --algo dpsgd --partition shuffle
same svm-skew-mlp 3 -n 5 --data classes.svm --iters 12 --log-every 3 --batch full --quiet --topology ring --algo gt --problem mlp --hidden 4 --partition label-skew:0.5
# memory: with R = 3 every rank reports less data than the whole dataset holds
mpi 3 -n 30 --dim 50 --samples 100 --iters 2 --topology ring --partition shuffle --log /dev/null >mem3.out 2>mem3.err
read -r least most whole < <(sed -n 's/.*data per rank \([0-9.e+]*\) to \([0-9.e+]*\) bytes.*whole dataset.s samples and labels \([0-9.e+]*\))$/\1 \2 \3/p' mem3.err)
# 3000 samples of 50 features and a label: 1224000 bytes; a rank: its 1000 of them (408000), the
# partition (3000 + 31 indices) and its renumbered copy (1000 + 31): 440496 bytes
if [ "${whole:-}" = 1.224e+06 ] && [ "${most:-}" = 440496 ] && [ "${least:-}" = 440496 ]; then
    ok "R = 3: each rank holds 440496 bytes of data, a third of the samples, against 1224000 for the whole set"
else not_ok "data per rank" "$(grep mpi: mem3.err)"; fi

echo "# the gossip's local rows computed while the halo travels (rows of both kinds; p >= 64 and p < 64)"
# small halos here: TOPOMIX_MPI_OVERLAP=1 overlaps whatever their size (by itself from 64 KiB on)
OV=(-n 12 --samples 20 --iters 12 --log-every 3 --batch 4 --quiet)
export TOPOMIX_MPI_OVERLAP=1
same overlap-ring-p100 2 "${OV[@]}" --dim 100 --topology ring --algo dsgd
same overlap-gt-p100 3 "${OV[@]}" --dim 100 --topology ring --algo gt
same overlap-matching 2 "${OV[@]}" --dim 70 --topology matching --algo dmsgd
same overlap-control 2 "${OV[@]}" --dim 100 --topology ring --algo dsgd --consensus-target const:0.2
same overlap-p10 3 "${OV[@]}" --dim 10 --topology ring --algo dmsgd
unset TOPOMIX_MPI_OVERLAP
# a halo of 2 columns of 5000 doubles per rank (80 KB): overlapped by itself
same overlap-auto 2 -n 6 --dim 5000 --samples 4 --iters 4 --log-every 2 --batch 2 --quiet --topology ring --algo dsgd
TOPOMIX_MPI_OVERLAP=0 mpi 2 "${OV[@]}" --dim 100 --topology ring --algo dsgd --log overlap-off.csv >ovoff.out 2>&1
if cmp -s overlap-ring-p100.1.csv overlap-off.csv; then ok "TOPOMIX_MPI_OVERLAP=0 (exchange, then every row): the same log"
else not_ok "the log without overlap differs" "$(head -3 ovoff.out)"; fi

echo "# checkpoints: written with R = 2, resumed with R = 3 and with one process"
CK=(-n 7 --dim 13 --samples 20 --log-every 3 --batch 4 --quiet --topology onepeer-exp --algo dmsgd)
"$TOPOMIX" sim "${CK[@]}" --iters 12 --log full.csv
"$TOPOMIX" sim "${CK[@]}" --iters 6 --log one6.csv --checkpoint one6.ckpt --checkpoint-every 6
mpi 2 "${CK[@]}" --iters 6 --log half.csv --checkpoint r2.ckpt --checkpoint-every 6 >ck.out 2>&1
if cmp -s one6.ckpt r2.ckpt; then ok "the checkpoint written by 2 ranks equals one process's byte for byte"
else not_ok "the 2-rank checkpoint differs from one process's" "$(head -3 ck.out)"; fi
cp half.csv r3.csv
mpi 3 "${CK[@]}" --iters 12 --resume r2.ckpt --log r3.csv >ck3.out 2>&1
if cmp -s full.csv r3.csv; then ok "resumed with 3 ranks: the log equals the uninterrupted run's"
else not_ok "the 3-rank resume differs" "$(head -3 ck3.out)" "$(diff full.csv r3.csv | head -4)"; fi
cp half.csv r1.csv
"$TOPOMIX" sim "${CK[@]}" --iters 12 --resume r2.ckpt --log r1.csv 2>ck1.out
if cmp -s full.csv r1.csv; then ok "resumed in one process: the log equals the uninterrupted run's"
else not_ok "the one-process resume differs" "$(head -3 ck1.out)"; fi
cp one6.csv r23.csv
mpi 2 "${CK[@]}" --iters 12 --resume one6.ckpt --log r23.csv --checkpoint r23.ckpt --checkpoint-every 3 >ck23.out 2>&1
"$TOPOMIX" sim "${CK[@]}" --iters 12 --log /dev/null --checkpoint one12.ckpt --checkpoint-every 12
if cmp -s full.csv r23.csv && cmp -s one12.ckpt r23.ckpt; then
    ok "a one-process checkpoint resumed with 2 ranks: log and final checkpoint equal the uninterrupted run's"
else not_ok "one process -> 2 ranks differs" "$(head -3 ck23.out)"; fi

echo "# checkpoints of a rank's shards: the header hashes the whole dataset, as one process's"
SK=(-n 7 --data sparse.svm --log-every 3 --batch 4 --quiet --topology ring --algo dsgd --partition shuffle)
"$TOPOMIX" sim "${SK[@]}" --iters 12 --log skfull.csv
"$TOPOMIX" sim "${SK[@]}" --iters 6 --log /dev/null --checkpoint sk1.ckpt --checkpoint-every 6
mpi 3 "${SK[@]}" --iters 6 --log skhalf.csv --checkpoint sk3.ckpt --checkpoint-every 6 >sk3.out 2>&1
cp skhalf.csv sk2.csv
mpi 2 "${SK[@]}" --iters 12 --resume sk3.ckpt --log sk2.csv >sk2.out 2>&1
if cmp -s sk1.ckpt sk3.ckpt && cmp -s skfull.csv sk2.csv; then
    ok "shards of a shuffled file: the 3-rank checkpoint equals one process's; resumed with 2 ranks, the same log"
else not_ok "sharded checkpoint" "$(head -3 sk3.out)" "$(head -3 sk2.out)"; fi
# rank 0 holds both agents (the whole dataset), rank 1 auxiliary nodes alone (no sample)
AX=(-n 2 --aux 5 --dim 13 --samples 20 --log-every 3 --batch 4 --quiet --topology ring --algo coop --period 2)
"$TOPOMIX" sim "${AX[@]}" --iters 6 --log /dev/null --checkpoint ax1.ckpt --checkpoint-every 6
mpi 2 "${AX[@]}" --iters 6 --log /dev/null --checkpoint ax2.ckpt --checkpoint-every 6 >ax2.out 2>&1
if cmp -s ax1.ckpt ax2.ckpt; then ok "a rank with every sample beside one with none: the checkpoint equals one process's"
else not_ok "checkpoint with a sample-less rank" "$(head -3 ax2.out)"; fi
mpi 2 -n 7 --data gen.svm --log-every 3 --batch 4 --quiet --topology ring --algo dsgd --partition shuffle --iters 12 \
    --resume sk3.ckpt --log /dev/null >skbad.out 2>skbad.err
if [ $? -eq 2 ] && grep -q 'data-content' skbad.err; then ok "another file's shards: the resume is refused, naming data-content"
else not_ok "resume on other data" "$(head -3 skbad.err)"; fi

echo "# refusals: one line from rank 0, exit 2, no hang"
# refuse NAME REGEX R ARGS... : mpirun exits 2 and stderr holds our line exactly once
refuse() {
    local name=$1 re=$2 r=$3
    shift 3
    mpi "$r" "$@" >"$name.out" 2>"$name.err"
    local rc=$? lines
    lines=$(grep -c '^topomix sim:' "$name.err")
    if [ $rc -eq 2 ] && [ "$lines" -eq 1 ] && grep -Eq "^topomix sim: .*$re" "$name.err" && [ ! -s "$name.out" ]; then
        ok "$name: refused with one line, exit 2"
    else
        not_ok "$name: rc $rc, $lines lines of ours" "$(head -4 "$name.err")"
    fi
}
refuse more-ranks-than-agents "more ranks than the 2 agents" 3 -n 2 --topology ring --iters 3 --log x.csv
[ -e x.csv ] && not_ok "a refused run left its log" || ok "a refused run writes no log"
refuse adpsgd "adpsgd runs in one process" 2 "${BASE[@]}" --topology ring --algo adpsgd --log /dev/null
refuse seeds "--seeds" 2 "${BASE[@]}" --topology ring --seeds 1:2 --log s.csv
refuse bad-option "unknown algorithm" 2 "${BASE[@]}" --topology ring --algo nope
# a rank that cannot allocate its share (its own memory limit): every rank refuses, rank 0 says why
timeout 90 mpirun -np 2 sh -c 'if [ "$OMPI_COMM_WORLD_RANK" = 1 ]; then export TOPOMIX_MEMORY_LIMIT=45M; fi; exec "$0" "$@"' \
    "$TOPOMIX" sim -n 4 --dim 300000 --samples 1 --iters 2 --topology ring --algo dmsgd --log /dev/null >mem.out 2>mem.err
rc=$?
if [ $rc -eq 2 ] && [ "$(grep -c '^topomix sim:' mem.err)" -eq 1 ] && grep -q '^topomix sim: rank 1 of 2: simulation .*needs' mem.err; then
    ok "a rank short of memory: every rank refuses, rank 0 prints rank 1's one line, exit 2"
else
    not_ok "memory refusal: rc $rc" "$(head -3 mem.err)"
fi
# failures before start-up on one rank alone: its message reaches the user as one line
timeout 90 mpirun -np 2 sh -c 'if [ "$OMPI_COMM_WORLD_RANK" = 1 ]; then export TOPOMIX_MEMORY_LIMIT=1M; fi; exec "$0" "$@"' \
    "$TOPOMIX" sim -n 4 --dim 3000 --samples 100 --iters 2 --topology ring --log /dev/null >pre.out 2>pre.err
rc=$?
if [ $rc -eq 2 ] && [ "$(grep -c '^topomix sim:' pre.err)" -eq 1 ] && grep -q '^topomix sim: rank 1 of 2: data_synth: .*needs' pre.err; then
    ok "a rank that cannot hold its shards: every rank refuses, rank 0 prints rank 1's one line, exit 2"
else not_ok "shard memory refusal: rc $rc" "$(head -3 pre.err)"; fi
# rank 1 alone cannot read the topology (a file the other rank reads): it aborts the job, saying why
timeout 90 mpirun -np 2 sh -c 'if [ "$OMPI_COMM_WORLD_RANK" = 1 ]; then set -- "$@" --topology file:missing.mtx; fi; exec "$0" "$@"' \
    "$TOPOMIX" sim -n 5 --dim 13 --samples 10 --iters 2 --topology "file:$DATA/ring5.mtx" --log /dev/null >pre2.out 2>pre2.err
rc=$?
if [ $rc -ne 0 ] && [ $rc -ne 124 ] && [ "$(grep -c '^topomix sim:' pre2.err)" -eq 1 ] &&
    grep -q '^topomix sim: rank 1 of 2: .*missing.mtx' pre2.err; then
    ok "a topology file one rank cannot read: the job ends (exit $rc) with that rank's one line"
else not_ok "rank-local failure before start-up: rc $rc" "$(head -4 pre2.err)"; fi
# a rank killed mid-run: mpirun ends the job with an error well before the timeout
start=$(date +%s)
timeout 60 mpirun -np 2 sh -c 'if [ "$OMPI_COMM_WORLD_RANK" = 1 ]; then (sleep 2; kill -9 $$) & fi; exec "$0" "$@"' \
    "$TOPOMIX" sim -n 8 --dim 2000 --samples 50 --iters 100000000 --log-every 1000 --topology ring --quiet --log /dev/null \
    >kill.out 2>&1
rc=$?
took=$(($(date +%s) - start))
if [ $rc -ne 0 ] && [ $rc -ne 124 ] && [ $took -lt 50 ]; then ok "a rank killed mid-run: the job ends with exit $rc after $took s, no hang"
else not_ok "killed rank: rc $rc after $took s" "$(head -3 kill.out)"; fi
echo "# a summary line with the bytes sent between ranks"
mpi 2 -n 7 --dim 13 --samples 20 --iters 4 --topology ring --log /dev/null >sum.out 2>sum.err
# the ring over 7 agents on ranks {0,1,2} and {3,...,6}: each rank needs 2 columns of the other's
# (2 and 0, 6 and 3), 4 columns of 13 doubles per iteration in all: 416 bytes, the cut's minimum
if grep -Eq '^# mpi: 2 ranks; bytes sent between ranks per iteration [0-9.e+]+ \(model columns 416,' sum.err; then
    ok "summary: the gossip moved the cut's minimum, 4 columns x 13 x 8 = 416 bytes per iteration"
else not_ok "summary line" "$(grep mpi sum.err)"; fi
echo "1..$count"
[ $failed -eq 0 ]
