# Sourced by run_cli_tests.sh: sim --algo adpsgd (docs/definitions.md §16). The staleness column, a
# straggler that AD-PSGD rides out while D-PSGD waits for it, determinism, resuming with gradients in
# flight, and the options that do not apply.
#
# Dyadic parameters: T = 0.125 s, α = 0.25 s, S = 1024 bytes, B = 4096 bytes/s, so a pairwise average
# costs 2 × 0.5 = 1 s and, without stragglers, every worker cycles in 1.125 s.

AD=$TMP/adpsgd
mkdir -p "$AD"
A8=(sim --topology ring -n 8 --algo adpsgd --problem logreg-nc --dim 5 --samples 20 --batch 4 --lr 0.5
    --compute-time 0.125 --latency 0.25 --message-bytes 1024 --bandwidth 4096 --quiet)

# ---- the log -----------------------------------------------------------------------------------
run "${A8[@]}" --iters 20 --log-every 5 --log "$AD/a.csv"
# constant compute, no straggler: n events per 1.125 s, so iteration k ends at k × 1.125; row 0 has
# no events (empty staleness), the others a number >= 0
if [ "$rc" -eq 0 ] && [ "$(grep -v '^#' "$AD/a.csv" | head -1 | cut -d, -f10,11)" = "time,staleness" ] &&
    grep -v '^#' "$AD/a.csv" | awk -F, 'NR == 2 && $11 != "" { bad = 1 } NR > 2 && ($10 != $1 * 1.125 || $11 == "" || $11 < 0) { bad = 1 }
             NR > 1 && $7 != 2 * 8 * $1 { bad = 1 } END { exit bad || NR != 6 }'; then
    ok "sim --algo adpsgd: time k x 1.125 s, 2 messages per event, a staleness column (empty at row 0)"
else not_ok "sim --algo adpsgd: time, messages and staleness columns" "rc=$rc" "$(head -4 "$AD/a.csv")"; fi

run "${A8[@]}" --iters 4 --log-every 4 --format json
if [ "$rc" -eq 0 ] && grep -v '^{"settings":' "$TMP/out" | head -1 | grep -q '"staleness":null}$' && tail -1 "$TMP/out" | grep -qE '"staleness":[0-9.e+-]+}$'; then
    ok "sim --algo adpsgd --format json: staleness null at row 0, a number after"
else not_ok "sim --algo adpsgd --format json: staleness key" "rc=$rc" "$(cat "$TMP/out")"; fi

run "${A8[@]}" --iters 4 --log-every 4 --algo dpsgd --format json
if [ "$rc" -eq 0 ] && tail -1 "$TMP/out" | grep -q '"staleness":null}$'; then
    ok "sim --algo dpsgd --format json: staleness is null for a synchronous algorithm"
else not_ok "sim --algo dpsgd: staleness null" "rc=$rc" "$(tail -1 "$TMP/out")"; fi

# ---- a 10000x straggler ------------------------------------------------------------------------
run "${A8[@]}" --iters 40 --log-every 40 --slow 3:10000 --log "$AD/slow.csv"
ta=$(tail -1 "$AD/slow.csv" | cut -d, -f10)
run "${A8[@]}" --iters 40 --log-every 40 --slow 3:10000 --algo dpsgd --log "$AD/slowd.csv"
td=$(tail -1 "$AD/slowd.csv" | cut -d, -f10)
# AD-PSGD: 320 events by 7 workers at 1.125 s each, about 51 s; D-PSGD: about 40 x 1250 s
if [ "$rc" -eq 0 ] && [ -n "$ta" ] && awk -v a="$ta" -v d="$td" 'BEGIN { exit !(a < 60 && a > 45 && d > 40000) }'; then
    ok "sim --slow 3:10000: adpsgd takes $ta s for 40 iterations, dpsgd $td s"
else not_ok "sim --slow 3:10000: adpsgd rides out the straggler, dpsgd waits" "adpsgd $ta, dpsgd $td, rc=$rc"; fi
run sim --topology ring -n 8 --algo adpsgd --dim 5 --samples 20 --iters 3 --log "$AD/sum.csv"
if [ "$rc" -eq 0 ] && grep -qE '^# simulated time .*; 24 gradient events$' "$TMP/err"; then
    ok "sim --algo adpsgd: the summary counts the gradient events (3 iterations x 8)"
else not_ok "sim --algo adpsgd: the summary counts the events" "rc=$rc" "$(stderr_tail)"; fi

# ---- determinism and resuming ------------------------------------------------------------------
R=(sim --topology er -n 8 --algo adpsgd --dim 5 --samples 20 --batch 4 --quiet --compute-time exp:0.2
    --slow 2:3 --message-bytes 1e6 --log-every 2)
run "${R[@]}" --iters 20 --log "$AD/r1.csv"
run "${R[@]}" --iters 20 --log "$AD/r2.csv"
if [ "$rc" -eq 0 ] && cmp -s "$AD/r1.csv" "$AD/r2.csv" && [ "$(grep -v '^#' "$AD/r1.csv" | cut -d, -f11 | sort -u | wc -l)" -gt 3 ]; then
    ok "sim --algo adpsgd: same seed, same log (exp compute, a slow node, a random topology)"
else not_ok "sim --algo adpsgd: same seed, same log" "rc=$rc"; fi
run "${R[@]}" --iters 20 --seed 2 --log "$AD/r5.csv"
if [ "$rc" -eq 0 ] && ! cmp -s "$AD/r1.csv" "$AD/r5.csv"; then ok "sim --algo adpsgd: another seed, another log"
else not_ok "sim --algo adpsgd: another seed, another log" "rc=$rc"; fi
# every worker has a gradient in flight at any checkpoint (tests/unit/test_adpsgd.c also saves
# between two log rows)
run "${R[@]}" --iters 10 --log "$AD/r3.csv" --checkpoint "$AD/r3.ck" --checkpoint-every 10
run "${R[@]}" --iters 20 --log "$AD/r3.csv" --resume "$AD/r3.ck"
if [ "$rc" -eq 0 ] && cmp -s "$AD/r1.csv" "$AD/r3.csv"; then
    ok "sim --algo adpsgd --resume (8 gradients in flight) continues the log bit for bit"
else not_ok "sim --algo adpsgd --resume continues bit for bit" "rc=$rc" "$(diff "$AD/r1.csv" "$AD/r3.csv" | head -4)"; fi
bad "adpsgd resumed from a dpsgd checkpoint" 'algo=adpsgd, this run has algo=dpsgd' "${R[@]}" --algo dpsgd --iters 20 \
    --resume "$AD/r3.ck" --log "$AD/r4.csv"

# ---- help and options that do not apply --------------------------------------------------------
run sim --help
if [ "$rc" -eq 0 ] && grep -q 'adpsgd' "$TMP/out" && grep -q 'staleness' "$TMP/out"; then
    ok "sim --help describes adpsgd and the staleness column"
else not_ok "sim --help describes adpsgd" "rc=$rc"; fi

S4=(sim --topology ring -n 4 --algo adpsgd --dim 5 --samples 20 --iters 3 --quiet)
bad "sim --algo adpsgd --consensus-target const:0.5" 'consensus-target does not apply to --algo adpsgd' "${S4[@]}" \
    --consensus-target const:0.5
bad "sim --algo adpsgd --consensus-target adaptive:1" 'consensus-target does not apply to --algo adpsgd' "${S4[@]}" \
    --consensus-target adaptive:1
bad "sim --algo adpsgd --control-max-rounds 5" 'control-max-rounds does not apply to --algo adpsgd' "${S4[@]}" \
    --control-max-rounds 5
bad "sim --algo adpsgd --aux 1" 'aux applies to --algo coop only' sim --topology ring -n 4 --aux 1 --algo adpsgd \
    --dim 5 --samples 20 --iters 3 --quiet
bad "sim --algo adpsgdx" "unknown algorithm 'adpsgdx'.*adpsgd" "${S4[@]}" --algo adpsgdx
