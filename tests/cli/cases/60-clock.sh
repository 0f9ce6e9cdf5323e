# Sourced by run_cli_tests.sh: sim's simulated wall-clock (docs/definitions.md §15). The time column
# against the closed form K·(T + deg·(α + S/B)), --target-loss and --time-limit stopping at the right
# row, the summary's split, resuming with the time column intact, and the new options' bad values.
#
# Dyadic parameters make the closed forms exact: T = 0.125 s, α = 0.25 s, S = 1024 bytes,
# B = 4096 bytes/s, so one message costs 0.5 s and a ring step 0.125 + 2 × 0.5 = 1.125 s.

CL=$TMP/clock
mkdir -p "$CL"
C8v=(sim --topology ring -n 8 --problem logreg-nc --dim 5 --samples 20 --batch 4 --lr 0.5
    --compute-time 0.125 --latency 0.25 --message-bytes 1024 --bandwidth 4096)
C8=("${C8v[@]}" --quiet)

# ---- the time column ---------------------------------------------------------------------------
run "${C8[@]}" --iters 20 --log-every 5 --log "$CL/ring.csv"
if [ "$rc" -eq 0 ] && [ "$(grep -v '^#' "$CL/ring.csv" | head -1)" = "iter,loss,grad_norm2,consensus,accuracy,gossip_rounds,messages,bytes_sent,lr,time,staleness" ] &&
    grep -v '^#' "$CL/ring.csv" | awk -F, 'NR > 1 && $10 != $1 * 1.125 { bad = 1 } END { exit bad || NR != 6 }'; then
    ok "sim: the time column is iter x (T + 2 (alpha + S/B)) on a ring with constant compute"
else not_ok "sim: the time column is iter x (T + 2 (alpha + S/B)) on a ring" "rc=$rc" "$(cat "$CL/ring.csv" | head -8)"; fi

run "${C8[@]}" --iters 10 --algo psgd --log-every 10 --format json
# 2(n-1)(alpha + S/(nB)) = 14 x (0.25 + 1024/32768) = 3.9375 per step, plus T
if [ "$rc" -eq 0 ] && tail -1 "$TMP/out" | grep -q '"lr":0.5,"time":40.625,"staleness":null}$'; then
    ok "sim --algo psgd --format json: time is K x (T + 2(n-1)(alpha + S/(nB))) under the key time"
else not_ok "sim --algo psgd --format json: time key with the All-Reduce closed form" "rc=$rc" "$(tail -1 "$TMP/out")"; fi

# the default message is the model's bytes: p = 5 doubles = 40 bytes
run sim --topology ring -n 4 --dim 5 --samples 20 --iters 4 --log-every 4 --quiet --latency 0 --bandwidth 10 \
    --compute-time 0
if [ "$rc" -eq 0 ] && tail -1 "$TMP/out" | grep -qE ',32,$'; then
    ok "sim: --message-bytes defaults to the model's bytes (4 steps x 2 messages x 40 B / 10 B/s = 32 s)"
else not_ok "sim: --message-bytes defaults to the model's bytes" "rc=$rc" "$(tail -1 "$TMP/out")"; fi

# ---- the summary -------------------------------------------------------------------------------
run "${C8v[@]}" --iters 8 --log "$CL/sum.csv"
if [ "$rc" -eq 0 ] && grep -qE '^# simulated time 9 s \(per node: compute 11\.1%, communication 88\.9%, waiting 0\.0%\)$' "$TMP/err"; then
    ok "sim: the summary states the simulated time and its compute/communication split"
else not_ok "sim: the summary states the simulated time and its split" "rc=$rc" "$(stderr_tail)"; fi

# a 50x straggler on a ring: node 3 waits for nobody, so everyone goes at 50 T + 1 s per step
run "${C8v[@]}" --iters 8 --slow 3:50 --log "$CL/slow.csv"
if [ "$rc" -eq 0 ] && tail -1 "$CL/slow.csv" | grep -qE ',58,$' && grep -q 'waiting' "$TMP/err"; then
    ok "sim --slow 3:50: synchronous gossip goes at the straggler's pace (8 x (50 x 0.125 + 1) = 58 s)"
else not_ok "sim --slow 3:50: the straggler's pace" "rc=$rc" "$(tail -1 "$CL/slow.csv")" "$(stderr_tail)"; fi

# ---- stopping rules ----------------------------------------------------------------------------
run "${C8[@]}" --iters 60 --log-every 3 --log "$CL/full.csv"
# the target: the loss logged at iteration 30; the run must stop at the first row at or below it
L=$(awk -F, '$1 == 30 { print $2 }' "$CL/full.csv")
first=$(awk -F, -v L="$L" '$1 ~ /^[0-9]+$/ && $2 <= L { print NR; exit }' "$CL/full.csv")
run "${C8v[@]}" --iters 60 --log-every 3 --target-loss "$L" --log "$CL/target.csv"
if [ "$rc" -eq 0 ] && [ -n "$first" ] && head -"$first" "$CL/full.csv" | cmp -s - "$CL/target.csv" &&
    grep -qE "loss <= .* at iteration $(tail -1 "$CL/target.csv" | cut -d, -f1), simulated time to target" "$TMP/err"; then
    ok "sim --target-loss stops at the first logged row at or below it (row $first) and reports the time to target"
else not_ok "sim --target-loss stops at the first logged row at or below it" "rc=$rc, first=$first" "$(tail -2 "$CL/target.csv")" "$(stderr_tail)"; fi

run "${C8v[@]}" --iters 60 --log-every 3 --target-loss -1 --log "$CL/never.csv"
if [ "$rc" -eq 0 ] && cmp -s "$CL/full.csv" "$CL/never.csv" && grep -q 'target loss -1 not reached' "$TMP/err"; then
    ok "sim --target-loss below reach runs to --iters and says the target was not reached"
else not_ok "sim --target-loss below reach runs to --iters" "rc=$rc" "$(stderr_tail)"; fi

# 1.125 s per step: the first step at or past 5 s is the 5th (5.625 s); its row is logged
run "${C8v[@]}" --iters 60 --log-every 10 --time-limit 5 --log "$CL/limit.csv"
if [ "$rc" -eq 0 ] && [ "$(tail -1 "$CL/limit.csv" | cut -d, -f1,10)" = "5,5.625" ] &&
    [ "$(grep -vc '^#' "$CL/limit.csv")" -eq 3 ] && grep -q 'stopped at --time-limit 5 s (iteration 5)' "$TMP/err"; then
    ok "sim --time-limit 5 stops after the first step at 5 s or more and logs it"
else not_ok "sim --time-limit 5 stops after the first step at 5 s or more" "rc=$rc" "$(cat "$CL/limit.csv")" "$(stderr_tail)"; fi

# ---- determinism and resuming ------------------------------------------------------------------
R8s=(sim --topology matching -n 8 --dim 5 --samples 20 --batch 4 --quiet --compute-time lognormal:0.2,0.8
    --message-bytes 1e6 --log-every 2)
R8=("${R8s[@]}" --slow 2:3,5:1.5)
run "${R8[@]}" --iters 20 --log "$CL/r1.csv"
run "${R8[@]}" --iters 20 --log "$CL/r2.csv"
if [ "$rc" -eq 0 ] && cmp -s "$CL/r1.csv" "$CL/r2.csv" && [ "$(grep -v '^#' "$CL/r1.csv" | cut -d, -f10 | sort -u | wc -l)" -gt 10 ]; then
    ok "sim: same seed, same time column (lognormal compute, slow nodes, a random topology)"
else not_ok "sim: same seed, same time column" "rc=$rc"; fi
run "${R8[@]}" --iters 10 --log "$CL/r3.csv" --checkpoint "$CL/r3.ck" --checkpoint-every 10
run "${R8[@]}" --iters 20 --log "$CL/r3.csv" --resume "$CL/r3.ck"
if [ "$rc" -eq 0 ] && cmp -s "$CL/r1.csv" "$CL/r3.csv"; then
    ok "sim --resume continues the time column bit for bit"
else not_ok "sim --resume continues the time column bit for bit" "rc=$rc" "$(diff "$CL/r1.csv" "$CL/r3.csv" | head -4)"; fi
bad "foreign checkpoint: another --latency" 'latency=1e-05.*latency=0.001' "${R8[@]}" --iters 20 --latency 0.001 \
    --resume "$CL/r3.ck" --log "$CL/r4.csv"
bad "foreign checkpoint: another --slow" 'slow=2:3,5:1.5.*slow=2:3$' "${R8s[@]}" --slow 2:3 --iters 20 \
    --resume "$CL/r3.ck" --log "$CL/r4.csv"

# ---- help and bad values -----------------------------------------------------------------------
run sim --help
missing=
for o in --compute-time --slow --latency --bandwidth --message-bytes --target-loss --time-limit 'lognormal:T,SIGMA' \
    'uniform:A,B' 'exp:T' 'constant; default 0.1' 'default 1e-5' 'default 1.25e9'; do
    grep -q -- "$o" "$TMP/out" || missing="$missing $o"
done
if [ "$rc" -eq 0 ] && [ -z "$missing" ]; then ok "sim --help describes the clock's options and defaults"
else not_ok "sim --help describes the clock's options" "missing:$missing"; fi

S4=(sim --topology ring -n 4 --dim 5 --samples 20 --iters 3 --quiet)
bad "sim --compute-time abc" 'compute-time expects' "${S4[@]}" --compute-time abc
bad "sim --compute-time -1" 'compute-time.*>= 0' "${S4[@]}" --compute-time -1
bad "sim --compute-time gamma:1" "compute-time: unknown distribution 'gamma'" "${S4[@]}" --compute-time gamma:1
bad "sim --compute-time exp:1,2" 'compute-time expects' "${S4[@]}" --compute-time exp:1,2
bad "sim --compute-time lognormal:1" 'compute-time expects' "${S4[@]}" --compute-time lognormal:1
bad "sim --compute-time lognormal:1,-1" 'SIGMA >= 0' "${S4[@]}" --compute-time lognormal:1,-1
bad "sim --compute-time uniform:2,1" '0 <= A <= B' "${S4[@]}" --compute-time uniform:2,1
bad "sim --compute-time inf" 'compute-time expects' "${S4[@]}" --compute-time inf
bad "sim --slow 4:2 with 4 workers" 'slow: node 4 is not one of the 4 workers' "${S4[@]}" --slow 4:2
bad "sim --slow 1:0" 'slow factor must be > 0' "${S4[@]}" --slow 1:0
bad "sim --slow 1:-2" 'slow factor must be > 0' "${S4[@]}" --slow 1:-2
bad "sim --slow 1" 'slow expects I:F' "${S4[@]}" --slow 1
bad "sim --slow x:2" 'slow node expects an integer' "${S4[@]}" --slow x:2
bad "sim --slow 1:2,1:3" 'slow names node 1 twice' "${S4[@]}" --slow 1:2,1:3
bad "sim --slow ," 'slow expects I:F' "${S4[@]}" --slow ,
bad "sim --latency -1" 'latency must be >= 0' "${S4[@]}" --latency -1
bad "sim --latency abc" 'latency expects a number' "${S4[@]}" --latency abc
bad "sim --bandwidth 0" 'bandwidth must be > 0' "${S4[@]}" --bandwidth 0
bad "sim --bandwidth inf" 'bandwidth must be a finite number' "${S4[@]}" --bandwidth inf
bad "sim --message-bytes -5" 'message-bytes must be >= 0' "${S4[@]}" --message-bytes -5
bad "sim --target-loss abc" 'target-loss expects a number' "${S4[@]}" --target-loss abc
bad "sim --target-loss nan" 'target-loss must be a finite number' "${S4[@]}" --target-loss nan
bad "sim --time-limit 0" 'time-limit must be > 0' "${S4[@]}" --time-limit 0
bad "sim --time-limit -3" 'time-limit must be > 0' "${S4[@]}" --time-limit -3

# ---- many nodes: the clock's per-node loops on the simulator's threads ------------------------
# From 65536 nodes the draws and the gossip transition run in parallel (each entry alone, the sums
# in node order): the log, time column included, and the summary's split are those of one thread.
BIG=(sim --topology random-ring -n 70000 --dim 2 --samples 2 --batch 1 --iters 3 --log-every 1
    --compute-time exp:0.1 --slow 5:3,69999:7 --latency 0.001)
OMP_NUM_THREADS=1 run "${BIG[@]}" --log "$CL/big1.csv"
rc1=$rc
cp "$TMP/err" "$CL/big1.err"
OMP_NUM_THREADS=2 run "${BIG[@]}" --log "$CL/big2.csv"
if [ "$rc1" -eq 0 ] && [ "$rc" -eq 0 ] && cmp -s "$CL/big1.csv" "$CL/big2.csv" &&
    [ "$(grep 'simulated time' "$CL/big1.err")" = "$(grep 'simulated time' "$TMP/err")" ] &&
    [ -n "$(grep "simulated time" "$TMP/err")" ] &&
    grep -v "^#" "$CL/big2.csv" | awk -F, 'NR > 2 && $10 <= 0 { bad = 1 } END { exit bad || NR != 5 }'; then
    ok "sim -n 70000 (random-ring, exp compute, stragglers): the clock on 2 threads logs what 1 thread logs"
else not_ok "sim -n 70000: the clock on 2 threads logs what 1 thread logs" "rc=$rc1/$rc" \
    "$(diff "$CL/big1.csv" "$CL/big2.csv" | head -6)" "$(stderr_tail)"; fi
